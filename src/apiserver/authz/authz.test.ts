// Authorization through the API server: RBAC decides for users outside system:masters, with
// kube-apiserver's 403 messages; rights come and go with Roles and bindings; escalation is
// refused; impersonation needs the impersonate verb.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError, type RestClient } from '../../client/rest.js';
import { createNamespace } from '../../testing/controlplane.js';
import { startTLSControlPlane } from '../../testing/tlscontrolplane.js';
import { waitFor } from '../../testing/wait.js';
import { requestAttributes } from './requestinfo.js';

const RBAC = 'rbac.authorization.k8s.io';
const secrets = (namespace?: string) => ({ group: '', version: 'v1', resource: 'secrets', namespace });
const rbac = (resource: string, namespace?: string) => ({ group: RBAC, version: 'v1', resource, namespace });

async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isApiError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  assert.fail('the request was allowed');
}

async function canList(c: RestClient, namespace: string): Promise<boolean> {
  try {
    await c.list(secrets(namespace));
    return true;
  } catch (e) {
    if (isApiError(e) && e.code === 403) return false;
    throw e;
  }
}

test('RBAC: a user gains and loses rights with a Role and RoleBinding, in that namespace only', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  for (const ns of ['team-a', 'team-b']) await createNamespace(cp.admin, ns);
  const jane = cp.clientFor('jane', ['developers']);

  const r = await refusal(jane.list(secrets('team-a')));
  assert.equal(r.code, 403);
  assert.equal(r.message, 'secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "team-a"');
  const one = await refusal(jane.get({ ...secrets('team-a'), name: 'db' }));
  assert.equal(
    one.message,
    'secrets "db" is forbidden: User "jane" cannot get resource "secrets" in API group "" in the namespace "team-a"',
  );
  const cluster = await refusal(jane.list({ group: '', version: 'v1', resource: 'nodes' }));
  assert.equal(cluster.message, 'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');

  await cp.admin.create(rbac('roles', 'team-a'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name: 'secret-reader', namespace: 'team-a' },
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }],
  });
  await cp.admin.create(rbac('rolebindings', 'team-a'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'jane-reads', namespace: 'team-a' },
    subjects: [{ kind: 'User', name: 'jane' }],
    roleRef: { kind: 'Role', name: 'secret-reader' },
  });
  // The authorizer reads the watch caches: the binding applies once the cache has it.
  await waitFor('jane may list secrets in team-a', () => canList(jane, 'team-a'), 5000);
  assert.equal(await canList(jane, 'team-b'), false);
  // get/list/watch only: no create.
  const create = await refusal(jane.create(secrets('team-a'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }));
  assert.equal(
    create.message,
    'secrets is forbidden: User "jane" cannot create resource "secrets" in API group "" in the namespace "team-a"',
  );

  await cp.admin.delete({ ...rbac('rolebindings', 'team-a'), name: 'jane-reads' });
  await waitFor('jane no longer lists secrets in team-a', async () => !(await canList(jane, 'team-a')), 5000);

  // A group subject works the same; a binding to a missing role says so in the 403.
  await cp.admin.create(rbac('rolebindings', 'team-b'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'devs', namespace: 'team-b' },
    subjects: [{ kind: 'Group', name: 'developers' }],
    roleRef: { kind: 'ClusterRole', name: 'no-such-role' },
  });
  await waitFor('the missing role is reported', async () => (await refusal(jane.list(secrets('team-b')))).message.includes('RBAC'), 5000);
  assert.equal(
    (await refusal(jane.list(secrets('team-b')))).message,
    'secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "team-b": RBAC: clusterrole.rbac.authorization.k8s.io "no-such-role" not found',
  );
});

test('RBAC: escalation is refused; edit cannot grant cluster-admin; bind and escalate verbs', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  await createNamespace(cp.admin, 'dev');
  // Bootstrap policy exists.
  const admin = await cp.admin.get({ ...rbac('clusterroles'), name: 'cluster-admin' });
  assert.deepEqual(admin.rules, [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['*'], nonResourceURLs: ['*'] },
  ]);

  const bind = (name: string, user: string, role: string, ns = 'dev') =>
    cp.admin.create(rbac('rolebindings', ns), {
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name, namespace: ns },
      subjects: [{ kind: 'User', name: user }],
      roleRef: { kind: 'ClusterRole', name: role },
    });
  // bob: a namespace admin of dev (may write roles and bindings there); eve: edit there.
  await cp.admin.create(rbac('clusterroles'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'ns-admin' },
    rules: [
      { apiGroups: ['', 'apps'], resources: ['*'], verbs: ['*'] },
      { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    ],
  });
  await bind('bob-admin', 'bob', 'ns-admin');
  await cp.admin.create(rbac('clusterroles'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'pod-editor' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }],
  });
  await bind('eve-edit', 'eve', 'pod-editor');
  const bob = cp.clientFor('bob');
  const eve = cp.clientFor('eve');
  const grant = (c: RestClient, name: string, role: string) =>
    c.create(rbac('rolebindings', 'dev'), {
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name, namespace: 'dev' },
      subjects: [{ kind: 'User', name: 'mallory' }],
      roleRef: { kind: 'ClusterRole', name: role },
    });

  await waitFor(
    'bob may list rolebindings',
    async () => {
      try {
        await bob.list(rbac('rolebindings', 'dev'));
        return true;
      } catch {
        return false;
      }
    },
    5000,
  );
  // eve may not write bindings at all.
  const e1 = await refusal(grant(eve, 'x', 'cluster-admin'));
  assert.equal(
    e1.message,
    'rolebindings.rbac.authorization.k8s.io is forbidden: User "eve" cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "dev"',
  );
  // bob may write bindings, but not grant what he does not hold.
  const e2 = await refusal(grant(bob, 'x', 'cluster-admin'));
  assert.equal(e2.code, 403);
  assert.match(
    e2.message,
    /^rolebindings\.rbac\.authorization\.k8s\.io "x" is forbidden: user "bob" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n/,
  );
  assert.match(e2.message, /\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
  assert.match(e2.message, /\{NonResourceURLs:\["\*"\], Verbs:\["\*"\]\}/);
  // ... and may grant what he holds.
  await grant(bob, 'ok', 'pod-editor');
  // A Role with rules he lacks is refused; one within his rights is fine.
  const e3 = await refusal(
    bob.create(rbac('roles', 'dev'), {
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: 'nodes', namespace: 'dev' },
      rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] }],
    }),
  );
  assert.equal(
    e3.message,
    'roles.rbac.authorization.k8s.io "nodes" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["batch"], Resources:["jobs"], Verbs:["get" "list"]}',
  );
  await bob.create(rbac('roles', 'dev'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name: 'deploys', namespace: 'dev' },
    rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }],
  });

  // The bind verb on cluster-admin lets bob bind it without holding it.
  await cp.admin.create(rbac('roles', 'dev'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name: 'binder', namespace: 'dev' },
    rules: [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }],
  });
  await cp.admin.create(rbac('rolebindings', 'dev'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'bob-binder', namespace: 'dev' },
    subjects: [{ kind: 'User', name: 'bob' }],
    roleRef: { kind: 'Role', name: 'binder' },
  });
  await waitFor(
    'bob binds cluster-admin with the bind verb',
    async () => {
      try {
        await grant(bob, 'granted', 'cluster-admin');
        return true;
      } catch {
        return false;
      }
    },
    5000,
  );
});

test('RBAC: cluster kinds are checked cluster-wide, aggregationRule takes cluster-admin, updates unless only GC fields change', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const clusterRole = (name: string, rules: object[], extra: object = {}) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name },
    rules,
    ...extra,
  });
  const clusterBinding = (name: string, user: string, role: string) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    subjects: [{ kind: 'User', name: user }],
    roleRef: { kind: 'ClusterRole', name: role },
  });
  const podReader = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
  // carol may write cluster roles and bindings (not escalate or bind) and read pods, nothing more.
  await cp.admin.create(
    rbac('clusterroles'),
    clusterRole('rbac-writer', [
      {
        apiGroups: [RBAC],
        resources: ['clusterroles', 'clusterrolebindings'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      },
      ...podReader,
    ]),
  );
  await cp.admin.create(rbac('clusterrolebindings'), clusterBinding('carol-rbac-writer', 'carol', 'rbac-writer'));
  await cp.admin.create(rbac('clusterroles'), clusterRole('secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]));
  const carol = cp.clientFor('carol');
  await waitFor('carol may create a ClusterRole within her rights', async () => {
    try {
      await carol.create(rbac('clusterroles'), clusterRole('pod-reader', podReader));
      return true;
    } catch {
      return false;
    }
  });
  const grantMessage = (resource: string, name: string) =>
    `${resource}.rbac.authorization.k8s.io "${name}" is forbidden: user "carol" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`;
  const e1 = await refusal(
    carol.create(rbac('clusterroles'), clusterRole('secrets', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])),
  );
  assert.equal(e1.code, 403);
  assert.equal(e1.message, grantMessage('clusterroles', 'secrets'));
  const e2 = await refusal(
    carol.create(
      rbac('clusterroles'),
      clusterRole('gather', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { gather: 'yes' } }] } }),
    ),
  );
  assert.equal(e2.code, 403);
  assert.match(e2.message, /"gather" is forbidden: must have cluster-admin privileges to use the aggregationRule$/);
  const e3 = await refusal(carol.create(rbac('clusterrolebindings'), clusterBinding('carol-secrets', 'carol', 'secret-reader')));
  assert.equal(e3.message, grantMessage('clusterrolebindings', 'carol-secrets'));
  await carol.create(rbac('clusterrolebindings'), clusterBinding('carol-pods', 'carol', 'pod-reader'));

  // An update of a role she could not have made is checked, unless it changes only what the garbage collector writes.
  const stored = await carol.get({ ...rbac('clusterroles'), name: 'secret-reader' });
  const e4 = await refusal(
    carol.update(
      { ...rbac('clusterroles'), name: 'secret-reader' },
      { ...stored, metadata: { ...stored.metadata, labels: { by: 'carol' } } },
    ),
  );
  assert.equal(e4.message, grantMessage('clusterroles', 'secret-reader'));
  const kept = await carol.update(
    { ...rbac('clusterroles'), name: 'secret-reader' },
    { ...stored, metadata: { ...stored.metadata, finalizers: ['example.com/keep'] } },
  );
  assert.deepEqual(kept.metadata.finalizers, ['example.com/keep']);
});

test('impersonation: allowed for cluster-admin, refused without the impersonate verb', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const as = (c: RestClient, headers: Record<string, string | string[]>) =>
    c.requestRaw({ method: 'GET', path: '/api/v1/namespaces/default/secrets', headers });
  const r1 = await as(cp.admin, { 'Impersonate-User': 'jane' });
  assert.equal(r1.statusCode, 403);
  assert.equal(
    JSON.parse(r1.body.toString()).message,
    'secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "default"',
  );
  const r2 = await as(cp.admin, { 'Impersonate-User': 'jane', 'Impersonate-Group': 'system:masters' });
  assert.equal(r2.statusCode, 200);
  const jane = cp.clientFor('jane');
  const r3 = await as(jane, { 'Impersonate-User': 'admin', 'Impersonate-Group': 'system:masters' });
  assert.equal(r3.statusCode, 403);
  assert.equal(
    JSON.parse(r3.body.toString()).message,
    'users "admin" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope',
  );
});

test('SubjectAccessReview and LocalSubjectAccessReview answer for the user the spec names', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const sar = (spec: object) =>
    cp.admin.create<{ status: { allowed: boolean; reason?: string } } & import('../../api/object.js').KObject>(
      { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' },
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec } as never,
    );
  const ra = { namespace: 'default', verb: 'list', resource: 'secrets' };
  assert.equal((await sar({ user: 'jane', resourceAttributes: ra })).status.allowed, false);
  const masters = await sar({ user: 'jane', groups: ['system:masters'], resourceAttributes: ra });
  assert.equal(masters.status.allowed, true);
  assert.equal(
    (await sar({ user: 'jane', groups: ['system:authenticated'], nonResourceAttributes: { path: '/version', verb: 'get' } })).status.reason,
    'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
  );
  const bad = await refusal(sar({ resourceAttributes: ra }));
  assert.equal(bad.code, 422);
  assert.equal(
    bad.message,
    'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
  );
  const both = await refusal(sar({ user: 'x', resourceAttributes: ra, nonResourceAttributes: { path: '/', verb: 'get' } }));
  assert.match(both.message, /spec.nonResourceAttributes: Invalid value: .*: cannot be specified in combination with resourceAttributes/);
  // A local review must be about its own namespace.
  const local = (ns: string, spec: object) =>
    cp.admin.create({ group: 'authorization.k8s.io', version: 'v1', resource: 'localsubjectaccessreviews', namespace: ns }, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'LocalSubjectAccessReview',
      metadata: { namespace: ns },
      spec,
    } as never);
  const mism = await refusal(local('default', { user: 'jane', resourceAttributes: { ...ra, namespace: 'kube-system' } }));
  assert.match(mism.message, /spec.resourceAttributes.namespace: Invalid value: "kube-system": must match metadata.namespace/);
  // The same spec validation as SubjectAccessReview's: a user or group is required.
  const nobody = await refusal(local('default', { resourceAttributes: ra }));
  assert.equal(nobody.code, 422);
  assert.match(
    nobody.message,
    /LocalSubjectAccessReview.* is invalid: spec.user: Invalid value: "": at least one of user or group must be specified/,
  );
  assert.equal(
    (
      (await local('default', { user: 'jane', groups: ['system:masters'], resourceAttributes: ra })) as unknown as {
        status: { allowed: boolean };
      }
    ).status.allowed,
    true,
  );
});

test('request attributes unescape each path segment that holds an escape, and take a bad escape as a non-resource path', () => {
  const user = { name: 'u', groups: [] };
  const q = new URLSearchParams();
  const plain = requestAttributes(user, 'GET', '/api/v1/namespaces/ns/configmaps/cm-1', q);
  assert.deepEqual([plain.isResourceRequest, plain.namespace, plain.resource, plain.name], [true, 'ns', 'configmaps', 'cm-1']);
  const escaped = requestAttributes(user, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Aadmin', q);
  assert.deepEqual([escaped.apiGroup, escaped.resource, escaped.name], ['rbac.authorization.k8s.io', 'clusterroles', 'system:admin']);
  const bad = requestAttributes(user, 'GET', '/api/v1/namespaces/ns/configmaps/%zz', q);
  assert.equal(bad.isResourceRequest, false);
});

// A PUT or PATCH that finds nothing creates (create-on-update: leases, endpoints, events, RBAC
// objects; server-side apply: everything); kube-apiserver then asks for "create" as well
// (withAuthorization in the update and patch handlers). Without it, update or patch rights alone
// made new objects (redteam, session 10).
test('RBAC: a PUT or an apply that creates needs create, not only update or patch', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  await createNamespace(cp.admin, 'team-a');
  const jane = cp.clientFor('jane', ['developers']);
  const cms = { group: '', version: 'v1', resource: 'configmaps', namespace: 'team-a' };
  const leases = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'team-a' };
  await cp.admin.create(rbac('roles', 'team-a'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name: 'changer', namespace: 'team-a' },
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update', 'patch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'patch'] },
    ],
  });
  await cp.admin.create(rbac('rolebindings', 'team-a'), {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'jane-changer', namespace: 'team-a' },
    roleRef: { apiGroup: RBAC, kind: 'Role', name: 'changer' },
    subjects: [{ apiGroup: RBAC, kind: 'User', name: 'jane' }],
  });
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new', namespace: 'team-a' }, data: { a: 'b' } };
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'new', namespace: 'team-a' }, spec: {} };
  await waitFor('the binding to take effect', async () => (await refusal(jane.get({ ...cms, name: 'new' }))).code === 404, 5000);
  const apply = await refusal(jane.patch({ ...cms, name: 'new' }, cm, 'apply', { fieldManager: 'jane' }));
  assert.deepEqual(apply, { code: 403, message: 'configmaps "new" is forbidden: ' });
  const put = await refusal(jane.update({ ...leases, name: 'new' }, lease));
  assert.deepEqual(put, { code: 403, message: 'leases.coordination.k8s.io "new" is forbidden: ' });
  assert.equal((await refusal(cp.admin.get({ ...cms, name: 'new' }))).code, 404);
  assert.equal((await refusal(cp.admin.get({ ...leases, name: 'new' }))).code, 404);
  // Once they exist, update and patch are all it takes; with create, jane makes them herself.
  await cp.admin.create(cms, cm);
  await jane.patch({ ...cms, name: 'new' }, { ...cm, data: { a: 'c' } }, 'apply', { fieldManager: 'jane', force: true });
  await cp.admin.update(
    { ...rbac('roles', 'team-a'), name: 'changer' },
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: 'changer', namespace: 'team-a' },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'patch', 'create'] }],
    },
  );
  await waitFor(
    'create to be granted',
    async () => {
      try {
        await jane.update({ ...leases, name: 'new' }, lease);
        return true;
      } catch (e) {
        if (isApiError(e) && e.code === 403) return false;
        throw e;
      }
    },
    5000,
  );
  assert.equal((await cp.admin.get({ ...leases, name: 'new' })).metadata.name, 'new');
});
