// The EndpointSlice controller, as kube-controller-manager's pkg/controller/endpointslice and
// k8s.io/endpointslice's reconciler: for every service with a selector, EndpointSlices named
// '<service>-xxxxx' holding up to 100 endpoints each (one per selected pod with an IP, with its
// ready/serving/terminating conditions, node, zone and pod reference), grouped by the set of
// ports the pod resolves. Slices are changed in place, filled before new ones are made, and
// recycled rather than deleted and recreated; a service with no endpoints keeps one empty
// placeholder slice. Slices of a deleted service go with it through their ownerReference.

import { isPodReady } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { deepCopy, type KObject, type OwnerReference } from '../api/object.js';
import { ENDPOINTSLICES, NODES, type ObjectReference, type Pod, type Service } from '../api/types.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import * as endpointutil from './endpoint-util.js';
import { isNamespaceTerminating } from './podutil.js';

/** discovery.LabelServiceName. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** discovery.LabelManagedBy. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** The managed-by value of this controller (controllerQualifiedName). */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** endpointSliceChangeMinSyncDelay: changes to slices by others are looked at after this long. */
const SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;
/** The index of our slices by the key of the service they belong to. */
const SLICE_SERVICE_INDEX = 'endpointslice.service';
/** A sync that found the cache behind our writes looks again after this long at the latest. */
const STALE_CACHE_RETRY_MS = 1000;

export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}
export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  hints?: unknown;
  [k: string]: unknown;
}
export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}
export interface EndpointSlice extends KObject {
  addressType: AddressType;
  endpoints?: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}

export interface EndpointSliceControllerOptions extends ControllerOptions {
  /** --max-endpoints-per-slice (default 100). */ maxEndpointsPerSlice?: number;
}

function managedByUs(slice: EndpointSlice): boolean {
  return slice.metadata.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME;
}

function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? `${slice.metadata.namespace}/${svc}` : undefined;
}

function sliceServiceIndexFunc(slice: EndpointSlice): string[] {
  const key = sliceServiceKey(slice);
  return key && managedByUs(slice) ? [key] : [];
}

/**
 * What a slice is at: its generation when the API server keeps one (Kubernetes bumps it on every
 * change but labels), else its resourceVersion, which only ever grows here.
 */
function sliceVersion(slice: EndpointSlice): number {
  if (typeof slice.metadata.generation === 'number' && slice.metadata.generation > 0) return slice.metadata.generation;
  const rv = Number(slice.metadata.resourceVersion);
  return Number.isFinite(rv) ? rv : 0;
}

const DELETION_EXPECTED = -1;

/**
 * EndpointSliceTracker: the version of every slice this controller last wrote (or its expected
 * deletion), per service, to tell a stale cache from a change someone else made.
 */
export class EndpointSliceTracker {
  private readonly byService = new Map<string, Map<string, number>>();

  private forSlice(slice: EndpointSlice): Map<string, number> | undefined {
    const key = sliceServiceKey(slice);
    return key ? this.byService.get(key) : undefined;
  }
  has(slice: EndpointSlice): boolean {
    return this.forSlice(slice)?.has(slice.metadata.uid ?? '') ?? false;
  }
  /** True when the slice is not one we wrote, or was changed since. */
  shouldSync(slice: EndpointSlice): boolean {
    const g = this.forSlice(slice)?.get(slice.metadata.uid ?? '');
    return g === undefined || sliceVersion(slice) > g;
  }
  /** True when the cache has not yet seen every write and delete of ours for this service. */
  staleSlices(svcKey: string, slices: EndpointSlice[]): boolean {
    const gfs = this.byService.get(svcKey);
    if (!gfs) return false;
    const provided = new Set<string>();
    for (const s of slices) {
      provided.add(s.metadata.uid ?? '');
      const g = gfs.get(s.metadata.uid ?? '');
      if (g !== undefined && (g === DELETION_EXPECTED || g > sliceVersion(s))) return true;
    }
    for (const [uid, g] of gfs) if (g !== DELETION_EXPECTED && !provided.has(uid)) return true;
    return false;
  }
  update(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    let gfs = this.byService.get(key);
    if (!gfs) this.byService.set(key, (gfs = new Map()));
    gfs.set(slice.metadata.uid ?? '', sliceVersion(slice));
  }
  expectDeletion(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    let gfs = this.byService.get(key);
    if (!gfs) this.byService.set(key, (gfs = new Map()));
    gfs.set(slice.metadata.uid ?? '', DELETION_EXPECTED);
  }
  /** Forgets the slice; false when its deletion was not one we asked for. */
  handleDeletion(slice: EndpointSlice): boolean {
    const gfs = this.forSlice(slice);
    if (!gfs) return true;
    const g = gfs.get(slice.metadata.uid ?? '');
    gfs.delete(slice.metadata.uid ?? '');
    return !(g !== undefined && g !== DELETION_EXPECTED);
  }
  deleteService(svcKey: string): void {
    this.byService.delete(svcKey);
  }
}

export class EndpointSliceController extends Controller {
  readonly tracker = new EndpointSliceTracker();
  private readonly svcInf: Informer<Service>;
  private readonly podInf: Informer<Pod>;
  private readonly nodeInf: Informer;
  private readonly sliceInf: Informer<EndpointSlice>;
  private readonly triggerTimes = new endpointutil.TriggerTimeTracker();
  private readonly maxPerSlice: number;
  /** Services whose last sync found the cache behind our writes: synced again as soon as it moves. */
  private readonly awaitingCache = new Set<string>();

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: EndpointSliceControllerOptions = {},
  ) {
    super('endpointslice', client, 'endpoint-slice-controller', opts);
    this.maxPerSlice = opts.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
    ({ svcInf: this.svcInf, podInf: this.podInf } = endpointutil.followServicesAndPods(factory, (k) => this.loop.enqueue(k)));
    this.nodeInf = factory.informerFor({ ...NODES });
    this.sliceInf = factory.informerFor<EndpointSlice>({ ...ENDPOINTSLICES, indexers: { [SLICE_SERVICE_INDEX]: sliceServiceIndexFunc } });
    this.sliceInf.addEventHandler({
      onAdd: (s) => {
        this.cacheMoved(s);
        if (managedByUs(s) && this.tracker.shouldSync(s)) this.queueServiceForSlice(s);
      },
      onUpdate: (prev, s) => {
        this.cacheMoved(s);
        // Generation does not follow label changes: someone moving a slice to another service is seen here.
        if (prev.metadata.labels?.[LABEL_SERVICE_NAME] !== s.metadata.labels?.[LABEL_SERVICE_NAME]) {
          this.queueServiceForSlice(s);
          this.queueServiceForSlice(prev);
          return;
        }
        if (managedByUs(prev) !== managedByUs(s) || (managedByUs(s) && this.tracker.shouldSync(s))) this.queueServiceForSlice(s);
      },
      onDelete: (s) => {
        this.cacheMoved(s);
        if (managedByUs(s) && this.tracker.has(s) && !this.tracker.handleDeletion(s)) this.queueServiceForSlice(s);
      },
    });
  }

  private cacheMoved(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    if (key && this.awaitingCache.delete(key)) this.loop.enqueue(key);
  }

  private queueServiceForSlice(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    if (key) this.loop.queue.addAfter(key, SLICE_CHANGE_MIN_SYNC_DELAY_MS);
  }

  async reconcile(key: string): Promise<number | void> {
    const svc = this.svcInf.get(key);
    if (!svc) {
      // The garbage collector removes the slices through their ownerReference.
      this.triggerTimes.deleteService(key);
      this.tracker.deleteService(key);
      this.awaitingCache.delete(key);
      return;
    }
    const pods = endpointutil.managedServicePods(this.podInf, svc);
    if (!pods) return;
    // Slices being deleted are left alone, lest the controller wait on them forever.
    const slices = this.sliceInf.byIndex(SLICE_SERVICE_INDEX, key).filter((s) => !s.metadata.deletionTimestamp);
    if (this.tracker.staleSlices(key, slices)) {
      // The cache is behind our own writes: synced again as soon as a slice event arrives, or
      // after a second at the latest, without the back-off an error would add.
      this.awaitingCache.add(key);
      return STALE_CACHE_RETRY_MS;
    }
    const triggerTime = this.triggerTimes.compute(key, svc, pods);
    try {
      await this.reconcileSlices(svc, pods, slices, triggerTime);
    } catch (e) {
      this.recorder.event(
        { ...svc, apiVersion: 'v1', kind: 'Service' },
        'Warning',
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Service ${svc.metadata.namespace}/${svc.metadata.name}: ${errorMessage(e)}`,
      );
      throw e;
    }
  }

  /** Reconciler.Reconcile: per address type the service supports; slices of others are deleted. */
  private async reconcileSlices(svc: Service, pods: Pod[], existing: EndpointSlice[], triggerTime: number): Promise<void> {
    const types = addressTypesForService(svc);
    const errs: unknown[] = [];
    const unsupported: EndpointSlice[] = [];
    const byType = new Map<AddressType, EndpointSlice[]>();
    for (const s of existing) {
      if (!types.has(s.addressType)) {
        unsupported.push(s);
        continue;
      }
      const list = byType.get(s.addressType) ?? [];
      list.push(s);
      byType.set(s.addressType, list);
    }
    for (const t of types) {
      try {
        await this.reconcileByAddressType(svc, pods, byType.get(t) ?? [], triggerTime, t);
      } catch (e) {
        errs.push(e);
      }
    }
    for (const s of unsupported) {
      try {
        await this.deleteSlice(svc, s);
      } catch (e) {
        errs.push(
          new Error(
            `error deleting ${s.metadata.name} EndpointSlice for Service ${svc.metadata.namespace}/${svc.metadata.name}: ${errorMessage(e)}`,
          ),
        );
      }
    }
    if (errs.length) throw errs.length === 1 ? errs[0] : new Error(errs.map(errorMessage).join(', '));
  }

  private async deleteSlice(svc: Service, slice: EndpointSlice): Promise<void> {
    try {
      await this.client.delete({ ...ENDPOINTSLICES, namespace: svc.metadata.namespace, name: slice.metadata.name });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    this.tracker.expectDeletion(slice);
  }

  private async reconcileByAddressType(
    svc: Service,
    pods: Pod[],
    existing: EndpointSlice[],
    triggerTime: number,
    addressType: AddressType,
  ): Promise<void> {
    const errs: string[] = [];
    const toCreate: EndpointSlice[] = [],
      toUpdate: EndpointSlice[] = [],
      toDelete: EndpointSlice[] = [];
    const existingByPortMap = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      if (!ownedBy(s, svc)) {
        toDelete.push(s);
        continue;
      }
      const k = portMapKey(s.ports ?? []);
      existingByPortMap.set(k, [...(existingByPortMap.get(k) ?? []), s]);
    }
    const desiredPorts = new Map<string, EndpointPort[]>();
    const desiredByPortMap = new Map<string, Map<string, Endpoint>>();
    for (const pod of pods) {
      if (!endpointutil.shouldPodBeInEndpoints(pod, true)) continue;
      const ports = endpointPortsFor(svc, pod);
      const k = portMapKey(ports);
      if (!desiredByPortMap.has(k)) desiredByPortMap.set(k, new Map());
      if (!desiredPorts.has(k)) desiredPorts.set(k, ports);
      const nodeName = pod.spec?.nodeName ?? '';
      const node = nodeName ? this.nodeInf.get(nodeName) : undefined;
      if (!node && !svc.spec?.publishNotReadyAddresses) {
        // Published without the pod now, and looked at again later (the pod GC may remove it).
        errs.push(
          `skipping Pod ${pod.metadata.name} for Service ${svc.metadata.namespace}/${svc.metadata.name}: Node ${nodeName} Not Found`,
        );
        continue;
      }
      const ep = podToEndpoint(pod, node, svc, addressType);
      if (ep.addresses.length) desiredByPortMap.get(k)!.set(endpointHash(ep), ep);
    }
    for (const [k, desired] of desiredByPortMap) {
      const r = this.reconcileByPortMapping(svc, existingByPortMap.get(k) ?? [], desired, { ports: desiredPorts.get(k)!, addressType });
      toCreate.push(...r.toCreate);
      toUpdate.push(...r.toUpdate);
      toDelete.push(...r.toDelete);
    }
    for (const [k, slices] of existingByPortMap) if (!desiredByPortMap.has(k)) toDelete.push(...slices);

    // A service with no endpoints at all keeps one empty slice, so that consumers see "none" and not "unknown".
    if (existing.length === toDelete.length && toCreate.length < 1) {
      const placeholder = newEndpointSlice(svc, { ports: [], addressType });
      if (toDelete.length === 1 && isSamePlaceholder(toDelete[0], placeholder)) toDelete.length = 0;
      else toCreate.push(placeholder);
    }
    await this.finalize(svc, toCreate, toUpdate, toDelete, triggerTime);
    if (errs.length) throw new Error(errs.join('; '));
  }

  /**
   * reconcileByPortMapping: 1. keep the desired endpoints existing slices hold (updated where they
   * changed), 2. fill the slices being updated anyway, 3. put the rest in the existing slice that
   * fits them best, or in new slices.
   */
  private reconcileByPortMapping(
    svc: Service,
    existing: EndpointSlice[],
    desired: Map<string, Endpoint>,
    meta: { ports: EndpointPort[]; addressType: AddressType },
  ): { toCreate: EndpointSlice[]; toUpdate: EndpointSlice[]; toDelete: EndpointSlice[] } {
    const byName = new Map<string, EndpointSlice>();
    const unchanged = new Set<string>(),
      toUpdateNames = new Set<string>(),
      toDeleteNames = new Set<string>();
    for (const s of existing) {
      const name = s.metadata.name!;
      byName.set(name, s);
      const kept: Endpoint[] = [];
      let updated = false;
      for (const ep of s.endpoints ?? []) {
        const h = endpointHash(ep);
        const want = desired.get(h);
        if (!want) continue;
        kept.push(want);
        if (!endpointsEqualBeyondHash(want, ep)) updated = true;
        desired.delete(h);
      }
      const { labels, changed: labelsChanged } = sliceLabels(s, svc);
      if (updated || (s.endpoints ?? []).length !== kept.length) {
        if (kept.length === 0) {
          toDeleteNames.add(name);
        } else {
          const copy = deepCopy(s);
          copy.endpoints = kept;
          copy.metadata.labels = labels;
          byName.set(name, copy);
          toUpdateNames.add(name);
        }
      } else if (labelsChanged) {
        const copy = deepCopy(s);
        copy.metadata.labels = labels;
        byName.set(name, copy);
        toUpdateNames.add(name);
      } else {
        unchanged.add(name);
      }
    }
    // Endpoints are placed in IP order (Kubernetes takes them in map order).
    const remaining = [...desired.values()].sort((a, b) =>
      a.addresses[0] < b.addresses[0] ? -1 : a.addresses[0] > b.addresses[0] ? 1 : 0,
    );
    let next = 0;
    const left = (): number => remaining.length - next;

    if (left() > 0 && toUpdateNames.size > 0) {
      const slices = [...toUpdateNames].map((n) => byName.get(n)!).sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
      for (const s of slices) {
        s.endpoints ??= [];
        while (left() > 0 && s.endpoints.length < this.maxPerSlice) s.endpoints.push(remaining[next++]);
      }
    }

    const toCreate: EndpointSlice[] = [];
    while (left() > 0) {
      let fill: EndpointSlice | undefined;
      if (left() < this.maxPerSlice && unchanged.size > 0) {
        fill = sliceToFill(
          [...unchanged].map((n) => byName.get(n)!),
          left(),
          this.maxPerSlice,
        );
      }
      if (!fill) {
        fill = newEndpointSlice(svc, meta);
      } else {
        fill = deepCopy(fill);
        byName.set(fill.metadata.name!, fill);
      }
      fill.endpoints ??= [];
      while (left() > 0 && fill.endpoints.length < this.maxPerSlice) fill.endpoints.push(remaining[next++]);
      if (fill.metadata.name) {
        toUpdateNames.add(fill.metadata.name);
        unchanged.delete(fill.metadata.name);
      } else {
        toCreate.push(fill);
      }
    }
    return {
      toCreate,
      toUpdate: [...toUpdateNames].map((n) => byName.get(n)!),
      toDelete: [...toDeleteNames].map((n) => byName.get(n)!),
    };
  }

  /** finalize: slices to create first take the place of slices to delete; then writes. */
  private async finalize(
    svc: Service,
    toCreate: EndpointSlice[],
    toUpdate: EndpointSlice[],
    toDelete: EndpointSlice[],
    triggerTime: number,
  ): Promise<void> {
    for (let i = 0; i < toDelete.length; ) {
      if (toCreate.length === 0) break;
      const old = toDelete[i];
      const slice = toCreate[toCreate.length - 1];
      // Only a slice of this very service (not one of an older namesake awaiting the GC) is reused.
      if (old.addressType === slice.addressType && ownedBy(old, svc)) {
        slice.metadata.name = old.metadata.name;
        toCreate.pop();
        toUpdate.push(slice);
        toDelete.splice(i, 1);
      } else {
        i++;
      }
    }
    const ns = svc.metadata.namespace;
    // No new slices for a service being deleted: the garbage collector would race them.
    if (!svc.metadata.deletionTimestamp) {
      for (const s of toCreate) {
        endpointutil.setTriggerTimeAnnotation(s, triggerTime);
        nullEmptyLists(s);
        let created: EndpointSlice;
        try {
          created = await this.client.create<EndpointSlice>({ ...ENDPOINTSLICES, namespace: ns }, s);
        } catch (e) {
          if (isNamespaceTerminating(e)) return;
          throw new Error(`failed to create EndpointSlice for Service ${ns}/${svc.metadata.name}: ${errorMessage(e)}`);
        }
        this.tracker.update(created);
      }
    }
    for (const s of toUpdate) {
      endpointutil.setTriggerTimeAnnotation(s, triggerTime);
      nullEmptyLists(s);
      let updated: EndpointSlice;
      try {
        updated = await this.client.update<EndpointSlice>({ ...ENDPOINTSLICES, namespace: ns, name: s.metadata.name }, s);
      } catch (e) {
        throw new Error(`failed to update ${s.metadata.name} EndpointSlice for Service ${ns}/${svc.metadata.name}: ${errorMessage(e)}`);
      }
      this.tracker.update(updated);
    }
    for (const s of toDelete) {
      try {
        await this.deleteSlice(svc, s);
      } catch (e) {
        throw new Error(`failed to delete ${s.metadata.name} EndpointSlice for Service ${ns}/${svc.metadata.name}: ${errorMessage(e)}`);
      }
    }
  }
}

/** getAddressTypesForService: from spec.ipFamilies; else the cluster IP's family; headless: both. */
export function addressTypesForService(svc: Service): Set<AddressType> {
  const out = new Set<AddressType>();
  for (const f of svc.spec?.ipFamilies ?? []) {
    if (f === 'IPv4') out.add('IPv4');
    if (f === 'IPv6') out.add('IPv6');
  }
  if (out.size) return out;
  if (endpointutil.isServiceIPSet(svc)) {
    out.add(endpointutil.isIPv6(svc.spec!.clusterIP!) ? 'IPv6' : 'IPv4');
    return out;
  }
  out.add('IPv4');
  out.add('IPv6');
  return out;
}

/** getEndpointPorts: the service's ports as this pod resolves them (a port it lacks is left out). */
export function endpointPortsFor(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0 && svc.spec?.clusterIP === 'None') return out;
  for (const sp of ports) {
    const n = endpointutil.findPort(pod, sp);
    if (n === undefined) continue;
    const p: EndpointPort = { name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

/** podToEndpoint. "ready" is never true for a terminating pod unless not-ready addresses are published. */
export function podToEndpoint(pod: Pod, node: KObject | undefined, svc: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: Endpoint = {
    addresses: endpointutil.podIPs(pod).filter((ip) => endpointutil.isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
  };
  if (endpointutil.shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname as string;
  ep.targetRef = endpointutil.podReference(pod);
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[endpointutil.ZONE_LABEL];
  if (zone) ep.zone = zone;
  return ep;
}

/** The endpoint's identity: addresses, hostname and the pod it stands for; conditions may change in place. */
function endpointHash(ep: Endpoint): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

function sameRef(a: ObjectReference | undefined, b: ObjectReference | undefined): boolean {
  if (!a || !b) return !a && !b;
  return (
    (a.kind ?? '') === (b.kind ?? '') &&
    (a.namespace ?? '') === (b.namespace ?? '') &&
    (a.name ?? '') === (b.name ?? '') &&
    (a.uid ?? '') === (b.uid ?? '') &&
    (a.apiVersion ?? '') === (b.apiVersion ?? '') &&
    (a.fieldPath ?? '') === (b.fieldPath ?? '')
  );
}

/** EndpointsEqualBeyondHash: node, zone, conditions and target (its resourceVersion aside). */
function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  if (a.nodeName !== b.nodeName || a.zone !== b.zone) return false;
  const ca = a.conditions ?? {},
    cb = b.conditions ?? {};
  if (ca.ready !== cb.ready || ca.serving !== cb.serving || ca.terminating !== cb.terminating) return false;
  return sameRef(a.targetRef, b.targetRef);
}

/** NewPortMapKey: slices are grouped by the exact set of ports, in any order. */
function portMapKey(ports: EndpointPort[]): string {
  return JSON.stringify(
    ports
      .map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? '', p.appProtocol ?? ''])
      .sort((a, b) => {
        const x = JSON.stringify(a),
          y = JSON.stringify(b);
        return x < y ? -1 : x > y ? 1 : 0;
      }),
  );
}

function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

function serviceOwnerRef(svc: Service): OwnerReference {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    name: svc.metadata.name!,
    uid: svc.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * setEndpointSliceLabels: the service's labels (bar the reserved ones), the headless marker when
 * it has no cluster IP, the service name and managed-by. changed: the service's own labels differ.
 */
function sliceLabels(slice: EndpointSlice | undefined, svc: Service): { labels: Record<string, string>; changed: boolean } {
  const reserved = (k: string): boolean => k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === endpointutil.HEADLESS_LABEL;
  const cur: Record<string, string> = {},
    want: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice?.metadata.labels ?? {})) if (!reserved(k)) cur[k] = v;
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!reserved(k)) want[k] = v;
  const changed = !endpointutil.sameStringMap(cur, want);
  endpointutil.setHeadlessLabel(want, svc);
  want[LABEL_SERVICE_NAME] = svc.metadata.name!;
  want[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return { labels: want, changed };
}

function newEndpointSlice(svc: Service, meta: { ports: EndpointPort[]; addressType: AddressType }): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(undefined, svc).labels,
      ownerReferences: [serviceOwnerRef(svc)],
    },
    addressType: meta.addressType,
    endpoints: [],
    ports: meta.ports.map((p) => ({ ...p })),
  };
}

/** placeholderSliceCompare: namespace, labels, owner, address type, and nothing in it. */
function isSamePlaceholder(existing: EndpointSlice, placeholder: EndpointSlice): boolean {
  if (existing.metadata.namespace !== placeholder.metadata.namespace) return false;
  if (!endpointutil.sameStringMap(existing.metadata.labels, placeholder.metadata.labels)) return false;
  const ea = existing.metadata.ownerReferences ?? [],
    pa = placeholder.metadata.ownerReferences ?? [];
  if (ea.length !== pa.length) return false;
  for (let i = 0; i < ea.length; i++) {
    const x = ea[i],
      y = pa[i];
    if (
      x.apiVersion !== y.apiVersion ||
      x.kind !== y.kind ||
      x.name !== y.name ||
      x.uid !== y.uid ||
      !!x.controller !== !!y.controller ||
      !!x.blockOwnerDeletion !== !!y.blockOwnerDeletion
    )
      return false;
  }
  return existing.addressType === placeholder.addressType && !existing.endpoints?.length && !existing.ports?.length;
}

/** getSliceToFill: the unchanged slice that these endpoints would bring closest to full. */
function sliceToFill(slices: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (n + (s.endpoints?.length ?? 0));
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) return s;
    }
  }
  return closest;
}

/** Empty lists travel as nil in Kubernetes' protobuf: a placeholder reads endpoints: null, ports: null. */
function nullEmptyLists(slice: EndpointSlice): void {
  if (!slice.endpoints?.length) slice.endpoints = null;
  if (!slice.ports?.length) slice.ports = null;
}
