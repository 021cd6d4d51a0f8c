// The k8ts command itself: up/status/down and state kept across them, kubeconfig merging,
// image import/ls/rm, bad arguments, and `k8ts agent` joining a second node.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { cleanupNode } from '../../src/testing/nodecleanup.js';
import { CLI, run, spawnCollecting, TestCluster } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const cluster = new TestCluster('cli', 'sqlite');
const k8ts = (args: string[], env?: NodeJS.ProcessEnv) =>
  run(process.execPath, [CLI, ...args], { env: env ?? cluster.env(), timeoutMs: 90_000 });

/** `k8ts token create --print-join-command`'s command, from `agent` on: a new bootstrap token and the CA's hash. */
async function joinCommand(): Promise<string[]> {
  const r = await k8ts(['token', 'create', '--print-join-command', '--data-dir', cluster.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  const args = r.stdout.trim().split(/\s+/);
  assert.deepEqual(args.slice(0, 3), ['k8ts', 'agent', '--server'], r.stdout);
  return args.slice(1);
}

describe('k8ts CLI', () => {
  before(async () => {
    await cluster.up(['--no-node']);
  });
  after(async () => {
    await cluster.stop();
  });

  test('up returns with the default ServiceAccount made (a first kubectl run needs it)', async () => {
    // The first test after `up` on a new data dir: nothing has waited for the controllers since.
    assert.equal((await cluster.k('get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name')).trim(), 'serviceaccount/default');
  });

  test('up on a running data dir says so and exits 0; status says what runs where', async () => {
    const r = await k8ts(['up', '--data-dir', cluster.dataDir, '--port', '0', '--kubeconfig', cluster.kubeconfig, '--no-node']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already running at https:\/\/127\.0\.0\.1:\d+/);
    const s = await k8ts(['status', '--data-dir', cluster.dataDir]);
    assert.equal(s.code, 0);
    assert.match(s.stdout, /k8ts is running/);
    assert.match(s.stdout, new RegExp(`api server: ${cluster.url.replace(/[.]/g, '\\.')}`));
  });

  test('down keeps state; the next up serves every object again', async () => {
    await cluster.k('create', 'configmap', 'kept', '--from-literal=a=b');
    const d = await cluster.down();
    assert.equal(d.code, 0);
    assert.match(d.stdout, /k8ts stopped/);
    const s = await k8ts(['status', '--data-dir', cluster.dataDir]);
    assert.notEqual(s.code, 0);
    assert.match(s.stdout, /not running/);
    await cluster.up(['--no-node']);
    assert.match(await cluster.k('get', 'configmap', 'kept', '-o', 'jsonpath={.data.a}'), /^b$/);
  });

  test('without --kubeconfig, up merges a k8ts context into $KUBECONFIG and keeps the others', async () => {
    const kc = path.join(cluster.dir, 'merged-config');
    fs.writeFileSync(
      kc,
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'other',
        clusters: [{ name: 'other', cluster: { server: 'https://192.0.2.1:6443' } }],
        users: [{ name: 'other', user: { token: 'x' } }],
        contexts: [{ name: 'other', context: { cluster: 'other', user: 'other' } }],
      }),
    );
    const r = await k8ts(['up', '--data-dir', cluster.dataDir, '--port', '0', '--no-node'], cluster.env({ KUBECONFIG: kc }));
    assert.equal(r.code, 0, r.stderr);
    const cfg = YAML.parse(fs.readFileSync(kc, 'utf8'));
    assert.equal(cfg['current-context'], 'k8ts');
    assert.deepEqual(cfg.contexts.map((c: { name: string }) => c.name).sort(), ['k8ts', 'other']);
    const g = await run('kubectl', ['--cache-dir', cluster.cacheDir, 'get', 'configmap', 'kept'], { env: cluster.env({ KUBECONFIG: kc }) });
    assert.equal(g.code, 0, g.stderr);
  });

  test('bad arguments get a plain message and a non-zero exit', async () => {
    const a = await k8ts(['up', '--store', 'bogus', '--data-dir', path.join(cluster.dir, 'x')]);
    assert.notEqual(a.code, 0);
    assert.match(a.stderr, /bogus/);
    const b = await k8ts(['up', '--port', 'abc', '--data-dir', path.join(cluster.dir, 'y')]);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, /--port must be a whole number from 0 to 65535/);
    const c = await k8ts(['nodes', 'simulate', '-3', '--data-dir', cluster.dataDir]);
    assert.notEqual(c.code, 0);
    const d = await k8ts(['frobnicate']);
    assert.notEqual(d.code, 0);
    assert.match(d.stderr, /unknown command/);
    // Refused before anything starts (they used to fail in the background process, or make an agent's data dir).
    const e = await k8ts(['up', '--pod-cidr', '10.0.0.0/33', '--data-dir', path.join(cluster.dir, 'z')]);
    assert.equal(e.code, 1);
    assert.equal(
      e.stderr.trim(),
      'k8ts: --pod-cidr must be an IPv4 CIDR with a prefix from /8 to /30, such as 10.244.0.0/24, got "10.0.0.0/33"',
    );
    const f = await k8ts(['up', '--cluster-cidr', '10.9.0.0/26', '--data-dir', path.join(cluster.dir, 'z')]);
    assert.equal(f.code, 1);
    assert.equal(f.stderr.trim(), "k8ts: --node-cidr-mask-size 24 must be between the cluster CIDR's prefix /26 and 30");
    const tokenFile = path.join(cluster.dir, 'bad-args-token');
    fs.writeFileSync(tokenFile, 'x');
    for (const [flag, value, message] of [
      ['--name', '../../etc', '--name must be a DNS subdomain, got "../../etc"'],
      ['--bridge', 'a;b', '--bridge must be a network device name of at most 15 characters, got "a;b"'],
      [
        '--pod-cidr',
        '10.0.0.0/31',
        '--pod-cidr must be an IPv4 CIDR with a prefix from /8 to /30, such as 10.244.0.0/24, got "10.0.0.0/31"',
      ],
      ['--port', 'abc', '--port must be a whole number from 0 to 65535, got "abc"'],
    ]) {
      const dir = path.join(cluster.dir, 'bad-agent');
      const g = await k8ts(['agent', '--server', 'https://127.0.0.1:1', '--token-file', tokenFile, '--data-dir', dir, flag, value]);
      assert.equal(g.code, 2, `${flag} ${value}: ${g.stderr}`);
      assert.equal(g.stderr.trim(), `k8ts agent: ${message}`);
      assert.equal(fs.existsSync(dir), false);
    }
  });

  test('image import, ls and rm', async () => {
    const ls = await k8ts(['image', 'ls', '--data-dir', cluster.dataDir]);
    assert.match(ls.stdout, /gcr\.io\/google-samples\/kubernetes-bootcamp\s+v1/);
    assert.match(ls.stdout, /docker\.io\/library\/nginx\s+latest/);
    const src = path.join(cluster.dir, 'myimg');
    fs.mkdirSync(path.join(src, 'rootfs', 'app'), { recursive: true });
    fs.writeFileSync(path.join(src, 'rootfs', 'app', 'hello.txt'), 'hi\n');
    fs.writeFileSync(
      path.join(src, 'image.json'),
      JSON.stringify({ entrypoint: ['cat'], cmd: ['/app/hello.txt'], env: [], workingDir: '/app', exposedPorts: [] }),
    );
    const imp = await k8ts(['image', 'import', src, '--tag', 'myapp:v1', '--data-dir', cluster.dataDir]);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match((await k8ts(['image', 'ls', '--data-dir', cluster.dataDir])).stdout, /docker\.io\/library\/myapp\s+v1/);
    assert.equal((await k8ts(['image', 'rm', 'myapp:v1', '--data-dir', cluster.dataDir])).code, 0);
    assert.doesNotMatch((await k8ts(['image', 'ls', '--data-dir', cluster.dataDir])).stdout, /myapp/);
    const bad = await k8ts(['image', 'rm', 'nosuch:v9', '--data-dir', cluster.dataDir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no such image: nosuch:v9/);
  });

  test('k8ts agent joins a second node that runs pods', { skip: root ? false : 'needs root on Linux' }, async () => {
    const agentDir = path.join(cluster.dir, 'agent');
    const { child, output } = spawnCollecting(process.execPath, [
      CLI,
      // The command `k8ts token create --print-join-command` prints: a bootstrap token and the CA's hash.
      ...(await joinCommand()),
      '--name',
      'joined-1',
      '--data-dir',
      agentDir,
      '--pod-cidr',
      '10.253.0.0/24',
      '--bridge',
      'k8tsag0',
      '--node-ip',
      '127.0.0.1',
      '--port',
      '0',
    ]);
    try {
      await cluster.waitFor('node joined', async () => /joined-1\s+Ready/.test(await cluster.k('get', 'nodes')), 30_000);
      await cluster.k(
        'run',
        'on-agent',
        '--image=gcr.io/google-samples/kubernetes-bootcamp:v1',
        '--overrides',
        JSON.stringify({ spec: { nodeName: 'joined-1' } }),
      );
      await cluster.k('wait', '--for=condition=Ready', 'pod/on-agent', '--timeout=60s');
      const ip = await cluster.k('get', 'pod', 'on-agent', '-o', 'jsonpath={.status.podIP}');
      assert.match(ip, /^10\.253\.0\.\d+$/);
      assert.match(await cluster.k('exec', 'on-agent', '--', 'hostname'), /^on-agent$/m);
      assert.match(await cluster.k('logs', 'on-agent'), /Kubernetes Bootcamp App Started At/);
      // The joined node runs cluster DNS on its own bridge gateway, an endpoint of kube-dns for its pods.
      assert.equal(
        await cluster.k(
          'get',
          'endpointslice',
          '-n',
          'kube-system',
          'kube-dns-joined-1',
          '-o',
          'jsonpath={.endpoints[0].addresses[0]}/{.endpoints[0].nodeName}',
        ),
        '10.253.0.1/joined-1',
      );
      assert.match(await cluster.k('exec', 'on-agent', '--', 'cat', '/etc/resolv.conf'), /^nameserver 10\.96\.0\.10$/m);
      await cluster.k('delete', 'pod', 'on-agent', '--timeout=60s');
    } catch (e) {
      throw new Error(`${(e as Error).message}\nagent output:\n${output()}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => {
        if (child.exitCode !== null) r(undefined);
        else child.once('exit', r);
      });
      // A stopped agent keeps its pods, their mounts and its node's network for its next start
      // (killPods false): the test removes them.
      await cleanupNode(agentDir, 'k8tsag0');
      try {
        execFileSync('ip', ['link', 'del', 'k8tsag0'], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
      try {
        execFileSync('nft', ['delete', 'table', 'ip', 'k8ts_k8tsag0'], { stdio: 'ignore' });
      } catch {
        /* none */
      }
      try {
        execFileSync('nft', ['delete', 'table', 'ip', 'k8ts-proxy-k8tsag0'], { stdio: 'ignore' });
      } catch {
        /* none */
      }
      await cluster.kubectl(['delete', 'node', 'joined-1']);
    }
  });

  test('k8ts agent --token-file keeps the token out of ps, and so does --token (a bootstrap token) (issue #7)', async () => {
    const tag = `${process.pid % 10000}`;
    const runAgent = async (name: string, bridge: string, cidr: string, tokenArgs: string[]) => {
      const { child, output } = spawnCollecting(process.execPath, [
        CLI,
        'agent',
        '--server',
        cluster.url,
        ...tokenArgs,
        '--ca-file',
        path.join(cluster.dataDir, 'pki', 'ca.crt'),
        '--name',
        name,
        '--data-dir',
        path.join(cluster.dir, name),
        '--pod-cidr',
        cidr,
        '--bridge',
        bridge,
        '--node-ip',
        '127.0.0.1',
        '--port',
        '0',
      ]);
      try {
        await cluster.waitFor(`node ${name} registered`, async () => (await cluster.kubectl(['get', 'node', name])).code === 0, 30_000);
        // What any local user sees of the agent's command line.
        const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
        return { out: output(), cmdline };
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => {
          if (child.exitCode !== null) r(undefined);
          else child.once('exit', r);
        });
        // The agent leaves its network for the pods it would adopt; the test removes it.
        if (root) {
          try {
            execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
          } catch {
            /* not made */
          }
          try {
            execFileSync('nft', ['delete', 'table', 'ip', `k8ts_${bridge}`], { stdio: 'ignore' });
          } catch {
            /* not made */
          }
          try {
            execFileSync('nft', ['delete', 'table', 'ip', `k8ts-proxy-${bridge}`], { stdio: 'ignore' });
          } catch {
            /* not made */
          }
          // Its bridge lock's files (the agent ended by a signal keeps them; the name is this test's).
          for (const f of [`/run/k8ts/bridge-${bridge}.lock`, `/run/k8ts/bridge-${bridge}.lock.owner`]) fs.rmSync(f, { force: true });
        }
        await cluster.kubectl(['delete', 'node', name]);
      }
    };
    const fromFile = await runAgent(`tokfile-${tag}`, `k8tsf${tag}`, '10.252.1.0/24', [
      '--token-file',
      path.join(cluster.dataDir, 'token'),
    ]);
    assert.ok(!fromFile.cmdline.includes(cluster.token), 'the token is on the command line');
    assert.doesNotMatch(fromFile.out, /warning/);
    const join = await joinCommand();
    const bootstrapToken = join[join.indexOf('--token') + 1];
    const inline = await runAgent(`tokarg-${tag}`, `k8tsg${tag}`, '10.252.2.0/24', join.slice(3));
    assert.ok(!inline.cmdline.includes(bootstrapToken), 'the agent did not take the token out of its command line once started');
    // An admin's bearer token is not a bootstrap token: --token refuses it (it belongs in --token-file).
    const bearer = await k8ts(['agent', '--server', cluster.url, '--token', cluster.token]);
    assert.equal(bearer.code, 2);
    assert.match(bearer.stderr, /--token must be a bootstrap token/);
    // Bad input: both, neither, an empty or missing file.
    const both = await k8ts(['agent', '--server', cluster.url, '--token', 'x', '--token-file', 'y']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /not both/);
    const missing = await k8ts(['agent', '--server', cluster.url, '--token-file', path.join(cluster.dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read --token-file/);
    const none = await k8ts(['agent', '--server', cluster.url]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--token-file/);
  });
});
