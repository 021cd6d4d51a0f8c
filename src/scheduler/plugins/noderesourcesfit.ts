// NodeResourcesFit: the pod's requests must fit in the node's allocatable minus what the pods
// already there request, and the node must accept one more pod (Filter). Its Score is the
// default LeastAllocated strategy over cpu and memory (weight 1 each), counting pods without
// requests at 100m CPU / 200Mi memory.

import type { NodeInfo, PodInfo } from '../cache.js';
import { Code, type CycleState, type FilterPlugin, MAX_NODE_SCORE, type ScorePlugin, Status } from '../framework.js';

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/** noderesources.fitsRequest: every resource the node lacks for the pod. */
export function fitsRequest(pod: PodInfo, node: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = node.allocatable;
  const used = node.requested;
  if (node.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: node.pods.length, capacity: alloc.allowedPodNumber });
  }
  const req = pod.requests;
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && req.scalar.size === 0) return out;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: req.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', requested: req.memory, used: used.memory, capacity: alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
    });
  }
  for (const [name, q] of req.scalar) {
    if (q === 0) continue;
    const cap = alloc.scalar.get(name) ?? 0;
    const u = used.scalar.get(name) ?? 0;
    if (q > cap - u) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: u, capacity: cap });
  }
  return out;
}

/** The common case without allocating: cpu, memory, storage and a pod slot, no extended resources. */
function fitsQuickly(pod: PodInfo, node: NodeInfo): boolean {
  const req = pod.requests;
  if (node.pods.length + 1 > node.allowedPodNumber || req.scalar.size > 0) return false;
  return (
    (req.milliCPU === 0 || req.milliCPU <= node.allocMilliCPU - node.reqMilliCPU) &&
    (req.memory === 0 || req.memory <= node.allocMemory - node.reqMemory) &&
    (req.ephemeralStorage === 0 || req.ephemeralStorage <= node.allocEphemeralStorage - node.reqEphemeralStorage)
  );
}

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = 'NodeResourcesFit';

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    if (fitsQuickly(pod, node)) return undefined;
    const insufficient = fitsRequest(pod, node);
    if (insufficient.length === 0) return undefined;
    return new Status(
      Code.Unschedulable,
      insufficient.map((r) => r.reason),
    );
  }

  /** LeastAllocated: the mean of (allocatable - requested) / allocatable over cpu and memory. */
  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const cpu = node.allocMilliCPU,
      memory = node.allocMemory;
    let sum = 0,
      weights = 0;
    if (cpu > 0) {
      sum += leastRequestedScore(node.nonZeroCPU + pod.nonZeroCPU, cpu);
      weights++;
    }
    if (memory > 0) {
      sum += leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, memory);
      weights++;
    }
    return weights === 0 ? 0 : Math.trunc(sum / weights);
  }
}
