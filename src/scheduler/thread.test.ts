// The scheduler in a worker thread (thread.ts): it leads, binds pods as the in-process one does,
// as system:kube-scheduler through the port to the API server of this process (portserver.ts),
// and stops with its thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NODES, PODS } from '../api/types.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { waitFor } from '../testing/wait.js';
import { makeNode, makePod } from './fixtures.js';
import { startSchedulerThread } from './thread.js';

test('the scheduler in a thread leads, binds pods through the port and stops with its thread', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const a = cp.admin;
  await a.create(NODES, makeNode('worker-1'));
  await a.create(NODES, makeNode('worker-2', { cpu: '1' }));
  const sched = cp.certFor('system:kube-scheduler');
  const lines: string[] = [];
  const scheduler = await startSchedulerThread(
    { server: cp.url, caData: cp.ca.cert, certData: sched.cert, keyData: sched.key, log: (m) => lines.push(m) },
    cp.api,
  );
  let stopped = false;
  t.after(async () => {
    if (!stopped) await scheduler.stop();
  });
  await waitFor('the thread leads', () => scheduler.isLeader(), 20_000);
  // Its Lease is held as system:kube-scheduler's, through the port.
  const lease = await a.get({
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    namespace: 'kube-system',
    name: 'kube-scheduler',
  });
  assert.ok((lease.spec as { holderIdentity?: string }).holderIdentity);

  // Two CPUs asked for: only worker-1 fits.
  const POD = { ...PODS, namespace: 'default' };
  await a.create(POD, makePod('p1', { cpu: '2' }));
  await waitFor(
    'p1 bound',
    async () => ((await a.get({ ...POD, name: 'p1' })).spec as { nodeName?: string }).nodeName === 'worker-1',
    20_000,
  );
  // The Scheduled event, written by the thread.
  await waitFor(
    'the Scheduled event',
    async () =>
      (await a.list({ ...PODS, resource: 'events', namespace: 'default' })).items.some(
        (e) =>
          (e as { reason?: string }).reason === 'Scheduled' && (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'p1',
      ),
    20_000,
  );

  await scheduler.stop();
  stopped = true;
  assert.equal(scheduler.isLeader(), false);
  // Its log lines came through to this thread.
  assert.ok(
    lines.some((l) => /became leader/.test(l)),
    lines.join('\n'),
  );
});
