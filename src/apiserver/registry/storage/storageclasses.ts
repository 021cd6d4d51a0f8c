// StorageClasses, as kube-apiserver's pkg/registry/storage/storageclass: cluster-scoped, with
// reclaimPolicy Delete and volumeBindingMode Immediate by default; provisioner, parameters,
// reclaimPolicy and volumeBindingMode cannot change. The printer is printStorageClass, which
// marks the default class "(default)".

import { defaultStorageClass } from '../../../api/defaults-storage.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateStorageClassCreate, validateStorageClassUpdate } from '../../../api/validation/storage.js';
import { type Obj, type Printer, s, timestampSince } from '../../tables.js';
import { isDefaultClass } from '../core/persistentvolumeclaims.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  defaults: defaultStorageClass,
  validate: validateStorageClassCreate,
  validateUpdate: validateStorageClassUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.storage.v1.StorageClass'),
  row(sc, now) {
    const c = sc as typeof sc & Obj;
    const name = `${s(sc.metadata.name)}${isDefaultClass(sc) ? ' (default)' : ''}`;
    return {
      cells: [
        name,
        s(c.provisioner),
        s(c.reclaimPolicy) || 'Delete',
        s(c.volumeBindingMode) || 'Immediate',
        c.allowVolumeExpansion === true,
        timestampSince(sc.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'storageclasses',
    kind: 'StorageClass',
    namespaced: false,
    schema: 'io.k8s.api.storage.v1.StorageClass',
    shortNames: ['sc'],
  },
  strategy,
  printer,
});
