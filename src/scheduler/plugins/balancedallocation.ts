// NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in similar
// proportions: score = (1 - std of the used fractions) * 100. As in v1.32 it counts the actual
// requests (no scoring defaults), so pods without requests score every node by what is there.

import type { NodeInfo, PodInfo } from '../cache.js';
import { type CycleState, MAX_NODE_SCORE, type ScorePlugin } from '../framework.js';

export function balancedResourceScore(requested: number[], allocatable: number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0] - fractions[1]) / 2);
  } else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class NodeResourcesBalancedAllocation implements ScorePlugin {
  readonly name = 'NodeResourcesBalancedAllocation';

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const allocCPU = node.allocMilliCPU,
      allocMemory = node.allocMemory;
    if (allocCPU === 0 || allocMemory === 0) {
      const cpu = allocCPU === 0 ? 0 : node.reqMilliCPU + pod.requests.milliCPU;
      const mem = allocMemory === 0 ? 0 : node.reqMemory + pod.requests.memory;
      return balancedResourceScore([cpu, mem], [allocCPU, allocMemory]);
    }
    // Two resources (the default): std is half the difference of the fractions.
    const fc = Math.min((node.reqMilliCPU + pod.requests.milliCPU) / allocCPU, 1);
    const fm = Math.min((node.reqMemory + pod.requests.memory) / allocMemory, 1);
    return Math.trunc((1 - Math.abs((fc - fm) / 2)) * MAX_NODE_SCORE);
  }
}
