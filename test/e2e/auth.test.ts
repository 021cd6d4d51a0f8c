// Who may do what, end to end with the stock kubectl against `k8ts up` (issue #12): the admin's
// client certificate (kubeadm's admin.conf identity), users with certificates signed by the
// cluster CA, a service account's token; `kubectl auth whoami`, `auth can-i` (and --list),
// `--as`, RBAC objects made with kubectl, escalation refused, rights that come and go.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { makeClientCert } from '../../src/pki/certs.js';
import { TestCluster } from './harness.js';

const cluster = new TestCluster('auth');
before(async () => {
  await cluster.up(['--no-node']);
});
after(async () => {
  await cluster.stop();
});

/** A kubeconfig for another identity on the same cluster: a certificate signed by the cluster CA, or a bearer token. */
function kubeconfigFor(name: string, user: { cert?: string; key?: string; token?: string }): string {
  const file = path.join(cluster.dir, `kubeconfig-${name}`);
  const u: Record<string, string> = {};
  if (user.cert && user.key) {
    u['client-certificate-data'] = Buffer.from(user.cert).toString('base64');
    u['client-key-data'] = Buffer.from(user.key).toString('base64');
  }
  if (user.token) u.token = user.token;
  fs.writeFileSync(
    file,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      clusters: [{ name: 'c', cluster: { server: cluster.url, 'certificate-authority-data': Buffer.from(cluster.ca).toString('base64') } }],
      users: [{ name, user: u }],
      contexts: [{ name, context: { cluster: 'c', user: name } }],
    }),
    { mode: 0o600 },
  );
  return file;
}

function userKubeconfig(name: string, groups: string[] = []): string {
  const ca = { cert: cluster.ca, key: fs.readFileSync(path.join(cluster.dataDir, 'pki', 'ca.key'), 'utf8') };
  return kubeconfigFor(name, makeClientCert(ca, name, groups));
}

/** kubectl as the identity of a kubeconfig file. */
const as = (kc: string, ...args: string[]) => cluster.kubectl(['--kubeconfig', kc, ...args]);

/** Waits until `kubectl auth can-i` answers want (the authorizer reads caches a watch keeps current). */
async function canI(kc: string | undefined, want: 'yes' | 'no', ...args: string[]): Promise<void> {
  await cluster.waitFor(
    `can-i ${args.join(' ')} = ${want}`,
    async () => {
      const r = kc ? await as(kc, 'auth', 'can-i', ...args) : await cluster.kubectl(['auth', 'can-i', ...args]);
      return r.stdout.trim() === want && r.code === (want === 'yes' ? 0 : 1);
    },
    10_000,
  );
}

describe('authentication and authorization with kubectl', () => {
  test('the admin is kubernetes-admin in system:masters by its client certificate', async () => {
    const kc = YAML.parse(fs.readFileSync(cluster.kubeconfig, 'utf8'));
    assert.ok(kc.users[0].user['client-certificate-data'], 'the kubeconfig carries a client certificate');
    const who = await cluster.k('auth', 'whoami');
    assert.match(who, /^Username\s+kubernetes-admin$/m);
    assert.match(who, /^Groups\s+\[system:masters system:authenticated\]$/m);
    assert.equal((await cluster.k('auth', 'can-i', '*', '*')).trim(), 'yes');
    const list = await cluster.k('auth', 'can-i', '--list');
    assert.match(list, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    // The default policy is there, and admin/edit/view are aggregated by the controller.
    const crs = await cluster.k('get', 'clusterroles');
    for (const r of [
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:basic-user',
      'system:discovery',
      'system:kube-scheduler',
      'system:node-proxier',
    ])
      assert.match(crs, new RegExp(`^${r}\\s+\\d{4}-`, 'm'));
    await cluster.waitFor(
      'view has aggregated rules',
      async () => JSON.parse(await cluster.k('get', 'clusterrole', 'view', '-o', 'json')).rules?.length > 5,
    );
    const crb = await cluster.k('get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide');
    assert.match(crb, /^cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters/m);
  });

  test('a user by certificate: whoami, forbidden until granted, in one namespace only, gone with the binding', async () => {
    await cluster.k('create', 'namespace', 'team');
    await cluster.k('create', 'namespace', 'other');
    const jane = userKubeconfig('jane', ['dev-team']);
    const who = (await as(jane, 'auth', 'whoami')).stdout;
    assert.match(who, /^Username\s+jane$/m);
    assert.match(who, /^Groups\s+\[dev-team system:authenticated\]$/m);

    const denied = await as(jane, 'get', 'secrets', '-n', 'team');
    assert.notEqual(denied.code, 0);
    assert.match(
      denied.stderr,
      /Error from server \(Forbidden\): secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "team"/,
    );
    await canI(jane, 'no', 'list', 'secrets', '-n', 'team');
    // Every authenticated user may ask about themselves (system:basic-user).
    const basic = (await as(jane, 'auth', 'can-i', '--list', '-n', 'team')).stdout;
    assert.match(basic, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    assert.doesNotMatch(basic, /^secrets/m);

    await cluster.k('create', 'role', 'secret-reader', '-n', 'team', '--verb=get,list,watch', '--resource=secrets');
    await cluster.k('create', 'rolebinding', 'jane-reads', '-n', 'team', '--role=secret-reader', '--user=jane');
    await canI(jane, 'yes', 'list', 'secrets', '-n', 'team');
    assert.equal((await as(jane, 'get', 'secrets', '-n', 'team')).code, 0);
    await canI(jane, 'no', 'list', 'secrets', '-n', 'other');
    await canI(jane, 'no', 'create', 'secrets', '-n', 'team');
    assert.match((await as(jane, 'auth', 'can-i', '--list', '-n', 'team')).stdout, /^secrets\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    // The admin asks about jane by impersonation.
    assert.equal((await cluster.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'team', '--as', 'jane'])).stdout.trim(), 'yes');

    await cluster.k('delete', 'rolebinding', 'jane-reads', '-n', 'team');
    await canI(jane, 'no', 'list', 'secrets', '-n', 'team');
    const again = await as(jane, 'get', 'secrets', '-n', 'team');
    assert.match(again.stderr, /secrets is forbidden: User "jane" cannot list resource "secrets"/);
  });

  test('--as works for the cluster admin and is refused for others', async () => {
    const who = await cluster.k('auth', 'whoami', '--as', 'bob', '--as-group', 'qa');
    assert.match(who, /^Username\s+bob$/m);
    assert.match(who, /^Groups\s+\[qa system:authenticated\]$/m);
    const r = await cluster.kubectl(['get', 'pods', '-n', 'team', '--as', 'bob']);
    assert.match(r.stderr, /pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "team"/);
    const jane = userKubeconfig('jane2');
    const refused = await as(jane, 'get', 'pods', '--as', 'kubernetes-admin');
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /users "kubernetes-admin" is forbidden: User "jane2" cannot impersonate resource "users" in API group "" at the cluster scope/,
    );
    const refusedGroup = await as(jane, 'get', 'pods', '--as', 'jane2', '--as-group', 'system:masters');
    // Even acting as oneself with an added group is impersonation, checked user first.
    assert.match(
      refusedGroup.stderr,
      /users "jane2" is forbidden: User "jane2" cannot impersonate resource "users" in API group "" at the cluster scope/,
    );
  });

  test('edit in one namespace cannot grant cluster-admin; admin cannot escalate either', async () => {
    await cluster.k('create', 'rolebinding', 'ed-edit', '-n', 'team', '--clusterrole=edit', '--user=ed');
    await cluster.k('create', 'rolebinding', 'ada-admin', '-n', 'team', '--clusterrole=admin', '--user=ada');
    const ed = userKubeconfig('ed');
    const ada = userKubeconfig('ada');
    // edit is aggregated from system:aggregate-to-edit: ed may create deployments in team, not elsewhere.
    await canI(ed, 'yes', 'create', 'deployments.apps', '-n', 'team');
    await canI(ed, 'no', 'create', 'deployments.apps', '-n', 'other');
    const e1 = await as(ed, 'create', 'rolebinding', 'pwn', '-n', 'team', '--clusterrole=cluster-admin', '--user=ed');
    assert.notEqual(e1.code, 0);
    assert.match(
      e1.stderr,
      /rolebindings\.rbac\.authorization\.k8s\.io is forbidden: User "ed" cannot create resource "rolebindings" in API group "rbac\.authorization\.k8s\.io" in the namespace "team"/,
    );
    await canI(ada, 'yes', 'create', 'rolebindings', '-n', 'team');
    const e2 = await as(ada, 'create', 'rolebinding', 'pwn', '-n', 'team', '--clusterrole=cluster-admin', '--user=ada');
    assert.notEqual(e2.code, 0);
    assert.match(
      e2.stderr,
      /rolebindings\.rbac\.authorization\.k8s\.io "pwn" is forbidden: user "ada" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/,
    );
    // What ada holds she may grant: edit in team.
    assert.equal((await as(ada, 'create', 'rolebinding', 'ok', '-n', 'team', '--clusterrole=edit', '--user=carol')).code, 0);
    await canI(ed, 'no', 'create', 'clusterrolebindings');
  });

  test('a service account token: no secrets until a Role is bound, in its namespace only, and not after', async () => {
    const tok = (await cluster.k('create', 'token', 'default', '-n', 'team')).trim();
    const sa = kubeconfigFor('sa', { token: tok });
    assert.match((await as(sa, 'auth', 'whoami')).stdout, /^Username\s+system:serviceaccount:team:default$/m);
    await canI(sa, 'no', 'list', 'secrets', '-n', 'team');
    await cluster.k('create', 'rolebinding', 'sa-reads', '-n', 'team', '--role=secret-reader', '--serviceaccount=team:default');
    await canI(sa, 'yes', 'list', 'secrets', '-n', 'team');
    assert.equal((await as(sa, 'get', 'secrets', '-n', 'team')).code, 0);
    await canI(sa, 'no', 'list', 'secrets', '-n', 'other');
    await cluster.k('delete', 'rolebinding', 'sa-reads', '-n', 'team');
    await canI(sa, 'no', 'list', 'secrets', '-n', 'team');
    assert.match(
      (await as(sa, 'get', 'secrets', '-n', 'team')).stderr,
      /secrets is forbidden: User "system:serviceaccount:team:default" cannot list resource "secrets" in API group "" in the namespace "team"/,
    );
  });
});
