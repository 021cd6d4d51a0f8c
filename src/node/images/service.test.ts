import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nodePlatform } from './platform.js';
import { ImagePullFailure, OciImageService } from './service.js';
import { overlaySupported } from './snapshotter.js';
import {
  multiLayerLayout,
  multiPlatformLayout,
  push,
  registryToolsMissing,
  remoteDigest,
  run,
  startRegistry,
  type TestRegistry,
} from './testing/registry.js';

const missing = registryToolsMissing();
const USER = { username: 'k8ts', password: 's3cret-pw' };

describe('pulls from a loopback registry', { skip: missing }, () => {
  let dir: string;
  let open: TestRegistry;
  let basic: TestRegistry;
  let bearer: TestRegistry;
  let manifestDigest: string;
  const services: OciImageService[] = [];
  const service = (mode: 'overlay' | 'native' = 'native') => {
    const s = new OciImageService({ root: path.join(dir, `store-${services.length}`), snapshotter: mode });
    services.push(s);
    return s;
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), `k8ts-pull-${process.pid}-`));
    [open, basic, bearer] = await Promise.all([
      startRegistry(),
      startRegistry({ auth: USER }),
      startRegistry({ auth: USER, bearer: true }),
    ]);
    const layout = path.join(dir, 'layout');
    await multiLayerLayout(layout, 'v1');
    await push(open, layout, 'v1', 'team/app:v1');
    manifestDigest = await remoteDigest(open, 'team/app', 'v1');
    await push(basic, layout, 'v1', 'private/app:v1');
    await push(bearer, layout, 'v1', 'public/app:v1');
    await push(bearer, layout, 'v1', 'private/app:v1');
  });

  after(async () => {
    await Promise.all([open, basic, bearer].map((r) => r?.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a multi-layer image: config, digest, whiteouts and opaque dirs, one pull for two names', async () => {
    const s = service('native');
    const ref = `${open.host}/team/app:v1`;
    assert.equal(await s.pullImage({ image: ref }), ref);
    const img = await s.imageStatus({ image: ref });
    assert.ok(img);
    assert.deepEqual(img.config.cmd, ['httpd', '-f', '-p', '8080', '-h', '/www']);
    assert.equal(img.config.workingDir, '/www');
    assert.ok(img.config.env.includes('GREETING=hello-from-image-config'));
    assert.deepEqual(img.config.exposedPorts, ['8080/tcp']);
    assert.deepEqual(img.repoDigests, [`${open.host}/team/app@${manifestDigest}`]);
    assert.equal(await s.imageDigestRef(ref), `${open.host}/team/app@${manifestDigest}`);
    const root = await s.rootfsPath(ref);
    assert.ok(root);
    assert.equal(readFileSync(path.join(root, 'www/b.txt'), 'utf8'), 'layer two b\n');
    assert.equal(existsSync(path.join(root, 'www/a.txt')), false, 'whiteout honoured');
    assert.deepEqual(execFileSync('ls', [path.join(root, 'www/sub')], { encoding: 'utf8' }).trim(), 'new.txt');
    // By digest: the same blobs, nothing fetched again, one image with two names.
    const byDigest = `${open.host}/team/app@${manifestDigest}`;
    const blobsBefore = (await s.content.list()).length;
    assert.equal(await s.pullImage({ image: byDigest }), byDigest);
    assert.equal((await s.content.list()).length, blobsBefore);
    assert.equal((await s.listImages()).length, 1);
    assert.equal(
      img.size,
      (await s.content.list()).reduce((n, b) => n + b.size, 0),
      'size is manifest + config + layers',
    );
    // Removal takes the blobs and snapshots no image uses any more.
    await s.removeImage({ image: ref });
    assert.deepEqual(await s.listImages(), []);
    assert.deepEqual(await s.content.list(), []);
    assert.deepEqual(await s.snapshotter.list(), []);
  });

  test('overlay snapshots of a pulled image mount as the container root', {
    skip: !overlaySupported() && 'needs root and overlayfs',
  }, async () => {
    const s = service('overlay');
    const ref = `${open.host}/team/app:v1`;
    await s.pullImage({ image: ref });
    const mounts = await s.snapshotter.prepare('container-1', ref);
    assert.equal(mounts[0].type, 'overlay');
    assert.equal(mounts[0].options.filter((o) => o.startsWith('lowerdir='))[0].split(':').length, 3, 'one lower dir per layer');
    const target = path.join(dir, 'mnt');
    execFileSync('mkdir', ['-p', target]);
    const out = execFileSync(
      'unshare',
      [
        '--mount',
        '--',
        'sh',
        '-c',
        'mount --make-rprivate / && mount -t overlay overlay -o "$1" "$2" && ls "$2/www" && "$2/bin/busybox" cat "$2/www/index.html"',
        'sh',
        mounts[0].options.join(','),
        target,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(out, 'b.txt\nindex.html\nsub\nhello from layer three\n');
    // A second container of the same image shares the layers and has its own upper dir.
    const m2 = await s.snapshotter.prepare('container-2', ref);
    assert.equal(
      m2[0].options.find((o) => o.startsWith('lowerdir=')),
      mounts[0].options.find((o) => o.startsWith('lowerdir=')),
    );
    assert.notEqual(
      m2[0].options.find((o) => o.startsWith('upperdir=')),
      mounts[0].options.find((o) => o.startsWith('upperdir=')),
    );
    // Layers in use by a container survive the image's removal until the container goes.
    await s.removeImage({ image: ref });
    assert.equal((await s.snapshotter.list()).filter((x) => x.kind === 'committed').length, 3);
    await s.snapshotter.remove('container-1');
    await s.snapshotter.remove('container-2');
    await s.garbageCollect();
    assert.deepEqual(await s.snapshotter.list(), []);
  });

  test("a missing tag fails with the registry's reason, worded as containerd", async () => {
    const s = service();
    const ref = `${open.host}/team/app:v10`;
    await assert.rejects(s.pullImage({ image: ref }), (e: unknown) => {
      assert.ok(e instanceof ImagePullFailure);
      assert.equal(e.kind, 'NotFound');
      assert.equal(
        e.message,
        `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
      );
      return true;
    });
  });

  test('basic auth: refused without credentials and with wrong ones, pulled with the right ones', async () => {
    const s = service();
    const ref = `${basic.host}/private/app:v1`;
    await assert.rejects(
      s.pullImage({ image: ref }),
      /pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials/,
    );
    await assert.rejects(s.pullImage({ image: ref }, [{ username: 'k8ts', password: 'wrong' }]), /401 Unauthorized/);
    const auth = Buffer.from(`${USER.username}:${USER.password}`).toString('base64');
    assert.equal(await s.pullImage({ image: ref }, [{ username: 'k8ts', password: 'wrong' }, { auth }]), ref);
    assert.ok(await s.imageStatus({ image: ref }));
  });

  test('bearer tokens: the WWW-Authenticate challenge flow, anonymous and with credentials', async () => {
    const s = service();
    assert.ok(await s.pullImage({ image: `${bearer.host}/public/app:v1` }));
    assert.ok(
      bearer.tokenRequests.some((r) => r === '- repository:public/app:pull'),
      bearer.tokenRequests.join('\n'),
    );
    await assert.rejects(s.pullImage({ image: `${bearer.host}/private/app:v1` }), /401 Unauthorized|pull access denied/);
    assert.ok(await s.pullImage({ image: `${bearer.host}/private/app:v1` }, [{ username: USER.username, password: USER.password }]));
    assert.ok(bearer.tokenRequests.some((r) => r === 'k8ts repository:private/app:pull'));
  });

  test("a multi-platform index: the node's platform is chosen, the other never fetched", async () => {
    const node = nodePlatform();
    const other =
      node.architecture === 'arm64' ? { os: 'linux', architecture: 'amd64' } : { os: 'linux', architecture: 'arm64', variant: 'v8' };
    const layouts = path.join(dir, 'multi');
    await multiPlatformLayout(layouts, 'multi', node, other);
    await push(open, path.join(layouts, 'both'), 'multi', 'team/multi:v1', true);
    const index = { digest: await remoteDigest(open, 'team/multi', 'v1') };
    const s = service();
    const ref = `${open.host}/team/multi:v1`;
    await s.pullImage({ image: ref });
    assert.equal(await s.imageDigestRef(ref), `${open.host}/team/multi@${index.digest}`, 'imageID names the index');
    const root = await s.rootfsPath(ref);
    assert.equal(readFileSync(path.join(root!, 'www/platform.txt'), 'utf8'), `${node.os}/${node.architecture}\n`);
    assert.equal((await s.content.list()).length, 6, 'index, one manifest, its config and three layers: the other platform is not fetched');
    // A node of the other platform picks the other one.
    const s2 = new OciImageService({ root: path.join(dir, 'store-other'), snapshotter: 'native', platform: other });
    await s2.pullImage({ image: ref });
    assert.equal(readFileSync(path.join((await s2.rootfsPath(ref))!, 'www/platform.txt'), 'utf8'), `${other.os}/${other.architecture}\n`);
    assert.equal((await s2.imageStatus({ image: ref }))?.config.workingDir, '/www');
  });

  test('Docker schema 2 manifests and a mirror in front of the registry', async () => {
    const layout = path.join(dir, 'layout');
    await run('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      '--format',
      'v2s2',
      `oci:${layout}:v1`,
      `docker://${open.host}/team/docker:v1`,
    ]);
    // The "registry" named in the reference does not exist; the mirror serves it.
    const s = new OciImageService({
      root: path.join(dir, 'store-mirror'),
      snapshotter: 'native',
      registryConfig: { mirrors: { 'registry.invalid': [`http://${open.host}`] }, configs: {} },
    });
    const ref = 'registry.invalid/team/docker:v1';
    await s.pullImage({ image: ref });
    const img = await s.imageStatus({ image: ref });
    assert.equal(img?.config.workingDir, '/www');
    const target = (await s.getRecord(ref))!.target;
    assert.equal(target.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  });
});
