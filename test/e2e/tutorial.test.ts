// `k8ts tutorial`: --yes runs SCENARIO.md through on a fresh cluster and leaves nothing behind;
// the interactive mode, driven through a pseudo-terminal (python's pty), runs one step on Enter,
// checks a typed command (a wrong one, then the right one), stops on q and resumes.
// Steps tagged `services` (curl through a NodePort) need a service proxy: they run once one is
// built (src/proxy), and are left out before.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STEPS } from '../../src/cli/tutorial-steps.js';
import { CLI, run, TestCluster } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const servicesBuilt = fs.existsSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/proxy'));
const skipTags = servicesBuilt ? [] : ['--skip-tag', 'services'];
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Runs argv in a pseudo-terminal; our stdin goes to it, its screen to our stdout. */
const PTY_DRIVER = `
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.environ['TERM'] = 'dumb'
    os.execv(sys.argv[1], sys.argv[1:])
stdin = sys.stdin.fileno()
out = sys.stdout.buffer
open_in = True
while True:
    r, _, _ = select.select([fd] + ([stdin] if open_in else []), [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out.write(data); out.flush()
    if open_in and stdin in r:
        data = os.read(stdin, 65536)
        if not data:
            open_in = False
        else:
            os.write(fd, data)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

describe('k8ts tutorial', { skip: root ? false : 'pods need a real node (root)' }, () => {
  const cluster = new TestCluster('tutorial', 'sqlite');
  before(async () => {
    await cluster.up();
  });
  after(async () => {
    await cluster.kubectl(['delete', 'deployment', 'kubernetes-bootcamp', '--ignore-not-found', '--wait=true', '--timeout=60s']);
    await cluster.kubectl(['delete', 'service', 'kubernetes-bootcamp', '--ignore-not-found']);
    await cluster.stop();
  });

  const state = async () => ({
    objects: (await cluster.k('get', 'deployments,replicasets,pods,services', '-o', 'name')).trim().split('\n').filter(Boolean).sort(),
    namespaces: (await cluster.k('get', 'namespaces', '-o', 'name')).trim(),
    unschedulable: (await cluster.k('get', 'nodes', '-o', 'jsonpath={.items[*].spec.unschedulable}')).trim(),
  });

  test('interactive, in a terminal: Enter runs a step, a typed command is checked, q stops, --resume continues', async () => {
    const script = path.join(cluster.dir, 'ptydriver.py');
    fs.writeFileSync(script, PTY_DRIVER);
    const child = spawn(python, [script, process.execPath, CLI, 'tutorial', '--data-dir', cluster.dataDir, ...skipTags], {
      env: cluster.env({ PATH: process.env.PATH }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d) => {
      screen += String(d);
    });
    child.stderr.on('data', (d) => {
      screen += String(d);
    });
    let from = 0;
    const expectScreen = async (re: RegExp, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(screen.slice(from));
        if (m) {
          from += m.index + m[0].length;
          return m;
        }
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`the tutorial never showed ${re}; the screen:\n${screen.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const type = (s: string) => child.stdin.write(s);
    try {
      await expectScreen(/Step 1 of \d+ · A cluster · Meet the cluster/);
      await expectScreen(/\$ kubectl get nodes/);
      await expectScreen(/Press Enter to run it, or type the command yourself \(q to stop\): /);
      type('\n');
      await expectScreen(/NAME\s+STATUS\s+ROLES/);
      await expectScreen(/What to look at:\s+- ".*Ready.*": this node is Ready/);
      await expectScreen(/Press Enter for the next step \(q to stop\): /);
      type('\n');
      await expectScreen(/Step 2 of \d+ · Pods, through a Deployment/);
      await expectScreen(/\$ kubectl create deployment kubernetes-bootcamp --image=gcr\.io\/google-samples\/kubernetes-bootcamp:v1/);
      await expectScreen(/type the command yourself \(q to stop\): /);
      type('kubectl create deployment bootcamp\n');
      await expectScreen(/That is not quite it\. The command is:/);
      assert.equal((await cluster.kubectl(['get', 'deployment', 'bootcamp'])).code, 1, 'a wrong command is not run');
      type('kubectl  create deployment "kubernetes-bootcamp" --image=gcr.io/google-samples/kubernetes-bootcamp:v1\n');
      await expectScreen(/Right, that is the command\. Running it:/);
      await expectScreen(/deployment\.apps\/kubernetes-bootcamp created/);
      await expectScreen(/Press Enter for the next step \(q to stop\): /);
      type('q\n');
      await expectScreen(/Stopped after step 2\. Continue with: k8ts tutorial --data-dir \S+ --resume/);
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      assert.equal(child.exitCode, 0);
    } finally {
      child.kill('SIGKILL');
    }
    // Left where the learner stopped: the Deployment stays for the next step.
    assert.equal((await cluster.kubectl(['get', 'deployment', 'kubernetes-bootcamp'])).code, 0);
    assert.equal(JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'tutorial.json'), 'utf8')).next, 2);

    // --resume picks up at step 3 (in a terminal again), and stops on q at once.
    const resumed = await run(python, [script, process.execPath, CLI, 'tutorial', '--data-dir', cluster.dataDir, '--resume', ...skipTags], {
      env: cluster.env(),
      input: 'q\n',
      timeoutMs: 60_000,
    });
    assert.match(resumed.stdout, /Welcome back\. Continuing at step 3 of \d+\./);
    assert.match(resumed.stdout, /Step 3 of \d+ · Pods, through a Deployment · Is the app running\?/);
    assert.match(resumed.stdout, /Stopped at step 3/);
  });

  test('without a terminal and without --yes it says what to do', async () => {
    const r = await run(process.execPath, [CLI, 'tutorial', '--data-dir', cluster.dataDir], { env: cluster.env(), input: '' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs a terminal.*--yes/s);
  });

  test('--yes runs SCENARIO.md through and leaves nothing behind', async () => {
    // What a fresh cluster has (the interactive test's leftovers are cleaned up by this run first).
    const r = await run(process.execPath, [CLI, 'tutorial', '--data-dir', cluster.dataDir, '--yes', ...skipTags], {
      env: cluster.env(),
      timeoutMs: 900_000,
    });
    assert.equal(r.code, 0, `${r.stdout.slice(-4000)}\n${r.stderr}`);
    const total = Number(/Step 1 of (\d+)/.exec(r.stdout)![1]);
    const shown = [...r.stdout.matchAll(/^Step (\d+) of \d+ · /gm)].map((m) => Number(m[1]));
    const skipped = servicesBuilt ? 0 : STEPS.filter((st) => st.tags?.includes('services')).length;
    assert.equal(shown.length, total - skipped, `steps shown: ${shown.join(',')}`);
    for (const want of [
      /deployment\.apps\/kubernetes-bootcamp created/,
      /kubernetes-bootcamp\s+1\/1\s+1\s+1/,
      /Kubernetes Bootcamp App Started At/,
      /HOSTNAME=kubernetes-bootcamp-/,
      /Hello Kubernetes bootcamp! \| Running on: kubernetes-bootcamp-\S+ \| v=1/,
      /replicaset\.apps "kubernetes-bootcamp-[a-z0-9]+" deleted/,
      /service\/kubernetes-bootcamp exposed/,
      /Endpoints:\s+10\.\d+\.\d+\.\d+:8080,10\.\d+\.\d+\.\d+:8080/,
      /deployment "kubernetes-bootcamp" successfully rolled out/,
      /ErrImagePull|ImagePullBackOff/,
      /deployment\.apps\/kubernetes-bootcamp rolled back/,
      /SchedulingDisabled/,
      /Done: the cluster is as it was before the tutorial\./,
    ])
      assert.match(r.stdout, want);
    if (servicesBuilt) assert.match(r.stdout, /\| v=2/);
    assert.equal((r.stdout.match(/What to look at:/g) ?? []).length, shown.length, 'every step points at its output');
    const s = await state();
    assert.deepEqual(s.objects, ['service/kubernetes'], 'nothing the tutorial made is left');
    assert.equal(s.namespaces, 'namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system');
    assert.equal(s.unschedulable, '', 'the node takes work again');
    assert.ok(!fs.existsSync(path.join(cluster.dataDir, 'tutorial.json')));
  });
});
