// What kube-scheduler's pod informer keeps of each pod (its informers.WithTransform, which in
// Kubernetes drops managedFields only). A scheduler that decodes its own copy of every pod (in
// its thread, or as a process of its own) keeps one for each of up to 150,000 pods, and most of a
// running pod is what the kubelet reports (containerStatuses) and what runs the containers
// (image, command, env, probes, mounts), none of which a scheduling decision reads. #13: the
// thread's informers cost +0.75 GiB at 5,000 nodes / 150,000 pods.
//
// Kept, by what reads it (the plugin table, plugins/index.ts, and the scheduler's own loop):
// - metadata whole (labels: affinity and spread selectors; ownerReferences: the spread's default
//   constraints; uid, resourceVersion, deletionTimestamp, annotations; kind/apiVersion for events).
// - spec whole but its containers: nodeName, nodeSelector, affinity, tolerations,
//   topologySpreadConstraints, priority, preemptionPolicy, schedulerName, schedulingGates,
//   volumes (VolumeBinding), overhead and pod-level resources (NodeResourcesFit).
// - of each container (containers, initContainers): name, resources (requests: NodeResourcesFit,
//   BalancedAllocation), ports (NodePorts' hostPort), restartPolicy (an init container that is a
//   sidecar counts as running beside the others).
// - status whole but the containers' statuses: phase (terminal pods leave), conditions
//   (PodScheduled, DisruptionTarget), nominatedNodeName (the nominator), startTime (preemption's
//   order of victims).

import type { Container, Pod } from '../api/types.js';

/** The container fields a scheduling decision reads; every other one is dropped. */
const CONTAINER_FIELDS = ['name', 'resources', 'ports', 'restartPolicy'] as const;

/** The pod status fields dropped: the kubelet's report on each container. */
const DROPPED_STATUS_FIELDS = new Set(['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']);

function compactContainer(c: Container): Container {
  const out: Partial<Container> = {};
  for (const f of CONTAINER_FIELDS) if (c[f] !== undefined) (out as Record<string, unknown>)[f] = c[f];
  return out as Container;
}

/**
 * The scheduler's pod informer's transform: a pod decoded for this informer, with only what the
 * scheduler reads. A frozen pod (the API server's own, shared in-process) is kept as it is: a
 * compact copy would be a second object where there is one now.
 */
export function compactPod<T>(obj: T): T {
  const pod = obj as Pod;
  if (Object.isFrozen(pod) || !pod.spec) return obj;
  const spec = { ...pod.spec, containers: pod.spec.containers?.map(compactContainer) };
  if (pod.spec.initContainers) spec.initContainers = pod.spec.initContainers.map(compactContainer);
  let status: Pod['status'];
  if (pod.status) {
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(pod.status)) if (!DROPPED_STATUS_FIELDS.has(k)) kept[k] = v;
    status = kept;
  }
  return { ...pod, spec, ...(pod.status ? { status } : {}) } as T;
}
