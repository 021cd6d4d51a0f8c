import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  closeFd,
  fdPath,
  fdWalkSupported,
  mkdirInRoot,
  mkdirInRootScoped,
  openFileInRoot,
  openInRoot,
  openInRootScoped,
  resolveInLayers,
  resolveInRoot,
  SafePathError,
  writeFileInRoot,
} from './safepath.js';

const skip = fdWalkSupported ? false : 'needs Linux with /proc';
let dir = '';
let root = '';
let outside = '';

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-safepath-'));
  root = path.join(dir, 'root');
  outside = path.join(dir, 'outside');
  mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret'), 'host file');
  writeFileSync(path.join(root, 'a', 'file'), 'inside');
  // What a container could plant: links to the host, absolute and relative.
  symlinkSync(outside, path.join(root, 'abs'));
  symlinkSync('../../outside', path.join(root, 'rel'));
  symlinkSync('/a/b', path.join(root, 'ab'));
  symlinkSync('loop', path.join(root, 'loop'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('strict open refuses every link and every .. on the way', { skip }, () => {
  const fd = openInRoot(root, 'a/b', { directory: true });
  assert.equal(readlinkSync(fdPath(fd)), path.join(root, 'a', 'b'));
  closeFd(fd);
  for (const p of ['abs', 'abs/secret', 'rel/secret', 'ab']) {
    assert.throws(
      () => openInRoot(root, p),
      (e: unknown) => e instanceof SafePathError && e.code === 'ESYMLINK',
      p,
    );
  }
  assert.throws(
    () => openInRoot(root, 'a/../../outside'),
    (e: unknown) => e instanceof SafePathError && e.code === 'EESCAPE',
  );
  assert.throws(
    () => openInRoot(root, 'a/file/x'),
    (e: unknown) => e instanceof SafePathError && e.code === 'ENOTDIR',
  );
  assert.throws(
    () => openInRoot(root, 'a/none'),
    (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT',
  );
});

test('scoped resolution follows links as if root were /', { skip }, () => {
  assert.equal(resolveInRoot(root, '/abs/secret'), path.join(root, outside.slice(1), 'secret'));
  assert.equal(resolveInRoot(root, 'rel/secret'), path.join(root, 'outside', 'secret'));
  assert.equal(resolveInRoot(root, '../../../etc/passwd'), path.join(root, 'etc', 'passwd'));
  assert.equal(resolveInRoot(root, 'ab/new/dir'), path.join(root, 'a', 'b', 'new', 'dir'));
  assert.equal(resolveInRoot(root, 'a/x/../../ab'), path.join(root, 'a', 'b'));
  assert.equal(resolveInRoot(root, '/'), root);
  assert.throws(
    () => resolveInRoot(root, 'loop/x'),
    (e: unknown) => e instanceof SafePathError && e.code === 'ESYMLINK',
  );
  const r = openInRootScoped(root, 'ab/c/d');
  assert.deepEqual([r.rel, r.missing], ['a/b', ['c', 'd']]);
  closeFd(r.fd);
});

test('mkdir in root creates directories inside only, never through a link', { skip }, () => {
  closeFd(mkdirInRoot(root, 'x/y/z'));
  assert.ok(lstatSync(path.join(root, 'x', 'y', 'z')).isDirectory());
  assert.throws(() => mkdirInRoot(root, 'abs/made'), SafePathError);
  assert.equal(existsSync(path.join(outside, 'made')), false);
  const r = mkdirInRootScoped(root, '/abs/made');
  closeFd(r.fd);
  assert.equal(existsSync(path.join(outside, 'made')), false);
  assert.ok(lstatSync(path.join(root, outside.slice(1), 'made')).isDirectory());
});

test('files are written inside the root, replacing links instead of writing through them', { skip }, () => {
  writeFileInRoot(root, 'w/one', 'data', 0o600);
  assert.equal(readFileSync(path.join(root, 'w', 'one'), 'utf8'), 'data');
  assert.equal(lstatSync(path.join(root, 'w', 'one')).mode & 0o777, 0o600);
  symlinkSync(path.join(outside, 'secret'), path.join(root, 'w', 'two'));
  writeFileInRoot(root, 'w/two', 'replaced');
  assert.equal(readFileSync(path.join(outside, 'secret'), 'utf8'), 'host file');
  assert.equal(lstatSync(path.join(root, 'w', 'two')).isFile(), true);
  assert.throws(() => writeFileInRoot(root, 'abs/evil', 'x'), SafePathError);
  assert.equal(existsSync(path.join(outside, 'evil')), false);
  assert.throws(() => openFileInRoot(root, 'rel/secret', 0), SafePathError);
});

test('layers resolve as an overlay: the upper layer first, links scoped to the union', { skip }, () => {
  const upper = path.join(dir, 'upper');
  const lower = path.join(dir, 'lower');
  mkdirSync(path.join(upper, 'usr', 'share'), { recursive: true });
  mkdirSync(path.join(lower, 'usr', 'lib'), { recursive: true });
  mkdirSync(path.join(lower, 'run'), { recursive: true });
  symlinkSync('/run', path.join(lower, 'varrun'));
  symlinkSync(outside, path.join(upper, 'escape'));
  mkdirSync(path.join(upper, 'varrun'));
  assert.equal(resolveInLayers([upper, lower], '/usr/lib/x'), 'usr/lib/x');
  assert.equal(resolveInLayers([upper, lower], '/escape/sub'), `${outside.slice(1)}/sub`);
  // An upper directory hides a lower link of the same name.
  assert.equal(resolveInLayers([upper, lower], '/varrun/secrets'), 'varrun/secrets');
  assert.equal(resolveInLayers([lower], '/varrun/secrets'), 'run/secrets');
  assert.equal(resolveInLayers([upper, lower], '/../../x/../y'), 'y');
});
