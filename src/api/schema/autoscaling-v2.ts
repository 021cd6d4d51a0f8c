// autoscaling/v2 HorizontalPodAutoscaler and the types it is made of. Field numbers from
// k8s.io/api autoscaling/v2 generated.proto (as of v1.32: without HPAScalingRules.tolerance and
// the conditions' observedGeneration, which came later); pointers (keepZero) from the Go types.

import type { FieldDef, GroupVersionKind, TypeDef } from './types.js';

const v2 = (name: string): string => `io.k8s.api.autoscaling.v2.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string): GroupVersionKind[] => [{ group: 'autoscaling', version: 'v2', kind }];
const f = (json: string, proto: number, type: string, description: string, more: Partial<FieldDef> = {}): FieldDef => ({ json, proto, type, description, ...more });

export const AUTOSCALING_V2_TYPES: TypeDef[] = [
  {
    name: v2('HorizontalPodAutoscaler'),
    description: 'HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.',
    gvk: gvk('HorizontalPodAutoscaler'),
    fields: [
      f('metadata', 1, meta('ObjectMeta'), 'metadata is the standard object metadata.'),
      f('spec', 2, v2('HorizontalPodAutoscalerSpec'), 'spec is the specification for the behaviour of the autoscaler.'),
      f('status', 3, v2('HorizontalPodAutoscalerStatus'), 'status is the current information about the autoscaler.'),
    ],
  },
  {
    name: v2('HorizontalPodAutoscalerList'),
    description: 'HorizontalPodAutoscalerList is a list of horizontal pod autoscaler objects.',
    gvk: gvk('HorizontalPodAutoscalerList'),
    fields: [
      f('metadata', 1, meta('ListMeta'), 'metadata is the standard list metadata.'),
      f('items', 2, v2('HorizontalPodAutoscaler'), 'items is the list of horizontal pod autoscaler objects.', { list: true, required: true }),
    ],
  },
  {
    name: v2('HorizontalPodAutoscalerSpec'),
    description: 'HorizontalPodAutoscalerSpec describes the desired functionality of the HorizontalPodAutoscaler.',
    fields: [
      f('scaleTargetRef', 1, v2('CrossVersionObjectReference'), 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.', { required: true }),
      f('minReplicas', 2, 'int32', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.', { keepZero: true }),
      f('maxReplicas', 3, 'int32', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.', { keepZero: true, required: true }),
      f('metrics', 4, v2('MetricSpec'), 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).', { list: true, listType: 'atomic' }),
      f('behavior', 5, v2('HorizontalPodAutoscalerBehavior'), 'behavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively).'),
    ],
  },
  {
    name: v2('CrossVersionObjectReference'),
    description: 'CrossVersionObjectReference contains enough information to let you identify the referred resource.',
    fields: [
      f('kind', 1, 'string', 'kind is the kind of the referent; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds', { keepZero: true, required: true }),
      f('name', 2, 'string', 'name is the name of the referent; More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names', { keepZero: true, required: true }),
      f('apiVersion', 3, 'string', 'apiVersion is the API version of the referent'),
    ],
  },
  {
    name: v2('MetricSpec'),
    description: 'MetricSpec specifies how to scale based on a single metric (only `type` and one other matching field should be set at once).',
    fields: [
      f('type', 1, 'string', 'type is the type of metric source.  It should be one of "ContainerResource", "External", "Object", "Pods" or "Resource", each mapping to a matching field in the object.', { keepZero: true, required: true }),
      f('object', 2, v2('ObjectMetricSource'), 'object refers to a metric describing a single kubernetes object (for example, hits-per-second on an Ingress object).'),
      f('pods', 3, v2('PodsMetricSource'), 'pods refers to a metric describing each pod in the current scale target (for example, transactions-processed-per-second).'),
      f('resource', 4, v2('ResourceMetricSource'), 'resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory).'),
      f('containerResource', 7, v2('ContainerResourceMetricSource'), 'containerResource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod of the current scale target (e.g. CPU or memory).'),
      f('external', 5, v2('ExternalMetricSource'), 'external refers to a global metric that is not associated with any Kubernetes object.'),
    ],
  },
  {
    name: v2('MetricStatus'),
    description: 'MetricStatus describes the last-read state of a single metric.',
    fields: [
      f('type', 1, 'string', 'type is the type of metric source.', { keepZero: true, required: true }),
      f('object', 2, v2('ObjectMetricStatus'), 'object refers to a metric describing a single kubernetes object (for example, hits-per-second on an Ingress object).'),
      f('pods', 3, v2('PodsMetricStatus'), 'pods refers to a metric describing each pod in the current scale target (for example, transactions-processed-per-second).'),
      f('resource', 4, v2('ResourceMetricStatus'), 'resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory).'),
      f('containerResource', 7, v2('ContainerResourceMetricStatus'), 'container resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod in the current scale target (e.g. CPU or memory).'),
      f('external', 5, v2('ExternalMetricStatus'), 'external refers to a global metric that is not associated with any Kubernetes object.'),
    ],
  },
  {
    name: v2('MetricTarget'),
    description: 'MetricTarget defines the target value, average value, or average utilization of a specific metric',
    fields: [
      f('type', 1, 'string', 'type represents whether the metric type is Utilization, Value, or AverageValue', { keepZero: true, required: true }),
      f('value', 2, 'Quantity', 'value is the target value of the metric (as a quantity).'),
      f('averageValue', 3, 'Quantity', 'averageValue is the target value of the average of the metric across all relevant pods (as a quantity)'),
      f('averageUtilization', 4, 'int32', 'averageUtilization is the target value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.', { keepZero: true }),
    ],
  },
  {
    name: v2('MetricValueStatus'),
    description: 'MetricValueStatus holds the current value for a metric',
    fields: [
      f('value', 1, 'Quantity', 'value is the current value of the metric (as a quantity).'),
      f('averageValue', 2, 'Quantity', 'averageValue is the current value of the average of the metric across all relevant pods (as a quantity)'),
      f('averageUtilization', 3, 'int32', 'currentAverageUtilization is the current value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.', { keepZero: true }),
    ],
  },
  {
    name: v2('MetricIdentifier'),
    description: 'MetricIdentifier defines the name and optionally selector for a metric',
    fields: [
      f('name', 1, 'string', 'name is the name of the given metric', { keepZero: true, required: true }),
      f('selector', 2, meta('LabelSelector'), 'selector is the string-encoded form of a standard kubernetes label selector for the given metric.'),
    ],
  },
  {
    name: v2('ResourceMetricSource'),
    description: 'ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).',
    fields: [
      f('name', 1, 'string', 'name is the name of the resource in question.', { keepZero: true, required: true }),
      f('target', 2, v2('MetricTarget'), 'target specifies the target value for the given metric', { required: true }),
    ],
  },
  {
    name: v2('ResourceMetricStatus'),
    description: 'ResourceMetricStatus indicates the current value of a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).',
    fields: [
      f('name', 1, 'string', 'name is the name of the resource in question.', { keepZero: true, required: true }),
      f('current', 2, v2('MetricValueStatus'), 'current contains the current value for the given metric', { required: true }),
    ],
  },
  {
    name: v2('ContainerResourceMetricSource'),
    description: 'ContainerResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).',
    fields: [
      f('name', 1, 'string', 'name is the name of the resource in question.', { keepZero: true, required: true }),
      f('target', 2, v2('MetricTarget'), 'target specifies the target value for the given metric', { required: true }),
      f('container', 3, 'string', 'container is the name of the container in the pods of the scaling target', { keepZero: true, required: true }),
    ],
  },
  {
    name: v2('ContainerResourceMetricStatus'),
    description: 'ContainerResourceMetricStatus indicates the current value of a resource metric known to Kubernetes, as specified in requests and limits, describing a single container in each pod in the current scale target (e.g. CPU or memory).',
    fields: [
      f('name', 1, 'string', 'name is the name of the resource in question.', { keepZero: true, required: true }),
      f('current', 2, v2('MetricValueStatus'), 'current contains the current value for the given metric', { required: true }),
      f('container', 3, 'string', 'container is the name of the container in the pods of the scaling target', { keepZero: true, required: true }),
    ],
  },
  {
    name: v2('PodsMetricSource'),
    description: 'PodsMetricSource indicates how to scale on a metric describing each pod in the current scale target (for example, transactions-processed-per-second).',
    fields: [
      f('metric', 1, v2('MetricIdentifier'), 'metric identifies the target metric by name and selector', { required: true }),
      f('target', 2, v2('MetricTarget'), 'target specifies the target value for the given metric', { required: true }),
    ],
  },
  {
    name: v2('PodsMetricStatus'),
    description: 'PodsMetricStatus indicates the current value of a metric describing each pod in the current scale target (for example, transactions-processed-per-second).',
    fields: [
      f('metric', 1, v2('MetricIdentifier'), 'metric identifies the target metric by name and selector', { required: true }),
      f('current', 2, v2('MetricValueStatus'), 'current contains the current value for the given metric', { required: true }),
    ],
  },
  {
    name: v2('ObjectMetricSource'),
    description: 'ObjectMetricSource indicates how to scale on a metric describing a kubernetes object (for example, hits-per-second on an Ingress object).',
    fields: [
      f('describedObject', 1, v2('CrossVersionObjectReference'), 'describedObject specifies the descriptions of a object,such as kind,name apiVersion', { required: true }),
      f('target', 2, v2('MetricTarget'), 'target specifies the target value for the given metric', { required: true }),
      f('metric', 3, v2('MetricIdentifier'), 'metric identifies the target metric by name and selector', { required: true }),
    ],
  },
  {
    name: v2('ObjectMetricStatus'),
    description: 'ObjectMetricStatus indicates the current value of a metric describing a kubernetes object (for example, hits-per-second on an Ingress object).',
    fields: [
      f('metric', 1, v2('MetricIdentifier'), 'metric identifies the target metric by name and selector', { required: true }),
      f('current', 2, v2('MetricValueStatus'), 'current contains the current value for the given metric', { required: true }),
      f('describedObject', 3, v2('CrossVersionObjectReference'), 'DescribedObject specifies the descriptions of a object,such as kind,name apiVersion', { required: true }),
    ],
  },
  {
    name: v2('ExternalMetricSource'),
    description: 'ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes object (for example length of queue in cloud messaging service, or QPS from loadbalancer running outside of cluster).',
    fields: [
      f('metric', 1, v2('MetricIdentifier'), 'metric identifies the target metric by name and selector', { required: true }),
      f('target', 2, v2('MetricTarget'), 'target specifies the target value for the given metric', { required: true }),
    ],
  },
  {
    name: v2('ExternalMetricStatus'),
    description: 'ExternalMetricStatus indicates the current value of a global metric not associated with any Kubernetes object.',
    fields: [
      f('metric', 1, v2('MetricIdentifier'), 'metric identifies the target metric by name and selector', { required: true }),
      f('current', 2, v2('MetricValueStatus'), 'current contains the current value for the given metric', { required: true }),
    ],
  },
  {
    name: v2('HorizontalPodAutoscalerBehavior'),
    description: 'HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively).',
    fields: [
      f('scaleUp', 1, v2('HPAScalingRules'), 'scaleUp is scaling policy for scaling Up.'),
      f('scaleDown', 2, v2('HPAScalingRules'), 'scaleDown is scaling policy for scaling Down.'),
    ],
  },
  {
    name: v2('HPAScalingRules'),
    description: 'HPAScalingRules configures the scaling behavior for one direction.',
    fields: [
      f('stabilizationWindowSeconds', 3, 'int32', 'stabilizationWindowSeconds is the number of seconds for which past recommendations should be considered while scaling up or scaling down.', { keepZero: true }),
      f('selectPolicy', 1, 'string', 'selectPolicy is used to specify which policy should be used. If not set, the default value Max is used.', { keepZero: true }),
      f('policies', 2, v2('HPAScalingPolicy'), 'policies is a list of potential scaling polices which can be used during scaling.', { list: true, listType: 'atomic' }),
    ],
  },
  {
    name: v2('HPAScalingPolicy'),
    description: 'HPAScalingPolicy is a single policy which must hold true for a specified past interval.',
    fields: [
      f('type', 1, 'string', 'type is used to specify the scaling policy.', { keepZero: true, required: true }),
      f('value', 2, 'int32', 'value contains the amount of change which is permitted by the policy. It must be greater than zero', { keepZero: true, required: true }),
      f('periodSeconds', 3, 'int32', 'periodSeconds specifies the window of time for which the policy should hold true. PeriodSeconds must be greater than zero and less than or equal to 1800 (30 min).', { keepZero: true, required: true }),
    ],
  },
  {
    name: v2('HorizontalPodAutoscalerStatus'),
    description: 'HorizontalPodAutoscalerStatus describes the current status of a horizontal pod autoscaler.',
    fields: [
      f('observedGeneration', 1, 'int64', 'observedGeneration is the most recent generation observed by this autoscaler.'),
      f('lastScaleTime', 2, 'Time', 'lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods, used by the autoscaler to control how often the number of pods is changed.'),
      f('currentReplicas', 3, 'int32', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.', { keepZero: true }),
      f('desiredReplicas', 4, 'int32', 'desiredReplicas is the desired number of replicas of pods managed by this autoscaler, as last calculated by the autoscaler.', { keepZero: true, required: true }),
      f('currentMetrics', 5, v2('MetricStatus'), 'currentMetrics is the last read state of the metrics used by this autoscaler.', { list: true, listType: 'atomic' }),
      f('conditions', 6, v2('HorizontalPodAutoscalerCondition'), 'conditions is the set of conditions required for this autoscaler to scale its target, and indicates whether or not those conditions are met.', { list: true, listType: 'map', listMapKeys: ['type'], mergeKey: 'type', patchStrategy: 'merge' }),
    ],
  },
  {
    name: v2('HorizontalPodAutoscalerCondition'),
    description: 'HorizontalPodAutoscalerCondition describes the state of a HorizontalPodAutoscaler at a certain point.',
    fields: [
      f('type', 1, 'string', 'type describes the current condition', { keepZero: true, required: true }),
      f('status', 2, 'string', 'status is the status of the condition (True, False, Unknown)', { keepZero: true, required: true }),
      f('lastTransitionTime', 3, 'Time', 'lastTransitionTime is the last time the condition transitioned from one status to another'),
      f('reason', 4, 'string', 'reason is the reason for the condition\'s last transition.'),
      f('message', 5, 'string', 'message is a human-readable explanation containing details about the transition'),
    ],
  },
];
