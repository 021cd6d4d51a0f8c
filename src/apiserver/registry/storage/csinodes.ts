// CSINodes, as kube-apiserver's pkg/registry/storage/csinode: one per node, listing the CSI
// drivers registered there; served, not acted on. The printer is printCSINode.

import { printerColumns } from '../../../api/schema/columns.js';
import { validateCSINodeCreate, validateCSINodeUpdate } from '../../../api/validation/storage.js';
import { a, o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  validate: validateCSINodeCreate,
  validateUpdate: validateCSINodeUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.storage.v1.CSINode'),
  row: (n, now) => ({ cells: [s(n.metadata.name), a(o(n.spec).drivers).length, timestampSince(n.metadata.creationTimestamp, now)] }),
};

export const resource = defineResource({
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csinodes',
    kind: 'CSINode',
    namespaced: false,
    schema: 'io.k8s.api.storage.v1.CSINode',
  },
  strategy,
  printer,
});
