// Pod resource requests as the scheduler counts them (k8s.io/component-helpers resource.PodRequests):
// containers add up, init containers set a floor (restartable "sidecar" init containers add up
// and stay), overhead adds on top. CPU in millicores and everything else in whole units, both
// rounded up as resource.Quantity's MilliValue() and Value() do.

import { Quantity } from '../api/quantity.js';
import type { Container, Pod, PodSpec, ResourceList } from '../api/types.js';

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (example.com/gpu, hugepages-2Mi ...), whole units. */
  scalar: Map<string, number>;
}

/** The requests of a pod with none (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest), for scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: new Map() };
}

/** MilliValue(): thousandths, rounded up; 0 for what is not a quantity. */
export function quantityMilli(q: string | number | undefined): number {
  return Quantity.tryParse(q)?.milliValue() ?? 0;
}

/** Value(): whole units, rounded up; 0 for what is not a quantity. */
export function quantityValue(q: string | number | undefined): number {
  return Quantity.tryParse(q)?.value() ?? 0;
}

/** Resources the scheduler checks as extended (scalar) ones: everything but the built-in names. */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  if (!name.includes('/')) return false;
  return !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

function addList(into: Resource, list: ResourceList | undefined): void {
  if (!list) return;
  for (const [name, q] of Object.entries(list)) {
    switch (name) {
      case 'cpu':
        into.milliCPU += quantityMilli(q);
        break;
      case 'memory':
        into.memory += quantityValue(q);
        break;
      case 'ephemeral-storage':
        into.ephemeralStorage += quantityValue(q);
        break;
      default:
        if (isScalarResourceName(name)) into.scalar.set(name, (into.scalar.get(name) ?? 0) + quantityValue(q));
    }
  }
}

function addResource(into: Resource, r: Resource): void {
  into.milliCPU += r.milliCPU;
  into.memory += r.memory;
  into.ephemeralStorage += r.ephemeralStorage;
  for (const [k, v] of r.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + v);
}

function maxResource(into: Resource, r: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  for (const [k, v] of r.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
}

function cloneResource(r: Resource): Resource {
  return { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: new Map(r.scalar) };
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const r = emptyResource();
  const req = c.resources?.requests;
  addList(r, req);
  // Only a request that is absent gets the default: an explicit "0" stays 0.
  if (nonZero) {
    if (!req || req.cpu === undefined) r.milliCPU += DEFAULT_MILLI_CPU_REQUEST;
    if (!req || req.memory === undefined) r.memory += DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * The pod's effective requests. nonZero applies the scoring defaults (100m CPU, 200Mi memory)
 * to containers that do not state them, as NodeInfo.NonZeroRequested and LeastAllocated do.
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const spec: Partial<PodSpec> = pod.spec ?? {};
  const reqs = emptyResource();
  for (const c of spec.containers ?? []) addResource(reqs, containerRequests(c, nonZero));
  const restartable = emptyResource();
  const initMax = emptyResource();
  for (const c of spec.initContainers ?? []) {
    const cr = containerRequests(c, nonZero);
    let effective: Resource;
    if (c.restartPolicy === 'Always') {
      addResource(reqs, cr);
      addResource(restartable, cr);
      effective = restartable;
    } else {
      effective = cloneResource(cr);
      addResource(effective, restartable);
    }
    maxResource(initMax, effective);
  }
  maxResource(reqs, initMax);
  addList(reqs, spec.overhead);
  return reqs;
}

/** A node's allocatable resources; pods is the number of pods it accepts. */
export interface Allocatable extends Resource {
  allowedPodNumber: number;
}

export function allocatableOf(list: ResourceList | undefined): Allocatable {
  const r = emptyResource();
  addList(r, list);
  // Scalar resources of a node count whatever their name (the pod side decides what it asks for).
  for (const [name, q] of Object.entries(list ?? {})) {
    if (name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods' && !r.scalar.has(name))
      r.scalar.set(name, quantityValue(q));
  }
  return { ...r, allowedPodNumber: list?.pods !== undefined ? quantityValue(list.pods) : 0 };
}
