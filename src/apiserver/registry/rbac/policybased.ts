// The escalation-checked storage of the four RBAC kinds, as kube-apiserver's
// pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased/storage.go:
// a create is checked; an update is checked unless it changes only what the garbage collector
// writes (rbacregistry.IsOnlyMutatingGCFields). What is checked is the kind's own: a role's rules
// (escalation.checkRoleWrite), a binding's roleRef (escalation.checkBindingWrite).

import { isObject, type KObject } from '../../../api/object.js';
import { checkBindingWrite, checkRoleWrite } from '../../authz/rbac/escalation.js';
import type { PolicyRule, RoleRef } from '../../authz/rbac/types.js';
import type { ApiServerContext } from '../context.js';
import type { RequestContext, Strategy } from '../strategy.js';

/** rbacregistry.IsOnlyMutatingGCFields: an update of owner references and finalizers only (the garbage collector's work). */
export function onlyGCFieldsChanged(obj: KObject, old: KObject): boolean {
  const strip = (o: KObject) =>
    JSON.stringify({
      ...o,
      metadata: { ...o.metadata, ownerReferences: undefined, finalizers: undefined, resourceVersion: undefined, managedFields: undefined },
    });
  return strip(obj) === strip(old);
}

/** The check of one write; it throws Forbidden. */
type WriteCheck = (obj: KObject, ctx: RequestContext, api: ApiServerContext) => void;

/** A kind's strategy (its defaults and validation) with the policy-based Create and Update's check before it. */
export function policyBasedStrategy(check: WriteCheck, strategy: Omit<Strategy, 'prepareForCreate' | 'prepareForUpdate'>): Strategy {
  return {
    ...strategy,
    prepareForCreate: check,
    prepareForUpdate(obj, old, ctx, api) {
      if (!onlyGCFieldsChanged(obj, old)) check(obj, ctx, api);
    },
  };
}

/** A Role's or ClusterRole's write: its rules held, or the escalate verb; a ClusterRole's aggregationRule takes cluster-admin's rights. */
export function roleWriteCheck(resource: 'roles' | 'clusterroles'): WriteCheck {
  const cluster = resource === 'clusterroles';
  return (r, ctx, api) => {
    if (!api.escalation) return;
    checkRoleWrite(
      api.escalation,
      ctx.user,
      resource,
      cluster ? undefined : r.metadata.namespace,
      r.metadata.name ?? '',
      Array.isArray(r.rules) ? (r.rules as PolicyRule[]) : [],
      cluster && r.aggregationRule !== undefined && r.aggregationRule !== null,
    );
  };
}

/** A RoleBinding's or ClusterRoleBinding's write: the referred role's rules held, or the bind verb. */
export function bindingWriteCheck(resource: 'rolebindings' | 'clusterrolebindings'): WriteCheck {
  const cluster = resource === 'clusterrolebindings';
  return (b, ctx, api) => {
    // A binding without a roleRef is refused by validation, which comes after.
    if (!api.escalation || !isObject(b.roleRef)) return;
    const namespace = cluster ? undefined : b.metadata.namespace;
    checkBindingWrite(api.escalation, ctx.user, resource, namespace, b.metadata.name ?? '', b.roleRef as unknown as RoleRef);
  };
}
