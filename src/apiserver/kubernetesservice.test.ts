// The `kubernetes` service: made at start with its endpoints at the advertise address, put back
// at once when deleted or edited, left alone (no writes) when it is right; and the API server
// answers at the advertise address when asked to serve there.

import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import * as v1 from '../api/types.js';
import { makeCA, makeServingCert } from '../pki/certs.js';
import { MemoryStore } from '../store/memory.js';
import { startTestControlPlane } from '../testing/controlplane.js';
import { stays, waitFor } from '../testing/wait.js';
import { adminUser } from './authn/user.js';
import { ApiServer, hostAddress } from './server.js';

const SVC = { ...v1.SERVICES, namespace: 'default', name: 'kubernetes' };
const EP = { ...v1.ENDPOINTS, namespace: 'default', name: 'kubernetes' };
const SLICE = { ...v1.ENDPOINTSLICES, namespace: 'default', name: 'kubernetes' };

test('the kubernetes service and its endpoints are made, kept, and put back when deleted', async (t) => {
  const cp = await startTestControlPlane();
  t.after(() => cp.stop());
  const c = cp.client;
  const port = cp.api.port;

  const svc = await c.get<KObject & { spec: { clusterIP: string; ports: { name: string; port: number; targetPort: number }[] } }>(SVC);
  assert.equal(svc.spec.clusterIP, '10.96.0.1');
  assert.deepEqual(
    svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]),
    [['https', 443, port]],
  );
  const ep = await c.get<KObject & { subsets: unknown }>(EP);
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
  const slice = await c.get<KObject & { endpoints: { addresses: string[] }[] }>(SLICE);
  assert.deepEqual(
    slice.endpoints.map((e) => e.addresses),
    [['10.0.0.1']],
  );

  // Nothing to do: a reconcile writes nothing.
  const rev = await cp.api.store.currentRevision();
  await (cp.api as unknown as { kubernetesService: { reconcile(): Promise<void> } }).kubernetesService.reconcile();
  assert.equal(await cp.api.store.currentRevision(), rev);

  // Deleted: back at once, with the same cluster IP.
  await c.delete(SVC);
  const back = await waitFor(
    'the kubernetes service to be made again',
    async () => c.get<KObject & { spec: { clusterIP: string } }>(SVC).catch(() => undefined),
    5000,
  );
  assert.equal(back.spec.clusterIP, '10.96.0.1');
  await c.delete(EP);
  await waitFor('the kubernetes endpoints to be made again', async () => c.get(EP).catch(() => undefined), 5000);
  await c.delete(SLICE);
  await waitFor('the kubernetes endpoint slice to be made again', async () => c.get(SLICE).catch(() => undefined), 5000);

  // Edited by hand: repaired.
  const cur = await c.get<KObject & { spec: { ports: { targetPort: number }[] } }>(SVC);
  cur.spec.ports[0].targetPort = 1;
  await c.update(SVC, cur);
  await waitFor(
    "the service's port to be put back",
    async () => (await c.get<KObject & { spec: { ports: { targetPort: number }[] } }>(SVC)).spec.ports[0].targetPort === port,
    5000,
  );
  const s2 = await c.get<KObject & { endpoints: { addresses: string[] }[] }>(SLICE);
  s2.endpoints = [{ addresses: ['10.9.9.9'] }];
  await c.update(SLICE, s2);
  await waitFor(
    "the slice's address to be put back",
    async () => (await c.get<KObject & { endpoints: { addresses: string[] }[] }>(SLICE)).endpoints[0].addresses[0] === '10.0.0.1',
    5000,
  );
});

test('the API server also serves at its advertise address', { skip: !hostAddress() && 'this host has no non-loopback IPv4' }, async (t) => {
  const addr = hostAddress();
  const ca = makeCA('test-ca');
  const serving = makeServingCert(ca, 'kube-apiserver', ['kubernetes.default.svc'], ['127.0.0.1', addr]);
  const store = new MemoryStore();
  const api = new ApiServer({
    store,
    tls: serving,
    tokens: new Map([['tok', adminUser()]]),
    advertiseAddress: addr,
    serveOnAdvertiseAddress: true,
  });
  await api.start(0, '127.0.0.1');
  t.after(async () => {
    await api.stop();
    await store.close();
  });
  const get = (host: string) =>
    new Promise<number>((resolve, reject) => {
      https
        .get({ host, port: api.port, path: '/readyz', ca: ca.cert }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
  assert.equal(await get('127.0.0.1'), 200);
  assert.equal(await get(addr), 200);
  await api.stop();
  // Stopped: neither address answers.
  await assert.rejects(get(addr));
  await assert.rejects(get('127.0.0.1'));
});

test('API servers sharing a store agree on the kubernetes endpoints instead of overwriting each other', async (t) => {
  const store = new MemoryStore();
  const a = new ApiServer({ store, tokens: new Map([['tok', adminUser()]]), advertiseAddress: '10.0.0.1' });
  const b = new ApiServer({ store, tokens: new Map([['tok', adminUser()]]), advertiseAddress: '10.0.0.2' });
  await a.start(0, '127.0.0.1');
  await b.start(0, '127.0.0.1');
  t.after(async () => {
    await a.stop();
    await b.stop();
    await store.close();
  });
  const low = Math.min(a.port, b.port),
    high = Math.max(a.port, b.port);
  const ipOf = (port: number) => (port === a.port ? '10.0.0.1' : '10.0.0.2');
  // Each server's address under its own port, the lowest port first (a tie of one address each).
  const want = [
    { addresses: [{ ip: ipOf(low) }], ports: [{ name: 'https', port: low, protocol: 'TCP' }] },
    { addresses: [{ ip: ipOf(high) }], ports: [{ name: 'https', port: high, protocol: 'TCP' }] },
  ];
  await waitFor(
    'both servers in the endpoints',
    async () => JSON.stringify((await a.getObject('', 'endpoints', 'default', 'kubernetes'))?.subsets) === JSON.stringify(want),
    5000,
  );
  const svc = (await a.getObject('', 'services', 'default', 'kubernetes')) as KObject & { spec: { ports: { targetPort: number }[] } };
  assert.equal(svc.spec.ports[0].targetPort, low);
  // Settled: no ping-pong of writes between them.
  const rev = await store.currentRevision();
  await stays('the store to stay quiet', async () => (await store.currentRevision()) === rev, 1500);
  // One leaves: the other publishes itself alone, at once.
  const [gone, left] = a.port === low ? [a, b] : [b, a];
  await gone.stop();
  const alone = [{ addresses: [{ ip: ipOf(left.port) }], ports: [{ name: 'https', port: left.port, protocol: 'TCP' }] }];
  await waitFor(
    'the remaining server alone in the endpoints',
    async () => JSON.stringify((await left.getObject('', 'endpoints', 'default', 'kubernetes'))?.subsets) === JSON.stringify(alone),
    5000,
  );
  const svc2 = (await left.getObject('', 'services', 'default', 'kubernetes')) as KObject & { spec: { ports: { targetPort: number }[] } };
  assert.equal(svc2.spec.ports[0].targetPort, left.port);
});
