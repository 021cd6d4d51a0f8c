// daemon.js, the entry of `up`'s background processes: bad arguments are a plain message and exit
// 2 (nothing started), and `supervise` runs its command under the supervisor with the output in
// the cluster log, without the command line.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { caOf, readyz } from '../cluster/controlplane.js';
import { clusterFiles } from '../cluster/paths.js';
import { waitFor } from '../testing/wait.js';
import { SERVE_NODE_OPTIONS } from './servenode.js';

const DAEMON = fileURLToPath(new URL('./daemon.js', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-daemon-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Marks the processes this file's daemons start (their environment is inherited), as other tests run `up` beside it. */
const MARK = `K8TS_DAEMON_TEST=${process.pid}`;

/** The `daemon.js serve -` processes (prestarted control planes) this file's daemons started, by /proc. */
function prestartedServes(): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      // node, the control plane's Node options (servenode.ts), daemon.js serve -
      const at = 1 + SERVE_NODE_OPTIONS.length;
      if (argv[at] !== DAEMON || argv[at + 1] !== 'serve' || argv[at + 2] !== '-') continue;
      if (SERVE_NODE_OPTIONS.some((o, i) => argv[1 + i] !== o)) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(MARK)) pids.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return pids;
}

function daemon(args: string[], input?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DAEMON, ...args], {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
      env: { ...process.env, [MARK.split('=')[0]]: MARK.split('=')[1] },
    });
    child.stdin?.end(input);
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('daemon.js refuses what it does not know, with a message and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [[], /no command/],
    [['up'], /unknown command "up"/],
    [['serve', '--data-dir', dir], /serve needs --data-dir and --port/],
    [['serve', '--data-dir', dir, '--port', '0', '--', 'x'], /and nothing else/],
    [['serve', '--data-dir', dir, '--port'], /--port needs a value/],
    [['supervise', '--data-dir', dir, '--bogus', 'x', '--', '-e', '0'], /unknown argument "--bogus"/],
    [['supervise', '--data-dir', dir], /needs the command to run after --/],
    [['supervise', '--', '-e', '0'], /supervise needs --data-dir/],
    [['serve', '-'], /serve - takes its command from its supervisor over IPC/],
  ];
  for (const [args, message] of cases) {
    const r = await daemon(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.match(r.stderr, /usage: daemon\.js supervise/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'a message, not a stack');
  }
  assert.throws(() => readFileSync(clusterFiles(dir).log), /ENOENT/, 'nothing was started');
});

test('daemon.js supervise runs its command with its output in the cluster log, and reports a start that never became ready', async () => {
  const data = path.join(dir, 'c');
  mkdirSync(data);
  const r = await daemon(['supervise', '--data-dir', data, '--name', 'dtest', '--', '-e', 'console.log("control plane output")']);
  // The command ended without ever reporting ready: a failed start, not restarted.
  assert.equal(r.code, 1, r.stderr);
  const log = readFileSync(clusterFiles(data).log, 'utf8');
  assert.match(log, /k8ts supervisor \(pid \d+\) starting the control plane of "dtest"/);
  assert.match(log, /control plane output/);
  assert.match(log, /failed to start \(exit code 0\); not restarting/);
  assert.match(log, /k8ts supervisor: stopped/);
});

test('daemon.js supervise - takes its command from stdin, and starts nothing when stdin closes empty', async () => {
  const data = path.join(dir, 'early');
  mkdirSync(data);
  // The early supervisor of an `up` that needed none (the cluster ran already, a bad flag): exit 0, no log.
  for (const input of [undefined, '', '\n']) {
    const r = await daemon(['supervise', '-'], input);
    assert.equal(r.code, 0, r.stderr);
  }
  // The control plane it started beside itself (`serve -`, waiting for a command) is gone with it.
  await waitFor('no prestarted serve left', () => prestartedServes().length === 0, 10_000);
  assert.throws(() => readFileSync(clusterFiles(data).log), /ENOENT/, 'nothing was started');
  const bad: [string, RegExp][] = [
    ['{', /stdin is not a JSON object/],
    ['{"args": "x"}', /"args" must be a list of strings/],
    ['{"args": [], "env": {"A": 1}}', /"env" must map names to strings/],
    [JSON.stringify({ args: ['--data-dir', data] }), /needs the command to run after --/],
  ];
  for (const [input, message] of bad) {
    const r = await daemon(['supervise', '-'], input);
    assert.equal(r.code, 2, `${input}: ${r.stderr}`);
    assert.match(r.stderr, message, input);
  }
  assert.throws(() => readFileSync(clusterFiles(data).log), /ENOENT/, 'nothing was started');
  // Given one, it runs it as `supervise ARGS` would, with the environment given added.
  const r = await daemon(
    ['supervise', '-'],
    JSON.stringify({
      args: ['--data-dir', data, '--name', 'early', '--', '-e', 'console.log("given " + process.env.K8TS_EARLY_TEST)'],
      env: { K8TS_EARLY_TEST: 'env' },
    }),
  );
  assert.equal(r.code, 1, r.stderr);
  const log = readFileSync(clusterFiles(data).log, 'utf8');
  assert.match(log, /k8ts supervisor \(pid \d+\) starting the control plane of "early"/);
  assert.match(log, /given env/);
});

test("serve writes the user's code cache after its ready answers, not before: at its stop when that comes first", async (t) => {
  const home = path.join(dir, 'cache-home');
  const dataDir = path.join(dir, 'cache-cluster');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, 'config.yaml'), JSON.stringify({ store: 'memory', node: false, port: 0, bindAddress: '127.0.0.1' }));
  const child = spawn(process.execPath, [...SERVE_NODE_OPTIONS, DAEMON, 'serve', '--data-dir', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, K8TS_HOME: home, [MARK.split('=')[0]]: MARK.split('=')[1] },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += String(d);
  });
  try {
    const url = await waitFor('the control plane serving', () => /serving at (https:\S+)/.exec(out)?.[1], { timeoutMs: 60_000 });
    // Only `tsc` since the last build: no bundle, no cache to write.
    if (!err.includes('loaded from its bundle')) return t.skip(err.split('\n')[0]);
    // What `up` does on seeing it ready: its /readyz is answered with no cache written yet.
    assert.equal(await readyz(url, caOf(dataDir), 5000), true);
    const cache = path.join(home, '.cache');
    const written = () => (existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith('.v8cache')) : []);
    assert.deepEqual(written(), [], 'not written by the time the ready answer came');
    // `down` right after `up`: the cache is written at the stop.
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(written().length, 1, "the user's cache written at the stop");
  } finally {
    child.kill('SIGKILL');
  }
});
