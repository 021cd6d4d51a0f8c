// Interactive kubectl on the built-in process runtime (`k8ts up --runtime process`) with the
// built-in busybox image: `kubectl run -it --rm`, `exec -it` exit codes, termination messages,
// a changed image on a running pod. The OCI runtime's counterparts are in oci.test.ts.
// Run under the host lock: flock /tmp/k8ts-host.lock node --test dist/test/e2e/interactive.test.js

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestCluster } from './harness.js';
import { PtyKubectl } from './pty.js';

const skip = process.platform === 'linux' && process.getuid?.() === 0 ? false : "needs root on Linux (the process runtime's namespaces)";
const tag = (process.pid % 0xffff).toString(16);
const cluster = new TestCluster('interactive');

before(async () => {
  if (skip) return;
  await cluster.up(['--runtime', 'process', '--pod-cidr', `10.254.${process.pid % 200}.0/24`, '--bridge', `k8i${tag}`]);
});

after(async () => {
  if (!skip) await cluster.stop();
});

async function pod(name: string): Promise<any> {
  return JSON.parse(await cluster.k('get', 'pod', name, '-o', 'json'));
}

test('the node says what the process runtime cannot isolate', { skip }, async () => {
  const node = JSON.parse(await cluster.k('get', 'nodes', '-o', 'json')).items[0];
  const cond = node.status.conditions.find((c: { type: string }) => c.type === 'ContainersIsolated');
  assert.equal(cond?.status, 'False');
  assert.match(cond.message, /every capability/);
});

test('kubectl run -it --rm --image=busybox -- sh is interactive and returns', { skip }, async () => {
  const k = new PtyKubectl(cluster, ['run', '-it', '--rm', `sh${tag}`, '--image=busybox', '--restart=Never', '--', 'sh']);
  await k.waitFor(/If you don't see a command prompt/, 90_000);
  k.write('echo hello-$((6*7))\n');
  await k.waitFor(/hello-42/);
  k.write('exit\n');
  assert.equal(await k.end(60_000), 0, k.output());
  await cluster.waitFor('the pod deleted', async () => (await cluster.kubectl(['get', 'pod', `sh${tag}`])).code !== 0, 60_000);
});

test("kubectl exec -it returns the command's exit code", { skip }, async () => {
  await cluster.k('run', 'sleeper', '--image=busybox', '--restart=Never', '--', 'sleep', '3600');
  await cluster.waitFor('Running', async () => (await pod('sleeper')).status.phase === 'Running', 60_000);
  const k = new PtyKubectl(cluster, ['exec', '-it', 'sleeper', '--', 'sh', '-c', 'exit 7']);
  assert.equal(await k.end(), 7, k.output());
  assert.equal((await cluster.kubectl(['exec', 'sleeper', '--', 'sh', '-c', 'exit 5'])).code, 5);
});

test('termination message and a changed image on a running pod', { skip }, async () => {
  await cluster.kIn(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'msg' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          { name: 'c', image: 'busybox', command: ['sh', '-c', 'echo boom; exit 3'], terminationMessagePolicy: 'FallbackToLogsOnError' },
        ],
      },
    }),
    'apply',
    '-f',
    '-',
  );
  const done = await cluster.waitFor(
    'Failed',
    async () => {
      const p = await pod('msg');
      return p.status.phase === 'Failed' ? p : undefined;
    },
    60_000,
  );
  assert.equal(done.status.containerStatuses[0].state.terminated.message, 'boom\n');
  await cluster.k('run', 'swap', '--image=busybox', '--', 'sleep', '3600');
  await cluster.waitFor('Running', async () => (await pod('swap')).status.phase === 'Running', 60_000);
  await cluster.k('set', 'image', 'pod/swap', 'swap=docker.io/library/nginx:latest');
  await cluster.waitFor(
    'restarted with nginx',
    async () => {
      const cs = (await pod('swap')).status.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state.running && /nginx/.test(cs.image);
    },
    60_000,
  );
});
