// Roles, as kube-apiserver's pkg/registry/rbac/role (with policybased/storage.go's escalation
// check): namespaced rules; writing one needs its rules held, or the escalate verb.

import { validateRoleCreate, validateRoleUpdate } from '../../../api/validation/rbac.js';
import { defineResource } from '../rest.js';
import { policyBasedStrategy, roleWriteCheck } from './policybased.js';
import { rolePrinter } from './printing.js';

export const strategy = policyBasedStrategy(roleWriteCheck('roles'), {
  validate: validateRoleCreate,
  validateUpdate: validateRoleUpdate,
});

export const resource = defineResource({
  info: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    kind: 'Role',
    namespaced: true,
    schema: 'io.k8s.api.rbac.v1.Role',
  },
  strategy,
  printer: rolePrinter,
});
