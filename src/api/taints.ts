// Taints and tolerations as every component reads them: the scheduler's TaintToleration
// filter, the node lifecycle and taint eviction controllers, the DefaultTolerationSeconds
// admission (k8s.io/api/core/v1 toleration.go and taint.go, pkg/apis/core/v1/helper,
// k8s.io/component-helpers/scheduling/corev1).

import type { KObject } from './object.js';
import type { Taint, Toleration } from './types.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** Taint.MatchTaint: the same key and effect (the value does not count). */
export function matchTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: readonly Taint[] | undefined, t: Taint): boolean {
  return (taints ?? []).some((x) => matchTaint(x, t));
}

/** Toleration.ToleratesTaint: an empty key with Exists tolerates every taint (of the effect). */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case '':
    case 'Equal':
      return (tol.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** v1helper.GetMatchingTolerations: whether every taint is tolerated, and the first toleration used for each. */
export function matchingTolerations(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): { allTolerated: boolean; used: Toleration[] } {
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

/** v1helper.TolerationsTolerateTaint: some toleration covers the taint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** The first NoSchedule/NoExecute taint no toleration covers (FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): Taint | undefined {
  return taints.find(
    (taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerationsTolerateTaint(tolerations, taint),
  );
}
