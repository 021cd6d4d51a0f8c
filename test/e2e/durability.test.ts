// kill -9 of the API server during a stream of writes loses no acknowledged write; after
// `k8ts up` again every one of them is served.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TestCluster } from './harness.js';

const cluster = new TestCluster('durability', 'sqlite');
after(async () => {
  await cluster.stop();
});

test('kill -9 during writes loses no acknowledged write', async () => {
  await cluster.up(['--no-node']);
  const acked: string[] = [];
  let killed = false;
  let failures = 0;
  const writer = async (w: number) => {
    for (let i = 0; i < 5000 && failures < 20; i++) {
      const name = `cm-${w}-${i}`;
      try {
        const r = await cluster.api('POST', '/api/v1/namespaces/default/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name },
          data: { i: String(i) },
        });
        if (r.status === 201) acked.push(name);
        else failures++;
      } catch {
        failures++;
        if (killed) return;
      }
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  await cluster.waitFor('some acknowledged writes', async () => acked.length >= 300, 60_000);
  const pid = cluster.pid();
  assert.ok(pid);
  process.kill(pid!, 'SIGKILL');
  killed = true;
  await Promise.all(writers);
  assert.ok(acked.length >= 300);
  // The same data dir comes back with everything that was acknowledged.
  await cluster.up(['--no-node']);
  const r = await cluster.api('GET', '/api/v1/namespaces/default/configmaps');
  assert.equal(r.status, 200);
  const have = new Set((r.body.items as { metadata: { name: string } }[]).map((c) => c.metadata.name));
  const lost = acked.filter((n) => !have.has(n));
  assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes lost`);
  // And the cluster still takes writes.
  const w = await cluster.api('POST', '/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'after-restart' },
  });
  assert.equal(w.status, 201);
});
