// A control plane whose start fails leaves the host as it found it, also now that its node's pod
// network (bridge, nft table) is begun before the API server listens (#13): a taken port fails
// the start after the bridge was begun, and the bridge and its table must go with it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startControlPlane } from './controlplane.js';

const asRoot = process.platform === 'linux' && process.getuid?.() === 0;

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('a start that fails on a taken port leaves no bridge or nft table of its node', { skip: !asRoot && 'needs root' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-failedstart-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const port = (taken.address() as net.AddressInfo).port;
  const bridge = `k8fs${process.pid % 100000}`;
  t.after(() => {
    // Whatever the outcome, nothing of the test's stays on the host.
    has('ip', ['link', 'del', bridge]);
    has('nft', ['delete', 'table', 'ip', `k8ts_${bridge}`]);
    // The bridge lock's files (lock.ts keeps them; the kernel lock is what counts): this test's name is its own.
    for (const f of [`/run/k8ts/bridge-${bridge}.lock`, `/run/k8ts/bridge-${bridge}.lock.owner`]) fs.rmSync(f, { force: true });
  });
  await assert.rejects(
    startControlPlane({
      dataDir: dir,
      port,
      store: 'memory',
      podCIDR: '10.251.9.0/24',
      bridgeName: bridge,
      nodeName: 'failedstart',
      ingressHttpPort: 0,
      ingressHttpsPort: 0,
      log: () => undefined,
    }),
    /EADDRINUSE/,
  );
  assert.equal(has('ip', ['link', 'show', bridge]), false, 'no bridge left');
  assert.equal(has('nft', ['list', 'table', 'ip', `k8ts_${bridge}`]), false, 'no nft table left');
});
