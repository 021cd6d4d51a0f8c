// ReplicationControllers, as kube-apiserver's pkg/registry/core/replicationcontroller: the
// core group's ReplicaSet with a map selector (defaulted from the template's labels);
// generation counts spec changes, status is the replication manager's to write, and the scale
// subresource sets spec.replicas. The printer is printReplicationController.

import { defaultReplicationController } from '../../../api/defaults-apps.js';
import {
  validateReplicationControllerCreate,
  validateReplicationControllerStatusUpdate,
  validateReplicationControllerUpdate,
} from '../../../api/validation/apps-sets.js';
import { formatLabels, n, s, workloadPrinter } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { mapSelectorScaleSubresource } from '../scale.js';
import { statusStrategy as statusOf, workloadStrategy } from '../strategy.js';

export const strategy = workloadStrategy({
  defaults: defaultReplicationController,
  validate: validateReplicationControllerCreate,
  validateUpdate: validateReplicationControllerUpdate,
});

export const statusStrategy = statusOf(validateReplicationControllerStatusUpdate);

export const printer = workloadPrinter(
  'io.k8s.api.core.v1.ReplicationController',
  (rc, { status, desired }) => [s(rc.metadata.name), desired, n(status.replicas), n(status.readyReplicas)],
  (spec) => formatLabels(spec.selector),
);

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'replicationcontrollers',
    kind: 'ReplicationController',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.ReplicationController',
    shortNames: ['rc'],
    categories: ['all'],
  },
  strategy,
  subresources: { status: statusSubresource('ReplicationController', statusStrategy), scale: mapSelectorScaleSubresource },
  printer,
});
