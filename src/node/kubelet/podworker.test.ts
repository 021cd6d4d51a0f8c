import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PODS } from '../../api/types.js';
import { isNotFound } from '../../client/index.js';
import { waitFor } from '../../testing/wait.js';
import { containerStatus, type Harness, startHarness } from './testing.js';

let h: Harness;
/** The agent running the node now (the adoption test replaces the first). */
let active: Harness['agent'];
before(async () => {
  h = await startHarness();
  active = h.agent;
});
after(async () => {
  await h?.stop();
});

const gone = async (name: string) =>
  h.getPod(name).then(
    () => false,
    (e) => isNotFound(e),
  );

test('graceful deletion: preStop, then stop with the grace period, then the pod object is deleted', async () => {
  const pod = await h.createPod({
    metadata: { name: 'graceful' },
    spec: {
      terminationGracePeriodSeconds: 7,
      containers: [{ name: 'app', image: 'nginx:1.27', lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'nginx -s quit'] } } } }],
    } as any,
  });
  const uid = pod.metadata.uid!;
  await h.waitPod('graceful', 'Running', (p) => p.status?.phase === 'Running');
  const cid = h.runtime.running(uid, 'app')!.status.id;
  await h.client.delete({ ...PODS, namespace: 'default', name: 'graceful' });
  // The API server keeps it, with a deletionTimestamp, until the agent is done.
  const p = await h.getPod('graceful').catch(() => undefined);
  if (p) assert.ok(p.metadata.deletionTimestamp);
  await waitFor('the pod object to be deleted', () => gone('graceful'), 10_000);
  assert.deepEqual(
    h.runtime.execCalls.filter((c) => c.containerId === cid).map((c) => c.cmd),
    [['/bin/sh', '-c', 'nginx -s quit']],
  );
  const stop = h.runtime.stopCalls.find((s) => s.containerId === cid);
  assert.ok(stop, 'the container was stopped');
  assert.ok(stop.timeoutSeconds >= 6 && stop.timeoutSeconds <= 7, `grace ${stop.timeoutSeconds}`);
  assert.equal(h.runtime.containersOf(uid).length, 0, 'containers removed');
  assert.ok(![...h.runtime.sandboxes.values()].some((s) => s.status.metadata.uid === uid), 'sandbox removed');
  await h.waitEvent('graceful', 'Killing', 'Stopping container app');
});

test('a container killed from outside is restarted in the same pod (restartCount 1)', async () => {
  const pod = await h.createPod({ metadata: { name: 'victim' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
  const uid = pod.metadata.uid!;
  const p1 = await h.waitPod('victim', 'Running', (p) => p.status?.phase === 'Running');
  const ip = p1.status?.podIP;
  h.runtime.kill(h.runtime.running(uid, 'app')!.status.id, 137);
  const p2 = await h.waitPod('victim', 'restarted', (p) => containerStatus(p)?.restartCount === 1 && !!containerStatus(p)?.state?.running);
  assert.equal(containerStatus(p2)?.lastState?.terminated?.exitCode, 137);
  assert.equal(p2.status?.podIP, ip, 'same sandbox, same IP');
});

test('a restarted agent adopts running containers and removes those of pods deleted meanwhile', async () => {
  const keep = await h.createPod({ metadata: { name: 'keep' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
  const drop = await h.createPod({ metadata: { name: 'drop' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
  await h.waitPod('keep', 'Running', (p) => p.status?.phase === 'Running');
  await h.waitPod('drop', 'Running', (p) => p.status?.phase === 'Running');
  const keepId = h.runtime.running(keep.metadata.uid!, 'app')!.status.id;
  await h.agent.stop({ killPods: false });
  assert.ok(h.runtime.running(keep.metadata.uid!, 'app'), 'containers survive an agent stop without killPods');
  // Deleted while no agent runs: forced, as nobody would confirm it.
  await h.client.delete({ ...PODS, namespace: 'default', name: 'drop' }, { gracePeriodSeconds: 0 });
  const agent2 = h.newAgent();
  await agent2.start();
  active = agent2;
  await waitFor('the orphan to be removed', () => !h.runtime.running(drop.metadata.uid!, 'app'), 10_000);
  await waitFor('the orphan containers removed', () => h.runtime.containersOf(drop.metadata.uid!).length === 0, 10_000);
  const p = await h.waitPod('keep', 'still Running', (p) => p.status?.phase === 'Running' && !!containerStatus(p)?.state?.running);
  assert.equal(h.runtime.running(keep.metadata.uid!, 'app')!.status.id, keepId, 'not restarted');
  assert.equal(containerStatus(p)?.restartCount, 0);
  assert.equal(containerStatus(p)?.containerID, `fake://${keepId}`);
  // The adopted pod is still managed: a crash is restarted by the new agent.
  h.runtime.kill(keepId, 1);
  await h.waitPod(
    'keep',
    'restarted by the new agent',
    (p) => containerStatus(p)?.restartCount === 1 && !!containerStatus(p)?.state?.running,
  );
});

test('stop({killPods: true}) stops every container and removes every sandbox', async () => {
  await h.createPod({ metadata: { name: 'doomed' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
  await h.waitPod('doomed', 'Running', (p) => p.status?.phase === 'Running');
  const running = [...h.runtime.containers.values()].filter((c) => c.status.state === 'CONTAINER_RUNNING');
  assert.ok(running.length > 0);
  await active.stop({ killPods: true });
  assert.equal(h.runtime.containers.size, 0);
  assert.equal(h.runtime.sandboxes.size, 0);
});
