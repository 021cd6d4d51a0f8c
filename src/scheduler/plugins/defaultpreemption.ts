// DefaultPreemption (PostFilter), as kube-scheduler's plugins/defaultpreemption and
// framework/preemption: when a pod fits nowhere, find nodes where evicting lower-priority pods
// would make room (only nodes rejected as Unschedulable: resources, ports), choose the victims
// on each as SelectVictimsOnNode does (remove every lower-priority pod, then reprieve as many as
// still let the pod fit, most important first, pods whose eviction would violate a
// PodDisruptionBudget reprieved first), pick one node as pickOneNodeForPreemption does (fewest
// PDB violations, lowest highest-victim priority, lowest priority sum, fewest victims, latest
// start of the highest-priority victims), then evict: each victim gets the DisruptionTarget
// condition and is deleted gracefully, and the preemptor is nominated to the node
// (status.nominatedNodeName) until the victims are gone.

import { selectorFromLabelSelector } from '../../api/labels.js';
import type { KObject } from '../../api/object.js';
import type { LabelSelector } from '../../api/types.js';
import { PODS, type Pod } from '../../api/types.js';
import type { NodeInfo, PodInfo } from '../cache.js';
import { Code, type CycleState, type Diagnosis, fitErrorMessage, Status } from '../framework.js';

export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';
const MAX_INT32 = 2147483647;

/** Filters a pod against a node, with the pods nominated there that outrank it (the scheduler's RunFilterPluginsWithNominatedPods). */
export type NodeFilter = (state: CycleState, pod: PodInfo, node: NodeInfo) => Status | undefined;

export interface Candidate {
  node: string;
  victims: PodInfo[];
  numPDBViolations: number;
}

export interface PostFilterResult {
  /** "preemption: ..." for the FailedScheduling message; undefined when preemption found a node. */
  message?: string;
  /** The chosen node and its victims, when preemption helps. */
  candidate?: Candidate;
}

interface PDB {
  namespace: string;
  selector: ReturnType<typeof selectorFromLabelSelector>;
  allowed: number;
  disrupted: Set<string>;
}

function pdbsOf(list: KObject[]): PDB[] {
  const out: PDB[] = [];
  for (const p of list) {
    const spec = (p.spec ?? {}) as { selector?: LabelSelector };
    // A PDB with a nil or empty selector matches nothing here (as filterPodsWithPDBViolation).
    if (!spec.selector) continue;
    let selector;
    try {
      selector = selectorFromLabelSelector(spec.selector);
    } catch {
      continue;
    }
    if (selector.empty()) continue;
    const status = (p.status ?? {}) as { disruptionsAllowed?: number; disruptedPods?: Record<string, string> };
    out.push({
      namespace: p.metadata.namespace ?? '',
      selector,
      allowed: status.disruptionsAllowed ?? 0,
      disrupted: new Set(Object.keys(status.disruptedPods ?? {})),
    });
  }
  return out;
}

/** filterPodsWithPDBViolation: which pods' eviction would take a budget below zero (counting the ones before them). */
function splitByPDBViolation(pods: PodInfo[], pdbs: PDB[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.allowed);
  const violating: PodInfo[] = [],
    nonViolating: PodInfo[] = [];
  for (const pi of pods) {
    let violated = false;
    const name = pi.pod.metadata.name ?? '';
    pdbs.forEach((pdb, i) => {
      if (pdb.namespace !== pi.namespace || !pdb.selector.matches(pi.labels)) return;
      // Already being disrupted: the budget has counted it.
      if (pdb.disrupted.has(name)) return;
      allowed[i]--;
      if (allowed[i] < 0) violated = true;
    });
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

const startTime = (pi: PodInfo): number => {
  const t = Date.parse(pi.pod.status?.startTime ?? pi.pod.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
};

/** MoreImportantPod: higher priority first, then the one that started earlier. */
const moreImportantFirst = (a: PodInfo, b: PodInfo): number => b.priority - a.priority || startTime(a) - startTime(b);

export class DefaultPreemption {
  readonly name = 'DefaultPreemption';

  /** PodEligibleToPreemptOthers: undefined when it may, else the reason. */
  private notEligible(pod: PodInfo, nodeOf: (name: string) => NodeInfo | undefined): string | undefined {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated) {
      // Victims chosen earlier are still going: wait for them rather than preempt again.
      const node = nodeOf(nominated);
      if (node?.pods.some((p) => p.terminating && p.priority < pod.priority))
        return 'not eligible due to a terminating pod on the nominated node.';
    }
    return undefined;
  }

  /** SelectVictimsOnNode. */
  private selectVictimsOnNode(
    state: CycleState,
    pod: PodInfo,
    node: NodeInfo,
    filter: NodeFilter,
    pdbs: PDB[],
  ): { victims: PodInfo[]; numPDBViolations: number; status?: Status } {
    const potential = node.pods.filter((p) => p.priority < pod.priority);
    if (!potential.length) return { victims: [], numPDBViolations: 0, status: new Status(Code.UnschedulableAndUnresolvable, [NO_VICTIMS]) };
    const sim = node.clone();
    for (const v of potential) sim.removePod(v.uid);
    const st = filter(state, pod, sim);
    if (st) return { victims: [], numPDBViolations: 0, status: st };
    potential.sort(moreImportantFirst);
    const { violating, nonViolating } = splitByPDBViolation(potential, pdbs);
    const victims: PodInfo[] = [];
    let numPDBViolations = 0;
    const reprieve = (pi: PodInfo): boolean => {
      sim.addPod(pi);
      if (!filter(state, pod, sim)) return true;
      sim.removePod(pi.uid);
      victims.push(pi);
      return false;
    };
    for (const pi of violating) if (!reprieve(pi)) numPDBViolations++;
    for (const pi of nonViolating) reprieve(pi);
    victims.sort(moreImportantFirst);
    return { victims, numPDBViolations };
  }

  postFilter(
    state: CycleState,
    pod: PodInfo,
    diagnosis: Diagnosis,
    allNodes: NodeInfo[],
    filter: NodeFilter,
    pdbList: KObject[] = [],
  ): PostFilterResult {
    const why = this.notEligible(pod, (n) => allNodes.find((x) => x.name === n));
    if (why) return { message: `preemption: ${why}` };
    const absentCode = diagnosis.absentNodesStatus?.code ?? Code.UnschedulableAndUnresolvable;
    const potential = allNodes.filter((n) => (diagnosis.nodeToStatus.get(n.name)?.code ?? absentCode) === Code.Unschedulable);
    if (!potential.length) {
      const d: Diagnosis = {
        nodeToStatus: new Map(),
        absentNodesStatus: new Status(Code.UnschedulableAndUnresolvable, [NOT_HELPFUL]),
        unschedulablePlugins: new Set(),
      };
      return { message: `preemption: ${fitErrorMessage(allNodes.length, d)}` };
    }
    const pdbs = pdbsOf(pdbList);
    const statuses = new Map<string, Status>();
    const candidates: Candidate[] = [];
    for (const n of potential) {
      const r = this.selectVictimsOnNode(state, pod, n, filter, pdbs);
      if (r.status) statuses.set(n.name, r.status);
      else if (r.victims.length) candidates.push({ node: n.name, victims: r.victims, numPDBViolations: r.numPDBViolations });
      else statuses.set(n.name, new Status(Code.UnschedulableAndUnresolvable, [NO_VICTIMS]));
    }
    if (!candidates.length) {
      const d: Diagnosis = {
        nodeToStatus: statuses,
        absentNodesStatus: new Status(Code.UnschedulableAndUnresolvable, [NOT_HELPFUL]),
        unschedulablePlugins: new Set(),
      };
      return { message: `preemption: ${fitErrorMessage(allNodes.length, d)}` };
    }
    return { candidate: pickOneNodeForPreemption(candidates) };
  }
}

/** pickOneNodeForPreemption: each criterion narrows the candidates until one is left. */
export function pickOneNodeForPreemption(candidates: Candidate[]): Candidate {
  const narrow = (cs: Candidate[], score: (c: Candidate) => number): Candidate[] => {
    let best = Infinity;
    for (const c of cs) best = Math.min(best, score(c));
    return cs.filter((c) => score(c) === best);
  };
  let cs = narrow(candidates, (c) => c.numPDBViolations);
  if (cs.length > 1) cs = narrow(cs, (c) => c.victims[0].priority);
  // The priorities are offset by MaxInt32+1 so that negative ones still add to a larger sum.
  if (cs.length > 1) cs = narrow(cs, (c) => c.victims.reduce((s, v) => s + v.priority + MAX_INT32 + 1, 0));
  if (cs.length > 1) cs = narrow(cs, (c) => c.victims.length);
  if (cs.length > 1) {
    // The node whose highest-priority victims started latest (the least work lost).
    cs = narrow(cs, (c) => {
      const top = c.victims[0].priority;
      const earliest = Math.min(...c.victims.filter((v) => v.priority === top).map(startTime));
      return -earliest;
    });
  }
  return cs[0];
}

/** What evicting a victim writes (prepareCandidate): the DisruptionTarget condition, then a graceful delete. */
export function disruptionTargetPatch(schedulerName: string, uid: string | undefined): Record<string, unknown> {
  return {
    metadata: { uid },
    status: {
      conditions: [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'PreemptionByScheduler',
          message: `${schedulerName}: preempting to accommodate a higher priority pod`,
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      ],
    },
  };
}

export const victimRef = (v: Pod) => ({ ...PODS, namespace: v.metadata.namespace, name: v.metadata.name });
