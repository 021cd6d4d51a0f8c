// Authentication: client certificates signed by the cluster CA name the user (CN) and groups
// (O); certificates of another CA and unknown tokens are refused with 401; the admin token
// still authenticates.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestClient } from '../../client/rest.js';
import { makeCA, makeClientCert } from '../../pki/certs.js';
import { startTLSControlPlane } from '../../testing/tlscontrolplane.js';

test('x509 and token authentication', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const ns = { group: '', version: 'v1', resource: 'namespaces' };

  // The admin's certificate (O system:masters) lists namespaces.
  const list = await cp.admin.list(ns);
  assert.ok(list.items.some((n) => n.metadata.name === 'default'));

  // The admin token still works (tools that need a bearer token).
  const byToken = new RestClient({ server: cp.url, caData: cp.ca.cert, token: cp.token });
  t.after(() => byToken.close());
  assert.ok((await byToken.list(ns)).items.length > 0);

  // A certificate from another CA is refused, even with system:masters in it.
  const other = makeCA('evil-ca');
  const forged = makeClientCert(other, 'kubernetes-admin', ['system:masters']);
  const evil = new RestClient({ server: cp.url, caData: cp.ca.cert, certData: forged.cert, keyData: forged.key });
  t.after(() => evil.close());
  const res = await evil.requestRaw({ method: 'GET', path: '/api/v1/namespaces' });
  assert.equal(res.statusCode, 401);
  assert.equal(JSON.parse(res.body.toString()).message, 'Unauthorized');

  // An unknown bearer token: 401.
  const bad = new RestClient({ server: cp.url, caData: cp.ca.cert, token: 'nope' });
  t.after(() => bad.close());
  assert.equal((await bad.requestRaw({ method: 'GET', path: '/api/v1/namespaces' })).statusCode, 401);

  // No credential at all: 401 (no anonymous access).
  const none = new RestClient({ server: cp.url, caData: cp.ca.cert });
  t.after(() => none.close());
  assert.equal((await none.requestRaw({ method: 'GET', path: '/api/v1/namespaces' })).statusCode, 401);
});
