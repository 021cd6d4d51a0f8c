import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { applyLayer, InvalidLayerError, SpecialFiles } from './layer.js';
import { LayerSnapshotter, overlaySupported } from './snapshotter.js';
import { buildTar, type TarEntry } from './testing/tarbuild.js';

const isRoot = process.getuid?.() === 0;
const special = new SpecialFiles();

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), `k8ts-layer-${process.pid}-`));
}

async function apply(root: string, entries: TarEntry[], mode: 'overlay' | 'native' = 'native', parents: string[] = []) {
  return applyLayer(Readable.from(await buildTar(entries)), { root, mode, parents, sameOwner: isRoot, special });
}

test('a layer unpacks files, dirs, links and modes', async () => {
  const dir = tmp();
  try {
    const root = path.join(dir, 'fs');
    execFileSync('mkdir', [root]);
    await apply(root, [
      { name: 'app/', type: 'directory', mode: 0o750 },
      { name: 'app/server.js', content: 'hello\n', mode: 0o644 },
      { name: 'app/run', content: '#!/bin/sh\n', mode: 0o4755, uid: 0 },
      { name: 'app/link', type: 'symlink', linkname: 'server.js' },
      { name: 'app/hard', type: 'link', linkname: 'app/server.js' },
      { name: 'deep/implied/file.txt', content: 'x' },
    ]);
    assert.equal(readFileSync(path.join(root, 'app/server.js'), 'utf8'), 'hello\n');
    assert.equal(statSync(path.join(root, 'app')).mode & 0o7777, 0o750);
    assert.equal(readlinkSync(path.join(root, 'app/link')), 'server.js');
    assert.equal(statSync(path.join(root, 'app/hard')).ino, statSync(path.join(root, 'app/server.js')).ino);
    assert.equal(statSync(path.join(root, 'app/run')).mode & 0o7777, 0o4755, 'setuid kept');
    assert.equal(readFileSync(path.join(root, 'deep/implied/file.txt'), 'utf8'), 'x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile entries never write outside the snapshot', async () => {
  const dir = tmp();
  try {
    const root = path.join(dir, 'fs');
    const outside = path.join(dir, 'outside');
    execFileSync('mkdir', [root, outside]);
    // `..` and absolute names are clamped to the root.
    await apply(root, [
      { name: '../../escape1', content: 'a' },
      { name: `${outside}/escape2`, content: 'b' },
      // A symlink to an absolute host path, then a file through it: lands inside root.
      { name: 'evil', type: 'symlink', linkname: outside },
      { name: 'evil/escape3', content: 'c' },
      // A relative symlink climbing out, then a file through it.
      { name: 'up', type: 'symlink', linkname: '../../../../..' },
      { name: 'up/escape4', content: 'd' },
    ]);
    assert.deepEqual(execFileSync('ls', ['-A', outside], { encoding: 'utf8' }), '');
    assert.equal(existsSync(path.join(dir, 'escape1')), false);
    assert.equal(readFileSync(path.join(root, 'escape1'), 'utf8'), 'a');
    assert.equal(readFileSync(path.join(root, outside, 'escape2'), 'utf8'), 'b');
    assert.equal(readFileSync(path.join(root, outside, 'escape3'), 'utf8'), 'c');
    assert.equal(readFileSync(path.join(root, 'escape4'), 'utf8'), 'd');
    // A file entry over a planted symlink replaces the link, never writes through it.
    await apply(root, [
      { name: 'target', type: 'symlink', linkname: path.join(outside, 'victim') },
      { name: 'target', content: 'e' },
    ]);
    assert.equal(lstatSync(path.join(root, 'target')).isFile(), true);
    assert.equal(existsSync(path.join(outside, 'victim')), false);
    // Hard links must point inside the layer.
    await assert.rejects(apply(root, [{ name: 'h', type: 'link', linkname: '/etc/passwd' }]), InvalidLayerError);
    await assert.rejects(apply(root, [{ name: '.wh..', content: '' }]), InvalidLayerError);
    // Admin xattrs from an archive are not applied.
    await apply(root, [{ name: 'x', content: '', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } }], 'native');
    assert.deepEqual(execFileSync('ls', ['-A', outside], { encoding: 'utf8' }), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('native snapshots apply whiteouts and opaque directories by deleting', async () => {
  const dir = tmp();
  try {
    const snaps = new LayerSnapshotter({ root: dir, mode: 'native', sameOwner: isRoot, resolveImage: async () => 'l2' });
    await snaps.commit('l1', '', (fs) =>
      apply(fs, [
        { name: 'keep.txt', content: 'keep' },
        { name: 'gone.txt', content: 'gone' },
        { name: 'opq/', type: 'directory' },
        { name: 'opq/old.txt', content: 'old' },
      ]).then(() => undefined),
    );
    await snaps.commit('l2', 'l1', (fs) =>
      apply(fs, [
        { name: '.wh.gone.txt', content: '' },
        { name: 'opq/', type: 'directory' },
        { name: 'opq/.wh..wh..opq', content: '' },
        { name: 'opq/new.txt', content: 'new' },
      ]).then(() => undefined),
    );
    const mounts = await snaps.prepare('ctr-1', 'any');
    assert.equal(mounts[0].type, 'bind');
    const fs = mounts[0].source;
    assert.equal(readFileSync(path.join(fs, 'keep.txt'), 'utf8'), 'keep');
    assert.equal(existsSync(path.join(fs, 'gone.txt')), false);
    assert.deepEqual(execFileSync('ls', [path.join(fs, 'opq')], { encoding: 'utf8' }).trim(), 'new.txt');
    // The lower snapshot is untouched.
    assert.equal(readFileSync(path.join(snaps.fsPath('l1'), 'gone.txt'), 'utf8'), 'gone');
    await assert.rejects(snaps.remove('l1'), /has children/);
    await snaps.remove('ctr-1');
    await snaps.remove('l2');
    await snaps.remove('l1');
    assert.deepEqual(await snaps.list(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('overlay snapshots: whiteouts as 0/0 devices, opaque xattr, one shared lower per layer', {
  skip: !overlaySupported() && 'needs root and overlayfs',
}, async () => {
  const dir = tmp();
  try {
    const snaps = new LayerSnapshotter({
      root: path.join(dir, 'snapshots'),
      mode: 'overlay',
      sameOwner: true,
      resolveImage: async () => 'l2',
    });
    await snaps.commit('l1', '', (fs) =>
      apply(
        fs,
        [
          { name: 'keep.txt', content: 'keep' },
          { name: 'gone.txt', content: 'gone' },
          { name: 'opq/', type: 'directory', mode: 0o711 },
          { name: 'opq/old.txt', content: 'old' },
          { name: 'etc/', type: 'directory', mode: 0o700 },
          { name: 'etc/a', content: 'a' },
        ],
        'overlay',
      ).then(() => undefined),
    );
    await snaps.commit('l2', 'l1', (fs, lowers) =>
      apply(
        fs,
        [
          { name: '.wh.gone.txt', content: '' },
          { name: 'opq/.wh..wh..opq', content: '' },
          { name: 'opq/new.txt', content: 'new' },
          { name: 'etc/b', content: 'b' },
        ],
        'overlay',
        lowers,
      ).then(() => undefined),
    );
    const upper = snaps.fsPath('l2');
    const wh = lstatSync(path.join(upper, 'gone.txt'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'whiteout is a 0/0 char device');
    assert.equal(
      execFileSync('getfattr', ['-h', '--only-values', '-n', 'trusted.overlay.opaque', path.join(upper, 'opq')], {
        encoding: 'utf8',
      }).trim(),
      'y',
    );
    assert.equal(statSync(path.join(upper, 'etc')).mode & 0o7777, 0o700, 'an implied dir takes its mode from the lower layer');

    const mounts = await snaps.prepare('ctr-1', 'img');
    assert.equal(mounts.length, 1);
    assert.equal(mounts[0].type, 'overlay');
    const lowerdir = mounts[0].options.find((o) => o.startsWith('lowerdir='))!;
    assert.equal(lowerdir, `lowerdir=${snaps.fsPath('l2')}:${snaps.fsPath('l1')}`);
    const target = path.join(dir, 'rootfs');
    execFileSync('mkdir', [target]);
    const listing = execFileSync(
      'unshare',
      [
        '--mount',
        '--',
        'sh',
        '-c',
        'mount --make-rprivate / && mount -t overlay overlay -o "$1" "$2" && cd "$2" && ls -A . opq etc && echo written > keep.txt && cat keep.txt',
        'sh',
        mounts[0].options.join(','),
        target,
      ],
      { encoding: 'utf8' },
    );
    assert.match(listing, /^\.:\netc\nkeep.txt\nopq\n/);
    assert.match(listing, /opq:\nnew.txt\n/);
    assert.match(listing, /etc:\na\nb\n/);
    assert.doesNotMatch(listing, /gone\.txt|old\.txt/);
    // The container's write went to its own upper dir, not to the shared layer.
    assert.equal(readFileSync(path.join(snaps.fsPath('l1'), 'keep.txt'), 'utf8'), 'keep');
    assert.equal(readFileSync(path.join(snaps.fsPath('ctr-1'), 'keep.txt'), 'utf8'), 'written\n');
    await snaps.remove('ctr-1');
    assert.equal(existsSync(snaps.fsPath('ctr-1')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('device nodes are made as root, skipped otherwise', { skip: !isRoot && 'needs root' }, async () => {
  const dir = tmp();
  try {
    await apply(dir, [{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 }]);
    const st = lstatSync(path.join(dir, 'null'));
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, (1 << 8) | 3);
    await assert.rejects(apply(dir, [{ name: 'bad', type: 'block-device', devmajor: 1 << 20, devminor: 0 }]), /out of range/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gzip and zstd layers decompress to the same tree', { skip: !existsSync('/usr/bin/zstd') && 'zstd not installed' }, async () => {
  const { decompressor, detectCompression } = await import('./layer.js');
  const dir = tmp();
  try {
    const plain = await buildTar([
      { name: 'a/', type: 'directory' },
      { name: 'a/f.txt', content: 'zstd works\n'.repeat(1000) },
    ]);
    const zst = execFileSync('/usr/bin/zstd', ['-q', '-c'], { input: plain });
    const gz = (await import('node:zlib')).gzipSync(plain);
    for (const [label, blob] of [
      ['zstd', zst],
      ['gzip', gz],
      ['none', plain],
    ] as const) {
      assert.equal(detectCompression(blob.subarray(0, 4)), label);
      const root = path.join(dir, label);
      execFileSync('mkdir', [root]);
      const dec = decompressor(label);
      const src = Readable.from([blob]);
      await applyLayer(dec ? src.pipe(dec) : src, { root, mode: 'native', sameOwner: isRoot, special });
      assert.equal(readFileSync(path.join(root, 'a/f.txt'), 'utf8'), 'zstd works\n'.repeat(1000));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
