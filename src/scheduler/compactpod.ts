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
// - spec whole but its containers and volumes: nodeName, nodeSelector, affinity, tolerations,
//   topologySpreadConstraints, priority, preemptionPolicy, schedulerName, schedulingGates,
//   overhead and pod-level resources (NodeResourcesFit).
// - of its volumes, those of a claim (persistentVolumeClaim, ephemeral: VolumeBinding); the
//   others (the service account's projected token, configMaps, emptyDirs) bind nothing.
// - of each container (containers, initContainers): name, resources (requests: NodeResourcesFit,
//   BalancedAllocation), ports (NodePorts' hostPort), restartPolicy (an init container that is a
//   sidecar counts as running beside the others).
// - of its status: phase (terminal pods leave), the conditions the scheduler writes and reads
//   back (PodScheduled, DisruptionTarget), nominatedNodeName (the nominator), startTime
//   (preemption's order of victims); not the kubelet's report (containerStatuses, IPs, Ready).

import type { Container, Pod } from '../api/types.js';

/** The container fields a scheduling decision reads; every other one is dropped. */
const CONTAINER_FIELDS = ['name', 'resources', 'ports', 'restartPolicy'] as const;

/** The pod status fields a scheduling decision reads. */
const STATUS_FIELDS = ['phase', 'conditions', 'nominatedNodeName', 'startTime'] as const;
/** The pod conditions the scheduler writes (and compares with before it writes). */
const CONDITIONS = new Set(['PodScheduled', 'DisruptionTarget']);

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
  if (pod.spec.volumes) spec.volumes = pod.spec.volumes.filter((v) => v.persistentVolumeClaim || v.ephemeral);
  if (!pod.status) return { ...pod, spec } as T;
  const status: Record<string, unknown> = {};
  for (const f of STATUS_FIELDS) if (pod.status[f] !== undefined) status[f] = pod.status[f];
  if (pod.status.conditions) status.conditions = pod.status.conditions.filter((c) => CONDITIONS.has(c.type));
  return { ...pod, spec, status } as T;
}
