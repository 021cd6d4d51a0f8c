// NodeName: a pod that names its node fits only there. The scheduler only sees pods without
// spec.nodeName, so this matters for simulations (preemption) and completeness.

import type { NodeInfo, PodInfo } from '../cache.js';
import { Code, type CycleState, type FilterPlugin, Status } from '../framework.js';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";
const REJECT = new Status(Code.UnschedulableAndUnresolvable, [ERR_REASON_NODE_NAME]);

export class NodeName implements FilterPlugin {
  readonly name = 'NodeName';

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    const want = pod.pod.spec?.nodeName;
    return !want || want === node.name ? undefined : REJECT;
  }
}
