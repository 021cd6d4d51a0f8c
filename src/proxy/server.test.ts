import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as v1 from '../api/types.js';
import { SERVICES } from '../api/types.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import type { EndpointInfo } from './endpoints.js';
import { ProxyServer } from './server.js';
import type { ServicePortInfo } from './serviceport.js';
import { categorizeEndpoints } from './topology.js';
import type { Proxier, SyncOutcome } from './types.js';
import { RoundRobin } from './userspace/roundrobin.js';

const SLICES = { ...v1.ENDPOINTSLICES, namespace: 'default' };

/** Records what each sync was given; a sync takes `delayMs` (a slow nft). */
class RecordingProxier implements Proxier {
  readonly mode = 'userspace' as const;
  syncs: { ports: ServicePortInfo[]; endpoints: Map<string, EndpointInfo[]> }[] = [];
  delayMs = 0;
  async sync(svcPortMap: Map<string, ServicePortInfo[]>, endpointsMap: Map<string, EndpointInfo[]>): Promise<SyncOutcome> {
    await new Promise((r) => setTimeout(r, this.delayMs));
    const ports = [...svcPortMap.values()].flat();
    this.syncs.push({ ports, endpoints: new Map(endpointsMap) });
    const ready = new Set<string>();
    const used = new Map<string, EndpointInfo[]>();
    for (const p of ports) {
      const c = categorizeEndpoints(endpointsMap.get(`${p.name}/${p.protocol}`) ?? [], p);
      used.set(`${p.name}/${p.protocol}`, c.allReachableEndpoints);
      for (const e of c.allReachableEndpoints) if (e.ready) ready.add(e.ip);
    }
    return { readyEndpointIPs: ready, endpoints: used };
  }
  async close(): Promise<void> {}
  async cleanup(): Promise<void> {}
  last() {
    return this.syncs[this.syncs.length - 1];
  }
}

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(async () => {
  await cp.stop();
});

function slice(name: string, svc: string, eps: { ip: string; ready?: boolean; terminating?: boolean; node?: string }[]) {
  return {
    metadata: { name, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: true, terminating: e.terminating ?? false },
      nodeName: e.node,
    })),
  };
}

test("services and their slices reach the proxier through informers; a deleted pod's IP is waited out until a sync dropped it", async () => {
  const fake = new RecordingProxier();
  const proxy = new ProxyServer({
    client: cp.newClient(),
    nodeName: 'n1',
    mode: 'userspace',
    instance: 'test',
    podCIDR: '10.244.0.0/24',
    proxier: fake,
    resyncMs: 0,
  });
  try {
    await cp.client.create(
      { ...SERVICES, namespace: 'default' },
      { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    );
    await cp.client.create(SLICES, slice('web-a', 'web', [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }]));
    await proxy.start();
    await waitFor('both endpoints synced', () => fake.last()?.endpoints.get('default/web:http/TCP')?.length === 2);
    assert.equal(fake.last().ports.find((p) => p.service === 'web')?.port, 80);
    // Not an endpoint of anything: no wait at all.
    assert.equal(await proxy.waitForEndpointsGone(['10.244.0.99'], 50), true);
    // Still a ready endpoint: the wait runs out.
    assert.equal(await proxy.waitForEndpointsGone(['10.244.0.5'], 300), false);
    // The EndpointSlice controller marks the pod terminating; a slow sync applies it.
    fake.delayMs = 300;
    const waiting = proxy.waitForEndpointsGone(['10.244.0.5'], 10_000);
    const cur = await cp.client.get<any>({ ...SLICES, name: 'web-a' });
    await cp.client.update(
      { ...SLICES, name: 'web-a' },
      {
        ...cur,
        ...slice('web-a', 'web', [{ ip: '10.244.0.5', ready: false, terminating: true }, { ip: '10.244.0.6' }]),
        metadata: cur.metadata,
      },
    );
    assert.equal(await waiting, true);
    const used = (await waitFor('the sync', () => fake.last())).endpoints.get('default/web:http/TCP')!;
    assert.deepEqual(
      used.map((e) => `${e.ip}:${e.ready}`),
      ['10.244.0.5:false', '10.244.0.6:true'],
      'the sync that ended the wait had the pod not ready',
    );
  } finally {
    await proxy.stop({ cleanup: false });
  }
});

test('a burst of changes is coalesced: syncs never overlap and the last one holds every change', async () => {
  const fake = new RecordingProxier();
  fake.delayMs = 50;
  const proxy = new ProxyServer({
    client: cp.newClient(),
    nodeName: 'n1',
    mode: 'userspace',
    instance: 'test2',
    podCIDR: '10.244.0.0/24',
    proxier: fake,
    resyncMs: 0,
  });
  try {
    await proxy.start();
    const before = fake.syncs.length;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        cp.client.create({ ...SERVICES, namespace: 'default' }, { metadata: { name: `burst-${i}` }, spec: { ports: [{ port: 80 }] } }),
      ),
    );
    await waitFor('all 30 services synced', () => fake.last()?.ports.filter((p) => p.service.startsWith('burst-')).length === 30, 10_000);
    assert.ok(fake.syncs.length - before < 30, `${fake.syncs.length - before} syncs for 30 changes`);
  } finally {
    await proxy.stop({ cleanup: false });
  }
});

test('round robin: in turn, skipping refused endpoints; ClientIP affinity sticks until its timeout', () => {
  const rr = new RoundRobin();
  rr.update(['a:1', 'b:1', 'c:1'], 0);
  assert.deepEqual([rr.next('x'), rr.next('x'), rr.next('x'), rr.next('x')], ['a:1', 'b:1', 'c:1', 'a:1']);
  assert.equal(rr.next('x', new Set(['b:1'])), 'c:1');
  assert.equal(rr.next('x', new Set(['a:1', 'b:1', 'c:1'])), undefined);
  const sticky = new RoundRobin();
  sticky.update(['a:1', 'b:1'], 10);
  const first = sticky.next('1.2.3.4', new Set(), 1000);
  assert.equal(sticky.next('1.2.3.4', new Set(), 5000), first);
  assert.notEqual(sticky.next('5.6.7.8', new Set(), 5000), first, 'another client takes the next one');
  assert.equal(sticky.next('1.2.3.4', new Set(), 9000), first);
  // Refused: the client moves on, and stays on its new endpoint.
  const moved = sticky.next('1.2.3.4', new Set([first!]), 9500);
  assert.notEqual(moved, first);
  assert.equal(sticky.next('1.2.3.4', new Set(), 9600), moved);
});
