// ClusterRoleBindings, as kube-apiserver's pkg/registry/rbac/clusterrolebinding (with policybased/storage.go's
// escalation check): binding a role needs its rules held cluster-wide, or the bind verb.

import { defaultBinding, validateClusterRoleBindingCreate, validateClusterRoleBindingUpdate } from '../../../api/validation/rbac.js';
import { defineResource } from '../rest.js';
import { bindingWriteCheck, policyBasedStrategy } from './policybased.js';
import { clusterRoleBindingPrinter } from './printing.js';

export const strategy = policyBasedStrategy(bindingWriteCheck('clusterrolebindings'), {
  defaults: defaultBinding,
  validate: validateClusterRoleBindingCreate,
  validateUpdate: validateClusterRoleBindingUpdate,
});

export const resource = defineResource({
  info: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
    schema: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  },
  strategy,
  printer: clusterRoleBindingPrinter,
});
