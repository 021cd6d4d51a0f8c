// Two API servers on one etcd (#15), each with its own EtcdStore, as two kube-apiservers on
// one etcd cluster: a write through one is read and watched, in order, through the other.

import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { EtcdStore } from '../store/etcd.js';
import { etcdMissing, startTestEtcd } from '../testing/etcd.js';
import { waitFor } from '../testing/wait.js';
import { adminUser } from './authn/user.js';
import { ApiServer, type ApiServerOptions } from './server.js';

/**
 * API servers on one new etcd, each with its own EtcdStore (as kube-apiservers on one etcd
 * cluster), one per advertise address; the caller starts them, in turn or at once. All of it is
 * stopped after the test.
 */
async function apiServersOnEtcd(t: TestContext, addresses: string[], options: Partial<ApiServerOptions> = {}) {
  const etcd = await startTestEtcd();
  const servers: ApiServer[] = [];
  const stores: EtcdStore[] = [];
  t.after(async () => {
    for (const s of servers) await s.stop();
    for (const s of stores) await s.close();
    await etcd.stop();
  });
  for (const addr of addresses) {
    const store = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    stores.push(store);
    servers.push(new ApiServer({ store, tokens: new Map([['tok', adminUser()]]), advertiseAddress: addr, ...options }));
  }
  return { servers, stores };
}

/** Starts the servers one after another on loopback; their URLs. */
async function startInTurn(servers: ApiServer[]): Promise<string[]> {
  const urls: string[] = [];
  for (const s of servers) urls.push(await s.start(0, '127.0.0.1'));
  return urls;
}

test('two API servers on one etcd: a write on one is seen by a read and a watch on the other, in order', {
  skip: etcdMissing(),
}, async (t) => {
  const { servers } = await apiServersOnEtcd(t, ['10.0.0.1', '10.0.0.2']);
  const urls = await startInTurn(servers);
  const [a, b] = urls;
  const headers = { Authorization: 'Bearer tok', 'Content-Type': 'application/json' };
  const path = '/api/v1/namespaces/default/configmaps';

  // A watch on b, from now.
  const ac = new AbortController();
  t.after(() => ac.abort());
  const list = (await (await fetch(`${b}${path}`, { headers })).json()) as { metadata: { resourceVersion: string } };
  const res = await fetch(`${b}${path}?watch=1&resourceVersion=${list.metadata.resourceVersion}`, { headers, signal: ac.signal });
  assert.equal(res.status, 200);
  const seen: string[] = [];
  void (async () => {
    let buf = '';
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl)) as { type: string; object: { data?: { n?: string } } };
          buf = buf.slice(nl + 1);
          seen.push(`${ev.type} ${ev.object.data?.n}`);
        }
      }
    } catch {
      /* aborted at the end */
    }
  })();

  // Writes through a; after each, a consistent read through b sees it (read-your-write across servers).
  let rv = '';
  const want: string[] = [];
  for (let n = 0; n < 20; n++) {
    const body = { metadata: { name: 'shared', ...(rv ? { resourceVersion: rv } : {}) }, data: { n: String(n) } };
    const w = await fetch(rv ? `${a}${path}/shared` : `${a}${path}`, { method: rv ? 'PUT' : 'POST', headers, body: JSON.stringify(body) });
    assert.ok(w.status === 200 || w.status === 201, `write ${n}: ${w.status} ${await w.clone().text()}`);
    rv = ((await w.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    want.push(`${n === 0 ? 'ADDED' : 'MODIFIED'} ${n}`);
    const got = (await (await fetch(`${b}${path}/shared`, { headers })).json()) as {
      data: { n: string };
      metadata: { resourceVersion: string };
    };
    assert.deepEqual([got.data.n, got.metadata.resourceVersion], [String(n), rv]);
  }
  await waitFor("b's watch to deliver 20 events", () => seen.length >= 20 || undefined, { timeoutMs: 10_000 });
  assert.deepEqual(seen, want);
});

test('two API servers on one etcd never hand out the same cluster IP or node port (RangeAllocation CAS)', {
  skip: etcdMissing(),
}, async (t) => {
  // A small node-port range makes collisions likely if the ranges were not shared.
  const { servers, stores } = await apiServersOnEtcd(t, ['10.0.0.1', '10.0.0.2'], { nodePortRange: '30000-30099' });
  const urls = await startInTurn(servers);
  const headers = { Authorization: 'Bearer tok', 'Content-Type': 'application/json' };
  const path = '/api/v1/namespaces/default/services';
  const create = async (url: string, name: string) => {
    const body = {
      metadata: { name },
      spec: {
        type: 'NodePort',
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 81 },
        ],
      },
    };
    const r = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal(r.status, 201, await r.clone().text());
    const svc = (await r.json()) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
    return { ip: svc.spec.clusterIP, ports: svc.spec.ports.map((p) => p.nodePort) };
  };
  // 40 services, two node ports each: 80 of the 100 ports, created at once through both servers.
  const made = await Promise.all(Array.from({ length: 40 }, (_, i) => create(urls[i % 2], `s${i}`)));
  const ips = made.map((m) => m.ip);
  const ports = made.flatMap((m) => m.ports);
  assert.equal(new Set(ips).size, ips.length, `duplicate cluster IPs: ${ips.sort().join(' ')}`);
  assert.equal(new Set(ports).size, ports.length, `duplicate node ports: ${ports.sort().join(' ')}`);
  // 42 addresses taken at random in a /12 (a 128 KiB bitmap): stored deflated, a few hundred bytes.
  const stored = await stores[0].get('/registry/ranges/serviceips');
  assert.ok(stored && stored.value.length < 2_000, `the stored service IP range is ${stored?.value.length} bytes`);
  // A port one server gave out is refused by the other when asked for by number.
  const r = await fetch(`${urls[1]}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ metadata: { name: 'dup' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: made[0].ports[0] }] } }),
  });
  assert.equal(r.status, 422);
  assert.match(await r.text(), /provided port is already allocated/);
  // Deleting through one server frees the ports for the other: 20 ports are left, deleting 10
  // services frees 20 more, and 20 new services (40 ports) then fit through the other server.
  for (let i = 0; i < 10; i++) {
    const d = await fetch(`${urls[0]}${path}/s${i}`, { method: 'DELETE', headers });
    assert.equal(d.status, 200);
  }
  const again = await Promise.all(Array.from({ length: 20 }, (_, i) => create(urls[1], `t${i}`)));
  const live = [...made.slice(10), ...again].flatMap((m) => m.ports);
  assert.equal(new Set(live).size, 100);
  const full = await fetch(`${urls[0]}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ metadata: { name: 'full' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }),
  });
  assert.equal(full.status, 422);
  assert.match(await full.text(), /range is full/);
});

test("the service ranges' repair gives back a value no service holds after three passes, never one a service holds", {
  skip: etcdMissing(),
}, async (t) => {
  const { servers, stores } = await apiServersOnEtcd(t, ['10.0.0.1', '10.0.0.2']);
  const urls = await startInTurn(servers);
  const [a, b] = servers;
  const headers = { Authorization: 'Bearer tok', 'Content-Type': 'application/json' };
  const path = '/api/v1/namespaces/default/services';
  const create = (url: string, name: string, nodePort: number) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ metadata: { name }, spec: { type: 'NodePort', ports: [{ name: 'p', port: 80, nodePort }] } }),
    });
  // A server that took a port and died before storing its service: the port is taken for good, but for the repair.
  const leaked = await a.allocators.nodePorts.update((al) => ({ result: al.allocateNext()!, changed: true }));
  const kept = await create(urls[1], 'kept', leaked === 30000 ? 30001 : 30000);
  assert.equal(kept.status, 201);
  const keptPort = ((await kept.json()) as { spec: { ports: { nodePort: number }[] } }).spec.ports[0].nodePort;
  for (let pass = 1; pass <= 2; pass++) {
    const r = await b.serviceRepair!.runOnce();
    assert.deepEqual([r.ports.leaked, r.ports.freed], [1, 0], `pass ${pass}`);
    const refused = await create(urls[0], `early${pass}`, leaked);
    assert.equal(refused.status, 422, `pass ${pass}: the leaked port is still taken (a write may be about to store it)`);
  }
  const third = await b.serviceRepair!.runOnce();
  assert.deepEqual([third.ports.leaked, third.ports.freed], [0, 1]);
  assert.equal((await create(urls[0], 'reuse', leaked)).status, 201, 'the leaked port is free again, through the other server too');
  // The ports services hold are never given back, however many passes.
  for (let pass = 0; pass < 3; pass++) await b.serviceRepair!.runOnce();
  const dup = await create(urls[0], 'dup', keptPort);
  assert.equal(dup.status, 422);
  // A range lost from the store is made again from the services.
  await stores[0].delete('/registry/ranges/servicenodeports');
  const rebuilt = await a.serviceRepair!.runOnce();
  assert.equal(rebuilt.ports.added, 2);
  assert.equal((await create(urls[1], 'dup2', keptPort)).status, 422);
});

test('two API servers starting at once on an empty etcd both come up: bootstrap objects are made once, without conflicts', {
  skip: etcdMissing(),
}, async (t) => {
  const { servers } = await apiServersOnEtcd(t, ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  // The three race through the bootstrap (namespaces, RBAC policy, kubernetes and kube-dns services).
  const urls = await Promise.all(servers.map((s) => s.start(0, '127.0.0.1')));
  const headers = { Authorization: 'Bearer tok' };
  for (const url of urls) {
    const svc = (await (await fetch(`${url}/api/v1/namespaces/default/services/kubernetes`, { headers })).json()) as {
      spec: { clusterIP: string };
    };
    assert.equal(svc.spec.clusterIP, '10.96.0.1');
    const dns = (await (await fetch(`${url}/api/v1/namespaces/kube-system/services/kube-dns`, { headers })).json()) as {
      spec: { clusterIP: string };
    };
    assert.equal(dns.spec.clusterIP, '10.96.0.10');
    const role = await fetch(`${url}/apis/rbac.authorization.k8s.io/v1/clusterroles/system:kube-scheduler`, { headers });
    assert.equal(role.status, 200);
  }
  // The cluster IPs the bootstrap services hold are taken once in the shared range.
  const ipAlloc = servers[0].allocators.clusterIPs;
  await ipAlloc.update(() => ({ result: undefined, changed: false }));
  assert.ok(ipAlloc.alloc.isUsed('10.96.0.1') && ipAlloc.alloc.isUsed('10.96.0.10'));
  assert.equal(ipAlloc.alloc.allocated, 2);
  // Every server publishes its address in the kubernetes endpoints (a subset per port: each listens on its own here).
  await waitFor('three addresses in the kubernetes endpoints', async () => {
    const ep = (await (await fetch(`${urls[0]}/api/v1/namespaces/default/endpoints/kubernetes`, { headers })).json()) as {
      subsets?: { addresses?: { ip: string }[] }[];
    };
    const ips = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((x) => x.ip));
    return ips.sort().join(',') === '10.0.0.1,10.0.0.2,10.0.0.3' || undefined;
  });
});
