// What the eviction subresource and the disruption controller share about PodDisruptionBudgets,
// as k8s.io/component-helpers/apps/poddisruptionbudget and the policy/v1 PDB lister: which
// budgets cover a pod, the DisruptionAllowed condition, and what counts as a healthy pod.

import { selectorFromLabelSelector } from './labels.js';
import { isObject, type KObject, nowRFC3339 } from './object.js';
import type { LabelSelector } from './types.js';

export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';
/** The pod condition the eviction handler sets before it deletes a pod. */
export const DISRUPTION_TARGET_CONDITION = 'DisruptionTarget';

export interface MetaCondition {
  type: string;
  status: string;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: MetaCondition[];
}

export interface PodDisruptionBudget extends KObject {
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: LabelSelector | null;
    unhealthyPodEvictionPolicy?: string;
  };
  status?: PodDisruptionBudgetStatus;
}

interface PodLike extends KObject {
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** podutil.IsPodReady: how a PDB counts a pod healthy. */
export function isPodReady(pod: PodLike): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Whether the budget covers the pod: same namespace, and its selector matches the pod's labels.
 * In policy/v1 a nil selector matches nothing and an empty one every pod; an invalid one nothing.
 */
export function budgetCoversPod(pdb: PodDisruptionBudget, pod: KObject): boolean {
  if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
  const sel = pdb.spec?.selector;
  if (!isObject(sel)) return false;
  try {
    return selectorFromLabelSelector(sel).matches(pod.metadata.labels);
  } catch {
    return false;
  }
}

/** apimeta.SetStatusCondition: a changed status stamps the transition time; reason and message follow. */
export function setStatusCondition(
  conditions: MetaCondition[],
  cond: Omit<MetaCondition, 'lastTransitionTime'> & { lastTransitionTime?: string },
): void {
  const i = conditions.findIndex((c) => c.type === cond.type);
  if (i < 0) {
    conditions.push({ ...cond, lastTransitionTime: cond.lastTransitionTime ?? nowRFC3339() });
    return;
  }
  const cur = conditions[i];
  const next: MetaCondition = { ...cur, reason: cond.reason, message: cond.message, observedGeneration: cond.observedGeneration };
  if (cur.status !== cond.status) {
    next.status = cond.status;
    next.lastTransitionTime = cond.lastTransitionTime ?? nowRFC3339();
  }
  if (next.observedGeneration === undefined) delete next.observedGeneration;
  conditions[i] = next;
}

/** pdbhelper.UpdateDisruptionAllowedCondition. */
export function updateDisruptionAllowedCondition(status: PodDisruptionBudgetStatus): void {
  status.conditions ??= [];
  const allowed = status.disruptionsAllowed > 0;
  setStatusCondition(status.conditions, {
    type: DISRUPTION_ALLOWED_CONDITION,
    status: allowed ? 'True' : 'False',
    reason: allowed ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON,
    message: '',
    observedGeneration: status.observedGeneration ?? 0,
  });
}

/** pdbhelper.ConditionsAreUpToDate. */
export function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const status = pdb.status;
  const cond = status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (!status || !cond) return false;
  if ((status.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if (status.disruptionsAllowed > 0) return cond.status === 'True' && cond.reason === SUFFICIENT_PODS_REASON;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS_REASON;
}
