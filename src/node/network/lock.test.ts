// The bridge lock (lock.ts): its files go when it is let go, and it still admits one holder at a
// time when takers race with a holder removing the file.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../testing/wait.js';
import { NodeNetwork } from './bridge.js';
import { BridgeInUseError, lockBridge } from './lock.js';

const files = (bridge: string) => [`/run/k8ts/bridge-${bridge}.lock`, `/run/k8ts/bridge-${bridge}.lock.owner`];
const isRoot = process.getuid?.() === 0;

test('the lock files are there while the lock is held and gone once it is let go', {
  skip: !isRoot && 'needs root (/run/k8ts)',
}, async () => {
  const bridge = `k8lt${process.pid % 100000}`;
  try {
    const release = await lockBridge(bridge, 'lock.test');
    assert.deepEqual(files(bridge).map(existsSync), [true, true]);
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        // Another process cannot have it meanwhile.
        const c = spawn(process.execPath, ['--input-type=module', '-e', taker(bridge, 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('exit', () => (out.includes('in use') ? reject(new BridgeInUseError(out)) : resolve()));
      }),
      BridgeInUseError,
    );
    release();
    assert.deepEqual(files(bridge).map(existsSync), [false, false]);
    // And it can be taken again at once, files and all.
    const again = await lockBridge(bridge, 'lock.test again');
    assert.deepEqual(files(bridge).map(existsSync), [true, true]);
    again();
  } finally {
    for (const f of files(bridge)) rmSync(f, { force: true });
  }
});

/** A process taking and letting go the lock `rounds` times, marking its time inside with an O_EXCL file. */
function taker(bridge: string, rounds: number, marks?: string): string {
  const lockModule = fileURLToPath(new URL('./lock.js', import.meta.url));
  return `
    import { openSync, closeSync, unlinkSync } from 'node:fs';
    const { lockBridge } = await import(${JSON.stringify(lockModule)});
    let inside = 0, busy = 0, overlaps = 0;
    while (inside < ${rounds}) {
      let release;
      try {
        release = await lockBridge(${JSON.stringify(bridge)}, 'taker ' + process.pid);
      } catch (e) {
        if (${rounds} === 1) { console.log(String(e.message)); process.exit(0); }
        busy++;
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        continue;
      }
      ${
        marks
          ? `try { closeSync(openSync(${JSON.stringify(`${marks}/inside`)}, 'wx')); } catch { overlaps++; }
      await new Promise((r) => setTimeout(r, Math.random() * 2));
      try { unlinkSync(${JSON.stringify(`${marks}/inside`)}); } catch {}`
          : ''
      }
      inside++;
      release();
    }
    console.log(JSON.stringify({ inside, busy, overlaps }));
    process.exit(0);
  `;
}

test('takers racing with holders that remove the lock file are still let in one at a time', {
  skip: !isRoot && 'needs root (/run/k8ts)',
}, async () => {
  const bridge = `k8lr${process.pid % 100000}`;
  const marks = mkdtempSync(join(tmpdir(), 'k8ts-lock-'));
  try {
    const runs = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<{ inside: number; busy: number; overlaps: number }>((resolve, reject) => {
            const c = spawn(process.execPath, ['--input-type=module', '-e', taker(bridge, 15, marks)], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let out = '';
            c.stdout.on('data', (d) => (out += d));
            c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`taker exited ${code}: ${out}`))));
          }),
      ),
    );
    assert.deepEqual(
      runs.map((r) => [r.inside, r.overlaps]),
      runs.map(() => [15, 0]),
      'every taker got in 15 times, never while another was inside',
    );
    assert.deepEqual(files(bridge).map(existsSync), [false, false], 'the last holder removed the files');
  } finally {
    for (const f of files(bridge)) rmSync(f, { force: true });
    rmSync(marks, { recursive: true, force: true });
  }
});

test('a teardown by an instance that did not hold the lock removes its files when nobody holds it, and keeps them when one does', {
  skip: !isRoot && 'needs root (/run/k8ts)',
}, async () => {
  const bridge = `k8lt${(process.pid + 1) % 100000}`;
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { lockBridge } = await import(${JSON.stringify(fileURLToPath(new URL('./lock.js', import.meta.url)))}); await lockBridge(${JSON.stringify(bridge)}, 'data dir /held'); console.log('held'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (c) => reject(new Error(`holder exited ${c}`)));
    });
    // A clean-up's instance (as nodecleanup.ts makes one) while another process holds the bridge.
    await new NodeNetwork({ bridgeName: bridge, masquerade: false, owner: 'clean-up' }).teardown();
    assert.deepEqual(files(bridge).map(existsSync), [true, true], 'the holder keeps its lock files');
    // The holder ends without letting go (as a node agent stopped by a signal): its files stay...
    const gone = new Promise((r) => holder.once('exit', r));
    holder.kill('SIGKILL');
    await gone;
    assert.deepEqual(files(bridge).map(existsSync), [true, true]);
    // (its lock's child, whose stdin was the holder's pipe, ends a moment after it)
    await waitFor("the dead holder's lock to be dropped", () => {
      try {
        execFileSync('flock', ['-n', files(bridge)[0], 'true']);
        return true;
      } catch {
        return undefined;
      }
    });
    // ...until a clean-up tears the bridge down.
    await new NodeNetwork({ bridgeName: bridge, masquerade: false, owner: 'clean-up' }).teardown();
    assert.deepEqual(files(bridge).map(existsSync), [false, false], 'the clean-up removed the lock files');
  } finally {
    holder.kill('SIGKILL');
    for (const f of files(bridge)) rmSync(f, { force: true });
  }
});

test('the lock is taken by flock and cat alone: which file it holds is read from its fd here, no stat process run (#13)', {
  skip: !isRoot && 'needs root (/run/k8ts)',
}, async () => {
  const bridge = `k8ls${process.pid % 100000}`;
  // A `stat` first on PATH that fails: the lock must not need one.
  const bin = mkdtempSync(join(tmpdir(), 'k8ts-lockbin-'));
  execFileSync('sh', ['-c', `printf '#!/bin/sh\\nexit 1\\n' > ${bin}/stat && chmod +x ${bin}/stat`]);
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    const release = await lockBridge(bridge, 'lock.test no stat');
    assert.deepEqual(files(bridge).map(existsSync), [true, true]);
    release();
    assert.deepEqual(files(bridge).map(existsSync), [false, false]);
  } finally {
    process.env.PATH = saved;
    rmSync(bin, { recursive: true, force: true });
    for (const f of files(bridge)) rmSync(f, { force: true });
  }
});
