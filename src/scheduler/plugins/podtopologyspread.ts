// PodTopologySpread (scoring): spreads pods that match a selector over topology domains. A pod
// without constraints of its own gets the cluster defaults (maxSkew 3 over kubernetes.io/hostname,
// 5 over topology.kubernetes.io/zone, ScheduleAnyway) with the selector of the Services,
// ReplicationController, ReplicaSet or StatefulSet it belongs to (helper.DefaultSelector): that is
// how the replicas of one workload end up on different nodes. Fewer matching pods in a node's
// domains means a higher score.

import { type Requirement, Selector, selectorFromLabelSelector, selectorFromMap } from '../../api/labels.js';
import type { KObject } from '../../api/object.js';
import { findUntoleratedTaint } from '../../api/taints.js';
import { LABEL_HOSTNAME, LABEL_ZONE, type Pod, type TopologySpreadConstraint } from '../../api/types.js';
import type { NodeInfo, PodInfo } from '../cache.js';
import { type CycleState, type Handle, MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin, SKIP, type Status } from '../framework.js';
import { RequiredNodeAffinity } from './nodeaffinity.js';

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { maxSkew: 3, topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway' },
  { maxSkew: 5, topologyKey: LABEL_ZONE, whenUnsatisfiable: 'ScheduleAnyway' },
];

/** helper.DefaultSelector: labels of the Services selecting the pod, plus its controller's selector. */
export function defaultSelector(pod: Pod, handle: Handle): Selector {
  const ns = pod.metadata.namespace ?? '';
  const podLabels = pod.metadata.labels ?? {};
  const merged: Record<string, string> = {};
  for (const svc of handle.listers.services(ns)) {
    const sel = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
    // A Service without a selector selects nothing (its endpoints are managed by hand).
    if (!sel) continue;
    if (selectorFromMap(sel).matches(podLabels)) Object.assign(merged, sel);
  }
  let reqs: Requirement[] = [...selectorFromMap(merged).requirements];
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller);
  if (owner) {
    let obj: KObject | undefined;
    if (owner.apiVersion === 'v1' && owner.kind === 'ReplicationController') {
      obj = handle.listers.replicationController(ns, owner.name);
      const sel = (obj?.spec as { selector?: Record<string, string> } | undefined)?.selector;
      if (obj) reqs = selectorFromMap({ ...merged, ...(sel ?? {}) }).requirements;
    } else if (owner.apiVersion === 'apps/v1' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
      obj = owner.kind === 'ReplicaSet' ? handle.listers.replicaSet(ns, owner.name) : handle.listers.statefulSet(ns, owner.name);
      const ls = (obj?.spec as { selector?: Parameters<typeof selectorFromLabelSelector>[0] } | undefined)?.selector;
      if (obj) {
        try {
          reqs = [...reqs, ...selectorFromLabelSelector(ls).requirements];
        } catch {
          /* an invalid selector adds nothing, as LabelSelectorAsSelector's error is ignored */
        }
      }
    }
  }
  return new Selector(reqs);
}

/** The pod's own constraints with the given whenUnsatisfiable, selectors resolved. */
export function podConstraints(pod: Pod, action: string): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  const podLabels = pod.metadata.labels ?? {};
  for (const c of pod.spec?.topologySpreadConstraints ?? []) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(c.labelSelector);
    } catch {
      continue;
    }
    const extra: Requirement[] = [];
    for (const k of c.matchLabelKeys ?? []) if (k in podLabels) extra.push({ key: k, op: '=', values: [podLabels[k]] });
    if (extra.length) selector = new Selector([...extra, ...selector.requirements]);
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    });
  }
  return out;
}

/** Pods of the namespace on the node that match, not counting those being deleted. */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: Selector, namespace: string): number {
  if (selector.empty()) return 0;
  let n = 0;
  for (const p of pods) if (!p.terminating && p.namespace === namespace && selector.matches(p.labels)) n++;
  return n;
}

/** What countOnNode remembers a count under: the namespace and the selector. */
export function countKey(selector: Selector, namespace: string): string {
  return `${namespace}\0${selector.toString()}`;
}

/**
 * The same count, remembered on the node until its pods change: a workload's replicas are scored
 * with the same selector pod after pod, and only the node that got the last one has changed.
 * key is countKey(selector, namespace), worked out once per scheduling cycle by the caller:
 * this runs for every node scored.
 */
export function countOnNode(node: NodeInfo, selector: Selector, namespace: string, key = countKey(selector, namespace)): number {
  if (selector.empty()) return 0;
  const m = (node.selectorCounts ??= new Map());
  const hit = m.get(key);
  if (hit && hit.generation === node.generation) return hit.n;
  const n = countPodsMatchSelector(node.pods, selector, namespace);
  if (hit) {
    hit.generation = node.generation;
    hit.n = n;
    return n;
  }
  if (m.size >= 64) m.clear();
  m.set(key, { generation: node.generation, n });
  return n;
}

interface PreScoreState {
  constraints: SpreadConstraint[];
  /** countKey of each constraint's selector. */
  keys: string[];
  ignoredNodes: Set<string>;
  /**
   * Per constraint (TopologyValueToPodCounts), topology value -> matching pods in that domain;
   * undefined for hostname, whose counts are the node's own (read in Score).
   */
  valueCounts: (Map<string, number> | undefined)[];
  weights: number[];
}

const PRE_SCORE_KEY = 'PreScorePodTopologySpread';

function hasAllKeys(labels: Record<string, string>, cs: SpreadConstraint[]): boolean {
  for (const c of cs) if (!Object.hasOwn(labels, c.topologyKey)) return false;
  return true;
}

export class PodTopologySpread implements PreScorePlugin, ScorePlugin {
  readonly name = 'PodTopologySpread';

  constructor(private readonly handle: Handle) {}

  preScore(state: CycleState, pod: PodInfo, filteredNodes: NodeInfo[]): Status | undefined {
    const allNodes = this.handle.cache.nodeList();
    if (filteredNodes.length === 0 || allNodes.length === 0) return SKIP;
    const own = (pod.pod.spec?.topologySpreadConstraints ?? []).length > 0;
    let constraints: SpreadConstraint[];
    if (own) {
      constraints = podConstraints(pod.pod, 'ScheduleAnyway');
    } else {
      const selector = defaultSelector(pod.pod, this.handle);
      constraints = selector.empty()
        ? []
        : SYSTEM_DEFAULT_CONSTRAINTS.map((c) => ({
            maxSkew: c.maxSkew,
            topologyKey: c.topologyKey,
            selector,
            nodeAffinityPolicy: 'Honor' as const,
            nodeTaintsPolicy: 'Ignore' as const,
          }));
    }
    if (constraints.length === 0) return SKIP;
    // Only the pod's own rules require nodes to carry every topology key: a node without a zone
    // label still gets hostname spreading from the defaults.
    const requireAll = own;
    const ignoredNodes = new Set<string>();
    const nc = constraints.length;
    const valueCounts: (Map<string, number> | undefined)[] = constraints.map((c) =>
      c.topologyKey === LABEL_HOSTNAME ? undefined : new Map<string, number>(),
    );
    // A domain is counted over all nodes only if Score will read it: Score reads a constraint's
    // domain for a scored node that carries the key. A cluster whose nodes carry no zone label
    // (simulated nodes, one-zone clusters) then skips the walk over every node per pod.
    const read: (Set<string> | undefined)[] = constraints.map((c) => (c.topologyKey === LABEL_HOSTNAME ? undefined : new Set<string>()));
    for (const n of filteredNodes) {
      const labels = n.labels;
      if (requireAll && !hasAllKeys(labels, constraints)) {
        ignoredNodes.add(n.name);
        continue;
      }
      for (let i = 0; i < nc; i++) {
        const m = valueCounts[i];
        if (!m) continue;
        const key = constraints[i].topologyKey;
        // A node without the key is the domain "" (Go's map read of a missing label), as Kubernetes counts it.
        const has = Object.hasOwn(labels, key);
        const value = has ? labels[key] : '';
        if (!m.has(value)) m.set(value, 0);
        if (has) read[i]!.add(value);
      }
    }
    const weights = constraints.map((c, i) =>
      Math.log((c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignoredNodes.size : valueCounts[i]!.size) + 2),
    );
    // Domains other than hostname count the matching pods of every eligible node.
    const keys = constraints.map((c) => countKey(c.selector, pod.namespace));
    const counted: number[] = [];
    for (let i = 0; i < nc; i++) if (read[i]?.size) counted.push(i);
    if (counted.length > 0) {
      const required = new RequiredNodeAffinity(pod.pod);
      const tolerations = pod.pod.spec?.tolerations;
      for (const n of allNodes) {
        if (requireAll && !hasAllKeys(n.labels, constraints)) continue;
        for (const i of counted) {
          const c = constraints[i];
          const value = Object.hasOwn(n.labels, c.topologyKey) ? n.labels[c.topologyKey] : '';
          if (!read[i]!.has(value)) continue;
          if (c.nodeAffinityPolicy === 'Honor' && !required.match(n.labels, n.name)) continue;
          if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(n.taints, tolerations)) continue;
          const m = valueCounts[i]!;
          m.set(value, m.get(value)! + countOnNode(n, c.selector, pod.namespace, keys[i]));
        }
      }
    }
    state.write(PRE_SCORE_KEY, { constraints, keys, ignoredNodes, valueCounts, weights } satisfies PreScoreState);
    return undefined;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s || s.ignoredNodes.has(node.name)) return 0;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      if (!Object.hasOwn(node.labels, c.topologyKey)) continue;
      const m = s.valueCounts[i];
      const cnt = m ? (m.get(node.labels[c.topologyKey]) ?? 0) : countOnNode(node, c.selector, pod.namespace, s.keys[i]);
      score += cnt * s.weights[i] + (c.maxSkew - 1);
    }
    return Math.round(score);
  }

  /** Fewer matching pods is better: max + min - score, scaled by max. */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: number[], nodes: NodeInfo[]): void {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return;
    let min = Number.MAX_SAFE_INTEGER,
      max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignoredNodes.has(nodes[i].name)) continue;
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignoredNodes.has(nodes[i].name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  }
}
