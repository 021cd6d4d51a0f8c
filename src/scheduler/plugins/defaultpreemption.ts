// DefaultPreemption (PostFilter), the part that decides whether preemption could help and says
// so in the FailedScheduling message: only nodes rejected as Unschedulable (resources, ports)
// are candidates, and only if lower-priority pods there could be evicted to make the pod fit.
// Evicting victims is not implemented: when a candidate exists the message carries no
// preemption part, as kube-scheduler's does after a successful preemption.

import type { NodeInfo, PodInfo } from '../cache.js';
import { Code, fitErrorMessage, runFilter, Status, type CycleState, type Diagnosis, type Profile } from '../framework.js';

export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';

export interface PostFilterResult {
  /** "preemption: ..." for the FailedScheduling message; undefined when preemption would help. */
  message?: string;
  /** Nodes where evicting lower-priority pods would make room. */
  candidates: string[];
}

export class DefaultPreemption {
  readonly name = 'DefaultPreemption';

  postFilter(profile: Profile, state: CycleState, pod: PodInfo, diagnosis: Diagnosis, allNodes: NodeInfo[]): PostFilterResult {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return { message: 'preemption: not eligible due to preemptionPolicy=Never.', candidates: [] };
    const absentCode = diagnosis.absentNodesStatus?.code ?? Code.UnschedulableAndUnresolvable;
    const potential = allNodes.filter((n) => (diagnosis.nodeToStatus.get(n.name)?.code ?? absentCode) === Code.Unschedulable);
    const statuses = new Map<string, Status>();
    const candidates: string[] = [];
    for (const n of potential) {
      const victims = n.pods.filter((p) => p.priority < pod.priority);
      if (victims.length === 0) {
        statuses.set(n.name, new Status(Code.UnschedulableAndUnresolvable, [NO_VICTIMS]));
        continue;
      }
      const sim = n.clone();
      for (const v of victims) sim.removePod(v.uid);
      const st = runFilter(profile, state, pod, sim);
      if (st) statuses.set(n.name, st);
      else candidates.push(n.name);
    }
    if (candidates.length > 0) return { candidates };
    const d: Diagnosis = { nodeToStatus: statuses, absentNodesStatus: new Status(Code.UnschedulableAndUnresolvable, [NOT_HELPFUL]), unschedulablePlugins: new Set() };
    return { message: `preemption: ${fitErrorMessage(allNodes.length, d)}`, candidates };
  }
}
