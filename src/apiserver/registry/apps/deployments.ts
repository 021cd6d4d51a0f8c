// Deployments, as kube-apiserver's pkg/registry/apps/deployment: generation counts changes of
// the spec and of the annotations (a rollback is a new generation), status is the deployment
// controller's to write, and the scale subresource sets spec.replicas. The printer is
// printDeployment.

import { defaultDeployment } from '../../../api/defaults.js';
import { labelSelectorString } from '../../../api/labels.js';
import { validateDeploymentCreate, validateDeploymentStatusUpdate, validateDeploymentUpdate } from '../../../api/validation.js';
import { n, s, workloadPrinter } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { scaleSubresource } from '../scale.js';
import { statusStrategy as statusOf, workloadStrategy } from '../strategy.js';

export const strategy = workloadStrategy({
  defaults: defaultDeployment,
  validate: validateDeploymentCreate,
  validateUpdate: validateDeploymentUpdate,
  annotationsBumpGeneration: true,
});

export const statusStrategy = statusOf(validateDeploymentStatusUpdate);

export const printer = workloadPrinter(
  'io.k8s.api.apps.v1.Deployment',
  (d, { status, desired }) => [
    s(d.metadata.name),
    `${n(status.readyReplicas)}/${desired}`,
    n(status.updatedReplicas),
    n(status.availableReplicas),
  ],
  (spec) => labelSelectorString(spec.selector) ?? '<invalid>',
);

export const resource = defineResource({
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    schema: 'io.k8s.api.apps.v1.Deployment',
    shortNames: ['deploy'],
    categories: ['all'],
  },
  strategy,
  subresources: { status: statusSubresource('Deployment', statusStrategy), scale: scaleSubresource },
  printer,
});
