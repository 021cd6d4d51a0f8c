// RoleBindings, as kube-apiserver's pkg/registry/rbac/rolebinding (with policybased/storage.go's
// escalation check): binding a role needs its rules held in the namespace, or the bind verb.

import { defaultBinding, validateRoleBindingCreate, validateRoleBindingUpdate } from '../../../api/validation/rbac.js';
import { defineResource } from '../rest.js';
import { bindingWriteCheck, policyBasedStrategy } from './policybased.js';
import { roleBindingPrinter } from './printing.js';

export const strategy = policyBasedStrategy(bindingWriteCheck('rolebindings'), {
  defaults: defaultBinding,
  validate: validateRoleBindingCreate,
  validateUpdate: validateRoleBindingUpdate,
});

export const resource = defineResource({
  info: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
    schema: 'io.k8s.api.rbac.v1.RoleBinding',
  },
  strategy,
  printer: roleBindingPrinter,
});
