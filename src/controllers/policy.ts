// The policy and autoscaling controllers of kube-controller-manager, built on the shared
// informers: resourcequota and horizontalpodautoscaling.

import type { RestClient } from '../client/rest.js';
import type { SharedInformerFactory } from '../client/informer.js';
import type { APIResource } from '../client/discovery.js';
import { ResourceQuotaController } from './resourcequota.js';
import { HorizontalPodAutoscalerController } from './horizontalpodautoscaler.js';
import type { Runnable } from './manager.js';

export interface PolicyControllerOptions {
  log?: (m: string) => void;
  /** --resource-quota-sync-period */
  resourceQuotaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-sync-period (15 s) */
  hpaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (300 s) */
  hpaDownscaleStabilizationMs?: number;
}

export function policyControllers(client: RestClient, factory: SharedInformerFactory, resources: APIResource[], opts: PolicyControllerOptions = {}): Runnable[] {
  return [
    new ResourceQuotaController(client, factory, resources, { log: opts.log, resyncPeriodMs: opts.resourceQuotaSyncPeriodMs }),
    new HorizontalPodAutoscalerController(client, factory, resources, { log: opts.log, syncPeriodMs: opts.hpaSyncPeriodMs, downscaleStabilizationMs: opts.hpaDownscaleStabilizationMs }),
  ];
}
