// The supervisor's first start through a prestarted control plane (daemon.js `serve -`, #13): the
// same process is given the rest of its command and its environment by IPC, and its output goes
// to the cluster log; one that stands for another command, or has died, is not used (killed) and
// the command is started whole, as without one.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { RotatingLog } from './logfile.js';
import { supervise } from './supervisor.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-supervisor-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// A control plane of our own: prestarted (`pre`), it says so and waits for its command; started
// whole, it says that. Either way it ends without becoming ready: a failed start, not restarted.
const CP = path.join(dir, 'cp.cjs');
fs.writeFileSync(
  CP,
  `if (process.argv[2] === 'pre') {
  console.log('prestarted ' + process.pid);
  process.on('message', (m) => {
    Object.assign(process.env, m.env);
    console.log('given ' + JSON.stringify(m.args) + ' env ' + process.env.K8TS_SUPERVISOR_TEST + ' supervised ' + process.env.K8TS_SUPERVISED);
    process.exit(0);
  });
} else {
  console.log('started whole ' + JSON.stringify(process.argv.slice(2)) + ' env ' + process.env.K8TS_SUPERVISOR_TEST);
}
`,
);

function prestart(): ChildProcess {
  return spawn(process.execPath, [CP, 'pre'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, K8TS_SUPERVISED: '1' } });
}

const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => c.once('exit', () => resolve()));

async function run(name: string, args: string[], prestarted?: { child: ChildProcess; prefix: string[] }): Promise<string> {
  const file = path.join(dir, `${name}.log`);
  const log = new RotatingLog(file);
  try {
    const code = await supervise({ args, log, env: { ...process.env, K8TS_SUPERVISOR_TEST: name }, prestarted });
    assert.equal(code, 1, 'a start that never became ready');
  } finally {
    log.close();
  }
  return fs.readFileSync(file, 'utf8');
}

test('the first start is the prestarted process, given the rest of its command and the environment', async () => {
  const child = prestart();
  const log = await run('fits', [CP, 'pre', '--data-dir', 'd', '--port', '0'], { child, prefix: [CP, 'pre'] });
  assert.match(log, new RegExp(`prestarted ${child.pid}`), 'its output before its command is in the log too');
  assert.match(log, /given \["--data-dir","d","--port","0"\] env fits supervised 1/);
  assert.doesNotMatch(log, /started whole/);
});

test('a prestarted process for another command, or one that died, is not used: the command starts whole', async () => {
  const other = prestart();
  const log = await run('other', [CP, 'x', 'y'], { child: other, prefix: [CP, 'pre'] });
  assert.match(log, /started whole \["x","y"\] env other/);
  await exited(other);
  assert.equal(other.signalCode, 'SIGKILL', 'the unused one is ended');

  const dead = prestart();
  dead.kill('SIGKILL');
  await exited(dead);
  const log2 = await run('dead', [CP, 'pre2'], { child: dead, prefix: [CP] });
  assert.match(log2, /started whole \["pre2"\] env dead/);
});
