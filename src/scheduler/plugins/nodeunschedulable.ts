// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint.

import { tolerationsTolerateTaint } from '../../api/taints.js';
import { TAINT_NODE_UNSCHEDULABLE } from '../../api/types.js';
import type { NodeInfo, PodInfo } from '../cache.js';
import { Code, type CycleState, type FilterPlugin, Status } from '../framework.js';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const REJECT = new Status(Code.UnschedulableAndUnresolvable, [ERR_REASON_UNSCHEDULABLE]);

export class NodeUnschedulable implements FilterPlugin {
  readonly name = 'NodeUnschedulable';

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    if (!node.node?.spec?.unschedulable) return undefined;
    if (tolerationsTolerateTaint(pod.pod.spec?.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' })) return undefined;
    return REJECT;
  }
}
