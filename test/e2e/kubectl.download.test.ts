// `k8ts kubectl ARGS...`: the kubectl on PATH when its version fits the server's; with no
// kubectl on PATH, the release for the server's version, downloaded once from the release site
// (here a loopback server standing in for it, through K8TS_KUBECTL_BASE_URL) and refused when it
// does not match its published sha256.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, KUBECTL, run, TestCluster } from './harness.js';

const cluster = new TestCluster('kubectl-dl', 'memory');

function whichKubectl(): string | undefined {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    const f = path.join(d, KUBECTL);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return fs.realpathSync(f);
    } catch {
      /* next */
    }
  }
  return fs.existsSync(KUBECTL) ? KUBECTL : undefined;
}

describe('k8ts kubectl', () => {
  const real = whichKubectl();
  let server: http.Server | undefined;
  let base = '';
  const requests: string[] = [];
  let corrupt = false;
  const noKubectlPath = path.join(cluster.dir, 'empty-bin');

  before(async () => {
    await cluster.up(['--no-node']);
    fs.mkdirSync(noKubectlPath, { recursive: true });
    if (!real) return;
    const binary = fs.readFileSync(real);
    const sum = createHash('sha256').update(binary).digest('hex');
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const m = /^\/release\/(v[\d.]+)\/bin\/linux\/(amd64|arm64)\/kubectl(\.sha256)?$/.exec(req.url ?? '');
      if (!m) {
        res.writeHead(404).end('not found');
        return;
      }
      if (m[3]) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`${sum}\n`);
        return;
      }
      // A corrupted download: one byte changed in transit.
      const body = corrupt ? Buffer.concat([binary.subarray(0, 1000), Buffer.from([binary[1000] ^ 0xff]), binary.subarray(1001)]) : binary;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server!.address() as { port: number }).port}/release`;
  });
  after(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await cluster.stop();
  });

  const k8ts = (args: string[], env: NodeJS.ProcessEnv) =>
    run(process.execPath, [CLI, 'kubectl', '--data-dir', cluster.dataDir, ...args], { env: cluster.env(env), timeoutMs: 120_000 });

  test('with kubectl on PATH: it runs that kubectl against the cluster, and says nothing of downloads', {
    skip: real ? false : 'no kubectl on PATH',
  }, async () => {
    const r = await k8ts(['get', 'nodes'], { K8TS_KUBECTL_BASE_URL: 'http://127.0.0.1:9/unused' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /No resources found|NAME/);
    const ns = await k8ts(['--', 'get', 'ns', 'kube-system', '-o', 'name'], {});
    assert.equal(ns.stdout.trim(), 'namespace/kube-system');
    assert.doesNotMatch(r.stderr + ns.stderr, /download/);
    // kubectl's own exit code comes through.
    assert.equal((await k8ts(['get', 'pod', 'no-such-pod'], {})).code, 1);
  });

  test("with no kubectl on PATH: the server's release is downloaded once, verified, cached and used; a corrupted one is refused", {
    skip: real ? false : 'no kubectl binary to serve',
  }, async () => {
    const cache = path.join(cluster.dir, 'cache');
    const env = { PATH: noKubectlPath, K8TS_KUBECTL_BASE_URL: base, K8TS_CACHE_DIR: cache };

    corrupt = true;
    const bad = await k8ts(['get', 'nodes'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /does not match its published sha256/);
    const cached = () =>
      fs.existsSync(path.join(cache, 'kubectl'))
        ? fs.readdirSync(path.join(cache, 'kubectl')).flatMap((d) => fs.readdirSync(path.join(cache, 'kubectl', d)))
        : [];
    assert.deepEqual(cached(), [], 'nothing of the corrupted download is kept');

    corrupt = false;
    requests.length = 0;
    const good = await k8ts(['get', 'nodes'], env);
    assert.equal(good.code, 0, good.stderr);
    assert.match(
      good.stderr,
      /downloading kubectl v1\.32\.\d+ from http:\/\/127\.0\.0\.1:\d+\/release\/v1\.32\.\d+\/bin\/linux\/\w+\/kubectl/,
    );
    assert.deepEqual(
      requests.map((u) => u.replace(/v1\.32\.\d+/, 'V').replace(/linux\/\w+/, 'OS')),
      ['/release/V/bin/OS/kubectl.sha256', '/release/V/bin/OS/kubectl'],
    );
    assert.deepEqual(cached().sort(), ['kubectl', 'kubectl.sha256']);

    // The second time it comes from the cache.
    requests.length = 0;
    const again = await k8ts(['get', 'ns', 'default', '-o', 'name'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'namespace/default');
    assert.deepEqual(requests, []);
    assert.doesNotMatch(again.stderr, /download/);
  });
});
