import assert from 'node:assert/strict';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import tar from 'tar-stream';
import { loadArchive } from './archive.js';
import { buildImage, buildLayer, contentSink } from './build.js';
import { ContentStore } from './content.js';
import { OciImageService } from './service.js';

/** Writes a tar of files (name -> bytes). */
async function writeTar(file: string, files: [string, Buffer][]): Promise<void> {
  const pack = tar.pack();
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
  });
  pack.pipe(out as unknown as NodeJS.WritableStream);
  for (const [name, body] of files)
    await new Promise<void>((resolve, reject) => pack.entry({ name, size: body.length }, body, (e) => (e ? reject(e) : resolve())));
  pack.finalize();
  await done;
}

async function twoImages(dir: string) {
  const src = new ContentStore(path.join(dir, 'src'));
  const sink = contentSink(src);
  const base = await buildLayer(
    sink,
    [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/base', content: 'base\n' },
    ],
    { gzip: true },
  );
  const a = await buildLayer(sink, [{ name: 'a.txt', content: 'image a\n' }]);
  const b = await buildLayer(
    sink,
    [
      { name: 'b.txt', content: 'image b\n' },
      { name: 'etc/.wh.base', content: '' },
    ],
    { gzip: true },
  );
  const ma = await buildImage(sink, { layers: [base, a], config: { Cmd: ['cat', 'a.txt'] } });
  const mb = await buildImage(sink, { layers: [base, b], config: { Cmd: ['cat', 'b.txt'], WorkingDir: '/' } });
  return { src, base, a, b, ma, mb };
}

test('a docker save archive with two images, layers shared, whiteouts applied', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-load-'));
  try {
    const { src, base, a, b, ma, mb } = await twoImages(dir);
    const cfgOf = async (m: { digest: string }) =>
      (JSON.parse((await src.readBuffer(m.digest)).toString()) as { config: { digest: string } }).config.digest;
    const blob = (d: string) => readFileSync(src.blobPath(d));
    const ca = await cfgOf(ma);
    const cb = await cfgOf(mb);
    const files: [string, Buffer][] = [
      // Layers first, manifest last: the loader must not need the manifest before the blobs.
      [`${base.descriptor.digest.slice(7)}/layer.tar`, blob(base.descriptor.digest)],
      [`${a.descriptor.digest.slice(7)}/layer.tar`, blob(a.descriptor.digest)],
      [`blobs/sha256/${b.descriptor.digest.slice(7)}`, blob(b.descriptor.digest)],
      [`${ca.slice(7)}.json`, blob(ca)],
      [`blobs/sha256/${cb.slice(7)}`, blob(cb)],
      [
        'manifest.json',
        Buffer.from(
          JSON.stringify([
            {
              Config: `${ca.slice(7)}.json`,
              RepoTags: ['example.com/a:1', 'example.com/a:latest'],
              Layers: [`${base.descriptor.digest.slice(7)}/layer.tar`, `${a.descriptor.digest.slice(7)}/layer.tar`],
            },
            {
              Config: `blobs/sha256/${cb.slice(7)}`,
              RepoTags: ['b:2'],
              Layers: [`${base.descriptor.digest.slice(7)}/layer.tar`, `blobs/sha256/${b.descriptor.digest.slice(7)}`],
            },
          ]),
        ),
      ],
    ];
    const file = path.join(dir, 'save.tar');
    await writeTar(file, files);
    const svc = new OciImageService({ root: path.join(dir, 'store'), snapshotter: 'native' });
    const { images, skipped } = await loadArchive(file, svc);
    assert.deepEqual(
      images.map((i) => i.id),
      ['example.com/a:1', 'example.com/a:latest', 'docker.io/library/b:2'],
    );
    assert.deepEqual(skipped, []);
    assert.equal((await svc.listImages()).length, 2);
    const ra = (await svc.rootfsPath('example.com/a:1'))!;
    const rb = (await svc.rootfsPath('b:2'))!;
    assert.equal(readFileSync(path.join(ra, 'etc/base'), 'utf8'), 'base\n');
    assert.equal(existsSync(path.join(rb, 'etc/base')), false);
    assert.equal(readFileSync(path.join(rb, 'b.txt'), 'utf8'), 'image b\n');
    assert.equal((await svc.snapshotter.list()).filter((s) => s.parent === '').length, 1, 'the shared base layer is unpacked once');
    // A corrupted archive is refused: a blob whose bytes do not match its name.
    const bad = path.join(dir, 'bad.tar');
    await writeTar(bad, [
      [`blobs/sha256/${'0'.repeat(64)}`, Buffer.from('x')],
      ['oci-layout', Buffer.from('{}')],
      ['index.json', Buffer.from('{"manifests":[]}')],
    ]);
    await assert.rejects(loadArchive(bad, svc), /does not match its digest/);
    await assert.rejects(loadArchive(path.join(dir, 'save.tar.missing'), svc), /ENOENT/);
    writeFileSync(path.join(dir, 'junk.tar'), Buffer.alloc(1024));
    await assert.rejects(loadArchive(path.join(dir, 'junk.tar'), svc), /neither a docker save archive/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an OCI layout archive names its images by annotation; bare tags are skipped', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-load-'));
  try {
    const { src, ma, mb } = await twoImages(dir);
    const files: [string, Buffer][] = (await src.list()).map((bl) => [
      `blobs/sha256/${bl.digest.slice(7)}`,
      readFileSync(src.blobPath(bl.digest)),
    ]);
    files.push(['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')]);
    files.push([
      'index.json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            {
              ...ma,
              platform: undefined,
              annotations: { 'io.containerd.image.name': 'registry.example.com/team/a:7', 'org.opencontainers.image.ref.name': '7' },
            },
            { ...mb, platform: undefined, annotations: { 'org.opencontainers.image.ref.name': 'latest' } },
          ],
        }),
      ),
    ]);
    const file = path.join(dir, 'oci.tar');
    await writeTar(file, files);
    const svc = new OciImageService({ root: path.join(dir, 'store'), snapshotter: 'native' });
    const { images, skipped } = await loadArchive(file, svc);
    assert.deepEqual(
      images.map((i) => i.id),
      ['registry.example.com/team/a:7'],
    );
    assert.equal(skipped.length, 1);
    assert.match(skipped[0], /\(latest\) has no image name/);
    assert.deepEqual((await svc.imageStatus({ image: 'registry.example.com/team/a:7' }))?.config.cmd, ['cat', 'a.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
