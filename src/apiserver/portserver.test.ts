// A component thread's requests through a MessagePort (client/porttransport.ts to
// apiserver/portserver.ts): served by the API server's whole chain as an HTTPS client's are
// (authentication as the component's own credential, authorization), answered with the bytes
// an HTTPS client would read, watches included, however many pieces they come in.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import * as v1 from '../api/types.js';
import { portTransport } from '../client/porttransport.js';
import { asStatus, isApiError, RestClient, type WatchEvent } from '../client/rest.js';
import { makeCA, makeClientCert } from '../pki/certs.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { waitFor } from '../testing/wait.js';
import { servePort, WATCH_UNREAD_PIECES } from './portserver.js';

const CM = { ...v1.CONFIGMAPS, namespace: 'default' };

async function setup(t: import('node:test').TestContext, opts: Parameters<typeof startTLSControlPlane>[0] = {}) {
  const cp = await startTLSControlPlane(opts);
  t.after(() => cp.stop());
  const channel = new MessageChannel();
  const stopServing = servePort(cp.api, channel.port1);
  t.after(() => stopServing());
  const transport = portTransport(channel.port2);
  const clients: RestClient[] = [];
  t.after(() => {
    for (const c of clients) c.close();
  });
  const client = (o: Partial<ConstructorParameters<typeof RestClient>[0]>) => {
    const c = new RestClient({ server: cp.url, caData: cp.ca.cert, transport, ...o });
    clients.push(c);
    return c;
  };
  return { cp, client, channel };
}

test('requests through a port are authenticated, authorized and answered as HTTPS ones are', async (t) => {
  const { cp, client } = await setup(t);
  const adminCert = cp.certFor('kubernetes-admin', ['system:masters']);
  const admin = client({ certData: adminCert.cert, keyData: adminCert.key });
  assert.ok((await admin.list(v1.NAMESPACES)).items.some((n) => n.metadata.name === 'default'));

  // A user without rights: 403 by name.
  const alice = cp.certFor('alice');
  await assert.rejects(
    client({ certData: alice.cert, keyData: alice.key }).list(v1.NAMESPACES),
    (e) => isApiError(e) && e.code === 403 && /"alice"/.test(e.message),
  );

  // A certificate of another CA claiming system:masters: 401, as over TLS.
  const forged = makeClientCert(makeCA('evil-ca'), 'kubernetes-admin', ['system:masters']);
  const refused = await client({ certData: forged.cert, keyData: forged.key }).requestRaw({ method: 'GET', path: '/api/v1/namespaces' });
  assert.equal(refused.statusCode, 401);
  assert.equal(JSON.parse(refused.body.toString()).reason, 'Unauthorized');

  // A write's answer and a read's are the server's JSON, decoded here: the caller's own objects.
  const made = await admin.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } });
  assert.ok(made.metadata.uid && made.metadata.resourceVersion);
  const got = await admin.get({ ...CM, name: 'a' });
  assert.deepEqual(got, made);
  assert.equal(Object.isFrozen(got), false);
  // An error answer keeps its Status.
  await assert.rejects(
    admin.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }),
    (e) => isApiError(e) && e.code === 409,
  );
});

test('a watch through a port: every event in order past the unread bound, stop, dropped connections, 410', async (t) => {
  const { cp, client } = await setup(t, { watchCacheSize: 2000 });
  const admin = client({ token: cp.token });

  // More pieces than the server sends unacknowledged: the reader's acknowledgements let the rest through.
  const stream = await admin.watch(CM, {});
  const seen: string[] = [];
  const reading = (async () => {
    // The control plane's own ConfigMaps (kube-root-ca.crt) may come between.
    for await (const ev of stream) if (ev.object.metadata.name?.startsWith('w')) seen.push(`${ev.type} ${ev.object.metadata.name}`);
  })();
  const n = WATCH_UNREAD_PIECES + 100;
  // One at a time: each event its own piece (written in its own flush).
  for (let i = 0; i < n; i++) await admin.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w${i}` } });
  await waitFor('every event arrives', () => seen.length >= n, 20_000);
  assert.deepEqual(
    seen,
    Array.from({ length: n }, (_, i) => `ADDED w${i}`),
  );
  // Stopped by the client: the iteration ends without an error.
  stream.stop();
  await reading;

  // Dropped connections: the iteration throws, as a reset socket's does.
  const second = await admin.watch(CM, {});
  const failed = (async () => {
    for await (const _ of second) {
      /* none expected */
    }
  })();
  admin.closeAllConnections();
  await assert.rejects(failed, /connection closed/);

  // A resourceVersion past the cache's window: an ERROR event with a 410 Status.
  const small = await setup(t, { watchCacheSize: 2 });
  const c2 = small.client({ token: small.cp.token });
  const first = await c2.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old' } });
  for (let i = 0; i < 4; i++) await c2.patch({ ...CM, name: 'old' }, { data: { i: String(i) } });
  const tooOld = await c2.watch(CM, { resourceVersion: first.metadata.resourceVersion });
  const events: WatchEvent[] = [];
  for await (const ev of tooOld) events.push(ev);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'ERROR');
  assert.equal(asStatus(events[0].object).code, 410);

  // The server's timeout ends the stream cleanly.
  const timed = await c2.watch(CM, { timeoutSeconds: 1 });
  const types: string[] = [];
  for await (const ev of timed) types.push(ev.type);
  assert.ok(types.every((x) => x === 'ADDED'));
});

test("what a turn of either loop sends goes as one message: requests, answers, a watch's pieces and their acks", async (t) => {
  const { cp, client, channel } = await setup(t);
  const admin = client({ token: cp.token });
  await admin.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } });
  // Messages as posted: the server's end reads what the thread's posts, and the other way round.
  const posted = { toServer: 0, toClient: 0 };
  const toServer = () => posted.toServer++;
  const toClient = () => posted.toClient++;
  channel.port1.on('message', toServer);
  channel.port2.on('message', toClient);
  t.after(() => {
    channel.port1.off('message', toServer);
    channel.port2.off('message', toClient);
  });
  const n = 50;
  const got = await Promise.all(Array.from({ length: n }, () => admin.get({ ...CM, name: 'one' })));
  assert.equal(got.length, n);
  assert.equal(posted.toServer, 1, 'the 50 requests made in one turn, one message');
  assert.ok(posted.toClient < n / 2, `${posted.toClient} messages for ${n} answers`);

  // A watch: its pieces of a turn in one message, read and acknowledged in one.
  const stream = await admin.watch(CM, { resourceVersion: '0' });
  const names: string[] = [];
  const reading = (async () => {
    for await (const ev of stream) if (ev.object.metadata.name?.startsWith('b')) names.push(ev.object.metadata.name);
  })();
  posted.toServer = posted.toClient = 0;
  await Promise.all(
    Array.from({ length: n }, (_, i) => admin.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `b${i}` } })),
  );
  await waitFor('every event', () => names.length === n, 20_000);
  assert.deepEqual([...names].sort(), Array.from({ length: n }, (_, i) => `b${i}`).sort());
  // n creates and their answers, n events and their acks: one message each would be 2n each way.
  assert.ok(posted.toServer < n, `${posted.toServer} messages to the server`);
  assert.ok(posted.toClient < n, `${posted.toClient} messages to the thread`);
  stream.stop();
  await reading;
});
