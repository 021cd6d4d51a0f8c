// coordination.k8s.io/v1: Lease, the object leader election and node heartbeats renew.
// Field numbers from k8s.io/api coordination/v1 generated.proto (v1.32); every LeaseSpec
// field is a Go pointer, so zero values are kept.

import type { TypeDef } from './types.js';

const COORDINATION = 'io.k8s.api.coordination.v1';
const coordination = (name: string): string => `${COORDINATION}.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string) => [{ group: 'coordination.k8s.io', version: 'v1', kind }];

export const COORDINATION_V1_TYPES: TypeDef[] = [
  {
    name: coordination('Lease'),
    description: 'Lease defines a lease concept.',
    gvk: gvk('Lease'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: coordination('LeaseSpec'), keepZero: true, description: 'spec contains the specification of the Lease.' },
    ],
  },
  {
    name: coordination('LeaseSpec'),
    description: 'LeaseSpec is a specification of a Lease.',
    fields: [
      { json: 'holderIdentity', proto: 1, type: 'string', keepZero: true, description: 'holderIdentity contains the identity of the holder of a current lease.' },
      { json: 'leaseDurationSeconds', proto: 2, type: 'int32', keepZero: true, description: 'leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.' },
      { json: 'acquireTime', proto: 3, type: 'MicroTime', keepZero: true, description: 'acquireTime is a time when the current lease was acquired.' },
      { json: 'renewTime', proto: 4, type: 'MicroTime', keepZero: true, description: 'renewTime is a time when the current holder of a lease has last updated the lease.' },
      { json: 'leaseTransitions', proto: 5, type: 'int32', keepZero: true, description: 'leaseTransitions is the number of transitions of a lease between holders.' },
      { json: 'strategy', proto: 6, type: 'string', keepZero: true, description: 'Strategy indicates the strategy for picking the leader for coordinated leader election.' },
      { json: 'preferredHolder', proto: 7, type: 'string', keepZero: true, description: 'PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.' },
    ],
  },
  {
    name: coordination('LeaseList'),
    description: 'LeaseList is a list of Lease objects.',
    gvk: gvk('LeaseList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: coordination('Lease'), list: true, required: true, description: 'items is a list of schema objects.' },
    ],
  },
];
