// NetworkPolicies, as kube-apiserver's pkg/registry/networking/networkpolicy: namespaced, spec
// changes bump the generation, no status. Enforced by each node's policy data plane
// (src/netpol). The printer is printNetworkPolicy.

import { printerColumns } from '../../../api/schema/columns.js';
import { defaultNetworkPolicy, validateNetworkPolicyCreate, validateNetworkPolicyUpdate } from '../../../api/validation/networking.js';
import { formatLabelSelector, o, type Printer, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { generationStrategy } from '../strategy.js';

export const strategy = generationStrategy({
  defaults: defaultNetworkPolicy,
  validate: validateNetworkPolicyCreate,
  validateUpdate: validateNetworkPolicyUpdate,
});

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.networking.v1.NetworkPolicy'),
  row: (np, now) => ({
    cells: [np.metadata.name ?? '', formatLabelSelector(o(np.spec).podSelector ?? {}), timestampSince(np.metadata.creationTimestamp, now)],
  }),
};

export const resource = defineResource({
  info: {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    schema: 'io.k8s.api.networking.v1.NetworkPolicy',
    shortNames: ['netpol'],
  },
  strategy,
  printer,
});
