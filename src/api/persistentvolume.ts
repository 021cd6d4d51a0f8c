// What the PV controller, the scheduler's VolumeBinding plugin, the provisioner and the node
// agent share about volumes and claims, as k8s.io/component-helpers/storage/volume: the binding
// annotations, which class a claim or volume names, whether a volume is bound to a claim, access
// mode and node affinity checks, and FindMatchingVolume.

import { selectorFromLabelSelector } from './labels.js';
import { matchNodeSelectorTerm } from './nodeaffinity.js';
import type { KObject } from './object.js';
import { Quantity } from './quantity.js';
import type { LabelSelector, ObjectReference } from './types.js';

/** On a claim: the binding has been done once (the claim is "bound" from then on). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a volume or claim: the controller made the binding (its absence means the user pre-bound). */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a provisioned volume: the provisioner that made it. */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** On a claim: the provisioner asked to provision it (beta and GA spellings, both set). */
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
/** On a claim: the node the scheduler chose for its first consumer (WaitForFirstConsumer). */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface PersistentVolume extends KObject {
  spec?: {
    capacity?: Record<string, string | number>;
    accessModes?: string[];
    claimRef?: ObjectReference | null;
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    volumeMode?: string;
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
    hostPath?: { path: string; type?: string };
    local?: { path: string; fsType?: string };
    [source: string]: unknown;
  };
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KObject {
  spec?: {
    accessModes?: string[];
    selector?: LabelSelector | null;
    resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
    volumeName?: string;
    storageClassName?: string | null;
    volumeMode?: string;
    [k: string]: unknown;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string | number>; [k: string]: unknown };
}

export interface StorageClass extends KObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
  allowedTopologies?: { matchLabelExpressions?: { key: string; values: string[] }[] }[];
}

export const hasAnnotation = (o: KObject, key: string): boolean => o.metadata.annotations?.[key] !== undefined;

/** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "". */
export function claimClassName(claim: PersistentVolumeClaim): string {
  const ann = claim.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (ann !== undefined) return ann;
  return claim.spec?.storageClassName ?? '';
}

/** PersistentVolumeClaimHasClass: a class was asked for, "" included. */
export function claimHasClass(claim: PersistentVolumeClaim): boolean {
  return (
    hasAnnotation(claim, BETA_STORAGE_CLASS_ANNOTATION) ||
    (claim.spec?.storageClassName !== undefined && claim.spec?.storageClassName !== null)
  );
}

/** GetPersistentVolumeClass. */
export function volumeClassName(volume: PersistentVolume): string {
  const ann = volume.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (ann !== undefined) return ann;
  return volume.spec?.storageClassName ?? '';
}

export const claimKey = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`;

/** IsVolumeBoundToClaim: the volume's claimRef names the claim (and its uid, once set). */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** reference.GetReference of a claim, as the binder stores it in claimRef. */
export function claimReference(claim: PersistentVolumeClaim): ObjectReference {
  return {
    kind: 'PersistentVolumeClaim',
    namespace: claim.metadata.namespace,
    name: claim.metadata.name,
    uid: claim.metadata.uid,
    apiVersion: 'v1',
    resourceVersion: claim.metadata.resourceVersion,
  };
}

/** CheckAccessModes: every mode the claim asks for, the volume has. */
export function checkAccessModes(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  const have = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => have.has(m));
}

/** CheckVolumeModeMismatches: Filesystem is what an unset mode means. */
export function volumeModeMismatch(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return (claim.spec?.volumeMode || 'Filesystem') !== (volume.spec?.volumeMode || 'Filesystem');
}

const ZERO = Quantity.fromInt(0);
export const requestedStorage = (claim: PersistentVolumeClaim): Quantity =>
  Quantity.tryParse(claim.spec?.resources?.requests?.storage) ?? ZERO;
export const volumeStorage = (volume: PersistentVolume): Quantity => Quantity.tryParse(volume.spec?.capacity?.storage) ?? ZERO;

/** CheckNodeAffinity: a volume without required node affinity fits every node. */
export function volumeFitsNode(volume: PersistentVolume, labels: Record<string, string>, nodeName: string): boolean {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => matchNodeSelectorTerm(t, labels, nodeName));
}

/** The node a volume's required affinity pins it to by kubernetes.io/hostname (local volumes). */
export function volumeHostname(volume: PersistentVolume): string | undefined {
  for (const t of volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const r of t.matchExpressions ?? []) {
      if (r.key === 'kubernetes.io/hostname' && r.operator === 'In' && r.values?.length === 1) return r.values[0];
    }
  }
  return undefined;
}

/** MatchTopologySelectorTerms: no terms allow every node. */
export function matchTopologySelectorTerms(terms: StorageClass['allowedTopologies'], labels: Record<string, string>): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((r) => r.values.includes(labels[r.key])));
}

export interface MatchOptions {
  /** The scheduler's path: the node the pod would run on. */
  node?: { name: string; labels: Record<string, string> };
  /** The claim's class binds late (WaitForFirstConsumer): the controller leaves it to the scheduler. */
  delayBinding?: boolean;
  /** Volumes the caller has already given to other claims. */
  excluded?: Set<string>;
}

/**
 * FindMatchingVolume: a volume pre-bound to the claim if there is one (and it fits the node);
 * otherwise the smallest Available volume of the claim's class whose capacity, volume mode,
 * labels (the claim's selector), access modes and node affinity fit. The PV controller's caller
 * groups volumes by access modes first (fewest modes that cover the claim's), as its index does.
 */
export function findMatchingVolume(
  claim: PersistentVolumeClaim,
  volumes: Iterable<PersistentVolume>,
  opts: MatchOptions = {},
): PersistentVolume | undefined {
  const requested = requestedStorage(claim);
  const cls = claimClassName(claim);
  let selector: ReturnType<typeof selectorFromLabelSelector> | undefined;
  if (claim.spec?.selector) {
    try {
      selector = selectorFromLabelSelector(claim.spec.selector);
    } catch {
      return undefined;
    }
  }
  let smallest: PersistentVolume | undefined;
  for (const volume of volumes) {
    if (opts.excluded?.has(volume.metadata.name ?? '')) continue;
    if (volume.spec?.claimRef && !isVolumeBoundToClaim(volume, claim)) continue;
    if (volumeStorage(volume).cmp(requested) < 0) continue;
    if (volumeModeMismatch(claim, volume)) continue;
    if (volume.metadata.deletionTimestamp) continue;
    const fits = opts.node ? volumeFitsNode(volume, opts.node.labels, opts.node.name) : true;
    if (isVolumeBoundToClaim(volume, claim)) return fits ? volume : undefined;
    if (!opts.node && opts.delayBinding) continue;
    if (volume.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(volume.metadata.labels)) continue;
    if (volumeClassName(volume) !== cls) continue;
    if (!fits) continue;
    if (opts.node && !checkAccessModes(claim, volume)) continue;
    if (!smallest || volumeStorage(smallest).cmp(volumeStorage(volume)) > 0) smallest = volume;
  }
  return smallest;
}

/**
 * The PV controller's index: of the volumes whose access modes cover the claim's, the matching
 * one among those with the fewest modes first (a RWO claim prefers a RWO volume over a RWO+RWX one).
 */
export function findBestMatchForClaim(
  claim: PersistentVolumeClaim,
  volumes: PersistentVolume[],
  delayBinding: boolean,
): PersistentVolume | undefined {
  const groups = new Map<string, PersistentVolume[]>();
  for (const v of volumes) {
    if (!checkAccessModes(claim, v)) continue;
    const key = [...new Set(v.spec?.accessModes ?? [])].sort().join(',');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(v);
  }
  const ordered = [...groups.entries()].sort((a, b) => a[0].split(',').length - b[0].split(',').length);
  for (const [, vs] of ordered) {
    const m = findMatchingVolume(claim, vs, { delayBinding });
    if (m) return m;
  }
  return undefined;
}

/** The claims a pod's volumes name (persistentVolumeClaim volumes, and generic ephemeral volumes' claims). */
export function podClaimNames(pod: KObject): string[] {
  const vols =
    (pod.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }[] } | undefined)
      ?.volumes ?? [];
  const out: string[] = [];
  for (const v of vols) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata.name}-${v.name}`);
  }
  return out;
}

// ---- the local-path provisioner's names, shared by its controller and the nodes ----

/** The provisioner's name, as StorageClass.provisioner and the provisioned-by annotation say it. */
export const LOCAL_PATH_PROVISIONER = 'k8ts.io/local-path';
/** On a Node: where its local-path volumes live (a node without it keeps none on disk). */
export const NODE_STORAGE_DIR_ANNOTATION = 'k8ts.io/local-path-dir';
/** On a provisioned volume: the node that holds it, as local-path-provisioner marks it. */
export const ANN_LOCAL_PATH_NODE = 'local.path.provisioner/selected-node';
/** external-provisioner's finalizer: a Delete-policy volume is not gone before its directory is. */
export const PROVISIONER_FINALIZER = 'external-provisioner.volume.kubernetes.io/finalizer';

/** pvc-<uid>_<namespace>_<claim>, or pvc-<uid> alone when that would be too long for a file name. */
const DIR_NAME =
  /^pvc-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(_[a-z0-9]([-a-z0-9]*[a-z0-9])?_[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/;

/** The directory name of a volume: pvc-<uid>_<namespace>_<claim>, as local-path-provisioner names it. */
export function localPathDirName(pvName: string, namespace: string, claim: string): string {
  const full = `${pvName}_${namespace}_${claim}`;
  return Buffer.byteLength(full) <= 255 ? full : pvName;
}

/** Whether a directory name is one the provisioner makes (nothing else is created or removed). */
export const isLocalPathDirName = (name: string): boolean => DIR_NAME.test(name) && Buffer.byteLength(name) <= 255;
