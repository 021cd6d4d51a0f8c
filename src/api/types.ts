// The API types k8ts code reads and writes, taken once from kubernetes-types (k8s.io/api as
// TypeScript declarations; types only), each top-level kind joined with KObject: objects come
// as plain JSON and always carry metadata. Beside them, what every component names the same
// way: the group/version/resource of the served kinds and the well-known labels and taints.

import type * as apps from 'kubernetes-types/apps/v1.js';
import type * as batch from 'kubernetes-types/batch/v1.js';
import type * as coordination from 'kubernetes-types/coordination/v1.js';
import type * as core from 'kubernetes-types/core/v1.js';
import type * as discovery from 'kubernetes-types/discovery/v1.js';
import type { KObject } from './object.js';

/** A kind as stored and served: kubernetes-types' declaration with the metadata every object has. */
type Stored<T> = T & KObject;

export type Pod = Stored<core.Pod>;
export type Node = Stored<core.Node>;
export type Namespace = Stored<core.Namespace>;
export type Service = Stored<core.Service>;
export type Endpoints = Stored<core.Endpoints>;
export type ConfigMap = Stored<core.ConfigMap>;
export type Secret = Stored<core.Secret>;
export type ServiceAccount = Stored<core.ServiceAccount>;
export type Event = Stored<core.Event>;
/** Stored workloads always have a spec: validation requires its selector and template. */
export type Deployment = Stored<apps.Deployment> & { spec: apps.DeploymentSpec };
export type ReplicaSet = Stored<apps.ReplicaSet> & { spec: apps.ReplicaSetSpec };
export type DaemonSet = Stored<apps.DaemonSet> & { spec: apps.DaemonSetSpec };
export type StatefulSet = Stored<apps.StatefulSet> & { spec: apps.StatefulSetSpec };
export type ControllerRevision = Stored<apps.ControllerRevision>;
export type ReplicationController = Stored<core.ReplicationController> & { spec: core.ReplicationControllerSpec };
export type PersistentVolumeClaim = Stored<core.PersistentVolumeClaim>;
export type Lease = Stored<coordination.Lease>;
export type EndpointSlice = Stored<discovery.EndpointSlice>;
export type Job = Stored<batch.Job> & { spec: batch.JobSpec };
export type CronJob = Stored<batch.CronJob> & { spec: batch.CronJobSpec };
export type {
  DaemonSetCondition,
  DaemonSetSpec,
  DaemonSetStatus,
  DeploymentCondition,
  DeploymentSpec,
  DeploymentStatus,
  ReplicaSetCondition,
  ReplicaSetSpec,
  ReplicaSetStatus,
  StatefulSetCondition,
  StatefulSetSpec,
  StatefulSetStatus,
} from 'kubernetes-types/apps/v1.js';
export type {
  CronJobSpec,
  CronJobStatus,
  JobCondition,
  JobSpec,
  JobStatus,
  JobTemplateSpec,
  PodFailurePolicy,
  SuccessPolicy,
} from 'kubernetes-types/batch/v1.js';
export type {
  Affinity,
  Container,
  ContainerPort,
  ContainerState,
  ContainerStatus,
  DownwardAPIVolumeFile,
  EnvVar,
  HTTPGetAction,
  KeyToPath,
  LifecycleHandler,
  NodeCondition,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  NodeStatus,
  ObjectFieldSelector,
  ObjectReference,
  PodCondition,
  PodSecurityContext,
  PodSpec,
  PodStatus,
  PodTemplateSpec,
  PreferredSchedulingTerm,
  Probe,
  ResourceFieldSelector,
  SecurityContext,
  ServicePort,
  ServiceSpec,
  Taint,
  TCPSocketAction,
  Toleration,
  TopologySpreadConstraint,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
export type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
export type { LabelSelector, LabelSelectorRequirement, OwnerReference } from 'kubernetes-types/meta/v1.js';

/** A resource list (requests, limits, capacity): quantities by resource name. */
export type ResourceList = Record<string, string>;

/** Where a kind is served: its group, version and plural resource. */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

const gvr = (group: string, version: string, resource: string): GroupVersionResource => ({ group, version, resource });
export const [NAMESPACES, PODS, NODES, SERVICES, ENDPOINTS, EVENTS, CONFIGMAPS, SECRETS, SERVICEACCOUNTS] = [
  'namespaces',
  'pods',
  'nodes',
  'services',
  'endpoints',
  'events',
  'configmaps',
  'secrets',
  'serviceaccounts',
].map((r) => gvr('', 'v1', r));
export const [DEPLOYMENTS, REPLICASETS, DAEMONSETS, STATEFULSETS, CONTROLLERREVISIONS] = [
  'deployments',
  'replicasets',
  'daemonsets',
  'statefulsets',
  'controllerrevisions',
].map((r) => gvr('apps', 'v1', r));
export const REPLICATIONCONTROLLERS = gvr('', 'v1', 'replicationcontrollers');
export const [PERSISTENTVOLUMES, PERSISTENTVOLUMECLAIMS] = ['persistentvolumes', 'persistentvolumeclaims'].map((r) => gvr('', 'v1', r));
export const LEASES = gvr('coordination.k8s.io', 'v1', 'leases');
export const STORAGECLASSES = gvr('storage.k8s.io', 'v1', 'storageclasses');
export const CERTIFICATESIGNINGREQUESTS = gvr('certificates.k8s.io', 'v1', 'certificatesigningrequests');
export const ENDPOINTSLICES = gvr('discovery.k8s.io', 'v1', 'endpointslices');
export const [JOBS, CRONJOBS] = ['jobs', 'cronjobs'].map((r) => gvr('batch', 'v1', r));

// Well-known labels, taints and names (k8s.io/api/core/v1 well_known_labels.go, well_known_taints.go).
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** appsv1.DeprecatedTemplateGeneration: how apps/v1 carries a DaemonSet's internal spec.templateGeneration. */
export const DAEMONSET_TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const taint = (name: string): string => `node.kubernetes.io/${name}`;
export const [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE, TAINT_NODE_OUT_OF_SERVICE] = [
  'not-ready',
  'unreachable',
  'unschedulable',
  'out-of-service',
].map(taint);
/** The taints TaintNodesByCondition keeps in step with node conditions. */
export const [TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_PID_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE] = [
  'memory-pressure',
  'disk-pressure',
  'pid-pressure',
  'network-unavailable',
].map(taint);
