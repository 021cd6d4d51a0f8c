// networking.k8s.io/v1: Ingress (+ spec, rules, backends, TLS, status) and IngressClass, and
// NetworkPolicy with its peers and ports.
// Field numbers from k8s.io/api networking/v1 generated.proto (v1.32); pointers (keepZero) from the Go types.

import type { GroupVersionKind, TypeDef } from './types.js';

const net = (name: string): string => `io.k8s.api.networking.v1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string): GroupVersionKind[] => [{ group: 'networking.k8s.io', version: 'v1', kind }];
const list = (kind: string, item: string): TypeDef => ({
  name: net(`${kind}List`),
  description: `${kind}List is a collection of ${kind}s.`,
  gvk: gvk(`${kind}List`),
  fields: [
    { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
    { json: 'items', proto: 2, type: net(item), list: true, required: true, description: `items is the list of ${kind}s.` },
  ],
});

export const NETWORKING_V1_TYPES: TypeDef[] = [
  {
    name: net('Ingress'),
    description: 'Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a backend. An Ingress can be configured to give services externally-reachable urls, load balance traffic, terminate SSL, offer name based virtual hosting etc.',
    gvk: gvk('Ingress'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: net('IngressSpec'), keepZero: true, description: 'spec is the desired state of the Ingress.' },
      { json: 'status', proto: 3, type: net('IngressStatus'), keepZero: true, description: 'status is the current state of the Ingress.' },
    ],
  },
  {
    name: net('IngressSpec'),
    description: 'IngressSpec describes the Ingress the user wishes to exist.',
    fields: [
      { json: 'ingressClassName', proto: 4, type: 'string', keepZero: true, description: 'ingressClassName is the name of an IngressClass cluster resource.' },
      { json: 'defaultBackend', proto: 1, type: net('IngressBackend'), keepZero: true, description: "defaultBackend is the backend that should handle requests that don't match any rule." },
      { json: 'tls', proto: 2, type: net('IngressTLS'), list: true, listType: 'atomic', description: 'tls represents the TLS configuration.' },
      { json: 'rules', proto: 3, type: net('IngressRule'), list: true, listType: 'atomic', description: 'rules is a list of host rules used to configure the Ingress.' },
    ],
  },
  {
    name: net('IngressBackend'),
    description: 'IngressBackend describes all endpoints for a given service and port.',
    fields: [
      { json: 'service', proto: 4, type: net('IngressServiceBackend'), keepZero: true, description: 'service references a service as a backend. This is a mutually exclusive setting with "Resource".' },
      { json: 'resource', proto: 3, type: 'io.k8s.api.core.v1.TypedLocalObjectReference', keepZero: true, description: 'resource is an ObjectRef to another Kubernetes resource in the namespace of the Ingress object.' },
    ],
  },
  {
    name: net('IngressServiceBackend'),
    description: 'IngressServiceBackend references a Kubernetes Service as a Backend.',
    fields: [
      { json: 'name', proto: 1, type: 'string', required: true, description: 'name is the referenced service. The service must exist in the same namespace as the Ingress object.' },
      { json: 'port', proto: 2, type: net('ServiceBackendPort'), description: 'port of the referenced service. A port name or port number is required for a IngressServiceBackend.' },
    ],
  },
  {
    name: net('ServiceBackendPort'),
    description: 'ServiceBackendPort is the service port being referenced.',
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'name is the name of the port on the Service. This is a mutually exclusive setting with "Number".' },
      { json: 'number', proto: 2, type: 'int32', description: 'number is the numerical port number (e.g. 80) on the Service. This is a mutually exclusive setting with "Name".' },
    ],
  },
  {
    name: net('IngressRule'),
    description: 'IngressRule represents the rules mapping the paths under a specified host to the related backend services.',
    fields: [
      { json: 'host', proto: 1, type: 'string', description: 'host is the fully qualified domain name of a network host, as defined by RFC 3986.' },
      { json: 'ingressRuleValue', inline: true, proto: 2, type: net('IngressRuleValue'), description: '' },
    ],
  },
  {
    name: net('IngressRuleValue'),
    description: 'IngressRuleValue represents a rule to apply against incoming requests.',
    fields: [
      { json: 'http', proto: 1, type: net('HTTPIngressRuleValue'), keepZero: true, description: '' },
    ],
  },
  {
    name: net('HTTPIngressRuleValue'),
    description: 'HTTPIngressRuleValue is a list of http selectors pointing to backends.',
    fields: [
      { json: 'paths', proto: 1, type: net('HTTPIngressPath'), list: true, listType: 'atomic', required: true, description: 'paths is a collection of paths that map requests to backends.' },
    ],
  },
  {
    name: net('HTTPIngressPath'),
    description: 'HTTPIngressPath associates a path with a backend. Incoming urls matching the path are forwarded to the backend.',
    fields: [
      { json: 'path', proto: 1, type: 'string', description: 'path is matched against the path of an incoming request.' },
      { json: 'pathType', proto: 3, type: 'string', keepZero: true, required: true, enum: ['Exact', 'ImplementationSpecific', 'Prefix'], description: 'pathType determines the interpretation of the path matching.' },
      { json: 'backend', proto: 2, type: net('IngressBackend'), keepZero: true, required: true, description: 'backend defines the referenced service endpoint to which the traffic will be forwarded to.' },
    ],
  },
  {
    name: net('IngressTLS'),
    description: 'IngressTLS describes the transport layer security associated with an ingress.',
    fields: [
      { json: 'hosts', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'hosts is a list of hosts included in the TLS certificate.' },
      { json: 'secretName', proto: 2, type: 'string', description: 'secretName is the name of the secret used to terminate TLS traffic on port 443.' },
    ],
  },
  {
    name: net('IngressStatus'),
    description: 'IngressStatus describe the current state of the Ingress.',
    fields: [
      { json: 'loadBalancer', proto: 1, type: net('IngressLoadBalancerStatus'), keepZero: true, description: 'loadBalancer contains the current status of the load-balancer.' },
    ],
  },
  {
    name: net('IngressLoadBalancerStatus'),
    description: 'IngressLoadBalancerStatus represents the status of a load-balancer.',
    fields: [
      { json: 'ingress', proto: 1, type: net('IngressLoadBalancerIngress'), list: true, listType: 'atomic', description: 'ingress is a list containing ingress points for the load-balancer.' },
    ],
  },
  {
    name: net('IngressLoadBalancerIngress'),
    description: 'IngressLoadBalancerIngress represents the status of a load-balancer ingress point.',
    fields: [
      { json: 'ip', proto: 1, type: 'string', description: 'ip is set for load-balancer ingress points that are IP based.' },
      { json: 'hostname', proto: 2, type: 'string', description: 'hostname is set for load-balancer ingress points that are DNS based.' },
      { json: 'ports', proto: 4, type: net('IngressPortStatus'), list: true, listType: 'atomic', description: 'ports provides information about the ports exposed by this LoadBalancer.' },
    ],
  },
  {
    name: net('IngressPortStatus'),
    description: 'IngressPortStatus represents the error condition of a service port',
    fields: [
      { json: 'port', proto: 1, type: 'int32', keepZero: true, required: true, description: 'port is the port number of the ingress port.' },
      { json: 'protocol', proto: 2, type: 'string', keepZero: true, required: true, enum: ['SCTP', 'TCP', 'UDP'], description: 'protocol is the protocol of the ingress port.' },
      { json: 'error', proto: 3, type: 'string', description: 'error is to record the problem with the service port' },
    ],
  },
  list('Ingress', 'Ingress'),
  {
    name: net('IngressClass'),
    description: 'IngressClass represents the class of the Ingress, referenced by the Ingress Spec. The `ingressclass.kubernetes.io/is-default-class` annotation can be used to indicate that an IngressClass should be considered default.',
    gvk: gvk('IngressClass'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: net('IngressClassSpec'), keepZero: true, description: 'spec is the desired state of the IngressClass.' },
    ],
  },
  {
    name: net('IngressClassSpec'),
    description: 'IngressClassSpec provides information about the class of an Ingress.',
    fields: [
      { json: 'controller', proto: 1, type: 'string', description: 'controller refers to the name of the controller that should handle this class.' },
      { json: 'parameters', proto: 2, type: net('IngressClassParametersReference'), keepZero: true, description: 'parameters is a link to a custom resource containing additional configuration for the controller.' },
    ],
  },
  {
    name: net('IngressClassParametersReference'),
    description: 'IngressClassParametersReference identifies an API object. This can be used to specify a cluster or namespace-scoped resource.',
    fields: [
      { json: 'apiGroup', proto: 1, type: 'string', keepZero: true, description: 'apiGroup is the group for the resource being referenced.' },
      { json: 'kind', proto: 2, type: 'string', required: true, description: 'kind is the type of resource being referenced.' },
      { json: 'name', proto: 3, type: 'string', required: true, description: 'name is the name of resource being referenced.' },
      { json: 'scope', proto: 4, type: 'string', keepZero: true, description: 'scope represents if this refers to a cluster or namespace scoped resource. This may be set to "Cluster" (default) or "Namespace".' },
      { json: 'namespace', proto: 5, type: 'string', keepZero: true, description: 'namespace is the namespace of the resource being referenced.' },
    ],
  },
  list('IngressClass', 'IngressClass'),
  {
    name: net('NetworkPolicy'),
    description: 'NetworkPolicy describes what network traffic is allowed for a set of Pods',
    gvk: gvk('NetworkPolicy'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: net('NetworkPolicySpec'), keepZero: true, description: 'spec represents the specification of the desired behavior for this NetworkPolicy.' },
    ],
  },
  {
    name: net('NetworkPolicySpec'),
    description: 'NetworkPolicySpec provides the specification of a NetworkPolicy',
    fields: [
      { json: 'podSelector', proto: 1, type: meta('LabelSelector'), keepZero: true, required: true, description: 'podSelector selects the pods to which this NetworkPolicy object applies.' },
      { json: 'ingress', proto: 2, type: net('NetworkPolicyIngressRule'), list: true, listType: 'atomic', description: 'ingress is a list of ingress rules to be applied to the selected pods.' },
      { json: 'egress', proto: 3, type: net('NetworkPolicyEgressRule'), list: true, listType: 'atomic', description: 'egress is a list of egress rules to be applied to the selected pods.' },
      { json: 'policyTypes', proto: 4, type: 'string', list: true, listType: 'atomic', enum: ['Egress', 'Ingress'], description: 'policyTypes is a list of rule types that the NetworkPolicy relates to.' },
    ],
  },
  {
    name: net('NetworkPolicyIngressRule'),
    description: "NetworkPolicyIngressRule describes a particular set of traffic that is allowed to the pods matched by a NetworkPolicySpec's podSelector.",
    fields: [
      { json: 'ports', proto: 1, type: net('NetworkPolicyPort'), list: true, listType: 'atomic', description: 'ports is a list of ports which should be made accessible on the pods selected for this rule.' },
      { json: 'from', proto: 2, type: net('NetworkPolicyPeer'), list: true, listType: 'atomic', description: 'from is a list of sources which should be able to access the pods selected for this rule.' },
    ],
  },
  {
    name: net('NetworkPolicyEgressRule'),
    description: "NetworkPolicyEgressRule describes a particular set of traffic that is allowed out of pods matched by a NetworkPolicySpec's podSelector.",
    fields: [
      { json: 'ports', proto: 1, type: net('NetworkPolicyPort'), list: true, listType: 'atomic', description: 'ports is a list of destination ports for outgoing traffic.' },
      { json: 'to', proto: 2, type: net('NetworkPolicyPeer'), list: true, listType: 'atomic', description: 'to is a list of destinations for outgoing traffic of pods selected for this rule.' },
    ],
  },
  {
    name: net('NetworkPolicyPort'),
    description: 'NetworkPolicyPort describes a port to allow traffic on',
    fields: [
      { json: 'protocol', proto: 1, type: 'string', keepZero: true, enum: ['SCTP', 'TCP', 'UDP'], description: 'protocol represents the protocol (TCP, UDP, or SCTP) which traffic must match. If not specified, this field defaults to TCP.' },
      { json: 'port', proto: 2, type: 'IntOrString', keepZero: true, description: 'port represents the port on the given protocol.' },
      { json: 'endPort', proto: 3, type: 'int32', keepZero: true, description: 'endPort indicates that the range of ports from port to endPort if set, inclusive, should be allowed by the policy.' },
    ],
  },
  {
    name: net('NetworkPolicyPeer'),
    description: 'NetworkPolicyPeer describes a peer to allow traffic to/from. Only certain combinations of fields are allowed',
    fields: [
      { json: 'podSelector', proto: 1, type: meta('LabelSelector'), keepZero: true, description: 'podSelector is a label selector which selects pods.' },
      { json: 'namespaceSelector', proto: 2, type: meta('LabelSelector'), keepZero: true, description: 'namespaceSelector selects namespaces using cluster-scoped labels.' },
      { json: 'ipBlock', proto: 3, type: net('IPBlock'), keepZero: true, description: 'ipBlock defines policy on a particular IPBlock.' },
    ],
  },
  {
    name: net('IPBlock'),
    description: 'IPBlock describes a particular CIDR (Ex. "192.168.1.0/24","2001:db8::/64") that is allowed to the pods matched by a NetworkPolicySpec\'s podSelector.',
    fields: [
      { json: 'cidr', proto: 1, type: 'string', required: true, description: 'cidr is a string representing the IPBlock Valid examples are "192.168.1.0/24" or "2001:db8::/64"' },
      { json: 'except', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'except is a slice of CIDRs that should not be included within an IPBlock' },
    ],
  },
  list('NetworkPolicy', 'NetworkPolicy'),
];
