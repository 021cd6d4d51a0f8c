// The RBAC authorizer's pieces against Kubernetes' semantics: rule matching (wildcards,
// */subresource, resourceNames, non-resource URL prefixes), subjects (service accounts default
// to the binding's namespace), Covers and its escalation message, and request attributes
// (RequestInfoFactory's verbs and names).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '../authorizer.js';
import { forbidden } from '../forbidden.js';
import { requestAttributes } from '../requestinfo.js';
import { RBACAuthorizer } from './authorizer.js';
import { clusterRoleBindings, clusterRoles } from './bootstrappolicy.js';
import { breakdownRule, compactRules, compactString, confirmNoEscalation, covers, ruleCovers } from './escalation.js';
import { appliesToUser } from './resolver.js';
import { ruleAllows } from './rule.js';
import type { ClusterRole, PolicyLister, PolicyRule, Role, RoleBinding } from './types.js';

const jane = { name: 'jane', groups: ['system:authenticated'] };
const res = (verb: string, resource: string, o: Partial<Attributes> = {}): Attributes => ({
  user: jane,
  verb,
  isResourceRequest: true,
  apiGroup: '',
  resource,
  ...o,
});

test('rule matching', () => {
  const r = { verbs: ['get'], apiGroups: [''], resources: ['pods', '*/scale'], resourceNames: ['web'] };
  assert.equal(ruleAllows(res('get', 'pods', { name: 'web' }), r), true);
  assert.equal(ruleAllows(res('get', 'pods', { name: 'db' }), r), false);
  assert.equal(ruleAllows(res('get', 'pods'), r), false, 'a list (no name) is not allowed by a rule with resourceNames');
  assert.equal(ruleAllows(res('get', 'deployments', { apiGroup: '', subresource: 'scale', name: 'web' }), r), true);
  assert.equal(ruleAllows(res('get', 'pods', { subresource: 'log', name: 'web' }), r), false);
  assert.equal(ruleAllows(res('list', 'pods', { apiGroup: 'apps' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), true);
  const urls = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
  assert.equal(ruleAllows({ user: jane, verb: 'get', isResourceRequest: false, path: '/apis/apps/v1' }, urls), true);
  assert.equal(ruleAllows({ user: jane, verb: 'get', isResourceRequest: false, path: '/healthz/etcd' }, urls), false);
  assert.equal(ruleAllows({ user: jane, verb: 'post', isResourceRequest: false, path: '/healthz' }, urls), false);
});

test("subjects: users, groups, service accounts (namespace defaults to the binding's)", () => {
  const sa = { name: 'system:serviceaccount:team:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:team'] };
  assert.equal(appliesToUser(sa, { kind: 'ServiceAccount', name: 'builder' }, 'team'), true);
  assert.equal(appliesToUser(sa, { kind: 'ServiceAccount', name: 'builder' }, 'other'), false);
  assert.equal(appliesToUser(sa, { kind: 'ServiceAccount', name: 'builder' }, ''), false);
  assert.equal(appliesToUser(sa, { kind: 'ServiceAccount', name: 'builder', namespace: 'team' }, ''), true);
  assert.equal(appliesToUser(sa, { kind: 'Group', name: 'system:serviceaccounts:team' }, ''), true);
  assert.equal(appliesToUser(jane, { kind: 'User', name: 'jane' }, ''), true);
  assert.equal(appliesToUser(jane, { kind: 'User', name: 'Jane' }, ''), false);
  // The service-account match is the full name's equality, part by part: near misses do not match.
  const names = ['builder', 'build', 'builders', 'team:builder', 'b', ''];
  const namespaces = ['team', 'tea', 'teams', 'team:x', 'x'];
  const users = [
    'system:serviceaccount:team:builder',
    'system:serviceaccount:team:build',
    'system:serviceaccount:teambuilder',
    'system:serviceaccount:team:team:builder',
    'system:serviceaccounts:team:builder',
    'jane',
  ];
  for (const name of users)
    for (const sub of names)
      for (const ns of namespaces)
        assert.equal(
          appliesToUser({ name, groups: [] }, { kind: 'ServiceAccount', name: sub, namespace: ns }, ''),
          name === `system:serviceaccount:${ns}:${sub}`,
          `${name} against ${ns}/${sub}`,
        );
});

test('covers: a rule an owner rule covers whole is not broken down, and the answer is the broken-down one (#13)', () => {
  // What covers answered before, from the pieces alone.
  const byPieces = (owner: PolicyRule[], servant: PolicyRule[]) =>
    servant.flatMap((s) => breakdownRule(s)).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  const pick = <T>(xs: T[], bits: number) => xs.filter((_, i) => bits & (1 << i));
  const rules: PolicyRule[] = [];
  for (let i = 0; i < 96; i++) {
    const r: PolicyRule = { verbs: pick(['get', 'list', '*'], (i % 7) + 1) };
    if (i % 4 !== 3) {
      r.apiGroups = pick(['', 'apps', '*'], ((i >> 1) % 7) + 1);
      r.resources = pick(['pods', 'pods/status', '*/status', '*'], ((i >> 2) % 15) + 1);
    }
    if (i % 3 === 0) r.resourceNames = pick(['a', 'b'], (i % 3) + 1);
    if (i % 4 >= 2) r.nonResourceURLs = pick(['/healthz', '/metrics', '/logs/*'], ((i >> 3) % 7) + 1);
    rules.push(r);
  }
  for (const o of rules)
    for (const s of rules) assert.deepEqual(covers([o], [s]).missing, byPieces([o], [s]), `${JSON.stringify(o)} over ${JSON.stringify(s)}`);
  // A rule the owner holds as it is: looked at whole, its 4 x 50 x 8 x 2 pieces never made.
  let reads = 0;
  const big: PolicyRule = {
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
    apiGroups: ['', 'apps', 'batch', 'extensions'],
    resources: Array.from({ length: 50 }, (_, i) => `things${i}`),
  };
  const names = ['a', 'b'];
  Object.defineProperty(big, 'resourceNames', {
    enumerable: true,
    get: () => {
      reads++;
      return names;
    },
  });
  assert.deepEqual(covers([{ ...big, resourceNames: names }], [big]), { covered: true, missing: [] });
  assert.ok(reads < 10, `resourceNames read ${reads} times`);
});

test('covers, compacted missing rules and the escalation message', () => {
  const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] }];
  assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods/status'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }]).covered, true);
  const { covered, missing } = covers(owner, [{ verbs: ['get', 'delete', 'watch'], apiGroups: [''], resources: ['pods'] }]);
  assert.equal(covered, false);
  assert.deepEqual(compactRules(missing).map(compactString), ['{APIGroups:[""], Resources:["pods"], Verbs:["delete" "watch"]}']);
  const lister: PolicyLister = {
    getRole: () => undefined,
    getClusterRole: (n) =>
      n === 'reader' ? { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: n }, rules: owner } : undefined,
    listRoleBindings: () => [],
    listClusterRoleBindings: () => [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'jane-reader' },
        subjects: [{ kind: 'User', name: 'jane' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
      },
    ],
  };
  const rbac = new RBACAuthorizer(lister);
  assert.equal(confirmNoEscalation(rbac.resolver, jane, 'dev', owner), undefined);
  assert.equal(
    confirmNoEscalation(rbac.resolver, jane, 'dev', [{ verbs: ['*'], nonResourceURLs: ['/metrics'] }]),
    'user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{NonResourceURLs:["/metrics"], Verbs:["*"]}',
  );
  const allowed = rbac.authorize(res('list', 'pods', { namespace: 'dev' }));
  assert.deepEqual(allowed, {
    decision: 'Allow',
    reason: 'RBAC: allowed by ClusterRoleBinding "jane-reader" of ClusterRole "reader" to User "jane"',
  });
  assert.equal(rbac.authorize(res('delete', 'pods', { namespace: 'dev', name: 'x' })).decision, 'NoOpinion');
});

test('the bootstrap policy: cluster-admin for system:masters, self-review for everyone', () => {
  const roles = new Map<string, ClusterRole>(clusterRoles().map((r) => [r.metadata.name!, r]));
  const lister: PolicyLister = {
    getRole: (): Role | undefined => undefined,
    getClusterRole: (n) => roles.get(n),
    listRoleBindings: (): RoleBinding[] => [],
    listClusterRoleBindings: () => clusterRoleBindings(),
  };
  const rbac = new RBACAuthorizer(lister);
  const admin = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
  assert.equal(rbac.authorize({ ...res('delete', 'nodes', { name: 'n1' }), user: admin }).decision, 'Allow');
  assert.equal(rbac.authorize(res('create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' })).decision, 'Allow');
  assert.equal(rbac.authorize({ user: jane, verb: 'get', isResourceRequest: false, path: '/version' }).decision, 'Allow');
  assert.equal(rbac.authorize({ user: jane, verb: 'get', isResourceRequest: false, path: '/metrics' }).decision, 'NoOpinion');
  const sched = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
  assert.equal(
    rbac.authorize({ ...res('create', 'pods', { subresource: 'binding', namespace: 'x', name: 'p' }), user: sched }).decision,
    'Allow',
  );
  assert.equal(rbac.authorize({ ...res('list', 'secrets'), user: sched }).decision, 'NoOpinion');
});

test('request attributes, as RequestInfoFactory', () => {
  const q = (s = '') => new URLSearchParams(s);
  const a = (m: string, p: string, s = '') => {
    const x = requestAttributes(jane, m, p, q(s));
    return [x.verb, x.apiGroup ?? '', x.namespace ?? '', x.resource ?? '', x.subresource ?? '', x.name ?? '', x.isResourceRequest];
  };
  assert.deepEqual(a('GET', '/api/v1/namespaces/dev/pods'), ['list', '', 'dev', 'pods', '', '', true]);
  assert.deepEqual(a('GET', '/api/v1/namespaces/dev/pods', 'watch=true'), ['watch', '', 'dev', 'pods', '', '', true]);
  assert.deepEqual(a('GET', '/api/v1/namespaces/dev/pods', 'fieldSelector=metadata.name%3Dweb&watch=1'), [
    'watch',
    '',
    'dev',
    'pods',
    '',
    'web',
    true,
  ]);
  assert.deepEqual(a('GET', '/api/v1/watch/namespaces/dev/pods/web'), ['watch', '', 'dev', 'pods', '', 'web', true]);
  assert.deepEqual(a('DELETE', '/apis/apps/v1/namespaces/dev/deployments'), [
    'deletecollection',
    'apps',
    'dev',
    'deployments',
    '',
    '',
    true,
  ]);
  assert.deepEqual(a('PATCH', '/apis/apps/v1/namespaces/dev/deployments/web/scale'), [
    'patch',
    'apps',
    'dev',
    'deployments',
    'scale',
    'web',
    true,
  ]);
  assert.deepEqual(a('GET', '/api/v1/namespaces/dev'), ['get', '', 'dev', 'namespaces', '', 'dev', true]);
  assert.deepEqual(a('PUT', '/api/v1/namespaces/dev/finalize'), ['update', '', 'dev', 'namespaces', 'finalize', 'dev', true]);
  assert.deepEqual(a('POST', '/api/v1/namespaces/dev/pods/web/exec'), ['create', '', 'dev', 'pods', 'exec', 'web', true]);
  assert.deepEqual(a('GET', '/apis/apps/v1'), ['get', '', '', '', '', '', false]);
  assert.deepEqual(a('GET', '/healthz'), ['get', '', '', '', '', '', false]);
  assert.equal(forbidden(requestAttributes(jane, 'GET', '/metrics', q()), '').message, 'forbidden: User "jane" cannot get path "/metrics"');
  assert.equal(
    forbidden(requestAttributes(jane, 'DELETE', '/apis/apps/v1/namespaces/dev/deployments/web', q()), '').message,
    'deployments.apps "web" is forbidden: User "jane" cannot delete resource "deployments" in API group "apps" in the namespace "dev"',
  );
});

test("a request's rules come from the ClusterRoleBindings naming its user or groups, found by an index kept per list of bindings (#13)", () => {
  const G = 'rbac.authorization.k8s.io';
  const binding = (name: string, role: string, subjects: RoleBinding['subjects']): RoleBinding => ({
    apiVersion: `${G}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    subjects,
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: role },
  });
  const role = (name: string, resource: string): ClusterRole => ({
    apiVersion: `${G}/v1`,
    kind: 'ClusterRole',
    metadata: { name },
    rules: [{ verbs: ['get'], apiGroups: [''], resources: [resource] }],
  });
  const roles = new Map(['pods', 'secrets', 'nodes', 'services'].map((r) => [r, role(r, r)]));
  // Every kind of subject, a User named like a ServiceAccount, a ServiceAccount without a
  // namespace (names no one in a ClusterRoleBinding), a binding to a missing role.
  const bindings: RoleBinding[] = [
    binding('b0', 'pods', [{ kind: 'User', name: 'alice' }]),
    binding('b1', 'secrets', [
      { kind: 'Group', name: 'ops' },
      { kind: 'User', name: 'alice' },
    ]),
    binding('b2', 'nodes', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'kube-system' }]),
    binding('b3', 'services', [{ kind: 'User', name: 'system:serviceaccount:kube-system:sa' }]),
    binding('b4', 'pods', [{ kind: 'ServiceAccount', name: 'sa' }]),
    binding('b5', 'missing', [{ kind: 'Group', name: 'system:authenticated' }]),
    binding('b6', 'nodes', [{ kind: 'Group', name: 'ops' }]),
    binding('b7', 'services', null as unknown as RoleBinding['subjects']),
  ];
  for (let i = 0; i < 200; i++) bindings.push(binding(`other${i}`, 'pods', [{ kind: 'User', name: `user${i}` }]));
  let subjectReads = 0;
  const counted = bindings.map((b) => {
    const c = { ...b };
    Object.defineProperty(c, 'subjects', {
      enumerable: true,
      get: () => {
        subjectReads++;
        return b.subjects;
      },
    });
    return c as RoleBinding;
  });
  const lister: PolicyLister = {
    getRole: () => undefined,
    getClusterRole: (n) => roles.get(n),
    listRoleBindings: () => [],
    listClusterRoleBindings: () => counted,
  };
  const rbac = new RBACAuthorizer(lister);
  // Each binding looked at in turn, as before: the same rules, errors and order.
  const walk = (user: { name: string; groups: string[] }) => {
    const out: string[] = [];
    for (const b of bindings) {
      const s = (b.subjects ?? []).find((x) => appliesToUser(user, x, ''));
      if (!s) continue;
      const r = roles.get(b.roleRef.name);
      out.push(r ? `${b.metadata.name}:${r.rules![0].resources![0]}` : `${b.metadata.name}:missing`);
    }
    return out;
  };
  const users = [
    { name: 'alice', groups: ['system:authenticated'] },
    { name: 'bob', groups: ['ops', 'system:authenticated'] },
    { name: 'alice', groups: ['ops'] },
    { name: 'system:serviceaccount:kube-system:sa', groups: ['system:serviceaccounts', 'system:authenticated'] },
    { name: 'user7', groups: [] },
    { name: 'nobody', groups: [] },
  ];
  for (const user of users) {
    const seen: string[] = [];
    rbac.resolver.visitRulesFor(user, '', (source, rule, err) => {
      const name = source ? /ClusterRoleBinding "([^"]+)"/.exec(source())![1] : /"([^"]+)"/.exec(err ?? '')?.[1];
      seen.push(rule ? `${name}:${rule.resources![0]}` : `b5:missing`);
      return true;
    });
    assert.deepEqual(seen, walk(user), user.name);
  }
  assert.equal(rbac.authorize(res('get', 'nodes', { user: users[3] })).decision, 'Allow');
  assert.equal(rbac.authorize(res('get', 'nodes', { user: users[0] })).decision, 'NoOpinion');
  // 100 requests read each binding's subjects about once (the index), not once a request each.
  subjectReads = 0;
  for (let i = 0; i < 100; i++) rbac.authorize(res('get', 'pods', { user: users[i % users.length] }));
  assert.ok(subjectReads < 2 * bindings.length, `subjects read ${subjectReads} times for ${bindings.length} bindings`);
});
