import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/object.js';
import { CONFIGMAPS as CM, DEPLOYMENTS as DEPLOY } from '../api/types.js';
import { FakeApiServer } from '../testing/fakeserver.js';
import { ApiError, isAlreadyExists, isConflict, isNotFound, RestClient, resourcePath, type WatchEvent } from './rest.js';

let server: FakeApiServer;
let client: RestClient;
before(async () => {
  server = await FakeApiServer.start();
  server.token = 'secret';
  client = new RestClient({ server: server.url, token: 'secret' });
});
after(async () => {
  client.close();
  await server.close();
});

test('resourcePath builds core and group paths', () => {
  assert.equal(resourcePath({ ...CM }), '/api/v1/configmaps');
  assert.equal(resourcePath({ ...CM, namespace: 'ns', name: 'a' }), '/api/v1/namespaces/ns/configmaps/a');
  assert.equal(
    resourcePath({ ...DEPLOY, namespace: 'ns', name: 'd', subresource: 'scale' }),
    '/apis/apps/v1/namespaces/ns/deployments/d/scale',
  );
  assert.equal(resourcePath({ group: '', version: 'v1', resource: 'namespaces', name: 'kube-system' }), '/api/v1/namespaces/kube-system');
  assert.throws(() => resourcePath({ ...CM, subresource: 'status' }));
});

test('create, get, list, update with conflict, patch, delete', async () => {
  const created = await client.create<KObject>(
    { ...CM, namespace: 'default' },
    { metadata: { name: 'a', labels: { app: 'x' } }, data: { k: 'v' } },
  );
  assert.equal(created.metadata.name, 'a');
  assert.ok(created.metadata.resourceVersion);
  await assert.rejects(client.create({ ...CM, namespace: 'default' }, { metadata: { name: 'a' } }), (e) => isAlreadyExists(e));

  const got = await client.get({ ...CM, namespace: 'default', name: 'a' });
  assert.deepEqual(got.data, { k: 'v' });

  // A name in the ref is ignored on create (POST goes to the collection); the body names the namespace.
  await client.create({ ...CM, name: 'ignored' }, { metadata: { name: 'b', namespace: 'other' } });
  const all = await client.list(CM);
  assert.equal(all.items.length, 2);
  // The server leaves kind/apiVersion off list items; the client puts them back.
  assert.equal(all.items[0].kind, 'ConfigMap');
  assert.equal(all.items[0].apiVersion, 'v1');
  assert.equal((await client.list({ ...CM, namespace: 'other' })).items.length, 1);
  assert.equal((await client.list(CM, { labelSelector: 'app=x' })).items.length, 1);

  const paged = await client.list(CM, { limit: 1 });
  assert.equal(paged.items.length, 1);
  assert.ok(paged.metadata.continue);
  assert.equal((await client.listAll(CM, { limit: 1 })).items.length, 2);

  const updated = await client.update({ ...CM }, { ...got, data: { k: 'v2' } });
  assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);
  // The stale resourceVersion loses.
  const err = await client.update({ ...CM }, { ...got, data: { k: 'v3' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError);
  assert.ok(isConflict(err));
  assert.equal(err.status.code, 409);
  assert.equal(err.status.reason, 'Conflict');
  assert.match(err.message, /the object has been modified/);

  const patched = await client.patch({ ...CM, namespace: 'default', name: 'a' }, { data: { extra: '1' } }, 'merge');
  assert.deepEqual(patched.data, { k: 'v2', extra: '1' });
  await assert.rejects(client.patch({ ...CM, namespace: 'default', name: 'a' }, {}, 'apply'), /fieldManager/);

  await client.delete({ ...CM, namespace: 'default', name: 'a' }, { propagationPolicy: 'Background' });
  const nf = await client.get({ ...CM, namespace: 'default', name: 'a' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isNotFound(nf));
  assert.equal((nf as ApiError).status.message, 'configmaps "a" not found');

  await client.deleteCollection({ ...CM, namespace: 'other' });
  assert.equal((await client.list(CM)).items.length, 0);
});

test('a wrong token gets 401 as an ApiError', async () => {
  const bad = new RestClient({ server: server.url, token: 'nope' });
  try {
    await assert.rejects(bad.list(CM), (e: unknown) => e instanceof ApiError && e.code === 401 && e.reason === 'Unauthorized');
  } finally {
    bad.close();
  }
});

test('a non-Status error body becomes a Status from the code', async () => {
  const err = await client.request('GET', '/nothing/here').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 404);
  assert.equal(err.reason, 'NotFound');
});

test('watch streams events and stops on abort', async () => {
  const ctrl = new AbortController();
  const stream = await client.watch({ ...DEPLOY, namespace: 'w' }, { resourceVersion: String(server.revision), signal: ctrl.signal });
  const seen: WatchEvent[] = [];
  const done = (async () => {
    for await (const ev of stream) {
      seen.push(ev);
      if (seen.length === 3) ctrl.abort();
    }
  })();
  const d = await client.create<KObject>({ ...DEPLOY, namespace: 'w' }, { metadata: { name: 'd' }, spec: { replicas: 1 } });
  await client.patch({ ...DEPLOY, namespace: 'w', name: 'd' }, { spec: { replicas: 2 } }, 'strategic');
  await client.delete({ ...DEPLOY, namespace: 'w', name: d.metadata.name });
  await done; // ends without an error after the abort
  assert.deepEqual(
    seen.map((e) => e.type),
    ['ADDED', 'MODIFIED', 'DELETED'],
  );
  assert.equal((seen[1].object.spec as { replicas: number }).replicas, 2);
});

test('watch answered 410 rejects with ApiError', async () => {
  server.watchMode = 'gone';
  try {
    await assert.rejects(client.watch(CM, { resourceVersion: '1' }), (e: unknown) => e instanceof ApiError && e.code === 410);
  } finally {
    server.watchMode = 'normal';
  }
});

test('https: trusts the given CA, refuses an unknown one, or skips verification when insecure', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-rest-tls-'));
  let srv: https.Server | undefined;
  try {
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    } catch {
      t.skip('openssl is not available');
      return;
    }
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
    srv = https.createServer({ cert, key }, (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'default' }, auth: req.headers.authorization }));
    });
    await new Promise<void>((r) => srv!.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    const ns = { group: '', version: 'v1', resource: 'namespaces', name: 'default' };

    const trusted = new RestClient({ server: url, token: 'tok', caData: Buffer.from(cert).toString('base64') });
    const got = await trusted.get(ns);
    assert.equal(got.auth, 'Bearer tok');
    trusted.close();

    const untrusted = new RestClient({ server: url });
    await assert.rejects(untrusted.get(ns), /self-signed|certificate/i);
    untrusted.close();

    const insecure = new RestClient({ server: url, insecure: true });
    assert.equal((await insecure.get(ns)).metadata.name, 'default');
    insecure.close();
  } finally {
    srv?.closeAllConnections();
    await new Promise((r) => (srv ? srv.close(r) : r(undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
