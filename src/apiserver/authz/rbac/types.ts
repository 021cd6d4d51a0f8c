// The rbac.authorization.k8s.io/v1 objects as the authorizer reads them (k8s.io/api/rbac/v1).

import type { KObject } from '../../../api/object.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface Role extends KObject {
  rules?: PolicyRule[] | null;
}
export interface ClusterRole extends Role {
  aggregationRule?: { clusterRoleSelectors?: unknown[] } | null;
}
export interface RoleBinding extends KObject {
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

/** Where the authorizer reads roles and bindings from (the API server's watch caches, as RBAC's listers). */
export interface PolicyLister {
  getRole(namespace: string, name: string): Role | undefined;
  getClusterRole(name: string): ClusterRole | undefined;
  listRoleBindings(namespace: string): RoleBinding[];
  /**
   * A new array whenever a binding changes (the watch cache's list is one, frozen): the resolver
   * keeps an index of each array's subjects, which an array changed in place would leave stale.
   */
  listClusterRoleBindings(): readonly RoleBinding[];
}
