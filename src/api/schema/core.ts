// core/v1 (k8s.io/api/core/v1): the kinds the core group serves besides Pod (Service,
// Endpoints, Node, Event, ConfigMap, Secret, ServiceAccount, Namespace, Binding, and their
// lists), the subresources' option kinds, the references other groups use, and CORE_V1_TYPES,
// which gathers every core table.
// Field numbers from kubernetes/kubernetes staging/src/k8s.io/api/core/v1/generated.proto;
// json tags, pointers (keepZero) and patch tags from the Go types of v1.32. TypeMeta
// (apiVersion, kind) is not listed: it has no protobuf field, and OpenAPI adds it by gvk.

import { CORE_V1_POD_TYPES } from './core-pod.js';
import { CORE_V1_STORAGE_TYPES } from './core-storage.js';
import { CORE_V1_VOLUME_TYPES } from './core-volume.js';
import type { TypeDef } from './types.js';

export { type InlineFieldDef, inlineField, isInlineField } from './core-inline.js';
export { CORE_V1_POD_TYPES } from './core-pod.js';
export { CORE_V1_VOLUME_TYPES } from './core-volume.js';

const CORE_V1_OTHER_TYPES: TypeDef[] = [
  {
    name: 'io.k8s.api.core.v1.AttachedVolume',
    description: 'AttachedVolume describes a volume attached to a node',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Name of the attached volume' },
      { json: 'devicePath', proto: 2, type: 'string', keepZero: true, required: true, description: 'DevicePath represents the device path where the volume should be available' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Binding',
    description: 'Binding ties one object to another; for example, a pod is bound to a node by a scheduler.',
    gvk: [{ group: '', version: 'v1', kind: 'Binding' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'target', proto: 2, type: 'io.k8s.api.core.v1.ObjectReference', required: true, description: 'The target object that you want to bind to the standard object.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ClientIPConfig',
    description: 'ClientIPConfig represents the configurations of Client IP based session affinity.',
    fields: [
      { json: 'timeoutSeconds', proto: 1, type: 'int32', keepZero: true, description: 'timeoutSeconds specifies the seconds of ClientIP type session sticky time.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMap',
    description: 'ConfigMap holds configuration data for pods to consume.',
    gvk: [{ group: '', version: 'v1', kind: 'ConfigMap' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'immutable', proto: 4, type: 'bool', keepZero: true, description: 'Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).' },
      { json: 'data', proto: 2, type: 'string', map: true, description: 'Data contains the configuration data.' },
      { json: 'binaryData', proto: 3, type: 'bytes', map: true, description: 'BinaryData contains the binary data.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMapList',
    description: 'ConfigMapList is a resource containing a list of ConfigMap objects.',
    gvk: [{ group: '', version: 'v1', kind: 'ConfigMapList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.ConfigMap', list: true, required: true, description: 'Items is the list of ConfigMaps.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMapNodeConfigSource',
    description: 'ConfigMapNodeConfigSource contains the information to reference a ConfigMap as a config source for the Node.',
    fields: [
      { json: 'namespace', proto: 1, type: 'string', keepZero: true, required: true, description: 'Namespace is the metadata.namespace of the referenced ConfigMap.' },
      { json: 'name', proto: 2, type: 'string', keepZero: true, required: true, description: 'Name is the metadata.name of the referenced ConfigMap.' },
      { json: 'uid', proto: 3, type: 'string', description: 'UID is the metadata.UID of the referenced ConfigMap.' },
      { json: 'resourceVersion', proto: 4, type: 'string', description: 'ResourceVersion is the metadata.ResourceVersion of the referenced ConfigMap.' },
      { json: 'kubeletConfigKey', proto: 5, type: 'string', keepZero: true, required: true, description: 'KubeletConfigKey declares which key of the referenced ConfigMap corresponds to the KubeletConfiguration structure This field is required in all cases.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ContainerImage',
    description: 'Describe a container image',
    fields: [
      { json: 'names', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'Names by which this image is known.' },
      { json: 'sizeBytes', proto: 2, type: 'int64', description: 'The size of the image in bytes.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.DaemonEndpoint',
    description: 'DaemonEndpoint contains information about a single Daemon endpoint.',
    fields: [
      { json: 'Port', proto: 1, type: 'int32', keepZero: true, required: true, description: 'Port number of the given endpoint.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EndpointAddress',
    description: 'EndpointAddress is a tuple that describes single IP address.',
    fields: [
      { json: 'ip', proto: 1, type: 'string', keepZero: true, required: true, description: 'The IP of this endpoint.' },
      { json: 'hostname', proto: 3, type: 'string', description: 'The Hostname of this endpoint' },
      { json: 'nodeName', proto: 4, type: 'string', keepZero: true, description: 'Optional: Node hosting this endpoint.' },
      { json: 'targetRef', proto: 2, type: 'io.k8s.api.core.v1.ObjectReference', description: 'Reference to object providing the endpoint.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EndpointPort',
    description: 'EndpointPort is a tuple that describes a single port.',
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'The name of this port.' },
      { json: 'port', proto: 2, type: 'int32', keepZero: true, required: true, description: 'The port number of the endpoint.' },
      { json: 'protocol', proto: 3, type: 'string', enum: ['SCTP', 'TCP', 'UDP'], description: 'The IP protocol for this port.' },
      { json: 'appProtocol', proto: 4, type: 'string', keepZero: true, description: 'The application protocol for this port.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EndpointSubset',
    description: 'EndpointSubset is a group of addresses with a common set of ports.',
    fields: [
      { json: 'addresses', proto: 1, type: 'io.k8s.api.core.v1.EndpointAddress', list: true, listType: 'atomic', description: 'IP addresses which offer the related ports that are marked as ready.' },
      { json: 'notReadyAddresses', proto: 2, type: 'io.k8s.api.core.v1.EndpointAddress', list: true, listType: 'atomic', description: 'IP addresses which offer the related ports but are not currently marked as ready because they have not yet finished starting, have recently failed a readiness check, or have recently failed a liveness check.' },
      { json: 'ports', proto: 3, type: 'io.k8s.api.core.v1.EndpointPort', list: true, listType: 'atomic', description: 'Port numbers available on the related IP addresses.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Endpoints',
    description: 'Endpoints is a collection of endpoints that implement the actual service.',
    gvk: [{ group: '', version: 'v1', kind: 'Endpoints' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'subsets', proto: 2, type: 'io.k8s.api.core.v1.EndpointSubset', list: true, listType: 'atomic', description: 'The set of all endpoints is the union of all subsets.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EndpointsList',
    description: 'EndpointsList is a list of endpoints.',
    gvk: [{ group: '', version: 'v1', kind: 'EndpointsList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.Endpoints', list: true, required: true, description: 'List of endpoints.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Event',
    description: 'Event is a report of an event somewhere in the cluster.',
    gvk: [{ group: '', version: 'v1', kind: 'Event' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', required: true, description: "Standard object's metadata." },
      { json: 'involvedObject', proto: 2, type: 'io.k8s.api.core.v1.ObjectReference', required: true, description: 'The object that this event is about.' },
      { json: 'reason', proto: 3, type: 'string', description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status." },
      { json: 'message', proto: 4, type: 'string', description: 'A human-readable description of the status of this operation.' },
      { json: 'source', proto: 5, type: 'io.k8s.api.core.v1.EventSource', description: 'The component reporting this event.' },
      { json: 'firstTimestamp', proto: 6, type: 'Time', description: 'The time at which the event was first recorded.' },
      { json: 'lastTimestamp', proto: 7, type: 'Time', description: 'The time at which the most recent occurrence of this event was recorded.' },
      { json: 'count', proto: 8, type: 'int32', description: 'The number of times this event has occurred.' },
      { json: 'type', proto: 9, type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future' },
      { json: 'eventTime', proto: 10, type: 'MicroTime', description: 'Time when this Event was first observed.' },
      { json: 'series', proto: 11, type: 'io.k8s.api.core.v1.EventSeries', description: "Data about the Event series this event represents or nil if it's a singleton Event." },
      { json: 'action', proto: 12, type: 'string', description: 'What action was taken/failed regarding to the Regarding object.' },
      { json: 'related', proto: 13, type: 'io.k8s.api.core.v1.ObjectReference', description: 'Optional secondary object for more complex actions.' },
      { json: 'reportingComponent', proto: 14, type: 'string', keepZero: true, description: 'Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.' },
      { json: 'reportingInstance', proto: 15, type: 'string', keepZero: true, description: 'ID of the controller instance, e.g. `kubelet-xyzf`.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EventList',
    description: 'EventList is a list of events.',
    gvk: [{ group: '', version: 'v1', kind: 'EventList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.Event', list: true, required: true, description: 'List of events' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EventSeries',
    description: 'EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.',
    fields: [
      { json: 'count', proto: 1, type: 'int32', description: 'Number of occurrences in this series up to the last heartbeat time' },
      { json: 'lastObservedTime', proto: 2, type: 'MicroTime', description: 'Time of the last occurrence observed' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EventSource',
    description: 'EventSource contains information for an event.',
    fields: [
      { json: 'component', proto: 1, type: 'string', description: 'Component from which the event is generated.' },
      { json: 'host', proto: 2, type: 'string', description: 'Node name on which the event is generated.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.LoadBalancerIngress',
    description: 'LoadBalancerIngress represents the status of a load-balancer ingress point: traffic intended for the service should be sent to an ingress point.',
    fields: [
      { json: 'ip', proto: 1, type: 'string', description: 'IP is set for load-balancer ingress points that are IP based (typically GCE or OpenStack load-balancers)' },
      { json: 'hostname', proto: 2, type: 'string', description: 'Hostname is set for load-balancer ingress points that are DNS based (typically AWS load-balancers)' },
      { json: 'ipMode', proto: 3, type: 'string', keepZero: true, enum: ['Proxy', 'VIP'], description: 'IPMode specifies how the load-balancer IP behaves, and may only be specified when the ip field is specified.' },
      { json: 'ports', proto: 4, type: 'io.k8s.api.core.v1.PortStatus', list: true, listType: 'atomic', description: 'Ports is a list of records of service ports If used, every port defined in the service should have an entry in it' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.LoadBalancerStatus',
    description: 'LoadBalancerStatus represents the status of a load-balancer.',
    fields: [
      { json: 'ingress', proto: 1, type: 'io.k8s.api.core.v1.LoadBalancerIngress', list: true, listType: 'atomic', description: 'Ingress is a list containing ingress points for the load-balancer.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.LocalObjectReference',
    description: 'LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.',
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'Name of the referent.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Namespace',
    description: 'Namespace provides a scope for Names.',
    gvk: [{ group: '', version: 'v1', kind: 'Namespace' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: 'io.k8s.api.core.v1.NamespaceSpec', description: 'Spec defines the behavior of the Namespace.' },
      { json: 'status', proto: 3, type: 'io.k8s.api.core.v1.NamespaceStatus', description: 'Status describes the current status of a Namespace.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NamespaceCondition',
    description: 'NamespaceCondition contains details about state of namespace.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of namespace controller condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status of the condition, one of True, False, Unknown.' },
      { json: 'lastTransitionTime', proto: 4, type: 'Time', description: 'Last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 5, type: 'string', description: "Unique, one-word, CamelCase reason for the condition's last transition." },
      { json: 'message', proto: 6, type: 'string', description: 'Human-readable message indicating details about last transition.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NamespaceList',
    description: 'NamespaceList is a list of Namespaces.',
    gvk: [{ group: '', version: 'v1', kind: 'NamespaceList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.Namespace', list: true, required: true, description: 'Items is the list of Namespace objects in the list.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NamespaceSpec',
    description: 'NamespaceSpec describes the attributes on a Namespace.',
    fields: [
      { json: 'finalizers', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'Finalizers is an opaque list of values that must be empty to permanently remove object from storage.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NamespaceStatus',
    description: 'NamespaceStatus is information about the current status of a Namespace.',
    fields: [
      { json: 'phase', proto: 1, type: 'string', enum: ['Active', 'Terminating'], description: 'Phase is the current lifecycle phase of the namespace.' },
      { json: 'conditions', proto: 2, type: 'io.k8s.api.core.v1.NamespaceCondition', list: true, mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'], description: "Represents the latest available observations of a namespace's current state." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Node',
    description: 'Node is a worker node in Kubernetes.',
    gvk: [{ group: '', version: 'v1', kind: 'Node' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: 'io.k8s.api.core.v1.NodeSpec', description: 'Spec defines the behavior of a node.' },
      { json: 'status', proto: 3, type: 'io.k8s.api.core.v1.NodeStatus', description: 'Most recently observed status of the node.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeAddress',
    description: "NodeAddress contains information for the node's address.",
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Node address type, one of Hostname, ExternalIP or InternalIP.' },
      { json: 'address', proto: 2, type: 'string', keepZero: true, required: true, description: 'The node address.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeCondition',
    description: 'NodeCondition contains condition information for a node.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of node condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status of the condition, one of True, False, Unknown.' },
      { json: 'lastHeartbeatTime', proto: 3, type: 'Time', description: 'Last time we got an update on a given condition.' },
      { json: 'lastTransitionTime', proto: 4, type: 'Time', description: 'Last time the condition transit from one status to another.' },
      { json: 'reason', proto: 5, type: 'string', description: "(brief) reason for the condition's last transition." },
      { json: 'message', proto: 6, type: 'string', description: 'Human readable message indicating details about last transition.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeConfigSource',
    description: 'NodeConfigSource specifies a source of node configuration.',
    fields: [
      { json: 'configMap', proto: 2, type: 'io.k8s.api.core.v1.ConfigMapNodeConfigSource', description: "ConfigMap is a reference to a Node's ConfigMap" },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeConfigStatus',
    description: 'NodeConfigStatus describes the status of the config assigned by Node.Spec.ConfigSource.',
    fields: [
      { json: 'assigned', proto: 1, type: 'io.k8s.api.core.v1.NodeConfigSource', description: 'Assigned reports the checkpointed config the node will try to use.' },
      { json: 'active', proto: 2, type: 'io.k8s.api.core.v1.NodeConfigSource', description: 'Active reports the checkpointed config the node is actively using.' },
      { json: 'lastKnownGood', proto: 3, type: 'io.k8s.api.core.v1.NodeConfigSource', description: 'LastKnownGood reports the checkpointed config the node will fall back to when it encounters an error attempting to use the Assigned config.' },
      { json: 'error', proto: 4, type: 'string', description: 'Error describes any problems reconciling the Spec.ConfigSource to the Active config.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeDaemonEndpoints',
    description: 'NodeDaemonEndpoints lists ports opened by daemons running on the Node.',
    fields: [
      { json: 'kubeletEndpoint', proto: 1, type: 'io.k8s.api.core.v1.DaemonEndpoint', description: 'Endpoint on which Kubelet is listening.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeFeatures',
    description: 'NodeFeatures describes the set of features implemented by the CRI implementation.',
    fields: [
      { json: 'supplementalGroupsPolicy', proto: 1, type: 'bool', keepZero: true, description: 'SupplementalGroupsPolicy is set to true if the runtime supports SupplementalGroupsPolicy and ContainerUser.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeList',
    description: 'NodeList is the whole list of all Nodes which have been registered with master.',
    gvk: [{ group: '', version: 'v1', kind: 'NodeList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.Node', list: true, required: true, description: 'List of nodes' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeProxyOptions',
    description: "NodeProxyOptions is the query options to a Node's proxy call.",
    gvk: [{ group: '', version: 'v1', kind: 'NodeProxyOptions' }],
    fields: [
      { json: 'path', proto: 1, type: 'string', description: 'Path is the URL path to use for the current proxy request to node.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeRuntimeHandler',
    description: 'NodeRuntimeHandler is a set of runtime handler information.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, description: 'Runtime handler name.' },
      { json: 'features', proto: 2, type: 'io.k8s.api.core.v1.NodeRuntimeHandlerFeatures', description: 'Supported features.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeRuntimeHandlerFeatures',
    description: 'NodeRuntimeHandlerFeatures is a set of runtime features.',
    fields: [
      { json: 'recursiveReadOnlyMounts', proto: 1, type: 'bool', keepZero: true, description: 'RecursiveReadOnlyMounts is set to true if the runtime handler supports RecursiveReadOnlyMounts.' },
      { json: 'userNamespaces', proto: 2, type: 'bool', keepZero: true, description: 'UserNamespaces is set to true if the runtime handler supports UserNamespaces, including for volumes.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeSpec',
    description: 'NodeSpec describes the attributes that a node is created with.',
    fields: [
      { json: 'podCIDR', proto: 1, type: 'string', description: 'PodCIDR represents the pod IP range assigned to the node.' },
      { json: 'podCIDRs', proto: 7, type: 'string', list: true, patchStrategy: 'merge', listType: 'set', description: 'podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node.' },
      { json: 'providerID', proto: 3, type: 'string', description: 'ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>' },
      { json: 'unschedulable', proto: 4, type: 'bool', description: 'Unschedulable controls node schedulability of new pods.' },
      { json: 'taints', proto: 5, type: 'io.k8s.api.core.v1.Taint', list: true, listType: 'atomic', description: "If specified, the node's taints." },
      { json: 'configSource', proto: 6, type: 'io.k8s.api.core.v1.NodeConfigSource', description: "Deprecated: Previously used to specify the source of the node's configuration for the DynamicKubeletConfig feature." },
      { json: 'externalID', proto: 2, type: 'string', description: 'Deprecated.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeStatus',
    description: 'NodeStatus is information about the current status of a node.',
    fields: [
      { json: 'capacity', proto: 1, type: 'Quantity', map: true, description: 'Capacity represents the total resources of a node.' },
      { json: 'allocatable', proto: 2, type: 'Quantity', map: true, description: 'Allocatable represents the resources of a node that are available for scheduling.' },
      { json: 'phase', proto: 3, type: 'string', enum: ['Pending', 'Running', 'Terminated'], description: 'NodePhase is the recently observed lifecycle phase of the node.' },
      { json: 'conditions', proto: 4, type: 'io.k8s.api.core.v1.NodeCondition', list: true, mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'], description: 'Conditions is an array of current observed node conditions.' },
      { json: 'addresses', proto: 5, type: 'io.k8s.api.core.v1.NodeAddress', list: true, mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'], description: 'List of addresses reachable to the node.' },
      { json: 'daemonEndpoints', proto: 6, type: 'io.k8s.api.core.v1.NodeDaemonEndpoints', description: 'Endpoints of daemons running on the Node.' },
      { json: 'nodeInfo', proto: 7, type: 'io.k8s.api.core.v1.NodeSystemInfo', description: 'Set of ids/uuids to uniquely identify the node.' },
      { json: 'images', proto: 8, type: 'io.k8s.api.core.v1.ContainerImage', list: true, listType: 'atomic', description: 'List of container images on this node' },
      { json: 'volumesInUse', proto: 9, type: 'string', list: true, listType: 'atomic', description: 'List of attachable volumes in use (mounted) by the node.' },
      { json: 'volumesAttached', proto: 10, type: 'io.k8s.api.core.v1.AttachedVolume', list: true, listType: 'atomic', description: 'List of volumes that are attached to the node.' },
      { json: 'config', proto: 11, type: 'io.k8s.api.core.v1.NodeConfigStatus', description: 'Status of the config assigned to the node via the dynamic Kubelet config feature.' },
      { json: 'runtimeHandlers', proto: 12, type: 'io.k8s.api.core.v1.NodeRuntimeHandler', list: true, listType: 'atomic', description: 'The available runtime handlers.' },
      { json: 'features', proto: 13, type: 'io.k8s.api.core.v1.NodeFeatures', description: 'Features describes the set of features implemented by the CRI implementation.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NodeSystemInfo',
    description: 'NodeSystemInfo is a set of ids/uuids to uniquely identify the node.',
    fields: [
      { json: 'machineID', proto: 1, type: 'string', keepZero: true, required: true, description: 'MachineID reported by the node.' },
      { json: 'systemUUID', proto: 2, type: 'string', keepZero: true, required: true, description: 'SystemUUID reported by the node.' },
      { json: 'bootID', proto: 3, type: 'string', keepZero: true, required: true, description: 'Boot ID reported by the node.' },
      { json: 'kernelVersion', proto: 4, type: 'string', keepZero: true, required: true, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." },
      { json: 'osImage', proto: 5, type: 'string', keepZero: true, required: true, description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).' },
      { json: 'containerRuntimeVersion', proto: 6, type: 'string', keepZero: true, required: true, description: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).' },
      { json: 'kubeletVersion', proto: 7, type: 'string', keepZero: true, required: true, description: 'Kubelet Version reported by the node.' },
      { json: 'kubeProxyVersion', proto: 8, type: 'string', keepZero: true, required: true, description: 'KubeProxy Version reported by the node.' },
      { json: 'operatingSystem', proto: 9, type: 'string', keepZero: true, required: true, description: 'The Operating System reported by the node' },
      { json: 'architecture', proto: 10, type: 'string', keepZero: true, required: true, description: 'The Architecture reported by the node' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ObjectReference',
    description: 'ObjectReference contains enough information to let you inspect or modify the referred object.',
    fields: [
      { json: 'kind', proto: 1, type: 'string', description: 'Kind of the referent.' },
      { json: 'namespace', proto: 2, type: 'string', description: 'Namespace of the referent.' },
      { json: 'name', proto: 3, type: 'string', description: 'Name of the referent.' },
      { json: 'uid', proto: 4, type: 'string', description: 'UID of the referent.' },
      { json: 'apiVersion', proto: 5, type: 'string', description: 'API version of the referent.' },
      { json: 'resourceVersion', proto: 6, type: 'string', description: 'Specific resourceVersion to which this reference is made, if any.' },
      { json: 'fieldPath', proto: 7, type: 'string', description: 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PortStatus',
    description: 'PortStatus represents the error condition of a service port',
    fields: [
      { json: 'port', proto: 1, type: 'int32', keepZero: true, required: true, description: 'Port is the port number of the service port of which status is recorded here' },
      { json: 'protocol', proto: 2, type: 'string', keepZero: true, required: true, enum: ['SCTP', 'TCP', 'UDP'], description: 'Protocol is the protocol of the service port of which status is recorded here The supported values are: "TCP", "UDP", "SCTP"' },
      { json: 'error', proto: 3, type: 'string', keepZero: true, description: 'Error is to record the problem with the service port The format of the error shall comply with the following rules: - built-in error values shall be specified in this file and those shall use CamelCase names - cloud provider specific error values must have names that comply with the format foo.example.com/CamelCase.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Secret',
    description: 'Secret holds secret data of a certain type.',
    gvk: [{ group: '', version: 'v1', kind: 'Secret' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'immutable', proto: 5, type: 'bool', keepZero: true, description: 'Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).' },
      { json: 'data', proto: 2, type: 'bytes', map: true, description: 'Data contains the secret data.' },
      { json: 'stringData', proto: 4, type: 'string', map: true, description: 'stringData allows specifying non-binary secret data in string form.' },
      { json: 'type', proto: 3, type: 'string', description: 'Used to facilitate programmatic handling of secret data.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SecretList',
    description: 'SecretList is a list of Secret.',
    gvk: [{ group: '', version: 'v1', kind: 'SecretList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.Secret', list: true, required: true, description: 'Items is a list of secret objects.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Service',
    description: 'Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
    gvk: [{ group: '', version: 'v1', kind: 'Service' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: 'io.k8s.api.core.v1.ServiceSpec', description: 'Spec defines the behavior of a service.' },
      { json: 'status', proto: 3, type: 'io.k8s.api.core.v1.ServiceStatus', description: 'Most recently observed status of the service.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServiceAccount',
    description: 'ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets',
    gvk: [{ group: '', version: 'v1', kind: 'ServiceAccount' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: "Standard object's metadata." },
      { json: 'secrets', proto: 2, type: 'io.k8s.api.core.v1.ObjectReference', list: true, mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'], description: 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.' },
      { json: 'imagePullSecrets', proto: 3, type: 'io.k8s.api.core.v1.LocalObjectReference', list: true, listType: 'atomic', description: 'ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.' },
      { json: 'automountServiceAccountToken', proto: 4, type: 'bool', keepZero: true, description: 'AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServiceAccountList',
    description: 'ServiceAccountList is a list of ServiceAccount objects',
    gvk: [{ group: '', version: 'v1', kind: 'ServiceAccountList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.ServiceAccount', list: true, required: true, description: 'List of ServiceAccounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServiceList',
    description: 'ServiceList holds a list of services.',
    gvk: [{ group: '', version: 'v1', kind: 'ServiceList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.Service', list: true, required: true, description: 'List of services' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServicePort',
    description: "ServicePort contains information on service's port.",
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'The name of this port within the service.' },
      { json: 'protocol', proto: 2, type: 'string', enum: ['SCTP', 'TCP', 'UDP'], description: 'The IP protocol for this port.' },
      { json: 'appProtocol', proto: 6, type: 'string', keepZero: true, description: 'The application protocol for this port.' },
      { json: 'port', proto: 3, type: 'int32', keepZero: true, required: true, description: 'The port that will be exposed by this service.' },
      { json: 'targetPort', proto: 4, type: 'IntOrString', description: 'Number or name of the port to access on the pods targeted by the service.' },
      { json: 'nodePort', proto: 5, type: 'int32', description: 'The port on each node on which this service is exposed when type is NodePort or LoadBalancer.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServiceProxyOptions',
    description: "ServiceProxyOptions is the query options to a Service's proxy call.",
    gvk: [{ group: '', version: 'v1', kind: 'ServiceProxyOptions' }],
    fields: [
      { json: 'path', proto: 1, type: 'string', description: 'Path is the part of URLs that include service endpoints, suffixes, and parameters to use for the current proxy request to service.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServiceSpec',
    description: 'ServiceSpec describes the attributes that a user creates on a service.',
    fields: [
      { json: 'ports', proto: 1, type: 'io.k8s.api.core.v1.ServicePort', list: true, mergeKey: 'port', patchStrategy: 'merge', listType: 'map', listMapKeys: ['port', 'protocol'], description: 'The list of ports that are exposed by this service.' },
      { json: 'selector', proto: 2, type: 'string', map: true, mapType: 'atomic', description: 'Route service traffic to pods with label keys and values matching this selector.' },
      { json: 'clusterIP', proto: 3, type: 'string', description: 'clusterIP is the IP address of the service and is usually assigned randomly.' },
      { json: 'clusterIPs', proto: 18, type: 'string', list: true, listType: 'atomic', description: 'ClusterIPs is a list of IP addresses assigned to this service, and are usually assigned randomly.' },
      { json: 'type', proto: 4, type: 'string', enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], description: 'type determines how the Service is exposed.' },
      { json: 'externalIPs', proto: 5, type: 'string', list: true, listType: 'atomic', description: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.' },
      { json: 'sessionAffinity', proto: 7, type: 'string', enum: ['ClientIP', 'None'], description: 'Supports "ClientIP" and "None".' },
      { json: 'loadBalancerIP', proto: 8, type: 'string', description: 'Only applies to Service Type: LoadBalancer.' },
      { json: 'loadBalancerSourceRanges', proto: 9, type: 'string', list: true, listType: 'atomic', description: 'If specified and supported by the platform, this will restrict traffic through the cloud-provider load-balancer will be restricted to the specified client IPs.' },
      { json: 'externalName', proto: 10, type: 'string', description: 'externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record).' },
      { json: 'externalTrafficPolicy', proto: 11, type: 'string', enum: ['Cluster', 'Local'], description: 'externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service\'s "externally-facing" addresses (NodePorts, ExternalIPs, and LoadBalancer IPs).' },
      { json: 'healthCheckNodePort', proto: 12, type: 'int32', description: 'healthCheckNodePort specifies the healthcheck nodePort for the service.' },
      { json: 'publishNotReadyAddresses', proto: 13, type: 'bool', description: 'publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.' },
      { json: 'sessionAffinityConfig', proto: 14, type: 'io.k8s.api.core.v1.SessionAffinityConfig', description: 'sessionAffinityConfig contains the configurations of session affinity.' },
      { json: 'ipFamilies', proto: 19, type: 'string', list: true, listType: 'atomic', description: 'IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.' },
      { json: 'ipFamilyPolicy', proto: 17, type: 'string', keepZero: true, enum: ['PreferDualStack', 'RequireDualStack', 'SingleStack'], description: 'IPFamilyPolicy represents the dual-stack-ness requested or required by this Service.' },
      { json: 'allocateLoadBalancerNodePorts', proto: 20, type: 'bool', keepZero: true, description: 'allocateLoadBalancerNodePorts defines if NodePorts will be automatically allocated for services with type LoadBalancer.' },
      { json: 'loadBalancerClass', proto: 21, type: 'string', keepZero: true, description: 'loadBalancerClass is the class of the load balancer implementation this Service belongs to.' },
      { json: 'internalTrafficPolicy', proto: 22, type: 'string', keepZero: true, enum: ['Cluster', 'Local'], description: 'InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP.' },
      { json: 'trafficDistribution', proto: 23, type: 'string', keepZero: true, description: 'TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServiceStatus',
    description: 'ServiceStatus represents the current status of a service.',
    fields: [
      { json: 'loadBalancer', proto: 1, type: 'io.k8s.api.core.v1.LoadBalancerStatus', description: 'LoadBalancer contains the current status of the load-balancer, if one is present.' },
      { json: 'conditions', proto: 2, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.Condition', list: true, mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'], description: 'Current service state' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SessionAffinityConfig',
    description: 'SessionAffinityConfig represents the configurations of session affinity.',
    fields: [
      { json: 'clientIP', proto: 1, type: 'io.k8s.api.core.v1.ClientIPConfig', description: 'clientIP contains the configurations of Client IP based session affinity.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Taint',
    description: 'The node this Taint is attached to has the "effect" on any pod that does not tolerate the Taint.',
    fields: [
      { json: 'key', proto: 1, type: 'string', keepZero: true, required: true, description: 'Required.' },
      { json: 'value', proto: 2, type: 'string', description: 'The taint value corresponding to the taint key.' },
      { json: 'effect', proto: 3, type: 'string', keepZero: true, required: true, enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'], description: 'Required.' },
      { json: 'timeAdded', proto: 4, type: 'Time', description: 'TimeAdded represents the time at which the taint was added.' },
    ],
  },
];

/** ReplicationController, the core group's ReplicaSet with a map selector. */
const CORE_V1_RC_TYPES: TypeDef[] = [
  {
    name: 'io.k8s.api.core.v1.ReplicationController',
    description: 'ReplicationController represents the configuration of a replication controller.',
    gvk: [{ group: '', version: 'v1', kind: 'ReplicationController' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', keepZero: true, description: 'If the Labels of a ReplicationController are empty, they are defaulted to be the same as the Pod(s) that the replication controller manages.' },
      { json: 'spec', proto: 2, type: 'io.k8s.api.core.v1.ReplicationControllerSpec', keepZero: true, description: 'Spec defines the specification of the desired behavior of the replication controller.' },
      { json: 'status', proto: 3, type: 'io.k8s.api.core.v1.ReplicationControllerStatus', keepZero: true, description: 'Status is the most recently observed status of the replication controller.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ReplicationControllerSpec',
    description: 'ReplicationControllerSpec is the specification of a replication controller.',
    fields: [
      { json: 'replicas', proto: 1, type: 'int32', keepZero: true, description: 'Replicas is the number of desired replicas.' },
      { json: 'minReadySeconds', proto: 4, type: 'int32', description: 'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available.' },
      { json: 'selector', proto: 2, type: 'string', map: true, mapType: 'atomic', description: 'Selector is a label query over pods that should match the Replicas count.' },
      { json: 'template', proto: 3, type: 'io.k8s.api.core.v1.PodTemplateSpec', keepZero: true, description: 'Template is the object that describes the pod that will be created if insufficient replicas are detected.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ReplicationControllerStatus',
    description: 'ReplicationControllerStatus represents the current status of a replication controller.',
    fields: [
      { json: 'replicas', proto: 1, type: 'int32', keepZero: true, required: true, description: 'Replicas is the most recently observed number of replicas.' },
      { json: 'fullyLabeledReplicas', proto: 2, type: 'int32', description: 'The number of pods that have labels matching the labels of the pod template of the replication controller.' },
      { json: 'readyReplicas', proto: 4, type: 'int32', description: 'The number of ready replicas for this replication controller.' },
      { json: 'availableReplicas', proto: 5, type: 'int32', description: 'The number of available replicas (ready for at least minReadySeconds) for this replication controller.' },
      { json: 'observedGeneration', proto: 3, type: 'int64', description: 'ObservedGeneration reflects the generation of the most recently observed replication controller.' },
      {
        json: 'conditions', proto: 6, type: 'io.k8s.api.core.v1.ReplicationControllerCondition', list: true,
        mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'],
        description: "Represents the latest available observations of a replication controller's current state.",
      },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ReplicationControllerCondition',
    description: 'ReplicationControllerCondition describes the state of a replication controller at a certain point.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of replication controller condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status of the condition, one of True, False, Unknown.' },
      { json: 'lastTransitionTime', proto: 3, type: 'Time', description: 'The last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 4, type: 'string', description: "The reason for the condition's last transition." },
      { json: 'message', proto: 5, type: 'string', description: 'A human readable message indicating details about the transition.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ReplicationControllerList',
    description: 'ReplicationControllerList is a collection of replication controllers.',
    gvk: [{ group: '', version: 'v1', kind: 'ReplicationControllerList' }],
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.ReplicationController', list: true, required: true, description: 'List of replication controllers.' },
    ],
  },
];

/** Every core/v1 type k8ts knows, named io.k8s.api.core.v1.<Type>. */
export const CORE_V1_TYPES: TypeDef[] = [...CORE_V1_OTHER_TYPES, ...CORE_V1_RC_TYPES, ...CORE_V1_POD_TYPES, ...CORE_V1_VOLUME_TYPES, ...CORE_V1_STORAGE_TYPES];
