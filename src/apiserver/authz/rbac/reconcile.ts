// The API server's rbac/bootstrap-roles post-start hook, as pkg/registry/rbac/rest/storage_rbac.go
// with pkg/registry/rbac/reconciliation: every default ClusterRole and ClusterRoleBinding is
// made if missing; an existing one keeps what was added to it and gains what the default has
// that it lacks (rules, aggregation selectors, subjects, labels, annotations), unless its
// rbac.authorization.kubernetes.io/autoupdate annotation is "false". A binding whose roleRef
// differs is made again.
// Each object is reconciled on its own, so all of one kind go at once (roles before bindings, as
// the hook does): a new data dir's ~150 creates then share the store's group commit (one
// transaction and one fsync per tick) instead of paying an fsync each in turn (#13: ~0.4 s of
// a first `k8ts up` on SQLite).

import { StatusError } from '../../../api/errors.js';
import { deepCopy, type KObject } from '../../../api/object.js';
import type { GenericRegistry } from '../../registry/generic.js';
import { apiserverContext } from '../../registry/strategy.js';
import { AUTOUPDATE_ANNOTATION, clusterRoleBindings, clusterRoles } from './bootstrappolicy.js';
import { controllerRoleBindings, controllerRoles } from './controllerpolicy.js';
import { covers } from './escalation.js';
import { k8tsClusterRoleBindings, k8tsClusterRoles, k8tsRoleBindings, k8tsRoles, RETIRED_RULES } from './k8tspolicy.js';
import { kubeadmClusterRoleBindings, kubeadmClusterRoles, namespacedRoleBindings, namespacedRoles } from './kubeadmpolicy.js';
import type { ClusterRole, PolicyRule, RoleBinding, Subject } from './types.js';

function mergeMeta(cur: KObject, want: KObject): boolean {
  let changed = false;
  for (const f of ['labels', 'annotations'] as const) {
    const have = (cur.metadata[f] ??= {}) as Record<string, string>;
    for (const [k, v] of Object.entries((want.metadata[f] ?? {}) as Record<string, string>)) {
      if (!(k in have)) {
        have[k] = v;
        changed = true;
      }
    }
  }
  return changed;
}

async function createOrSkip(reg: GenericRegistry, obj: KObject): Promise<void> {
  try {
    await reg.create(obj.metadata.namespace, deepCopy(obj), apiserverContext());
  } catch (e) {
    if (e instanceof StatusError && e.code === 409) return; // another API server made it first
    throw e;
  }
}

const sameList = (a: string[] | undefined, b: string[] | undefined): boolean =>
  JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
const sameRule = (a: PolicyRule, b: PolicyRule): boolean =>
  sameList(a.verbs, b.verbs) &&
  sameList(a.apiGroups, b.apiGroups) &&
  sameList(a.resources, b.resources) &&
  sameList(a.resourceNames, b.resourceNames) &&
  sameList(a.nonResourceURLs, b.nonResourceURLs);

async function reconcileRole(reg: GenericRegistry, want: ClusterRole): Promise<void> {
  const ns = want.metadata.namespace;
  const stored = reg.cache.get(`${reg.prefix(ns)}${want.metadata.name}`) as ClusterRole | undefined;
  if (!stored) return createOrSkip(reg, want);
  if (stored.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return;
  const cur = deepCopy(stored);
  let changed = mergeMeta(cur, want);
  if (want.aggregationRule) {
    const have = ((cur.aggregationRule ??= { clusterRoleSelectors: [] }).clusterRoleSelectors ??= []);
    for (const sel of want.aggregationRule.clusterRoleSelectors ?? []) {
      if (!have.some((h) => JSON.stringify(h) === JSON.stringify(sel))) {
        have.push(sel);
        changed = true;
      }
    }
  } else {
    const retired = ns ? [] : (RETIRED_RULES[want.metadata.name!] ?? []);
    const isRetired = (r: PolicyRule) => retired.some((x) => sameRule(r, x));
    if ((cur.rules ?? []).some(isRetired)) {
      cur.rules = (cur.rules ?? []).filter((r) => !isRetired(r));
      changed = true;
    }
    const { missing } = covers(cur.rules ?? [], want.rules ?? []);
    if (missing.length) {
      cur.rules = [...(cur.rules ?? []), ...missing];
      changed = true;
    }
  }
  if (changed) await reg.update(ns, cur.metadata.name!, cur, apiserverContext());
}

const sameSubject = (a: Subject, b: Subject): boolean =>
  a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

async function reconcileBinding(reg: GenericRegistry, want: RoleBinding): Promise<void> {
  const ns = want.metadata.namespace;
  const stored = reg.cache.get(`${reg.prefix(ns)}${want.metadata.name}`) as RoleBinding | undefined;
  if (!stored) return createOrSkip(reg, want);
  if (stored.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return;
  if (JSON.stringify(stored.roleRef) !== JSON.stringify(want.roleRef)) {
    // roleRef cannot change: the binding is made again.
    await reg.delete(ns, want.metadata.name!, {}, apiserverContext());
    return createOrSkip(reg, want);
  }
  const cur = deepCopy(stored);
  let changed = mergeMeta(cur, want);
  const subjects = (cur.subjects ??= []);
  for (const s of want.subjects ?? [])
    if (!subjects.some((h) => sameSubject(h, s))) {
      subjects.push(s);
      changed = true;
    }
  if (changed) await reg.update(ns, cur.metadata.name!, cur, apiserverContext());
}

export async function reconcileBootstrapPolicy(registry: (group: string, resource: string) => GenericRegistry | undefined): Promise<void> {
  const roles = registry('rbac.authorization.k8s.io', 'clusterroles')!;
  const bindings = registry('rbac.authorization.k8s.io', 'clusterrolebindings')!;
  await Promise.all(
    [...clusterRoles(), ...controllerRoles(), ...kubeadmClusterRoles(), ...k8tsClusterRoles()].map((r) => reconcileRole(roles, r)),
  );
  await Promise.all(
    [...clusterRoleBindings(), ...controllerRoleBindings(), ...kubeadmClusterRoleBindings(), ...k8tsClusterRoleBindings()].map((b) =>
      reconcileBinding(bindings, b),
    ),
  );
}

/**
 * The namespaced ones (NamespaceRoles/NamespaceRoleBindings, kubeadm's in kube-public, k8ts'
 * add-ons'), once the system namespaces they live in exist.
 */
export async function reconcileNamespacedPolicy(registry: (group: string, resource: string) => GenericRegistry | undefined): Promise<void> {
  const nsRoles = registry('rbac.authorization.k8s.io', 'roles')!;
  const nsBindings = registry('rbac.authorization.k8s.io', 'rolebindings')!;
  await Promise.all([...namespacedRoles(), ...k8tsRoles()].map((r) => reconcileRole(nsRoles, r)));
  await Promise.all([...namespacedRoleBindings(), ...k8tsRoleBindings()].map((b) => reconcileBinding(nsBindings, b)));
}
