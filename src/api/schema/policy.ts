// policy/v1 Eviction: the body POSTed to a pod's eviction subresource (kubectl drain).
// Field numbers from k8s.io/api policy/v1 generated.proto (v1.32).

import type { TypeDef } from './types.js';

const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;

export const POLICY_V1_TYPES: TypeDef[] = [
  {
    name: 'io.k8s.api.policy.v1.Eviction',
    description: 'Eviction evicts a pod from its node subject to certain policies and safety constraints.',
    gvk: [{ group: 'policy', version: 'v1', kind: 'Eviction' }],
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: 'ObjectMeta describes the pod that is being evicted.' },
      { json: 'deleteOptions', proto: 2, type: meta('DeleteOptions'), keepZero: true, description: 'DeleteOptions may be provided' },
    ],
  },
];
