import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { waitFor } from '../../testing/wait.js';
import { processTreeUsage } from './procstats.js';

const linux = process.platform === 'linux';

/** Kills the process group a detached child leads (sh and whatever it started). */
function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

test("a process tree's usage counts its descendants' CPU and memory, and no other process's", { skip: !linux }, async () => {
  // The parent only waits; a child of it burns CPU in a loop, then sleeps. A lone sleep beside it is another tree.
  const tree = spawn('sh', ['-c', "sh -c 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; exec sleep 60' & wait"], {
    detached: true,
    stdio: 'ignore',
  });
  const other = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  try {
    // The descendants are read from a table up to a second old: the loop's CPU shows within a few.
    const used = await waitFor(
      "the child's CPU counted in its parent's tree",
      () => {
        const u = processTreeUsage(tree.pid!);
        return u && u.cpuNanos >= 0.2e9 ? u : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    assert.ok(used.rssBytes > 0, 'the tree has resident memory');
    const lone = processTreeUsage(other.pid!);
    assert.ok(lone, 'a running process has usage');
    assert.ok(lone.cpuNanos < 0.1e9, `a sleeping process's tree used ${lone.cpuNanos} ns: another tree's CPU was counted`);
    assert.equal(processTreeUsage(2 ** 22 + 1), undefined, 'no process, no usage');
  } finally {
    killGroup(tree.pid);
    killGroup(other.pid);
  }
});
