// What the StatefulSet controller decides without the API, as kube-controller-manager's
// pkg/controller/statefulset/stateful_set_utils.go: ordinals and stable names, a pod's
// identity (name, hostname, subdomain, the pod-name and pod-index labels) and storage (one claim
// per volumeClaimTemplate, TEMPLATE-SET-ORDINAL), the revision a pod belongs to, the revision
// data (a patch replacing spec.template), which claims a retention policy makes owned by the set
// or the pod, health, and the status counters.

import { isPodReady } from '../api/conditions.js';
import { deepCopy, type KObject, type OwnerReference } from '../api/object.js';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet, StatefulSetStatus } from '../api/types.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './history.js';
import { isPodAvailable, newControllerRef, scaledValueFromIntOrPercent } from './podutil.js';

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** PodIndexLabel (beta, on in v1.32): the pod's ordinal as a label. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const PARENT_AND_ORDINAL = /^(.*)-(\d+)$/;

/** getParentNameAndOrdinal: "web-2" -> web, 2; -1 when the name has no ordinal. */
export function parentAndOrdinal(pod: KObject): { parent: string; ordinal: number } {
  const m = PARENT_AND_ORDINAL.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1], ordinal: Number.isSafeInteger(n) ? n : -1 };
}

export const ordinalOf = (pod: KObject): number => parentAndOrdinal(pod).ordinal;
export const startOrdinal = (set: StatefulSet): number => set.spec.ordinals?.start ?? 0;
export const replicasOf = (set: StatefulSet): number => set.spec.replicas ?? 1;
export const endOrdinal = (set: StatefulSet): number => startOrdinal(set) + replicasOf(set) - 1;
export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name}-${ordinal}`;

/** isMemberOf: the pod's name says it belongs to this set. */
export function isMemberOf(set: StatefulSet, pod: KObject): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name;
}

export function podInOrdinalRange(pod: KObject, set: StatefulSet): boolean {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

/** getPersistentVolumeClaimName: TEMPLATE-SET-ORDINAL. */
export const claimName = (set: StatefulSet, template: string, ordinal: number): string => `${template}-${set.metadata.name}-${ordinal}`;

/** getPersistentVolumeClaims: the claims of a pod, from the templates, labelled with the set's matchLabels. */
export function podClaims(set: StatefulSet, pod: KObject): Map<string, PersistentVolumeClaim> {
  const ordinal = ordinalOf(pod);
  const out = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec.volumeClaimTemplates ?? []) {
    const c = deepCopy(t) as PersistentVolumeClaim;
    const tname = t.metadata?.name ?? '';
    c.apiVersion = 'v1';
    c.kind = 'PersistentVolumeClaim';
    c.metadata = { ...(c.metadata ?? {}), name: claimName(set, tname, ordinal), namespace: set.metadata.namespace };
    c.metadata.labels = { ...(c.metadata.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) };
    delete c.metadata.resourceVersion;
    delete c.metadata.uid;
    delete (c as { status?: unknown }).status;
    out.set(tname, c);
  }
  return out;
}

/** updateStorage: each claim template becomes the pod volume of its name, replacing a template volume of that name. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = podClaims(set, pod);
  if (claims.size === 0) return;
  const spec = (pod.spec ??= { containers: [] });
  const volumes = (spec.volumes ?? []).filter((v) => !claims.has(v.name));
  for (const [name, c] of claims) volumes.push({ name, persistentVolumeClaim: { claimName: c.metadata.name! } });
  spec.volumes = volumes;
}

/** storageMatches: every claim template is mounted from the pod's own claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const vols = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const [name, c] of podClaims(set, pod)) if (vols.get(name)?.persistentVolumeClaim?.claimName !== c.metadata.name) return false;
  return true;
}

/** updateIdentity: name, namespace, hostname and subdomain (the governing Service) and the identity labels. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = ordinalOf(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = {
    ...(pod.metadata.labels ?? {}),
    [STATEFULSET_POD_NAME_LABEL]: pod.metadata.name,
    [POD_INDEX_LABEL]: String(ordinal),
  };
  const spec = (pod.spec ??= { containers: [] });
  spec.hostname = pod.metadata.name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  else delete spec.subdomain;
}

/** identityMatches: the pod is the set's pod of its ordinal, with its identity labels. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    set.metadata.name === parent &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[STATEFULSET_POD_NAME_LABEL] === pod.metadata.name
  );
}

/** The template a revision holds (the data is a patch replacing spec.template: ApplyRevision). */
export function applyRevision(set: StatefulSet, rev: ControllerRevision): StatefulSet {
  const clone = deepCopy(set);
  const t = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (t) {
    const { $patch: _replace, ...template } = deepCopy(t);
    clone.spec.template = template as StatefulSet['spec']['template'];
  }
  return clone;
}

/** getPatch: the revision's data, a strategic merge patch replacing spec.template (what `rollout undo` applies). */
export function statefulSetPatch(set: StatefulSet): Record<string, unknown> {
  return { spec: { template: { ...deepCopy(set.spec.template ?? {}), $patch: 'replace' } } };
}

/** newStatefulSetPod: the pod of an ordinal from the set's template, owned by the set. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const t = deepCopy(set.spec.template ?? {});
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(set, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec: t.spec ?? { containers: [] },
  };
  if (t.metadata?.annotations) pod.metadata.annotations = { ...t.metadata.annotations };
  if (t.metadata?.finalizers?.length) pod.metadata.finalizers = [...t.metadata.finalizers];
  updateIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}

export const podRevision = (pod: Pod): string => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

/**
 * newVersionedStatefulSetPod: ordinals below the partition (or below currentReplicas without a
 * rolling update config) get the current revision, the others the update revision.
 */
export function newVersionedPod(
  currentSet: StatefulSet,
  updateSet: StatefulSet,
  currentRevision: string,
  updateRevision: string,
  ordinal: number,
  currentReplicas: number,
): Pod {
  const us = currentSet.spec.updateStrategy;
  const rolling = us?.type === 'RollingUpdate';
  const useCurrent =
    rolling &&
    ((!us.rollingUpdate && ordinal < startOrdinal(currentSet) + currentReplicas) ||
      (us.rollingUpdate !== undefined && ordinal < startOrdinal(currentSet) + (us.rollingUpdate.partition ?? 0)));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
  pod.metadata.labels![CONTROLLER_REVISION_HASH_LABEL] = useCurrent ? currentRevision : updateRevision;
  return pod;
}

// ---- pod states (a replica not yet created has no phase) ----

export const isCreated = (pod: Pod): boolean => !!pod.status?.phase;
export const isPending = (pod: Pod): boolean => pod.status?.phase === 'Pending';
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: Pod): boolean => !!pod.metadata.deletionTimestamp;
export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, now = Date.now()): boolean =>
  pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
export const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);

/** allowsBurst: Parallel pod management does not wait on predecessors. */
export const allowsBurst = (set: StatefulSet): boolean => set.spec.podManagementPolicy === 'Parallel';

/** getStatefulSetMaxUnavailable: the rolling update's budget, rounded up, at least 1. */
export function maxUnavailable(set: StatefulSet): number {
  const v = set.spec.updateStrategy?.rollingUpdate?.maxUnavailable;
  if (v === undefined || v === null) return 1;
  return Math.max(1, scaledValueFromIntOrPercent(v, replicasOf(set), true));
}

/** computeReplicaStatus over some lists of pods (replicas and condemned), into status. */
export function countReplicas(
  status: StatefulSetStatus,
  minReadySeconds: number,
  currentRevision: string,
  updateRevision: string,
  lists: Pod[][],
  now = Date.now(),
): void {
  status.replicas = 0;
  status.readyReplicas = 0;
  status.availableReplicas = 0;
  status.currentReplicas = 0;
  status.updatedReplicas = 0;
  for (const list of lists) {
    for (const pod of list) {
      if (isCreated(pod)) status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas++;
        if (isRunningAndAvailable(pod, minReadySeconds, now)) status.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const r = podRevision(pod);
        if (r === currentRevision) status.currentReplicas++;
        if (r === updateRevision) status.updatedReplicas++;
      }
    }
  }
}

// ---- claim retention (StatefulSetAutoDeletePVC) ----

const hasOwnerRef = (obj: KObject, owner: KObject): boolean =>
  (obj.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);

function setOwnerRef(obj: KObject, owner: KObject, apiVersion: string, kind: string): boolean {
  if (!owner.metadata.uid || hasOwnerRef(obj, owner)) return false;
  const ref: OwnerReference = { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid };
  obj.metadata.ownerReferences = [...(obj.metadata.ownerReferences ?? []), ref];
  return true;
}

function removeOwnerRef(obj: KObject, owner: KObject): boolean {
  if (!hasOwnerRef(obj, owner)) return false;
  obj.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
  if (obj.metadata.ownerReferences.length === 0) delete obj.metadata.ownerReferences;
  return true;
}

/**
 * updateClaimOwnerRefForSetAndPod: whenDeleted=Delete makes the set an owner of the claim (the
 * garbage collector deletes it with the set); whenScaled=Delete makes a condemned pod its owner
 * (deleted with the pod). Retain leaves the claim to outlive both. Returns whether it changed.
 */
export function updateClaimOwnerRefs(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const p = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
  const whenDeleted = p.whenDeleted === 'Delete' ? 'Delete' : 'Retain';
  const whenScaled = p.whenScaled === 'Delete' ? 'Delete' : 'Retain';
  const scaledDown = !podInOrdinalRange(pod, set);
  let changed = false;
  const own = (owner: KObject, av: string, kind: string) => {
    changed = setOwnerRef(claim, owner, av, kind) || changed;
  };
  const disown = (owner: KObject) => {
    changed = removeOwnerRef(claim, owner) || changed;
  };
  if (whenScaled === 'Retain' && whenDeleted === 'Retain') {
    disown(set);
    disown(pod);
  } else if (whenScaled === 'Retain') {
    own(set, 'apps/v1', 'StatefulSet');
    disown(pod);
  } else if (whenDeleted === 'Retain') {
    disown(set);
    if (scaledDown) own(pod, 'v1', 'Pod');
    else disown(pod);
  } else if (scaledDown) {
    disown(set);
    own(pod, 'v1', 'Pod');
  } else {
    own(set, 'apps/v1', 'StatefulSet');
    disown(pod);
  }
  return changed;
}

/** The claim is owned by an earlier pod of this name (whenScaled=Delete): wait for the collector to remove it. */
export function claimIsStale(claim: PersistentVolumeClaim, pod: Pod): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r) => r.kind === 'Pod' && r.apiVersion === 'v1' && r.uid !== pod.metadata.uid);
}
