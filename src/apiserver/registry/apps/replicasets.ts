// ReplicaSets, as kube-apiserver's pkg/registry/apps/replicaset: generation counts spec
// changes, status is the replica set controller's to write, and the scale subresource sets
// spec.replicas. The printer is printReplicaSet.

import { defaultReplicaSet } from '../../../api/defaults.js';
import { validateReplicaSetCreate, validateReplicaSetStatusUpdate, validateReplicaSetUpdate } from '../../../api/validation.js';
import { formatLabelSelector, n, s, workloadPrinter } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { scaleSubresource } from '../scale.js';
import { statusStrategy as statusOf, workloadStrategy } from '../strategy.js';

export const strategy = workloadStrategy({
  defaults: defaultReplicaSet,
  validate: validateReplicaSetCreate,
  validateUpdate: validateReplicaSetUpdate,
});

export const statusStrategy = statusOf(validateReplicaSetStatusUpdate);

export const printer = workloadPrinter(
  'io.k8s.api.apps.v1.ReplicaSet',
  (rs, { status, desired }) => [s(rs.metadata.name), desired, n(status.replicas), n(status.readyReplicas)],
  (spec) => formatLabelSelector(spec.selector),
);

export const resource = defineResource({
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'replicasets',
    kind: 'ReplicaSet',
    namespaced: true,
    schema: 'io.k8s.api.apps.v1.ReplicaSet',
    shortNames: ['rs'],
    categories: ['all'],
  },
  strategy,
  subresources: { status: statusSubresource('ReplicaSet', statusStrategy), scale: scaleSubresource },
  printer,
});
