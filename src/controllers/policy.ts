// The policy and autoscaling controllers of kube-controller-manager, built on the shared
// informers: resourcequota and horizontalpodautoscaling.

import type { APIResource } from '../client/discovery.js';
import type { SharedInformerFactory } from '../client/informer.js';
import { HorizontalPodAutoscalerController } from './horizontalpodautoscaler.js';
import type { ClientFor, Runnable } from './manager.js';
import { ResourceQuotaController } from './resourcequota.js';

export interface PolicyControllerOptions {
  log?: (m: string) => void;
  /** --resource-quota-sync-period */
  resourceQuotaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-sync-period (15 s) */
  hpaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (300 s) */
  hpaDownscaleStabilizationMs?: number;
}

export function policyControllers(
  clients: ClientFor,
  factory: SharedInformerFactory,
  resources: APIResource[],
  opts: PolicyControllerOptions = {},
): Runnable[] {
  return [
    new ResourceQuotaController(clients('resourcequota-controller'), factory, resources, {
      log: opts.log,
      resyncPeriodMs: opts.resourceQuotaSyncPeriodMs,
    }),
    new HorizontalPodAutoscalerController(clients('horizontal-pod-autoscaler'), factory, resources, {
      log: opts.log,
      syncPeriodMs: opts.hpaSyncPeriodMs,
      downscaleStabilizationMs: opts.hpaDownscaleStabilizationMs,
    }),
  ];
}
