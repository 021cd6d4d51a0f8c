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
