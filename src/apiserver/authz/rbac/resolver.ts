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

/**
 * The ClusterRoleBindings a user can be a subject of, by what a subject names: a User's name and
 * a ServiceAccount's username (`system:serviceaccount:NS:NAME`, both compared with the user's
 * name), a Group's name (compared with each of the user's groups). Each list holds positions in
 * the bindings' list, ascending, so that the bindings are still visited in its order.
 */
interface SubjectIndex {
  byName: Map<string, number[]>;
  byGroup: Map<string, number[]>;
}

function indexSubjects(bindings: readonly RoleBinding[]): SubjectIndex {
  const byName = new Map<string, number[]>();
  const byGroup = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, key: string, i: number) => {
    const l = m.get(key);
    if (!l) m.set(key, [i]);
    else if (l[l.length - 1] !== i) l.push(i);
  };
  bindings.forEach((b, i) => {
    for (const s of b.subjects ?? []) {
      if (typeof s.name !== 'string') continue;
      if (s.kind === 'User') add(byName, s.name, i);
      else if (s.kind === 'Group') add(byGroup, s.name, i);
      // A ClusterRoleBinding's ServiceAccount subject names its namespace (none: it names no one).
      else if (s.kind === 'ServiceAccount' && s.namespace) add(byName, `${ServiceAccountUsernamePrefix}${s.namespace}:${s.name}`, i);
    }
  });
  return { byName, byGroup };
}

export class RuleResolver {
  /**
   * Per list of ClusterRoleBindings the lister gives (the watch cache's, the same array until a
   * binding changes), its subjects' index: a request then looks at the bindings naming its user
   * or groups, not at every binding's every subject (#13: ~70 bindings for each request, most
   * of a start's authorizing).
   */
  private readonly indexes = new WeakMap<readonly RoleBinding[], SubjectIndex>();

  constructor(private readonly lister: PolicyLister) {}

  /** The positions of the ClusterRoleBindings that may name the user, ascending. */
  private candidates(bindings: readonly RoleBinding[], user: UserInfo): number[] {
    let index = this.indexes.get(bindings);
    if (!index) {
      index = indexSubjects(bindings);
      this.indexes.set(bindings, index);
    }
    const lists = [index.byName.get(user.name), ...user.groups.map((g) => index.byGroup.get(g))].filter(
      (l): l is number[] => l !== undefined,
    );
    if (lists.length === 1) return lists[0];
    return [...new Set(lists.flat())].sort((a, b) => a - b);
  }

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
    const clusterBindings = this.lister.listClusterRoleBindings();
    for (const i of this.candidates(clusterBindings, user)) {
      const b = clusterBindings[i];
      // The first of its subjects that names the user, as before (the index only narrowed the bindings).
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
