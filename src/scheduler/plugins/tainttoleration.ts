// TaintToleration: NoSchedule and NoExecute taints must be tolerated (Filter); untolerated
// PreferNoSchedule taints lower a node's score (Score, reversed normalisation).

import type { NodeInfo, PodInfo } from '../cache.js';
import { Code, defaultNormalizeScore, MAX_NODE_SCORE, Status, type CycleState, type FilterPlugin, type PreScorePlugin, type ScorePlugin } from '../framework.js';
import type { Taint, Toleration } from '../types.js';

/** v1.Toleration.ToleratesTaint: an empty key with Exists tolerates every taint (of the effect). */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  for (const t of tolerations ?? []) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first NoSchedule/NoExecute taint no toleration covers. */
export function findUntoleratedTaint(taints: Taint[], tolerations: Toleration[] | undefined): Taint | undefined {
  for (const taint of taints) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

const PRE_SCORE_KEY = 'PreScoreTaintToleration';

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = 'TaintToleration';

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    if (node.taints.length === 0) return undefined;
    const taint = findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations);
    if (!taint) return undefined;
    return new Status(Code.UnschedulableAndUnresolvable, [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`]);
  }

  preScore(state: CycleState, pod: PodInfo): Status | undefined {
    // An empty effect tolerates PreferNoSchedule too.
    state.write(PRE_SCORE_KEY, (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule'));
    return undefined;
  }

  /** The number of untolerated PreferNoSchedule taints. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const tolerations = state.read<Toleration[]>(PRE_SCORE_KEY) ?? pod.pod.spec?.tolerations ?? [];
    let n = 0;
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) n++;
    }
    return n;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  }
}
