// The Endpoints controller, as kube-controller-manager's pkg/controller/endpoint: for every
// service with a selector (not ExternalName), an Endpoints object of the same name whose subsets
// list the selected pods' IPs (ready ones in addresses, the others in notReadyAddresses) with the
// service's ports resolved in each pod, repacked and sorted as Kubernetes does. Services without
// a selector keep the Endpoints their users write; a deleted service's Endpoints go with it.

import { isPodReady } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { deepCopy, type KObject } from '../api/object.js';
import { ENDPOINTS, type ObjectReference, type Pod, type Service, type ServicePort } from '../api/types.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import { type Informer, objectKey, type SharedInformerFactory, splitKey } from '../client/informer.js';
import { isAlreadyExists, isApiError, isNotFound, type RestClient } from '../client/rest.js';
import * as endpointutil from './endpoint-util.js';
import { isNamespaceTerminating } from './podutil.js';

/** Addresses an Endpoints object holds at most; beyond, it is truncated and annotated. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** v1.EndpointsOverCapacity. */
export const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** The annotation of leader-election records kept in Endpoints (never cleaned up as leftovers). */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** How long a created Endpoints object is waited for in the cache before the cache is trusted again. */
const CREATE_EXPECTATION_TIMEOUT_MS = 30_000;
/** A sync that found the cache behind our writes looks again after this long at the latest. */
const STALE_CACHE_RETRY_MS = 1000;

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}
export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}
export interface Endpoints extends KObject {
  subsets?: EndpointSubset[];
}

export type EndpointsControllerOptions = ControllerOptions;

export class EndpointsController extends Controller {
  private readonly svcInf: Informer<Service>;
  private readonly podInf: Informer<Pod>;
  private readonly epInf: Informer<Endpoints>;
  private readonly triggerTimes = new endpointutil.TriggerTimeTracker();
  /** staleEndpointsTracker: the resourceVersion each of our updates replaced, which the cache must move past. */
  private readonly staleRV = new Map<string, string>();
  /** Endpoints we created that the cache has not shown yet (key -> when). */
  private readonly pendingCreate = new Map<string, number>();
  /** Services whose last sync found the cache behind our writes: synced again as soon as it moves. */
  private readonly awaitingCache = new Set<string>();

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: EndpointsControllerOptions = {},
  ) {
    super('endpoint', client, 'endpoint-controller', opts);
    ({ svcInf: this.svcInf, podInf: this.podInf } = endpointutil.followServicesAndPods(factory, (k) => this.loop.enqueue(k)));
    this.epInf = factory.informerFor<Endpoints>({ ...ENDPOINTS });
    // An Endpoints object deleted under a live service is written again.
    this.epInf.addEventHandler({
      onAdd: (ep) => {
        this.pendingCreate.delete(objectKey(ep));
        this.cacheMoved(objectKey(ep));
      },
      onUpdate: (_o, ep) => this.cacheMoved(objectKey(ep)),
      onDelete: (ep) => {
        this.pendingCreate.delete(objectKey(ep));
        this.loop.enqueue(objectKey(ep));
      },
    });
  }

  override start(): void {
    this.checkLeftoverEndpoints();
    super.start();
  }

  /**
   * The cache is behind our own writes (Kubernetes' stale-informer error): the service is synced
   * again when the Endpoints informer moves, or after a second at the latest, without back-off.
   */
  private waitForCache(key: string): number {
    this.awaitingCache.add(key);
    return STALE_CACHE_RETRY_MS;
  }

  private cacheMoved(key: string): void {
    if (this.awaitingCache.delete(key)) this.loop.enqueue(key);
  }

  /** Endpoints whose service went while no controller ran are found once, at start. */
  private checkLeftoverEndpoints(): void {
    for (const ep of this.epInf.list()) {
      if (ep.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      this.loop.enqueue(objectKey(ep));
    }
  }

  async reconcile(key: string): Promise<number | void> {
    const { namespace, name } = splitKey(key);
    const svc = this.svcInf.get(key);
    if (!svc) {
      try {
        await this.client.delete({ ...ENDPOINTS, namespace, name });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      this.triggerTimes.deleteService(key);
      this.staleRV.delete(key);
      this.pendingCreate.delete(key);
      return;
    }
    const pods = endpointutil.managedServicePods(this.podInf, svc);
    if (!pods) return;
    // Computed on every sync so the tracker's state follows even when nothing is written.
    const triggerTime = this.triggerTimes.compute(key, svc, pods);
    const subsets = repackSubsets(desiredSubsets(svc, pods));

    const current = this.epInf.get(key);
    const createdAt = this.pendingCreate.get(key);
    if (!current && createdAt !== undefined && Date.now() - createdAt < CREATE_EXPECTATION_TIMEOUT_MS) {
      return this.waitForCache(key);
    }
    if (current && this.staleRV.get(key) === current.metadata.resourceVersion) {
      return this.waitForCache(key);
    }
    const svcLabels = svc.metadata.labels ?? {};
    if (current) {
      const compareLabels = { ...(current.metadata.labels ?? {}) };
      delete compareLabels[endpointutil.HEADLESS_LABEL];
      if (
        endpointutil.semanticEqual(current.subsets, subsets) &&
        endpointutil.sameStringMap(compareLabels, svcLabels) &&
        capacityAnnotationSetCorrectly(current)
      )
        return;
    }

    const ep: Endpoints = current ? deepCopy(current) : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    ep.subsets = subsets;
    if (!subsets.length) delete ep.subsets;
    const labels: Record<string, string> = { ...svcLabels };
    endpointutil.setHeadlessLabel(labels, svc);
    ep.metadata.labels = labels;
    endpointutil.setTriggerTimeAnnotation(ep, triggerTime);
    const annotations = ep.metadata.annotations!;
    if (truncateEndpoints(ep)) annotations[OVER_CAPACITY] = 'truncated';
    else delete annotations[OVER_CAPACITY];

    try {
      if (!current) {
        await this.client.create({ ...ENDPOINTS, namespace }, ep);
        this.pendingCreate.set(key, Date.now());
      } else {
        const updated = await this.client.update<Endpoints>({ ...ENDPOINTS, namespace, name }, ep);
        // The cache may still hold what this update replaced: a sync that read it would undo us.
        if (updated.metadata.resourceVersion !== current.metadata.resourceVersion)
          this.staleRV.set(key, current.metadata.resourceVersion ?? '');
      }
    } catch (e) {
      // A terminating namespace refuses new objects for good: nothing to retry.
      if (!current && isApiError(e) && e.code === 403 && isNamespaceTerminating(e)) return;
      // Someone (a user, or our own create the cache has not shown) was first: look again, no alarm.
      if (!current && isAlreadyExists(e)) throw e;
      const ref = { ...ep, apiVersion: 'v1', kind: 'Endpoints' };
      if (!current)
        this.recorder.event(
          ref,
          'Warning',
          'FailedToCreateEndpoint',
          `Failed to create endpoint for service ${namespace}/${name}: ${errorMessage(e)}`,
        );
      else
        this.recorder.event(ref, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${errorMessage(e)}`);
      throw e;
    }
  }
}

/** podToEndpointAddressForService: the pod's IP of the service's family, its node and a reference to it. */
export function endpointAddressFor(svc: Service, pod: Pod): EndpointAddress | undefined {
  const ips = endpointutil.podIPs(pod);
  let v6: boolean;
  const families = svc.spec?.ipFamilies ?? [];
  if (families.length) v6 = families[0] === 'IPv6';
  else if (endpointutil.isServiceIPSet(svc)) v6 = endpointutil.isIPv6(svc.spec!.clusterIP!);
  else v6 = endpointutil.isIPv6(ips[0] ?? '');
  const ip = ips.find((i) => endpointutil.isIPv6(i) === v6);
  if (!ip) return undefined;
  const addr: EndpointAddress = { ip };
  if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
  addr.targetRef = endpointutil.podReference(pod);
  if (endpointutil.shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname as string;
  return addr;
}

function endpointPortFor(sp: ServicePort, port: number): EndpointPort {
  const p: EndpointPort = { port };
  if (sp.name) p.name = sp.name;
  p.protocol = sp.protocol ?? 'TCP';
  if (sp.appProtocol) p.appProtocol = sp.appProtocol;
  return p;
}

/** One single-address subset per pod and port, before repacking (as syncService builds them). */
export function desiredSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const out: EndpointSubset[] = [];
  const tolerateUnready = !!svc.spec?.publishNotReadyAddresses;
  const ports = svc.spec?.ports ?? [];
  for (const pod of pods) {
    if (!endpointutil.shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const addr = endpointAddressFor(svc, pod);
    if (!addr) continue;
    const ready = tolerateUnready || isPodReady(pod);
    const add = (port?: EndpointPort): void => {
      const subset: EndpointSubset = ready ? { addresses: [addr] } : { notReadyAddresses: [addr] };
      if (port) subset.ports = [port];
      out.push(subset);
    };
    if (ports.length === 0) {
      // A headless service may have no ports: its addresses are published all the same.
      if (svc.spec?.clusterIP === 'None') add();
      continue;
    }
    for (const sp of ports) {
      const n = endpointutil.findPort(pod, sp);
      if (n === undefined) continue;
      add(endpointPortFor(sp, n));
    }
  }
  return out;
}

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? '']);
}

function addressKey(a: EndpointAddress): string {
  return `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
}

/** LessEndpointAddress: by IP, byte-wise, then by the target's uid. */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid,
    ub = b.targetRef?.uid;
  if (ub === undefined) return ua === undefined ? 0 : 1;
  if (ua === undefined) return -1;
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const ka = portKey(a),
    kb = portKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * RepackSubsets: addresses that offer the same set of ports (with the same readiness) share one
 * subset; an address not ready on a port is not ready there whatever another subset says.
 * Subsets, addresses and ports are then sorted (addresses by IP as Kubernetes does; ports and
 * subsets in a fixed order of our own, where Kubernetes orders by a hash of their contents).
 */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const SENTINEL = '<none>';
  const allAddrs = new Map<string, EndpointAddress>();
  const portDefs = new Map<string, EndpointPort | undefined>();
  /** port key -> address key -> ready */
  const byPort = new Map<string, Map<string, boolean>>();
  const record = (addr: EndpointAddress, pk: string, ready: boolean): void => {
    const ak = addressKey(addr);
    if (!allAddrs.has(ak)) allAddrs.set(ak, addr);
    let set = byPort.get(pk);
    if (!set) byPort.set(pk, (set = new Map()));
    const was = set.get(ak);
    // Not ready trumps ready.
    if (was === undefined || was) set.set(ak, ready);
  };
  for (const ss of subsets) {
    const ports: (EndpointPort | undefined)[] = ss.ports?.length ? ss.ports : [undefined];
    for (const p of ports) {
      const pk = p ? portKey(p) : SENTINEL;
      if (!portDefs.has(pk)) portDefs.set(pk, p);
      for (const a of ss.addresses ?? []) record(a, pk, true);
      for (const a of ss.notReadyAddresses ?? []) record(a, pk, false);
    }
  }
  // Ports offered by exactly the same addresses (with the same readiness) form one subset.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const [pk, addrs] of byPort) {
    const sig = JSON.stringify([...addrs.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { addrs, ports: [] }));
    const def = portDefs.get(pk);
    if (def) g.ports.push(def);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [],
      notReady: EndpointAddress[] = [];
    for (const [ak, r] of g.addrs) (r ? ready : notReady).push(allAddrs.get(ak)!);
    const ss: EndpointSubset = {};
    if (ready.length) ss.addresses = ready.sort(compareAddresses);
    if (notReady.length) ss.notReadyAddresses = notReady.sort(compareAddresses);
    if (g.ports.length) ss.ports = g.ports.sort(comparePorts);
    out.push(ss);
  }
  const subsetKey = (ss: EndpointSubset): string =>
    JSON.stringify([(ss.ports ?? []).map(portKey), (ss.addresses ?? [])[0]?.ip ?? '', (ss.notReadyAddresses ?? [])[0]?.ip ?? '']);
  return out.sort((a, b) => {
    const ka = subsetKey(a),
      kb = subsetKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function countAddresses(subsets: EndpointSubset[] | undefined): { ready: number; notReady: number } {
  let ready = 0,
    notReady = 0;
  for (const ss of subsets ?? []) {
    ready += ss.addresses?.length ?? 0;
    notReady += ss.notReadyAddresses?.length ?? 0;
  }
  return { ready, notReady };
}

/** Over capacity, the object must be (re)truncated; under it, the annotation must be absent. */
function capacityAnnotationSetCorrectly(ep: Endpoints): boolean {
  const { ready, notReady } = countAddresses(ep.subsets);
  if (ready + notReady > MAX_ENDPOINTS_CAPACITY) return false;
  return ep.metadata.annotations?.[OVER_CAPACITY] === undefined;
}

/**
 * truncateEndpoints: at most MAX_ENDPOINTS_CAPACITY addresses, spread over the subsets in
 * proportion, ready ones kept before not-ready ones. True when something was cut.
 */
export function truncateEndpoints(ep: Endpoints): boolean {
  const subsets = ep.subsets ?? [];
  const { ready, notReady } = countAddresses(subsets);
  if (ready + notReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = ready > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - ready;
  const total = truncateReady ? ready : notReady;
  let canBeAdded = max;
  for (const ss of subsets) {
    const inSubset = truncateReady ? (ss.addresses?.length ?? 0) : (ss.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(Math.ceil((inSubset / total) * max), canBeAdded);
    if (truncateReady) {
      ss.addresses = (ss.addresses ?? []).slice(0, toBeAdded);
      delete ss.notReadyAddresses;
      canBeAdded -= ss.addresses.length;
      if (!ss.addresses.length) delete ss.addresses;
    } else {
      ss.notReadyAddresses = (ss.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= ss.notReadyAddresses.length;
      if (!ss.notReadyAddresses.length) delete ss.notReadyAddresses;
    }
  }
  return true;
}
