import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../testing/wait.js';
import { Spawner } from './spawner.js';

// A helper that answers once, then stops reading (closes its stdin) but lives on: the agent's next
// request meets a broken pipe.
const ONCE_THEN_DEAF = String.raw`
const fs = require('node:fs');
process.stdout.write(JSON.stringify({ id: 0, ready: true }) + '\n');
const buf = Buffer.alloc(65536);
let text = '';
while (!text.includes('\n')) {
  let n = 0;
  try { n = fs.readSync(0, buf); } catch (e) { if (e.code === 'EAGAIN') continue; throw e; }
  if (!n) break;
  text += buf.toString('utf8', 0, n);
}
fs.closeSync(0);
const r = JSON.parse(text.split('\n')[0]);
process.stdout.write(JSON.stringify({ id: r.id, code: 0, stdout: 'helper\n', stderr: '' }) + '\n');
setTimeout(() => {}, 10000);
`;

test('a helper whose pipe broke does not crash the agent with EPIPE: commands run directly (issue #7)', async () => {
  const s = new Spawner(ONCE_THEN_DEAF);
  try {
    assert.equal(await s.whenReady(), true);
    assert.equal((await s.run('echo', ['first'])).stdout, 'helper\n');
    await new Promise((res) => setTimeout(res, 300)); // the helper has closed its end by now
    const r = await s.run('echo', ['second']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'second\n');
  } finally {
    s.stop();
  }
});

test('capture runs a command to its end: exit code, both streams cut at maxBytes, stdin at EOF', async () => {
  const s = new Spawner();
  try {
    const r = await s.capture('sh', ['-c', 'cat; echo out; echo err >&2; head -c 5000 /dev/zero | tr "\\0" x; exit 3'], {
      timeoutMs: 10_000,
      maxBytes: 1000,
    })!;
    assert.equal(r.code, 3);
    assert.equal(r.timedOut, false);
    assert.equal(r.stdout.length, 1000, 'stdout is cut at maxBytes');
    assert.ok(r.stdout.startsWith('out\nxxx'), r.stdout.slice(0, 20));
    assert.equal(r.stderr, 'err\n');
    const missing = await s.capture('/nonexistent/k8ts-no-such-binary', [], { timeoutMs: 10_000, maxBytes: 1000 })!;
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /ENOENT/);
  } finally {
    s.stop();
  }
});

test('capture kills the whole process group at the timeout, a background child included', async () => {
  const s = new Spawner();
  let grandchild = 0;
  try {
    const r = await s.capture('sh', ['-c', 'sleep 300 & echo $!; wait'], { timeoutMs: 300, maxBytes: 1000 })!;
    grandchild = Number(r.stdout.trim());
    assert.equal(r.timedOut, true);
    assert.ok(grandchild > 0, `the background child's pid: ${r.stdout}`);
    await waitFor(
      'the background sleep to be gone',
      () => {
        try {
          process.kill(grandchild, 0);
          return false;
        } catch {
          return true;
        }
      },
      5_000,
    );
  } finally {
    s.stop();
    if (grandchild)
      try {
        process.kill(grandchild, 'SIGKILL');
      } catch {
        /* gone */
      }
  }
});

test('run starts commands itself until the helper has started, then through it', async () => {
  const s = new Spawner();
  try {
    const parent = async () => Number((await s.run('sh', ['-c', 'echo $PPID'])).stdout.trim());
    s.warm();
    // The helper is a Node process of its own: not started yet when warm() returns.
    assert.equal(await parent(), process.pid, 'before the helper is up: started by this process');
    assert.equal(await s.whenReady(), true);
    const viaHelper = await parent();
    assert.notEqual(viaHelper, process.pid, 'once it is up: started by the helper');
    assert.ok(viaHelper > 0);
    const r = await s.run('sh', ['-c', 'cat; exit 4'], { input: 'in\n' });
    assert.deepEqual(r, { code: 4, stdout: 'in\n', stderr: '' });
  } finally {
    s.stop();
  }
});

test('a helper that cannot start is not waited for: whenReady says so and run starts commands itself', async () => {
  const s = new Spawner('process.exit(3)');
  try {
    assert.equal(await s.whenReady(), false);
    const r = await s.run('echo', ['direct']);
    assert.deepEqual(r, { code: 0, stdout: 'direct\n', stderr: '' });
  } finally {
    s.stop();
  }
});
