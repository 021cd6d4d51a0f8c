// The node agent on the real built-in runtime: the bootcamp image runs as a pod with its own IP,
// answers HTTP, and is restarted in place when its process is killed. Root on Linux only.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { httpGet } from '../testing/http.js';
import { waitFor } from '../testing/wait.js';
import { containerStatus, type Harness, startHarness } from './kubelet/testing.js';
import { NodeNetwork, parseCIDR } from './network/bridge.js';
import { LocalImageStore } from './runtime/images.js';
import { ProcessRuntime } from './runtime/process.js';

const canRun = process.platform === 'linux' && process.getuid?.() === 0;
const skip = canRun ? false : 'needs root on Linux (namespaces, veths, a bridge)';

const tag = randomBytes(2).toString('hex');
const podCIDR = `10.251.${100 + (parseInt(tag, 16) % 100)}.0/24`;
let dir = '';
let rt: ProcessRuntime | undefined;
let h: Harness | undefined;

/** The app answers once it has started listening, a moment after its container runs. */
function answer(url: string, timeoutMs = 10_000): Promise<string> {
  return waitFor(`an answer from ${url}`, () => httpGet(url), timeoutMs);
}

before(async () => {
  if (!canRun) return;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-agent-proc-'));
  const images = new LocalImageStore({ dir: path.join(dir, 'images') });
  rt = new ProcessRuntime({ stateDir: path.join(dir, 'runtime'), node: new NodeNetwork({ bridgeName: `k8tsa${tag}`, podCIDR }), images });
  h = await startHarness({ runtime: rt, images, podCIDR });
});

after(async () => {
  try {
    await h?.stop();
  } finally {
    await rt?.cleanupAll().catch(() => {});
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the bootcamp image runs with its own IP, answers HTTP and is restarted after its process is killed', {
  skip,
  timeout: 120_000,
}, async () => {
  const harness = h!;
  await harness.createPod({
    metadata: { name: 'bootcamp', labels: { app: 'kubernetes-bootcamp' } },
    spec: {
      containers: [
        { name: 'kubernetes-bootcamp', image: 'gcr.io/google-samples/kubernetes-bootcamp:v1', ports: [{ containerPort: 8080 }] },
      ],
    } as any,
  });
  const p = await harness.waitPod('bootcamp', 'Running', (p) => p.status?.phase === 'Running' && !!p.status?.podIP, 40_000);
  const ip = p.status!.podIP!;
  const { network, prefix } = parseCIDR(podCIDR);
  const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
  assert.equal(n >>> (32 - prefix), network >>> (32 - prefix), `${ip} is in ${podCIDR}`);
  const body = await answer(`http://${ip}:8080/`);
  assert.match(body, /Hello Kubernetes bootcamp! \| Running on: bootcamp \| v=1/);

  const cid = containerStatus(p, 'kubernetes-bootcamp')!.containerID!.replace(/^[^:]+:\/\//, '');
  const st = await rt!.containerStatus(cid);
  assert.ok(st?.pid, 'the runtime reports the pid');
  process.kill(st.pid, 'SIGKILL');
  const p2 = await harness.waitPod(
    'bootcamp',
    'restarted',
    (p) => containerStatus(p, 'kubernetes-bootcamp')?.restartCount === 1 && !!containerStatus(p, 'kubernetes-bootcamp')?.state?.running,
    20_000,
  );
  assert.equal(p2.status?.podIP, ip, 'the same sandbox, the same IP');
  assert.ok(containerStatus(p2, 'kubernetes-bootcamp')?.lastState?.terminated);
  assert.match(await answer(`http://${ip}:8080/`), /Hello Kubernetes bootcamp!/);
});
