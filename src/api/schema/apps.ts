// apps/v1: Deployment, ReplicaSet, DaemonSet, StatefulSet and ControllerRevision with their
// specs, statuses and lists.
// Field numbers from k8s.io/api apps/v1 generated.proto (v1.32); keepZero from the Go types:
// pointers (replicas, revisionHistoryLimit, ...), json tags without omitempty, and non-pointer
// structs, which Go's encoding/json always writes (so `status: {}` appears on a new object).

import type { TypeDef } from './types.js';

const APPS = 'io.k8s.api.apps.v1';
const apps = (name: string): string => `${APPS}.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const POD_TEMPLATE_SPEC = 'io.k8s.api.core.v1.PodTemplateSpec';
const gvk = (kind: string) => [{ group: 'apps', version: 'v1', kind }];

export const APPS_V1_TYPES: TypeDef[] = [
  {
    name: apps('Deployment'),
    description: 'Deployment enables declarative updates for Pods and ReplicaSets.',
    gvk: gvk('Deployment'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: apps('DeploymentSpec'), keepZero: true, description: 'Specification of the desired behavior of the Deployment.' },
      { json: 'status', proto: 3, type: apps('DeploymentStatus'), keepZero: true, description: 'Most recently observed status of the Deployment.' },
    ],
  },
  {
    name: apps('DeploymentSpec'),
    description: 'DeploymentSpec is the specification of the desired behavior of the Deployment.',
    fields: [
      { json: 'replicas', proto: 1, type: 'int32', keepZero: true, description: 'Number of desired pods.' },
      { json: 'selector', proto: 2, type: meta('LabelSelector'), keepZero: true, required: true, description: 'Label selector for pods.' },
      { json: 'template', proto: 3, type: POD_TEMPLATE_SPEC, keepZero: true, required: true, description: 'Template describes the pods that will be created.' },
      { json: 'strategy', proto: 4, type: apps('DeploymentStrategy'), keepZero: true, patchStrategy: 'retainKeys', description: 'The deployment strategy to use to replace existing pods with new ones.' },
      { json: 'minReadySeconds', proto: 5, type: 'int32', description: 'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available.' },
      { json: 'revisionHistoryLimit', proto: 6, type: 'int32', keepZero: true, description: 'The number of old ReplicaSets to retain to allow rollback.' },
      { json: 'paused', proto: 7, type: 'bool', description: 'Indicates that the deployment is paused.' },
      { json: 'progressDeadlineSeconds', proto: 9, type: 'int32', keepZero: true, description: 'The maximum time in seconds for a deployment to make progress before it is considered to be failed.' },
    ],
  },
  {
    name: apps('DeploymentStrategy'),
    description: 'DeploymentStrategy describes how to replace existing pods with new ones.',
    fields: [
      { json: 'type', proto: 1, type: 'string', enum: ['Recreate', 'RollingUpdate'], description: 'Type of deployment.' },
      { json: 'rollingUpdate', proto: 2, type: apps('RollingUpdateDeployment'), keepZero: true, description: 'Rolling update config params.' },
    ],
  },
  {
    name: apps('RollingUpdateDeployment'),
    description: 'Spec to control the desired behavior of rolling update.',
    fields: [
      { json: 'maxUnavailable', proto: 1, type: 'IntOrString', keepZero: true, description: 'The maximum number of pods that can be unavailable during the update.' },
      { json: 'maxSurge', proto: 2, type: 'IntOrString', keepZero: true, description: 'The maximum number of pods that can be scheduled above the desired number of pods.' },
    ],
  },
  {
    name: apps('DeploymentStatus'),
    description: 'DeploymentStatus is the most recently observed status of the Deployment.',
    fields: [
      { json: 'observedGeneration', proto: 1, type: 'int64', description: 'The generation observed by the deployment controller.' },
      { json: 'replicas', proto: 2, type: 'int32', description: 'Total number of non-terminated pods targeted by this deployment (their labels match the selector).' },
      { json: 'updatedReplicas', proto: 3, type: 'int32', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' },
      { json: 'readyReplicas', proto: 7, type: 'int32', description: 'readyReplicas is the number of pods targeted by this Deployment with a Ready Condition.' },
      { json: 'availableReplicas', proto: 4, type: 'int32', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' },
      { json: 'unavailableReplicas', proto: 5, type: 'int32', description: 'Total number of unavailable pods targeted by this deployment.' },
      {
        json: 'conditions', proto: 6, type: apps('DeploymentCondition'), list: true,
        mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'],
        description: "Represents the latest available observations of a deployment's current state.",
      },
      { json: 'collisionCount', proto: 8, type: 'int32', keepZero: true, description: 'Count of hash collisions for the Deployment.' },
    ],
  },
  {
    name: apps('DeploymentCondition'),
    description: 'DeploymentCondition describes the state of a deployment at a certain point.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of deployment condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status of the condition, one of True, False, Unknown.' },
      { json: 'lastUpdateTime', proto: 6, type: 'Time', description: 'The last time this condition was updated.' },
      { json: 'lastTransitionTime', proto: 7, type: 'Time', description: 'Last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 4, type: 'string', description: "The reason for the condition's last transition." },
      { json: 'message', proto: 5, type: 'string', description: 'A human readable message indicating details about the transition.' },
    ],
  },
  {
    name: apps('DeploymentList'),
    description: 'DeploymentList is a list of Deployments.',
    gvk: gvk('DeploymentList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: apps('Deployment'), list: true, required: true, description: 'Items is the list of Deployments.' },
    ],
  },
  {
    name: apps('ReplicaSet'),
    description: 'ReplicaSet ensures that a specified number of pod replicas are running at any given time.',
    gvk: gvk('ReplicaSet'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: 'If the Labels of a ReplicaSet are empty, they are defaulted to be the same as the Pod(s) that the ReplicaSet manages.' },
      { json: 'spec', proto: 2, type: apps('ReplicaSetSpec'), keepZero: true, description: 'Spec defines the specification of the desired behavior of the ReplicaSet.' },
      { json: 'status', proto: 3, type: apps('ReplicaSetStatus'), keepZero: true, description: 'Status is the most recently observed status of the ReplicaSet.' },
    ],
  },
  {
    name: apps('ReplicaSetSpec'),
    description: 'ReplicaSetSpec is the specification of a ReplicaSet.',
    fields: [
      { json: 'replicas', proto: 1, type: 'int32', keepZero: true, description: 'Replicas is the number of desired replicas.' },
      { json: 'minReadySeconds', proto: 4, type: 'int32', description: 'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available.' },
      { json: 'selector', proto: 2, type: meta('LabelSelector'), keepZero: true, required: true, description: 'Selector is a label query over pods that should match the replica count.' },
      { json: 'template', proto: 3, type: POD_TEMPLATE_SPEC, keepZero: true, description: 'Template is the object that describes the pod that will be created if insufficient replicas are detected.' },
    ],
  },
  {
    name: apps('ReplicaSetStatus'),
    description: 'ReplicaSetStatus represents the current status of a ReplicaSet.',
    fields: [
      { json: 'replicas', proto: 1, type: 'int32', keepZero: true, required: true, description: 'Replicas is the most recently observed number of replicas.' },
      { json: 'fullyLabeledReplicas', proto: 2, type: 'int32', description: 'The number of pods that have labels matching the labels of the pod template of the replicaset.' },
      { json: 'readyReplicas', proto: 4, type: 'int32', description: 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.' },
      { json: 'availableReplicas', proto: 5, type: 'int32', description: 'The number of available replicas (ready for at least minReadySeconds) for this replica set.' },
      { json: 'observedGeneration', proto: 3, type: 'int64', description: 'ObservedGeneration reflects the generation of the most recently observed ReplicaSet.' },
      {
        json: 'conditions', proto: 6, type: apps('ReplicaSetCondition'), list: true,
        mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'],
        description: "Represents the latest available observations of a replica set's current state.",
      },
    ],
  },
  {
    name: apps('ReplicaSetCondition'),
    description: 'ReplicaSetCondition describes the state of a replica set at a certain point.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of replica set condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status of the condition, one of True, False, Unknown.' },
      { json: 'lastTransitionTime', proto: 3, type: 'Time', description: 'The last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 4, type: 'string', description: "The reason for the condition's last transition." },
      { json: 'message', proto: 5, type: 'string', description: 'A human readable message indicating details about the transition.' },
    ],
  },
  {
    name: apps('ReplicaSetList'),
    description: 'ReplicaSetList is a collection of ReplicaSets.',
    gvk: gvk('ReplicaSetList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: apps('ReplicaSet'), list: true, required: true, description: 'List of ReplicaSets.' },
    ],
  },
  {
    name: apps('ControllerRevision'),
    description: 'ControllerRevision implements an immutable snapshot of state data.',
    gvk: gvk('ControllerRevision'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'data', proto: 2, type: 'RawExtension', description: 'Data is the serialized representation of the state.' },
      { json: 'revision', proto: 3, type: 'int64', keepZero: true, required: true, description: 'Revision indicates the revision of the state represented by Data.' },
    ],
  },
  {
    name: apps('ControllerRevisionList'),
    description: 'ControllerRevisionList is a resource containing a list of ControllerRevision objects.',
    gvk: gvk('ControllerRevisionList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata' },
      { json: 'items', proto: 2, type: apps('ControllerRevision'), list: true, required: true, description: 'Items is the list of ControllerRevisions' },
    ],
  },
  {
    name: apps('DaemonSet'),
    description: 'DaemonSet represents the configuration of a daemon set.',
    gvk: gvk('DaemonSet'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: apps('DaemonSetSpec'), keepZero: true, description: 'The desired behavior of this daemon set.' },
      { json: 'status', proto: 3, type: apps('DaemonSetStatus'), keepZero: true, description: 'The current status of this daemon set.' },
    ],
  },
  {
    name: apps('DaemonSetSpec'),
    description: 'DaemonSetSpec is the specification of a daemon set.',
    fields: [
      { json: 'selector', proto: 1, type: meta('LabelSelector'), keepZero: true, required: true, description: 'A label query over pods that are managed by the daemon set.' },
      { json: 'template', proto: 2, type: POD_TEMPLATE_SPEC, keepZero: true, required: true, description: 'An object that describes the pod that will be created.' },
      { json: 'updateStrategy', proto: 3, type: apps('DaemonSetUpdateStrategy'), keepZero: true, description: 'An update strategy to replace existing DaemonSet pods with new pods.' },
      { json: 'minReadySeconds', proto: 4, type: 'int32', description: 'The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available.' },
      { json: 'revisionHistoryLimit', proto: 6, type: 'int32', keepZero: true, description: 'The number of old history to retain to allow rollback.' },
    ],
  },
  {
    name: apps('DaemonSetUpdateStrategy'),
    description: 'DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.',
    fields: [
      { json: 'type', proto: 1, type: 'string', enum: ['OnDelete', 'RollingUpdate'], description: 'Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.' },
      { json: 'rollingUpdate', proto: 2, type: apps('RollingUpdateDaemonSet'), keepZero: true, description: 'Rolling update config params. Present only if type = "RollingUpdate".' },
    ],
  },
  {
    name: apps('RollingUpdateDaemonSet'),
    description: 'Spec to control the desired behavior of daemon set rolling update.',
    fields: [
      { json: 'maxUnavailable', proto: 1, type: 'IntOrString', keepZero: true, description: 'The maximum number of DaemonSet pods that can be unavailable during the update.' },
      { json: 'maxSurge', proto: 2, type: 'IntOrString', keepZero: true, description: 'The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update.' },
    ],
  },
  {
    name: apps('DaemonSetStatus'),
    description: 'DaemonSetStatus represents the current status of a daemon set.',
    fields: [
      { json: 'currentNumberScheduled', proto: 1, type: 'int32', keepZero: true, required: true, description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.' },
      { json: 'numberMisscheduled', proto: 2, type: 'int32', keepZero: true, required: true, description: 'The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.' },
      { json: 'desiredNumberScheduled', proto: 3, type: 'int32', keepZero: true, required: true, description: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).' },
      { json: 'numberReady', proto: 4, type: 'int32', keepZero: true, required: true, description: 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.' },
      { json: 'observedGeneration', proto: 5, type: 'int64', description: 'The most recent generation observed by the daemon set controller.' },
      { json: 'updatedNumberScheduled', proto: 6, type: 'int32', description: 'The total number of nodes that are running updated daemon pod' },
      { json: 'numberAvailable', proto: 7, type: 'int32', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)' },
      { json: 'numberUnavailable', proto: 8, type: 'int32', description: 'The number of nodes that should be running the daemon pod and have none of the daemon pod running and available (ready for at least spec.minReadySeconds)' },
      { json: 'collisionCount', proto: 9, type: 'int32', keepZero: true, description: 'Count of hash collisions for the DaemonSet.' },
      {
        json: 'conditions', proto: 10, type: apps('DaemonSetCondition'), list: true,
        mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'],
        description: "Represents the latest available observations of a DaemonSet's current state.",
      },
    ],
  },
  {
    name: apps('DaemonSetCondition'),
    description: 'DaemonSetCondition describes the state of a DaemonSet at a certain point.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of DaemonSet condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status of the condition, one of True, False, Unknown.' },
      { json: 'lastTransitionTime', proto: 3, type: 'Time', description: 'Last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 4, type: 'string', description: "The reason for the condition's last transition." },
      { json: 'message', proto: 5, type: 'string', description: 'A human readable message indicating details about the transition.' },
    ],
  },
  {
    name: apps('DaemonSetList'),
    description: 'DaemonSetList is a collection of daemon sets.',
    gvk: gvk('DaemonSetList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: apps('DaemonSet'), list: true, required: true, description: 'A list of daemon sets.' },
    ],
  },
  {
    name: apps('StatefulSet'),
    description: 'StatefulSet represents a set of pods with consistent identities.',
    gvk: gvk('StatefulSet'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: apps('StatefulSetSpec'), keepZero: true, description: 'Spec defines the desired identities of pods in this set.' },
      { json: 'status', proto: 3, type: apps('StatefulSetStatus'), keepZero: true, description: 'Status is the current status of Pods in this StatefulSet.' },
    ],
  },
  {
    name: apps('StatefulSetSpec'),
    description: 'A StatefulSetSpec is the specification of a StatefulSet.',
    fields: [
      { json: 'replicas', proto: 1, type: 'int32', keepZero: true, description: 'replicas is the desired number of replicas of the given Template.' },
      { json: 'selector', proto: 2, type: meta('LabelSelector'), keepZero: true, required: true, description: 'selector is a label query over pods that should match the replica count.' },
      { json: 'template', proto: 3, type: POD_TEMPLATE_SPEC, keepZero: true, required: true, description: 'template is the object that describes the pod that will be created if insufficient replicas are detected.' },
      { json: 'volumeClaimTemplates', proto: 4, type: 'io.k8s.api.core.v1.PersistentVolumeClaim', list: true, listType: 'atomic', description: 'volumeClaimTemplates is a list of claims that pods are allowed to reference.' },
      { json: 'serviceName', proto: 5, type: 'string', description: 'serviceName is the name of the service that governs this StatefulSet.' },
      { json: 'podManagementPolicy', proto: 6, type: 'string', enum: ['OrderedReady', 'Parallel'], description: 'podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down.' },
      { json: 'updateStrategy', proto: 7, type: apps('StatefulSetUpdateStrategy'), keepZero: true, description: 'updateStrategy indicates the StatefulSetUpdateStrategy that will be employed to update Pods in the StatefulSet when a revision is made to Template.' },
      { json: 'revisionHistoryLimit', proto: 8, type: 'int32', keepZero: true, description: 'revisionHistoryLimit is the maximum number of revisions that will be maintained in the StatefulSet\'s revision history.' },
      { json: 'minReadySeconds', proto: 9, type: 'int32', description: 'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing for it to be considered available.' },
      { json: 'persistentVolumeClaimRetentionPolicy', proto: 10, type: apps('StatefulSetPersistentVolumeClaimRetentionPolicy'), keepZero: true, description: 'persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent volume claims created from volumeClaimTemplates.' },
      { json: 'ordinals', proto: 11, type: apps('StatefulSetOrdinals'), keepZero: true, description: 'ordinals controls the numbering of replica indices in a StatefulSet.' },
    ],
  },
  {
    name: apps('StatefulSetUpdateStrategy'),
    description: 'StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates.',
    fields: [
      { json: 'type', proto: 1, type: 'string', enum: ['OnDelete', 'RollingUpdate'], description: 'Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate.' },
      { json: 'rollingUpdate', proto: 2, type: apps('RollingUpdateStatefulSetStrategy'), keepZero: true, description: 'RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType.' },
    ],
  },
  {
    name: apps('RollingUpdateStatefulSetStrategy'),
    description: 'RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType.',
    fields: [
      { json: 'partition', proto: 1, type: 'int32', keepZero: true, description: 'Partition indicates the ordinal at which the StatefulSet should be partitioned for updates.' },
      { json: 'maxUnavailable', proto: 2, type: 'IntOrString', keepZero: true, description: 'The maximum number of pods that can be unavailable during the update.' },
    ],
  },
  {
    name: apps('StatefulSetPersistentVolumeClaimRetentionPolicy'),
    description: 'StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs created from the StatefulSet VolumeClaimTemplates.',
    fields: [
      { json: 'whenDeleted', proto: 1, type: 'string', description: 'WhenDeleted specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is deleted.' },
      { json: 'whenScaled', proto: 2, type: 'string', description: 'WhenScaled specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is scaled down.' },
    ],
  },
  {
    name: apps('StatefulSetOrdinals'),
    description: 'StatefulSetOrdinals describes the policy used for replica ordinal assignment in this StatefulSet.',
    fields: [
      { json: 'start', proto: 1, type: 'int32', description: "start is the number representing the first replica's index." },
    ],
  },
  {
    name: apps('StatefulSetStatus'),
    description: 'StatefulSetStatus represents the current state of a StatefulSet.',
    fields: [
      { json: 'observedGeneration', proto: 1, type: 'int64', description: 'observedGeneration is the most recent generation observed for this StatefulSet.' },
      { json: 'replicas', proto: 2, type: 'int32', keepZero: true, required: true, description: 'replicas is the number of Pods created by the StatefulSet controller.' },
      { json: 'readyReplicas', proto: 3, type: 'int32', description: 'readyReplicas is the number of pods created for this StatefulSet with a Ready Condition.' },
      { json: 'currentReplicas', proto: 4, type: 'int32', description: 'currentReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision.' },
      { json: 'updatedReplicas', proto: 5, type: 'int32', description: 'updatedReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision.' },
      { json: 'currentRevision', proto: 6, type: 'string', description: 'currentRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).' },
      { json: 'updateRevision', proto: 7, type: 'string', description: 'updateRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)' },
      { json: 'collisionCount', proto: 9, type: 'int32', keepZero: true, description: 'collisionCount is the count of hash collisions for the StatefulSet.' },
      {
        json: 'conditions', proto: 10, type: apps('StatefulSetCondition'), list: true,
        mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'],
        description: "Represents the latest available observations of a statefulset's current state.",
      },
      { json: 'availableReplicas', proto: 11, type: 'int32', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset.' },
    ],
  },
  {
    name: apps('StatefulSetCondition'),
    description: 'StatefulSetCondition describes the state of a statefulset at a certain point.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of statefulset condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status of the condition, one of True, False, Unknown.' },
      { json: 'lastTransitionTime', proto: 3, type: 'Time', description: 'Last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 4, type: 'string', description: "The reason for the condition's last transition." },
      { json: 'message', proto: 5, type: 'string', description: 'A human readable message indicating details about the transition.' },
    ],
  },
  {
    name: apps('StatefulSetList'),
    description: 'StatefulSetList is a collection of StatefulSets.',
    gvk: gvk('StatefulSetList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: "Standard list's metadata." },
      { json: 'items', proto: 2, type: apps('StatefulSet'), list: true, required: true, description: 'Items is the list of stateful sets.' },
    ],
  },
];
