// PersistentVolumeClaims, as kube-apiserver's pkg/registry/core/persistentvolumeclaim with the
// admission plugins that act on claims: DefaultStorageClass (a claim without storageClassName
// gets the default class), StorageObjectInUseProtection (the kubernetes.io/pvc-protection
// finalizer) and PersistentVolumeClaimResize (a claim grows only when its class allows
// expansion). Status is the PV controller's to write. The printer is printPersistentVolumeClaim.

import { defaultPersistentVolumeClaim } from '../../../api/defaults-storage.js';
import { errors } from '../../../api/errors.js';
import type { KObject } from '../../../api/object.js';
import { Quantity } from '../../../api/quantity.js';
import { printerColumns } from '../../../api/schema/columns.js';
import {
  validatePersistentVolumeClaimCreate,
  validatePersistentVolumeClaimStatusUpdate,
  validatePersistentVolumeClaimUpdate,
} from '../../../api/validation/storage.js';
import { o, type Printer, s, timestampSince } from '../../tables.js';
import type { ApiServerContext } from '../context.js';
import { defineResource } from '../rest.js';
import { field, keepStatus, type Strategy, statusStrategy as statusOf } from '../strategy.js';
import { addFinalizer } from './persistentvolumes.js';
import { accessModesString, quantityString } from './storage-printing.js';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** storageutil.IsDefaultAnnotation. */
export function isDefaultClass(sc: KObject): boolean {
  const ann = sc.metadata.annotations ?? {};
  return ann[DEFAULT_CLASS_ANNOTATION] === 'true' || ann[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** util.GetDefaultClass: of the classes marked default, the newest (then the first by name). */
export function defaultClass(classes: KObject[]): KObject | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => {
    const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0,
      tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
    if (ta !== tb) return tb - ta;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  });
  return defaults[0];
}

/** The class a claim asks for: spec.storageClassName, else the beta annotation, else "". */
export function claimClass(pvc: KObject): string {
  const ann = pvc.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (ann !== undefined) return ann;
  return (field(pvc.spec) as { storageClassName?: string }).storageClassName ?? '';
}

type ClaimSpec = { storageClassName?: string | null; resources?: { requests?: Record<string, unknown> } };

/** DefaultStorageClass admission: only a claim that names no class (not even "") gets the default. */
function admitDefaultStorageClass(pvc: KObject, api: ApiServerContext): void {
  const spec = field(pvc.spec) as ClaimSpec;
  if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
  if (pvc.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return;
  const def = defaultClass(api.listObjects('storage.k8s.io', 'storageclasses'));
  if (def?.metadata.name) spec.storageClassName = def.metadata.name;
}

/** PersistentVolumeClaimResize admission: a bound claim grows only if its class allows expansion. */
async function admitResize(pvc: KObject, old: KObject, api: ApiServerContext): Promise<void> {
  const size = (o2: KObject) => Quantity.tryParse((field(o2.spec) as ClaimSpec).resources?.requests?.storage);
  const newSize = size(pvc),
    oldSize = size(old);
  if (newSize === undefined || oldSize === undefined || newSize.cmp(oldSize) <= 0) return;
  const forbidden = (why: string) =>
    errors.forbidden(`persistentvolumeclaims "${pvc.metadata.name}" is forbidden: ${why}`, {
      name: pvc.metadata.name,
      kind: 'persistentvolumeclaims',
    });
  if ((field(old.status) as { phase?: string }).phase !== 'Bound') throw forbidden('Only bound persistent volume claims can be expanded');
  const cls = claimClass(pvc),
    oldCls = claimClass(old);
  const sc = cls && cls === oldCls ? await api.getObject('storage.k8s.io', 'storageclasses', undefined, cls) : undefined;
  if ((sc as { allowVolumeExpansion?: boolean } | undefined)?.allowVolumeExpansion !== true) {
    throw forbidden('only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  }
}

export const strategy: Strategy = {
  defaults: defaultPersistentVolumeClaim,
  prepareForCreate(pvc, _ctx, api) {
    pvc.status = { phase: 'Pending' };
    admitDefaultStorageClass(pvc, api);
    addFinalizer(pvc, PVC_PROTECTION_FINALIZER);
  },
  async prepareForUpdate(pvc, old, _ctx, api) {
    keepStatus(pvc, old);
    await admitResize(pvc, old, api);
  },
  validate: validatePersistentVolumeClaimCreate,
  validateUpdate: validatePersistentVolumeClaimUpdate,
};

export const statusStrategy = statusOf(validatePersistentVolumeClaimStatusUpdate);

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.PersistentVolumeClaim'),
  row(pvc, now) {
    const spec = o(pvc.spec),
      status = o(pvc.status);
    const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : s(status.phase);
    const bound = s(spec.volumeName) !== '';
    return {
      cells: [
        s(pvc.metadata.name),
        phase,
        s(spec.volumeName),
        bound ? quantityString(o(status.capacity).storage) : '',
        bound ? accessModesString(status.accessModes) : '',
        claimClass(pvc),
        s(spec.volumeAttributesClassName) || '<unset>',
        timestampSince(pvc.metadata.creationTimestamp, now),
        s(spec.volumeMode) || '<unset>',
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.PersistentVolumeClaim',
    shortNames: ['pvc'],
  },
  strategy,
  subresources: {
    status: { kind: 'PersistentVolumeClaim', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
