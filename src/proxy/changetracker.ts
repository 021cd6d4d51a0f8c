// The proxy's view of services and their endpoints, kept current from informer events:
// kube-proxy's ServiceChangeTracker and EndpointsChangeTracker (servicechangetracker.go,
// endpointschangetracker.go) with the ServicePortMap and EndpointsMap they update. Events only
// mark a service dirty; update() recomputes the dirty ones, so a sync costs what changed, and
// what a sync reads (svcPortMap, endpointsMap) is a consistent picture between two updates.

import type { Service } from '../api/types.js';
import type { EndpointSlice } from '../controllers/endpointslice.js';
import { type EndpointInfo, endpointsForService, sliceServiceKey } from './endpoints.js';
import { type ServicePortInfo, servicePorts } from './serviceport.js';

/** endpoints.kubernetes.io/last-change-trigger-time: when the change the slice carries began. */
const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

export interface UpdateResult {
  /** Services whose ports or endpoints changed since the last update. */
  changedServices: string[];
  /** Trigger times of the endpoint changes applied (network programming latency). */
  lastChangeTriggerTimes: number[];
}

export class ChangeTracker {
  /** "ns/name" -> the service's ports. */
  readonly svcPortMap = new Map<string, ServicePortInfo[]>();
  /** endpointsKey(servicePortName, protocol) -> endpoints. */
  readonly endpointsMap = new Map<string, EndpointInfo[]>();
  private readonly services = new Map<string, Service>();
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  private readonly dirty = new Set<string>();
  private readonly endpointKeysOf = new Map<string, string[]>();
  private triggerTimes: number[] = [];

  constructor(private readonly nodeName: string) {}

  /** Whether changes wait for update(). */
  get pending(): boolean {
    return this.dirty.size > 0;
  }

  onService(svc: Service, deleted = false): void {
    const key = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;
    if (deleted) this.services.delete(key);
    else this.services.set(key, svc);
    this.dirty.add(key);
  }

  onEndpointSlice(slice: EndpointSlice, deleted = false): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    let m = this.slices.get(key);
    if (deleted) {
      m?.delete(slice.metadata.name!);
      if (m && m.size === 0) this.slices.delete(key);
    } else {
      if (!m) {
        m = new Map();
        this.slices.set(key, m);
      }
      m.set(slice.metadata.name!, slice);
      const t = Date.parse(slice.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME] ?? '');
      if (Number.isFinite(t)) this.triggerTimes.push(t);
    }
    this.dirty.add(key);
  }

  /** Applies the pending changes to svcPortMap and endpointsMap. */
  update(): UpdateResult {
    const changed = [...this.dirty];
    this.dirty.clear();
    for (const key of changed) {
      const svc = this.services.get(key);
      const ports = svc ? servicePorts(svc) : [];
      if (ports.length) this.svcPortMap.set(key, ports);
      else this.svcPortMap.delete(key);
      for (const k of this.endpointKeysOf.get(key) ?? []) this.endpointsMap.delete(k);
      const slices = this.slices.get(key);
      if (!slices) {
        this.endpointKeysOf.delete(key);
        continue;
      }
      const eps = endpointsForService(key, slices.values(), this.nodeName);
      for (const [k, list] of eps) this.endpointsMap.set(k, list);
      this.endpointKeysOf.set(key, [...eps.keys()]);
    }
    const lastChangeTriggerTimes = this.triggerTimes;
    this.triggerTimes = [];
    return { changedServices: changed, lastChangeTriggerTimes };
  }
}
