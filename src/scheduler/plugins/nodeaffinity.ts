// NodeAffinity: spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution must match
// the node (Filter; terms are ORed, a term's requirements ANDed); matching preferred terms add
// their weights (Score). Terms that name nodes with matchFields metadata.name narrow the nodes
// evaluated at all (PreFilter), as DaemonSet pods do.

import { matchNodeSelectorTerm } from '../../api/nodeaffinity.js';
import type { NodeSelectorTerm, Pod, PreferredSchedulingTerm } from '../../api/types.js';
import type { NodeInfo, PodInfo } from '../cache.js';
import {
  Code,
  type CycleState,
  defaultNormalizeScore,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  Status,
} from '../framework.js';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';
const REJECT = new Status(Code.UnschedulableAndUnresolvable, [ERR_REASON_POD]);

/** nodeaffinity.RequiredNodeAffinity: the pod's nodeSelector AND its required terms. */
export class RequiredNodeAffinity {
  private readonly selector: [string, string][];
  private readonly terms?: NodeSelectorTerm[];

  constructor(pod: Pod) {
    this.selector = Object.entries(pod.spec?.nodeSelector ?? {});
    this.terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  }

  get isEmpty(): boolean {
    return this.selector.length === 0 && this.terms === undefined;
  }

  match(labels: Record<string, string>, nodeName: string): boolean {
    for (const [k, v] of this.selector) if (labels[k] !== v) return false;
    if (this.terms === undefined) return true;
    for (const t of this.terms) if (matchNodeSelectorTerm(t, labels, nodeName)) return true;
    return false;
  }
}

const PRE_FILTER_KEY = 'PreFilterNodeAffinity';
const PRE_SCORE_KEY = 'PreScoreNodeAffinity';

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = 'NodeAffinity';

  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!required && pod.pod.spec?.nodeSelector === undefined) return { status: SKIP };
    state.write(PRE_FILTER_KEY, new RequiredNodeAffinity(pod.pod));
    const terms = required?.nodeSelectorTerms ?? [];
    if (terms.length === 0) return undefined;
    // Terms that all pin metadata.name narrow the nodes; one term without that allows every node.
    let nodeNames: Set<string> | undefined;
    for (const t of terms) {
      let termNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
        const s = new Set(r.values ?? []);
        termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
      }
      if (!termNames) return undefined;
      nodeNames = nodeNames ? new Set([...nodeNames, ...termNames]) : termNames;
    }
    if (nodeNames && nodeNames.size === 0) return { status: new Status(Code.UnschedulableAndUnresolvable, [ERR_REASON_CONFLICT]) };
    return nodeNames ? { nodeNames } : undefined;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    const req = state.read<RequiredNodeAffinity>(PRE_FILTER_KEY) ?? new RequiredNodeAffinity(pod.pod);
    return req.match(node.labels, node.name) ? undefined : REJECT;
  }

  preScore(state: CycleState, pod: PodInfo): Status | undefined {
    const preferred = (pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).filter((t) => t.weight);
    if (preferred.length === 0) return SKIP;
    state.write(PRE_SCORE_KEY, preferred);
    return undefined;
  }

  /** The summed weights of the preferred terms the node matches. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const preferred =
      state.read<PreferredSchedulingTerm[]>(PRE_SCORE_KEY) ??
      pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ??
      [];
    let sum = 0;
    for (const t of preferred) if (t.preference && matchNodeSelectorTerm(t.preference, node.labels, node.name)) sum += t.weight;
    return sum;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  }
}
