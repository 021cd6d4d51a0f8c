// A bench run on its own (benchMain) and `npm run bench` (cleanUpOnSignals) must leave nothing
// behind: on SIGTERM (timeout(1), a CI's cancel) and on failure, every child it started is
// stopped and every temp dir it made is removed, and the exit code says it did not finish.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { waitFor } from '../src/testing/wait.js';

const util = new URL('./util.js', import.meta.url).href;

/**
 * A bench in a process of its own: a temp dir and a child process (a node that would run for
 * ten minutes) registered for cleanup, then `then` (wait for ever, or fail).
 */
function startBench(then: 'wait' | 'fail'): {
  proc: ChildProcess;
  started: Promise<{ dir: string; child: number }>;
  exit: Promise<number | null>;
} {
  const code = `
    import { spawn } from 'node:child_process';
    import { benchMain, benchTempDir, cleanup, stopChild } from ${JSON.stringify(util)};
    await benchMain(async () => {
      const tmp = benchTempDir('signal-test');
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
      cleanup.add('child', () => stopChild(child, 5000));
      console.log(JSON.stringify({ dir: tmp.dir, child: child.pid }));
      if (${JSON.stringify(then)} === 'fail') throw new Error('the bench failed on purpose');
      await new Promise(() => setInterval(() => {}, 1000));
      return [];
    });
  `;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const started = new Promise<{ dir: string; child: number }>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { dir: string; child: number });
    });
    proc.once('exit', () => reject(new Error(`the bench exited before it started: ${out}`)));
  });
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return { proc, started, exit };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('SIGTERM to a bench stops its child, removes its temp dir and exits 143', async (t) => {
  const b = startBench('wait');
  t.after(() => b.proc.kill('SIGKILL'));
  const { dir, child } = await b.started;
  t.after(() => {
    if (alive(child)) process.kill(child, 'SIGKILL');
  });
  assert.ok(existsSync(dir) && alive(child));
  b.proc.kill('SIGTERM');
  assert.equal(await b.exit, 143);
  assert.equal(existsSync(dir), false, 'the temp dir is removed');
  await waitFor('the child to be gone', () => !alive(child), 5_000);
});

test('a bench that fails cleans up and exits 1', async (t) => {
  const b = startBench('fail');
  t.after(() => b.proc.kill('SIGKILL'));
  const { dir, child } = await b.started;
  t.after(() => {
    if (alive(child)) process.kill(child, 'SIGKILL');
  });
  assert.equal(await b.exit, 1);
  assert.equal(existsSync(dir), false, 'the temp dir is removed');
  await waitFor('the child to be gone', () => !alive(child), 5_000);
});

test("a process's main thread CPU is its own, apart from its other threads'", async () => {
  const { mainThreadCpuMs, processesCpuMs } = (await import('./util.js')) as typeof import('./util.js');
  const { Worker } = await import('node:worker_threads');
  const main0 = mainThreadCpuMs(process.pid);
  const all0 = processesCpuMs([process.pid]);
  // A second thread spins for 400 ms of CPU while this one waits in its event loop.
  const w = new Worker('const t = process.cpuUsage(); while (process.cpuUsage(t).user < 400_000) {}', { eval: true });
  await new Promise((r) => w.once('exit', r));
  const main = mainThreadCpuMs(process.pid) - main0;
  const all = processesCpuMs([process.pid]) - all0;
  assert.ok(Number.isFinite(main));
  // The spinning thread's time counts in the process's, not in the main thread's.
  assert.ok(all - main >= 300, `process ${all} ms, main thread ${main} ms`);
});

test('a file log appends each message on its own line, stamped or not, and drops what comes once its dir is gone', async () => {
  const { fileLog } = (await import('./util.js')) as typeof import('./util.js');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-filelog-'));
  try {
    const stamped = fileLog(join(dir, 'a.log'));
    stamped('one');
    stamped('two');
    const lines = readFileSync(join(dir, 'a.log'), 'utf8').split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^\d{4}-\d\d-\d\dT\S+Z one$/);
    assert.match(lines[1], /Z two$/);
    const plain = fileLog(join(dir, 'b.log'), false);
    plain('three');
    assert.equal(readFileSync(join(dir, 'b.log'), 'utf8'), 'three\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The dir is gone: the log must not throw (a control plane logs while the bench removes it).
  fileLog(join(dir, 'a.log'))('late');
});

test("a process's main thread's context switches: waits counted as voluntary, none for a process that is gone", async () => {
  const { mainThreadSwitches } = (await import('./util.js')) as typeof import('./util.js');
  const before = mainThreadSwitches(process.pid);
  assert.ok(before && Number.isInteger(before.voluntary) && Number.isInteger(before.involuntary), JSON.stringify(before));
  // The event loop waits for these timers: each wait is a voluntary switch.
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 10));
  const after = mainThreadSwitches(process.pid);
  assert.ok(after && after.voluntary >= before.voluntary + 3, `${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  assert.ok(after.involuntary >= before.involuntary);
  const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => gone.once('exit', r));
  assert.equal(mainThreadSwitches(gone.pid!), undefined);
});
