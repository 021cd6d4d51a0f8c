// discovery.k8s.io/v1: EndpointSlice, the service backends the endpoint slice controller
// publishes and service proxies read. Field numbers from k8s.io/api discovery/v1
// generated.proto (v1.32, which has no ForNode hints yet); most optional fields are Go
// pointers, so their zero values (port 0, ready false) are kept.

import type { TypeDef } from './types.js';

const DISCOVERY = 'io.k8s.api.discovery.v1';
const discovery = (name: string): string => `${DISCOVERY}.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string) => [{ group: 'discovery.k8s.io', version: 'v1', kind }];

export const DISCOVERY_V1_TYPES: TypeDef[] = [
  {
    name: discovery('EndpointSlice'),
    description: 'EndpointSlice represents a subset of the endpoints that implement a service.',
    gvk: gvk('EndpointSlice'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'addressType', proto: 4, type: 'string', keepZero: true, required: true, enum: ['FQDN', 'IPv4', 'IPv6'], description: 'addressType specifies the type of address carried by this EndpointSlice.' },
      { json: 'endpoints', proto: 2, type: discovery('Endpoint'), list: true, listType: 'atomic', required: true, description: 'endpoints is a list of unique endpoints in this slice.' },
      { json: 'ports', proto: 3, type: discovery('EndpointPort'), list: true, listType: 'atomic', description: 'ports specifies the list of network ports exposed by each endpoint in this slice.' },
    ],
  },
  {
    name: discovery('Endpoint'),
    description: 'Endpoint represents a single logical "backend" implementing a service.',
    fields: [
      { json: 'addresses', proto: 1, type: 'string', list: true, listType: 'set', required: true, description: 'addresses of this endpoint.' },
      { json: 'conditions', proto: 2, type: discovery('EndpointConditions'), keepZero: true, description: 'conditions contains information about the current status of the endpoint.' },
      { json: 'hostname', proto: 3, type: 'string', keepZero: true, description: 'hostname of this endpoint.' },
      { json: 'targetRef', proto: 4, type: 'io.k8s.api.core.v1.ObjectReference', keepZero: true, description: 'targetRef is a reference to a Kubernetes object that represents this endpoint.' },
      { json: 'deprecatedTopology', proto: 5, type: 'string', map: true, description: 'deprecatedTopology contains topology information part of the v1beta1 API.' },
      { json: 'nodeName', proto: 6, type: 'string', keepZero: true, description: 'nodeName represents the name of the Node hosting this endpoint.' },
      { json: 'zone', proto: 7, type: 'string', keepZero: true, description: 'zone is the name of the Zone this endpoint exists in.' },
      { json: 'hints', proto: 8, type: discovery('EndpointHints'), keepZero: true, description: 'hints contains information associated with how an endpoint should be consumed.' },
    ],
  },
  {
    name: discovery('EndpointConditions'),
    description: 'EndpointConditions represents the current condition of an endpoint.',
    fields: [
      { json: 'ready', proto: 1, type: 'bool', keepZero: true, description: 'ready indicates that this endpoint is prepared to receive traffic, according to whatever system is managing the endpoint.' },
      { json: 'serving', proto: 2, type: 'bool', keepZero: true, description: 'serving is identical to ready except that it is set regardless of the terminating state of endpoints.' },
      { json: 'terminating', proto: 3, type: 'bool', keepZero: true, description: 'terminating indicates that this endpoint is terminating.' },
    ],
  },
  {
    name: discovery('EndpointHints'),
    description: 'EndpointHints provides hints describing how an endpoint should be consumed.',
    fields: [
      { json: 'forZones', proto: 1, type: discovery('ForZone'), list: true, listType: 'atomic', description: 'forZones indicates the zone(s) this endpoint should be consumed by to enable topology aware routing.' },
    ],
  },
  {
    name: discovery('ForZone'),
    description: 'ForZone provides information about which zones should consume this endpoint.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'name represents the name of the zone.' },
    ],
  },
  {
    name: discovery('EndpointPort'),
    description: 'EndpointPort represents a Port used by an EndpointSlice',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, description: 'name represents the name of this port.' },
      { json: 'protocol', proto: 2, type: 'string', keepZero: true, enum: ['SCTP', 'TCP', 'UDP'], description: 'protocol represents the IP protocol for this port.' },
      { json: 'port', proto: 3, type: 'int32', keepZero: true, description: 'port represents the port number of the endpoint.' },
      { json: 'appProtocol', proto: 4, type: 'string', keepZero: true, description: 'The application protocol for this port.' },
    ],
  },
  {
    name: discovery('EndpointSliceList'),
    description: 'EndpointSliceList represents a list of endpoint slices',
    gvk: gvk('EndpointSliceList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: discovery('EndpointSlice'), list: true, required: true, description: 'items is the list of endpoint slices' },
    ],
  },
];
