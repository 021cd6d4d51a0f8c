import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { clusterFiles } from '../cluster/paths.js';
import { down } from './down.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('k8ts down does not signal a process that merely reuses a stale pid (issue #7)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-down-'));
  // Some other process now has the pid the cluster once had.
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const files = clusterFiles(dir);
    writeFileSync(
      files.info,
      JSON.stringify({
        url: 'https://127.0.0.1:1',
        pid: other.pid,
        port: 1,
        store: 'sqlite',
        dataDir: dir,
        startedAt: new Date(0).toISOString(),
        pidStart: '1',
      }),
    );
    writeFileSync(files.pid, `${other.pid}\n`);
    const log = console.log;
    const said: string[] = [];
    console.log = (...a: unknown[]) => {
      said.push(a.join(' '));
    };
    try {
      assert.equal(await down({ dataDir: dir }), 0);
    } finally {
      console.log = log;
    }
    assert.ok(alive(other.pid!), 'down signalled an unrelated process');
    assert.match(said.join('\n'), /not running/);
    // Without any identity recorded (an older pid file), a process that is not this cluster's is left alone too.
    writeFileSync(files.pid, `${other.pid}\n`);
    console.log = () => undefined;
    try {
      assert.equal(await down({ dataDir: dir }), 0);
    } finally {
      console.log = log;
    }
    assert.ok(alive(other.pid!), 'down signalled an unrelated process (pid file only)');
  } finally {
    other.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
