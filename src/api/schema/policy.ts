// policy/v1: Eviction, the body POSTed to a pod's eviction subresource (kubectl drain), and
// PodDisruptionBudget with its spec, status and list.
// Field numbers from k8s.io/api policy/v1 generated.proto (v1.32); pointers (keepZero) from the Go types.

import type { GroupVersionKind, TypeDef } from './types.js';

const policy = (name: string): string => `io.k8s.api.policy.v1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string): GroupVersionKind[] => [{ group: 'policy', version: 'v1', kind }];

export const POLICY_V1_TYPES: TypeDef[] = [
  {
    name: policy('Eviction'),
    description: 'Eviction evicts a pod from its node subject to certain policies and safety constraints.',
    gvk: gvk('Eviction'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: 'ObjectMeta describes the pod that is being evicted.' },
      { json: 'deleteOptions', proto: 2, type: meta('DeleteOptions'), keepZero: true, description: 'DeleteOptions may be provided' },
    ],
  },
  {
    name: policy('PodDisruptionBudget'),
    description: 'PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods',
    gvk: gvk('PodDisruptionBudget'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: policy('PodDisruptionBudgetSpec'), keepZero: true, description: 'Specification of the desired behavior of the PodDisruptionBudget.' },
      { json: 'status', proto: 3, type: policy('PodDisruptionBudgetStatus'), keepZero: true, description: 'Most recently observed status of the PodDisruptionBudget.' },
    ],
  },
  {
    name: policy('PodDisruptionBudgetSpec'),
    description: 'PodDisruptionBudgetSpec is a description of a PodDisruptionBudget.',
    fields: [
      { json: 'minAvailable', proto: 1, type: 'IntOrString', keepZero: true, description: 'An eviction is allowed if at least "minAvailable" pods selected by "selector" will still be available after the eviction, i.e. even in the absence of the evicted pod.' },
      { json: 'selector', proto: 2, type: meta('LabelSelector'), keepZero: true, patchStrategy: 'replace', description: 'Label query over pods whose evictions are managed by the disruption budget.' },
      { json: 'maxUnavailable', proto: 3, type: 'IntOrString', keepZero: true, description: 'An eviction is allowed if at most "maxUnavailable" pods selected by "selector" are unavailable after the eviction, i.e. even in absence of the evicted pod.' },
      { json: 'unhealthyPodEvictionPolicy', proto: 4, type: 'string', keepZero: true, enum: ['AlwaysAllow', 'IfHealthyBudget'], description: 'UnhealthyPodEvictionPolicy defines the criteria for when unhealthy pods should be considered for eviction.' },
    ],
  },
  {
    name: policy('PodDisruptionBudgetStatus'),
    description: 'PodDisruptionBudgetStatus represents information about the status of a PodDisruptionBudget.',
    fields: [
      { json: 'observedGeneration', proto: 1, type: 'int64', description: 'Most recent generation observed when updating this PDB status.' },
      { json: 'disruptedPods', proto: 2, type: 'Time', map: true, description: 'DisruptedPods contains information about pods whose eviction was processed by the API server eviction subresource handler but has not yet been observed by the PodDisruptionBudget controller.' },
      { json: 'disruptionsAllowed', proto: 3, type: 'int32', keepZero: true, required: true, description: 'Number of pod disruptions that are currently allowed.' },
      { json: 'currentHealthy', proto: 4, type: 'int32', keepZero: true, required: true, description: 'current number of healthy pods' },
      { json: 'desiredHealthy', proto: 5, type: 'int32', keepZero: true, required: true, description: 'minimum desired number of healthy pods' },
      { json: 'expectedPods', proto: 6, type: 'int32', keepZero: true, required: true, description: 'total number of pods counted by this disruption budget' },
      {
        json: 'conditions', proto: 7, type: meta('Condition'), list: true,
        mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'],
        description: 'Conditions contain conditions for PDB.',
      },
    ],
  },
  {
    name: policy('PodDisruptionBudgetList'),
    description: 'PodDisruptionBudgetList is a collection of PodDisruptionBudgets.',
    gvk: gvk('PodDisruptionBudgetList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: policy('PodDisruptionBudget'), list: true, required: true, description: 'Items is a list of PodDisruptionBudgets' },
    ],
  },
];
