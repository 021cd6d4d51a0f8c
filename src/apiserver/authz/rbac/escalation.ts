// Escalation prevention, as pkg/registry/rbac/validation (Covers, BreakdownRule, CompactRules,
// ConfirmNoEscalation) and pkg/registry/rbac's EscalationAllowed, RoleEscalationAuthorized and
// BindingAuthorized: no one writes a Role or a binding granting what they do not hold
// themselves, unless they may "escalate" (roles) or "bind" (the role a binding names), or
// are in system:masters.

import type { UserInfo } from '../../authn/user.js';
import { SystemPrivilegedGroup } from '../../authn/user.js';
import type { Authorizer } from '../authorizer.js';
import { newForbidden } from '../forbidden.js';
import { aggregate } from './authorizer.js';
import type { RuleResolver } from './resolver.js';
import type { PolicyRule, RoleRef } from './types.js';
import { RBAC_GROUP } from './types.js';

const has = (set: readonly string[] | undefined, v: string): boolean => (set ?? []).includes(v);
const hasAll = (set: readonly string[] | undefined, vs: readonly string[] | undefined): boolean => (vs ?? []).every((v) => has(set, v));

/** One rule per (group, resource, verb, name) and per (url, verb), as BreakdownRule. */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of r.apiGroups ?? []) {
    for (const res of r.resources ?? []) {
      for (const v of r.verbs ?? []) {
        if ((r.resourceNames ?? []).length > 0)
          for (const n of r.resourceNames!) out.push({ apiGroups: [g], resources: [res], verbs: [v], resourceNames: [n] });
        else out.push({ apiGroups: [g], resources: [res], verbs: [v] });
      }
    }
  }
  for (const u of r.nonResourceURLs ?? []) for (const v of r.verbs ?? []) out.push({ nonResourceURLs: [u], verbs: [v] });
  return out;
}

function resourceCoversAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
  if (has(set, '*') || hasAll(set, covers)) return true;
  for (const p of covers ?? []) {
    if (has(set, p)) continue;
    const slash = p.indexOf('/');
    if (slash < 0) return false;
    if (!has(set, `*/${p.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLsCoversAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
  return (covers ?? []).every((p) => (set ?? []).some((u) => u === '*' || u === p || (u.endsWith('*') && p.startsWith(u.slice(0, -1)))));
}

/** Whether owner grants everything sub (one broken-down rule) does, as ruleCovers. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = nonResourceURLsCoversAll(owner.nonResourceURLs, sub.nonResourceURLs);
  const ownerNames = owner.resourceNames ?? [];
  const names =
    (sub.resourceNames ?? []).length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

/** Whether the owner's rules cover every servant rule, and the broken-down rules they miss (Covers). */
export function covers(ownerRules: PolicyRule[], servantRules: PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const s of servantRules) {
    // A rule an owner rule covers whole covers each of its pieces too, so it needs no breaking
    // down: the common case (a role the API server reconciles at every start against the default
    // it was made from, ~60 of them: #13). Not with both names and URLs, whose URL pieces drop the
    // names an owner's names would have covered.
    if (!(s.resourceNames?.length && s.nonResourceURLs?.length) && ownerRules.some((o) => ruleCovers(o, s))) continue;
    for (const sub of breakdownRule(s)) {
      if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

/** Rules for one group and resource (and no names) merged into one rule with all their verbs (CompactRules). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple =
      !(r.resourceNames ?? []).length &&
      !(r.nonResourceURLs ?? []).length &&
      (r.apiGroups ?? []).length === 1 &&
      (r.resources ?? []).length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = `${r.apiGroups![0]}\u0000${r.resources![0]}`;
    const cur = simple.get(key);
    if (cur) cur.verbs.push(...r.verbs);
    else simple.set(key, { apiGroups: [...r.apiGroups!], resources: [...r.resources!], verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a []string: ["a" "b"]. */
const goQuoteList = (l: readonly string[]): string => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

/** rbacv1helpers.CompactString: {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if ((r.apiGroups ?? []).length) parts.push(`APIGroups:${goQuoteList(r.apiGroups!)}`);
  if ((r.resources ?? []).length) parts.push(`Resources:${goQuoteList(r.resources!)}`);
  if ((r.nonResourceURLs ?? []).length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs!)}`);
  if ((r.resourceNames ?? []).length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames!)}`);
  if ((r.verbs ?? []).length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** What the RBAC registries need to check a write: who asks, the authorizer and the rule resolver. */
export interface EscalationChecker {
  authorizer: Authorizer;
  resolver: RuleResolver;
}

/** EscalationAllowed: system:masters may grant anything (the API server's own loopback identity is one). */
export function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(SystemPrivilegedGroup);
}

/**
 * ConfirmNoEscalation: the user's own rules (in the namespace written to) must cover the rules
 * granted; the message lists what is missing, as kube-apiserver words it.
 */
export function confirmNoEscalation(resolver: RuleResolver, user: UserInfo, namespace: string, rules: PolicyRule[]): string | undefined {
  const owner = resolver.rulesFor(user, namespace);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length) msg += `; resolution errors: [${owner.errors.join(' ')}]`;
  return msg;
}

/** RoleEscalationAuthorized: the "escalate" verb on roles/clusterroles lets a user write rules they do not hold. */
export function roleEscalationAuthorized(
  authorizer: Authorizer,
  user: UserInfo,
  resource: 'roles' | 'clusterroles',
  namespace: string | undefined,
  name: string | undefined,
): boolean {
  return (
    authorizer.authorize({
      user,
      verb: 'escalate',
      isResourceRequest: true,
      apiGroup: RBAC_GROUP,
      apiVersion: '*',
      resource,
      namespace,
      name,
    }).decision === 'Allow'
  );
}

/** BindingAuthorized: the "bind" verb on the referenced role lets a user bind it without holding its rules. */
export function bindingAuthorized(authorizer: Authorizer, user: UserInfo, ref: RoleRef, bindingNamespace: string | undefined): boolean {
  const resource = ref.kind === 'Role' ? 'roles' : ref.kind === 'ClusterRole' ? 'clusterroles' : '';
  return (
    authorizer.authorize({
      user,
      verb: 'bind',
      isResourceRequest: true,
      apiGroup: ref.apiGroup,
      resource,
      namespace: bindingNamespace,
      name: ref.name,
    }).decision === 'Allow'
  );
}

/** The check a Role or ClusterRole write passes (pkg/registry/rbac/{role,clusterrole}/policybased). */
export function checkRoleWrite(
  c: EscalationChecker,
  user: UserInfo,
  resource: 'roles' | 'clusterroles',
  namespace: string | undefined,
  name: string,
  rules: PolicyRule[],
  aggregation: boolean,
): void {
  if (escalationAllowed(user) || roleEscalationAuthorized(c.authorizer, user, resource, namespace, name)) return;
  const why = confirmNoEscalation(c.resolver, user, namespace ?? '', rules);
  if (why) throw newForbidden(RBAC_GROUP, resource, name, why);
  // An aggregation rule can gather anything: it takes cluster-admin's rights.
  if (
    aggregation &&
    confirmNoEscalation(c.resolver, user, namespace ?? '', [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ])
  ) {
    throw newForbidden(RBAC_GROUP, resource, name, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

/** The check a RoleBinding or ClusterRoleBinding write passes (pkg/registry/rbac/{rolebinding,clusterrolebinding}/policybased). */
export function checkBindingWrite(
  c: EscalationChecker,
  user: UserInfo,
  resource: 'rolebindings' | 'clusterrolebindings',
  namespace: string | undefined,
  name: string,
  ref: RoleRef,
): void {
  if (escalationAllowed(user) || bindingAuthorized(c.authorizer, user, ref, namespace)) return;
  const { rules, err } = c.resolver.roleReferenceRules(ref, namespace ?? '');
  if (err) throw newForbidden(RBAC_GROUP, resource, name, err);
  const why = confirmNoEscalation(c.resolver, user, namespace ?? '', rules);
  if (why) throw newForbidden(RBAC_GROUP, resource, name, why);
}

export { aggregate };
