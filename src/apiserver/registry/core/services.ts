// Services, as kube-apiserver's pkg/registry/core/service: cluster IPs and node ports are
// allocated when a service is written (BeginCreate/BeginUpdate, given back when the write does
// not happen) and released when it is deleted or no longer holds them; status is written
// through the status subresource. The printer is printService.

import { defaultService } from '../../../api/defaults.js';
import { errors, type FieldError } from '../../../api/errors.js';
import { isIPv4 } from '../../../api/net.js';
import type { KObject } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateServiceCreate, validateServiceStatusUpdate, validateServiceUpdate } from '../../../api/validation.js';
import type { IPAllocator, PortAllocator, RangeBitmap, RepairResult, ServiceAllocators, StoredRange } from '../../allocators.js';
import { a, formatLabels, n, type Obj, o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { type FinishFunc, field, keepStatus, type Strategy, statusStrategy as statusOf } from '../strategy.js';

interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  nodePort?: number;
}
interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  allocateLoadBalancerNodePorts?: boolean;
}

/** What one write took from the allocators, to give back if the write does not happen. */
interface Taken {
  ips: string[];
  ports: number[];
}

const clusterIPsOf = (spec: ServiceSpec): string[] => spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);

function wantsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

/** Takes the cluster IP a service asks for (or gives it one) from alloc; errors for one it cannot have. */
function allocateClusterIP(
  spec: ServiceSpec,
  oldSpec: ServiceSpec | undefined,
  alloc: IPAllocator,
  taken: Taken,
  errs: FieldError[],
): void {
  const oldIPs = new Set(oldSpec?.clusterIPs ?? (oldSpec?.clusterIP ? [oldSpec.clusterIP] : []));
  if (spec.type === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    return;
  }
  if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  if (!spec.clusterIP && oldSpec?.clusterIP && oldSpec.type !== 'ExternalName') spec.clusterIP = oldSpec.clusterIP;
  if (spec.clusterIP === 'None') {
    spec.clusterIPs = ['None'];
  } else if (spec.clusterIP) {
    const ip = spec.clusterIP;
    if (!oldIPs.has(ip)) {
      if (!isIPv4(ip)) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'spec.clusterIPs[0]',
          value: ip,
          detail: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        });
      } else if (!alloc.contains(ip)) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          value: [ip],
          detail: `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${alloc.cidr}`,
        });
      } else if (!alloc.allocate(ip)) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          value: [ip],
          detail: `failed to allocate IP ${ip}: provided IP is already allocated`,
        });
      } else taken.ips.push(ip);
    }
    spec.clusterIPs = [ip];
  } else {
    const ip = alloc.allocateNext();
    if (!ip) throw errors.internal('failed to allocate a serviceIP: range is full');
    taken.ips.push(ip);
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }
}

/** Takes the node ports a service asks for (or gives it some) from alloc; errors for those it cannot have. */
function allocateNodePorts(
  spec: ServiceSpec,
  oldSpec: ServiceSpec | undefined,
  alloc: PortAllocator,
  taken: Taken,
  errs: FieldError[],
): void {
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
      if (reuse) {
        p.nodePort = reuse;
        return;
      }
      const np = alloc.allocateNext();
      if (np === undefined) {
        errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, value: 0, detail: 'range is full' });
        return;
      }
      taken.ports.push(np);
      p.nodePort = np;
      return;
    }
    if (oldPortSet.has(p.nodePort)) return;
    if (!alloc.inRange(p.nodePort)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: `spec.ports[${i}].nodePort`,
        value: p.nodePort,
        detail: `provided port is not in the valid range. The range of valid ports is ${alloc.range}`,
      });
    } else if (taken.ports.includes(p.nodePort) || !alloc.allocate(p.nodePort)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: `spec.ports[${i}].nodePort`,
        value: p.nodePort,
        detail: 'provided port is already allocated',
      });
    } else taken.ports.push(p.nodePort);
  });
}

/** Releases what taken holds, each range in one stored update; a failure leaves a leaked value, never a double one. */
async function giveBack(taken: Taken, alloc: ServiceAllocators): Promise<void> {
  if (taken.ips.length)
    await alloc.clusterIPs.update((a) => {
      for (const ip of taken.ips) a.release(ip);
      return { result: undefined, changed: true };
    });
  if (taken.ports.length)
    await alloc.nodePorts.update((a) => {
      for (const p of taken.ports) a.release(p);
      return { result: undefined, changed: true };
    });
}

/** Everything a stored service holds: claimed at start-up, released when it is deleted. */
function held(svc: KObject): Taken {
  const spec = field(svc.spec) as ServiceSpec;
  return { ips: clusterIPsOf(spec), ports: (spec.ports ?? []).map((p) => p.nodePort).filter((p): p is number => !!p) };
}

/**
 * Runs one allocation step against a stored range. The step may run again after a lost race,
 * so it works on a copy of the spec each time and the copy that was stored is kept; on errors
 * it gives back what it took in memory and nothing is written.
 */
async function allocateStep<A extends IPAllocator | PortAllocator>(
  range: StoredRange<A>,
  spec: ServiceSpec,
  step: (spec: ServiceSpec, alloc: A, taken: Taken, errs: FieldError[]) => void,
  release: (alloc: A, taken: Taken) => void,
): Promise<{ spec: ServiceSpec; taken: Taken; errs: FieldError[] }> {
  return range.update((alloc) => {
    const copy = structuredClone(spec);
    const taken: Taken = { ips: [], ports: [] };
    const errs: FieldError[] = [];
    step(copy, alloc, taken, errs);
    if (errs.length) {
      release(alloc, taken);
      return { result: { spec: copy, taken: { ips: [], ports: [] }, errs }, changed: false };
    }
    return { result: { spec: copy, taken, errs }, changed: taken.ips.length + taken.ports.length > 0 };
  });
}

/** Allocates for a write; the finish gives back what was taken, or, once stored, what the old version held and this one does not. */
async function beginWrite(svc: KObject, old: KObject | undefined, alloc: ServiceAllocators): Promise<FinishFunc> {
  const oldSpec = old ? (field(old.spec) as ServiceSpec) : undefined;
  const ips = await allocateStep(
    alloc.clusterIPs,
    field(svc.spec) as ServiceSpec,
    (spec, a, taken, errs) => allocateClusterIP(spec, oldSpec, a, taken, errs),
    (a, taken) => {
      for (const ip of taken.ips) a.release(ip);
    },
  );
  let ports: Awaited<ReturnType<typeof allocateStep>>;
  try {
    ports = await allocateStep(
      alloc.nodePorts,
      ips.spec,
      (spec, a, taken, errs) => allocateNodePorts(spec, oldSpec, a, taken, errs),
      (a, taken) => {
        for (const p of taken.ports) a.release(p);
      },
    );
  } catch (e) {
    await giveBack(ips.taken, alloc);
    throw e;
  }
  const taken: Taken = { ips: ips.taken.ips, ports: ports.taken.ports };
  const errs = [...ips.errs, ...ports.errs];
  if (errs.length) {
    await giveBack(taken, alloc);
    throw errors.invalid('Service', '', svc.metadata.name ?? '', errs);
  }
  svc.spec = ports.spec as KObject['spec'];
  return async (committed) => {
    const now = held(svc);
    const was = old ? held(old) : { ips: [], ports: [] };
    const free = committed
      ? { ips: was.ips.filter((ip) => !now.ips.includes(ip)), ports: was.ports.filter((p) => !now.ports.includes(p)) }
      : taken;
    // A release that cannot be stored (the store unreachable) leaks the value; it never hands one out twice.
    await giveBack(free, alloc).catch(() => undefined);
  };
}

/**
 * The repair controllers of the two service ranges, as every kube-apiserver runs them: each
 * pass rebuilds the stored bitmaps from what the stored services hold, giving back a value only
 * after no service held it for three passes in a row (an API server killed between taking a
 * value and storing its service leaks it; a release that could not be stored too).
 */
export class ServiceRangeRepair {
  private readonly ipLeaks = new Map<number, number>();
  private readonly portLeaks = new Map<number, number>();
  constructor(
    private readonly alloc: ServiceAllocators,
    /** Every stored service, read from the store after the range (not from a cache). */
    private readonly listServices: () => Promise<KObject[]>,
  ) {}

  async runOnce(): Promise<{ ips: RepairResult; ports: RepairResult }> {
    const ips = await this.repairRange(this.alloc.clusterIPs, (svc) => held(svc).ips, this.ipLeaks);
    const ports = await this.repairRange(this.alloc.nodePorts, (svc) => held(svc).ports, this.portLeaks);
    return { ips, ports };
  }

  /** One range's pass: the offsets, in that range, of the values the stored services hold. */
  private repairRange<V>(
    range: StoredRange<RangeBitmap & { offsetOf(v: V): number | undefined }>,
    values: (svc: KObject) => V[],
    leaks: Map<number, number>,
  ): Promise<RepairResult> {
    return range.repair(async () => {
      const out: number[] = [];
      for (const svc of await this.listServices())
        for (const v of values(svc)) {
          const i = range.alloc.offsetOf(v);
          if (i !== undefined) out.push(i);
        }
      return out;
    }, leaks);
  }
}

export const strategy: Strategy = {
  allowCreateOnUpdate: false,
  defaults: defaultService,
  prepareForCreate(svc) {
    svc.status = { loadBalancer: {} };
  },
  beginCreate: (svc, api) => beginWrite(svc, undefined, api.allocators),
  prepareForUpdate: keepStatus,
  beginUpdate: (svc, old, api) => beginWrite(svc, old, api.allocators),
  validate: validateServiceCreate,
  validateUpdate: validateServiceUpdate,
  beginDelete: (svc, api) => async (committed) => {
    if (committed) await giveBack(held(svc), api.allocators).catch(() => undefined);
  },
  // What the stored services hold is marked taken in the stored ranges (made from them when a
  // cluster made before ranges were stored starts), each range in one update.
  async claimStored(svcs, api) {
    const all = svcs.map(held);
    await api.allocators.clusterIPs.update((a) => {
      let changed = false;
      for (const h of all) for (const ip of h.ips) if (a.contains(ip) && !a.isUsed(ip)) changed = a.allocate(ip) || changed;
      return { result: undefined, changed };
    });
    await api.allocators.nodePorts.update((a) => {
      let changed = false;
      for (const h of all) for (const p of h.ports) if (a.inRange(p) && !a.isUsed(p)) changed = a.allocate(p) || changed;
      return { result: undefined, changed };
    });
  },
};

export const statusStrategy = statusOf(validateServiceStatusUpdate);

// ---- printer ----

/** The load balancer's ingress points, sorted and de-duplicated (sets.String.List()). */
function loadBalancerIngress(svc: KObject): string {
  const out = new Set<string>();
  for (const ing of a(o(o(svc.status).loadBalancer).ingress).map(o)) {
    if (s(ing.ip) !== '') out.add(s(ing.ip));
    else if (s(ing.hostname) !== '') out.add(s(ing.hostname));
  }
  return [...out].sort().join(',');
}

/**
 * EXTERNAL-IP. The server prints wide, so a long load balancer list is never clipped to
 * 16 characters here (the clipping only happens for a server's non-wide output).
 */
function serviceExternalIP(svc: KObject): string {
  const spec = o(svc.spec);
  const externalIPs = a(spec.externalIPs).map(s);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return s(spec.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(spec: Obj): string {
  const text = a(spec.ports)
    .map(o)
    .map((p) => {
      const protocol = s(p.protocol) || 'TCP';
      return n(p.nodePort) > 0 ? `${n(p.port)}:${n(p.nodePort)}/${protocol}` : `${n(p.port)}/${protocol}`;
    })
    .join(',');
  return text === '' ? '<none>' : text;
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.Service'),
  row(svc, now) {
    const spec = o(svc.spec);
    const clusterIPs = a(spec.clusterIPs).map(s);
    const clusterIP = (clusterIPs.length > 0 ? clusterIPs[0] : s(spec.clusterIP)) || '<none>';
    return {
      cells: [
        s(svc.metadata.name),
        s(spec.type),
        clusterIP,
        serviceExternalIP(svc),
        servicePorts(spec),
        timestampSince(svc.metadata.creationTimestamp, now),
        formatLabels(spec.selector),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.Service',
    shortNames: ['svc'],
    categories: ['all'],
  },
  strategy,
  subresources: {
    status: statusSubresource('Service', statusStrategy),
    proxy: { kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'], rest: { type: 'connect' } },
  },
  printer,
});
