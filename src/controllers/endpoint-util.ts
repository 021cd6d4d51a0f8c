// What the Endpoints and EndpointSlice controllers share, as Kubernetes' k8s.io/endpointslice/util
// and pkg/api/v1/pod: which pods belong in endpoints, a service port's number in a given pod,
// which services a pod change concerns, the last-change-trigger-time bookkeeping, and a pod
// index by label so that a service's pods are found without scanning its whole namespace.

import { isPodReady } from '../api/conditions.js';
import type { KObject } from '../api/object.js';
import { type Container, PODS, type Pod, SERVICES, type Service, type ServicePort } from '../api/types.js';
import { type Informer, NAMESPACE_INDEX, objectKey, type SharedInformerFactory } from '../client/informer.js';

/** v1.EndpointsLastChangeTriggerTime. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** v1.IsHeadlessService: set on Endpoints and EndpointSlices of services without a cluster IP. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** v1.LabelTopologyZone. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

function containersOf(pod: Pod): Container[] {
  return pod.spec?.containers ?? [];
}

/** The label pairs of a pod, as "namespace/key=value": a service's pods are one lookup away. */
export const POD_LABEL_INDEX = 'endpoints.podLabel';

export function podLabelIndexFunc(pod: KObject): string[] {
  const ns = pod.metadata.namespace ?? '';
  return Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${ns}/${k}=${v}`);
}

/**
 * The service's selector as a map, or undefined when it selects nothing: a nil selector means
 * "endpoints managed by someone else", and an empty map does not survive the wire (omitempty).
 */
export function serviceSelector(svc: Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return undefined;
  return sel;
}

function matchesSelector(sel: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  if (!labels) return false;
  for (const [k, v] of Object.entries(sel)) if (labels[k] !== v) return false;
  return true;
}

/**
 * The pods a service's endpoints are made of; undefined for a service whose endpoints are not
 * the controllers' to write (ExternalName services get none; selector-less ones are the user's).
 */
export function managedServicePods(pods: Informer<Pod>, svc: Service): Pod[] | undefined {
  if (svc.spec?.type === 'ExternalName' || !serviceSelector(svc)) return undefined;
  return podsForService(pods, svc);
}

/** The pods a service selects, found through the smallest label index bucket of its selector. */
export function podsForService(pods: Informer<Pod>, svc: Service): Pod[] {
  const sel = serviceSelector(svc);
  if (!sel) return [];
  const ns = svc.metadata.namespace ?? '';
  let best: Pod[] | undefined;
  for (const [k, v] of Object.entries(sel)) {
    const bucket = pods.byIndex(POD_LABEL_INDEX, `${ns}/${k}=${v}`);
    if (!best || bucket.length < best.length) best = bucket;
    if (best.length === 0) return [];
  }
  return (best ?? []).filter((p) => matchesSelector(sel, p.metadata.labels));
}

/** GetPodServiceMemberships: keys of the services in the pod's namespace whose selector matches labels. */
export function servicesForLabels(services: Informer<Service>, namespace: string, labels: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const svc of services.byIndex(NAMESPACE_INDEX, namespace)) {
    const sel = serviceSelector(svc);
    if (sel && matchesSelector(sel, labels)) out.add(objectKey(svc));
  }
  return out;
}

export function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs as { ip?: string }[] | undefined)?.map((p) => p.ip ?? '').filter((ip) => ip) ?? [];
  if (ips.length) return ips;
  const ip = pod.status?.podIP as string | undefined;
  return ip ? [ip] : [];
}

export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** ShouldPodBeInEndpoints: not finished, has an IP, and not terminating unless those are wanted. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** ShouldSetHostname: a pod with a hostname in the subdomain named after the service. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  const hostname = pod.spec?.hostname as string | undefined;
  return !!hostname && pod.spec?.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

/** IsServiceIPSet: false for headless services. */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** The headless label (v1.IsHeadlessService) on labels exactly when the service has no cluster IP. */
export function setHeadlessLabel(labels: Record<string, string>, svc: Service): void {
  if (isServiceIPSet(svc)) delete labels[HEADLESS_LABEL];
  else labels[HEADLESS_LABEL] = '';
}

/** The reference an endpoint address keeps to its pod (kind, namespace, name, uid). */
export function podReference(pod: Pod): { kind: string; namespace?: string; name?: string; uid?: string } {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

/**
 * FindPort: a numeric targetPort as it is; a named one looked up among the pod's container ports
 * (and its sidecars') of the same protocol. undefined when the pod has no such port.
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const proto = svcPort.protocol ?? 'TCP';
  const search = (cs: Container[]): number | undefined => {
    for (const c of cs) for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
    return undefined;
  };
  const found = search(containersOf(pod));
  if (found !== undefined) return found;
  const sidecars = ((pod.spec?.initContainers as Container[] | undefined) ?? []).filter((c) => c.restartPolicy === 'Always');
  return search(sidecars);
}

function portsSignature(pod: Pod): string {
  return JSON.stringify(containersOf(pod).map((c) => c.ports ?? []));
}

/**
 * podEndpointsChanged: [podChanged, labelsChanged]. The first when what the pod contributes to
 * an endpoint changed (terminating, readiness, IPs, container ports); the second when which
 * services select it may have.
 */
export function podEndpointsChanged(old: Pod, cur: Pod): [boolean, boolean] {
  const labelsChanged =
    !sameStringMap(old.metadata.labels, cur.metadata.labels) ||
    old.spec?.hostname !== cur.spec?.hostname ||
    old.spec?.subdomain !== cur.spec?.subdomain;
  if ((old.metadata.deletionTimestamp ?? '') !== (cur.metadata.deletionTimestamp ?? '')) return [true, labelsChanged];
  if (isPodReady(old) !== isPodReady(cur)) return [true, labelsChanged];
  if (isPodTerminal(old) !== isPodTerminal(cur)) return [true, labelsChanged];
  if (podIPs(old).join(',') !== podIPs(cur).join(',')) return [true, labelsChanged];
  if ((old.spec?.nodeName ?? '') !== (cur.spec?.nodeName ?? '')) return [true, labelsChanged];
  if (portsSignature(old) !== portsSignature(cur)) return [true, labelsChanged];
  return [false, labelsChanged];
}

/** GetServicesToUpdateOnPodChange: the services an update of a pod concerns. */
/**
 * The informers both endpoints controllers follow, with the handlers they share: a service's
 * change syncs it; a pod's syncs the services selecting it (before or after the change).
 */
export function followServicesAndPods(
  factory: SharedInformerFactory,
  enqueue: (key: string) => void,
): { svcInf: Informer<Service>; podInf: Informer<Pod> } {
  const svcInf = factory.informerFor<Service>({ ...SERVICES });
  const podInf = factory.informerFor<Pod>({ ...PODS, indexers: { [POD_LABEL_INDEX]: podLabelIndexFunc } });
  const serviceChanged = (s: Service) => enqueue(objectKey(s));
  svcInf.addEventHandler({ onAdd: serviceChanged, onUpdate: (_o, s) => serviceChanged(s), onDelete: serviceChanged });
  const podMembershipChanged = (p: Pod) => {
    for (const k of servicesForLabels(svcInf, p.metadata.namespace ?? '', p.metadata.labels)) enqueue(k);
  };
  podInf.addEventHandler({
    onAdd: podMembershipChanged,
    onUpdate: (o, p) => {
      for (const k of servicesToUpdateOnPodChange(svcInf, o, p)) enqueue(k);
    },
    onDelete: podMembershipChanged,
  });
  return { svcInf, podInf };
}

export function servicesToUpdateOnPodChange(services: Informer<Service>, old: Pod, cur: Pod): Set<string> {
  if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return new Set();
  const [podChanged, labelsChanged] = podEndpointsChanged(old, cur);
  if (!podChanged && !labelsChanged) return new Set();
  const ns = cur.metadata.namespace ?? '';
  const now = servicesForLabels(services, ns, cur.metadata.labels);
  if (!labelsChanged) return now;
  const before = servicesForLabels(services, ns, old.metadata.labels);
  const out = new Set<string>();
  if (podChanged) {
    for (const k of now) out.add(k);
    for (const k of before) out.add(k);
    return out;
  }
  // Only the labels changed: the services that gained or lost the pod, not those that kept it.
  for (const k of now) if (!before.has(k)) out.add(k);
  for (const k of before) if (!now.has(k)) out.add(k);
  return out;
}

export function sameStringMap(a: Record<string, string> | undefined | null, b: Record<string, string> | undefined | null): boolean {
  const ka = Object.keys(a ?? {}),
    kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (a?.[k] !== b?.[k]) return false;
  return true;
}

/**
 * Semantic equality as apimachinery's: nil and empty lists, maps and strings are the same, and an
 * object reference's resourceVersion is ignored (a pod update alone must not rewrite endpoints).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(canonical) : undefined;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (k === 'resourceVersion') continue;
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (v === null || v === '') return undefined;
  return v;
}

/** time.Time.UTC().Format(time.RFC3339Nano): trailing zeros of the fraction dropped. */
export function formatRFC3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, d: string) => (d ? `.${d}Z` : 'Z'));
}

/** obj's last-change-trigger-time annotation set to triggerTime, or removed when there is none (0). */
export function setTriggerTimeAnnotation(obj: KObject, triggerTime: number | undefined): void {
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  obj.metadata.annotations = annotations;
}

function parseTime(s: string | undefined | null): number {
  if (!s) return 0;
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : t;
}

interface TriggerState {
  service: number;
  pods: Map<string, number>;
}

/**
 * TriggerTimeTracker: the time of the earliest change (a pod's Ready transition, the service's
 * creation) not yet reflected, exported as endpoints.kubernetes.io/last-change-trigger-time.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, TriggerState>();

  /** Milliseconds since the epoch; 0 when nothing changed since the last call (no annotation). */
  compute(key: string, svc: Service, pods: Pod[]): number {
    const prev = this.states.get(key);
    let min = 0;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = parseTime(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
      if (!t) continue;
      podTimes.set(pod.metadata.name ?? '', t);
      if (t > (prev?.pods.get(pod.metadata.name ?? '') ?? 0) && (!min || t < min)) min = t;
    }
    const svcTime = parseTime(svc.metadata.creationTimestamp);
    if (svcTime > (prev?.service ?? 0) && (!min || svcTime < min)) min = svcTime;
    this.states.set(key, { service: svcTime, pods: podTimes });
    if (!prev) return svcTime;
    return min;
  }

  deleteService(key: string): void {
    this.states.delete(key);
  }
}
