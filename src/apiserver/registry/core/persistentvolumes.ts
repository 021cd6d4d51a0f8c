// PersistentVolumes, as kube-apiserver's pkg/registry/core/persistentvolume: cluster-scoped, a
// new volume starts Pending with its phase transition time, status is the PV controller's to
// write (each phase change stamps lastPhaseTransitionTime), and the StorageObjectInUseProtection
// admission plugin puts the kubernetes.io/pv-protection finalizer on every new volume. The printer
// is printPersistentVolume.

import { defaultPersistentVolume } from '../../../api/defaults-storage.js';
import { deepCopy, nowRFC3339, type KObject } from '../../../api/object.js';
import { validatePersistentVolumeCreate, validatePersistentVolumeStatusUpdate, validatePersistentVolumeUpdate } from '../../../api/validation/storage.js';
import { ageCol, col, nameCol, o, s, timestampSince, type Printer } from '../../tables.js';
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
    const phase = field(next.status).phase, oldPhase = field(old.status).phase;
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
  columns: [
    nameCol,
    col('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes'),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming'),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase'),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageCol,
    col('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.', 1),
  ],
  row(pv, now) {
    const spec = o(pv.spec), status = o(pv.status);
    const ref = o(spec.claimRef);
    const claim = spec.claimRef ? `${s(ref.namespace)}/${s(ref.name)}` : '';
    const phase = pv.metadata.deletionTimestamp ? 'Terminating' : s(status.phase);
    return {
      cells: [
        s(pv.metadata.name), quantityString(o(spec.capacity).storage), accessModesString(spec.accessModes), s(spec.persistentVolumeReclaimPolicy),
        phase, claim, pv.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? s(spec.storageClassName), s(spec.volumeAttributesClassName) || '<unset>', s(status.reason),
        timestampSince(pv.metadata.creationTimestamp, now), s(spec.volumeMode) || '<unset>',
      ],
    };
  },
};

export const resource = defineResource({
  info: { group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false, schema: 'io.k8s.api.core.v1.PersistentVolume', shortNames: ['pv'] },
  strategy,
  subresources: {
    status: { kind: 'PersistentVolume', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
