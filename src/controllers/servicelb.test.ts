// The LoadBalancer address allocator against a real API server (in process): allocation from
// the pool, release on delete and on a type change, loadBalancerClass, spec.loadBalancerIP,
// pool exhaustion (pending with a Warning event, then an address once one is released).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SERVICES, type Service } from '../api/types.js';
import { runControllers, startTestControlPlane } from '../testing/controlplane.js';
import { stays, waitFor } from '../testing/wait.js';
import { defaultLoadBalancerPool, parseAddressPool, poolContains, SERVICE_LB_CLASS, ServiceLBController } from './servicelb.js';

const svcs = { ...SERVICES, namespace: 'default' };

test('pools are parsed as MetalLB spells addresses', () => {
  const p = parseAddressPool('192.0.2.0/30, 198.51.100.7-198.51.100.9,203.0.113.5');
  assert.ok(!poolContains(p, '192.0.2.0') && poolContains(p, '192.0.2.1') && poolContains(p, '192.0.2.2') && !poolContains(p, '192.0.2.3'));
  assert.ok(poolContains(p, '198.51.100.8') && !poolContains(p, '198.51.100.10'));
  assert.ok(poolContains(p, '203.0.113.5') && !poolContains(p, '203.0.113.6'));
  assert.ok(poolContains(parseAddressPool('192.0.2.8/32'), '192.0.2.8'));
  for (const bad of ['', '1.2.3', '10.0.0.9-10.0.0.1', '10.0.0.0/40', 'x-y']) assert.throws(() => parseAddressPool(bad), bad);
  assert.equal(defaultLoadBalancerPool('10.244.0.0/24'), '198.18.0.0/24');
  assert.equal(defaultLoadBalancerPool('10.130.77.0/24'), '198.18.77.0/24');
});

test('LoadBalancer services get addresses from the pool; released on delete and type change; other classes left alone; exhaustion stays pending', async (t) => {
  const cp = await startTestControlPlane();
  const stop = await runControllers(cp.newClient('kube-controller-manager'), (cc, factory) => [
    new ServiceLBController(cc, factory, { pool: parseAddressPool('192.0.2.10-192.0.2.12') }),
  ]);
  t.after(async () => {
    await stop();
    await cp.stop();
  });
  const c = cp.client;
  const get = (name: string) => c.get<Service>({ ...svcs, name });
  const ips = async (name: string) => ((await get(name)).status?.loadBalancer?.ingress ?? []).map((i) => `${i.ip}/${i.ipMode}`);
  const lb = (name: string, spec: Record<string, unknown> = {}) =>
    c.create(svcs, { metadata: { name }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec } });
  const assigned = (name: string) => waitFor(`${name} assigned`, async () => (await ips(name))[0]?.split('/')[0], 5000);
  const events = async (name: string) =>
    (
      await c.list<
        { reason?: string; type?: string; message?: string; involvedObject?: { name?: string } } & import('../api/object.js').KObject
      >({ group: '', version: 'v1', resource: 'events', namespace: 'default' })
    ).items.filter((e) => e.involvedObject?.name === name);

  await lb('a');
  await lb('b');
  const a = await assigned('a');
  const b = await assigned('b');
  assert.deepEqual(new Set([a, b]), new Set(['192.0.2.10', '192.0.2.11']));
  assert.deepEqual(await ips('a'), [`${a}/VIP`]);
  await waitFor(
    'IPAllocated event',
    async () => (await events('a')).some((e) => e.reason === 'IPAllocated' && e.message === `Assigned IP ["${a}"]`),
    5000,
  );

  // Another class is not ours: it stays pending, untouched.
  await lb('foreign', { loadBalancerClass: 'example.com/other' });
  // A class of ours, and an explicitly requested address.
  await lb('req', { loadBalancerClass: SERVICE_LB_CLASS, loadBalancerIP: '192.0.2.12' });
  assert.equal(await assigned('req'), '192.0.2.12');
  // The pool is exhausted: pending with a Warning event.
  await lb('c');
  await waitFor(
    'AllocationFailed event',
    async () =>
      (await events('c')).some(
        (e) =>
          e.type === 'Warning' &&
          e.reason === 'AllocationFailed' &&
          /no available IPs in the pool 192\.0\.2\.10-192\.0\.2\.12/.test(e.message ?? ''),
      ),
    5000,
  );
  assert.deepEqual(await ips('c'), []);
  assert.deepEqual(await ips('foreign'), []);
  // Outside the pool / already used: refused with the reason.
  await lb('wrong', { loadBalancerIP: '203.0.113.1' });
  await waitFor(
    'not in the pool',
    async () =>
      (await events('wrong')).some(
        (e) => e.reason === 'AllocationFailed' && /requested IP "203\.0\.113\.1" is not in the pool/.test(e.message ?? ''),
      ),
    5000,
  );

  // Deleting a releases its address; the pending c gets it.
  await c.delete({ ...svcs, name: 'a' });
  assert.equal(await assigned('c'), a);

  // b turns ClusterIP: its address is taken back; wrong still asks for an address outside the pool.
  const bs = await get('b');
  await c.update(
    { ...svcs, name: 'b' },
    {
      ...bs,
      spec: {
        ...bs.spec,
        type: 'ClusterIP',
        allocateLoadBalancerNodePorts: undefined,
        externalTrafficPolicy: undefined,
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      },
    },
  );
  await waitFor('b released', async () => (await ips('b')).length === 0, 5000);
  await lb('d');
  assert.equal(await assigned('d'), b);

  // Someone writes an address of the pool already held by c into foreign (another class's business): left as is,
  // and c keeps its address.
  const f = await get('foreign');
  await c.update(
    { ...svcs, name: 'foreign', subresource: 'status' },
    { ...f, status: { loadBalancer: { ingress: [{ ip: '198.51.100.1', ipMode: 'VIP' }] } } },
  );
  await stays(
    'foreign keeps what its own controller wrote, c its address',
    async () => (await ips('foreign')).join() === '198.51.100.1/VIP' && (await ips('c')).join() === `${a}/VIP`,
    500,
    50,
  );
});

test('a restarted controller keeps every assignment (read back from the services)', async (t) => {
  const cp = await startTestControlPlane();
  const c = cp.client;
  const pool = parseAddressPool('192.0.2.20/31');
  const run = () =>
    runControllers(cp.newClient('kube-controller-manager'), (cc, factory) => [new ServiceLBController(cc, factory, { pool })]);
  let stop = await run();
  t.after(async () => {
    await stop();
    await cp.stop();
  });
  await c.create(svcs, { metadata: { name: 'x' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
  const ipOf = async (n: string) => (await c.get<Service>({ ...svcs, name: n })).status?.loadBalancer?.ingress?.[0]?.ip;
  const x = await waitFor('x assigned', () => ipOf('x'), 5000);
  await stop();
  stop = await run();
  await c.create(svcs, { metadata: { name: 'y' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
  const y = await waitFor('y assigned', () => ipOf('y'), 5000);
  assert.notEqual(x, y);
  assert.equal(await ipOf('x'), x);
});
