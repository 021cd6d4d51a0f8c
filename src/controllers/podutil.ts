// Pod helpers the workload controllers share, as Kubernetes' pkg/api/v1/pod and
// pkg/controller/controller_utils.go: readiness and availability, the active-pod filter, the
// order in which a ReplicaSet gives up pods on scale-down, IntOrString scaling, and the
// ControllerRefManager's claim (adopt orphans, release what no longer matches).

import { getCondition, isPodReady } from '../api/conditions.js';
import { type Selector, selectorFromLabelSelector } from '../api/labels.js';
import { type KObject, type OwnerReference, sameJSON } from '../api/object.js';
import type { LabelSelector, Pod } from '../api/types.js';
import { type EventHandlers, type Informer, objectKey } from '../client/informer.js';
import { isApiError, isNotFound, type ResourceRef, type RestClient } from '../client/rest.js';

/** The annotation that tells the ReplicaSet controller which pods to give up first (lower first). */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number = Date.now()): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const t = getCondition(pod, 'Ready')?.lastTransitionTime;
  if (!t) return false;
  return Date.parse(t) + minReadySeconds * 1000 < now;
}

/** Neither finished (Succeeded/Failed) nor being deleted: the pods a controller counts. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function controllerOf(obj: KObject): OwnerReference | undefined {
  // A loop, not find(): controllers call this for every pod of an owner on each sync.
  const refs = obj.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller === true) return r;
  return undefined;
}

/**
 * controller.PodControllerUIDIndex: pods by the uid of their controller, and pods without one
 * under one key per namespace (OrphanPodIndexKeyForNamespace). A ReplicaSet's sync reads its own
 * pods and the orphans it may adopt instead of every pod of the namespace: the claim needs no
 * others (pods another controller owns are never adopted), and with tens of thousands of pods
 * in a namespace each sync would otherwise walk all of them.
 */
export const POD_CONTROLLER_UID_INDEX = 'podControllerUID';
const ORPHAN_POD_INDEX_KEY = '_ORPHAN_POD';

export function orphanPodIndexKey(namespace: string): string {
  return `${ORPHAN_POD_INDEX_KEY}/${namespace}`;
}

export function podControllerUidIndexFunc(pod: KObject): string[] {
  const ref = controllerOf(pod);
  return [ref ? ref.uid : orphanPodIndexKey(pod.metadata.namespace ?? '')];
}

/** controller.FilterPodsByOwner: the pods owner controls and, with includeOrphans, the orphans of its namespace. */
export function podsByOwner(pods: Informer<Pod>, owner: KObject, includeOrphans: boolean): Pod[] {
  const own = owner.metadata.uid ? pods.byIndex(POD_CONTROLLER_UID_INDEX, owner.metadata.uid) : [];
  if (!includeOrphans) return own;
  for (const p of pods.byIndex(POD_CONTROLLER_UID_INDEX, orphanPodIndexKey(owner.metadata.namespace ?? ''))) own.push(p);
  return own;
}

export function labelsChanged(old: KObject, cur: KObject): boolean {
  return !sameJSON(old.metadata.labels ?? {}, cur.metadata.labels ?? {});
}

/**
 * An update as the controller of the owner kind sees it (updatePod, updateReplicaSet): when the
 * controller reference changed, the previous owner must look again; the current owner looks
 * again; an orphan (no controller) may be adopted by whichever owner selects it.
 */
export function controllerUpdate<T>(
  old: KObject,
  cur: KObject,
  resolve: (namespace: string | undefined, ref: OwnerReference) => T | undefined,
): { previous?: T; current?: T; orphan: boolean; refChanged: boolean } {
  const curRef = controllerOf(cur),
    oldRef = controllerOf(old);
  const refChanged = !sameJSON(curRef ?? null, oldRef ?? null);
  return {
    previous: refChanged && oldRef ? resolve(old.metadata.namespace, oldRef) : undefined,
    current: curRef ? resolve(cur.metadata.namespace, curRef) : undefined,
    orphan: !curRef,
    refChanged,
  };
}

/** metav1.NewControllerRef. */
export function newControllerRef(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

// ---- IntOrString ----

/** intstr.GetScaledValueFromIntOrPercent: "25%" of total, rounded up or down; plain ints as they are. */
export function scaledValueFromIntOrPercent(v: number | string | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) {
    if (/^-?\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

// ---- scale-down order (controller.ActivePodsWithRanks) ----

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^-?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function readyTime(pod: Pod): number {
  if (!isPodReady(pod)) return 0;
  const t = getCondition(pod, 'Ready')?.lastTransitionTime;
  return t ? Date.parse(t) : 0;
}

function time(s: string | undefined): number {
  return s ? Date.parse(s) : 0;
}

/** afterOrZero: a zero time counts as after any other. */
function afterOrZero(t1: number, t2: number): boolean {
  if (!t1 || !t2) return !t1;
  return t1 > t2;
}

/** Base-2 logarithmic buckets of age (LogarithmicScaleDown, GA): pods of similar age tie. */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const d1 = (now - t1) * 1e6,
    d2 = (now - t2) * 1e6; // ns, as Go's time.Duration
  const r1 = d1 > 0 ? Math.floor(Math.log2(d1)) : -1;
  const r2 = d2 > 0 ? Math.floor(Math.log2(d2)) : -1;
  return r1 - r2;
}

function maxRestarts(pod: Pod): { regular: number; sidecar: number } {
  let regular = 0,
    sidecar = 0;
  for (const c of pod.status?.containerStatuses ?? []) regular = Math.max(regular, c.restartCount ?? 0);
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  for (const c of pod.status?.initContainerStatuses ?? [])
    if (c.name && sidecars.has(c.name)) sidecar = Math.max(sidecar, c.restartCount ?? 0);
  return { regular, sidecar };
}

interface Ranked {
  pod: Pod;
  rank: number;
}

/** ActivePodsWithRanks.Less: true when a should be deleted before b. */
function deleteBefore(a: Ranked, b: Ranked, now: number): boolean {
  const pa = a.pod,
    pb = b.pod;
  const na = pa.spec?.nodeName ?? '',
    nb = pb.spec?.nodeName ?? '';
  // 1. Unassigned < assigned.
  if (na !== nb && (!na || !nb)) return !na;
  // 2. Pending < Unknown < Running.
  const oa = PHASE_ORDINAL[pa.status?.phase ?? ''] ?? 0,
    ob = PHASE_ORDINAL[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa < ob;
  // 3. Not ready < ready.
  const ra = isPodReady(pa),
    rb = isPodReady(pb);
  if (ra !== rb) return !ra;
  // 4. Lower pod-deletion-cost < higher.
  const ca = deletionCost(pa),
    cb = deletionCost(pb);
  if (ca !== cb) return ca < cb;
  // 5. Doubled up (more related pods on the same node) < not doubled up.
  if (a.rank !== b.rank) return a.rank > b.rank;
  // 6. Ready for a shorter time < longer.
  if (ra && rb) {
    const ta = readyTime(pa),
      tb = readyTime(pb);
    if (ta !== tb) {
      if (!ta || !tb) return afterOrZero(ta, tb);
      const d = logarithmicRankDiff(ta, tb, now);
      if (d === 0) return (pa.metadata.uid ?? '') < (pb.metadata.uid ?? '');
      return d < 0;
    }
  }
  // 7. More container restarts < fewer.
  const xa = maxRestarts(pa),
    xb = maxRestarts(pb);
  if (xa.regular !== xb.regular) return xa.regular > xb.regular;
  if (xa.sidecar !== xb.sidecar) return xa.sidecar > xb.sidecar;
  // 8. Newer < older.
  const ka = time(pa.metadata.creationTimestamp),
    kb = time(pb.metadata.creationTimestamp);
  if (ka !== kb) {
    if (!ka || !kb) return afterOrZero(ka, kb);
    const d = logarithmicRankDiff(ka, kb, now);
    if (d === 0) return (pa.metadata.uid ?? '') < (pb.metadata.uid ?? '');
    return d < 0;
  }
  return false;
}

/**
 * The pods to delete first, as the ReplicaSet controller's getPodsToDelete: ranked by the
 * number of active related pods (same owning Deployment) on the pod's node.
 */
export function podsToDelete(pods: Pod[], related: Pod[], diff: number, now: number = Date.now()): Pod[] {
  if (diff >= pods.length) return pods.slice(0, diff);
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec?.nodeName ?? '', (onNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
  const ranked: Ranked[] = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => (deleteBefore(a, b, now) ? -1 : deleteBefore(b, a, now) ? 1 : 0));
  return ranked.slice(0, diff).map((r) => r.pod);
}

// ---- ControllerRefManager ----

export interface ClaimOptions {
  client: RestClient;
  /** Where the claimed kind lives: pods, or replicasets. */
  resource: Omit<ResourceRef, 'name' | 'namespace'>;
  owner: KObject;
  /** Where the owner's kind lives: the owner is read live before anything is adopted. */
  ownerResource: Omit<ResourceRef, 'name' | 'namespace'>;
  ownerApiVersion: string;
  ownerKind: string;
  selector: Selector;
  /** Finalizers added on adoption and removed on release (the Job's tracking finalizer). */
  finalizers?: string[];
}

/**
 * RecheckDeletionTimestamp: a live read of the owner confirms it is the same object and not
 * being deleted, before a controller adopts anything for it.
 */
async function recheckOwner(o: ClaimOptions): Promise<void> {
  const { namespace, name, uid } = o.owner.metadata;
  const fresh = await o.client.get({ ...o.ownerResource, namespace, name });
  if (fresh.metadata.uid !== uid)
    throw new Error(`original ${o.ownerKind} ${namespace}/${name} is gone: got uid ${fresh.metadata.uid}, wanted ${uid}`);
  if (fresh.metadata.deletionTimestamp)
    throw new Error(`${namespace}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}

/**
 * ClaimObjects: what matches and is ours (or an orphan we adopt) is returned; what is ours
 * and no longer matches is released. Adoption errors are thrown after the rest was claimed.
 */
export async function claimObjects<T extends KObject>(objs: T[], o: ClaimOptions): Promise<T[]> {
  const claimed: T[] = [];
  const errs: unknown[] = [];
  let adoptChecked: Promise<void> | undefined;
  const ownerUid = o.owner.metadata.uid!;
  const ownerDeleting = !!o.owner.metadata.deletionTimestamp;
  // This runs over every pod of a ReplicaSet on each of its syncs: nothing is allocated for a
  // pod that is simply kept (the common case), only for one patched.
  const target = (obj: T) => ({ ...o.resource, namespace: obj.metadata.namespace, name: obj.metadata.name });
  for (const obj of objs) {
    const ref = controllerOf(obj);
    const matches = o.selector.matches(obj.metadata.labels);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (matches) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      try {
        const release: Record<string, unknown> = { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: obj.metadata.uid };
        if (o.finalizers?.length) release['$deleteFromPrimitiveList/finalizers'] = o.finalizers;
        await o.client.patch(target(obj), { metadata: release }, 'strategic');
      } catch (e) {
        // Gone, or no longer ours (422 when the uid changed): nothing to release.
        if (!isNotFound(e) && !(isApiError(e) && e.code === 422)) errs.push(e);
      }
      continue;
    }
    if (ownerDeleting || !matches || obj.metadata.deletionTimestamp) continue;
    if (o.owner.metadata.namespace && o.owner.metadata.namespace !== obj.metadata.namespace) continue;
    try {
      adoptChecked ??= recheckOwner(o);
      await adoptChecked;
      const owner = newControllerRef(o.owner, o.ownerApiVersion, o.ownerKind);
      const adopt: Record<string, unknown> = { ownerReferences: [owner], uid: obj.metadata.uid };
      if (o.finalizers?.length) adopt.finalizers = o.finalizers;
      const adopted = await o.client.patch<T>(target(obj), { metadata: adopt }, 'strategic');
      claimed.push(adopted);
    } catch (e) {
      if (!isNotFound(e)) errs.push(e);
    }
  }
  if (errs.length) throw errs[0];
  return claimed;
}

/** What controllers need of an informer to find owners (see resolveControllerRef, ownersSelecting). */
export interface OwnerIndex<T extends KObject> {
  getByName(namespace: string | undefined, name: string): T | undefined;
  byIndex(index: string, value: string): T[];
}

/** The owner a controllerRef names, if it still is that object (same uid) and of this kind. */
export function resolveControllerRef<T extends KObject>(
  inf: OwnerIndex<T>,
  kind: string,
  namespace: string | undefined,
  ref: { kind: string; name: string; uid: string },
): T | undefined {
  if (ref.kind !== kind) return undefined;
  const o = inf.getByName(namespace, ref.name);
  return o && o.metadata.uid === ref.uid ? o : undefined;
}

/** The owner of this kind that controls obj (a pod, a revision), if the informer still has it. */
export function controllerIn<T extends KObject>(inf: OwnerIndex<T>, kind: string, obj: KObject): T | undefined {
  const ref = controllerOf(obj);
  return ref && resolveControllerRef(inf, kind, obj.metadata.namespace, ref);
}

/** Owners in obj's namespace whose selector matches it (an empty selector matches nothing here). */
export function ownersSelecting<T extends KObject>(
  inf: OwnerIndex<T>,
  namespaceIndex: string,
  obj: KObject,
  selectorOf: (o: T) => Selector | undefined,
): T[] {
  const out: T[] = [];
  for (const o of inf.byIndex(namespaceIndex, obj.metadata.namespace ?? '')) {
    const sel = selectorOf(o);
    if (!sel || sel.empty() || !sel.matches(obj.metadata.labels)) continue;
    out.push(o);
  }
  return out;
}

/**
 * What the pod event handlers of an owning controller (ReplicaSet, DaemonSet) need: how to find a
 * pod's owner by its controllerRef or by selector, the owner's expectations and its queue.
 */
export interface PodOwnerHandlers<T extends KObject> {
  resolve(namespace: string | undefined, ref: OwnerReference): T | undefined;
  selecting(pod: Pod): T[];
  expectations: { creationObserved(key: string): void; deletionObserved(key: string, podKey: string): void };
  enqueue(owner: T, afterMs?: number): void;
  minReadySeconds(owner: T): number;
}

/**
 * The owner's own event handlers (ReplicaSet, DaemonSet): every change enqueues it; a deleted
 * owner, or one replaced under the same name (a new uid), drops what its expectations waited for.
 */
export function ownerEvents<T extends KObject>(expectations: { delete(key: string): void }, enqueue: (owner: T) => void): EventHandlers<T> {
  return {
    onAdd: (o) => enqueue(o),
    onUpdate: (old, cur) => {
      if (old.metadata.uid !== cur.metadata.uid) expectations.delete(objectKey(old));
      enqueue(cur);
    },
    onDelete: (o) => {
      expectations.delete(objectKey(o));
      enqueue(o);
    },
  };
}

/** The pod informer's handlers of an owner: add, update (skipping resyncs) and delete, with extra for update's own cases. */
export function podEvents<T extends KObject>(h: PodOwnerHandlers<T>, beforeUpdate?: (old: Pod, cur: Pod) => boolean): EventHandlers<Pod> {
  return {
    onAdd: (p) => podAdded(h, p),
    onUpdate: (old, cur) => {
      if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
      if (beforeUpdate?.(old, cur)) return;
      podOwnersUpdated(h, old, cur);
    },
    onDelete: (p) => podDeleted(h, p),
  };
}

/** addPod of replica_set.go and daemon_controller.go: observe the creation, or wake orphans' candidate owners. */
export function podAdded<T extends KObject>(h: PodOwnerHandlers<T>, pod: Pod): void {
  if (pod.metadata.deletionTimestamp) {
    // A pod already being deleted when first seen must not count as an observed creation.
    podDeleted(h, pod);
    return;
  }
  const ref = controllerOf(pod);
  if (ref) {
    const owner = h.resolve(pod.metadata.namespace, ref);
    if (!owner) return;
    h.expectations.creationObserved(objectKey(owner));
    h.enqueue(owner);
    return;
  }
  for (const owner of h.selecting(pod)) h.enqueue(owner);
}

/** The controllerRef part of updatePod: wake the old and new owners, or those that may adopt an orphan. */
export function podOwnersUpdated<T extends KObject>(h: PodOwnerHandlers<T>, old: Pod, cur: Pod): void {
  const u = controllerUpdate(old, cur, (ns, ref) => h.resolve(ns, ref));
  if (u.previous) h.enqueue(u.previous);
  if (!u.orphan) {
    const owner = u.current;
    if (!owner) return;
    h.enqueue(owner);
    const minReady = h.minReadySeconds(owner);
    // Availability comes minReadySeconds after readiness: look again then (plus a second of skew).
    if (!isPodReady(old) && isPodReady(cur) && minReady > 0) h.enqueue(owner, minReady * 1000 + 1000);
    return;
  }
  if (labelsChanged(old, cur) || u.refChanged) for (const owner of h.selecting(cur)) h.enqueue(owner);
}

/** deletePod: observe the deletion for the owner's expectations and wake it. */
export function podDeleted<T extends KObject>(h: PodOwnerHandlers<T>, pod: Pod): void {
  const ref = controllerOf(pod);
  const owner = ref && h.resolve(pod.metadata.namespace, ref);
  if (!owner) return;
  h.expectations.deletionObserved(objectKey(owner), objectKey(pod));
  h.enqueue(owner);
}

/** A label selector, or undefined where it does not parse (an owner with one selects nothing). */
export function safeSelector(ls: LabelSelector | undefined): Selector | undefined {
  try {
    return selectorFromLabelSelector(ls);
  } catch {
    return undefined;
  }
}

/** Writes into a namespace being deleted fail with this cause: an owner going with it, not an error. */
export function isNamespaceTerminating(e: unknown): boolean {
  const causes = (e as { details?: { causes?: { reason?: string }[] } })?.details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating');
}
