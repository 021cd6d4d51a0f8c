// The roles of k8ts' own components that Kubernetes leaves to add-ons, each as narrow as the
// add-on it stands for:
// - system:k8ts:node-addons (group of the same name; user system:k8ts:node-addons:NODE): what
//   runs on every node beside the kubelet and kube-proxy: cluster DNS (CoreDNS' system:coredns,
//   plus publishing its own endpoint of kube-system/kube-dns), the ingress controller (k3s'
//   traefik role, except Secrets: the TLS Secrets an Ingress names, one by one, through
//   NodeAddonsAuthorizer, not every Secret on every node), the NetworkPolicy agent (k3s' network policy
//   controller) and local-path volume cleanup (local-path-provisioner's PersistentVolume rights).
// - system:k8ts:fleetlock (user): the FleetLock server, kured's rights (cordon and drain nodes,
//   its semaphore ConfigMaps in kube-system).

import { AUTOUPDATE_ANNOTATION, BOOTSTRAP_LABEL } from './bootstrappolicy.js';
import type { ClusterRole, PolicyRule, Role, RoleBinding, Subject } from './types.js';
import { RBAC_GROUP } from './types.js';

export const NODE_ADDONS_GROUP = 'system:k8ts:node-addons';
export const NODE_ADDONS_USER_PREFIX = 'system:k8ts:node-addons:';
export const FLEETLOCK_USER = 'system:k8ts:fleetlock';

const rule = (verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule => ({
  verbs,
  apiGroups: groups,
  resources,
  ...(names ? { resourceNames: names } : {}),
});
const Read = ['get', 'list', 'watch'];
const events = (): PolicyRule => rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);
const meta = (name: string, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { ...BOOTSTRAP_LABEL },
  annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
});
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });

export function k8tsClusterRoles(): ClusterRole[] {
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: meta(NODE_ADDONS_GROUP),
      rules: [
        rule(Read, [''], ['services', 'endpoints', 'namespaces', 'pods']),
        rule(Read, ['discovery.k8s.io'], ['endpointslices']),
        rule(['get'], [''], ['nodes']),
        rule(Read, ['networking.k8s.io'], ['ingresses', 'ingressclasses', 'networkpolicies']),
        rule(['update', 'patch'], ['networking.k8s.io'], ['ingresses/status']),
        // Delete and patch: only the volumes provisioned on the node (NodeAddonsAuthorizer).
        rule(Read, [''], ['persistentvolumes']),
        events(),
      ],
    },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: meta(FLEETLOCK_USER),
      rules: [
        rule(['get', 'list', 'patch'], [''], ['nodes']),
        rule(['list'], [''], ['pods']),
        rule(['create'], [''], ['pods/eviction']),
        events(),
      ],
    },
  ];
}

/**
 * Rules k8ts' roles no longer have: reconciliation adds missing rules and keeps the rest (as
 * Kubernetes'), so these are taken out of clusters made before (roles still auto-updated only).
 */
export const RETIRED_RULES: Record<string, PolicyRule[]> = {
  [NODE_ADDONS_GROUP]: [
    rule(['list', 'watch'], [''], ['secrets']),
    rule(['get', 'list', 'watch', 'delete', 'patch'], [''], ['persistentvolumes']),
  ],
};

export function k8tsClusterRoleBindings(): RoleBinding[] {
  const b = (name: string, subjects: Subject[]): RoleBinding => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
    subjects,
  });
  return [b(NODE_ADDONS_GROUP, [group(NODE_ADDONS_GROUP)]), b(FLEETLOCK_USER, [user(FLEETLOCK_USER)])];
}

export function k8tsRoles(): Role[] {
  return [
    // Each node's DNS server publishes itself as an endpoint of kube-system/kube-dns.
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'Role',
      metadata: meta(NODE_ADDONS_GROUP, 'kube-system'),
      rules: [
        rule(['get', 'create', 'update', 'delete'], [''], ['endpoints']),
        rule(['get', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
      ],
    },
    // FleetLock's semaphores.
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'Role',
      metadata: meta(FLEETLOCK_USER, 'kube-system'),
      rules: [rule(['get', 'list', 'create', 'update'], [''], ['configmaps'])],
    },
  ];
}

export function k8tsRoleBindings(): RoleBinding[] {
  const b = (name: string, subjects: Subject[]): RoleBinding => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: meta(name, 'kube-system'),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
    subjects,
  });
  return [b(NODE_ADDONS_GROUP, [group(NODE_ADDONS_GROUP)]), b(FLEETLOCK_USER, [user(FLEETLOCK_USER)])];
}
