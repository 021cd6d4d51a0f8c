// PriorityClasses, as kube-apiserver's pkg/registry/scheduling/priorityclass: cluster-scoped,
// value and preemptionPolicy fixed at creation, and the system classes (made at start by
// bootstrap.ts, as the scheduling post-start hook does) cannot be deleted. The printer is
// printPriorityClass.

import { defaultPriorityClass } from '../../../api/defaults-policy.js';
import { errors } from '../../../api/errors.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { SYSTEM_PRIORITY_CLASSES, validatePriorityClassCreate, validatePriorityClassUpdate } from '../../../api/validation/policy-quota.js';
import { n, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { finishNothing, type Strategy } from '../strategy.js';

export const strategy: Strategy = {
  defaults: defaultPriorityClass,
  validate: validatePriorityClassCreate,
  validateUpdate: validatePriorityClassUpdate,
  beginDelete(pc) {
    if (SYSTEM_PRIORITY_CLASSES.some((c) => c.name === pc.metadata.name)) {
      throw errors.forbidden(
        `priorityclasses.scheduling.k8s.io "${pc.metadata.name}" is forbidden: this is a system priority class and cannot be deleted`,
        { name: pc.metadata.name, group: 'scheduling.k8s.io', kind: 'priorityclasses' },
      );
    }
    return finishNothing;
  },
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.scheduling.v1.PriorityClass'),
  row: (pc, now) => ({
    cells: [
      s(pc.metadata.name),
      n(pc.value),
      pc.globalDefault === true,
      timestampSince(pc.metadata.creationTimestamp, now),
      s(pc.preemptionPolicy),
    ],
  }),
};

export const resource = defineResource({
  info: {
    group: 'scheduling.k8s.io',
    version: 'v1',
    resource: 'priorityclasses',
    kind: 'PriorityClass',
    namespaced: false,
    schema: 'io.k8s.api.scheduling.v1.PriorityClass',
    shortNames: ['pc'],
  },
  strategy,
  printer,
});
