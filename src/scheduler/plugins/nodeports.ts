// NodePorts: a pod asking for a hostPort fits only where no pod holds the same protocol/port on
// the same address (0.0.0.0 clashes with every address).

import type { NodeInfo, PodInfo } from '../cache.js';
import { Code, type CycleState, type FilterPlugin, type PreFilterOutcome, type PreFilterPlugin, SKIP, Status } from '../framework.js';

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const REJECT = new Status(Code.Unschedulable, [ERR_REASON_PORTS]);

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = 'NodePorts';

  preFilter(_state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    return pod.hostPorts.length === 0 ? { status: SKIP } : undefined;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    for (const hp of pod.hostPorts) if (node.portConflicts(hp)) return REJECT;
    return undefined;
  }
}
