import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import promClient from 'prom-client';
import { waitFor } from '../../testing/wait.js';
import { FakeRuntime } from '../runtime/fake.js';
import { probeRuns } from './metrics.js';
import { cond, containerStatus, type Harness, startHarness } from './testing.js';

let h: Harness;
let server: http.Server;
let port = 0;
/** path -> status code the test server answers with. */
const answers = new Map<string, number>();
const hits = new Map<string, number>();

before(async () => {
  server = http.createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    res.statusCode = answers.get(req.url ?? '') ?? 404;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  // Every sandbox "has" 127.0.0.1: the probes reach the test server there.
  h = await startHarness({ runtime: new FakeRuntime({ sandboxIP: '127.0.0.1' }) });
});
after(async () => {
  await h?.stop();
  server?.close();
});

test('a failing liveness probe kills and restarts the container, with Unhealthy and Killing events', async () => {
  answers.set('/live', 500);
  await h.createPod({
    metadata: { name: 'live' },
    spec: {
      containers: [
        { name: 'app', image: 'busybox:1.36', livenessProbe: { httpGet: { path: '/live', port }, periodSeconds: 1, failureThreshold: 1 } },
      ],
    } as any,
  });
  const p = await h.waitPod(
    'live',
    'restarted',
    (p) => (containerStatus(p)?.restartCount ?? 0) >= 1 && !!containerStatus(p)?.state?.running,
    8000,
  );
  assert.ok(containerStatus(p)?.lastState?.terminated);
  await h.waitEvent('live', 'Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 500');
  await h.waitEvent('live', 'Killing', 'Container app failed liveness probe, will be restarted');
  answers.set('/live', 200);
});

test('readiness follows the probe: Ready true, then false when it fails, then true again', async () => {
  answers.set('/ready', 200);
  await h.createPod({
    metadata: { name: 'ready' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox:1.36',
          readinessProbe: { httpGet: { path: '/ready', port }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    } as any,
  });
  const p1 = await h.waitPod('ready', 'Ready', (p) => cond(p, 'Ready') === 'True', 10_000);
  assert.equal(containerStatus(p1)?.ready, true);
  answers.set('/ready', 503);
  const p2 = await h.waitPod('ready', 'not Ready', (p) => cond(p, 'Ready') === 'False', 10_000);
  assert.equal(containerStatus(p2)?.ready, false);
  assert.equal(p2.status?.phase, 'Running');
  assert.equal(p2.status?.conditions?.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [app]');
  assert.equal(containerStatus(p2)?.restartCount, 0);
  await h.waitEvent('ready', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
  answers.set('/ready', 200);
  await h.waitPod('ready', 'Ready again', (p) => cond(p, 'Ready') === 'True', 10_000);
});

test('tcp and exec probes; the startup probe holds readiness back until it passes', async () => {
  let startupOk = false;
  h.runtime.execHandler = (_id, cmd) =>
    cmd[0] === 'check-started'
      ? { exitCode: startupOk ? 0 : 1, stdout: startupOk ? '' : 'not yet', stderr: '' }
      : { exitCode: 0, stdout: '', stderr: '' };
  await h.createPod({
    metadata: { name: 'startup' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox:1.36',
          startupProbe: { exec: { command: ['check-started'] }, periodSeconds: 1, failureThreshold: 30 },
          readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
        },
      ],
    } as any,
  });
  const p1 = await h.waitPod('startup', 'running, not started', (p) => !!containerStatus(p)?.state?.running, 10_000);
  assert.equal(containerStatus(p1)?.started, false);
  assert.equal(containerStatus(p1)?.ready, false);
  await h.waitEvent('startup', 'Unhealthy', 'Startup probe failed: not yet');
  startupOk = true;
  const p2 = await h.waitPod(
    'startup',
    'started and ready',
    (p) => containerStatus(p)?.started === true && cond(p, 'Ready') === 'True',
    6000,
  );
  assert.equal(containerStatus(p2)?.restartCount, 0);
});

test('readiness reaches the API while a liveness kill waits out the grace period of a process that ignores SIGTERM', async () => {
  answers.set('/live-slow', 200);
  answers.set('/ready-slow', 200);
  h.runtime.behaviour = (_config, sandbox) => (sandbox.metadata.name === 'slow' ? { ignoreSigterm: true } : {});
  try {
    await h.createPod({
      metadata: { name: 'slow' },
      spec: {
        terminationGracePeriodSeconds: 12,
        containers: [
          {
            name: 'app',
            image: 'busybox:1.36',
            livenessProbe: { httpGet: { path: '/live-slow', port }, periodSeconds: 1, failureThreshold: 1 },
            readinessProbe: { httpGet: { path: '/ready-slow', port }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      } as any,
    });
    await h.waitPod('slow', 'Ready', (p) => cond(p, 'Ready') === 'True', 10_000);
    answers.set('/live-slow', 500);
    await h.waitEvent('slow', 'Killing', 'Container app failed liveness probe, will be restarted');
    answers.set('/ready-slow', 503);
    // The kill takes 12 s; readiness must not wait for it (kubelet's SetContainerReadiness).
    const p = await h.waitPod('slow', 'not Ready during the kill', (p) => cond(p, 'Ready') === 'False', 8000);
    assert.ok(containerStatus(p)?.state?.running, 'the container is still being killed');
    assert.equal(containerStatus(p)?.restartCount, 0);
    assert.equal(containerStatus(p)?.ready, false);
  } finally {
    h.runtime.behaviour = () => ({});
    answers.set('/live-slow', 200);
  }
});

test('prober_probe_total counts each probe run by type and result; a deleted pod takes its series with it', async () => {
  answers.set('/counted', 200);
  h.runtime.execHandler = () => ({ exitCode: 0, stdout: '', stderr: '' });
  const pod = await h.createPod({
    metadata: { name: 'counted' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox:1.36',
          readinessProbe: { httpGet: { path: '/counted', port }, periodSeconds: 1, failureThreshold: 1 },
          livenessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
        },
      ],
    } as any,
  });
  const counter = promClient.register.getSingleMetric('prober_probe_total')!;
  const count = async (probe_type: string, result: string) =>
    (await counter.get()).values
      .filter(
        (v) =>
          v.labels.pod === 'counted' &&
          v.labels.pod_uid === pod.metadata.uid &&
          v.labels.probe_type === probe_type &&
          v.labels.result === result,
      )
      .reduce((n, v) => n + v.value, 0);
  await waitFor(
    'two successful readiness and liveness runs',
    async () => (await count('Readiness', 'successful')) >= 2 && (await count('Liveness', 'successful')) >= 2,
    10_000,
  );
  const total = await probeRuns();
  assert.ok(total >= 4, `probeRuns() ${total} counts this pod's runs`);
  answers.set('/counted', 503);
  await waitFor('a failed readiness run', async () => (await count('Readiness', 'failed')) >= 1, 10_000);
  assert.equal(await count('Liveness', 'failed'), 0);
  await h.client.delete({ group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'counted' }, { gracePeriodSeconds: 0 });
  await waitFor(
    "the pod's series removed",
    async () => (await counter.get()).values.every((v) => v.labels.pod_uid !== pod.metadata.uid),
    15_000,
  );
});
