// core/v1 Pod and everything under it: PodSpec, containers (init, ephemeral), probes and
// lifecycle handlers, env and envFrom sources, resources, security contexts, affinity,
// tolerations, topology spread, DNS, and PodStatus with container statuses.
// Field numbers from kubernetes/kubernetes staging/src/k8s.io/api/core/v1/generated.proto;
// json tags, pointers (keepZero) and patch tags from the Go types of v1.32. Fields added
// after v1.32 are left out on purpose, as a v1.32 API server would prune them.

import { inlineField } from './core-inline.js';
import type { TypeDef } from './types.js';

export const CORE_V1_POD_TYPES: TypeDef[] = [
  {
    name: 'io.k8s.api.core.v1.Affinity',
    description: 'Affinity is a group of affinity scheduling rules.',
    fields: [
      { json: 'nodeAffinity', proto: 1, type: 'io.k8s.api.core.v1.NodeAffinity', description: 'Describes node affinity scheduling rules for the pod.' },
      { json: 'podAffinity', proto: 2, type: 'io.k8s.api.core.v1.PodAffinity', description: 'Describes pod affinity scheduling rules (e.g. co-locate this pod in the same node, zone, etc. as some other pod(s)).' },
      { json: 'podAntiAffinity', proto: 3, type: 'io.k8s.api.core.v1.PodAntiAffinity', description: 'Describes pod anti-affinity scheduling rules (e.g. avoid putting this pod in the same node, zone, etc. as some other pod(s)).' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.AppArmorProfile',
    description: "AppArmorProfile defines a pod or container's AppArmor settings.",
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, enum: ['Localhost', 'RuntimeDefault', 'Unconfined'], description: 'type indicates which kind of AppArmor profile will be applied.' },
      { json: 'localhostProfile', proto: 2, type: 'string', keepZero: true, description: 'localhostProfile indicates a profile loaded on the node that should be used.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Capabilities',
    description: 'Adds and removes POSIX capabilities from running containers.',
    fields: [
      { json: 'add', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'Added capabilities' },
      { json: 'drop', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'Removed capabilities' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMapEnvSource',
    description: 'ConfigMapEnvSource selects a ConfigMap to populate the environment variables with.',
    fields: [
      inlineField({ json: 'localObjectReference', proto: 1, type: 'io.k8s.api.core.v1.LocalObjectReference' }),
      { json: 'optional', proto: 2, type: 'bool', keepZero: true, description: 'Specify whether the ConfigMap must be defined' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMapKeySelector',
    description: 'Selects a key from a ConfigMap.',
    fields: [
      inlineField({ json: 'localObjectReference', proto: 1, type: 'io.k8s.api.core.v1.LocalObjectReference' }),
      { json: 'key', proto: 2, type: 'string', keepZero: true, required: true, description: 'The key to select.' },
      { json: 'optional', proto: 3, type: 'bool', keepZero: true, description: 'Specify whether the ConfigMap or its key must be defined' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Container',
    description: 'A single application container that you want to run within a pod.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name of the container specified as a DNS_LABEL.' },
      { json: 'image', proto: 2, type: 'string', description: 'Container image name.' },
      { json: 'command', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'Entrypoint array.' },
      { json: 'args', proto: 4, type: 'string', list: true, listType: 'atomic', description: 'Arguments to the entrypoint.' },
      { json: 'workingDir', proto: 5, type: 'string', description: "Container's working directory." },
      { json: 'ports', proto: 6, type: 'io.k8s.api.core.v1.ContainerPort', list: true, mergeKey: 'containerPort', patchStrategy: 'merge', listType: 'map', listMapKeys: ['containerPort', 'protocol'], description: 'List of ports to expose from the container.' },
      { json: 'envFrom', proto: 19, type: 'io.k8s.api.core.v1.EnvFromSource', list: true, listType: 'atomic', description: 'List of sources to populate environment variables in the container.' },
      { json: 'env', proto: 7, type: 'io.k8s.api.core.v1.EnvVar', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], description: 'List of environment variables to set in the container.' },
      { json: 'resources', proto: 8, type: 'io.k8s.api.core.v1.ResourceRequirements', description: 'Compute Resources required by this container.' },
      { json: 'resizePolicy', proto: 23, type: 'io.k8s.api.core.v1.ContainerResizePolicy', list: true, listType: 'atomic', description: 'Resources resize policy for the container.' },
      { json: 'restartPolicy', proto: 24, type: 'string', keepZero: true, description: 'RestartPolicy defines the restart behavior of individual containers in a pod.' },
      { json: 'volumeMounts', proto: 9, type: 'io.k8s.api.core.v1.VolumeMount', list: true, mergeKey: 'mountPath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['mountPath'], description: "Pod volumes to mount into the container's filesystem." },
      { json: 'volumeDevices', proto: 21, type: 'io.k8s.api.core.v1.VolumeDevice', list: true, mergeKey: 'devicePath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['devicePath'], description: 'volumeDevices is the list of block devices to be used by the container.' },
      { json: 'livenessProbe', proto: 10, type: 'io.k8s.api.core.v1.Probe', description: 'Periodic probe of container liveness.' },
      { json: 'readinessProbe', proto: 11, type: 'io.k8s.api.core.v1.Probe', description: 'Periodic probe of container service readiness.' },
      { json: 'startupProbe', proto: 22, type: 'io.k8s.api.core.v1.Probe', description: 'StartupProbe indicates that the Pod has successfully initialized.' },
      { json: 'lifecycle', proto: 12, type: 'io.k8s.api.core.v1.Lifecycle', description: 'Actions that the management system should take in response to container lifecycle events.' },
      { json: 'terminationMessagePath', proto: 13, type: 'string', description: "Optional: Path at which the file to which the container's termination message will be written is mounted into the container's filesystem." },
      { json: 'terminationMessagePolicy', proto: 20, type: 'string', enum: ['FallbackToLogsOnError', 'File'], description: 'Indicate how the termination message should be populated.' },
      { json: 'imagePullPolicy', proto: 14, type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], description: 'Image pull policy.' },
      { json: 'securityContext', proto: 15, type: 'io.k8s.api.core.v1.SecurityContext', description: 'SecurityContext defines the security options the container should be run with.' },
      { json: 'stdin', proto: 16, type: 'bool', description: 'Whether this container should allocate a buffer for stdin in the container runtime.' },
      { json: 'stdinOnce', proto: 17, type: 'bool', description: 'Whether the container runtime should close the stdin channel after it has been opened by a single attach.' },
      { json: 'tty', proto: 18, type: 'bool', description: "Whether this container should allocate a TTY for itself, also requires 'stdin' to be true." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerPort',
    description: 'ContainerPort represents a network port in a single container.',
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'If specified, this must be an IANA_SVC_NAME and unique within the pod.' },
      { json: 'hostPort', proto: 2, type: 'int32', description: 'Number of port to expose on the host.' },
      { json: 'containerPort', proto: 3, type: 'int32', keepZero: true, required: true, description: "Number of port to expose on the pod's IP address." },
      { json: 'protocol', proto: 4, type: 'string', enum: ['SCTP', 'TCP', 'UDP'], description: 'Protocol for port.' },
      { json: 'hostIP', proto: 5, type: 'string', description: 'What host IP to bind the external port to.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerResizePolicy',
    description: 'ContainerResizePolicy represents resource resize policy for the container.',
    fields: [
      { json: 'resourceName', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name of the resource to which this resource resize policy applies.' },
      { json: 'restartPolicy', proto: 2, type: 'string', keepZero: true, required: true, enum: ['NotRequired', 'RestartContainer'], description: 'Restart policy to apply when specified resource is resized.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerState',
    description: 'ContainerState holds a possible state of container.',
    fields: [
      { json: 'waiting', proto: 1, type: 'io.k8s.api.core.v1.ContainerStateWaiting', description: 'Details about a waiting container' },
      { json: 'running', proto: 2, type: 'io.k8s.api.core.v1.ContainerStateRunning', description: 'Details about a running container' },
      { json: 'terminated', proto: 3, type: 'io.k8s.api.core.v1.ContainerStateTerminated', description: 'Details about a terminated container' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerStateRunning',
    description: 'ContainerStateRunning is a running state of a container.',
    fields: [
      { json: 'startedAt', proto: 1, type: 'Time', description: 'Time at which the container was last (re-)started' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerStateTerminated',
    description: 'ContainerStateTerminated is a terminated state of a container.',
    fields: [
      { json: 'exitCode', proto: 1, type: 'int32', keepZero: true, required: true, description: 'Exit status from the last termination of the container' },
      { json: 'signal', proto: 2, type: 'int32', description: 'Signal from the last termination of the container' },
      { json: 'reason', proto: 3, type: 'string', description: '(brief) reason from the last termination of the container' },
      { json: 'message', proto: 4, type: 'string', description: 'Message regarding the last termination of the container' },
      { json: 'startedAt', proto: 5, type: 'Time', description: 'Time at which previous execution of the container started' },
      { json: 'finishedAt', proto: 6, type: 'Time', description: 'Time at which the container last terminated' },
      { json: 'containerID', proto: 7, type: 'string', description: "Container's ID in the format '<type>://<container_id>'" },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerStateWaiting',
    description: 'ContainerStateWaiting is a waiting state of a container.',
    fields: [
      { json: 'reason', proto: 1, type: 'string', description: '(brief) reason the container is not yet running.' },
      { json: 'message', proto: 2, type: 'string', description: 'Message regarding why the container is not yet running.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerStatus',
    description: 'ContainerStatus contains details for the current status of this container.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name is a DNS_LABEL representing the unique name of the container.' },
      { json: 'state', proto: 2, type: 'io.k8s.api.core.v1.ContainerState', description: "State holds details about the container's current condition." },
      { json: 'lastState', proto: 3, type: 'io.k8s.api.core.v1.ContainerState', description: 'LastTerminationState holds the last termination state of the container to help debug container crashes and restarts.' },
      { json: 'ready', proto: 4, type: 'bool', keepZero: true, required: true, description: 'Ready specifies whether the container is currently passing its readiness check.' },
      { json: 'restartCount', proto: 5, type: 'int32', keepZero: true, required: true, description: 'RestartCount holds the number of times the container has been restarted.' },
      { json: 'image', proto: 6, type: 'string', keepZero: true, required: true, description: 'Image is the name of container image that the container is running.' },
      { json: 'imageID', proto: 7, type: 'string', keepZero: true, required: true, description: "ImageID is the image ID of the container's image." },
      { json: 'containerID', proto: 8, type: 'string', description: "ContainerID is the ID of the container in the format '<type>://<container_id>'." },
      { json: 'started', proto: 9, type: 'bool', keepZero: true, description: 'Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.' },
      { json: 'allocatedResources', proto: 10, type: 'Quantity', map: true, description: 'AllocatedResources represents the compute resources allocated for this container by the node.' },
      { json: 'resources', proto: 11, type: 'io.k8s.api.core.v1.ResourceRequirements', description: 'Resources represents the compute resource requests and limits that have been successfully enacted on the running container after it has been started or has been successfully resized.' },
      { json: 'volumeMounts', proto: 12, type: 'io.k8s.api.core.v1.VolumeMountStatus', list: true, mergeKey: 'mountPath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['mountPath'], description: 'Status of volume mounts.' },
      { json: 'user', proto: 13, type: 'io.k8s.api.core.v1.ContainerUser', description: 'User represents user identity information initially attached to the first process of the container' },
      { json: 'allocatedResourcesStatus', proto: 14, type: 'io.k8s.api.core.v1.ResourceStatus', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], description: 'AllocatedResourcesStatus represents the status of various resources allocated for this Pod.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerUser',
    description: 'ContainerUser represents user identity information',
    fields: [
      { json: 'linux', proto: 1, type: 'io.k8s.api.core.v1.LinuxContainerUser', description: 'Linux holds user identity information initially attached to the first process of the containers in Linux.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EnvFromSource',
    description: 'EnvFromSource represents the source of a set of ConfigMaps',
    fields: [
      { json: 'prefix', proto: 1, type: 'string', description: 'An optional identifier to prepend to each key in the ConfigMap.' },
      { json: 'configMapRef', proto: 2, type: 'io.k8s.api.core.v1.ConfigMapEnvSource', description: 'The ConfigMap to select from' },
      { json: 'secretRef', proto: 3, type: 'io.k8s.api.core.v1.SecretEnvSource', description: 'The Secret to select from' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EnvVar',
    description: 'EnvVar represents an environment variable present in a Container.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name of the environment variable.' },
      { json: 'value', proto: 2, type: 'string', description: 'Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables.' },
      { json: 'valueFrom', proto: 3, type: 'io.k8s.api.core.v1.EnvVarSource', description: "Source for the environment variable's value." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EnvVarSource',
    description: 'EnvVarSource represents a source for the value of an EnvVar.',
    fields: [
      { json: 'fieldRef', proto: 1, type: 'io.k8s.api.core.v1.ObjectFieldSelector', description: "Selects a field of the pod: supports metadata.name, metadata.namespace, `metadata.labels['<KEY>']`, `metadata.annotations['<KEY>']`, spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs." },
      { json: 'resourceFieldRef', proto: 2, type: 'io.k8s.api.core.v1.ResourceFieldSelector', description: 'Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory and requests.ephemeral-storage) are currently supported.' },
      { json: 'configMapKeyRef', proto: 3, type: 'io.k8s.api.core.v1.ConfigMapKeySelector', description: 'Selects a key of a ConfigMap.' },
      { json: 'secretKeyRef', proto: 4, type: 'io.k8s.api.core.v1.SecretKeySelector', description: "Selects a key of a secret in the pod's namespace" },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EphemeralContainer',
    description: 'An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.',
    fields: [
      inlineField({ json: 'ephemeralContainerCommon', proto: 1, type: 'io.k8s.api.core.v1.EphemeralContainerCommon' }),
      { json: 'targetContainerName', proto: 2, type: 'string', description: 'If set, the name of the container from PodSpec that this ephemeral container targets.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EphemeralContainerCommon',
    description: 'An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name of the ephemeral container specified as a DNS_LABEL.' },
      { json: 'image', proto: 2, type: 'string', description: 'Container image name.' },
      { json: 'command', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'Entrypoint array.' },
      { json: 'args', proto: 4, type: 'string', list: true, listType: 'atomic', description: 'Arguments to the entrypoint.' },
      { json: 'workingDir', proto: 5, type: 'string', description: "Container's working directory." },
      { json: 'ports', proto: 6, type: 'io.k8s.api.core.v1.ContainerPort', list: true, mergeKey: 'containerPort', patchStrategy: 'merge', listType: 'map', listMapKeys: ['containerPort', 'protocol'], description: 'Ports are not allowed for ephemeral containers.' },
      { json: 'envFrom', proto: 19, type: 'io.k8s.api.core.v1.EnvFromSource', list: true, listType: 'atomic', description: 'List of sources to populate environment variables in the container.' },
      { json: 'env', proto: 7, type: 'io.k8s.api.core.v1.EnvVar', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], description: 'List of environment variables to set in the container.' },
      { json: 'resources', proto: 8, type: 'io.k8s.api.core.v1.ResourceRequirements', description: 'Resources are not allowed for ephemeral containers.' },
      { json: 'resizePolicy', proto: 23, type: 'io.k8s.api.core.v1.ContainerResizePolicy', list: true, listType: 'atomic', description: 'Resources resize policy for the container.' },
      { json: 'restartPolicy', proto: 24, type: 'string', keepZero: true, description: 'Restart policy for the container to manage the restart behavior of each container within a pod.' },
      { json: 'volumeMounts', proto: 9, type: 'io.k8s.api.core.v1.VolumeMount', list: true, mergeKey: 'mountPath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['mountPath'], description: "Pod volumes to mount into the container's filesystem." },
      { json: 'volumeDevices', proto: 21, type: 'io.k8s.api.core.v1.VolumeDevice', list: true, mergeKey: 'devicePath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['devicePath'], description: 'volumeDevices is the list of block devices to be used by the container.' },
      { json: 'livenessProbe', proto: 10, type: 'io.k8s.api.core.v1.Probe', description: 'Probes are not allowed for ephemeral containers.' },
      { json: 'readinessProbe', proto: 11, type: 'io.k8s.api.core.v1.Probe', description: 'Probes are not allowed for ephemeral containers.' },
      { json: 'startupProbe', proto: 22, type: 'io.k8s.api.core.v1.Probe', description: 'Probes are not allowed for ephemeral containers.' },
      { json: 'lifecycle', proto: 12, type: 'io.k8s.api.core.v1.Lifecycle', description: 'Lifecycle is not allowed for ephemeral containers.' },
      { json: 'terminationMessagePath', proto: 13, type: 'string', description: "Optional: Path at which the file to which the container's termination message will be written is mounted into the container's filesystem." },
      { json: 'terminationMessagePolicy', proto: 20, type: 'string', enum: ['FallbackToLogsOnError', 'File'], description: 'Indicate how the termination message should be populated.' },
      { json: 'imagePullPolicy', proto: 14, type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], description: 'Image pull policy.' },
      { json: 'securityContext', proto: 15, type: 'io.k8s.api.core.v1.SecurityContext', description: 'Optional: SecurityContext defines the security options the ephemeral container should be run with.' },
      { json: 'stdin', proto: 16, type: 'bool', description: 'Whether this container should allocate a buffer for stdin in the container runtime.' },
      { json: 'stdinOnce', proto: 17, type: 'bool', description: 'Whether the container runtime should close the stdin channel after it has been opened by a single attach.' },
      { json: 'tty', proto: 18, type: 'bool', description: "Whether this container should allocate a TTY for itself, also requires 'stdin' to be true." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ExecAction',
    description: 'ExecAction describes a "run in container" action.',
    fields: [
      { json: 'command', proto: 1, type: 'string', list: true, listType: 'atomic', description: "Command is the command line to execute inside the container, the working directory for the command is root ('/') in the container's filesystem." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.GRPCAction',
    description: 'GRPCAction specifies an action involving a GRPC service.',
    fields: [
      { json: 'port', proto: 1, type: 'int32', keepZero: true, required: true, description: 'Port number of the gRPC service.' },
      { json: 'service', proto: 2, type: 'string', keepZero: true, description: 'Service is the name of the service to place in the gRPC HealthCheckRequest (see https://github.com/grpc/grpc/blob/master/doc/health-checking.md).' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.HTTPGetAction',
    description: 'HTTPGetAction describes an action based on HTTP Get requests.',
    fields: [
      { json: 'path', proto: 1, type: 'string', description: 'Path to access on the HTTP server.' },
      { json: 'port', proto: 2, type: 'IntOrString', required: true, description: 'Name or number of the port to access on the container.' },
      { json: 'host', proto: 3, type: 'string', description: 'Host name to connect to, defaults to the pod IP.' },
      { json: 'scheme', proto: 4, type: 'string', enum: ['HTTP', 'HTTPS'], description: 'Scheme to use for connecting to the host.' },
      { json: 'httpHeaders', proto: 5, type: 'io.k8s.api.core.v1.HTTPHeader', list: true, listType: 'atomic', description: 'Custom headers to set in the request.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.HTTPHeader',
    description: 'HTTPHeader describes a custom header to be used in HTTP probes',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'The header field name.' },
      { json: 'value', proto: 2, type: 'string', keepZero: true, required: true, description: 'The header field value' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.HostAlias',
    description: "HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file.",
    fields: [
      { json: 'ip', proto: 1, type: 'string', keepZero: true, required: true, description: 'IP address of the host file entry.' },
      { json: 'hostnames', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'Hostnames for the above IP address.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.HostIP',
    description: 'HostIP represents a single IP address allocated to the host.',
    fields: [
      { json: 'ip', proto: 1, type: 'string', keepZero: true, required: true, description: 'IP is the IP address assigned to the host' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Lifecycle',
    description: 'Lifecycle describes actions that the management system should take in response to container lifecycle events.',
    fields: [
      { json: 'postStart', proto: 1, type: 'io.k8s.api.core.v1.LifecycleHandler', description: 'PostStart is called immediately after a container is created.' },
      { json: 'preStop', proto: 2, type: 'io.k8s.api.core.v1.LifecycleHandler', description: 'PreStop is called immediately before a container is terminated due to an API request or management event such as liveness/startup probe failure, preemption, resource contention, etc. The handler is not called if the container crashes or exits.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.LifecycleHandler',
    description: 'LifecycleHandler defines a specific action that should be taken in a lifecycle hook.',
    fields: [
      { json: 'exec', proto: 1, type: 'io.k8s.api.core.v1.ExecAction', description: 'Exec specifies the action to take.' },
      { json: 'httpGet', proto: 2, type: 'io.k8s.api.core.v1.HTTPGetAction', description: 'HTTPGet specifies the http request to perform.' },
      { json: 'tcpSocket', proto: 3, type: 'io.k8s.api.core.v1.TCPSocketAction', description: 'Deprecated.' },
      { json: 'sleep', proto: 4, type: 'io.k8s.api.core.v1.SleepAction', description: 'Sleep represents the duration that the container should sleep before being terminated.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.LinuxContainerUser',
    description: 'LinuxContainerUser represents user identity information in Linux containers',
    fields: [
      { json: 'uid', proto: 1, type: 'int64', keepZero: true, required: true, description: 'UID is the primary uid initially attached to the first process in the container' },
      { json: 'gid', proto: 2, type: 'int64', keepZero: true, required: true, description: 'GID is the primary gid initially attached to the first process in the container' },
      { json: 'supplementalGroups', proto: 3, type: 'int64', list: true, listType: 'atomic', description: 'SupplementalGroups are the supplemental groups initially attached to the first process in the container' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeAffinity',
    description: 'Node affinity is a group of node affinity scheduling rules.',
    fields: [
      { json: 'requiredDuringSchedulingIgnoredDuringExecution', proto: 1, type: 'io.k8s.api.core.v1.NodeSelector', description: 'If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.' },
      { json: 'preferredDuringSchedulingIgnoredDuringExecution', proto: 2, type: 'io.k8s.api.core.v1.PreferredSchedulingTerm', list: true, listType: 'atomic', description: 'The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field, but it may choose a node that violates one or more of the expressions.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeSelector',
    description: 'A node selector represents the union of the results of one or more label queries over a set of nodes; that is, it represents the OR of the selectors represented by the node selector terms.',
    fields: [
      { json: 'nodeSelectorTerms', proto: 1, type: 'io.k8s.api.core.v1.NodeSelectorTerm', list: true, listType: 'atomic', required: true, description: 'Required.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeSelectorRequirement',
    description: 'A node selector requirement is a selector that contains values, a key, and an operator that relates the key and values.',
    fields: [
      { json: 'key', proto: 1, type: 'string', keepZero: true, required: true, description: 'The label key that the selector applies to.' },
      { json: 'operator', proto: 2, type: 'string', keepZero: true, required: true, enum: ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'], description: "Represents a key's relationship to a set of values." },
      { json: 'values', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'An array of string values.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeSelectorTerm',
    description: 'A null or empty node selector term matches no objects.',
    fields: [
      { json: 'matchExpressions', proto: 1, type: 'io.k8s.api.core.v1.NodeSelectorRequirement', list: true, listType: 'atomic', description: "A list of node selector requirements by node's labels." },
      { json: 'matchFields', proto: 2, type: 'io.k8s.api.core.v1.NodeSelectorRequirement', list: true, listType: 'atomic', description: "A list of node selector requirements by node's fields." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ObjectFieldSelector',
    description: 'ObjectFieldSelector selects an APIVersioned field of an object.',
    fields: [
      { json: 'apiVersion', proto: 1, type: 'string', description: 'Version of the schema the FieldPath is written in terms of, defaults to "v1".' },
      { json: 'fieldPath', proto: 2, type: 'string', keepZero: true, required: true, description: 'Path of the field to select in the specified API version.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Pod',
    description: 'Pod is a collection of containers that can run on a host.',
    gvk: [{ group: '', version: 'v1', kind: 'Pod' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: 'io.k8s.api.core.v1.PodSpec', description: 'Specification of the desired behavior of the pod.' },
      { json: 'status', proto: 3, type: 'io.k8s.api.core.v1.PodStatus', description: 'Most recently observed status of the pod.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodAffinity',
    description: 'Pod affinity is a group of inter pod affinity scheduling rules.',
    fields: [
      { json: 'requiredDuringSchedulingIgnoredDuringExecution', proto: 1, type: 'io.k8s.api.core.v1.PodAffinityTerm', list: true, listType: 'atomic', description: 'If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.' },
      { json: 'preferredDuringSchedulingIgnoredDuringExecution', proto: 2, type: 'io.k8s.api.core.v1.WeightedPodAffinityTerm', list: true, listType: 'atomic', description: 'The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field, but it may choose a node that violates one or more of the expressions.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodAffinityTerm',
    description: 'Defines a set of pods (namely those matching the labelSelector relative to the given namespace(s)) that this pod should be co-located (affinity) or not co-located (anti-affinity) with, where co-located is defined as running on a node whose value of the label with key <topologyKey> matches that of any node on which a pod of the set of pods is running',
    fields: [
      { json: 'labelSelector', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', description: 'A label query over a set of resources, in this case pods.' },
      { json: 'namespaces', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'namespaces specifies a static list of namespace names that the term applies to.' },
      { json: 'topologyKey', proto: 3, type: 'string', keepZero: true, required: true, description: 'This pod should be co-located (affinity) or not co-located (anti-affinity) with the pods matching the labelSelector in the specified namespaces, where co-located is defined as running on a node whose value of the label with key topologyKey matches that of any node on which any of the selected pods is running.' },
      { json: 'namespaceSelector', proto: 4, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', description: 'A label query over the set of namespaces that the term applies to.' },
      { json: 'matchLabelKeys', proto: 5, type: 'string', list: true, listType: 'atomic', description: 'MatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.' },
      { json: 'mismatchLabelKeys', proto: 6, type: 'string', list: true, listType: 'atomic', description: 'MismatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodAntiAffinity',
    description: 'Pod anti affinity is a group of inter pod anti affinity scheduling rules.',
    fields: [
      { json: 'requiredDuringSchedulingIgnoredDuringExecution', proto: 1, type: 'io.k8s.api.core.v1.PodAffinityTerm', list: true, listType: 'atomic', description: 'If the anti-affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.' },
      { json: 'preferredDuringSchedulingIgnoredDuringExecution', proto: 2, type: 'io.k8s.api.core.v1.WeightedPodAffinityTerm', list: true, listType: 'atomic', description: 'The scheduler will prefer to schedule pods to nodes that satisfy the anti-affinity expressions specified by this field, but it may choose a node that violates one or more of the expressions.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodAttachOptions',
    description: "PodAttachOptions is the query options to a Pod's remote attach call.",
    gvk: [{ group: '', version: 'v1', kind: 'PodAttachOptions' }],
    fields: [
      { json: 'stdin', proto: 1, type: 'bool', description: 'Stdin if true, redirects the standard input stream of the pod for this call.' },
      { json: 'stdout', proto: 2, type: 'bool', description: 'Stdout if true indicates that stdout is to be redirected for the attach call.' },
      { json: 'stderr', proto: 3, type: 'bool', description: 'Stderr if true indicates that stderr is to be redirected for the attach call.' },
      { json: 'tty', proto: 4, type: 'bool', description: 'TTY if true indicates that a tty will be allocated for the attach call.' },
      { json: 'container', proto: 5, type: 'string', description: 'The container in which to execute the command.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodCondition',
    description: 'PodCondition contains details for the current condition of this pod.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type is the type of the condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status is the status of the condition.' },
      { json: 'lastProbeTime', proto: 3, type: 'Time', description: 'Last time we probed the condition.' },
      { json: 'lastTransitionTime', proto: 4, type: 'Time', description: 'Last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 5, type: 'string', description: "Unique, one-word, CamelCase reason for the condition's last transition." },
      { json: 'message', proto: 6, type: 'string', description: 'Human-readable message indicating details about last transition.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodDNSConfig',
    description: 'PodDNSConfig defines the DNS parameters of a pod in addition to those generated from DNSPolicy.',
    fields: [
      { json: 'nameservers', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'A list of DNS name server IP addresses.' },
      { json: 'searches', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'A list of DNS search domains for host-name lookup.' },
      { json: 'options', proto: 3, type: 'io.k8s.api.core.v1.PodDNSConfigOption', list: true, listType: 'atomic', description: 'A list of DNS resolver options.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodDNSConfigOption',
    description: 'PodDNSConfigOption defines DNS resolver options of a pod.',
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'Required.' },
      { json: 'value', proto: 2, type: 'string', keepZero: true, description: "Value is this DNS resolver option's value." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodExecOptions',
    description: "PodExecOptions is the query options to a Pod's remote exec call.",
    gvk: [{ group: '', version: 'v1', kind: 'PodExecOptions' }],
    fields: [
      { json: 'stdin', proto: 1, type: 'bool', description: 'Redirect the standard input stream of the pod for this call.' },
      { json: 'stdout', proto: 2, type: 'bool', description: 'Redirect the standard output stream of the pod for this call.' },
      { json: 'stderr', proto: 3, type: 'bool', description: 'Redirect the standard error stream of the pod for this call.' },
      { json: 'tty', proto: 4, type: 'bool', description: 'TTY if true indicates that a tty will be allocated for the exec call.' },
      { json: 'container', proto: 5, type: 'string', description: 'Container in which to execute the command.' },
      { json: 'command', proto: 6, type: 'string', list: true, listType: 'atomic', required: true, description: 'Command is the remote command to execute.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodIP',
    description: 'PodIP represents a single IP address allocated to the pod.',
    fields: [
      { json: 'ip', proto: 1, type: 'string', keepZero: true, required: true, description: 'IP is the IP address assigned to the pod' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodList',
    description: 'PodList is a list of Pods.',
    gvk: [{ group: '', version: 'v1', kind: 'PodList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.Pod', list: true, required: true, description: 'List of pods.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodLogOptions',
    description: "PodLogOptions is the query options for a Pod's logs REST call.",
    gvk: [{ group: '', version: 'v1', kind: 'PodLogOptions' }],
    fields: [
      { json: 'container', proto: 1, type: 'string', description: 'The container for which to stream logs.' },
      { json: 'follow', proto: 2, type: 'bool', description: 'Follow the log stream of the pod.' },
      { json: 'previous', proto: 3, type: 'bool', description: 'Return previous terminated container logs.' },
      { json: 'sinceSeconds', proto: 4, type: 'int64', keepZero: true, description: 'A relative time in seconds before the current time from which to show logs.' },
      { json: 'sinceTime', proto: 5, type: 'Time', description: 'An RFC3339 timestamp from which to show logs.' },
      { json: 'timestamps', proto: 6, type: 'bool', description: 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output.' },
      { json: 'tailLines', proto: 7, type: 'int64', keepZero: true, description: 'If set, the number of lines from the end of the logs to show.' },
      { json: 'limitBytes', proto: 8, type: 'int64', keepZero: true, description: 'If set, the number of bytes to read from the server before terminating the log output.' },
      { json: 'insecureSkipTLSVerifyBackend', proto: 9, type: 'bool', description: 'insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to.' },
      { json: 'stream', proto: 10, type: 'string', keepZero: true, description: 'Specify which container log stream to return to the client.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodOS',
    description: 'PodOS defines the OS parameters of a pod.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name is the name of the operating system.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodPortForwardOptions',
    description: "PodPortForwardOptions is the query options to a Pod's port forward call when using WebSockets.",
    gvk: [{ group: '', version: 'v1', kind: 'PodPortForwardOptions' }],
    fields: [
      { json: 'ports', proto: 1, type: 'int32', list: true, listType: 'atomic', description: 'List of ports to forward Required when using WebSockets' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodProxyOptions',
    description: "PodProxyOptions is the query options to a Pod's proxy call.",
    gvk: [{ group: '', version: 'v1', kind: 'PodProxyOptions' }],
    fields: [
      { json: 'path', proto: 1, type: 'string', description: 'Path is the URL path to use for the current proxy request to pod.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodReadinessGate',
    description: 'PodReadinessGate contains the reference to a pod condition',
    fields: [
      { json: 'conditionType', proto: 1, type: 'string', keepZero: true, required: true, description: "ConditionType refers to a condition in the pod's condition list with matching type." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodResourceClaim',
    description: 'PodResourceClaim references exactly one ResourceClaim through a ClaimSource.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name uniquely identifies this resource claim inside the pod.' },
      { json: 'resourceClaimName', proto: 3, type: 'string', keepZero: true, description: 'ResourceClaimName is the name of a ResourceClaim object in the same namespace as this pod.' },
      { json: 'resourceClaimTemplateName', proto: 4, type: 'string', keepZero: true, description: 'ResourceClaimTemplateName is the name of a ResourceClaimTemplate object in the same namespace as this pod.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodResourceClaimStatus',
    description: 'PodResourceClaimStatus is stored in the PodStatus for each PodResourceClaim which references a ResourceClaimTemplate.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name uniquely identifies this resource claim inside the pod.' },
      { json: 'resourceClaimName', proto: 2, type: 'string', keepZero: true, description: 'ResourceClaimName is the name of the ResourceClaim that was generated for the Pod in the namespace of the Pod.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodSchedulingGate',
    description: 'PodSchedulingGate is associated to a Pod to guard its scheduling.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name of the scheduling gate.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodSecurityContext',
    description: 'PodSecurityContext holds pod-level security attributes and common container settings.',
    fields: [
      { json: 'seLinuxOptions', proto: 1, type: 'io.k8s.api.core.v1.SELinuxOptions', description: 'The SELinux context to be applied to all containers.' },
      { json: 'windowsOptions', proto: 8, type: 'io.k8s.api.core.v1.WindowsSecurityContextOptions', description: 'The Windows specific settings applied to all containers.' },
      { json: 'runAsUser', proto: 2, type: 'int64', keepZero: true, description: 'The UID to run the entrypoint of the container process.' },
      { json: 'runAsGroup', proto: 6, type: 'int64', keepZero: true, description: 'The GID to run the entrypoint of the container process.' },
      { json: 'runAsNonRoot', proto: 3, type: 'bool', keepZero: true, description: 'Indicates that the container must run as a non-root user.' },
      { json: 'supplementalGroups', proto: 4, type: 'int64', list: true, listType: 'atomic', description: "A list of groups applied to the first process run in each container, in addition to the container's primary GID, the fsGroup (if specified), and group memberships defined in the container image for the uid of the container process." },
      { json: 'supplementalGroupsPolicy', proto: 12, type: 'string', keepZero: true, enum: ['Merge', 'Strict'], description: 'Defines how supplemental groups of the first container processes are calculated.' },
      { json: 'fsGroup', proto: 5, type: 'int64', keepZero: true, description: 'A special supplemental group that applies to all containers in a pod.' },
      { json: 'sysctls', proto: 7, type: 'io.k8s.api.core.v1.Sysctl', list: true, listType: 'atomic', description: 'Sysctls hold a list of namespaced sysctls used for the pod.' },
      { json: 'fsGroupChangePolicy', proto: 9, type: 'string', keepZero: true, enum: ['Always', 'OnRootMismatch'], description: 'fsGroupChangePolicy defines behavior of changing ownership and permission of the volume before being exposed inside Pod.' },
      { json: 'seccompProfile', proto: 10, type: 'io.k8s.api.core.v1.SeccompProfile', description: 'The seccomp options to use by the containers in this pod.' },
      { json: 'appArmorProfile', proto: 11, type: 'io.k8s.api.core.v1.AppArmorProfile', description: 'appArmorProfile is the AppArmor options to use by the containers in this pod.' },
      { json: 'seLinuxChangePolicy', proto: 13, type: 'string', keepZero: true, description: "seLinuxChangePolicy defines how the container's SELinux label is applied to all volumes used by the Pod." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodSpec',
    description: 'PodSpec is a description of a pod.',
    fields: [
      { json: 'volumes', proto: 1, type: 'io.k8s.api.core.v1.Volume', list: true, mergeKey: 'name', patchStrategy: 'merge,retainKeys', listType: 'map', listMapKeys: ['name'], description: 'List of volumes that can be mounted by containers belonging to the pod.' },
      { json: 'initContainers', proto: 20, type: 'io.k8s.api.core.v1.Container', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], description: 'List of initialization containers belonging to the pod.' },
      { json: 'containers', proto: 2, type: 'io.k8s.api.core.v1.Container', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], required: true, description: 'List of containers belonging to the pod.' },
      { json: 'ephemeralContainers', proto: 34, type: 'io.k8s.api.core.v1.EphemeralContainer', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], description: 'List of ephemeral containers run in this pod.' },
      { json: 'restartPolicy', proto: 3, type: 'string', enum: ['Always', 'Never', 'OnFailure'], description: 'Restart policy for all containers within the pod.' },
      { json: 'terminationGracePeriodSeconds', proto: 4, type: 'int64', keepZero: true, description: 'Optional duration in seconds the pod needs to terminate gracefully.' },
      { json: 'activeDeadlineSeconds', proto: 5, type: 'int64', keepZero: true, description: 'Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers.' },
      { json: 'dnsPolicy', proto: 6, type: 'string', enum: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'], description: 'Set DNS policy for the pod.' },
      { json: 'nodeSelector', proto: 7, type: 'string', map: true, mapType: 'atomic', description: 'NodeSelector is a selector which must be true for the pod to fit on a node.' },
      { json: 'serviceAccountName', proto: 8, type: 'string', description: 'ServiceAccountName is the name of the ServiceAccount to use to run this pod.' },
      { json: 'serviceAccount', proto: 9, type: 'string', description: 'DeprecatedServiceAccount is a deprecated alias for ServiceAccountName.' },
      { json: 'automountServiceAccountToken', proto: 21, type: 'bool', keepZero: true, description: 'AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.' },
      { json: 'nodeName', proto: 10, type: 'string', description: 'NodeName is a request to schedule this pod onto a specific node.' },
      { json: 'hostNetwork', proto: 11, type: 'bool', description: 'Host networking requested for this pod.' },
      { json: 'hostPID', proto: 12, type: 'bool', description: "Use the host's pid namespace." },
      { json: 'hostIPC', proto: 13, type: 'bool', description: "Use the host's ipc namespace." },
      { json: 'shareProcessNamespace', proto: 27, type: 'bool', keepZero: true, description: 'Share a single process namespace between all of the containers in a pod.' },
      { json: 'securityContext', proto: 14, type: 'io.k8s.api.core.v1.PodSecurityContext', description: 'SecurityContext holds pod-level security attributes and common container settings.' },
      { json: 'imagePullSecrets', proto: 15, type: 'io.k8s.api.core.v1.LocalObjectReference', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], description: 'ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.' },
      { json: 'hostname', proto: 16, type: 'string', description: "Specifies the hostname of the Pod If not specified, the pod's hostname will be set to a system-defined value." },
      { json: 'subdomain', proto: 17, type: 'string', description: 'If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>".' },
      { json: 'affinity', proto: 18, type: 'io.k8s.api.core.v1.Affinity', description: "If specified, the pod's scheduling constraints" },
      { json: 'schedulerName', proto: 19, type: 'string', description: 'If specified, the pod will be dispatched by specified scheduler.' },
      { json: 'tolerations', proto: 22, type: 'io.k8s.api.core.v1.Toleration', list: true, listType: 'atomic', description: "If specified, the pod's tolerations." },
      { json: 'hostAliases', proto: 23, type: 'io.k8s.api.core.v1.HostAlias', list: true, mergeKey: 'ip', patchStrategy: 'merge', listType: 'map', listMapKeys: ['ip'], description: "HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified." },
      { json: 'priorityClassName', proto: 24, type: 'string', description: "If specified, indicates the pod's priority." },
      { json: 'priority', proto: 25, type: 'int32', keepZero: true, description: 'The priority value.' },
      { json: 'dnsConfig', proto: 26, type: 'io.k8s.api.core.v1.PodDNSConfig', description: 'Specifies the DNS parameters of a pod.' },
      { json: 'readinessGates', proto: 28, type: 'io.k8s.api.core.v1.PodReadinessGate', list: true, listType: 'atomic', description: 'If specified, all readiness gates will be evaluated for pod readiness.' },
      { json: 'runtimeClassName', proto: 29, type: 'string', keepZero: true, description: 'RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.' },
      { json: 'enableServiceLinks', proto: 30, type: 'bool', keepZero: true, description: "EnableServiceLinks indicates whether information about services should be injected into pod's environment variables, matching the syntax of Docker links." },
      { json: 'preemptionPolicy', proto: 31, type: 'string', keepZero: true, enum: ['Never', 'PreemptLowerPriority'], description: 'PreemptionPolicy is the Policy for preempting pods with lower priority.' },
      { json: 'overhead', proto: 32, type: 'Quantity', map: true, description: 'Overhead represents the resource overhead associated with running a pod for a given RuntimeClass.' },
      { json: 'topologySpreadConstraints', proto: 33, type: 'io.k8s.api.core.v1.TopologySpreadConstraint', list: true, mergeKey: 'topologyKey', patchStrategy: 'merge', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'], description: 'TopologySpreadConstraints describes how a group of pods ought to spread across topology domains.' },
      { json: 'setHostnameAsFQDN', proto: 35, type: 'bool', keepZero: true, description: "If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default)." },
      { json: 'os', proto: 36, type: 'io.k8s.api.core.v1.PodOS', description: 'Specifies the OS of the containers in the pod.' },
      { json: 'hostUsers', proto: 37, type: 'bool', keepZero: true, description: "Use the host's user namespace." },
      { json: 'schedulingGates', proto: 38, type: 'io.k8s.api.core.v1.PodSchedulingGate', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], description: 'SchedulingGates is an opaque list of values that if specified will block scheduling the pod.' },
      { json: 'resourceClaims', proto: 39, type: 'io.k8s.api.core.v1.PodResourceClaim', list: true, mergeKey: 'name', patchStrategy: 'merge,retainKeys', listType: 'map', listMapKeys: ['name'], description: 'ResourceClaims defines which ResourceClaims must be allocated and reserved before the Pod is allowed to start.' },
      { json: 'resources', proto: 40, type: 'io.k8s.api.core.v1.ResourceRequirements', description: 'Resources is the total amount of CPU and Memory resources required by all containers in the pod.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodStatus',
    description: 'PodStatus represents information about the status of a pod.',
    fields: [
      { json: 'phase', proto: 1, type: 'string', enum: ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'], description: 'The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle.' },
      { json: 'conditions', proto: 2, type: 'io.k8s.api.core.v1.PodCondition', list: true, mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'], description: 'Current service state of pod.' },
      { json: 'message', proto: 3, type: 'string', description: 'A human readable message indicating details about why the pod is in this condition.' },
      { json: 'reason', proto: 4, type: 'string', description: 'A brief CamelCase message indicating details about why the pod is in this state.' },
      { json: 'nominatedNodeName', proto: 11, type: 'string', description: 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.' },
      { json: 'hostIP', proto: 5, type: 'string', description: 'hostIP holds the IP address of the host to which the pod is assigned.' },
      { json: 'hostIPs', proto: 16, type: 'io.k8s.api.core.v1.HostIP', list: true, mergeKey: 'ip', patchStrategy: 'merge', listType: 'atomic', description: 'hostIPs holds the IP addresses allocated to the host.' },
      { json: 'podIP', proto: 6, type: 'string', description: 'podIP address allocated to the pod.' },
      { json: 'podIPs', proto: 12, type: 'io.k8s.api.core.v1.PodIP', list: true, mergeKey: 'ip', patchStrategy: 'merge', listType: 'map', listMapKeys: ['ip'], description: 'podIPs holds the IP addresses allocated to the pod.' },
      { json: 'startTime', proto: 7, type: 'Time', description: 'RFC 3339 date and time at which the object was acknowledged by the Kubelet.' },
      { json: 'initContainerStatuses', proto: 10, type: 'io.k8s.api.core.v1.ContainerStatus', list: true, listType: 'atomic', description: 'The list has one entry per init container in the manifest.' },
      { json: 'containerStatuses', proto: 8, type: 'io.k8s.api.core.v1.ContainerStatus', list: true, listType: 'atomic', description: 'The list has one entry per container in the manifest.' },
      { json: 'qosClass', proto: 9, type: 'string', enum: ['BestEffort', 'Burstable', 'Guaranteed'], description: 'The Quality of Service (QOS) classification assigned to the pod based on resource requirements See PodQOSClass type for available QOS classes' },
      { json: 'ephemeralContainerStatuses', proto: 13, type: 'io.k8s.api.core.v1.ContainerStatus', list: true, listType: 'atomic', description: 'Status for any ephemeral containers that have run in this pod.' },
      { json: 'resize', proto: 14, type: 'string', description: "Status of resources resize desired for pod's containers." },
      { json: 'resourceClaimStatuses', proto: 15, type: 'io.k8s.api.core.v1.PodResourceClaimStatus', list: true, mergeKey: 'name', patchStrategy: 'merge,retainKeys', listType: 'map', listMapKeys: ['name'], description: 'Status of resource claims.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodTemplateSpec',
    description: 'PodTemplateSpec describes the data a pod should have when created from a template',
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: 'io.k8s.api.core.v1.PodSpec', description: 'Specification of the desired behavior of the pod.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PreferredSchedulingTerm',
    description: "An empty preferred scheduling term matches all objects with implicit weight 0 (i.e. it's a no-op).",
    fields: [
      { json: 'weight', proto: 1, type: 'int32', keepZero: true, required: true, description: 'Weight associated with matching the corresponding nodeSelectorTerm, in the range 1-100.' },
      { json: 'preference', proto: 2, type: 'io.k8s.api.core.v1.NodeSelectorTerm', required: true, description: 'A node selector term, associated with the corresponding weight.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Probe',
    description: 'Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.',
    fields: [
      inlineField({ json: 'handler', proto: 1, type: 'io.k8s.api.core.v1.ProbeHandler' }),
      { json: 'initialDelaySeconds', proto: 2, type: 'int32', description: 'Number of seconds after the container has started before liveness probes are initiated.' },
      { json: 'timeoutSeconds', proto: 3, type: 'int32', description: 'Number of seconds after which the probe times out.' },
      { json: 'periodSeconds', proto: 4, type: 'int32', description: 'How often (in seconds) to perform the probe.' },
      { json: 'successThreshold', proto: 5, type: 'int32', description: 'Minimum consecutive successes for the probe to be considered successful after having failed.' },
      { json: 'failureThreshold', proto: 6, type: 'int32', description: 'Minimum consecutive failures for the probe to be considered failed after having succeeded.' },
      { json: 'terminationGracePeriodSeconds', proto: 7, type: 'int64', keepZero: true, description: 'Optional duration in seconds the pod needs to terminate gracefully upon probe failure.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ProbeHandler',
    description: 'Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.',
    fields: [
      { json: 'exec', proto: 1, type: 'io.k8s.api.core.v1.ExecAction', description: 'Exec specifies the action to take.' },
      { json: 'httpGet', proto: 2, type: 'io.k8s.api.core.v1.HTTPGetAction', description: 'HTTPGet specifies the http request to perform.' },
      { json: 'tcpSocket', proto: 3, type: 'io.k8s.api.core.v1.TCPSocketAction', description: 'TCPSocket specifies an action involving a TCP port.' },
      { json: 'grpc', proto: 4, type: 'io.k8s.api.core.v1.GRPCAction', description: 'GRPC specifies an action involving a GRPC port.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ResourceClaim',
    description: 'ResourceClaim references one entry in PodSpec.ResourceClaims.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used.' },
      { json: 'request', proto: 2, type: 'string', description: 'Request is the name chosen for a request in the referenced claim.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ResourceFieldSelector',
    description: 'ResourceFieldSelector represents container resources (cpu, memory) and their output format',
    fields: [
      { json: 'containerName', proto: 1, type: 'string', description: 'Container name: required for volumes, optional for env vars' },
      { json: 'resource', proto: 2, type: 'string', keepZero: true, required: true, description: 'Required: resource to select' },
      { json: 'divisor', proto: 3, type: 'Quantity', description: 'Specifies the output format of the exposed resources, defaults to "1"' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ResourceHealth',
    description: 'ResourceHealth represents the health of a resource.',
    fields: [
      { json: 'resourceID', proto: 1, type: 'string', keepZero: true, required: true, description: 'ResourceID is the unique identifier of the resource.' },
      { json: 'health', proto: 2, type: 'string', description: 'Health of the resource.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ResourceRequirements',
    description: 'ResourceRequirements describes the compute resource requirements.',
    fields: [
      { json: 'limits', proto: 1, type: 'Quantity', map: true, description: 'Limits describes the maximum amount of compute resources allowed.' },
      { json: 'requests', proto: 2, type: 'Quantity', map: true, description: 'Requests describes the minimum amount of compute resources required.' },
      { json: 'claims', proto: 3, type: 'io.k8s.api.core.v1.ResourceClaim', list: true, listType: 'map', listMapKeys: ['name'], description: 'Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ResourceStatus',
    description: 'ResourceStatus represents the status of a single resource allocated to a Pod.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name of the resource.' },
      { json: 'resources', proto: 2, type: 'io.k8s.api.core.v1.ResourceHealth', list: true, listType: 'map', listMapKeys: ['resourceID'], description: 'List of unique resources health.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SELinuxOptions',
    description: 'SELinuxOptions are the labels to be applied to the container',
    fields: [
      { json: 'user', proto: 1, type: 'string', description: 'User is a SELinux user label that applies to the container.' },
      { json: 'role', proto: 2, type: 'string', description: 'Role is a SELinux role label that applies to the container.' },
      { json: 'type', proto: 3, type: 'string', description: 'Type is a SELinux type label that applies to the container.' },
      { json: 'level', proto: 4, type: 'string', description: 'Level is SELinux level label that applies to the container.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SeccompProfile',
    description: "SeccompProfile defines a pod/container's seccomp profile settings.",
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, enum: ['Localhost', 'RuntimeDefault', 'Unconfined'], description: 'type indicates which kind of seccomp profile will be applied.' },
      { json: 'localhostProfile', proto: 2, type: 'string', keepZero: true, description: 'localhostProfile indicates a profile defined in a file on the node should be used.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SecretEnvSource',
    description: 'SecretEnvSource selects a Secret to populate the environment variables with.',
    fields: [
      inlineField({ json: 'localObjectReference', proto: 1, type: 'io.k8s.api.core.v1.LocalObjectReference' }),
      { json: 'optional', proto: 2, type: 'bool', keepZero: true, description: 'Specify whether the Secret must be defined' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SecretKeySelector',
    description: 'SecretKeySelector selects a key of a Secret.',
    fields: [
      inlineField({ json: 'localObjectReference', proto: 1, type: 'io.k8s.api.core.v1.LocalObjectReference' }),
      { json: 'key', proto: 2, type: 'string', keepZero: true, required: true, description: 'The key of the secret to select from.' },
      { json: 'optional', proto: 3, type: 'bool', keepZero: true, description: 'Specify whether the Secret or its key must be defined' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SecurityContext',
    description: 'SecurityContext holds security configuration that will be applied to a container.',
    fields: [
      { json: 'capabilities', proto: 1, type: 'io.k8s.api.core.v1.Capabilities', description: 'The capabilities to add/drop when running containers.' },
      { json: 'privileged', proto: 2, type: 'bool', keepZero: true, description: 'Run container in privileged mode.' },
      { json: 'seLinuxOptions', proto: 3, type: 'io.k8s.api.core.v1.SELinuxOptions', description: 'The SELinux context to be applied to the container.' },
      { json: 'windowsOptions', proto: 10, type: 'io.k8s.api.core.v1.WindowsSecurityContextOptions', description: 'The Windows specific settings applied to all containers.' },
      { json: 'runAsUser', proto: 4, type: 'int64', keepZero: true, description: 'The UID to run the entrypoint of the container process.' },
      { json: 'runAsGroup', proto: 8, type: 'int64', keepZero: true, description: 'The GID to run the entrypoint of the container process.' },
      { json: 'runAsNonRoot', proto: 5, type: 'bool', keepZero: true, description: 'Indicates that the container must run as a non-root user.' },
      { json: 'readOnlyRootFilesystem', proto: 6, type: 'bool', keepZero: true, description: 'Whether this container has a read-only root filesystem.' },
      { json: 'allowPrivilegeEscalation', proto: 7, type: 'bool', keepZero: true, description: 'AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process.' },
      { json: 'procMount', proto: 9, type: 'string', keepZero: true, enum: ['Default', 'Unmasked'], description: 'procMount denotes the type of proc mount to use for the containers.' },
      { json: 'seccompProfile', proto: 11, type: 'io.k8s.api.core.v1.SeccompProfile', description: 'The seccomp options to use by this container.' },
      { json: 'appArmorProfile', proto: 12, type: 'io.k8s.api.core.v1.AppArmorProfile', description: 'appArmorProfile is the AppArmor options to use by this container.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SleepAction',
    description: 'SleepAction describes a "sleep" action.',
    fields: [
      { json: 'seconds', proto: 1, type: 'int64', keepZero: true, required: true, description: 'Seconds is the number of seconds to sleep.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Sysctl',
    description: 'Sysctl defines a kernel parameter to be set',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name of a property to set' },
      { json: 'value', proto: 2, type: 'string', keepZero: true, required: true, description: 'Value of a property to set' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.TCPSocketAction',
    description: 'TCPSocketAction describes an action based on opening a socket',
    fields: [
      { json: 'port', proto: 1, type: 'IntOrString', required: true, description: 'Number or name of the port to access on the container.' },
      { json: 'host', proto: 2, type: 'string', description: 'Optional: Host name to connect to, defaults to the pod IP.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Toleration',
    description: 'The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.',
    fields: [
      { json: 'key', proto: 1, type: 'string', description: 'Key is the taint key that the toleration applies to.' },
      { json: 'operator', proto: 2, type: 'string', enum: ['Equal', 'Exists'], description: "Operator represents a key's relationship to the value." },
      { json: 'value', proto: 3, type: 'string', description: 'Value is the taint value the toleration matches to.' },
      { json: 'effect', proto: 4, type: 'string', enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'], description: 'Effect indicates the taint effect to match.' },
      { json: 'tolerationSeconds', proto: 5, type: 'int64', keepZero: true, description: 'TolerationSeconds represents the period of time the toleration (which must be of effect NoExecute, otherwise this field is ignored) tolerates the taint.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.TopologySpreadConstraint',
    description: 'TopologySpreadConstraint specifies how to spread matching pods among the given topology.',
    fields: [
      { json: 'maxSkew', proto: 1, type: 'int32', keepZero: true, required: true, description: 'MaxSkew describes the degree to which pods may be unevenly distributed.' },
      { json: 'topologyKey', proto: 2, type: 'string', keepZero: true, required: true, description: 'TopologyKey is the key of node labels.' },
      { json: 'whenUnsatisfiable', proto: 3, type: 'string', keepZero: true, required: true, enum: ['DoNotSchedule', 'ScheduleAnyway'], description: "WhenUnsatisfiable indicates how to deal with a pod if it doesn't satisfy the spread constraint." },
      { json: 'labelSelector', proto: 4, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', description: 'LabelSelector is used to find matching pods.' },
      { json: 'minDomains', proto: 5, type: 'int32', keepZero: true, description: 'MinDomains indicates a minimum number of eligible domains.' },
      { json: 'nodeAffinityPolicy', proto: 6, type: 'string', keepZero: true, enum: ['Honor', 'Ignore'], description: "NodeAffinityPolicy indicates how we will treat Pod's nodeAffinity/nodeSelector when calculating pod topology spread skew." },
      { json: 'nodeTaintsPolicy', proto: 7, type: 'string', keepZero: true, enum: ['Honor', 'Ignore'], description: 'NodeTaintsPolicy indicates how we will treat node taints when calculating pod topology spread skew.' },
      { json: 'matchLabelKeys', proto: 8, type: 'string', list: true, listType: 'atomic', description: 'MatchLabelKeys is a set of pod label keys to select the pods over which spreading will be calculated.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeDevice',
    description: 'volumeDevice describes a mapping of a raw block device within a container.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'name must match the name of a persistentVolumeClaim in the pod' },
      { json: 'devicePath', proto: 2, type: 'string', keepZero: true, required: true, description: 'devicePath is the path inside of the container that the device will be mapped to.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeMount',
    description: 'VolumeMount describes a mounting of a Volume within a container.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'This must match the Name of a Volume.' },
      { json: 'readOnly', proto: 2, type: 'bool', description: 'Mounted read-only if true, read-write otherwise (false or unspecified).' },
      { json: 'recursiveReadOnly', proto: 7, type: 'string', keepZero: true, enum: ['Disabled', 'Enabled', 'IfPossible'], description: 'RecursiveReadOnly specifies whether read-only mounts should be handled recursively.' },
      { json: 'mountPath', proto: 3, type: 'string', keepZero: true, required: true, description: 'Path within the container at which the volume should be mounted.' },
      { json: 'subPath', proto: 4, type: 'string', description: "Path within the volume from which the container's volume should be mounted." },
      { json: 'mountPropagation', proto: 5, type: 'string', keepZero: true, enum: ['Bidirectional', 'HostToContainer', 'None'], description: 'mountPropagation determines how mounts are propagated from the host to container and the other way around.' },
      { json: 'subPathExpr', proto: 6, type: 'string', description: "Expanded path within the volume from which the container's volume should be mounted." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeMountStatus',
    description: 'VolumeMountStatus shows status of volume mounts.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name corresponds to the name of the original VolumeMount.' },
      { json: 'mountPath', proto: 2, type: 'string', keepZero: true, required: true, description: 'MountPath corresponds to the original VolumeMount.' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'ReadOnly corresponds to the original VolumeMount.' },
      { json: 'recursiveReadOnly', proto: 4, type: 'string', keepZero: true, description: 'RecursiveReadOnly must be set to Disabled, Enabled, or unspecified (for non-readonly mounts).' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.WeightedPodAffinityTerm',
    description: 'The weights of all of the matched WeightedPodAffinityTerm fields are added per-node to find the most preferred node(s)',
    fields: [
      { json: 'weight', proto: 1, type: 'int32', keepZero: true, required: true, description: 'weight associated with matching the corresponding podAffinityTerm, in the range 1-100.' },
      { json: 'podAffinityTerm', proto: 2, type: 'io.k8s.api.core.v1.PodAffinityTerm', required: true, description: 'Required.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.WindowsSecurityContextOptions',
    description: 'WindowsSecurityContextOptions contain Windows-specific options and credentials.',
    fields: [
      { json: 'gmsaCredentialSpecName', proto: 1, type: 'string', keepZero: true, description: 'GMSACredentialSpecName is the name of the GMSA credential spec to use.' },
      { json: 'gmsaCredentialSpec', proto: 2, type: 'string', keepZero: true, description: 'GMSACredentialSpec is where the GMSA admission webhook (https://github.com/kubernetes-sigs/windows-gmsa) inlines the contents of the GMSA credential spec named by the GMSACredentialSpecName field.' },
      { json: 'runAsUserName', proto: 3, type: 'string', keepZero: true, description: 'The UserName in Windows to run the entrypoint of the container process.' },
      { json: 'hostProcess', proto: 4, type: 'bool', keepZero: true, description: "HostProcess determines if a container should be run as a 'Host Process' container." },
    ],
  },
];
