// The EndpointSlice controller against an in-process API server, with a fake kubelet giving pods
// IPs and the garbage collector removing the slices of deleted services.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as v1 from '../api/types.js';
import { PODS } from '../api/types.js';
import { serverPreferredResources } from '../client/discovery.js';
import type { TestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { type EndpointsTestEnv, type IPKubelet, NS, SVC, setPodReady, startEndpointsTestEnv, testLog } from './endpoint-testing.js';
import { LAST_CHANGE_TRIGGER_TIME } from './endpoint-util.js';
import { CONTROLLER_NAME, type EndpointSlice, EndpointSliceController, LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from './endpointslice.js';
import { GarbageCollector } from './garbagecollector.js';

const SLICES = { ...v1.ENDPOINTSLICES, namespace: NS };

let env: EndpointsTestEnv, cp: TestControlPlane, kubelet: IPKubelet;
let ctrl: EndpointSliceController;

before(async () => {
  const nodes = [{ metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/zone': 'zone-1' } } }, { metadata: { name: 'node-b' } }];
  env = await startEndpointsTestEnv(nodes, async (client, factory) => [
    (ctrl = new EndpointSliceController(client, factory, { log: testLog })),
    new GarbageCollector(client, factory, await serverPreferredResources(client)),
  ]);
  ({ cp, kubelet } = env);
});

after(() => env?.stop());

async function slicesOf(svc: string): Promise<EndpointSlice[]> {
  return (await cp.client.list<EndpointSlice>(SLICES, { labelSelector: `${LABEL_SERVICE_NAME}=${svc}` })).items;
}

const addrs = (slices: EndpointSlice[], pred: (e: NonNullable<EndpointSlice['endpoints']>[number]) => boolean = () => true): string[] =>
  slices.flatMap((s) => (s.endpoints ?? []).filter(pred).map((e) => e.addresses[0])).sort();

const ready = (e: { conditions?: { ready?: boolean } }): boolean => e.conditions?.ready === true;

test('a service with three ready pods gets one EndpointSlice with three endpoints', async () => {
  await env.pod('web-1', { app: 'web' }, { ip: '10.244.0.5' });
  await env.pod('web-2', { app: 'web' }, { ip: '10.244.0.10', nodeName: 'node-b' });
  await env.pod('web-3', { app: 'web' }, { ip: '10.244.0.7' });
  const svc = await env.service(
    'web',
    { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    { tier: 'front' },
  );
  const { uid } = svc.metadata;
  const slices = await waitFor('three ready endpoints', async () => {
    const s = await slicesOf('web');
    return addrs(s, ready).length === 3 ? s : undefined;
  });
  assert.equal(slices.length, 1);
  const s = slices[0];
  assert.match(s.metadata.name!, /^web-[a-z0-9]{5}$/);
  assert.equal(s.metadata.generateName, 'web-');
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.metadata.labels, { tier: 'front', [LABEL_SERVICE_NAME]: 'web', [LABEL_MANAGED_BY]: CONTROLLER_NAME });
  assert.deepEqual(s.metadata.ownerReferences, [
    { apiVersion: 'v1', kind: 'Service', name: 'web', uid, controller: true, blockOwnerDeletion: true },
  ]);
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.ok(s.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME]);
  const e1 = s.endpoints!.find((e) => e.addresses[0] === '10.244.0.5')!;
  assert.deepEqual(e1.conditions, { ready: true, serving: true, terminating: false });
  assert.equal(e1.nodeName, 'node-a');
  assert.equal(e1.zone, 'zone-1');
  assert.equal(e1.targetRef?.kind, 'Pod');
  assert.equal(e1.targetRef?.name, 'web-1');
  assert.ok(e1.targetRef?.uid);
  const e2 = s.endpoints!.find((e) => e.addresses[0] === '10.244.0.10')!;
  assert.equal(e2.nodeName, 'node-b');
  assert.equal(e2.zone, undefined);

  // A sync with nothing new writes nothing.
  await waitFor('an idle queue', () => ctrl.loop.queue.length === 0);
  await ctrl.reconcile(`${NS}/web`);
  const again = await slicesOf('web');
  assert.deepEqual(
    again.map((x) => x.metadata.resourceVersion),
    [s.metadata.resourceVersion],
  );
});

test('a pod turning not ready is ready:false serving:false, updated in place', async () => {
  const name = (await slicesOf('web'))[0].metadata.name;
  await setPodReady(cp.client, NS, 'web-3', false);
  const slices = await waitFor('two ready endpoints', async () => {
    const s = await slicesOf('web');
    return addrs(s, ready).length === 2 ? s : undefined;
  });
  assert.equal(slices.length, 1);
  assert.equal(slices[0].metadata.name, name);
  const e = slices[0].endpoints!.find((x) => x.addresses[0] === '10.244.0.7')!;
  assert.deepEqual(e.conditions, { ready: false, serving: false, terminating: false });
  await setPodReady(cp.client, NS, 'web-3', true);
  await waitFor('ready again', async () => addrs(await slicesOf('web'), ready).length === 3);
});

test('a terminating pod is serving and terminating but not ready; a deleted one is gone', async () => {
  kubelet.holdDeletes = true;
  try {
    await cp.client.delete({ ...PODS, namespace: NS, name: 'web-1' });
    const slices = await waitFor('a terminating endpoint', async () => {
      const s = await slicesOf('web');
      return addrs(s, ready).length === 2 ? s : undefined;
    });
    const e = slices[0].endpoints!.find((x) => x.addresses[0] === '10.244.0.5')!;
    assert.deepEqual(e.conditions, { ready: false, serving: true, terminating: true });
  } finally {
    kubelet.holdDeletes = false;
  }
  // Let the kubelet finish the delete it held back.
  await cp.client.delete({ ...PODS, namespace: NS, name: 'web-1' }, { gracePeriodSeconds: 0 });
  await waitFor('endpoint removed', async () => addrs(await slicesOf('web')).join() === '10.244.0.10,10.244.0.7');
  assert.equal((await slicesOf('web')).length, 1);
});

test('a named targetPort resolves per pod: one slice per port set', async () => {
  await env.pod('named-1', { app: 'named' }, { ip: '10.244.2.1', ports: [['web', 8080]] });
  await env.pod('named-2', { app: 'named' }, { ip: '10.244.2.2', ports: [['web', 9090]] });
  await env.pod('named-3', { app: 'named' }, { ip: '10.244.2.3', ports: [['web', 9090]] });
  await env.service('named', { selector: { app: 'named' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] });
  const slices = await waitFor('three endpoints', async () => {
    const s = await slicesOf('named');
    return addrs(s).length === 3 ? s : undefined;
  });
  const byPort = Object.fromEntries(slices.map((s) => [s.ports![0].port, addrs([s])]));
  assert.deepEqual(byPort, { 8080: ['10.244.2.1'], 9090: ['10.244.2.2', '10.244.2.3'] });
});

test('a changed selector moves the slice to the newly selected pods', async () => {
  await env.pod('blue-1', { color: 'blue' }, { ip: '10.244.4.1' });
  await env.pod('green-1', { color: 'green' }, { ip: '10.244.4.2' });
  await env.service('color', { selector: { color: 'blue' }, ports: [{ port: 80 }] });
  const first = await waitFor('the blue pod', async () => {
    const s = await slicesOf('color');
    return addrs(s).join() === '10.244.4.1' ? s : undefined;
  });
  await cp.client.patch({ ...SVC, name: 'color' }, { spec: { selector: { color: 'green' } } }, 'merge');
  const next = await waitFor('the green pod', async () => {
    const s = await slicesOf('color');
    return addrs(s).join() === '10.244.4.2' ? s : undefined;
  });
  // The emptied slice is reused for the new endpoints rather than deleted and recreated.
  assert.deepEqual(
    next.map((s) => s.metadata.name),
    first.map((s) => s.metadata.name),
  );
});

test('a service selecting nothing gets one empty placeholder slice; one without a selector none', async () => {
  await env.service('empty', { selector: { app: 'nothing-here' }, ports: [{ port: 80 }] });
  const slices = await waitFor('a placeholder', async () => {
    const s = await slicesOf('empty');
    return s.length === 1 ? s : undefined;
  });
  // A placeholder has no endpoints and no ports (PORTS and ENDPOINTS <unset>); the API server reads
  // the controller's nulls as Go does, as absent fields.
  assert.equal(slices[0].endpoints ?? null, null);
  assert.equal(slices[0].ports ?? null, null);
  await ctrl.reconcile(`${NS}/empty`);
  assert.deepEqual(
    (await slicesOf('empty')).map((s) => s.metadata.resourceVersion),
    [slices[0].metadata.resourceVersion],
  );
  // Pods appearing fill the placeholder in place.
  await env.pod('late-1', { app: 'nothing-here' }, { ip: '10.244.6.1' });
  const filled = await waitFor('the placeholder filled', async () => {
    const s = await slicesOf('empty');
    return addrs(s).length === 1 ? s : undefined;
  });
  assert.deepEqual(
    filled.map((s) => s.metadata.name),
    [slices[0].metadata.name],
  );
  assert.deepEqual(filled[0].ports, [{ name: '', port: 80, protocol: 'TCP' }]);

  await env.service('manual', { ports: [{ port: 80 }] });
  await ctrl.reconcile(`${NS}/manual`);
  assert.deepEqual(await slicesOf('manual'), []);
});

test('more than 100 endpoints are split over slices of at most 100', async () => {
  const n = 130;
  await Promise.all(
    Array.from({ length: n }, (_, i) => env.pod(`many-${i}`, { app: 'many' }, { ip: `10.245.${Math.floor(i / 200)}.${(i % 200) + 1}` })),
  );
  await env.service('many', { selector: { app: 'many' }, ports: [{ port: 80 }] });
  const slices = await waitFor(
    `${n} endpoints`,
    async () => {
      const s = await slicesOf('many');
      return addrs(s, ready).length === n ? s : undefined;
    },
    20_000,
  );
  assert.deepEqual(
    slices.map((s) => s.endpoints!.length).sort((a, b) => a - b),
    [30, 100],
  );
  assert.equal(new Set(addrs(slices)).size, n);
});

test('a slice deleted by someone else comes back; the slices go with their service', async () => {
  const [s] = await slicesOf('web');
  await cp.client.delete({ ...SLICES, name: s.metadata.name });
  await waitFor('a slice written again', async () => addrs(await slicesOf('web')).length === 2);
  await cp.client.delete({ ...SVC, name: 'web' });
  await waitFor('slices garbage-collected', async () => (await slicesOf('web')).length === 0);
});
