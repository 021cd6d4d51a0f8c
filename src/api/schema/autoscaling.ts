// autoscaling/v1 Scale: the body of the scale subresource of deployments and replica sets.
// Field numbers from k8s.io/api autoscaling/v1 generated.proto (v1.32).

import type { TypeDef } from './types.js';

const AUTOSCALING = 'io.k8s.api.autoscaling.v1';
const autoscaling = (name: string): string => `${AUTOSCALING}.${name}`;

export const AUTOSCALING_V1_TYPES: TypeDef[] = [
  {
    name: autoscaling('Scale'),
    description: 'Scale represents a scaling request for a resource.',
    gvk: [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', keepZero: true, description: 'Standard object metadata; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata.' },
      { json: 'spec', proto: 2, type: autoscaling('ScaleSpec'), keepZero: true, description: 'spec defines the behavior of the scale.' },
      { json: 'status', proto: 3, type: autoscaling('ScaleStatus'), keepZero: true, description: 'status is the current status of the scale.' },
    ],
  },
  {
    name: autoscaling('ScaleSpec'),
    description: 'ScaleSpec describes the attributes of a scale subresource.',
    fields: [
      // Not a pointer in Go: replicas 0 is written as an absent field, which means 0.
      { json: 'replicas', proto: 1, type: 'int32', description: 'replicas is the desired number of instances for the scaled object.' },
    ],
  },
  {
    name: autoscaling('ScaleStatus'),
    description: 'ScaleStatus represents the current status of a scale subresource.',
    fields: [
      { json: 'replicas', proto: 1, type: 'int32', keepZero: true, required: true, description: 'replicas is the actual number of observed instances of the scaled object.' },
      { json: 'selector', proto: 2, type: 'string', description: 'selector is the label query over pods that should match the replicas count.' },
    ],
  },
];
