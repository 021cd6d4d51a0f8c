// The eviction manager's local-storage checks on real containers (issue #7, item 9): a disk-backed
// emptyDir past its sizeLimit and a container whose writable layer passes its ephemeral-storage
// limit are evicted as kubelet evicts them (Failed, reason Evicted, kubelet's message, a Warning
// event); a pod within its bounds is left alone. The OCI runtime with the built-in busybox image;
// root on Linux with runc or crun (run under the host lock).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chooseRuntime } from '../../cluster/node.js';
import { NodeNetwork } from '../network/bridge.js';
import { LocalImageStore } from '../runtime/images.js';
import { type OciRuntime, ociUnavailableReason } from '../runtime/oci/runtime.js';
import type { ProcessRuntime } from '../runtime/process.js';
import { generatePodStatus } from './podstatus.js';
import { type Harness, startHarness } from './testing.js';
import type { PodObject } from './types.js';

const why = ociUnavailableReason();
const skip = why ? `needs the OCI runtime: ${why}` : false;
const tag = randomBytes(2).toString('hex');
const podCIDR = `10.248.${100 + (parseInt(tag, 16) % 100)}.0/24`;
let dir = '';
let network: NodeNetwork | undefined;
let rt: ProcessRuntime | OciRuntime | undefined;
let h: Harness | undefined;

before(async () => {
  if (skip) return;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-eviction-'));
  const images = new LocalImageStore({ dir: path.join(dir, 'images') });
  network = new NodeNetwork({ bridgeName: `k8ev${tag}`, podCIDR, masquerade: false });
  rt = chooseRuntime('oci', dir, images, network, () => undefined);
  h = await startHarness({ runtime: rt, images, podCIDR, evictionMonitoringPeriodMs: 300 });
});

after(async () => {
  try {
    await h?.stop();
  } finally {
    await rt?.cleanupAll().catch(() => undefined);
    await network?.teardown().catch(() => undefined);
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  }
});

const busybox = 'docker.io/library/busybox:latest';

test("a disk emptyDir past its sizeLimit gets its pod evicted with kubelet's reason and message; one within it stays", {
  skip,
  timeout: 90_000,
}, async () => {
  const harness = h!;
  const writer = (name: string, mb: number) =>
    harness.createPod({
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '2Mi' } }],
        containers: [
          {
            name: 'w',
            image: busybox,
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', `dd if=/dev/zero of=/scratch/f bs=1M count=${mb} && sleep 3600`],
            volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
          },
        ],
      } as never,
    });
  await writer('small', 1);
  await writer('big', 6);
  const big = await harness.waitPod('big', 'Failed/Evicted', (p) => p.status?.phase === 'Failed', 60_000);
  assert.equal(big.status?.reason, 'Evicted');
  assert.equal(big.status?.message, 'Usage of EmptyDir volume "scratch" exceeds the limit "2Mi". ');
  await harness.waitEvent('big', 'Evicted', 'Usage of EmptyDir volume "scratch" exceeds the limit "2Mi". ');
  // Its container was killed, not left running.
  assert.ok(
    big.status?.containerStatuses?.every((c) => c.state?.terminated),
    JSON.stringify(big.status?.containerStatuses),
  );
  // The pod within its limit was measured in the same passes and is still running.
  const small = await harness.getPod('small');
  assert.equal(small.status?.phase, 'Running');
  assert.equal(small.status?.reason, undefined);
});

test('a container whose writable layer passes its ephemeral-storage limit is evicted', { skip, timeout: 90_000 }, async () => {
  const harness = h!;
  await harness.createPod({
    metadata: { name: 'layer' },
    spec: {
      restartPolicy: 'Always',
      containers: [
        { name: 'quiet', image: busybox, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] },
        {
          name: 'filler',
          image: busybox,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', 'dd if=/dev/zero of=/fill bs=1M count=8 && sleep 3600'],
          resources: { limits: { 'ephemeral-storage': '4Mi' } },
        },
      ],
    } as never,
  });
  // The pod's total (8 MiB and more) passes the only limit set (4Mi): kubelet's pod check comes first.
  const p = await harness.waitPod('layer', 'Failed/Evicted', (x) => x.status?.phase === 'Failed', 60_000);
  assert.equal(p.status?.reason, 'Evicted');
  assert.equal(p.status?.message, 'Pod ephemeral local storage usage exceeds the total limit of containers 4Mi. ');
});

test('a pod evicted earlier keeps reason Evicted and its message in every later status (kubectl shows STATUS Evicted)', () => {
  const pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Failed', reason: 'Evicted', message: 'Usage of EmptyDir volume "v" exceeds the limit "1Mi". ' },
  } as unknown as PodObject;
  const st = generatePodStatus({
    pod,
    containers: [],
    reasons: new Map(),
    ready: () => false,
    started: () => false,
    runtimeName: 'k8ts-oci',
    hostIPs: ['10.0.0.1'],
    startTime: '2026-01-01T00:00:00Z',
    terminal: true,
  });
  assert.equal(st.phase, 'Failed');
  assert.equal(st.reason, 'Evicted');
  assert.equal(st.message, pod.status!.message);
});
