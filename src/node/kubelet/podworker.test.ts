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

// kubelet's sysctl admission: sysctls outside the safe set (and network ones with hostNetwork)
// fail the pod before anything of it is made; safe ones go to the sandbox. They used to be
// ignored: a pod asking for kernel.core_pattern ran (redteam, session 10).
test('sysctls: an unsafe one fails the pod (SysctlForbidden), safe ones reach the sandbox', async () => {
  const sysctlPod = (name: string, sysctls: { name: string; value: string }[], hostNetwork = false) =>
    h.createPod({
      metadata: { name },
      spec: { hostNetwork, securityContext: { sysctls }, containers: [{ name: 'app', image: 'nginx:1.27' }] } as any,
    });
  const refused: [string, { name: string; value: string }[], boolean, string][] = [
    ['core-pattern', [{ name: 'kernel.core_pattern', value: '|/tmp/x' }], false, 'forbidden sysctl: "kernel.core_pattern" not allowlisted'],
    [
      'slash-form',
      [
        { name: 'net.ipv4.tcp_syncookies', value: '1' },
        { name: 'net/core/somaxconn', value: '1024' },
      ],
      false,
      'forbidden sysctl: "net.core.somaxconn" not allowlisted',
    ],
    [
      'host-net',
      [{ name: 'net.ipv4.tcp_syncookies', value: '1' }],
      true,
      'forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled',
    ],
  ];
  for (const [name, sysctls, hostNetwork, message] of refused) {
    const pod = await sysctlPod(name, sysctls, hostNetwork);
    const p = await h.waitPod(name, 'Failed', (x) => x.status?.phase === 'Failed');
    assert.equal(p.status?.reason, 'SysctlForbidden');
    assert.equal(p.status?.message, `Pod was rejected: ${message}`);
    assert.equal(p.status?.containerStatuses, undefined, `${name}: no container statuses (kubectl shows the reason)`);
    await h.waitEvent(name, 'SysctlForbidden', message);
    assert.ok(![...h.runtime.sandboxes.values()].some((s) => s.status.metadata.uid === pod.metadata.uid), `${name}: no sandbox`);
  }
  const ok = await sysctlPod('safe', [
    { name: 'net.ipv4.ip_local_port_range', value: '32768 60999' },
    { name: 'kernel/shm_rmid_forced', value: '1' },
  ]);
  await h.waitPod('safe', 'Running', (x) => x.status?.phase === 'Running');
  const sandbox = [...h.runtime.sandboxes.values()].find((s) => s.status.metadata.uid === ok.metadata.uid);
  assert.deepEqual(sandbox?.config.sysctls, { 'net.ipv4.ip_local_port_range': '32768 60999', 'kernel.shm_rmid_forced': '1' });
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
