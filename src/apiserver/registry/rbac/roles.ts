// Roles, as kube-apiserver's pkg/registry/rbac/role (with policybased/storage.go's escalation
// check): namespaced rules; writing one needs its rules held, or the escalate verb.

import type { KObject } from '../../../api/object.js';
import { validateRoleCreate, validateRoleUpdate } from '../../../api/validation/rbac.js';
import { checkRoleWrite } from '../../authz/rbac/escalation.js';
import type { PolicyRule } from '../../authz/rbac/types.js';
import type { ApiServerContext } from '../context.js';
import { defineResource } from '../rest.js';
import type { RequestContext, Strategy } from '../strategy.js';
import { onlyGCFieldsChanged } from './gcfields.js';
import { rolePrinter } from './printing.js';

function check(r: KObject, ctx: RequestContext, api: ApiServerContext): void {
  if (!api.escalation) return;
  checkRoleWrite(
    api.escalation,
    ctx.user,
    'roles',
    r.metadata.namespace,
    r.metadata.name ?? '',
    Array.isArray(r.rules) ? (r.rules as PolicyRule[]) : [],
    false,
  );
}

export const strategy: Strategy = {
  prepareForCreate: check,
  prepareForUpdate(r, old, ctx, api) {
    if (!onlyGCFieldsChanged(r, old)) check(r, ctx, api);
  },
  validate: validateRoleCreate,
  validateUpdate: validateRoleUpdate,
};

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
