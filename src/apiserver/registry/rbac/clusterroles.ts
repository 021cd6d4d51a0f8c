// ClusterRoles, as kube-apiserver's pkg/registry/rbac/clusterrole (with policybased/storage.go's
// escalation check): cluster-wide rules, or an aggregationRule whose rules the
// clusterrole-aggregation controller fills in (setting one takes cluster-admin's rights).

import type { KObject } from '../../../api/object.js';
import { validateClusterRoleCreate, validateClusterRoleUpdate } from '../../../api/validation/rbac.js';
import { checkRoleWrite } from '../../authz/rbac/escalation.js';
import type { PolicyRule } from '../../authz/rbac/types.js';
import type { ApiServerContext } from '../context.js';
import { defineResource } from '../rest.js';
import type { RequestContext, Strategy } from '../strategy.js';
import { onlyGCFieldsChanged } from './gcfields.js';
import { rolePrinter } from './printing.js';

function check(r: KObject, ctx: RequestContext, api: ApiServerContext): void {
  if (!api.escalation) return;
  const aggregation = r.aggregationRule !== undefined && r.aggregationRule !== null;
  checkRoleWrite(
    api.escalation,
    ctx.user,
    'clusterroles',
    undefined,
    r.metadata.name ?? '',
    Array.isArray(r.rules) ? (r.rules as PolicyRule[]) : [],
    aggregation,
  );
}

export const strategy: Strategy = {
  prepareForCreate: check,
  prepareForUpdate(r, old, ctx, api) {
    if (!onlyGCFieldsChanged(r, old)) check(r, ctx, api);
  },
  validate: validateClusterRoleCreate,
  validateUpdate: validateClusterRoleUpdate,
};

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
