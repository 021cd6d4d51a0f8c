// ReplicaSets, as kube-apiserver's pkg/registry/apps/replicaset: generation counts spec
// changes, status is the replica set controller's to write, and the scale subresource sets
// spec.replicas. The printer is printReplicaSet.

import { defaultReplicaSet } from '../../../api/defaults.js';
import { validateReplicaSetCreate, validateReplicaSetStatusUpdate, validateReplicaSetUpdate } from '../../../api/validation.js';
import { ageCol, col, containerCells, D, formatLabelSelector, n, nameCol, o, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import { scaleSubresource } from '../scale.js';
import { bumpGeneration, clearStatus, keepStatus, statusStrategy as statusOf, type Strategy } from '../strategy.js';

export const strategy: Strategy = {
  fieldLabels: ['status.replicas'],
  defaults: defaultReplicaSet,
  prepareForCreate(rs) {
    clearStatus(rs);
    rs.metadata.generation = 1;
  },
  prepareForUpdate(rs, old) {
    keepStatus(rs, old);
    bumpGeneration(rs, old);
  },
  validate: validateReplicaSetCreate,
  validateUpdate: validateReplicaSetUpdate,
};

export const statusStrategy = statusOf(validateReplicaSetStatusUpdate);

export const printer: Printer = {
  columns: [
    nameCol,
    col('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller'),
    col('Ready', 'integer', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
  ],
  row(rs, now) {
    const spec = o(rs.spec), status = o(rs.status);
    const desired = typeof spec.replicas === 'number' ? n(spec.replicas) : 1;
    const [names, images] = containerCells(o(spec.template).spec);
    return {
      cells: [
        s(rs.metadata.name), desired, n(status.replicas), n(status.readyReplicas), timestampSince(rs.metadata.creationTimestamp, now),
        names, images, formatLabelSelector(spec.selector),
      ],
    };
  },
};

export const resource = defineResource({
  info: { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, schema: 'io.k8s.api.apps.v1.ReplicaSet', shortNames: ['rs'], categories: ['all'] },
  strategy,
  subresources: {
    status: { kind: 'ReplicaSet', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
    scale: scaleSubresource,
  },
  printer,
});
