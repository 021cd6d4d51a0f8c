// The kubelet's status manager: a pod's status goes to the API (pods/status) only when it differs
// from what was last written, as one merge patch that replaces the lists it carries.

import { PODS, type PodStatus } from '../../api/types.js';
import { isNotFound, type RestClient } from '../../client/index.js';
import { observePodStart } from './metrics.js';
import type { PodObject } from './types.js';

/** JSON with object keys sorted, so that equal statuses compare equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .filter((k) => o[k] !== undefined)
          .map((k) => [k, o[k]]),
      );
    }
    return val;
  });
}

export class StatusManager {
  /** uid -> canonical status last written (or seen on the server). */
  private readonly last = new Map<string, string>();
  /** uid -> the status last written: the base of the next one, since the informer's copy may lag behind it. */
  private readonly lastStatus = new Map<string, PodStatus>();
  /** Patches written; for tests and metrics. */
  writes = 0;

  /** When the agent first saw each pod not yet Running (kubelet_pod_start_duration_seconds). */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly client: RestClient) {}

  /** The statuses last written, one per pod the agent runs (kubelet_running_pods reads them). */
  statuses(): Iterable<PodStatus> {
    return this.lastStatus.values();
  }

  /** Writes status unless it is what the API already has; returns whether it wrote. */
  async set(pod: PodObject, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata.uid!;
    if (!this.firstSeen.has(uid) && !this.lastStatus.has(uid)) this.firstSeen.set(uid, performance.now());
    if (status.phase === 'Running') {
      const seen = this.firstSeen.get(uid);
      if (seen !== undefined) {
        this.firstSeen.delete(uid);
        observePodStart((performance.now() - seen) / 1000);
      }
    }
    const next = canonical(status);
    if (this.last.get(uid) === next) return false;
    if (canonical(pod.status ?? {}) === next) {
      this.last.set(uid, next);
      this.lastStatus.set(uid, status);
      return false;
    }
    const patch: Record<string, unknown> = { ...status };
    for (const k of Object.keys(pod.status ?? {}))
      if (!(k in status) || (status as Record<string, unknown>)[k] === undefined) patch[k] = null;
    try {
      await this.client.patch(
        { ...PODS, namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'status' },
        { metadata: { uid }, status: patch },
        'merge',
      );
      this.writes++;
      this.last.set(uid, next);
      this.lastStatus.set(uid, status);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * The status to build the next one on: the last one written, with the conditions other
   * components own (readiness gates, DisruptionTarget) taken from the API's copy.
   */
  current(pod: PodObject): PodStatus {
    const api = (pod.status ?? {}) as PodStatus;
    const mine = this.lastStatus.get(pod.metadata.uid!);
    if (!mine) return api;
    const types = new Set((mine.conditions ?? []).map((c) => c.type));
    const others = (api.conditions ?? []).filter((c) => !types.has(c.type));
    return { ...api, ...mine, conditions: [...(mine.conditions ?? []), ...others] };
  }

  forget(uid: string): void {
    this.firstSeen.delete(uid);
    this.last.delete(uid);
    this.lastStatus.delete(uid);
  }
}
