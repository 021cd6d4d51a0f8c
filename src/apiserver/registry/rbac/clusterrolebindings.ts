// ClusterRoleBindings, as kube-apiserver's pkg/registry/rbac/clusterrolebinding (with policybased/storage.go's
// escalation check): binding a role needs its rules held cluster-wide, or the bind verb.

import { isObject, type KObject } from '../../../api/object.js';
import { defaultBinding, validateClusterRoleBindingCreate, validateClusterRoleBindingUpdate } from '../../../api/validation/rbac.js';
import { checkBindingWrite } from '../../authz/rbac/escalation.js';
import type { RoleRef } from '../../authz/rbac/types.js';
import type { ApiServerContext } from '../context.js';
import { defineResource } from '../rest.js';
import type { RequestContext, Strategy } from '../strategy.js';
import { onlyGCFieldsChanged } from './gcfields.js';
import { clusterRoleBindingPrinter } from './printing.js';

function check(b: KObject, ctx: RequestContext, api: ApiServerContext): void {
  // A binding without a roleRef is refused by validation, which comes after.
  if (!api.escalation || !isObject(b.roleRef)) return;
  checkBindingWrite(api.escalation, ctx.user, 'clusterrolebindings', undefined, b.metadata.name ?? '', b.roleRef as unknown as RoleRef);
}

export const strategy: Strategy = {
  defaults: defaultBinding,
  prepareForCreate: check,
  prepareForUpdate(b, old, ctx, api) {
    if (!onlyGCFieldsChanged(b, old)) check(b, ctx, api);
  },
  validate: validateClusterRoleBindingCreate,
  validateUpdate: validateClusterRoleBindingUpdate,
};

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
