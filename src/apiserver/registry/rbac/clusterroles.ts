// ClusterRoles, as kube-apiserver's pkg/registry/rbac/clusterrole (with policybased/storage.go's
// escalation check): cluster-wide rules, or an aggregationRule whose rules the
// clusterrole-aggregation controller fills in (setting one takes cluster-admin's rights).

import { validateClusterRoleCreate, validateClusterRoleUpdate } from '../../../api/validation/rbac.js';
import { defineResource } from '../rest.js';
import { policyBasedStrategy, roleWriteCheck } from './policybased.js';
import { rolePrinter } from './printing.js';

export const strategy = policyBasedStrategy(roleWriteCheck('clusterroles'), {
  validate: validateClusterRoleCreate,
  validateUpdate: validateClusterRoleUpdate,
});

export const resource = defineResource({
  info: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
    schema: 'io.k8s.api.rbac.v1.ClusterRole',
  },
  strategy,
  printer: rolePrinter,
});
