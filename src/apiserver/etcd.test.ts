// Two API servers on one etcd (#15), each with its own EtcdStore, as two kube-apiservers on
// one etcd cluster: a write through one is read and watched, in order, through the other.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtcdStore } from '../store/etcd.js';
import { etcdMissing, startTestEtcd } from '../testing/etcd.js';
import { waitFor } from '../testing/wait.js';
import { adminUser } from './authn/user.js';
import { ApiServer } from './server.js';

test('two API servers on one etcd: a write on one is seen by a read and a watch on the other, in order', {
  skip: etcdMissing(),
}, async (t) => {
  const etcd = await startTestEtcd();
  t.after(() => etcd.stop());
  const servers: ApiServer[] = [];
  const stores: EtcdStore[] = [];
  t.after(async () => {
    for (const s of servers) await s.stop();
    for (const s of stores) await s.close();
  });
  const urls: string[] = [];
  for (const addr of ['10.0.0.1', '10.0.0.2']) {
    const store = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    stores.push(store);
    const api = new ApiServer({ store, tokens: new Map([['tok', adminUser()]]), advertiseAddress: addr });
    servers.push(api);
    urls.push(await api.start(0, '127.0.0.1'));
  }
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
  const etcd = await startTestEtcd();
  const servers: ApiServer[] = [];
  const stores: EtcdStore[] = [];
  t.after(async () => {
    for (const s of servers) await s.stop();
    for (const s of stores) await s.close();
    await etcd.stop();
  });
  const urls: string[] = [];
  for (const addr of ['10.0.0.1', '10.0.0.2']) {
    const store = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    stores.push(store);
    // A small node-port range makes collisions likely if the ranges were not shared.
    const api = new ApiServer({ store, tokens: new Map([['tok', adminUser()]]), advertiseAddress: addr, nodePortRange: '30000-30099' });
    servers.push(api);
    urls.push(await api.start(0, '127.0.0.1'));
  }
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
