// Images from a registry the test starts itself (Debian's docker-registry on loopback, with and
// without htpasswd auth), built by the test from busybox-static and pushed with skopeo, run on
// a real node (`k8ts up`) through the stock kubectl: issue #10's image "Done when" lines. The
// assertions hold for whichever runtime the node uses (process or OCI): they look at the
// container from inside (files, env, working dir) and at the API (status, events).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nodePlatform } from '../../src/node/images/platform.js';
import {
  multiLayerLayout,
  multiPlatformLayout,
  push,
  registryToolsMissing,
  remoteDigest,
  run,
  startRegistry,
  type TestRegistry,
} from '../../src/node/images/testing/registry.js';
import { CLI, run as runCmd, TestCluster } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const missing = registryToolsMissing();
const skip = !root ? 'needs root on Linux (a real node)' : (missing ?? false);
const tag = String(process.pid % 100000);
const BRIDGE = `k8tsim${tag}`.slice(0, 15);
const CIDR = `10.239.${process.pid % 200}.0/24`;
const USER = { username: 'puller', password: 'pull-pass-1' };

describe('images from a loopback registry on a real node', { skip }, () => {
  const cluster = new TestCluster('images', 'memory');
  let open: TestRegistry;
  let locked: TestRegistry;
  let digest = '';
  let archive = '';

  const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
  const status = async (pod: string) => (await json('get', 'pod', pod)).status?.containerStatuses?.[0];
  const events = async (pod: string) =>
    (await json('get', 'events', '--field-selector', `involvedObject.name=${pod}`)).items as { reason: string; message: string }[];
  const runPod = async (name: string, image: string, extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => {
    await cluster.kIn(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers: [{ name: 'c', image, ...extra }], ...spec },
      }),
      'apply',
      '-f',
      '-',
    );
  };
  const running = (pod: string, timeoutMs = 60_000) =>
    cluster.waitFor(
      `${pod} Running`,
      async () => (await json('get', 'pod', pod)).status?.phase === 'Running' && (await status(pod))?.ready,
      timeoutMs,
    );
  const waiting = (pod: string, reason: string, timeoutMs = 60_000) =>
    cluster.waitFor(
      `${pod} ${reason}`,
      async () => {
        const w = (await status(pod))?.state?.waiting;
        return w?.reason === reason ? (w as { reason: string; message: string }) : undefined;
      },
      timeoutMs,
    );

  before(async () => {
    [open, locked] = await Promise.all([startRegistry(), startRegistry({ auth: USER })]);
    const layout = path.join(cluster.dir, 'layout');
    await multiLayerLayout(layout, 'v1');
    await push(open, layout, 'v1', 'team/web:v1');
    await push(locked, layout, 'v1', 'private/web:v1');
    digest = await remoteDigest(open, 'team/web', 'v1');
    const node = nodePlatform();
    const other =
      node.architecture === 'arm64' ? { os: 'linux', architecture: 'amd64' } : { os: 'linux', architecture: 'arm64', variant: 'v8' };
    await multiPlatformLayout(path.join(cluster.dir, 'multi'), 'multi', node, other);
    await push(open, path.join(cluster.dir, 'multi', 'both'), 'multi', 'team/multi:v1', true);
    archive = path.join(cluster.dir, 'web.tar');
    await run('skopeo', ['copy', '--quiet', `oci:${layout}:v1`, `docker-archive:${archive}:example.com/loaded/web:v1`]);
    await cluster.up(['--bridge', BRIDGE, '--pod-cidr', CIDR, '--node-name', 'img-node']);
    await cluster.waitFor('node Ready', async () => /img-node\s+Ready/.test(await cluster.k('get', 'nodes')), 30_000);
  });

  after(async () => {
    await cluster.stop();
    await Promise.all([open?.stop(), locked?.stop()]);
  });

  test('a multi-layer image runs and serves its files: whiteouts, env and working dir from its config, imageID, Pulling and Pulled', async () => {
    const image = `${open.host}/team/web:v1`;
    await runPod('web', image);
    await running('web');
    const st = await status('web');
    assert.equal(st.imageID, `${open.host}/team/web@${digest}`);
    assert.equal(st.image, image);
    assert.equal((await cluster.k('exec', 'web', '--', 'pwd')).trim(), '/www');
    assert.match(await cluster.k('exec', 'web', '--', 'env'), /^GREETING=hello-from-image-config$/m);
    assert.equal(await cluster.k('exec', 'web', '--', 'ls', '/www'), 'b.txt\nindex.html\nsub\n');
    assert.equal(await cluster.k('exec', 'web', '--', 'ls', '/www/sub'), 'new.txt\n');
    // The image's filesystem, none of the host's: the host has /etc/os-release, the image has not.
    assert.ok(fs.existsSync('/etc/os-release'));
    const r = await cluster.kubectl(['exec', 'web', '--', 'cat', '/etc/os-release']);
    assert.notEqual(r.code, 0);
    const pod = await json('get', 'pod', 'web');
    const body = await cluster.waitFor('httpd answers', async () => {
      const res = await fetch(`http://${pod.status.podIP}:8080/index.html`).catch(() => undefined);
      return res?.ok ? res.text() : undefined;
    });
    assert.equal(body, 'hello from layer three\n');
    const ev = await events('web');
    assert.ok(
      ev.some((e) => e.reason === 'Pulling' && e.message === `Pulling image "${image}"`),
      JSON.stringify(ev),
    );
    assert.ok(
      ev.some(
        (e) =>
          e.reason === 'Pulled' &&
          /^Successfully pulled image ".*" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: \d+ bytes\.$/.test(e.message),
      ),
      JSON.stringify(ev),
    );
  });

  test('a second pod of the same image is not pulled again; a digest reference runs', async () => {
    const image = `${open.host}/team/web:v1`;
    await runPod('web2', image);
    await running('web2');
    const ev = await events('web2');
    assert.ok(
      ev.some((e) => e.reason === 'Pulled' && e.message === `Container image "${image}" already present on machine`),
      JSON.stringify(ev),
    );
    assert.ok(!ev.some((e) => e.reason === 'Pulling'));
    const byDigest = `${open.host}/team/web@${digest}`;
    await runPod('web3', byDigest);
    await running('web3');
    assert.equal((await status('web3')).imageID, byDigest);
    assert.equal(await cluster.k('exec', 'web3', '--', 'cat', '/www/b.txt'), 'layer two b\n');
  });

  test("a missing tag ends in ImagePullBackOff with the registry's reason", async () => {
    const image = `${open.host}/team/web:v10`;
    await runPod('missing', image);
    const w = await waiting('missing', 'ImagePullBackOff');
    assert.match(w.message, /not found/);
    const ev = await events('missing');
    assert.ok(
      ev.some(
        (e) =>
          e.reason === 'Failed' &&
          e.message.startsWith(`Failed to pull image "${image}": rpc error: code = NotFound`) &&
          e.message.endsWith(`${image}: not found`),
      ),
      JSON.stringify(ev),
    );
    await cluster.k('delete', 'pod', 'missing', '--wait=false');
  });

  test("a password-protected registry refuses a pod without credentials and serves one with imagePullSecrets, or its service account's", async () => {
    const image = `${locked.host}/private/web:v1`;
    await runPod('nocreds', image, { imagePullPolicy: 'Always' });
    const w = await waiting('nocreds', 'ImagePullBackOff');
    assert.match(w.message, /pull access denied|no basic auth credentials|401 Unauthorized/);
    await cluster.k('delete', 'pod', 'nocreds', '--wait=false');
    await cluster.k(
      'create',
      'secret',
      'docker-registry',
      'regcred',
      `--docker-server=${locked.host}`,
      `--docker-username=${USER.username}`,
      `--docker-password=${USER.password}`,
    );
    await runPod('withcreds', image, { imagePullPolicy: 'Always' }, { imagePullSecrets: [{ name: 'regcred' }] });
    await running('withcreds');
    assert.equal((await status('withcreds')).imageID, `${locked.host}/private/web@${digest}`);
    // The service account's imagePullSecrets go into pods that name none.
    await cluster.k('create', 'serviceaccount', 'puller');
    await cluster.k('patch', 'serviceaccount', 'puller', '-p', JSON.stringify({ imagePullSecrets: [{ name: 'regcred' }] }));
    await runPod('via-sa', image, { imagePullPolicy: 'Always' }, { serviceAccountName: 'puller' });
    assert.deepEqual((await json('get', 'pod', 'via-sa')).spec.imagePullSecrets, [{ name: 'regcred' }]);
    await running('via-sa');
  });

  test('`k8ts image load` of a docker archive runs with imagePullPolicy Never', async () => {
    const image = 'example.com/loaded/web:v1';
    await runPod('neverpull', image, { imagePullPolicy: 'Never' });
    const w = await waiting('neverpull', 'ErrImageNeverPull');
    assert.equal(w.message, `Container image "${image}" is not present with pull policy of Never`);
    await cluster.k('delete', 'pod', 'neverpull', '--wait=false');
    const load = await runCmd(process.execPath, [CLI, 'image', 'load', archive, '--data-dir', cluster.dataDir], { env: cluster.env() });
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /^loaded example\.com\/loaded\/web:v1 \(sha256:[0-9a-f]{64}, [\d.]+[kM]?B\)$/m);
    await runPod('loaded', image, { imagePullPolicy: 'Never' });
    await running('loaded');
    assert.equal(await cluster.k('exec', 'loaded', '--', 'cat', '/www/index.html'), 'hello from layer three\n');
    const ls = await runCmd(process.execPath, [CLI, 'image', 'ls', '--data-dir', cluster.dataDir], { env: cluster.env() });
    assert.match(ls.stdout, /^example\.com\/loaded\/web\s+v1\s+[0-9a-f]{13}\s+/m);
  });

  test('`k8ts image pull` with and without credentials, `image ls` and `image rm`', async () => {
    const cli = (...args: string[]) =>
      runCmd(process.execPath, [CLI, 'image', ...args, '--data-dir', cluster.dataDir], { env: cluster.env() });
    const ref = `${locked.host}/private/web:v1`;
    const refused = await cli('pull', ref);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no basic auth credentials/);
    const pulled = await cli('pull', ref, '--creds', `${USER.username}:${USER.password}`);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, new RegExp(`^pulled ${ref.replace(/[.]/g, '\\.')} \\(${digest}, `, 'm'));
    const bad = await cli('pull', 'Not/A:Ref!');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid reference format/);
    assert.match((await cli('ls')).stdout, new RegExp(`^${locked.host.replace(/[.]/g, '\\.')}/private/web\\s+v1\\s`, 'm'));
  });

  test("an OCI index with two platforms: the node's is pulled and runs", async () => {
    await runPod('multi', `${open.host}/team/multi:v1`);
    await running('multi');
    const p = nodePlatform();
    assert.equal(await cluster.k('exec', 'multi', '--', 'cat', '/www/platform.txt'), `${p.os}/${p.architecture}\n`);
  });

  test('the Node lists its images by repo digest and tag', async () => {
    await cluster.waitFor(
      'node images',
      async () => {
        const node = await json('get', 'node', 'img-node');
        const names = (node.status.images as { names: string[] }[]).flatMap((i) => i.names);
        return names.includes(`${open.host}/team/web@${digest}`) && names.includes(`${open.host}/team/web:v1`);
      },
      45_000,
    );
  });
});
