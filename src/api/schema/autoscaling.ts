// autoscaling/v1 Scale: the body of the scale subresource of deployments and replica sets, and the
// v1 HorizontalPodAutoscaler (CPU only; served by converting to and from autoscaling/v2).
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
  {
    name: autoscaling('HorizontalPodAutoscaler'),
    description: 'configuration of a horizontal pod autoscaler.',
    gvk: [{ group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: 'Standard object metadata.' },
      { json: 'spec', proto: 2, type: autoscaling('HorizontalPodAutoscalerSpec'), description: 'spec defines the behaviour of autoscaler.' },
      { json: 'status', proto: 3, type: autoscaling('HorizontalPodAutoscalerStatus'), description: 'status is the current information about the autoscaler.' },
    ],
  },
  {
    name: autoscaling('HorizontalPodAutoscalerList'),
    description: 'list of horizontal pod autoscaler objects.',
    gvk: [{ group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscalerList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: autoscaling('HorizontalPodAutoscaler'), list: true, required: true, description: 'items is the list of horizontal pod autoscaler objects.' },
    ],
  },
  {
    name: autoscaling('HorizontalPodAutoscalerSpec'),
    description: 'specification of a horizontal pod autoscaler.',
    fields: [
      { json: 'scaleTargetRef', proto: 1, type: autoscaling('CrossVersionObjectReference'), required: true, description: 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.' },
      { json: 'minReplicas', proto: 2, type: 'int32', keepZero: true, description: 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.' },
      { json: 'maxReplicas', proto: 3, type: 'int32', keepZero: true, required: true, description: 'maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.' },
      { json: 'targetCPUUtilizationPercentage', proto: 4, type: 'int32', keepZero: true, description: 'targetCPUUtilizationPercentage is the target average CPU utilization (represented as a percentage of requested CPU) over all the pods; if not specified the default autoscaling policy will be used.' },
    ],
  },
  {
    name: autoscaling('HorizontalPodAutoscalerStatus'),
    description: 'current status of a horizontal pod autoscaler',
    fields: [
      { json: 'observedGeneration', proto: 1, type: 'int64', keepZero: true, description: 'observedGeneration is the most recent generation observed by this autoscaler.' },
      { json: 'lastScaleTime', proto: 2, type: 'Time', description: 'lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods; used by the autoscaler to control how often the number of pods is changed.' },
      { json: 'currentReplicas', proto: 3, type: 'int32', keepZero: true, required: true, description: 'currentReplicas is the current number of replicas of pods managed by this autoscaler.' },
      { json: 'desiredReplicas', proto: 4, type: 'int32', keepZero: true, required: true, description: 'desiredReplicas is the  desired number of replicas of pods managed by this autoscaler.' },
      { json: 'currentCPUUtilizationPercentage', proto: 5, type: 'int32', keepZero: true, description: 'currentCPUUtilizationPercentage is the current average CPU utilization over all pods, represented as a percentage of requested CPU, e.g. 70 means that an average pod is using now 70% of its requested CPU.' },
    ],
  },
  {
    name: autoscaling('CrossVersionObjectReference'),
    description: 'CrossVersionObjectReference contains enough information to let you identify the referred resource.',
    fields: [
      { json: 'kind', proto: 1, type: 'string', keepZero: true, required: true, description: 'kind is the kind of the referent; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
      { json: 'name', proto: 2, type: 'string', keepZero: true, required: true, description: 'name is the name of the referent; More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names' },
      { json: 'apiVersion', proto: 3, type: 'string', description: 'apiVersion is the API version of the referent' },
    ],
  },
];
