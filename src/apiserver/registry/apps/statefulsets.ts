// StatefulSets, as kube-apiserver's pkg/registry/apps/statefulset: generation counts spec
// changes, status is the stateful set controller's to write, the scale subresource sets
// spec.replicas, and only replicas, template, updateStrategy, minReadySeconds, ordinals and the
// claim retention policy may change. The printer is printStatefulSet.

import { defaultStatefulSet } from '../../../api/defaults-apps.js';
import {
  validateStatefulSetCreate,
  validateStatefulSetStatusUpdate,
  validateStatefulSetUpdate,
} from '../../../api/validation/apps-sets.js';
import { n, s, workloadPrinter } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { scaleSubresource } from '../scale.js';
import { statusStrategy as statusOf, workloadStrategy } from '../strategy.js';

export const strategy = workloadStrategy({
  defaults: defaultStatefulSet,
  validate: validateStatefulSetCreate,
  validateUpdate: validateStatefulSetUpdate,
});

export const statusStrategy = statusOf(validateStatefulSetStatusUpdate);

export const printer = workloadPrinter('io.k8s.api.apps.v1.StatefulSet', (sts, { status, desired }) => [
  s(sts.metadata.name),
  `${n(status.readyReplicas)}/${desired}`,
]);

export const resource = defineResource({
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    kind: 'StatefulSet',
    namespaced: true,
    schema: 'io.k8s.api.apps.v1.StatefulSet',
    shortNames: ['sts'],
    categories: ['all'],
  },
  strategy,
  subresources: { status: statusSubresource('StatefulSet', statusStrategy), scale: scaleSubresource },
  printer,
});
