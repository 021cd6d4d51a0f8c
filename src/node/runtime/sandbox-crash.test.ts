// An agent killed (-9) while a pod sandbox is half made: its namespace mounts, its veth on the
// bridge and its address must not leak, and the address must not be handed out while that veth
// still answers for it (issue #7, item 10). Real namespaces, veths and a bridge: root on Linux.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../testing/wait.js';
import { hostVethName, NodeNetwork } from '../network/bridge.js';
import { LocalImageStore } from './images.js';
import { ProcessRuntime } from './process.js';

const canRun = process.platform === 'linux' && process.getuid?.() === 0;

test('a sandbox half made when the agent is killed -9 is removed at the next start: no netns mount, veth or reused address left', {
  skip: !canRun && 'needs root on Linux',
}, async () => {
  const tag = randomBytes(2).toString('hex');
  const bridgeName = `k8tsh${tag}`;
  const podCIDR = `10.249.${100 + (parseInt(tag, 16) % 100)}.0/24`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-sandbox-crash-'));
  const stateDir = path.join(dir, 'state');
  const marker = path.join(dir, 'stuck');
  // `ip` as the set-up script finds it on PATH: it stops for good when it is about to address the
  // pod's eth0, after the namespaces, the veth and the address exist: where a crash hurts most.
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const realIp = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
  writeFileSync(
    path.join(bin, 'ip'),
    // Batches are read first: the host side's (the veth) runs, the pod side's (its address) stops.
    `#!/bin/sh\ncase "$*" in *-batch*) input=$(cat); case "$input" in *"addr add"*) echo $$ > ${JSON.stringify(marker)}; exec sleep 600;; esac; printf '%s\\n' "$input" | exec ${realIp} "$@";; esac\nexec ${realIp} "$@"\n`,
  );
  chmodSync(path.join(bin, 'ip'), 0o755);
  const moduleUrl = (m: string) => JSON.stringify(fileURLToPath(new URL(m, import.meta.url)));
  const agent = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    const { ProcessRuntime } = await import(${moduleUrl('./process.js')});
    const { LocalImageStore } = await import(${moduleUrl('./images.js')});
    const { NodeNetwork } = await import(${moduleUrl('../network/bridge.js')});
    const rt = new ProcessRuntime({ stateDir: ${JSON.stringify(stateDir)}, images: new LocalImageStore({ dir: ${JSON.stringify(path.join(dir, 'images'))} }),
      node: new NodeNetwork({ bridgeName: ${JSON.stringify(bridgeName)}, podCIDR: ${JSON.stringify(podCIDR)}, masquerade: false }) });
    await rt.runPodSandbox({ metadata: { name: 'half', namespace: 'default', uid: 'u1', attempt: 0 }, hostname: 'half', logDirectory: ${JSON.stringify(path.join(dir, 'logs'))} });
  `,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } },
  );
  let rt: ProcessRuntime | undefined;
  let network: NodeNetwork | undefined;
  try {
    await waitFor('the set-up to reach the pod address step', () => existsSync(marker) && readFileSync(marker, 'utf8').trim(), 30_000);
    const [id] = readdirSync(path.join(stateDir, 'sandboxes'));
    assert.ok(id, 'a sandbox record exists');
    const record = JSON.parse(readFileSync(path.join(stateDir, 'sandboxes', id, 'sandbox.json'), 'utf8')) as {
      ip: string;
      creating?: boolean;
    };
    assert.equal(record.creating, true);
    const netns = path.join(stateDir, 'sandboxes', id, 'net');
    assert.ok(readFileSync('/proc/self/mounts', 'utf8').includes(netns), 'the netns is mounted');
    execFileSync('ip', ['link', 'show', hostVethName(id)], { stdio: 'ignore' }); // the veth is on the bridge
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGKILL');
    await exited;
    try {
      process.kill(Number(readFileSync(marker, 'utf8')), 'SIGKILL');
    } catch {
      /* gone with it */
    }

    // The next agent on the same state dir and bridge.
    const net = new NodeNetwork({ bridgeName, podCIDR, masquerade: false });
    network = net;
    rt = await waitFor(
      'the bridge lock of the killed agent to be dropped',
      async () => {
        const r = new ProcessRuntime({ stateDir, images: new LocalImageStore({ dir: path.join(dir, 'images') }), node: net });
        await r.listPodSandbox();
        return r;
      },
      10_000,
    );
    assert.deepEqual(await rt.listPodSandbox(), []);
    assert.equal(existsSync(path.join(stateDir, 'sandboxes', id)), false, 'the half-made sandbox directory is gone');
    assert.equal(readFileSync('/proc/self/mounts', 'utf8').includes(netns), false, 'its netns mount is gone');
    assert.throws(() => execFileSync('ip', ['link', 'show', hostVethName(id)], { stdio: 'ignore' }), 'its veth is gone');
    // Its address is free again: nothing on the bridge answers for it any more.
    assert.doesNotMatch(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(`master ${bridgeName}`));
  } finally {
    agent.kill('SIGKILL');
    try {
      process.kill(Number(readFileSync(marker, 'utf8')), 'SIGKILL');
    } catch {
      /* not started or gone */
    }
    if (rt) await rt.cleanupAll().catch(() => undefined);
    if (network) await network.teardown().catch(() => undefined);
    for (const m of readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m) => m?.startsWith(dir))) {
      try {
        execFileSync('umount', ['-l', m]);
      } catch {
        /* already gone */
      }
    }
    try {
      execFileSync('ip', ['link', 'del', bridgeName], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
