import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
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
  assert.equal(normalizeImageRef(`nginx:1.2@sha256:${'a'.repeat(64)}`), `docker.io/library/nginx:1.2@sha256:${'a'.repeat(64)}`);
  assert.throws(() => normalizeImageRef('Nginx'), /must be lowercase/);
  assert.throws(() => normalizeImageRef('a b'), /invalid reference format/);
  assert.throws(() => normalizeImageRef('nginx@sha256:abc'), /invalid reference format/);
  assert.throws(() => normalizeImageRef('nginx:'), /invalid reference format/);
});

test('built-in images are OCI images made from the host, imported at first use', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-images-test-'));
  try {
    const store = new LocalImageStore({ dir, snapshotter: 'native' });
    assert.deepEqual(await store.listImages(), [], 'nothing is imported before it is asked for');
    const bootcamp = await store.imageStatus({ image: 'gcr.io/google-samples/kubernetes-bootcamp:v1' });
    assert.ok(bootcamp);
    assert.deepEqual(bootcamp.config.cmd, ['node', 'server.js']);
    assert.deepEqual(bootcamp.config.exposedPorts, ['8080/tcp']);
    assert.deepEqual(bootcamp.repoTags.sort(), [
      'docker.io/jocatalin/kubernetes-bootcamp:v1',
      'gcr.io/google-samples/kubernetes-bootcamp:v1',
    ]);
    assert.match(bootcamp.repoDigests![0], /@sha256:[0-9a-f]{64}$/);
    // What SCENARIO.md runs inside it is in the image itself.
    const root = (await store.rootfsPath('gcr.io/google-samples/kubernetes-bootcamp:v1'))!;
    for (const f of ['server.js', 'usr/local/bin/node', 'usr/bin/bash', 'usr/bin/curl', 'bin/busybox', 'bin/cat', 'usr/bin/env'])
      assert.ok(existsSync(path.join(root, f)), f);
    assert.match(readFileSync(path.join(root, 'server.js'), 'utf8'), /Hello Kubernetes bootcamp/);
    for (const ref of [
      'docker.io/jocatalin/kubernetes-bootcamp:v2',
      'nginx',
      'busybox',
      'registry.k8s.io/pause:3.10',
      'registry.k8s.io/e2e-test-images/agnhost:2.53',
    ]) {
      assert.equal(await store.pullImage({ image: ref }), normalizeImageRef(ref));
    }
    assert.equal((await store.imageStatus({ image: 'registry.k8s.io/pause:3.10' }))?.pinned, true);
    // Layers are shared: busybox, tools and node are unpacked once for all the node images.
    const snaps = await store.snapshotter.list();
    assert.equal(snaps.filter((s) => s.parent === '').length, 1, 'one base layer for every built-in image');
    const ref = 'gcr.io/google-samples/kubernetes-bootcamp:v10';
    await assert.rejects(
      store.imageStatus({ image: ref }).then((x) => {
        if (!x) throw new ImagePullError(ref, 'absent');
      }),
      ImagePullError,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import a folder as an image, list and remove it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-images-test-'));
  try {
    const src = path.join(dir, 'src');
    mkdirSync(path.join(src, 'rootfs', 'app'), { recursive: true });
    writeFileSync(path.join(src, 'rootfs', 'app', 'hello.txt'), 'hello\n');
    writeFileSync(path.join(src, 'image.json'), JSON.stringify({ repoTags: [], cmd: ['cat', 'hello.txt'], workingDir: '/app' }));
    const store = new LocalImageStore({ dir: path.join(dir, 'store'), snapshotter: 'native' });
    const img = await store.importImage(src, 'example.com/me/hello:1.0');
    assert.equal(img.id, 'example.com/me/hello:1.0');
    assert.equal(img.config.workingDir, '/app');
    assert.ok(img.size >= 6);
    assert.equal((await store.imageStatus({ image: 'example.com/me/hello:1.0' }))?.config.cmd[0], 'cat');
    assert.ok((await store.listImages()).some((i) => i.id === 'example.com/me/hello:1.0'));
    await store.removeImage({ image: 'example.com/me/hello:1.0' });
    assert.equal(await store.imageStatus({ image: 'example.com/me/hello:1.0' }), undefined);
    assert.deepEqual(await store.content.list(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two references that read alike get directories of their own (issue #7)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-images-test-'));
  try {
    const store = new LocalImageStore({ dir: path.join(dir, 'store') });
    for (const [tag, marker] of [
      ['x.io/a:b_c', 'one'],
      ['x.io/a/b:c', 'two'],
    ]) {
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
