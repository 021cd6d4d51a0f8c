// PersistentVolumes, as kube-apiserver's pkg/registry/core/persistentvolume: cluster-scoped, a
// new volume starts Pending with its phase transition time, status is the PV controller's to
// write (each phase change stamps lastPhaseTransitionTime), and the StorageObjectInUseProtection
// admission plugin puts the kubernetes.io/pv-protection finalizer on every new volume. The printer
// is printPersistentVolume.

import { defaultPersistentVolume } from '../../../api/defaults-storage.js';
import { deepCopy, type KObject, nowRFC3339 } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import {
  validatePersistentVolumeCreate,
  validatePersistentVolumeStatusUpdate,
  validatePersistentVolumeUpdate,
} from '../../../api/validation/storage.js';
import { o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { field, keepStatus, type Strategy, type UpdateStrategy } from '../strategy.js';
import { accessModesString, quantityString } from './storage-printing.js';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** The StorageObjectInUseProtection admission plugin's finalizer, added once on create. */
export function addFinalizer(obj: KObject, finalizer: string): void {
  const fins = obj.metadata.finalizers ?? [];
  if (!fins.includes(finalizer)) obj.metadata.finalizers = [...fins, finalizer];
}

export const strategy: Strategy = {
  defaults: defaultPersistentVolume,
  prepareForCreate(pv) {
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowRFC3339() };
    addFinalizer(pv, PV_PROTECTION_FINALIZER);
  },
  prepareForUpdate: keepStatus,
  validate: validatePersistentVolumeCreate,
  validateUpdate: validatePersistentVolumeUpdate,
};

/** persistentvolumes/status: the status changes; a new phase stamps lastPhaseTransitionTime. */
export const statusStrategy: UpdateStrategy = {
  prepareForUpdate(pv, old) {
    const next = deepCopy(old);
    next.status = pv.status;
    const phase = field(next.status).phase,
      oldPhase = field(old.status).phase;
    if (phase !== oldPhase && next.status && typeof next.status === 'object') {
      (next.status as Record<string, unknown>).lastPhaseTransitionTime = nowRFC3339();
    }
    const ann = pv.metadata.annotations;
    if (ann !== undefined) next.metadata.annotations = ann;
    return next;
  },
  validateUpdate: validatePersistentVolumeStatusUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.PersistentVolume'),
  row(pv, now) {
    const spec = o(pv.spec),
      status = o(pv.status);
    const ref = o(spec.claimRef);
    const claim = spec.claimRef ? `${s(ref.namespace)}/${s(ref.name)}` : '';
    const phase = pv.metadata.deletionTimestamp ? 'Terminating' : s(status.phase);
    return {
      cells: [
        s(pv.metadata.name),
        quantityString(o(spec.capacity).storage),
        accessModesString(spec.accessModes),
        s(spec.persistentVolumeReclaimPolicy),
        phase,
        claim,
        pv.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? s(spec.storageClassName),
        s(spec.volumeAttributesClassName) || '<unset>',
        s(status.reason),
        timestampSince(pv.metadata.creationTimestamp, now),
        s(spec.volumeMode) || '<unset>',
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'persistentvolumes',
    kind: 'PersistentVolume',
    namespaced: false,
    schema: 'io.k8s.api.core.v1.PersistentVolume',
    shortNames: ['pv'],
  },
  strategy,
  subresources: {
    status: { kind: 'PersistentVolume', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
