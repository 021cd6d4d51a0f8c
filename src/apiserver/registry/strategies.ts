// Per-resource strategies (see strategy.ts). Small on purpose: the generic store does the rest.

import { errors, type FieldError } from '../../api/errors.js';
import { isObject, type KObject } from '../../api/object.js';
import { RESOURCES } from '../../api/resources.js';
import { defaultTolerations } from '../../api/defaults.js';
import { isIPv4, releaseService, type ServiceAllocators } from '../allocators.js';
import type { ApiServerContext } from './context.js';
import { resourceKey, type Strategy, type StrategyTable } from './strategy.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isObject(v) ? v : {});

// ---- pods ----

interface ResourceList { cpu?: string | number; memory?: string | number; [k: string]: unknown }
interface ContainerLike { resources?: { requests?: ResourceList; limits?: ResourceList } }

/** The QoS class Kubernetes derives from requests and limits (pkg/apis/core/helper/qos). */
export function podQOSClass(spec: { containers?: ContainerLike[]; initContainers?: ContainerLike[] }): string {
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let anySet = false;
  let guaranteed = all.length > 0;
  for (const c of all) {
    const req = c.resources?.requests ?? {}, lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) anySet = true;
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const pods: Strategy = {
  statusSubresource: true,
  fieldLabels: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  prepareForCreate(pod) {
    const spec = obj(pod.spec) as { serviceAccountName?: string; serviceAccount?: string; containers?: ContainerLike[]; initContainers?: ContainerLike[] };
    // The ServiceAccount admission plugin: every pod runs as a service account.
    if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
    spec.serviceAccount = spec.serviceAccountName;
    // The DefaultTolerationSeconds admission plugin.
    defaultTolerations(pod);
    pod.status = { phase: 'Pending', qosClass: podQOSClass(spec) };
  },
  planDeletion(pod, grace) {
    const spec = obj(pod.spec) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj(pod.status) as { phase?: string }).phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return { kind: 'now' };
    const g = grace ?? spec.terminationGracePeriodSeconds ?? 30;
    if (g <= 0) return { kind: 'now' };
    return { kind: 'graceful', graceSeconds: g };
  },
};

// ---- services ----

interface ServicePort { name?: string; port?: number; protocol?: string; nodePort?: number }
interface ServiceSpec { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[]; allocateLoadBalancerNodePorts?: boolean }

/** What one request allocated, so a failed or dry-run write gives it back. */
const pending = new WeakMap<KObject, { ips: string[]; ports: number[] }>();

function wantsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function allocateService(svc: KObject, old: KObject | undefined, alloc: ServiceAllocators): FieldError[] {
  const spec = obj(svc.spec) as ServiceSpec;
  const oldSpec = old ? (obj(old.spec) as ServiceSpec) : undefined;
  const taken = { ips: [] as string[], ports: [] as number[] };
  pending.set(svc, taken);
  const errs: FieldError[] = [];
  const oldIPs = new Set(oldSpec?.clusterIPs ?? (oldSpec?.clusterIP ? [oldSpec.clusterIP] : []));
  if (spec.type === 'ExternalName') {
    delete spec.clusterIP; delete spec.clusterIPs;
  } else {
    if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
    if (!spec.clusterIP && oldSpec?.clusterIP && oldSpec.type !== 'ExternalName') spec.clusterIP = oldSpec.clusterIP;
    if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    } else if (spec.clusterIP) {
      const ip = spec.clusterIP;
      if (!oldIPs.has(ip)) {
        if (!isIPv4(ip)) {
          errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', value: ip, detail: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' });
        } else if (!alloc.clusterIPs.contains(ip)) {
          errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: [ip], detail: `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${alloc.clusterIPs.cidr}` });
        } else if (!alloc.clusterIPs.allocate(ip)) {
          errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: [ip], detail: `failed to allocate IP ${ip}: provided IP is already allocated` });
        } else taken.ips.push(ip);
      }
      spec.clusterIPs = [ip];
    } else {
      const ip = alloc.clusterIPs.allocateNext();
      if (!ip) throw errors.internal('failed to allocate a serviceIP: range is full');
      taken.ips.push(ip);
      spec.clusterIP = ip; spec.clusterIPs = [ip];
    }
  }
  const oldPorts = new Map<string, number>();
  for (const p of oldSpec?.ports ?? []) if (p.nodePort) oldPorts.set(`${p.port}/${p.protocol ?? 'TCP'}`, p.nodePort);
  const oldPortSet = new Set(oldPorts.values());
  (spec.ports ?? []).forEach((p, i) => {
    if (!wantsNodePorts(spec)) {
      // Kubernetes keeps a user-set nodePort on a ClusterIP service only to reject it in validation.
      if (p.nodePort && !(oldSpec && wantsNodePorts(oldSpec))) return;
      delete p.nodePort;
      return;
    }
    if (!p.nodePort) {
      const reuse = oldPorts.get(`${p.port}/${p.protocol ?? 'TCP'}`);
      if (reuse) { p.nodePort = reuse; return; }
      const np = alloc.nodePorts.allocateNext();
      if (np === undefined) { errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, value: 0, detail: 'range is full' }); return; }
      taken.ports.push(np); p.nodePort = np;
      return;
    }
    if (oldPortSet.has(p.nodePort)) return;
    if (!alloc.nodePorts.inRange(p.nodePort)) {
      errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, value: p.nodePort, detail: `provided port is not in the valid range. The range of valid ports is ${alloc.nodePorts.range}` });
    } else if (taken.ports.includes(p.nodePort) || !alloc.nodePorts.allocate(p.nodePort)) {
      errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, value: p.nodePort, detail: 'provided port is already allocated' });
    } else taken.ports.push(p.nodePort);
  });
  return errs;
}

function giveBack(svc: KObject, alloc: ServiceAllocators): void {
  const t = pending.get(svc);
  if (!t) return;
  for (const ip of t.ips) alloc.clusterIPs.release(ip);
  for (const p of t.ports) alloc.nodePorts.release(p);
  pending.delete(svc);
}

const services: Strategy = {
  statusSubresource: true,
  allowCreateOnUpdate: false,
  prepareForCreate(svc, _ctx, api) {
    svc.status = { loadBalancer: {} };
    const errs = allocateService(svc, undefined, api.allocators);
    if (errs.length) { giveBack(svc, api.allocators); throw errors.invalid('Service', '', svc.metadata.name ?? '', errs); }
  },
  prepareForUpdate(svc, old, _ctx, api) {
    const errs = allocateService(svc, old, api.allocators);
    if (errs.length) { giveBack(svc, api.allocators); throw errors.invalid('Service', '', svc.metadata.name ?? '', errs); }
  },
  abortWrite(svc, _old, api) { giveBack(svc, api.allocators); },
  afterWrite(svc, old, api) {
    pending.delete(svc);
    if (!old) return;
    // Give back what the old object held and the new one no longer does.
    const now = obj(svc.spec) as ServiceSpec;
    const was = obj(old.spec) as ServiceSpec;
    const keepIPs = new Set(now.clusterIPs ?? []);
    for (const ip of was.clusterIPs ?? []) if (!keepIPs.has(ip)) api.allocators.clusterIPs.release(ip);
    const keepPorts = new Set((now.ports ?? []).map((p) => p.nodePort).filter(Boolean));
    for (const p of was.ports ?? []) if (p.nodePort && !keepPorts.has(p.nodePort)) api.allocators.nodePorts.release(p.nodePort);
  },
  afterDelete(svc, api) { releaseService(api.allocators, obj(svc) as never); },
};

// ---- namespaces ----

const namespaces: Strategy = {
  statusSubresource: true,
  fieldLabels: ['status.phase'],
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
  },
  beginDeletion(ns) {
    ns.status = { ...obj(ns.status), phase: 'Terminating' };
  },
  canFinishDeletion(ns) {
    return !((obj(ns.spec) as { finalizers?: string[] }).finalizers?.length);
  },
};

const workloads = (annotations: boolean): Strategy => ({
  generation: true,
  generationOnAnnotations: annotations,
  statusSubresource: true,
  fieldLabels: ['status.replicas'],
});

const plain: Strategy = {};

export const STRATEGIES: StrategyTable = {
  namespaces,
  pods,
  bindings: plain,
  services,
  endpoints: { allowCreateOnUpdate: true },
  nodes: { statusSubresource: true, fieldLabels: ['spec.unschedulable'] },
  events: {
    allowCreateOnUpdate: true,
    fieldLabels: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  },
  configmaps: plain,
  secrets: { fieldLabels: ['type'] },
  serviceaccounts: plain,
  'deployments.apps': workloads(true),
  'replicasets.apps': workloads(false),
  'leases.coordination.k8s.io': { allowCreateOnUpdate: true },
  // EndpointSlices carry a generation the slice controller tracks (as Kubernetes' strategy).
  'endpointslices.discovery.k8s.io': { generation: true },
};

export function strategyFor(group: string, resource: string): Strategy {
  return STRATEGIES[resourceKey({ group, resource })] ?? plain;
}

// Every served resource must have a strategy entry, so a new resource is never silently plain.
for (const ri of RESOURCES) {
  if (!(resourceKey(ri) in STRATEGIES)) throw new Error(`no strategy for ${resourceKey(ri)}`);
}

export type { ApiServerContext };
