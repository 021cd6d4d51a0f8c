// The Deployment controller's pure helpers, as Kubernetes' pkg/controller/deployment/util:
// the pod-template-hash, revisions and the annotations that carry them, maxSurge/maxUnavailable,
// finding the new and old ReplicaSets, proportions for scaling mid-rollout, conditions, and the
// status computed from the ReplicaSets.

import { type KObject, nowRFC3339 } from '../api/object.js';
import type { Deployment, DeploymentCondition, DeploymentStatus, PodTemplateSpec, ReplicaSet } from '../api/types.js';
import { scaledValueFromIntOrPercent } from './podutil.js';

export const DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** The revision-history annotation is kept below this many characters. */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

// Condition reasons, as Kubernetes names them (deployment/util/deployment_util.go).
export const ReplicaSetUpdatedReason = 'ReplicaSetUpdated',
  FailedRSCreateReason = 'ReplicaSetCreateError',
  NewReplicaSetReason = 'NewReplicaSetCreated',
  FoundNewRSReason = 'FoundNewReplicaSet',
  NewRSAvailableReason = 'NewReplicaSetAvailable',
  TimedOutReason = 'ProgressDeadlineExceeded',
  PausedDeployReason = 'DeploymentPaused',
  ResumedDeployReason = 'DeploymentResumed',
  MinimumReplicasAvailable = 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable = 'MinimumReplicasUnavailable';

const MAX_INT32 = 2147483647;

export function replicasOf(o: { spec?: { replicas?: number } }): number {
  return o.spec?.replicas ?? 1;
}

// ---- hashing ----

/** JSON with object keys sorted, so equal templates always render the same. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** FNV-32a, as hash/fnv's New32a (ComputeHash and HashControllerRevision). */
export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character mapped into an alphabet without vowels. */
export function safeEncodeString(s: string): string {
  const alphanums = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (const ch of s) out += alphanums[ch.codePointAt(0)! % alphanums.length];
  return out;
}

/**
 * controller.ComputeHash: FNV-32a of the pod template (and the collision count, when set),
 * printed in decimal and safe-encoded, e.g. "5b6b8b7f4d". The value differs from Kubernetes'
 * (Go's object printer is not ours) but is as stable and as sensitive to the template.
 */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(stableStringify(semantic(template) ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/**
 * Drops what Go's typed equality cannot see: nulls (kubectl sends a template's zero
 * creationTimestamp as null), and empty maps, lists and structs ("resources: {}"), which Go
 * clients write for zero values. Templates equal in Kubernetes' eyes then render the same.
 */
export function semantic(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.length ? v.map((x) => semantic(x) ?? {}) : undefined;
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const s = semantic(x);
      if (s !== undefined) out[k] = s;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

/** EqualIgnoreHash: the two templates are equal once the pod-template-hash label is left out. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined): unknown => {
    const c = JSON.parse(JSON.stringify(t ?? {})) as PodTemplateSpec;
    if (c.metadata?.labels) delete c.metadata.labels[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY];
    return semantic(c);
  };
  return stableStringify(strip(a)) === stableStringify(strip(b));
}

// ---- revisions and annotations ----

export function revisionOf(o: KObject): number {
  const v = o.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^-?\d+$/.test(v) ? Number(v) : NaN;
}

export function maxRevision(rss: KObject[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (!Number.isNaN(v) && v > max) max = v;
  }
  return max;
}

const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO,
]);

/** Copies the deployment's annotations (all but the bookkeeping ones) onto its ReplicaSet. */
function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  const ann = (rs.metadata.annotations ??= {});
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations: desired-replicas and max-replicas; true if either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = (rs.metadata.annotations ??= {});
  let changed = false;
  if (ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    ann[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (ann[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    ann[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = rs.metadata.annotations;
  if (!ann) return true;
  return ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || ann[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/**
 * SetNewReplicaSetAnnotations: copies the deployment's annotations, raises the revision to
 * newRevision (remembering a reused one in revision-history), and on creation records the
 * replica annotations. True when the ReplicaSet's annotations changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: string,
  exists: boolean,
  limitChars = MAX_REV_HISTORY_LENGTH_IN_CHARS,
): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const ann = (rs.metadata.annotations ??= {});
  const had = Object.hasOwn(ann, REVISION_ANNOTATION);
  const oldRevision = ann[REVISION_ANNOTATION] ?? '';
  let oldInt = 0;
  if (oldRevision !== '') {
    if (!/^-?\d+$/.test(oldRevision)) return false;
    oldInt = Number(oldRevision);
  }
  if (!/^-?\d+$/.test(newRevision)) return false;
  const newInt = Number(newRevision);
  if (oldInt < newInt) {
    ann[REVISION_ANNOTATION] = newRevision;
    changed = true;
  }
  // A ReplicaSet that had a revision and gets a newer one is being rolled back to: keep history.
  if (had && oldInt < newInt) {
    const history = ann[REVISION_HISTORY_ANNOTATION] ?? '';
    const old = history.split(',');
    if (old[0].length === 0) {
      ann[REVISION_HISTORY_ANNOTATION] = oldRevision;
    } else {
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > limitChars && start < old.length) {
        total -= old[start].length + 1;
        start++;
      }
      if (total <= limitChars) ann[REVISION_HISTORY_ANNOTATION] = [...old.slice(start), oldRevision].join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

// ---- strategy arithmetic ----

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** ResolveFenceposts: surge rounds up, unavailable down; both zero makes unavailable 1. */
export function resolveFenceposts(
  surgeV: number | string | undefined,
  unavailV: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValueFromIntOrPercent(surgeV ?? 0, desired, true);
  let unavailable = scaledValueFromIntOrPercent(unavailV ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

// ---- ReplicaSet lists ----

function created(o: KObject): number {
  return o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : 0;
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreationTimestamp(a: KObject, b: KObject): number {
  const ta = created(a),
    tb = created(b);
  if (ta === tb) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
  return ta - tb;
}

/** ReplicaSetsBySizeOlder: larger first, then older first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  if (replicasOf(a) === replicasOf(b)) return byCreationTimestamp(a, b);
  return replicasOf(b) - replicasOf(a);
}

/** ReplicaSetsBySizeNewer: larger first, then newer first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  if (replicasOf(a) === replicasOf(b)) return byCreationTimestamp(b, a);
  return replicasOf(b) - replicasOf(a);
}

/** ReplicaSetsByRevision: lowest revision first, then oldest. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a),
    rb = revisionOf(b);
  if (ra === rb || Number.isNaN(ra) || Number.isNaN(rb)) return byCreationTimestamp(a, b);
  return ra - rb;
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template equals the deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec.template));
}

/** FindOldReplicaSets: the others, and those of them that still have replicas. */
export function findOldReplicaSets(d: Deployment, rsList: ReplicaSet[]): { required: ReplicaSet[]; all: ReplicaSet[] } {
  const newRS = findNewReplicaSet(d, rsList);
  const all = rsList.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid);
  return { required: all.filter((rs) => replicasOf(rs) !== 0), all };
}

export function filterActiveReplicaSets(rss: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && replicasOf(rs) > 0);
}

type MaybeRS = ReplicaSet | undefined;
export const replicaCount = (rss: MaybeRS[]): number => rss.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
export const actualReplicaCount = (rss: MaybeRS[]): number => rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
export const readyReplicaCount = (rss: MaybeRS[]): number => rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
export const availableReplicaCount = (rss: MaybeRS[]): number => rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

/** FindActiveOrLatest: the only ReplicaSet with replicas, or the newest when none has any. */
export function findActiveOrLatest(newRS: MaybeRS, oldRSs: ReplicaSet[]): MaybeRS {
  if (!newRS && !oldRSs.length) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = filterActiveReplicaSets([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** IsSaturated: the new ReplicaSet runs all the deployment's replicas, available. */
export function isSaturated(d: Deployment, rs: MaybeRS): boolean {
  if (!rs) return false;
  const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  if (desired === undefined || !/^-?\d+$/.test(desired)) return false;
  const want = replicasOf(d);
  return replicasOf(rs) === want && Number(desired) === want && (rs.status?.availableReplicas ?? 0) === want;
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return annotationInt(rs, DESIRED_REPLICAS_ANNOTATION);
}

/** Go's integer.RoundToInt32: half away from zero for positives, floor(x + 0.5). */
function roundToInt32(x: number): number {
  return Math.floor(x + 0.5);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = annotationInt(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
  const newSize = (replicasOf(rs) * deploymentReplicas) / annotated;
  return roundToInt32(newSize) - replicasOf(rs);
}

/** GetReplicaSetProportion: this ReplicaSet's share of the replicas being added or removed. */
export function replicaSetProportion(rs: MaybeRS, d: Deployment, toAdd: number, added: number): number {
  if (!rs || replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** NewRSNewReplicas: how far the new ReplicaSet may grow now. */
export function newRSNewReplicas(d: Deployment, allRSs: MaybeRS[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const surge = scaledValueFromIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge ?? 0, replicasOf(d), true);
  const current = replicaCount(allRSs);
  const maxTotal = replicasOf(d) + surge;
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

// ---- conditions ----

export function newCondition(type: string, status: string, reason: string, message: string): DeploymentCondition {
  const now = nowRFC3339();
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: no change for the same status and reason; the transition time kept for the same status. */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  if (cur && cur.status === cond.status) cond = { ...cond, lastTransitionTime: cur.lastTransitionTime };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

export function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== MAX_INT32;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const l = d.spec.revisionHistoryLimit;
  return l !== undefined && l !== null && l !== MAX_INT32;
}

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return (
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** DeploymentProgressing: more updated, ready or available replicas, or fewer old ones, than before. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** DeploymentTimedOut: no progress reported for progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now = Date.now()): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === NewRSAvailableReason) return false;
  if (c.reason === TimedOutReason) return true;
  const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : 0;
  return from + (d.spec.progressDeadlineSeconds ?? 0) * 1000 < now;
}

/** calculateStatus: counts from the ReplicaSets and the Available condition. */
export function calculateStatus(allRSs: MaybeRS[], newRS: MaybeRS, d: Deployment): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = replicaCount(allRSs);
  const unavailable = Math.max(0, total - available);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
    collisionCount: d.status?.collisionCount,
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', MinimumReplicasAvailable, 'Deployment has minimum availability.'));
  } else {
    setCondition(status, newCondition('Available', 'False', MinimumReplicasUnavailable, 'Deployment does not have minimum availability.'));
  }
  return status;
}

/** Go's omitempty on DeploymentStatus: zero counts, an empty list and a nil count are left out. */
export function normalizeStatus(s: DeploymentStatus | undefined): DeploymentStatus {
  const out: DeploymentStatus = {};
  if (!s) return out;
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.replicas) out.replicas = s.replicas;
  if (s.updatedReplicas) out.updatedReplicas = s.updatedReplicas;
  if (s.readyReplicas) out.readyReplicas = s.readyReplicas;
  if (s.availableReplicas) out.availableReplicas = s.availableReplicas;
  if (s.unavailableReplicas) out.unavailableReplicas = s.unavailableReplicas;
  if (s.conditions?.length) out.conditions = s.conditions;
  if (s.collisionCount !== undefined && s.collisionCount !== null) out.collisionCount = s.collisionCount;
  return out;
}

export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return stableStringify(normalizeStatus(a)) === stableStringify(normalizeStatus(b));
}
