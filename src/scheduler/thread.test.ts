// The scheduler in a worker thread (thread.ts): it leads, binds pods as the in-process one does,
// as system:kube-scheduler through the port to the API server of this process (portserver.ts),
// and stops with its thread.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NODES, PODS } from '../api/types.js';
import { stampOf } from '../cli/servebundle.js';
import { processMetrics } from '../metrics/legacyregistry.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { waitFor } from '../testing/wait.js';
import { makeNode, makePod } from './fixtures.js';
import { schedulerThreadEntry, startSchedulerThread } from './thread.js';

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

  // Its metrics, kept in the thread's own registry, are in this process's /metrics as in-process.
  assert.match(await processMetrics(), /^scheduler_schedule_attempts_total\{[^}]*result="scheduled"[^}]*\} [1-9]/m);

  await scheduler.stop();
  stopped = true;
  assert.equal(scheduler.isLeader(), false);
  // Its log lines came through to this thread.
  assert.ok(
    lines.some((l) => /became leader/.test(l)),
    lines.join('\n'),
  );
});

test('the thread starts from its bundle when the build made one and no tsc rewrote the modules since', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-thread-entry-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const module = path.join(dir, 'threadmain.js');
  const bundle = path.join(dir, 'threadmain.bundle.cjs');
  fs.writeFileSync(module, '');
  assert.equal(schedulerThreadEntry(bundle, module), module, 'no bundle: the module');
  fs.writeFileSync(bundle, '');
  const stamp = { entryMtimeMs: fs.statSync(module).mtimeMs, bundleMtimeMs: fs.statSync(bundle).mtimeMs };
  fs.writeFileSync(stampOf(bundle), JSON.stringify(stamp));
  assert.equal(schedulerThreadEntry(bundle, module), bundle, 'built: the bundle');
  // tsc alone since the build: the entry module is newer than the stamp says, the bundle is not.
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(module, later, later);
  assert.equal(schedulerThreadEntry(bundle, module), module, 'stale: the module');

  // The build of this tree: its bundle is what the thread starts from (thread.test's own start above ran it).
  const built = fileURLToPath(new URL('./threadmain.bundle.cjs', import.meta.url));
  if (!fs.existsSync(built)) return t.skip('no bundle built (tsc alone)');
  const current = schedulerThreadEntry();
  if (current !== built) return t.skip('the bundle is older than the modules (tsc since the build)');
  assert.match(fs.readFileSync(built, 'latin1'), /became leader|startScheduler/);
});
