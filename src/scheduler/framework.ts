// The scheduling framework's shape, as kube-scheduler's: a pod goes through PreFilter, Filter
// (per node, first rejecting plugin wins), PreScore, Score and NormalizeScore; each plugin is a
// small named object. Statuses carry Kubernetes' codes and reason strings, which end up, counted,
// in the FailedScheduling message.

import type { KObject } from '../api/object.js';
import type { SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import type { NodeInfo, PodInfo, SchedulerCache } from './cache.js';
import type { ClusterEvent } from './queue.js';

export enum Code {
  Success = 0,
  Error = 1,
  /** Might fit after the cluster changes, or after preemption. */
  Unschedulable = 2,
  /** Preemption cannot help (a label, a taint, a name). */
  UnschedulableAndUnresolvable = 3,
  Skip = 5,
}

export class Status {
  plugin = '';
  constructor(
    readonly code: Code,
    readonly reasons: string[] = [],
  ) {}
  isSuccess(): boolean {
    return this.code === Code.Success;
  }
  isSkip(): boolean {
    return this.code === Code.Skip;
  }
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }
  message(): string {
    return this.reasons.join(', ');
  }
  withPlugin(name: string): Status {
    const s = new Status(this.code, this.reasons);
    s.plugin = name;
    return s;
  }
}

export const SKIP = new Status(Code.Skip);
export const MAX_NODE_SCORE = 100;

/** Per-attempt scratch space shared by a plugin's extension points. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  activeFilters?: FilterPlugin[];
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, v: unknown): void {
    this.data.set(key, v);
  }
}

/** What plugins may read besides the pod and node: the cache and the objects spreading looks at. */
export interface Handle {
  cache: SchedulerCache;
  listers: Listers;
  /** The scheduler's API client, for plugins that write before the binding (PreBind). */
  client?: RestClient;
  /** The scheduler's informers, for plugins that need more of the cluster (claims, volumes). */
  informers?: SharedInformerFactory;
  /** Moves pods a plugin rejected back to the active queue when what it waits for changed. */
  requeue?(event: ClusterEvent): void;
}

/** Read-only views of informer caches (by namespace and name). */
export interface Listers {
  services(namespace: string): KObject[];
  replicaSet(namespace: string, name: string): KObject | undefined;
  statefulSet(namespace: string, name: string): KObject | undefined;
  replicationController(namespace: string, name: string): KObject | undefined;
}

export const emptyListers: Listers = {
  services: () => [],
  replicaSet: () => undefined,
  statefulSet: () => undefined,
  replicationController: () => undefined,
};

export interface Plugin {
  readonly name: string;
}

export interface PreFilterOutcome {
  /** Only these nodes can fit (NodeAffinity's metadata.name terms); undefined: all nodes. */
  nodeNames?: Set<string>;
  status?: Status;
}

export interface PreFilterPlugin extends Plugin {
  /** A Skip status skips this plugin's Filter for the pod. */
  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined;
}

export interface FilterPlugin extends Plugin {
  /** Undefined means the node fits. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
}

export interface PreScorePlugin extends Plugin {
  /** A Skip status skips this plugin's Score for the pod. */
  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): Status | undefined;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites scores (same order as nodes) into 0..MAX_NODE_SCORE. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[], nodes: NodeInfo[]): void;
}

export interface ReservePlugin extends Plugin {
  /** The node is chosen: hold what the pod will take there (volumes) so later pods do not take it too. */
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status | undefined;
  /** The attempt failed after Reserve: give back what reserve held. */
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PreBindPlugin extends Plugin {
  /** Before the binding is written: make the API writes the pod needs first, and wait for them to take effect. */
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined>;
}

/** framework.DefaultNormalizeScore: scales to 0..max by the highest score, optionally reversed. */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}

/** Why a pod fits nowhere: each failed node's status, for the "0/N nodes are available" message. */
export interface Diagnosis {
  nodeToStatus: Map<string, Status>;
  /** The status of nodes not in nodeToStatus (PreFilter narrowed the nodes, or preemption left them out). */
  absentNodesStatus?: Status;
  preFilterMsg?: string;
  postFilterMsg?: string;
  unschedulablePlugins: Set<string>;
}

export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
}

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/** framework.FitError.Error(): "0/3 nodes are available: 1 ..., 2 .... preemption: ...." */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const reasons = new Map<string, number>();
    for (const st of d.nodeToStatus.values()) for (const r of st.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    if (d.nodeToStatus.size < numAllNodes && d.absentNodesStatus) {
      for (const r of d.absentNodesStatus.reasons) reasons.set(r, (reasons.get(r) ?? 0) + numAllNodes - d.nodeToStatus.size);
    }
    // Go's sort.Strings over "<count> <reason>": byte order, so "10 x" sorts before "2 x".
    const lines = [...reasons].map(([r, n]) => `${n} ${r}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (lines.length) msg += ` ${lines.join(', ')}.`;
  }
  // The PostFilter message is itself a sentence ("preemption: 0/3 nodes are available: ....").
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** The plugins of one profile, in the order kube-scheduler's default profile runs them. */
export interface Profile {
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  preScore: PreScorePlugin[];
  score: { plugin: ScorePlugin; weight: number }[];
  reserve?: ReservePlugin[];
  preBind?: PreBindPlugin[];
}

export interface PreFilterRun {
  nodeNames?: Set<string>;
  /** Plugins that narrowed the nodes (named in the message for the nodes left out). */
  pluginsWithNodes: string[];
  status?: Status;
}

export function runPreFilter(profile: Profile, state: CycleState, pod: PodInfo): PreFilterRun {
  let nodeNames: Set<string> | undefined;
  const withNodes: string[] = [];
  for (const pl of profile.preFilter) {
    const out = pl.preFilter(state, pod);
    const st = out?.status;
    if (st?.isSkip()) {
      state.skipFilter.add(pl.name);
      continue;
    }
    if (st && !st.isSuccess()) return { status: st.withPlugin(pl.name), pluginsWithNodes: withNodes };
    if (out?.nodeNames) {
      withNodes.push(pl.name);
      nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => out.nodeNames!.has(n))) : new Set(out.nodeNames);
      if (nodeNames.size === 0) {
        const names = [...withNodes].sort();
        const msg =
          names.length === 1
            ? `node(s) didn't satisfy plugin ${names[0]}`
            : `node(s) didn't satisfy plugin(s) [${names.join(' ')}] simultaneously`;
        return { status: new Status(Code.UnschedulableAndUnresolvable, [msg]).withPlugin(pl.name), nodeNames, pluginsWithNodes: withNodes };
      }
    }
  }
  return { nodeNames, pluginsWithNodes: withNodes };
}

/** The first plugin that rejects the node, with its name; undefined when the node fits. */
export function runFilter(profile: Profile, state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
  // The filters not skipped by PreFilter, worked out once per attempt: this runs per node.
  const filters = (state.activeFilters ??= profile.filter.filter((pl) => !state.skipFilter.has(pl.name)));
  for (const pl of filters) {
    const st = pl.filter(state, pod, node);
    if (st && !st.isSuccess()) {
      if (st.plugin !== pl.name) return st.withPlugin(pl.name);
      return st;
    }
  }
  return undefined;
}

/** Weighted sum of every score plugin's normalised score, per node (same order as nodes). */
export function runScore(profile: Profile, state: CycleState, pod: PodInfo, nodes: NodeInfo[]): number[] {
  for (const pl of profile.preScore) {
    const st = pl.preScore(state, pod, nodes);
    if (st?.isSkip()) state.skipScore.add(pl.name);
  }
  const totals = new Array<number>(nodes.length).fill(0);
  const scores = new Array<number>(nodes.length);
  for (const { plugin, weight } of profile.score) {
    if (state.skipScore.has(plugin.name)) continue;
    for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]);
    plugin.normalizeScore?.(state, pod, scores, nodes);
    for (let i = 0; i < nodes.length; i++) totals[i] += scores[i] * weight;
  }
  return totals;
}
