// Legacy, secret-based service-account tokens: made only when a token Secret asks for one,
// accepted while the Secret holds that very token, gone with the Secret or the account.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import { RestClient } from '../client/rest.js';
import { newServiceAccountKeyPair } from '../pki/serviceaccount.js';
import { runControllers, startTestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { ServiceAccountTokensController } from './serviceaccounttokens.js';

type Secret = KObject & { data?: Record<string, string> };

test('token Secrets are filled, honoured while they hold the token, and removed with their account', async (t) => {
  const keys = newServiceAccountKeyPair();
  const cp = await startTestControlPlane({ serviceAccounts: { keys } });
  const stop = await runControllers(cp.newClient('kube-controller-manager'), (kcm, factory) => [
    new ServiceAccountTokensController(kcm, factory, { keys, rootCA: cp.rootCA }),
  ]);
  t.after(async () => {
    await stop();
    await cp.stop();
  });
  const c = cp.client;
  const ns = 'default';
  const secrets = { group: '', version: 'v1', resource: 'secrets', namespace: ns };
  const sa = await c.create(
    { group: '', version: 'v1', resource: 'serviceaccounts', namespace: ns },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'legacy' } },
  );
  // No Secret, no token: none are made unasked.
  assert.equal((await c.list<Secret>(secrets)).items.length, 0);

  await c.create(secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'legacy-token', annotations: { 'kubernetes.io/service-account.name': 'legacy' } },
    type: 'kubernetes.io/service-account-token',
  });
  const filled = await waitFor('the token Secret filled', async () => {
    const s = await c.get<Secret>({ ...secrets, name: 'legacy-token' });
    return s.data?.token ? s : undefined;
  });
  assert.equal(Buffer.from(filled.data!.namespace, 'base64').toString(), ns);
  assert.equal(Buffer.from(filled.data!['ca.crt'], 'base64').toString(), cp.rootCA);
  assert.equal(filled.metadata.annotations?.['kubernetes.io/service-account.uid'], sa.metadata.uid);
  const token = Buffer.from(filled.data!.token, 'base64').toString();
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  assert.equal(claims.iss, 'kubernetes/serviceaccount');
  assert.equal(claims.exp, undefined);
  assert.equal(claims['kubernetes.io/serviceaccount/secret.name'], 'legacy-token');

  const user = await cp.api.serviceAccountTokens.authenticateToken(token);
  assert.equal(user?.name, 'system:serviceaccount:default:legacy');
  assert.deepEqual(user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:default']);
  const asLegacy = new RestClient({ server: cp.url, token });
  t.after(() => asLegacy.close());
  const path = '/api/v1/namespaces/default/pods';
  assert.notEqual((await asLegacy.requestRaw({ method: 'GET', path })).statusCode, 401);

  // The Secret no longer holds this token (replaced by hand): refused, as "token does not match server's copy".
  const replaced = await c.get<Secret>({ ...secrets, name: 'legacy-token' });
  replaced.data = { ...replaced.data, token: Buffer.from('something else').toString('base64') };
  await c.update({ ...secrets, name: 'legacy-token' }, replaced);
  assert.equal((await asLegacy.requestRaw({ method: 'GET', path })).statusCode, 401);
  replaced.data = { ...replaced.data, token: filled.data!.token };
  delete replaced.metadata.resourceVersion;
  await c.update({ ...secrets, name: 'legacy-token' }, replaced);
  assert.notEqual((await asLegacy.requestRaw({ method: 'GET', path })).statusCode, 401);
  // The Secret deleted: the token with it.
  await c.delete({ ...secrets, name: 'legacy-token' });
  assert.equal((await asLegacy.requestRaw({ method: 'GET', path })).statusCode, 401);

  // A token Secret for an account that does not exist is removed.
  await c.create(secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'orphan', annotations: { 'kubernetes.io/service-account.name': 'nobody' } },
    type: 'kubernetes.io/service-account-token',
  });
  await waitFor('the orphan token Secret removed', async () =>
    (await c.list<Secret>(secrets)).items.every((s) => s.metadata.name !== 'orphan'),
  );

  // The account deleted: its token Secrets go too.
  await c.create(secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'second', annotations: { 'kubernetes.io/service-account.name': 'legacy' } },
    type: 'kubernetes.io/service-account-token',
  });
  await waitFor('the second token', async () => (await c.get<Secret>({ ...secrets, name: 'second' })).data?.token);
  await c.delete({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: ns, name: 'legacy' });
  await waitFor("the account's token Secret removed", async () =>
    (await c.list<Secret>(secrets)).items.every((s) => s.metadata.name !== 'second'),
  );
});
