// CSIStorageCapacities, as kube-apiserver's pkg/registry/storage/csistoragecapacity: namespaced
// capacity reports of CSI drivers; served, not acted on. The printer is printCSIStorageCapacity.

import { validateCSIStorageCapacityCreate, validateCSIStorageCapacityUpdate } from '../../../api/validation/storage.js';
import { col, nameCol, s, type Obj, type Printer } from '../../tables.js';
import { quantityString } from '../core/storage-printing.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  validate: validateCSIStorageCapacityCreate,
  validateUpdate: validateCSIStorageCapacityUpdate,
};

export const printer: Printer = {
  columns: [
    nameCol,
    col('StorageClassName', 'string', 'storageClassName represents the name of the StorageClass that the reported capacity applies to. It must meet the same requirements as the name of a StorageClass object (non-empty, DNS subdomain). If that object no longer exists, the CSIStorageCapacity object is obsolete and should be removed by its creator. This field is immutable.'),
    col('Capacity', 'string', 'capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.\n\nThe semantic is currently (CSI spec 1.2) defined as: The available capacity, in bytes, of the storage that can be used to provision volumes. If not set, that information is currently unavailable.'),
  ],
  row(c) {
    const o = c as typeof c & Obj;
    return { cells: [s(c.metadata.name), s(o.storageClassName), o.capacity === undefined || o.capacity === null ? '<unset>' : quantityString(o.capacity)] };
  },
};

export const resource = defineResource({
  info: { group: 'storage.k8s.io', version: 'v1', resource: 'csistoragecapacities', kind: 'CSIStorageCapacity', namespaced: true, schema: 'io.k8s.api.storage.v1.CSIStorageCapacity' },
  strategy,
  printer,
});
