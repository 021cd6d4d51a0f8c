// A cluster whose node runs containers with the OCI runtime (`k8ts up --runtime oci`), driven
// with the stock kubectl, interactive commands under a real terminal (python3's pty). The
// images are busybox-static root filesystems this test builds and imports.
// Run under the host lock: flock /tmp/k8ts-host.lock node --test dist/test/e2e/oci.test.js

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ociUnavailableReason } from '../../src/node/runtime/oci/runtime.js';
import { DEFAULT_CAPABILITIES } from '../../src/node/runtime/oci/spec.js';
import { buildBusyboxRootfs, busyboxBinary } from '../../src/node/runtime/oci/testing.js';
import { CLI, run, TestCluster } from './harness.js';
import { PtyKubectl } from './pty.js';

const why = ociUnavailableReason() ?? (busyboxBinary() ? undefined : 'busybox-static is not installed');
const skip = why ? `needs the OCI runtime: ${why}` : false;
const tag = (process.pid % 0xffff).toString(16);
const cluster = new TestCluster('oci');

async function importImage(name: string, version: string, extra: Record<string, unknown> = {}): Promise<void> {
  const dir = path.join(cluster.dir, `img-${name.replace(/\W/g, '_')}`);
  buildBusyboxRootfs(path.join(dir, 'rootfs'));
  fs.writeFileSync(
    path.join(dir, 'image.json'),
    JSON.stringify({
      repoTags: [name],
      cmd: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `VERSION=${version}`],
      workingDir: '/',
      ...extra,
    }),
  );
  const r = await run(process.execPath, [CLI, 'image', 'import', dir, '--tag', name, '--data-dir', cluster.dataDir], {
    env: cluster.env(),
  });
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

async function podJSON(name: string): Promise<any> {
  return JSON.parse(await cluster.k('get', 'pod', name, '-o', 'json'));
}

async function waitPhase(name: string, phase: string, ms = 60_000): Promise<any> {
  return cluster.waitFor(
    `pod ${name} ${phase}`,
    async () => {
      const p = await podJSON(name);
      return p.status?.phase === phase ? p : undefined;
    },
    ms,
  );
}

before(async () => {
  if (skip) return;
  await cluster.up(['--runtime', 'oci', '--pod-cidr', `10.252.${process.pid % 200}.0/24`, '--bridge', `k8e${tag}`]);
  await importImage(`k8ts.test/bb:1`, '1');
  await importImage(`k8ts.test/bb:2`, '2');
});

after(async () => {
  if (!skip) await cluster.stop();
});

test('the node says it isolates containers with the OCI runtime', { skip }, async () => {
  const node = JSON.parse(await cluster.k('get', 'nodes', '-o', 'json')).items[0];
  const cond = node.status.conditions.find((c: { type: string }) => c.type === 'ContainersIsolated');
  assert.equal(cond?.status, 'True', JSON.stringify(cond));
  assert.match(node.status.nodeInfo.containerRuntimeVersion, /^k8ts-oci:\/\//);
});

test('kubectl run -it --rm gives an interactive shell in a terminal and returns', { skip }, async () => {
  const k = new PtyKubectl(cluster, ['run', '-it', '--rm', `shell${tag}`, '--image=k8ts.test/bb:1', '--restart=Never', '--', 'sh']);
  await k.waitFor(/If you don't see a command prompt|# $/m, 90_000);
  k.write('\n');
  k.write('echo hello-$((6*7)); tty\n');
  await k.waitFor(/hello-42/);
  await k.waitFor(/\/dev\/pts\/\d+/);
  k.write('exit\n');
  const code = await k.end(60_000);
  assert.equal(code, 0, k.output());
  await cluster.waitFor('the pod deleted', async () => (await cluster.kubectl(['get', 'pod', `shell${tag}`])).code !== 0, 60_000);
});

test('a container has the default capabilities and its own processes; exec -it returns the exit code', { skip }, async () => {
  await cluster.k('run', 'sleeper', '--image=k8ts.test/bb:1', '--restart=Never', '--', 'sleep', '3600');
  await waitPhase('sleeper', 'Running');
  const caps = await cluster.k(
    'exec',
    'sleeper',
    '--',
    'sh',
    '-c',
    'grep CapEff /proc/self/status; ps -o comm | grep -v "^COMMAND" | sort | tr "\\n" " "; echo; mount -t tmpfs none /mnt && echo MOUNTED || echo REFUSED',
  );
  assert.match(caps, /CapEff:\s*00000000a80425fb/, `the ${DEFAULT_CAPABILITIES.length} default capabilities`);
  // Only the container's own processes (and runc's exec helper, "exe", while it joins): nothing of the host.
  const comms =
    /^((?:\S+ )+)/m
      .exec(caps.split('\n')[1] ?? '')?.[1]
      .trim()
      .split(' ') ?? [];
  assert.ok(comms.includes('sleep') && comms.every((c) => ['exe', 'grep', 'ps', 'sh', 'sleep', 'sort', 'tr'].includes(c)), caps);
  assert.match(caps, /^REFUSED$/m);
  const plain = await cluster.kubectl(['exec', 'sleeper', '--', 'sh', '-c', 'exit 7']);
  assert.equal(plain.code, 7);
  const k = new PtyKubectl(cluster, ['exec', '-it', 'sleeper', '--', 'sh', '-c', 'tty; exit 7']);
  assert.equal(await k.end(), 7, k.output());
  assert.match(k.output(), /\/dev\/pts\/\d+/);
});

test('kubectl attach -it to a tty container', { skip }, async () => {
  await cluster.kIn(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'attachme' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'k8ts.test/bb:1', command: ['sh'], stdin: true, tty: true }] },
    }),
    'apply',
    '-f',
    '-',
  );
  await waitPhase('attachme', 'Running');
  const k = new PtyKubectl(cluster, ['attach', '-it', 'attachme']);
  await k.waitFor(/If you don't see a command prompt/);
  k.write('echo attached-$((2+3))\n');
  await k.waitFor(/attached-5/);
  k.write('exit 0\n');
  await k.end();
  const p = await waitPhase('attachme', 'Succeeded');
  assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 0);
});

test('termination messages: the file, and the log tail with FallbackToLogsOnError', { skip }, async () => {
  await cluster.kIn(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'msgs' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          { name: 'file', image: 'k8ts.test/bb:1', command: ['sh', '-c', 'printf "all done" > /dev/termination-log; exit 1'] },
          {
            name: 'logs',
            image: 'k8ts.test/bb:1',
            command: ['sh', '-c', 'echo first; echo "last words"; exit 2'],
            terminationMessagePolicy: 'FallbackToLogsOnError',
          },
          {
            name: 'custom',
            image: 'k8ts.test/bb:1',
            command: ['sh', '-c', 'echo custom-path > /tmp/why'],
            terminationMessagePath: '/tmp/why',
          },
        ],
      },
    }),
    'apply',
    '-f',
    '-',
  );
  const p = await waitPhase('msgs', 'Failed');
  const st = (n: string) => p.status.containerStatuses.find((c: { name: string }) => c.name === n).state.terminated;
  assert.equal(st('file').message, 'all done');
  assert.equal(st('logs').message, 'first\nlast words\n');
  assert.equal(st('logs').exitCode, 2);
  assert.equal(st('custom').message, 'custom-path\n');
});

test('kubectl set image on a running pod restarts that container with the new image', { skip }, async () => {
  await cluster.k(
    'run',
    'versioned',
    '--image=k8ts.test/bb:1',
    '--restart=Always',
    '--',
    'sh',
    '-c',
    'echo version=$VERSION; exec sleep 3600',
  );
  await waitPhase('versioned', 'Running');
  await cluster.k('set', 'image', 'pod/versioned', 'versioned=k8ts.test/bb:2');
  const p = await cluster.waitFor(
    'the container restarted with bb:2',
    async () => {
      const pod = await podJSON('versioned');
      const cs = pod.status.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state.running && cs.image.endsWith('k8ts.test/bb:2') ? pod : undefined;
    },
    60_000,
  );
  assert.ok(p);
  const logs = await cluster.k('logs', 'versioned');
  assert.match(logs, /version=2/);
  const events = await cluster.k(
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=versioned',
    '-o',
    'jsonpath={.items[*].message}',
  );
  assert.match(events, /Container versioned definition changed, will be restarted/);
});

test("kubectl debug -it adds an ephemeral container that sees its target's processes", { skip }, async () => {
  await cluster.k('run', 'target', '--image=k8ts.test/bb:1', '--restart=Never', '--', 'sleep', '3600');
  await waitPhase('target', 'Running');
  const k = new PtyKubectl(cluster, ['debug', '-it', 'target', '--image=k8ts.test/bb:1', '--target=target', '--', 'sh']);
  await k.waitFor(/If you don't see a command prompt/, 90_000);
  k.write('ps -o comm | tr "\\n" " "; echo; echo PS-DONE\n');
  // The typed line is echoed too: the output line is the one that starts with PS-DONE.
  await k.waitFor(/\nPS-DONE\r?\n/);
  assert.match(k.output(), /sleep/);
  k.write('exit\n');
  await k.end();
  const pod = await podJSON('target');
  assert.equal(pod.spec.ephemeralContainers.length, 1);
  const eph = pod.status.ephemeralContainerStatuses?.[0];
  assert.ok(eph?.state?.terminated || eph?.state?.running, JSON.stringify(eph));
});

test("runAsNonRoot refuses an image that runs as root, with kubelet's message; runAsUser holds; memory limit ends in OOMKilled", {
  skip,
}, async () => {
  await cluster.kIn(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nonroot' },
      spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'c', image: 'k8ts.test/bb:1', command: ['sleep', '3600'] }] },
    }),
    'apply',
    '-f',
    '-',
  );
  const refused = await cluster.waitFor(
    'CreateContainerConfigError',
    async () => {
      const w = (await podJSON('nonroot')).status.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' ? w : undefined;
    },
    60_000,
  );
  assert.match(
    refused.message,
    /^container has runAsNonRoot and image will run as root \(pod: "nonroot_default\([0-9a-f-]+\)", container: c\)$/,
  );
  await cluster.kIn(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'asuser' },
      spec: {
        restartPolicy: 'Never',
        securityContext: { runAsUser: 1000, runAsNonRoot: true, fsGroup: 2000 },
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'c',
            image: 'k8ts.test/bb:1',
            command: ['sh', '-c', 'id; stat -c "group=%g" /data; echo hi > /data/f && echo WROTE; echo END'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
      },
    }),
    'apply',
    '-f',
    '-',
  );
  await waitPhase('asuser', 'Succeeded');
  const asuser = await cluster.k('logs', 'asuser');
  assert.match(asuser, /uid=1000\(app\) gid=1000\(app\) groups=.*2000/);
  assert.match(asuser, /^group=2000$/m);
  assert.match(asuser, /^WROTE$/m);
  await cluster.kIn(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hog' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'c',
            image: 'k8ts.test/bb:1',
            command: ['sh', '-c', 'x=0123456789; while :; do x="$x$x"; done'],
            resources: { limits: { memory: '32Mi' } },
          },
        ],
      },
    }),
    'apply',
    '-f',
    '-',
  );
  const hog = await waitPhase('hog', 'Failed', 90_000);
  assert.equal(hog.status.containerStatuses[0].state.terminated.reason, 'OOMKilled');
  assert.equal(hog.status.qosClass, 'Burstable');
});
