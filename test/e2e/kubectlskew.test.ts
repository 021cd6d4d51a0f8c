// Version skew: kubectl one minor below (1.31) and one above (1.33) the served version run the
// core of the kubectl suite against `k8ts up` with a node: create, get, apply (client- and
// server-side), rollout (status, set image, history, undo), logs, exec (websocket, and SPDY
// when told to) and port-forward (websocket tunnel, and SPDY when told to). The binaries come
// from kubectlversions.ts.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { isRoot, ownNodeArgs, type RunResult, run, TestCluster } from './harness.js';
import { KUBECTL_RELEASES, kubectlBinary } from './kubectlversions.js';

const cluster = new TestCluster('skew', 'memory');
const children = new Set<ChildProcess>();

describe(`kubectl 1.31 and 1.33 against k8ts${isRoot ? '' : ' (pods as host processes)'}`, () => {
  before(async () => {
    await cluster.up(ownNodeArgs('sk'));
    await cluster.waitFor('the node Ready', async () => / Ready /.test(await cluster.k('get', 'nodes', '--no-headers')), 60_000);
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await cluster.stop();
  });

  for (const minor of Object.keys(KUBECTL_RELEASES) as (keyof typeof KUBECTL_RELEASES)[]) {
    describe(`kubectl ${minor}`, () => {
      let bin = '';
      const ns = `skew-${minor.replace('.', '-')}`;
      const kc = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> =>
        run(bin, ['--cache-dir', `${cluster.cacheDir}-${minor}`, '-n', ns, ...args], {
          env: cluster.env(opts.env),
          input: opts.input,
          timeoutMs: 120_000,
        });
      const k = async (...args: string[]): Promise<string> => {
        const r = await kc(args);
        assert.equal(r.code, 0, `kubectl ${minor} ${args.join(' ')}:\n${r.stderr}${r.stdout}`);
        return r.stdout;
      };
      let pod = '';

      before(async () => {
        bin = await kubectlBinary(minor);
        await cluster.k('create', 'namespace', ns);
      });

      test('version: the client is the skewed one, the server v1.32', async () => {
        const v = JSON.parse(await k('version', '-o', 'json')) as {
          clientVersion: { gitVersion: string };
          serverVersion: { major: string; minor: string };
        };
        assert.equal(v.clientVersion.gitVersion, KUBECTL_RELEASES[minor].gitVersion);
        assert.equal(`${v.serverVersion.major}.${v.serverVersion.minor}`, '1.32');
      });

      test('create and get', async () => {
        await k('create', 'deployment', 'web', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1');
        await k('create', 'configmap', 'settings', '--from-literal=mode=skew');
        assert.match(await k('get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode}'), /^skew$/);
        await k('rollout', 'status', 'deployment/web', '--timeout=90s');
        assert.match(await k('get', 'deployments'), /^web\s+1\/1\s+1\s+1\s+/m);
        pod = (await k('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
        assert.match(pod, /^web-[a-z0-9]+-[a-z0-9]{5}$/);
        assert.match(await k('get', 'pods', '-o', 'wide'), new RegExp(`^${pod}\\s+1/1\\s+Running\\s+0\\s+`, 'm'));
        const yaml = await k('get', 'deployment', 'web', '-o', 'yaml');
        assert.match(yaml, /^kind: Deployment$/m);
      });

      test('apply, client-side then server-side', async () => {
        const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  key: "${v}"\n`;
        assert.match(await kc(['apply', '-f', '-'], { input: cm('one') }).then((r) => r.stdout + r.stderr), /configmap\/applied created/);
        assert.match(
          await kc(['apply', '-f', '-'], { input: cm('two') }).then((r) => r.stdout + r.stderr),
          /configmap\/applied configured/,
        );
        const got = JSON.parse(await k('get', 'configmap', 'applied', '-o', 'json')) as {
          data: { key: string };
          metadata: { annotations: Record<string, string> };
        };
        assert.equal(got.data.key, 'two');
        assert.ok(got.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
        const ss = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: server-applied\ndata:\n  key: "${v}"\n`;
        let r = await kc(['apply', '--server-side', '-f', '-'], { input: ss('a') });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /configmap\/server-applied serverside-applied/);
        r = await kc(['apply', '--server-side', '--field-manager=other', '-f', '-'], { input: ss('b') });
        assert.notEqual(r.code, 0, 'a second manager changing the field conflicts');
        assert.match(r.stderr, /conflict/i);
        r = await kc(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], { input: ss('b') });
        assert.equal(r.code, 0, r.stderr);
        assert.match(await k('get', 'configmap', 'server-applied', '-o', 'jsonpath={.data.key}'), /^b$/);
      });

      test('logs', async () => {
        assert.match(await k('logs', pod), new RegExp(`Kubernetes Bootcamp App Started At: .* \\| Running On:\\s+${pod}`));
        // The app's first line ends in an empty one (its log call adds a newline of its own).
        assert.match(await k('logs', 'deployment/web', '--tail=2'), /^Kubernetes Bootcamp App Started At.*\n\n$/);
      });

      for (const transport of ['websocket', 'spdy'] as const) {
        const env = transport === 'spdy' ? { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } : {};

        test(`exec over ${transport}: output, exit code, stdin`, async () => {
          // At -v=4 kubectl says when it falls back from websockets to SPDY: it must not have to.
          const r = await kc(['-v=4', 'exec', pod, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { env });
          assert.equal(r.code, 3, r.stderr);
          assert.equal(r.stdout, 'out\n');
          assert.match(r.stderr, /err/);
          assert.doesNotMatch(r.stderr, /fallback/i);
          const i = await kc(['exec', '-i', pod, '--', 'sh', '-c', 'tr a-z A-Z'], { env, input: 'through stdin\n' });
          assert.equal(i.code, 0, i.stderr);
          assert.equal(i.stdout, 'THROUGH STDIN\n');
        });

        test(`port-forward over ${transport}`, async () => {
          const child = spawn(
            bin,
            ['--cache-dir', `${cluster.cacheDir}-${minor}`, '-n', ns, '-v=4', 'port-forward', `pod/${pod}`, ':8080'],
            { env: cluster.env(env), stdio: ['ignore', 'pipe', 'pipe'] },
          );
          children.add(child);
          let out = '';
          child.stdout!.on('data', (d) => {
            out += d;
          });
          child.stderr!.on('data', (d) => {
            out += d;
          });
          try {
            const port = await cluster.waitFor('forwarding', async () => Number(/127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1] ?? 0), 30_000);
            const answers = await Promise.all([1, 2].map(() => run('curl', ['-s', '--max-time', '10', `http://127.0.0.1:${port}/`])));
            for (const a of answers) assert.equal(a.stdout, `Hello Kubernetes bootcamp! | Running on: ${pod} | v=1\n`);
            assert.doesNotMatch(out, /fallback/i);
          } finally {
            child.kill('SIGTERM');
            children.delete(child);
          }
        });
      }

      test('rollout: set image, status, history, undo', async () => {
        await k('set', 'image', 'deployment/web', 'kubernetes-bootcamp=docker.io/jocatalin/kubernetes-bootcamp:v2');
        assert.match(await k('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/);
        assert.match(await k('rollout', 'history', 'deployment/web'), /^1\s+<none>\s*$[\s\S]*^2\s+<none>\s*$/m);
        await k('rollout', 'undo', 'deployment/web');
        assert.match(await k('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/);
        assert.match(
          await k('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
          /kubernetes-bootcamp:v1$/,
        );
      });
    });
  }
});
