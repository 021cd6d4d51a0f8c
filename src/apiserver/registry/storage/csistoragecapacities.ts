// CSIStorageCapacities, as kube-apiserver's pkg/registry/storage/csistoragecapacity: namespaced
// capacity reports of CSI drivers; served, not acted on. The printer is printCSIStorageCapacity.

import { printerColumns } from '../../../api/schema/columns.js';
import { validateCSIStorageCapacityCreate, validateCSIStorageCapacityUpdate } from '../../../api/validation/storage.js';
import { type Obj, type Printer, s } from '../../tables.js';
import { quantityString } from '../core/storage-printing.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  validate: validateCSIStorageCapacityCreate,
  validateUpdate: validateCSIStorageCapacityUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.storage.v1.CSIStorageCapacity'),
  row(c) {
    const o = c as typeof c & Obj;
    return {
      cells: [
        s(c.metadata.name),
        s(o.storageClassName),
        o.capacity === undefined || o.capacity === null ? '<unset>' : quantityString(o.capacity),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csistoragecapacities',
    kind: 'CSIStorageCapacity',
    namespaced: true,
    schema: 'io.k8s.api.storage.v1.CSIStorageCapacity',
  },
  strategy,
  printer,
});
