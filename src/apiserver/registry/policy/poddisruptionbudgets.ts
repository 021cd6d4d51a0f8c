// PodDisruptionBudgets, as kube-apiserver's pkg/registry/policy/poddisruptionbudget: a new
// budget starts at generation 1 with zeroed counters, spec changes bump the generation (the
// eviction subresource refuses while the disruption controller has not observed it), and
// status is the disruption controller's (and the eviction handler's) to write. The printer is
// printPodDisruptionBudget.

import { printerColumns } from '../../../api/schema/columns.js';
import {
  validatePodDisruptionBudgetCreate,
  validatePodDisruptionBudgetStatusUpdate,
  validatePodDisruptionBudgetUpdate,
} from '../../../api/validation/policy.js';
import { n, o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { generationStrategy, statusStrategy as statusOf } from '../strategy.js';

export const strategy = generationStrategy({
  initialStatus: () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
  validate: validatePodDisruptionBudgetCreate,
  validateUpdate: validatePodDisruptionBudgetUpdate,
});

export const statusStrategy = statusOf(validatePodDisruptionBudgetStatusUpdate);

/** intstr.IntOrString.String(). */
const intOrString = (v: unknown): string => (typeof v === 'number' ? String(Math.trunc(v)) : s(v));

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.policy.v1.PodDisruptionBudget'),
  row(pdb, now) {
    const spec = o(pdb.spec);
    const present = (v: unknown) => v !== undefined && v !== null;
    return {
      cells: [
        s(pdb.metadata.name),
        present(spec.minAvailable) ? intOrString(spec.minAvailable) : 'N/A',
        present(spec.maxUnavailable) ? intOrString(spec.maxUnavailable) : 'N/A',
        n(o(pdb.status).disruptionsAllowed),
        timestampSince(pdb.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    schema: 'io.k8s.api.policy.v1.PodDisruptionBudget',
    shortNames: ['pdb'],
  },
  strategy,
  subresources: {
    status: { kind: 'PodDisruptionBudget', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
