// TaintToleration: NoSchedule and NoExecute taints must be tolerated (Filter); untolerated
// PreferNoSchedule taints lower a node's score (Score, reversed normalisation).

import { findUntoleratedTaint, tolerationsTolerateTaint } from '../../api/taints.js';
import type { Toleration } from '../../api/types.js';
import type { NodeInfo, PodInfo } from '../cache.js';
import {
  Code,
  type CycleState,
  defaultNormalizeScore,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type PreScorePlugin,
  type ScorePlugin,
  Status,
} from '../framework.js';

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
    state.write(
      PRE_SCORE_KEY,
      (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
    );
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
