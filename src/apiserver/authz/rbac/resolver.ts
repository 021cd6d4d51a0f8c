// From a user to the rules that apply to them, as pkg/registry/rbac/validation's
// DefaultRuleResolver: every ClusterRoleBinding whose subjects include the user, then (for a
// namespace) every RoleBinding there, each resolved to its Role's or ClusterRole's rules. A
// binding whose role is missing is an error the visitor sees (it ends up in the 403's reason).

import type { UserInfo } from '../../authn/user.js';
import { ServiceAccountUsernamePrefix } from '../../authn/user.js';
import type { PolicyLister, PolicyRule, RoleBinding, RoleRef, Subject } from './types.js';
import { RBAC_GROUP } from './types.js';

/** Where a rule came from: "ClusterRoleBinding "x" of ClusterRole "y" to User "z"". */
export type RuleSource = () => string;

/** Called for each rule (or error); returning false stops the walk. */
export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** Whether a subject names this user (a ServiceAccount subject's namespace defaults to the binding's). */
export function appliesToUser(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || namespace;
      if (!ns || typeof s.name !== 'string') return false;
      // user.name === `system:serviceaccount:${ns}:${s.name}`, without making that string: this
      // runs for every subject of every binding on each request.
      const n = user.name;
      const p = ServiceAccountUsernamePrefix.length;
      return (
        n.length === p + ns.length + 1 + s.name.length &&
        n.startsWith(ServiceAccountUsernamePrefix) &&
        n.startsWith(ns, p) &&
        n.charCodeAt(p + ns.length) === 58 /* ':' */ &&
        n.endsWith(s.name)
      );
    }
    default:
      return false;
  }
}

function appliesTo(user: UserInfo, subjects: Subject[] | null | undefined, namespace: string): Subject | undefined {
  // A loop rather than find(): no closure for each binding of each request.
  if (!subjects) return undefined;
  for (const s of subjects) if (appliesToUser(user, s, namespace)) return s;
  return undefined;
}

export class RuleResolver {
  constructor(private readonly lister: PolicyLister) {}

  /** The rules a role reference names (a RoleBinding's Role is in the binding's namespace). */
  roleReferenceRules(ref: RoleRef, namespace: string): { rules: PolicyRule[]; err?: string } {
    if (ref.kind === 'Role') {
      const r = this.lister.getRole(namespace, ref.name);
      return r ? { rules: r.rules ?? [] } : { rules: [], err: `role.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
    }
    if (ref.kind === 'ClusterRole') {
      const r = this.lister.getClusterRole(ref.name);
      return r ? { rules: r.rules ?? [] } : { rules: [], err: `clusterrole.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
    }
    return { rules: [], err: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
  }

  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    for (const b of this.lister.listClusterRoleBindings()) {
      const subject = appliesTo(user, b.subjects, '');
      if (!subject) continue;
      const { rules, err } = this.roleReferenceRules(b.roleRef, '');
      if (err) {
        if (!visit(undefined, undefined, err)) return;
        continue;
      }
      const source = () =>
        `ClusterRoleBinding ${JSON.stringify(b.metadata.name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, '')}`;
      for (const r of rules) if (!visit(source, r, undefined)) return;
    }
    if (!namespace) return;
    for (const b of this.lister.listRoleBindings(namespace)) {
      const subject = appliesTo(user, b.subjects, namespace);
      if (!subject) continue;
      const { rules, err } = this.roleReferenceRules(b.roleRef, namespace);
      if (err) {
        if (!visit(undefined, undefined, err)) return;
        continue;
      }
      const source = () =>
        `RoleBinding ${JSON.stringify(`${b.metadata.name}/${namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, namespace)}`;
      for (const r of rules) if (!visit(source, r, undefined)) return;
    }
  }

  /** Every rule that applies to the user in the namespace, and the errors met (RulesFor). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_s, r, e) => {
      if (r) rules.push(r);
      if (e) errors.push(e);
      return true;
    });
    return { rules, errors };
  }
}

export type { RoleBinding };
