// Taints, tolerations and node/pod conditions as the node lifecycle, taint eviction and pod GC
// controllers read them (k8s.io/api/core/v1 toleration.go, pkg/util/taints, pkg/api/v1/pod).

import { nowRFC3339, type KObject } from '../api/object.js';
import type { IndexFunc } from '../client/informer.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string | null;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_NODE_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The pod index every node-side controller shares: pods by the node they are bound to. */
export const POD_NODE_NAME_INDEX = 'spec.nodeName';
export const podNodeNameIndexFunc: IndexFunc = (pod) => {
  const n = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  return n ? [n] : [];
};

export const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
export const PODS = { group: '', version: 'v1', resource: 'pods' } as const;
export const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' } as const;

/** Taint.MatchTaint: the same key and effect (the value does not count). */
export function matchTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: readonly Taint[] | undefined, t: Taint): boolean {
  return (taints ?? []).some((x) => matchTaint(x, t));
}

/** Toleration.ToleratesTaint. */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? 'Equal') {
    case 'Exists': return true;
    case '': case 'Equal': return (tol.value ?? '') === (taint.value ?? '');
    default: return false;
  }
}

/** v1helper.GetMatchingTolerations: whether every taint is tolerated, and the first toleration used for each. */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): { allTolerated: boolean; used: Toleration[] } {
  if (taints.length === 0) return { allTolerated: true, used: [] };
  if (tolerations.length === 0) return { allTolerated: false, used: [] };
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!t) return { allTolerated: false, used: [] };
    used.push(t);
  }
  return { allTolerated: true, used };
}

/** The shortest tolerationSeconds among tolerations, in ms; -1 when they tolerate forever; 0 for none. */
export function minTolerationMs(tolerations: readonly Toleration[]): number {
  if (tolerations.length === 0) return 0;
  let min = Infinity;
  for (const t of tolerations) {
    if (typeof t.tolerationSeconds !== 'number') continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

export function nodeTaints(node: KObject): Taint[] {
  const t = (node.spec as { taints?: Taint[] } | undefined)?.taints;
  return Array.isArray(t) ? t : [];
}

export function noExecuteTaints(node: KObject): Taint[] {
  return nodeTaints(node).filter((t) => t.effect === 'NoExecute');
}

export function podTolerations(pod: KObject): Toleration[] {
  const t = (pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations;
  return Array.isArray(t) ? t : [];
}

export function podNodeName(pod: KObject): string {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
}

export function podPhase(pod: KObject): string {
  return (pod.status as { phase?: string } | undefined)?.phase ?? '';
}

export function conditionsOf(obj: KObject): Condition[] {
  const c = (obj.status as { conditions?: Condition[] } | undefined)?.conditions;
  return Array.isArray(c) ? c : [];
}

export function getCondition(obj: KObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

/** nodeutil.IsNodeReady. */
export function isNodeReady(node: KObject): boolean {
  return getCondition(node, 'Ready')?.status === 'True';
}

/**
 * podutil.UpdatePodCondition on a copy of the conditions: lastTransitionTime moves only when
 * the status changes. Returns undefined when nothing would change.
 */
export function withPodCondition(conditions: readonly Condition[], cond: Condition, now = nowRFC3339()): Condition[] | undefined {
  const i = conditions.findIndex((c) => c.type === cond.type);
  if (i < 0) return [...conditions, { lastProbeTime: null, lastTransitionTime: now, ...cond }];
  const old = conditions[i];
  const next: Condition = { ...old, ...cond };
  next.lastTransitionTime = cond.status === old.status ? old.lastTransitionTime ?? now : now;
  if (next.status === old.status && next.reason === old.reason && next.message === old.message
    && (cond.lastProbeTime === undefined || cond.lastProbeTime === old.lastProbeTime)) return undefined;
  const out = [...conditions];
  out[i] = next;
  return out;
}

/** A small counting semaphore: at most `max` of the functions run at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  get inFlight(): number { return this.active; }
  get queued(): number { return this.waiting.length; }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so active stays the same.
      if (next) next(); else this.active--;
    }
  }
}
