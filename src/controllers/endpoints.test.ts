// The Endpoints controller against an in-process API server, with a fake kubelet giving pods IPs.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as v1 from '../api/types.js';
import { PODS } from '../api/types.js';
import type { TestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { type EndpointsTestEnv, type IPKubelet, NS, SVC, setPodReady, startEndpointsTestEnv, testLog } from './endpoint-testing.js';
import { HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME } from './endpoint-util.js';
import { type Endpoints, EndpointsController, repackSubsets } from './endpoints.js';

const EP = { ...v1.ENDPOINTS, namespace: NS };

let env: EndpointsTestEnv, cp: TestControlPlane, kubelet: IPKubelet;
let ctrl: EndpointsController;

before(async () => {
  env = await startEndpointsTestEnv([{ metadata: { name: 'node-a' } }], (client, factory) => [
    (ctrl = new EndpointsController(client, factory, { log: testLog })),
  ]);
  ({ cp, kubelet } = env);
});

after(() => env?.stop());

async function getEP(name: string): Promise<Endpoints | undefined> {
  try {
    return await cp.client.get<Endpoints>({ ...EP, name });
  } catch {
    return undefined;
  }
}

const ips = (ep: Endpoints | undefined, which: 'addresses' | 'notReadyAddresses' = 'addresses'): string[] =>
  (ep?.subsets ?? []).flatMap((s) => (s[which] ?? []).map((a) => a.ip));

test('a service with three ready pods gets Endpoints with the addresses sorted and the port resolved', async () => {
  await env.pod('web-1', { app: 'web' }, { ip: '10.244.0.5' });
  await env.pod('web-2', { app: 'web' }, { ip: '10.244.0.10' });
  await env.pod('web-3', { app: 'web' }, { ip: '10.244.0.7' });
  await env.pod('other', { app: 'other' }, { ip: '10.244.0.8' });
  await env.service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }, { tier: 'front' });
  const ep = await waitFor('three addresses', async () => {
    const e = await getEP('web');
    return ips(e).length === 3 ? e : undefined;
  });
  assert.equal(ep.subsets!.length, 1);
  // Kubernetes sorts addresses by IP as strings: 10.244.0.10 before 10.244.0.5.
  assert.deepEqual(ips(ep), ['10.244.0.10', '10.244.0.5', '10.244.0.7']);
  assert.deepEqual(ep.subsets![0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const a = ep.subsets![0].addresses![1];
  assert.equal(a.nodeName, 'node-a');
  assert.equal(a.targetRef?.kind, 'Pod');
  assert.equal(a.targetRef?.name, 'web-1');
  assert.equal(a.targetRef?.namespace, NS);
  assert.ok(a.targetRef?.uid);
  assert.equal(ep.metadata.labels?.tier, 'front');
  assert.equal(ep.metadata.labels?.[HEADLESS_LABEL], undefined);
  assert.match(ep.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  // A sync with nothing new writes nothing.
  const rv = ep.metadata.resourceVersion;
  await waitFor('an idle queue', () => ctrl.loop.queue.length === 0);
  await ctrl.reconcile(`${NS}/web`);
  assert.equal((await getEP('web'))?.metadata.resourceVersion, rv);
});

test('a pod turning not ready moves to notReadyAddresses, and back', async () => {
  await setPodReady(cp.client, NS, 'web-3', false);
  let ep = await waitFor('a not-ready address', async () => {
    const e = await getEP('web');
    return ips(e, 'notReadyAddresses').length === 1 ? e : undefined;
  });
  assert.deepEqual(ips(ep), ['10.244.0.10', '10.244.0.5']);
  assert.deepEqual(ips(ep, 'notReadyAddresses'), ['10.244.0.7']);
  assert.equal(ep.subsets!.length, 1);
  await setPodReady(cp.client, NS, 'web-3', true);
  ep = await waitFor('ready again', async () => {
    const e = await getEP('web');
    return ips(e).length === 3 ? e : undefined;
  });
  assert.deepEqual(ips(ep, 'notReadyAddresses'), []);
});

test('a deleted pod is removed from the Endpoints', async () => {
  await cp.client.delete({ ...PODS, namespace: NS, name: 'web-2' });
  const ep = await waitFor('two addresses', async () => {
    const e = await getEP('web');
    return ips(e).length === 2 ? e : undefined;
  });
  assert.deepEqual(ips(ep), ['10.244.0.5', '10.244.0.7']);
});

test('a terminating pod leaves the Endpoints at once', async () => {
  await env.pod('term-1', { app: 'term' }, { ip: '10.244.3.1' });
  await env.pod('term-2', { app: 'term' }, { ip: '10.244.3.2' });
  await env.service('term', { selector: { app: 'term' }, ports: [{ port: 80 }] });
  await waitFor('two addresses', async () => ips(await getEP('term')).length === 2);
  kubelet.holdDeletes = true;
  try {
    await cp.client.delete({ ...PODS, namespace: NS, name: 'term-1' });
    const p = await cp.client.get({ ...PODS, namespace: NS, name: 'term-1' });
    assert.ok(p.metadata.deletionTimestamp, 'graceful delete of a bound pod');
    await waitFor('only the running pod', async () => ips(await getEP('term')).join() === '10.244.3.2');
  } finally {
    kubelet.holdDeletes = false;
  }
});

test('a named targetPort resolves per pod', async () => {
  await env.pod('named-1', { app: 'named' }, { ip: '10.244.2.1', ports: [['web', 8080]] });
  await env.pod('named-2', { app: 'named' }, { ip: '10.244.2.2', ports: [['web', 9090]] });
  await env.pod('named-3', { app: 'named' }, { ip: '10.244.2.3', ports: [['other', 7070]] });
  await env.service('named', { selector: { app: 'named' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] });
  const ep = await waitFor('two addresses', async () => {
    const e = await getEP('named');
    return ips(e).length === 2 ? e : undefined;
  });
  const byPort = new Map(ep.subsets!.map((s) => [s.ports![0].port, s.addresses!.map((a) => a.ip)]));
  assert.deepEqual(Object.fromEntries(byPort), { 8080: ['10.244.2.1'], 9090: ['10.244.2.2'] });
});

test('a changed selector moves the Endpoints to the newly selected pods', async () => {
  await env.pod('blue-1', { color: 'blue' }, { ip: '10.244.4.1' });
  await env.pod('green-1', { color: 'green' }, { ip: '10.244.4.2' });
  await env.pod('green-2', { color: 'green' }, { ip: '10.244.4.3' });
  await env.service('color', { selector: { color: 'blue' }, ports: [{ port: 80 }] });
  await waitFor('the blue pod', async () => ips(await getEP('color')).join() === '10.244.4.1');
  await cp.client.patch({ ...SVC, name: 'color' }, { spec: { selector: { color: 'green' } } }, 'merge');
  await waitFor('the green pods', async () => ips(await getEP('color')).join() === '10.244.4.2,10.244.4.3');
  // A pod relabelled into the service joins it.
  await cp.client.patch({ ...PODS, namespace: NS, name: 'blue-1' }, { metadata: { labels: { color: 'green' } } }, 'merge');
  await waitFor('three green pods', async () => ips(await getEP('color')).join() === '10.244.4.1,10.244.4.2,10.244.4.3');
});

test('a service without a selector keeps the Endpoints its user wrote', async () => {
  await cp.client.create(EP, {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'external' },
    subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }],
  });
  await env.service('external', { ports: [{ port: 5432 }] });
  const before = await getEP('external');
  await ctrl.reconcile(`${NS}/external`);
  await waitFor('an idle queue', () => ctrl.loop.queue.length === 0);
  const afterSync = await getEP('external');
  assert.equal(afterSync?.metadata.resourceVersion, before?.metadata.resourceVersion);
  assert.deepEqual(ips(afterSync), ['192.0.2.10']);
  // And no Endpoints appear for a selector-less service that has none.
  await env.service('manual', { ports: [{ port: 80 }] });
  await ctrl.reconcile(`${NS}/manual`);
  assert.equal(await getEP('manual'), undefined);
});

test('a headless service without ports lists addresses without ports; not-ready ones published when asked', async () => {
  await env.pod('db-0', { app: 'db' }, { ip: '10.244.5.1' });
  await env.pod('db-1', { app: 'db' }, { ip: '10.244.5.2', notReady: true });
  await env.service('db', { clusterIP: 'None', selector: { app: 'db' } });
  const ep = await waitFor('db endpoints', async () => {
    const e = await getEP('db');
    return ips(e).length === 1 && ips(e, 'notReadyAddresses').length === 1 ? e : undefined;
  });
  assert.equal(ep.subsets![0].ports, undefined);
  assert.equal(ep.metadata.labels?.[HEADLESS_LABEL], '');
  await cp.client.patch({ ...SVC, name: 'db' }, { spec: { publishNotReadyAddresses: true } }, 'merge');
  await waitFor('both published', async () => ips(await getEP('db')).join() === '10.244.5.1,10.244.5.2');
});

test('the Endpoints go with their service, and come back if deleted under it', async () => {
  await cp.client.delete({ ...EP, name: 'web' });
  await waitFor('Endpoints written again', async () => ips(await getEP('web')).length === 2);
  await cp.client.delete({ ...SVC, name: 'web' });
  await waitFor('Endpoints deleted', async () => (await getEP('web')) === undefined);
});

test('repackSubsets groups addresses by port set, not-ready trumping ready', () => {
  const a = (ip: string) => ({ ip, targetRef: { uid: ip } });
  const out = repackSubsets([
    { addresses: [a('10.0.0.2')], ports: [{ name: 'p', port: 80, protocol: 'TCP' }] },
    { addresses: [a('10.0.0.1')], ports: [{ name: 'p', port: 80, protocol: 'TCP' }] },
    { addresses: [a('10.0.0.1')], ports: [{ name: 'q', port: 81, protocol: 'TCP' }] },
    { notReadyAddresses: [a('10.0.0.2')], ports: [{ name: 'q', port: 81, protocol: 'TCP' }] },
  ]);
  assert.deepEqual(out, [
    { addresses: [a('10.0.0.1'), a('10.0.0.2')], ports: [{ name: 'p', port: 80, protocol: 'TCP' }] },
    { addresses: [a('10.0.0.1')], notReadyAddresses: [a('10.0.0.2')], ports: [{ name: 'q', port: 81, protocol: 'TCP' }] },
  ]);
});
