// Clusters by name, as kind and k3d keep them: ~/.k8ts/NAME, context k8ts-NAME, a port of their
// own; `ls`, `delete`; options kept in config.yaml across down/up and taken from --config;
// the kubeconfig under sudo; two `up` at once; and the verbs' help, version and completion.
// HOME is a temp dir, so ~/.k8ts and ~/.kube/config are the test's own.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { CLI, KUBECTL, killCluster, run } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-clusters-'));
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extra };
  delete e.KUBECONFIG;
  delete e.K8TS_DATA_DIR;
  delete e.K8TS_HOME;
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete e[k];
  return e;
};
const k8ts = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [CLI, ...args], { env: env(extra), timeoutMs: 120_000 });
const kubeconfig = () => YAML.parse(fs.readFileSync(path.join(home, '.kube', 'config'), 'utf8'));
const kubectl = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  run(KUBECTL, ['--cache-dir', path.join(home, 'kube-cache'), ...args], { env: env(extra) });

after(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

describe('clusters by name', () => {
  let blocker: net.Server | undefined;
  before(async () => {
    // 6443 taken, as by another cluster or program: new clusters must pick another port.
    blocker = net.createServer();
    await new Promise<void>((resolve) => {
      blocker!.once('error', () => {
        blocker = undefined;
        resolve();
      });
      blocker!.listen(6443, '127.0.0.1', () => resolve());
    });
  });
  after(async () => {
    for (const name of fs.existsSync(path.join(home, '.k8ts')) ? fs.readdirSync(path.join(home, '.k8ts')) : []) {
      await k8ts(['down', '--name', name]).catch(() => undefined);
      killCluster(path.join(home, '.k8ts', name));
    }
    await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
  });

  test('two clusters side by side, each with its own context and port; ls shows both; delete removes one', async () => {
    const a = await k8ts(['up', '--name', 'one', '--no-node']);
    assert.equal(a.code, 0, a.stderr + a.stdout);
    assert.match(a.stdout, /port 6443 is taken; this cluster uses \d+/);
    const b = await k8ts(['up', '--name', 'two', '--no-node']);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    const portOne = Number(/127\.0\.0\.1:(\d+)/.exec(a.stdout)![1]);
    const portTwo = Number(/127\.0\.0\.1:(\d+)/.exec(b.stdout)![1]);
    assert.notEqual(portOne, 6443);
    assert.notEqual(portOne, portTwo);
    // Each data dir is private and holds a config a person can read.
    for (const n of ['one', 'two']) {
      const dir = path.join(home, '.k8ts', n);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      const cfg = YAML.parse(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8'));
      assert.equal(cfg.name, n);
    }
    const c1 = YAML.parse(fs.readFileSync(path.join(home, '.k8ts', 'one', 'config.yaml'), 'utf8'));
    const c2 = YAML.parse(fs.readFileSync(path.join(home, '.k8ts', 'two', 'config.yaml'), 'utf8'));
    assert.notEqual(c1.bridge, c2.bridge, 'clusters side by side get distinct bridges');
    assert.notEqual(c1.podCIDR, c2.podCIDR);

    const cfg = kubeconfig();
    assert.deepEqual(cfg.contexts.map((c: { name: string }) => c.name).sort(), ['k8ts-one', 'k8ts-two']);
    assert.equal(cfg['current-context'], 'k8ts-two');
    await kubectl(['--context', 'k8ts-one', 'create', 'configmap', 'only-in-one']);
    assert.equal((await kubectl(['--context', 'k8ts-one', 'get', 'configmap', 'only-in-one'])).code, 0);
    assert.notEqual((await kubectl(['--context', 'k8ts-two', 'get', 'configmap', 'only-in-one'])).code, 0, 'two is another cluster');

    const ls = await k8ts(['ls']);
    assert.match(ls.stdout, new RegExp(`^one\\s+running\\s+https://127\\.0\\.0\\.1:${portOne}\\s+k8ts-one`, 'm'));
    assert.match(ls.stdout, new RegExp(`^two\\s+running\\s+https://127\\.0\\.0\\.1:${portTwo}\\s+k8ts-two`, 'm'));
    assert.deepEqual((await k8ts(['ls', '-q'])).stdout.trim().split('\n'), ['one', 'two']);

    // `k8ts kubeconfig` prints one cluster's own kubeconfig, usable as it is.
    const kc = await k8ts(['kubeconfig', '--name', 'one']);
    assert.equal(kc.code, 0, kc.stderr);
    const file = path.join(home, 'one.yaml');
    fs.writeFileSync(file, kc.stdout);
    assert.equal((await kubectl(['--kubeconfig', file, 'get', 'configmap', 'only-in-one'])).code, 0);

    const d = await k8ts(['delete', '--name', 'one']);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /Deleted k8ts cluster "one"/);
    assert.ok(!fs.existsSync(path.join(home, '.k8ts', 'one')), 'its data dir is gone');
    const after1 = kubeconfig();
    assert.deepEqual(
      after1.contexts.map((c: { name: string }) => c.name),
      ['k8ts-two'],
    );
    assert.deepEqual(
      after1.clusters.map((c: { name: string }) => c.name),
      ['k8ts-two'],
    );
    const ls2 = await k8ts(['ls']);
    assert.doesNotMatch(ls2.stdout, /^one\s/m);
    assert.match(ls2.stdout, /^two\s+running/m);
    assert.equal((await kubectl(['--context', 'k8ts-two', 'get', 'ns', 'default'])).code, 0, 'the other cluster still answers');
    assert.equal((await k8ts(['delete', '--name', 'two'])).code, 0);
  });

  test('up, down, up with options brings back the same options; --config takes the same file', async () => {
    const u = await k8ts(['up', '--name', 'opts', '--no-node', '--simulated-nodes', '2', '--node-grace-period', '40', '--port', '0']);
    assert.equal(u.code, 0, u.stderr + u.stdout);
    const nodes = async () =>
      (await kubectl(['--context', 'k8ts-opts', 'get', 'nodes', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean);
    const deadline = Date.now() + 30_000;
    while ((await nodes()).length !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal((await nodes()).length, 2);
    assert.equal((await k8ts(['down', '--name', 'opts'])).code, 0);
    const cfg = YAML.parse(fs.readFileSync(path.join(home, '.k8ts', 'opts', 'config.yaml'), 'utf8'));
    assert.deepEqual(
      { node: cfg.node, simulatedNodes: cfg.simulatedNodes, nodeGracePeriodSeconds: cfg.nodeGracePeriodSeconds, port: cfg.port },
      { node: false, simulatedNodes: 2, nodeGracePeriodSeconds: 40, port: 0 },
    );
    // No options this time: the same cluster comes back.
    const again = await k8ts(['up', '--name', 'opts']);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.match(again.stdout, /node:\s+none on this machine/);
    // The simulated-node count is asked for again (k8ts nodes simulate's ConfigMap).
    const cm = await kubectl([
      '--context',
      'k8ts-opts',
      'get',
      'configmap',
      '-n',
      'kube-system',
      'k8ts-simulated-nodes',
      '-o',
      'jsonpath={.data.nodes}',
    ]);
    assert.equal(cm.stdout, '2');
    const lease = await kubectl(['--context', 'k8ts-opts', 'get', 'lease', '-n', 'kube-node-lease', '-o', 'name']);
    assert.ok(lease.stdout.trim().split('\n').length >= 2, lease.stdout);
    assert.equal((await k8ts(['delete', '--name', 'opts'])).code, 0);

    // The same format, from a file, names and shapes a new cluster.
    const file = path.join(home, 'cluster.yaml');
    fs.writeFileSync(file, '# a cluster for the demo\nname: fromfile\nport: 0\nnode: false\nsimulatedNodes: 1\n');
    const f = await k8ts(['up', '--config', file]);
    assert.equal(f.code, 0, f.stderr + f.stdout);
    assert.match(f.stdout, /cluster "fromfile" is running/);
    const kept = YAML.parse(fs.readFileSync(path.join(home, '.k8ts', 'fromfile', 'config.yaml'), 'utf8'));
    assert.equal(kept.simulatedNodes, 1);
    assert.equal((await k8ts(['delete', '--name', 'fromfile'])).code, 0);

    // A bad file is refused plainly, before anything starts.
    fs.writeFileSync(file, 'name: x\nprot: 7\n');
    const bad = await k8ts(['up', '--config', file]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown option "prot"/);
  });

  test('two up at once on a new cluster: one CA, one token, one control plane; both succeed', async () => {
    const [a, b] = await Promise.all([
      k8ts(['up', '--name', 'race', '--no-node', '--port', '0']),
      k8ts(['up', '--name', 'race', '--no-node', '--port', '0']),
    ]);
    assert.equal(a.code, 0, a.stderr + a.stdout);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    assert.ok(
      [a.stdout, b.stdout].some((o) => /already running/.test(o)),
      "the second one found the first one's cluster",
    );
    const dir = path.join(home, '.k8ts', 'race');
    const ca = fs.readFileSync(path.join(dir, 'pki', 'ca.crt'), 'utf8');
    const cfg = kubeconfig();
    const entry = cfg.clusters.find((c: { name: string }) => c.name === 'k8ts-race');
    assert.equal(
      Buffer.from(entry.cluster['certificate-authority-data'], 'base64').toString(),
      ca,
      'the kubeconfig trusts the CA the server uses',
    );
    assert.equal((await kubectl(['--context', 'k8ts-race', 'get', 'ns', 'default'])).code, 0);
    assert.equal((await k8ts(['delete', '--name', 'race'])).code, 0);
  });

  test('under sudo the kubeconfig is written for the user who ran it, and the message says so', {
    skip: root ? false : 'needs root (useradd, chown)',
  }, async () => {
    const user = `k8tsu${process.pid % 100000}`;
    const userHome = path.join(home, 'home', user);
    fs.mkdirSync(userHome, { recursive: true });
    // The user must be able to reach their home through the test's temp folder.
    fs.chmodSync(home, 0o755);
    fs.chmodSync(path.dirname(userHome), 0o755);
    execFileSync('useradd', ['-M', '-d', userHome, '-s', '/bin/sh', user]);
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      fs.chownSync(userHome, uid, gid);
      // What sudo sets; HOME stays root's (sudo's default on Debian keeps the data dir there).
      const sudo = { SUDO_USER: user, SUDO_UID: String(uid), SUDO_GID: String(gid) };
      const u = await k8ts(['up', '--name', 'sudo', '--no-node', '--port', '0', '--kubeconfig-mode', '640'], sudo);
      assert.equal(u.code, 0, u.stderr + u.stdout);
      const file = path.join(userHome, '.kube', 'config');
      assert.match(
        u.stdout,
        new RegExp(
          `kubeconfig: ${file.replace(/[.]/g, '\\.')} \\(context k8ts-sudo, now current; written for ${user}, who ran sudo, and owned by ${user}\\)`,
        ),
      );
      const st = fs.statSync(file);
      assert.equal(st.uid, uid);
      assert.equal(st.gid, gid);
      assert.equal(st.mode & 0o777, 0o640);
      assert.equal(fs.statSync(path.dirname(file)).uid, uid, 'the .kube folder is theirs');
      assert.ok(
        !fs.existsSync(path.join(home, '.kube', 'config')) || !kubeconfig().contexts?.some((c: { name: string }) => c.name === 'k8ts-sudo'),
        "root's kubeconfig did not get it",
      );
      // The user's own kubectl, as that user, finds and uses it.
      const r = await run(
        'runuser',
        ['-u', user, '--', KUBECTL, '--cache-dir', path.join(userHome, '.kube', 'cache'), 'get', 'ns', 'default'],
        { env: { PATH: process.env.PATH, HOME: userHome } },
      );
      assert.equal(r.code, 0, r.stderr);
      // delete takes it out of the user's kubeconfig again.
      assert.equal((await k8ts(['delete', '--name', 'sudo'], sudo)).code, 0);
      assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /k8ts-sudo/);
    } finally {
      await k8ts(['down', '--name', 'sudo']).catch(() => undefined);
      try {
        execFileSync('userdel', [user]);
      } catch {
        /* gone */
      }
    }
  });
});

describe('help, version and completion', () => {
  const verbs = [
    ['up'],
    ['down'],
    ['delete'],
    ['ls'],
    ['status'],
    ['logs'],
    ['kubeconfig'],
    ['kubectl'],
    ['tutorial'],
    ['version'],
    ['completion'],
    ['nodes', 'simulate'],
    ['agent'],
    ['image', 'import'],
    ['image', 'ls'],
    ['image', 'rm'],
    ['fleetlock', 'ls'],
    ['fleetlock', 'release'],
  ];

  test("every verb's help has examples; required options are marked; internal ones are hidden", async () => {
    for (const v of verbs) {
      const r = await k8ts(v[0] === 'kubectl' ? ['help', 'kubectl'] : [...v, '--help']);
      assert.equal(r.code, 0, `${v.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /\nExamples:\n {2}\S/, `k8ts ${v.join(' ')} --help has no examples`);
    }
    const agent = (await k8ts(['agent', '--help'])).stdout;
    assert.match(agent, /--server <url>\s+\(required\)/);
    assert.match((await k8ts(['image', 'import', '--help'])).stdout, /--tag <name>\s+\(required\)/);
    const top = (await k8ts(['--help'])).stdout;
    for (const hidden of ['supervise', 'serve', '__complete']) assert.doesNotMatch(top, new RegExp(`^\\s+${hidden}\\b`, 'm'));
    assert.doesNotMatch((await k8ts(['up', '--help'])).stdout, /--no-kubeconfig/);
    assert.doesNotMatch((await k8ts(['tutorial', '--help'])).stdout, /--skip-tag/);
  });

  test("version prints k8ts' version from package.json and the Kubernetes version it serves", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(path.dirname(CLI), '../../../package.json'), 'utf8')) as { version: string };
    const r = await k8ts(['version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^k8ts version ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(r.stdout, /^Kubernetes version served: v1\.32\.\d+/m);
    assert.equal((await k8ts(['--version'])).stdout.trim(), pkg.version);
  });

  test('bash completion: verbs, options, cluster names for --name, files for --config', async () => {
    fs.mkdirSync(path.join(home, '.k8ts', 'alpha'), { recursive: true });
    fs.writeFileSync(path.join(home, '.k8ts', 'alpha', 'config.yaml'), 'name: alpha\n');
    const script = (await k8ts(['completion', 'bash'])).stdout;
    const bin = path.join(home, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'k8ts'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`, {
      mode: 0o755,
    });
    const complete = async (line: string) => {
      const words = line.split(' ');
      const bash = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _k8ts; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = await run('bash', ['-c', bash], { env: env({ PATH: `${bin}:${process.env.PATH}` }) });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').filter(Boolean);
    };
    assert.deepEqual(await complete('k8ts d'), ['delete', 'down']);
    assert.ok((await complete('k8ts up --')).includes('--name'));
    assert.ok(!(await complete('k8ts up --')).includes('--no-kubeconfig'), 'hidden options are not offered');
    assert.deepEqual(await complete('k8ts down --name al'), ['alpha']);
    assert.deepEqual(await complete('k8ts completion '), ['bash', 'zsh']);
    assert.deepEqual(await complete('k8ts image '), ['import', 'load', 'ls', 'pull', 'rm']);
    fs.writeFileSync(path.join(home, 'cfg-for-completion.yaml'), '');
    assert.deepEqual(await complete(`k8ts up --config ${path.join(home, 'cfg-for-')}`), [path.join(home, 'cfg-for-completion.yaml')]);
    fs.rmSync(path.join(home, '.k8ts', 'alpha'), { recursive: true });
  });

  test('zsh completion offers the same candidates', {
    skip: fs.existsSync('/bin/zsh') || fs.existsSync('/usr/bin/zsh') ? false : 'zsh is not installed (.ci/run installs it)',
  }, async () => {
    const script = (await k8ts(['completion', 'zsh'])).stdout;
    const bin = path.join(home, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'k8ts'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`, {
      mode: 0o755,
    });
    // compadd and compdef exist only inside zsh's completion system: stand-ins print what they get.
    const zsh = `compdef() { :; }\ncompadd() { print -l -- "\${@[2,-1]}"; }\n_files() { print __files; }\n${script}\nwords=(k8ts d); CURRENT=2; _k8ts`;
    const r = await run('zsh', ['-f', '-c', zsh], { env: env({ PATH: `${bin}:${process.env.PATH}` }) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['delete', 'down']);
  });
});
