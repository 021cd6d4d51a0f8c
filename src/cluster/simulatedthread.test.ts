// The simulated nodes in a worker thread (simulatedthread.ts): they follow the ConfigMap, register
// and renew their leases, run a bound pod to Ready with their own identity, all through the port to
// the API server of this process (portserver.ts), and stop with their thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { threadId } from 'node:worker_threads';
import { isNodeReady, isPodReady } from '../api/conditions.js';
import type { KObject } from '../api/object.js';
import { LEASES, NODE_LEASE_NAMESPACE, NODES, PODS } from '../api/types.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { waitFor } from '../testing/wait.js';
import { requestSimulatedNodes } from './simulated.js';
import { SimulatedNodesThread } from './simulatedthread.js';

test('simulated nodes in a thread follow the ConfigMap, run pods to Ready through the port and stop with their thread', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const a = cp.admin;
  const lines: string[] = [];
  const sim = new SimulatedNodesThread({
    connection: { server: cp.url, token: cp.token, caData: cp.ca.cert, userAgent: 'k8ts-simulated-nodes/v0.1.0 (k8ts)' },
    heartbeatMs: 200,
    server: cp.api,
    log: (m) => lines.push(m),
  });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await sim.stop();
  });
  sim.start();
  await sim.started;
  assert.ok(sim.threadId !== undefined && sim.threadId !== threadId, 'the nodes run on a thread of their own');

  await requestSimulatedNodes(a, 2);
  const nodes = await waitFor(
    '2 simulated nodes Ready',
    async () => {
      const items = (await a.list(NODES)).items.filter(isNodeReady);
      return items.length === 2 ? items : undefined;
    },
    20_000,
  );
  assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ['sim-node-0', 'sim-node-1']);
  // Their leases are renewed (heartbeatMs 200): a renewTime later than the first one seen.
  const LEASE = { ...LEASES, namespace: NODE_LEASE_NAMESPACE, name: 'sim-node-0' };
  const first = ((await a.get(LEASE)).spec as { renewTime: string }).renewTime;
  await waitFor('a lease renewal', async () => ((await a.get(LEASE)).spec as { renewTime: string }).renewTime !== first, 20_000);

  // A pod bound to one of them turns Running and Ready, its status written by the thread's client.
  const POD = { ...PODS, namespace: 'default' };
  await a.create(POD, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p1' },
    spec: { nodeName: 'sim-node-1', containers: [{ name: 'c', image: 'registry.example/app:1' }] },
  });
  const pod = await waitFor(
    'p1 Ready',
    async () => {
      const p = await a.get<KObject>({ ...POD, name: 'p1' });
      return isPodReady(p) ? p : undefined;
    },
    20_000,
  );
  assert.ok((pod.status as { podIP?: string }).podIP?.startsWith('10.244.1.'), JSON.stringify(pod.status));
  assert.ok(
    (pod.metadata.managedFields ?? []).some((m) => m.manager === 'k8ts-simulated-nodes'),
    JSON.stringify(pod.metadata.managedFields),
  );

  await sim.stop();
  stopped = true;
  assert.equal(sim.threadId, undefined, 'the thread has ended');
  // The Node objects stay, as a stopped kubelet's do.
  assert.equal((await a.list(NODES)).items.length, 2);
  assert.ok(!lines.some((l) => /exited|failed/.test(l)), lines.join('\n'));
});
