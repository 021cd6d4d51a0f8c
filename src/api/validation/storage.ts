// PersistentVolume and PersistentVolumeClaim (pkg/apis/core/validation), and the
// storage.k8s.io kinds StorageClass, CSIDriver, CSINode, CSIStorageCapacity and
// VolumeAttachment (pkg/apis/storage/validation), with Kubernetes' field paths and messages.

import { type KObject, items as list, type Obj, obj, present, text as str } from '../object.js';
import { Quantity, quantityFormatMessage } from '../quantity.js';
import { semanticEqual, specDiff } from './compare.js';
import * as field from './field.js';
import {
  fieldImmutableErrorMsg,
  isNegativeErrorMsg,
  validateLabelName,
  validateLabelSelector,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from './names.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/** ValidateClassName: a StorageClass name is a DNS subdomain. */
export const validateClassName = (name: string): string[] => isDNS1123Subdomain(name);

/** ValidatePositiveQuantityValue. */
function positiveQuantity(q: unknown, path: string): field.FieldError[] {
  const v = Quantity.tryParse(q);
  if (v === undefined) return [field.invalid(path, str(q), quantityFormatMessage)];
  return v.sign() <= 0 ? [field.invalid(path, str(q), 'must be greater than zero')] : [];
}

function nonNegativeQuantity(q: unknown, path: string): field.FieldError[] {
  const v = Quantity.tryParse(q);
  if (v === undefined) return [field.invalid(path, str(q), quantityFormatMessage)];
  return v.sign() < 0 ? [field.invalid(path, str(q), isNegativeErrorMsg)] : [];
}

function validateAccessModes(modes: unknown, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const ms = list(modes).map(str);
  for (const m of ms) if (!ACCESS_MODES.includes(m)) errs.push(field.notSupported(path, m, ACCESS_MODES));
  if (ms.includes('ReadWriteOncePod') && ms.length > 1)
    errs.push(field.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

/** validatePathNoBacksteps. */
function noBacksteps(p: string, path: string): field.FieldError[] {
  return p.split('/').includes('..') ? [field.invalid(path, p, "must not contain '..'")] : [];
}

function validateHostPath(hp: Obj, path: string): field.FieldError[] {
  if (!str(hp.path)) return [field.required(field.child(path, 'path'))];
  const errs = noBacksteps(str(hp.path), field.child(path, 'path'));
  if (present(hp.type) && !HOST_PATH_TYPES.includes(str(hp.type)))
    errs.push(field.notSupported(field.child(path, 'type'), str(hp.type), HOST_PATH_TYPES));
  return errs;
}

function validateNodeSelectorRequirement(rq: Obj, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const values = list(rq.values).map(str);
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errs.push(field.required(field.child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        errs.push(field.forbidden(field.child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1)
        errs.push(field.required(field.child(path, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(field.invalid(field.child(path, 'operator'), str(rq.operator), 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(rq.key), field.child(path, 'key')));
  values.forEach((v, i) => {
    for (const m of isValidLabelValue(v)) errs.push(field.invalid(field.index(field.child(path, 'values'), i), v, m));
  });
  return errs;
}

function validateNodeFieldSelectorRequirement(rq: Obj, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const values = list(rq.values).map(str);
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if (values.length !== 1)
      errs.push(
        field.required(field.child(path, 'values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"),
      );
  } else {
    errs.push(field.invalid(field.child(path, 'operator'), str(rq.operator), 'not a valid selector operator'));
  }
  if (rq.key !== 'metadata.name') errs.push(field.invalid(field.child(path, 'key'), str(rq.key), 'not a valid field selector key'));
  else
    values.forEach((v, i) => {
      for (const m of nameIsDNSSubdomain(v, false)) errs.push(field.invalid(field.index(field.child(path, 'values'), i), v, m));
    });
  return errs;
}

/** ValidateNodeSelector. */
export function validateNodeSelector(sel: Obj, path: string): field.FieldError[] {
  const tp = field.child(path, 'nodeSelectorTerms');
  const terms = list(sel.nodeSelectorTerms);
  if (terms.length === 0) return [field.required(tp, 'must have at least one node selector term')];
  const errs: field.FieldError[] = [];
  terms.forEach((t, i) => {
    const term = obj(t);
    list(term.matchExpressions).forEach((r, j) => {
      errs.push(...validateNodeSelectorRequirement(obj(r), field.index(field.child(field.index(tp, i), 'matchExpressions'), j)));
    });
    list(term.matchFields).forEach((r, j) => {
      errs.push(...validateNodeFieldSelectorRequirement(obj(r), field.index(field.child(field.index(tp, i), 'matchFields'), j)));
    });
  });
  return errs;
}

/** The volume sources a PersistentVolume may carry (exactly one), in validation order. */
const PV_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'flocker',
  'nfs',
  'rbd',
  'quobyte',
  'cinder',
  'cephfs',
  'fc',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'local',
  'storageos',
  'csi',
  'iscsi',
];

/** ValidatePersistentVolumeSpec. */
function validatePersistentVolumeSpec(specIn: unknown): field.FieldError[] {
  const spec = obj(specIn);
  const path = 'spec';
  const errs: field.FieldError[] = [];
  if (list(spec.accessModes).length === 0) errs.push(field.required(field.child(path, 'accessModes')));
  errs.push(...validateAccessModes(spec.accessModes, field.child(path, 'accessModes')));
  const capacity = obj(spec.capacity);
  const capKeys = Object.keys(capacity);
  if (capKeys.length === 0) errs.push(field.required(field.child(path, 'capacity')));
  if (!('storage' in capacity) || capKeys.length > 1) {
    errs.push(
      field.notSupported(
        field.child(path, 'capacity'),
        field.goLiteral(`core.ResourceList{${capKeys.map((k) => `${field.goQuote(k)}:${field.goQuote(str(capacity[k]))}`).join(', ')}}`),
        ['storage'],
      ),
    );
  }
  for (const k of capKeys) errs.push(...positiveQuantity(capacity[k], field.key(field.child(path, 'capacity'), k)));
  const policy = str(spec.persistentVolumeReclaimPolicy);
  if (policy && !RECLAIM_POLICIES.includes(policy))
    errs.push(field.notSupported(field.child(path, 'persistentVolumeReclaimPolicy'), policy, RECLAIM_POLICIES));
  const cls = str(spec.storageClassName);
  if (cls) for (const m of validateClassName(cls)) errs.push(field.invalid(field.child(path, 'storageClassName'), cls, m));
  if (present(spec.volumeMode) && !VOLUME_MODES.includes(str(spec.volumeMode)))
    errs.push(field.notSupported(field.child(path, 'volumeMode'), str(spec.volumeMode), VOLUME_MODES));

  let nodeAffinity = false;
  if (present(spec.nodeAffinity)) {
    nodeAffinity = true;
    const na = obj(spec.nodeAffinity);
    if (present(na.required)) errs.push(...validateNodeSelector(obj(na.required), field.child(path, 'nodeAffinity', 'required')));
    else errs.push(field.required(field.child(path, 'nodeAffinity', 'required'), 'must specify required node constraints'));
  }

  let n = 0;
  for (const src of PV_SOURCES) {
    if (!present(spec[src])) continue;
    const sp = field.child(path, src);
    if (n > 0) {
      errs.push(field.forbidden(sp, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const s = obj(spec[src]);
    switch (src) {
      case 'hostPath':
        errs.push(...validateHostPath(s, sp));
        if (policy === 'Recycle' && str(s.path).replace(/\/+$/, '') === '')
          errs.push(
            field.forbidden(
              field.child(path, 'persistentVolumeReclaimPolicy'),
              "may not be 'recycle' for a hostPath volume pointing to the root directory",
            ),
          );
        break;
      case 'local':
        if (!str(s.path)) errs.push(field.required(field.child(sp, 'path')));
        else errs.push(...noBacksteps(str(s.path), field.child(sp, 'path')));
        if (!nodeAffinity) errs.push(field.required(field.child(path, 'nodeAffinity'), 'Local volume requires node affinity'));
        break;
      case 'nfs':
        if (!str(s.server)) errs.push(field.required(field.child(sp, 'server')));
        if (!str(s.path)) errs.push(field.required(field.child(sp, 'path')));
        else if (!str(s.path).startsWith('/')) errs.push(field.invalid(field.child(sp, 'path'), str(s.path), 'must be an absolute path'));
        break;
      case 'csi':
        if (!str(s.driver)) errs.push(field.required(field.child(sp, 'driver')));
        else errs.push(...csiDriverName(str(s.driver), field.child(sp, 'driver')));
        if (!str(s.volumeHandle)) errs.push(field.required(field.child(sp, 'volumeHandle')));
        break;
    }
  }
  if (n === 0) errs.push(field.required(path, 'must specify a volume type'));
  return errs;
}

export function validatePersistentVolumeCreate(pv: KObject): field.FieldError[] {
  return [...validateObjectMeta(pv, false, nameIsDNSSubdomain), ...validatePersistentVolumeSpec(pv.spec)];
}

/** The fields of a PersistentVolumeSpec that make up its inlined PersistentVolumeSource. */
const sourceOf = (spec: Obj): Obj => Object.fromEntries(PV_SOURCES.filter((k) => present(spec[k])).map((k) => [k, spec[k]]));

export function validatePersistentVolumeUpdate(pv: KObject, old: KObject): field.FieldError[] {
  const errs = [...validateObjectMetaUpdate(pv, old), ...validatePersistentVolumeSpec(pv.spec)];
  const spec = obj(pv.spec),
    oldSpec = obj(old.spec);
  const src = sourceOf(spec),
    oldSrc = sourceOf(oldSpec);
  if (!semanticEqual(src, oldSrc)) {
    errs.push(
      field.forbidden(
        'spec.persistentvolumesource',
        `spec.persistentvolumesource is immutable after creation\n${specDiff('core.PersistentVolumeSource', oldSrc, src)}`,
      ),
    );
  }
  if (!semanticEqual(spec.volumeMode, oldSpec.volumeMode))
    errs.push(field.invalid('volumeMode', str(spec.volumeMode), fieldImmutableErrorMsg));
  // A nodeAffinity may be set once, on a volume that had none.
  if (present(oldSpec.nodeAffinity) && !semanticEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    errs.push(field.invalid('nodeAffinity', field.goLiteral('&core.VolumeNodeAffinity{...}'), fieldImmutableErrorMsg));
  }
  return errs;
}

export function validatePersistentVolumeStatusUpdate(pv: KObject, old: KObject): field.FieldError[] {
  return validateObjectMetaUpdate(pv, old);
}

// ---- PersistentVolumeClaim ----------------------------------------------------------------

/** ValidatePersistentVolumeClaimSpec (also for StatefulSet volumeClaimTemplates and ephemeral volumes). */
export function validatePersistentVolumeClaimSpec(specIn: unknown, path: string): field.FieldError[] {
  const spec = obj(specIn);
  const errs: field.FieldError[] = [];
  if (list(spec.accessModes).length === 0)
    errs.push(field.required(field.child(path, 'accessModes'), 'at least 1 access mode is required'));
  if (present(spec.selector)) errs.push(...validateLabelSelector(spec.selector, field.child(path, 'selector')));
  errs.push(...validateAccessModes(spec.accessModes, field.child(path, 'accessModes')));
  const requests = obj(obj(spec.resources).requests);
  const sp = field.key(field.child(path, 'resources'), 'storage');
  if (!present(requests.storage)) errs.push(field.required(sp));
  else errs.push(...positiveQuantity(requests.storage, sp));
  for (const [k, q] of Object.entries(requests))
    if (k !== 'storage') errs.push(...nonNegativeQuantity(q, field.key(field.child(path, 'resources', 'requests'), k)));
  for (const [k, q] of Object.entries(obj(obj(spec.resources).limits)))
    errs.push(...nonNegativeQuantity(q, field.key(field.child(path, 'resources', 'limits'), k)));
  const cls = str(spec.storageClassName);
  if (cls) for (const m of validateClassName(cls)) errs.push(field.invalid(field.child(path, 'storageClassName'), cls, m));
  if (present(spec.volumeMode) && !VOLUME_MODES.includes(str(spec.volumeMode)))
    errs.push(field.notSupported(field.child(path, 'volumeMode'), str(spec.volumeMode), VOLUME_MODES));
  if (present(spec.volumeAttributesClassName) && str(spec.volumeAttributesClassName) === '') {
    errs.push(field.required(field.child(path, 'volumeAttributesClassName'), 'an empty string is disallowed'));
  }
  return errs;
}

export function validatePersistentVolumeClaimCreate(pvc: KObject): field.FieldError[] {
  return [...validateObjectMeta(pvc, true, nameIsDNSSubdomain), ...validatePersistentVolumeClaimSpec(pvc.spec, 'spec')];
}

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is immutable but for binding (volumeName, set
 * once), the retroactive default class (storageClassName from nil), a larger storage request and
 * volumeAttributesClassName.
 */
export function validatePersistentVolumeClaimUpdate(pvc: KObject, old: KObject): field.FieldError[] {
  const errs = [...validateObjectMetaUpdate(pvc, old), ...validatePersistentVolumeClaimSpec(pvc.spec, 'spec')];
  const spec = structuredClone(obj(pvc.spec));
  const oldSpec = structuredClone(obj(old.spec));
  if (!str(oldSpec.volumeName)) oldSpec.volumeName = spec.volumeName;
  const ann = (o: KObject): string | undefined => o.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (ann(pvc) !== ann(old))
    errs.push(field.invalid(`metadata.annotations[${BETA_STORAGE_CLASS_ANNOTATION}]`, ann(pvc) ?? '', fieldImmutableErrorMsg));
  if (!present(oldSpec.storageClassName) && ann(old) === undefined && present(spec.storageClassName))
    oldSpec.storageClassName = spec.storageClassName;
  const newReq = obj(obj(spec.resources).requests),
    oldReq = obj(obj(oldSpec.resources).requests);
  if (present(oldReq.storage) || present(newReq.storage)) {
    spec.resources = { ...obj(spec.resources), requests: { ...newReq, storage: oldReq.storage } };
    if (!present(oldReq.storage)) delete (spec.resources as { requests: Obj }).requests.storage;
  }
  oldSpec.volumeAttributesClassName = spec.volumeAttributesClassName;
  if (!semanticEqual(spec, oldSpec)) {
    errs.push(
      field.forbidden(
        'spec',
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff('core.PersistentVolumeClaimSpec', oldSpec, spec)}`,
      ),
    );
  }
  const newSize = Quantity.tryParse(newReq.storage),
    oldSize = Quantity.tryParse(oldReq.storage);
  if (newSize !== undefined && oldSize !== undefined && newSize.cmp(oldSize) < 0) {
    // RecoverVolumeExpansionFailure (beta, on): shrinking is allowed down to above the actual capacity.
    const statusSize = Quantity.tryParse(obj(obj(old.status).capacity).storage);
    if (statusSize !== undefined && newSize.cmp(statusSize) <= 0)
      errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    else if (statusSize === undefined)
      errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  if (!semanticEqual(obj(pvc.spec).volumeMode, obj(old.spec).volumeMode))
    errs.push(field.invalid('volumeMode', str(obj(pvc.spec).volumeMode), fieldImmutableErrorMsg));
  return errs;
}

const CLAIM_CONDITION_TYPES = [
  'ControllerResizeError',
  'FileSystemResizePending',
  'ModifyVolumeError',
  'ModifyingVolume',
  'NodeResizeError',
  'Resizing',
];

export function validatePersistentVolumeClaimStatusUpdate(pvc: KObject, old: KObject): field.FieldError[] {
  const errs = validateObjectMetaUpdate(pvc, old);
  const status = obj(pvc.status);
  list(status.conditions).forEach((c, i) => {
    const cp = field.index('status.conditions', i);
    const t = str(obj(c).type);
    if (!t) errs.push(field.required(field.child(cp, 'type')));
    else if (!CLAIM_CONDITION_TYPES.includes(t) && isQualifiedName(t).length > 0)
      errs.push(field.invalid(field.child(cp, 'type'), t, isQualifiedName(t).join('; ')));
  });
  for (const [k, q] of Object.entries(obj(status.capacity))) errs.push(...nonNegativeQuantity(q, field.key('status.capacity', k)));
  for (const [k, q] of Object.entries(obj(status.allocatedResources)))
    errs.push(...nonNegativeQuantity(q, field.key('status.allocatedResources', k)));
  return errs;
}

// ---- StorageClass -------------------------------------------------------------------------

const SC_RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

function validateProvisioner(p: string, path: string): field.FieldError[] {
  if (!p) return [field.required(path, p)];
  return isQualifiedName(p.toLowerCase()).map((m) => field.invalid(path, p.toLowerCase(), m));
}

function validateParameters(params: unknown, path: string): field.FieldError[] {
  const entries = Object.entries(obj(params));
  if (entries.length > MAX_PARAMETERS) return [field.tooLong(path, MAX_PARAMETERS)];
  const errs: field.FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(field.invalid(path, k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(str(v));
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(field.tooLong(path, MAX_PARAMETERS_SIZE));
  return errs;
}

/** ValidateTopologySelectorTerm. */
function validateTopologySelectorTerm(term: Obj, path: string): { errs: field.FieldError[]; exprs: Map<string, Set<string>> } {
  const errs: field.FieldError[] = [];
  const exprs = new Map<string, Set<string>>();
  const exprsIn = list(term.matchLabelExpressions);
  exprsIn.forEach((e, i) => {
    const ep = field.index(field.child(path, 'matchLabelExpressions'), i);
    const r = obj(e);
    const k = str(r.key);
    errs.push(...validateLabelName(k, field.child(ep, 'key')));
    const values = list(r.values).map(str);
    if (values.length === 0) errs.push(field.required(field.child(ep, 'values'), ''));
    const seen = new Set<string>();
    values.forEach((v, j) => {
      const vp = field.index(field.child(ep, 'values'), j);
      for (const m of isValidLabelValue(v)) errs.push(field.invalid(vp, v, m));
      if (seen.has(v)) errs.push(field.duplicate(vp, v));
      seen.add(v);
    });
    if (exprs.has(k)) errs.push(field.duplicate(field.child(ep, 'key'), k));
    exprs.set(k, seen);
  });
  if (exprsIn.length === 0)
    errs.push(field.required(field.child(path, 'matchLabelExpressions'), 'must have at least one label expression'));
  return { errs, exprs };
}

function validateAllowedTopologies(topologies: unknown, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const seen: string[] = [];
  list(topologies).forEach((t, i) => {
    const r = validateTopologySelectorTerm(obj(t), field.index(path, i));
    errs.push(...r.errs);
    const canon = JSON.stringify([...r.exprs].map(([k, v]) => [k, [...v].sort()]).sort());
    if (seen.includes(canon)) errs.push(field.duplicate(field.child(field.index(path, i), 'matchLabelExpressions'), ''));
    seen.push(canon);
  });
  return errs;
}

export function validateStorageClassCreate(sc: KObject): field.FieldError[] {
  const s = sc as KObject & Obj;
  const errs = [
    ...validateObjectMeta(sc, false, nameIsDNSSubdomain),
    ...validateProvisioner(str(s.provisioner), 'provisioner'),
    ...validateParameters(s.parameters, 'parameters'),
  ];
  const rp = str(s.reclaimPolicy);
  if (rp && !SC_RECLAIM_POLICIES.includes(rp)) errs.push(field.notSupported('reclaimPolicy', rp, SC_RECLAIM_POLICIES));
  if (!present(s.volumeBindingMode)) errs.push(field.required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(str(s.volumeBindingMode)))
    errs.push(field.notSupported('volumeBindingMode', str(s.volumeBindingMode), BINDING_MODES));
  errs.push(...validateAllowedTopologies(s.allowedTopologies, 'allowedTopologies'));
  return errs;
}

export function validateStorageClassUpdate(sc: KObject, old: KObject): field.FieldError[] {
  const s = sc as KObject & Obj,
    o = old as KObject & Obj;
  const errs = validateObjectMetaUpdate(sc, old);
  if (!semanticEqual(s.parameters, o.parameters)) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (str(s.provisioner) !== str(o.provisioner)) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (str(s.reclaimPolicy) !== str(o.reclaimPolicy)) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (str(s.volumeBindingMode) !== str(o.volumeBindingMode))
    errs.push(field.invalid('volumeBindingMode', str(s.volumeBindingMode), fieldImmutableErrorMsg));
  return errs;
}

// ---- CSIDriver, CSINode, CSIStorageCapacity, VolumeAttachment --------------------------------

const CSI_DRIVER_NAME_MAX = 63;
const CSI_NODE_ID_MAX = 192;

/** ValidateCSIDriverName: a DNS subdomain of at most 63 characters (case-insensitive). */
function csiDriverName(name: string, path: string): field.FieldError[] {
  if (!name) return [field.required(path)];
  const errs: field.FieldError[] = [];
  if (name.length > CSI_DRIVER_NAME_MAX) errs.push(field.tooLong(path, CSI_DRIVER_NAME_MAX));
  for (const m of isDNS1123Subdomain(name.toLowerCase())) errs.push(field.invalid(path, name, m));
  return errs;
}

const FS_GROUP_POLICIES = ['File', 'None', 'ReadWriteOnceWithFSType'];
const LIFECYCLE_MODES = ['Ephemeral', 'Persistent'];

function validateCSIDriverSpec(specIn: unknown): field.FieldError[] {
  const spec = obj(specIn);
  const errs: field.FieldError[] = [];
  if (!present(spec.attachRequired)) errs.push(field.required('spec.attachRequired'));
  if (!present(spec.podInfoOnMount)) errs.push(field.required('spec.podInfoOnMount'));
  if (!present(spec.storageCapacity)) errs.push(field.required('spec.storageCapacity'));
  if (!present(spec.requiresRepublish)) errs.push(field.required('spec.requiresRepublish'));
  if (!present(spec.seLinuxMount)) errs.push(field.required('spec.seLinuxMount'));
  if (present(spec.fsGroupPolicy) && !FS_GROUP_POLICIES.includes(str(spec.fsGroupPolicy)))
    errs.push(field.notSupported('spec.fsGroupPolicy', str(spec.fsGroupPolicy), FS_GROUP_POLICIES));
  list(spec.volumeLifecycleModes).forEach((m, i) => {
    if (!LIFECYCLE_MODES.includes(str(m)))
      errs.push(field.notSupported(field.index('spec.volumeLifecycleModes', i), str(m), LIFECYCLE_MODES));
  });
  const audiences = new Set<string>();
  list(spec.tokenRequests).forEach((t, i) => {
    const tr = obj(t);
    const aud = str(tr.audience);
    if (audiences.has(aud)) errs.push(field.duplicate(field.child(field.index('spec.tokenRequests', i), 'audience'), aud));
    audiences.add(aud);
    if (typeof tr.expirationSeconds === 'number') {
      if (tr.expirationSeconds < 600)
        errs.push(
          field.invalid(
            field.child(field.index('spec.tokenRequests', i), 'expirationSeconds'),
            tr.expirationSeconds,
            'may not specify a duration less than 10 minutes',
          ),
        );
      if (tr.expirationSeconds > 2 ** 32)
        errs.push(
          field.invalid(
            field.child(field.index('spec.tokenRequests', i), 'expirationSeconds'),
            tr.expirationSeconds,
            'may not specify a duration larger than 2^32 seconds',
          ),
        );
    }
  });
  return errs;
}

export function validateCSIDriverCreate(d: KObject): field.FieldError[] {
  // ValidateCSIDriver checks the name at "name", not "metadata.name".
  const meta = validateObjectMeta(d, false, () => []).filter((e) => e.field !== 'metadata.name');
  return [...csiDriverName(d.metadata.name ?? '', 'name'), ...meta, ...validateCSIDriverSpec(d.spec)];
}

export function validateCSIDriverUpdate(d: KObject, old: KObject): field.FieldError[] {
  const errs = [...validateObjectMetaUpdate(d, old), ...validateCSIDriverSpec(d.spec)];
  const spec = obj(d.spec),
    oldSpec = obj(old.spec);
  if (!semanticEqual(spec.attachRequired, oldSpec.attachRequired))
    errs.push(field.invalid('spec.attachRequired', spec.attachRequired ?? null, fieldImmutableErrorMsg));
  if (!semanticEqual(spec.volumeLifecycleModes, oldSpec.volumeLifecycleModes))
    errs.push(
      field.invalid(
        'spec.volumeLifecycleModes',
        field.goLiteral(field.goStringSlice(list(spec.volumeLifecycleModes).map(str))),
        fieldImmutableErrorMsg,
      ),
    );
  return errs;
}

function validateCSINodeDrivers(drivers: unknown): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const names = new Set<string>();
  list(drivers).forEach((d, i) => {
    const dp = field.index('spec.drivers', i);
    const drv = obj(d);
    const name = str(drv.name);
    errs.push(...csiDriverName(name, field.child(dp, 'name')));
    if (names.has(name)) errs.push(field.duplicate(field.child(dp, 'name'), name));
    names.add(name);
    const id = str(drv.nodeID);
    if (!id) errs.push(field.required(field.child(dp, 'nodeID')));
    else if (id.length > CSI_NODE_ID_MAX)
      errs.push(field.invalid(field.child(dp, 'nodeID'), id, `must be ${CSI_NODE_ID_MAX} characters or less`));
    const keys = new Set<string>();
    list(drv.topologyKeys).forEach((k, j) => {
      const kp = field.index(field.child(dp, 'topologyKeys'), j);
      const tk = str(k);
      if (!tk) errs.push(field.required(kp));
      for (const m of isQualifiedName(tk)) errs.push(field.invalid(kp, tk, m));
      if (keys.has(tk)) errs.push(field.duplicate(kp, tk));
      keys.add(tk);
    });
    const count = obj(drv.allocatable).count;
    errs.push(...validateNonnegative(count, field.child(dp, 'allocatable', 'count')));
  });
  return errs;
}

export function validateCSINodeCreate(n: KObject): field.FieldError[] {
  return [...validateObjectMeta(n, false, nameIsDNSSubdomain), ...validateCSINodeDrivers(obj(n.spec).drivers)];
}

export function validateCSINodeUpdate(n: KObject, old: KObject): field.FieldError[] {
  const errs = [...validateObjectMetaUpdate(n, old), ...validateCSINodeDrivers(obj(n.spec).drivers)];
  const before = new Map(list(obj(old.spec).drivers).map((d) => [str(obj(d).name), obj(d)]));
  list(obj(n.spec).drivers).forEach((d, i) => {
    const drv = obj(d);
    const prev = before.get(str(drv.name));
    if (!prev) return;
    const dp = field.index('spec.drivers', i);
    if (str(drv.nodeID) !== str(prev.nodeID)) errs.push(field.invalid(field.child(dp, 'nodeID'), str(drv.nodeID), fieldImmutableErrorMsg));
    if (!semanticEqual(drv.topologyKeys, prev.topologyKeys))
      errs.push(
        field.invalid(
          field.child(dp, 'topologyKeys'),
          field.goLiteral(field.goStringSlice(list(drv.topologyKeys).map(str))),
          fieldImmutableErrorMsg,
        ),
      );
  });
  return errs;
}

function validateCSIStorageCapacity(c: KObject): field.FieldError[] {
  const o = c as KObject & Obj;
  const errs: field.FieldError[] = [];
  if (present(o.nodeTopology)) errs.push(...validateLabelSelector(o.nodeTopology, 'nodeTopology'));
  const cls = str(o.storageClassName);
  if (!cls) errs.push(field.required('storageClassName'));
  else for (const m of validateClassName(cls)) errs.push(field.invalid('storageClassName', cls, m));
  if (present(o.capacity)) errs.push(...nonNegativeQuantity(o.capacity, 'capacity'));
  if (present(o.maximumVolumeSize)) errs.push(...nonNegativeQuantity(o.maximumVolumeSize, 'maximumVolumeSize'));
  return errs;
}

export function validateCSIStorageCapacityCreate(c: KObject): field.FieldError[] {
  return [...validateObjectMeta(c, true, nameIsDNSSubdomain), ...validateCSIStorageCapacity(c)];
}

export function validateCSIStorageCapacityUpdate(c: KObject, old: KObject): field.FieldError[] {
  const o = c as KObject & Obj,
    p = old as KObject & Obj;
  const errs = [...validateObjectMetaUpdate(c, old), ...validateCSIStorageCapacity(c)];
  if (!semanticEqual(o.nodeTopology, p.nodeTopology))
    errs.push(field.invalid('nodeTopology', field.goLiteral('&v1.LabelSelector{...}'), fieldImmutableErrorMsg));
  if (str(o.storageClassName) !== str(p.storageClassName))
    errs.push(field.invalid('storageClassName', str(o.storageClassName), fieldImmutableErrorMsg));
  return errs;
}

const VOLUME_ERROR_MESSAGE_MAX = 1024;

function validateVolumeAttachmentSpec(specIn: unknown): field.FieldError[] {
  const spec = obj(specIn);
  const errs = csiDriverName(str(spec.attacher), 'spec.attacher');
  const source = obj(spec.source);
  const pvName = source.persistentVolumeName;
  const inline = source.inlineVolumeSpec;
  if (present(pvName) === present(inline))
    errs.push(
      field.invalid(
        'spec.source',
        field.goLiteral('storage.VolumeAttachmentSource{...}'),
        'must specify exactly one of persistentVolumeName and inlineVolumeSpec',
      ),
    );
  else if (present(pvName)) {
    if (!str(pvName)) errs.push(field.required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  }
  const node = str(spec.nodeName);
  if (!node) errs.push(field.required('spec.nodeName'));
  else for (const m of isDNS1123Subdomain(node)) errs.push(field.invalid('spec.nodeName', node, m));
  return errs;
}

function validateVolumeAttachmentStatus(statusIn: unknown): field.FieldError[] {
  const status = obj(statusIn);
  const errs: field.FieldError[] = [];
  for (const which of ['attachError', 'detachError']) {
    const msg = str(obj(status[which]).message);
    if (msg.length > VOLUME_ERROR_MESSAGE_MAX) errs.push(field.tooLong(field.child('status', which, 'message'), VOLUME_ERROR_MESSAGE_MAX));
  }
  let size = 0;
  for (const [k, v] of Object.entries(obj(status.attachmentMetadata))) size += k.length + str(v).length;
  if (size > 256 * 1024) errs.push(field.tooLong('status.attachmentMetadata', 256 * 1024));
  return errs;
}

export function validateVolumeAttachmentCreate(va: KObject): field.FieldError[] {
  return [
    ...validateObjectMeta(va, false, nameIsDNSSubdomain),
    ...validateVolumeAttachmentSpec(va.spec),
    ...validateVolumeAttachmentStatus(va.status),
  ];
}

export function validateVolumeAttachmentUpdate(va: KObject, old: KObject): field.FieldError[] {
  const errs = [...validateObjectMetaUpdate(va, old), ...validateVolumeAttachmentSpec(va.spec)];
  if (!semanticEqual(va.spec, old.spec))
    errs.push(field.invalid('spec', field.goLiteral('storage.VolumeAttachmentSpec{...}'), fieldImmutableErrorMsg));
  return errs;
}

export function validateVolumeAttachmentStatusUpdate(va: KObject, old: KObject): field.FieldError[] {
  return [...validateObjectMetaUpdate(va, old), ...validateVolumeAttachmentStatus(va.status)];
}
