// The columns `kubectl get` shows for ResourceQuotas, LimitRanges, PriorityClasses and
// HorizontalPodAutoscalers, as kube-apiserver v1.32's printers declare them
// (pkg/printers/internalversion); columns.ts looks here for them.

import { ageCol, col, D, nameCol, type PrinterColumn } from './columns.js';

let built: Record<string, PrinterColumn[]> | undefined;

const HPA_COLUMNS = (): PrinterColumn[] => [
  nameCol,
  col('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
  col('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.'),
  col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.'),
  col('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
  col('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
  ageCol,
];

export const policyColumns = (): Record<string, PrinterColumn[]> => (built ??= {
  'io.k8s.api.core.v1.ResourceQuota': [
    nameCol,
    ageCol,
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  'io.k8s.api.core.v1.LimitRange': [
    nameCol,
    col('Created At', 'date', D.creationTimestamp),
  ],
  'io.k8s.api.scheduling.v1.PriorityClass': [
    nameCol,
    col('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
    ageCol,
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
  ],
  'io.k8s.api.networking.v1.Ingress': [
    nameCol,
    col('Class', 'string', 'The name of the IngressClass cluster resource.'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    ageCol,
  ],
  'io.k8s.api.networking.v1.NetworkPolicy': [
    nameCol,
    col('Pod-Selector', 'string', 'Displays the selector of pods this policy applies to'),
    ageCol,
  ],
  'io.k8s.api.networking.v1.IngressClass': [
    nameCol,
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageCol,
  ],
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler': HPA_COLUMNS(),
  'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler': HPA_COLUMNS(),
});
