// The in-process transport: a RestClient built with it reaches the API server of its process
// through the server's whole chain (authentication as its own credential, authorization,
// admission, validation) without a socket, and reads hand it the watch cache's own objects,
// frozen, while HTTPS clients keep getting copies of their own.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as v1 from '../api/types.js';
import { SharedInformerFactory, stripManagedFields } from '../client/informer.js';
import { asStatus, isApiError, isConflict, RestClient, type WatchEvent } from '../client/rest.js';
import { issueCertificate, makeCA, makeClientCert, newPrivateKey } from '../pki/certs.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { waitFor } from '../testing/wait.js';
import { inProcessTransport } from './inprocess.js';

const CM = { ...v1.CONFIGMAPS, namespace: 'default' };
const NS = v1.NAMESPACES;

test('in-process requests are authenticated, authorized and admitted as HTTPS ones are', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const transport = inProcessTransport(cp.api);
  const clients: RestClient[] = [];
  const client = (o: Partial<ConstructorParameters<typeof RestClient>[0]>) => {
    const c = new RestClient({ server: cp.url, caData: cp.ca.cert, transport, ...o });
    clients.push(c);
    return c;
  };
  t.after(() => {
    for (const c of clients) c.close();
  });

  // A certificate of the cluster CA names the user: the admin lists namespaces.
  const adminCert = cp.certFor('kubernetes-admin', ['system:masters']);
  const admin = client({ certData: adminCert.cert, keyData: adminCert.key, userAgent: 'inproc-test' });
  assert.ok((await admin.list(NS)).items.some((n) => n.metadata.name === 'default'));

  // A user without rights is refused by RBAC, by name.
  const alice = cp.certFor('alice');
  const asAlice = client({ certData: alice.cert, keyData: alice.key });
  await assert.rejects(asAlice.list(NS), (e) => isApiError(e) && e.code === 403 && /"alice"/.test(e.message));

  // A certificate of another CA, even one claiming system:masters: 401, as over TLS.
  const forged = makeClientCert(makeCA('evil-ca'), 'kubernetes-admin', ['system:masters']);
  const evil = client({ certData: forged.cert, keyData: forged.key });
  const refused = await evil.requestRaw({ method: 'GET', path: '/api/v1/namespaces' });
  assert.equal(refused.statusCode, 401);
  assert.equal(JSON.parse(refused.body.toString()).reason, 'Unauthorized');
  // An expired certificate of the cluster CA: 401, as the TLS handshake's verification refuses it.
  const key = newPrivateKey();
  const expired = issueCertificate(
    key.publicKey,
    {
      commonName: 'kubernetes-admin',
      organizations: ['system:masters'],
      usages: ['client'],
      years: 1,
      notAfter: new Date(Date.now() - 30_000),
    },
    { ca: cp.ca },
  );
  const late = client({ certData: expired, keyData: key.pem });
  assert.equal((await late.requestRaw({ method: 'GET', path: '/api/v1/namespaces' })).statusCode, 401);
  // A certificate with a key that is not its own is no credential at all.
  assert.throws(
    () => client({ certData: forged.cert, keyData: alice.key }),
    (e) => isApiError(e) || /Unauthorized/.test(String(e)),
  );

  // Tokens: the admin token works, an unknown one and none are 401.
  assert.ok((await client({ token: cp.token }).list(NS)).items.length > 0);
  assert.equal((await client({ token: 'nope' }).requestRaw({ method: 'GET', path: '/api/v1/namespaces' })).statusCode, 401);
  assert.equal((await client({}).requestRaw({ method: 'GET', path: '/api/v1/namespaces' })).statusCode, 401);

  // Validation: an invalid object is a 422 Status, its causes intact.
  await assert.rejects(
    admin.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_A_Name' } }),
    (e) => isApiError(e) && e.code === 422 && e.reason === 'Invalid',
  );
  // Admission: a pod in a namespace that does not exist (NamespaceLifecycle).
  await assert.rejects(
    admin.create(
      { group: '', version: 'v1', resource: 'pods', namespace: 'nowhere' },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    ),
    (e) => isApiError(e) && e.code === 404 && /namespaces "nowhere" not found/.test(e.message),
  );
  // Writes answer as they do over HTTPS; a stale resourceVersion is a conflict.
  const made = await admin.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } });
  assert.equal(made.metadata.name, 'a');
  // A write's answer is the caller's own object, as client-go's Create returns: it may change it.
  assert.ok(!Object.isFrozen(made));
  const reg = cp.api.registry('', 'configmaps')!;
  assert.notEqual(made, reg.cache.get(`${reg.prefix('default')}a`));
  (made.data as Record<string, string>).k = 'w';
  const updated = await admin.update(CM, made);
  assert.notEqual(updated.metadata.resourceVersion, made.metadata.resourceVersion);
  await assert.rejects(admin.update(CM, { ...made, data: { k: 'x' } }), isConflict);
  assert.deepEqual(updated.data, { k: 'w' });
  const patched = await admin.patch({ ...CM, name: 'a' }, { data: { k: 'p' } });
  assert.deepEqual(patched.data, { k: 'p' });
  // The request's identity reaches the object: managedFields name this client's manager.
  assert.ok(patched.metadata.managedFields?.some((m) => m.manager === 'inproc-test'));
  await admin.delete({ ...CM, name: 'a' });
  await assert.rejects(admin.get({ ...CM, name: 'a' }), (e) => isApiError(e) && e.code === 404);
});

test('reads hand out the watch cache own objects, frozen; HTTPS clients get copies', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const adminCert = cp.certFor('kubernetes-admin', ['system:masters']);
  const admin = new RestClient({
    server: cp.url,
    caData: cp.ca.cert,
    certData: adminCert.cert,
    keyData: adminCert.key,
    transport: inProcessTransport(cp.api),
  });
  t.after(() => admin.close());
  const reg = cp.api.registry('', 'configmaps')!;
  for (const n of ['a', 'b', 'c']) await admin.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n }, data: { n } });
  const cached = (n: string) => reg.cache.get(`${reg.prefix('default')}${n}`);
  await waitFor('the cache holds c', () => cached('c') !== undefined, 5000);

  const got = await admin.get({ ...CM, name: 'a' });
  assert.equal(got, cached('a'), 'a GET answers the cache object itself');
  assert.ok(Object.isFrozen(got) && Object.isFrozen(got.metadata) && Object.isFrozen(got.data));
  // Strict mode (ES modules): changing a shared object throws instead of changing the cache.
  assert.throws(() => {
    (got.data as Record<string, string>).n = 'changed';
  }, TypeError);
  assert.equal((cached('a')!.data as Record<string, string>).n, 'a');

  const list = await admin.list(CM);
  assert.equal(list.items.length, 3);
  for (const it of list.items) assert.equal(it, cached(it.metadata.name!));
  // The list itself is the caller's: paging appends to it.
  const paged = await admin.listAll(CM, { limit: 1 });
  assert.deepEqual(
    paged.items.map((i) => i.metadata.name),
    ['a', 'b', 'c'],
  );

  // Over HTTPS, unchanged: a copy decoded from JSON, the client's own.
  const overHTTPS = await cp.admin.get<typeof got>({ ...CM, name: 'a' });
  assert.notEqual(overHTTPS, cached('a'));
  assert.ok(!Object.isFrozen(overHTTPS));
  assert.deepEqual(overHTTPS, JSON.parse(JSON.stringify(cached('a'))));

  // Watch: events carry the cache's objects; an informer over the transport shares them.
  const factory = new SharedInformerFactory(admin, { transform: stripManagedFields });
  t.after(() => factory.stop());
  const inf = factory.informerFor({ group: '', version: 'v1', resource: 'configmaps', namespace: 'default' });
  factory.start();
  await factory.waitForCacheSync(10_000);
  // One copy: the informer holds the cache's object itself (the managedFields transform keeps a shared object whole).
  assert.equal(inf.get('default/a'), cached('a'));
  await admin.patch({ ...CM, name: 'b' }, { data: { n: 'B' } });
  await waitFor('the informer sees b changed', () => (inf.get('default/b')?.data as { n?: string })?.n === 'B', 5000);
  assert.equal(inf.get('default/b'), cached('b'));
});

test('a watch ends when the client stops it or drops its connections; a timeout ends it from the server', async (t) => {
  const cp = await startTLSControlPlane({ watchCacheSize: 2 });
  t.after(() => cp.stop());
  const client = new RestClient({ server: cp.url, token: cp.token, transport: inProcessTransport(cp.api) });
  t.after(() => client.close());

  // A resourceVersion the cache's window no longer holds: an ERROR event with a 410 Status, as over HTTPS.
  const first = await client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old' } });
  for (let i = 0; i < 4; i++) await client.patch({ ...CM, name: 'old' }, { data: { i: String(i) } });
  const tooOld = await client.watch(CM, { resourceVersion: first.metadata.resourceVersion });
  const got: WatchEvent[] = [];
  for await (const ev of tooOld) got.push(ev);
  assert.equal(got.length, 1);
  assert.equal(got[0].type, 'ERROR');
  assert.equal(asStatus(got[0].object).code, 410);

  // Stopped by the client: the iteration ends without an error.
  const stream = await client.watch(CM, {});
  const seen: string[] = [];
  const reading = (async () => {
    for await (const ev of stream) seen.push(`${ev.type} ${ev.object.metadata.name}`);
  })();
  await client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1' } });
  await waitFor('the event arrives', () => seen.includes('ADDED w1'), 5000);
  stream.stop();
  await reading;

  // Dropped connections: the iteration throws, as a reset socket's does.
  const second = await client.watch(CM, {});
  const failed = (async () => {
    for await (const _ of second) {
      /* no events expected */
    }
  })();
  client.closeAllConnections();
  await assert.rejects(failed, /connection closed/);

  // The server's timeout ends the stream cleanly.
  const timed = await client.watch(CM, { timeoutSeconds: 1 });
  const events: string[] = [];
  for await (const ev of timed) events.push(ev.type);
  assert.ok(events.every((e) => e === 'ADDED'));
});
