// Leases, as kube-apiserver's pkg/registry/coordination/lease: leader election and node
// heartbeats; a PUT may create one. The printer is printLease.

import { printerColumns } from '../../../api/schema/columns.js';
import { validateLeaseCreate, validateLeaseUpdate } from '../../../api/validation.js';
import { o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  allowCreateOnUpdate: true,
  validate: validateLeaseCreate,
  validateUpdate: validateLeaseUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.coordination.v1.Lease'),
  row: (l, now) => ({ cells: [s(l.metadata.name), s(o(l.spec).holderIdentity), timestampSince(l.metadata.creationTimestamp, now)] }),
};

export const resource = defineResource({
  info: {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    kind: 'Lease',
    namespaced: true,
    schema: 'io.k8s.api.coordination.v1.Lease',
  },
  strategy,
  printer,
});
