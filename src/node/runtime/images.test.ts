import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalImageStore, normalizeImageRef } from './images.js';
import { ImagePullError } from './types.js';

test('references normalize as Docker does', () => {
  assert.equal(normalizeImageRef('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImageRef('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(normalizeImageRef('jocatalin/kubernetes-bootcamp:v2'), 'docker.io/jocatalin/kubernetes-bootcamp:v2');
  assert.equal(normalizeImageRef('gcr.io/google-samples/kubernetes-bootcamp:v1'), 'gcr.io/google-samples/kubernetes-bootcamp:v1');
  assert.equal(normalizeImageRef('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.equal(normalizeImageRef('index.docker.io/library/nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImageRef(`nginx@sha256:${'a'.repeat(64)}`), `docker.io/library/nginx@sha256:${'a'.repeat(64)}`);
  assert.throws(() => normalizeImageRef('Nginx'), /must be lowercase/);
  assert.throws(() => normalizeImageRef('a b'), /invalid reference format/);
});

test('built-in images resolve; a missing one fails as a registry miss does', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-images-test-'));
  try {
    const store = new LocalImageStore({ dir });
    assert.equal(await store.pullImage({ image: 'nginx' }), 'docker.io/library/nginx:latest');
    for (const ref of ['gcr.io/google-samples/kubernetes-bootcamp:v1', 'docker.io/jocatalin/kubernetes-bootcamp:v2',
      'busybox', 'registry.k8s.io/pause:3.10', 'registry.k8s.io/e2e-test-images/agnhost:2.53']) {
      assert.ok(await store.imageStatus({ image: ref }), ref);
    }
    const bootcamp = await store.imageStatus({ image: 'gcr.io/google-samples/kubernetes-bootcamp:v1' });
    assert.deepEqual(bootcamp?.config.cmd, ['node', 'server.js']);
    assert.deepEqual(bootcamp?.config.exposedPorts, ['8080/tcp']);
    assert.ok(await store.rootfsPath('gcr.io/google-samples/kubernetes-bootcamp:v1'));
    const ref = 'gcr.io/google-samples/kubernetes-bootcamp:v10';
    await assert.rejects(store.pullImage({ image: ref }), (err: unknown) => {
      assert.ok(err instanceof ImagePullError);
      assert.equal(err.message, `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`);
      return true;
    });
    await assert.rejects(store.removeImage({ image: 'nginx' }), /built into k8ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import, list and remove a local image', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-images-test-'));
  try {
    const src = path.join(dir, 'src');
    mkdirSync(path.join(src, 'rootfs', 'app'), { recursive: true });
    writeFileSync(path.join(src, 'rootfs', 'app', 'hello.txt'), 'hello\n');
    writeFileSync(path.join(src, 'image.json'), JSON.stringify({ repoTags: [], cmd: ['cat', 'hello.txt'], workingDir: '/app' }));
    const store = new LocalImageStore({ dir: path.join(dir, 'store') });
    const img = await store.importImage(src, 'example.com/me/hello:1.0');
    assert.equal(img.id, 'example.com/me/hello:1.0');
    assert.equal(img.config.workingDir, '/app');
    assert.ok(img.size >= 6);
    assert.equal(await store.pullImage({ image: 'example.com/me/hello:1.0' }), 'example.com/me/hello:1.0');
    assert.ok((await store.listImages()).some((i) => i.id === 'example.com/me/hello:1.0'));
    await store.removeImage({ image: 'example.com/me/hello:1.0' });
    await assert.rejects(store.pullImage({ image: 'example.com/me/hello:1.0' }), ImagePullError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two references that read alike get directories of their own (issue #7)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-images-test-'));
  try {
    const store = new LocalImageStore({ dir: path.join(dir, 'store') });
    for (const [tag, marker] of [['x.io/a:b_c', 'one'], ['x.io/a/b:c', 'two']]) {
      const src = path.join(dir, marker);
      mkdirSync(path.join(src, 'rootfs'), { recursive: true });
      writeFileSync(path.join(src, 'rootfs', 'marker'), marker);
      writeFileSync(path.join(src, 'image.json'), JSON.stringify({ repoTags: [tag] }));
      await store.importImage(src, tag);
    }
    const one = await store.rootfsPath('x.io/a:b_c');
    const two = await store.rootfsPath('x.io/a/b:c');
    assert.ok(one && two && one !== two);
    assert.equal(readFileSync(path.join(one, 'marker'), 'utf8'), 'one');
    assert.equal(readFileSync(path.join(two, 'marker'), 'utf8'), 'two');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
