// Pod and node status as every component reads it: phase, node name and conditions
// (pkg/api/v1/pod's GetPodCondition and UpdatePodCondition, pkg/util/node's IsNodeReady).

import { type KObject, nowRFC3339 } from './object.js';

/** A condition of any kind (pod, node, workload): the fields they share. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string | null;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
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
  // A loop, not find(): controllers ask this of every pod they own on each sync.
  const cs = (obj.status as { conditions?: Condition[] } | undefined)?.conditions;
  if (!Array.isArray(cs)) return undefined;
  for (const c of cs) if (c.type === type) return c;
  return undefined;
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
  next.lastTransitionTime = transitionTime(conditions, cond.type, cond.status, now);
  if (
    next.status === old.status &&
    next.reason === old.reason &&
    next.message === old.message &&
    (cond.lastProbeTime === undefined || cond.lastProbeTime === old.lastProbeTime)
  )
    return undefined;
  const out = [...conditions];
  out[i] = next;
  return out;
}

/** When a condition with this status began: the previous one's time while the status holds, else now. */
export function transitionTime(previous: readonly Condition[] | undefined, type: string, status: string, now: string): string {
  const p = previous?.find((c) => c.type === type);
  return p && p.status === status && p.lastTransitionTime ? p.lastTransitionTime : now;
}

/** podutil.IsPodReady. */
export function isPodReady(pod: KObject): boolean {
  return getCondition(pod, 'Ready')?.status === 'True';
}
