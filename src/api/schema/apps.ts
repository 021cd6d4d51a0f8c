// apps/v1: Deployment and ReplicaSet with their specs, statuses and lists.
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
];
