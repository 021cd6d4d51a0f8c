// The horizontal pod autoscaler controller, as kube-controller-manager's
// pkg/controller/podautoscaler/horizontal.go: every sync period
// (--horizontal-pod-autoscaler-sync-period, 15 s) each HorizontalPodAutoscaler reads its
// target's scale subresource, the pods its selector names and their usage from
// metrics.k8s.io, computes the desired replicas (podautoscaler-replicas.ts), stabilizes and
// rate-limits them (behavior, or the legacy rules), writes the target's scale when it changes
// and reports status with the AbleToScale, ScalingActive and ScalingLimited conditions.
// Resource metrics (CPU, memory: Utilization and AverageValue) are supported; Pods, Object and
// External metrics need a custom metrics API, which k8ts does not serve (the metric is reported
// invalid, as without an adapter).

import { parseSelector } from '../api/labels.js';
import type { KObject } from '../api/object.js';
import { Quantity } from '../api/quantity.js';
import { PODS, type Pod } from '../api/types.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import type { APIResource } from '../client/discovery.js';
import { type Informer, objectKey, type SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { isNotFound } from '../client/rest.js';
import {
  limitLegacy,
  limitWithBehaviors,
  type PodInfoForScaling,
  type PodMetric,
  type Recommendation,
  recordScaleEvent,
  resourceReplicas,
  type ScaleEvent,
  type ScalingRules,
  stabilizeLegacy,
  stabilizeWithBehaviors,
} from './podautoscaler-replicas.js';

const HPAS = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };
const METRICS_PATH = '/apis/metrics.k8s.io/v1beta1';

export interface HPAControllerOptions extends ControllerOptions {
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (300 s). */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance?: number;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime?: string;
}
interface HPA extends KObject {
  spec: {
    scaleTargetRef: { kind: string; name: string; apiVersion?: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: {
      type: string;
      resource?: { name: string; target: { type: string; averageUtilization?: number; averageValue?: string } };
      [k: string]: unknown;
    }[];
    behavior?: { scaleUp?: ScalingRules; scaleDown?: ScalingRules };
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    lastScaleTime?: string;
    currentMetrics?: unknown[];
    conditions?: Condition[];
  };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const milli = (v: unknown): number | undefined => Quantity.tryParse(v)?.milliValue();

class MetricError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class HorizontalPodAutoscalerController extends Controller {
  private readonly hpas: Informer<HPA>;
  private readonly pods: Informer<Pod>;
  private readonly syncMs: number;
  private readonly downscaleMs: number;
  private readonly tolerance: number;
  /** Per autoscaler: recent recommendations and scale events (the controller's memory, as kube-controller-manager keeps it). */
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly scaleUps = new Map<string, ScaleEvent[]>();
  private readonly scaleDowns = new Map<string, ScaleEvent[]>();

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private readonly resources: APIResource[],
    opts: HPAControllerOptions = {},
  ) {
    super('horizontalpodautoscaler', client, 'horizontal-pod-autoscaler', opts);
    this.syncMs = opts.syncPeriodMs ?? 15_000;
    this.downscaleMs = opts.downscaleStabilizationMs ?? 300_000;
    this.tolerance = opts.tolerance ?? 0.1;
    this.hpas = factory.informerFor<HPA>({ ...HPAS });
    this.pods = factory.informerFor<Pod>({ ...PODS });
    this.hpas.addEventHandler({
      onAdd: (h) => this.loop.enqueue(objectKey(h)),
      onUpdate: (o, h) => {
        if (JSON.stringify(o.spec) !== JSON.stringify(h.spec)) this.loop.enqueue(objectKey(h));
      },
      onDelete: (h) => {
        const k = objectKey(h);
        this.recommendations.delete(k);
        this.scaleUps.delete(k);
        this.scaleDowns.delete(k);
      },
    });
  }

  /** The target's scale subresource, found from its apiVersion and kind through discovery. */
  private scaleRef(hpa: HPA): { group: string; version: string; resource: string; namespace?: string; name: string; subresource: string } {
    const ref = hpa.spec.scaleTargetRef;
    const [group, version] = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion!.split('/') : ['', ref.apiVersion ?? 'v1'];
    const r = this.resources.find((x) => x.group === group && x.kind === ref.kind && (!version || x.version === version));
    if (!r) throw new MetricError('FailedGetScale', `no matches for kind "${ref.kind}" in group "${group}"`);
    return { group, version: r.version, resource: r.resource, namespace: hpa.metadata.namespace, name: ref.name, subresource: 'scale' };
  }

  /** The pods the target selects, with their usage of resource from metrics.k8s.io. */
  private async podMetrics(
    ns: string,
    selector: string,
    resource: string,
  ): Promise<{ pods: PodInfoForScaling[]; metrics: Map<string, PodMetric> }> {
    const sel = parseSelector(selector);
    const podObjs = this.pods.list().filter((p) => p.metadata.namespace === ns && sel.matches(p.metadata.labels));
    let list: {
      items?: {
        metadata: { name: string };
        timestamp: string;
        window: string;
        containers?: { name: string; usage?: Record<string, string> }[];
      }[];
    };
    try {
      list = await this.client.request('GET', `${METRICS_PATH}/namespaces/${encodeURIComponent(ns)}/pods`, { labelSelector: selector });
    } catch (e) {
      throw new MetricError(
        'FailedGetResourceMetric',
        `failed to get ${resource} utilization: unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${(e as Error).message}`,
      );
    }
    const metrics = new Map<string, PodMetric>();
    for (const m of list.items ?? []) {
      let total = 0;
      let any = false;
      for (const c of m.containers ?? []) {
        const v = milli(c.usage?.[resource]);
        if (v !== undefined) {
          total += v;
          any = true;
        }
      }
      const window = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(m.window ?? '');
      const windowMs = window ? Number(window[1]) * (window[2] === 'ms' ? 1 : window[2] === 's' ? 1000 : 60_000) : 0;
      if (any) metrics.set(m.metadata.name, { value: total, timestamp: Date.parse(m.timestamp), windowMs });
    }
    const pods: PodInfoForScaling[] = podObjs.map((p) => {
      let request: number | undefined = 0;
      for (const c of p.spec?.containers ?? []) {
        const r = milli((c.resources?.requests as Record<string, string> | undefined)?.[resource]);
        if (r === undefined) {
          request = undefined;
          break;
        }
        request += r;
      }
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      return {
        name: p.metadata.name ?? '',
        phase: p.status?.phase,
        deleting: !!p.metadata.deletionTimestamp,
        startTime: p.status?.startTime ? Date.parse(p.status.startTime) : undefined,
        ready: ready ? { status: ready.status, lastTransitionTime: Date.parse(ready.lastTransitionTime ?? '') || 0 } : undefined,
        request,
      };
    });
    return { pods, metrics };
  }

  /** computeReplicasForMetrics: the largest proposal of the valid metrics, with their status entries. */
  private async computeReplicas(
    hpa: HPA,
    currentReplicas: number,
    selector: string,
  ): Promise<{ replicas: number; statuses: unknown[]; metricName: string; conditions: Condition[] }> {
    let best = -1;
    let metricName = '';
    const statuses: unknown[] = [];
    const errors: MetricError[] = [];
    for (const spec of hpa.spec.metrics ?? []) {
      if (spec.type !== 'Resource' || !spec.resource) {
        errors.push(
          new MetricError(
            'InvalidMetricSourceType',
            `the HPA was unable to compute the replica count: ${spec.type} metrics are not served here (no custom or external metrics API)`,
          ),
        );
        statuses.push({ type: '' });
        continue;
      }
      const { name, target } = spec.resource;
      try {
        const { pods, metrics } = await this.podMetrics(hpa.metadata.namespace ?? '', selector, name);
        let proposal: number;
        let status: Record<string, unknown>;
        if (target.type === 'Utilization' && target.averageUtilization !== undefined) {
          let r;
          try {
            r = resourceReplicas(
              currentReplicas,
              pods,
              metrics,
              name,
              { utilization: target.averageUtilization },
              this.now(),
              this.tolerance,
            );
          } catch (e) {
            throw new MetricError('FailedGetResourceMetric', `failed to get ${name} utilization: ${(e as Error).message}`);
          }
          proposal = r.replicas;
          status = {
            type: 'Resource',
            resource: { name, current: { averageUtilization: r.utilization, averageValue: Quantity.parse(`${r.rawAverage}m`).toString() } },
          };
          if (proposal > best) metricName = `${name} resource utilization (percentage of request)`;
        } else {
          const avg = milli(target.averageValue);
          if (avg === undefined) throw new MetricError('FailedGetResourceMetric', `invalid target average value for ${name}`);
          let r;
          try {
            r = resourceReplicas(currentReplicas, pods, metrics, name, { averageValue: avg }, this.now(), this.tolerance);
          } catch (e) {
            throw new MetricError('FailedGetResourceMetric', `failed to get ${name} usage: ${(e as Error).message}`);
          }
          proposal = r.replicas;
          status = { type: 'Resource', resource: { name, current: { averageValue: Quantity.parse(`${r.rawAverage}m`).toString() } } };
          if (proposal > best) metricName = `${name} resource`;
        }
        statuses.push(status);
        if (proposal > best) best = proposal;
      } catch (e) {
        errors.push(e instanceof MetricError ? e : new MetricError('FailedGetResourceMetric', (e as Error).message));
        statuses.push({ type: '' });
      }
    }
    if (best < 0) {
      const first = errors[0] ?? new MetricError('InvalidMetricSourceType', 'no metrics');
      throw first;
    }
    const conditions: Condition[] = [
      {
        type: 'ScalingActive',
        status: 'True',
        reason: 'ValidMetricFound',
        message: `the HPA was able to successfully calculate a replica count from ${metricName}`,
      },
    ];
    return { replicas: best, statuses: statuses.filter((s) => (s as { type?: string }).type !== ''), metricName, conditions };
  }

  private history<T>(m: Map<string, T[]>, key: string): T[] {
    if (!m.has(key)) m.set(key, []);
    return m.get(key)!;
  }

  async reconcile(key: string): Promise<number | void> {
    const cached = this.hpas.get(key);
    if (!cached) return;
    const hpa = JSON.parse(JSON.stringify(cached)) as HPA;
    const now = this.now();
    const conditions = new Map<string, Condition>();
    const setCondition = (type: string, status: string, reason: string, message: string) =>
      conditions.set(type, { type, status, reason, message });
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    let scale: { spec?: { replicas?: number }; status?: { replicas?: number; selector?: string } };
    let ref;
    try {
      ref = this.scaleRef(hpa);
      scale = (await this.client.get(ref)) as typeof scale;
    } catch (e) {
      const msg = `the HPA controller was unable to get the target's current scale: ${(e as Error).message}`;
      setCondition('AbleToScale', 'False', 'FailedGetScale', msg);
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', (e as Error).message);
      await this.writeStatus(
        hpa,
        hpa.status?.currentReplicas ?? 0,
        hpa.status?.desiredReplicas ?? 0,
        hpa.status?.currentMetrics ?? [],
        conditions,
        undefined,
      );
      return this.syncMs;
    }
    setCondition('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const currentReplicas = scale.spec?.replicas ?? 0;
    let desired: number;
    let rescaleReason = '';
    let statuses: unknown[] = hpa.status?.currentMetrics ?? [];
    if (currentReplicas === 0 && min !== 0) {
      desired = 0;
      setCondition('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (currentReplicas > max) {
      desired = max;
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (currentReplicas < min) {
      desired = min;
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      let proposal: number;
      try {
        const r = await this.computeReplicas(hpa, currentReplicas, scale.status?.selector ?? '');
        proposal = r.replicas;
        statuses = r.statuses;
        for (const c of r.conditions) conditions.set(c.type, c);
        if (proposal > currentReplicas) rescaleReason = `${r.metricName} above target`;
        else if (proposal < currentReplicas) rescaleReason = 'All metrics below target';
      } catch (e) {
        const me = e instanceof MetricError ? e : new MetricError('FailedGetResourceMetric', (e as Error).message);
        setCondition('ScalingActive', 'False', me.reason, `the HPA was unable to compute the replica count: ${me.message}`);
        this.recorder.event(hpa, 'Warning', me.reason, me.message);
        await this.writeStatus(hpa, currentReplicas, hpa.status?.desiredReplicas ?? currentReplicas, [], conditions, undefined);
        return this.syncMs;
      }
      if (hpa.spec.behavior) {
        const up = hpa.spec.behavior.scaleUp ?? {};
        const down = { ...(hpa.spec.behavior.scaleDown ?? {}) };
        // maybeInitScaleDownStabilizationWindow: an unset window is the controller's.
        if (down.stabilizationWindowSeconds === undefined) down.stabilizationWindowSeconds = Math.round(this.downscaleMs / 1000);
        const st = stabilizeWithBehaviors(
          this.history(this.recommendations, key),
          currentReplicas,
          proposal,
          up.stabilizationWindowSeconds ?? 0,
          down.stabilizationWindowSeconds,
          now,
        );
        if (st.replicas !== proposal) setCondition('AbleToScale', 'True', st.reason, st.message);
        else setCondition('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
        const lim = limitWithBehaviors(
          currentReplicas,
          st.replicas,
          min,
          max,
          up,
          down,
          this.history(this.scaleUps, key),
          this.history(this.scaleDowns, key),
          now,
        );
        setCondition('ScalingLimited', lim.replicas === st.replicas ? 'False' : 'True', lim.reason, lim.message);
        desired = lim.replicas;
      } else {
        const stabilized = stabilizeLegacy(this.history(this.recommendations, key), proposal, this.downscaleMs, now);
        if (stabilized !== proposal)
          setCondition(
            'AbleToScale',
            'True',
            'ScaleDownStabilized',
            'recent recommendations were higher than current one, applying the highest recent recommendation',
          );
        else setCondition('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
        const lim = limitLegacy(currentReplicas, stabilized, min, max);
        setCondition('ScalingLimited', lim.replicas === stabilized ? 'False' : 'True', lim.reason, lim.message);
        desired = lim.replicas;
      }
    }
    let lastScaleTime: string | undefined;
    if (desired !== currentReplicas) {
      try {
        await this.client.update(ref, {
          apiVersion: 'autoscaling/v1',
          kind: 'Scale',
          metadata: { name: ref.name, namespace: ref.namespace },
          spec: { replicas: desired },
        });
      } catch (e) {
        setCondition(
          'AbleToScale',
          'False',
          'FailedUpdateScale',
          `the HPA controller was unable to update the target scale: ${(e as Error).message}`,
        );
        this.recorder.event(
          hpa,
          'Warning',
          'FailedRescale',
          `New size: ${desired}; reason: ${rescaleReason}; error: ${(e as Error).message}`,
        );
        await this.writeStatus(hpa, currentReplicas, currentReplicas, statuses, conditions, undefined);
        return this.syncMs;
      }
      setCondition('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      const change = desired - currentReplicas;
      if (hpa.spec.behavior) {
        if (change > 0) recordScaleEvent(this.history(this.scaleUps, key), hpa.spec.behavior.scaleUp, change, now);
        else recordScaleEvent(this.history(this.scaleDowns, key), hpa.spec.behavior.scaleDown, -change, now);
      }
      lastScaleTime = iso(now);
    }
    await this.writeStatus(hpa, currentReplicas, desired, statuses, conditions, lastScaleTime);
    return this.syncMs;
  }

  /** setStatus + updateStatusIfNeeded: conditions keep their transition time while their status holds. */
  private async writeStatus(
    hpa: HPA,
    current: number,
    desired: number,
    metrics: unknown[],
    conds: Map<string, Condition>,
    lastScaleTime: string | undefined,
  ): Promise<void> {
    const old = hpa.status ?? {};
    const now = iso(this.now());
    const conditions: Condition[] = [];
    for (const type of ['AbleToScale', 'ScalingActive', 'ScalingLimited']) {
      const c = conds.get(type) ?? old.conditions?.find((x) => x.type === type);
      if (!c) continue;
      const prev = old.conditions?.find((x) => x.type === type);
      conditions.push({ ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now });
    }
    const status = {
      currentReplicas: current,
      desiredReplicas: desired,
      ...(metrics.length ? { currentMetrics: metrics } : {}),
      ...((lastScaleTime ?? old.lastScaleTime) ? { lastScaleTime: lastScaleTime ?? old.lastScaleTime } : {}),
      conditions,
    };
    if (JSON.stringify(status) === JSON.stringify(old)) return;
    try {
      await this.client.update(
        { ...HPAS, namespace: hpa.metadata.namespace, name: hpa.metadata.name, subresource: 'status' },
        { ...hpa, status },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
