// Deployments, as kube-apiserver's pkg/registry/apps/deployment: generation counts changes of
// the spec and of the annotations (a rollback is a new generation), status is the deployment
// controller's to write, and the scale subresource sets spec.replicas. The printer is
// printDeployment.

import { defaultDeployment } from '../../../api/defaults.js';
import { labelSelectorString } from '../../../api/labels.js';
import { validateDeploymentCreate, validateDeploymentStatusUpdate, validateDeploymentUpdate } from '../../../api/validation.js';
import { ageCol, col, containerCells, D, n, nameCol, o, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import { scaleSubresource } from '../scale.js';
import { bumpGeneration, clearStatus, keepStatus, statusStrategy as statusOf, type Strategy } from '../strategy.js';

export const strategy: Strategy = {
  fieldLabels: ['status.replicas'],
  defaults: defaultDeployment,
  prepareForCreate(d) {
    clearStatus(d);
    d.metadata.generation = 1;
  },
  prepareForUpdate(d, old) {
    keepStatus(d, old);
    bumpGeneration(d, old, { annotations: true });
  },
  validate: validateDeploymentCreate,
  validateUpdate: validateDeploymentUpdate,
};

export const statusStrategy = statusOf(validateDeploymentStatusUpdate);

export const printer: Printer = {
  columns: [
    nameCol,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.", 1),
  ],
  row(d, now) {
    const spec = o(d.spec), status = o(d.status);
    const desired = typeof spec.replicas === 'number' ? n(spec.replicas) : 1;
    const [names, images] = containerCells(o(spec.template).spec);
    return {
      cells: [
        s(d.metadata.name), `${n(status.readyReplicas)}/${desired}`, n(status.updatedReplicas), n(status.availableReplicas),
        timestampSince(d.metadata.creationTimestamp, now), names, images, labelSelectorString(spec.selector) ?? '<invalid>',
      ],
    };
  },
};

export const resource = defineResource({
  info: { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, schema: 'io.k8s.api.apps.v1.Deployment', shortNames: ['deploy'], categories: ['all'] },
  strategy,
  subresources: {
    status: { kind: 'Deployment', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
    scale: scaleSubresource,
  },
  printer,
});
