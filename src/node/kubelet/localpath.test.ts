// The node's local-path volumes on disk: directories made and removed only under the storage
// dir, only with the provisioner's names, and never through a link a pod could plant.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { localPathDirName } from '../../api/persistentvolume.js';
import type { RestClient } from '../../client/rest.js';
import { LocalPathNode, removeTreeInRoot } from './localpath.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), `k8ts-localpath-${process.pid}-`));
after(() => fs.rmSync(base, { recursive: true, force: true }));

const UID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const NAME = localPathDirName(`pvc-${UID}`, 'default', 'data');

function node(root: string): LocalPathNode {
  // Only the disk half is exercised: no API calls are made before start().
  return new LocalPathNode({ client: {} as RestClient, nodeName: 'n1', root, inUse: () => false });
}

test('directory names: pvc-<uid>_<namespace>_<claim>, the uid alone when too long', () => {
  assert.equal(NAME, `pvc-${UID}_default_data`);
  assert.equal(localPathDirName(`pvc-${UID}`, 'ns', 'x'.repeat(253)), `pvc-${UID}`);
});

test('a volume directory is made under the root with mode 0777; other paths are not ours', () => {
  const root = path.join(base, 'storage');
  fs.mkdirSync(root, { mode: 0o700 });
  const lp = node(root);
  const dir = lp.volumeDir(path.join(root, NAME));
  assert.equal(dir, path.join(root, NAME));
  assert.equal(fs.statSync(dir!).mode & 0o777, 0o777);
  assert.equal(lp.volumeDir(path.join(root, NAME)), dir, 'again: the same directory');
  for (const p of [
    `${root}/../${NAME}`,
    path.join(root, 'etc'),
    path.join(root, NAME, 'sub'),
    path.join(base, NAME),
    `${root}//${NAME}`,
    NAME,
    path.join(root, `pvc-${UID}_default_../x`),
  ]) {
    assert.equal(lp.volumeDir(p), undefined, p);
  }
});

test('a planted link in place of the volume directory is refused, never followed', () => {
  const root = path.join(base, 'planted');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.chmodSync(outside, 0o700);
  fs.symlinkSync(outside, path.join(root, NAME));
  assert.throws(() => node(root).volumeDir(path.join(root, NAME)));
  assert.equal(fs.statSync(outside).mode & 0o777, 0o700, 'the link target keeps its mode');
  assert.deepEqual(fs.readdirSync(outside), []);
});

test('removal removes links inside as links, and nothing they point at', () => {
  const root = path.join(base, 'remove');
  const victim = path.join(base, 'victim');
  fs.mkdirSync(path.join(root, NAME, 'a', 'b'), { recursive: true });
  fs.mkdirSync(victim);
  fs.writeFileSync(path.join(victim, 'keep'), 'precious');
  fs.writeFileSync(path.join(root, NAME, 'a', 'b', 'f'), 'data');
  fs.symlinkSync(victim, path.join(root, NAME, 'a', 'escape'));
  fs.symlinkSync(path.join(victim, 'keep'), path.join(root, NAME, 'file-link'));
  assert.equal(removeTreeInRoot(root, NAME), true);
  assert.deepEqual(fs.readdirSync(root), []);
  assert.equal(fs.readFileSync(path.join(victim, 'keep'), 'utf8'), 'precious');
  assert.equal(removeTreeInRoot(root, NAME), false, 'nothing left to remove');
  // The volume directory itself a link: the link goes, its target stays.
  fs.symlinkSync(victim, path.join(root, NAME));
  assert.equal(removeTreeInRoot(root, NAME), true);
  assert.equal(fs.readFileSync(path.join(victim, 'keep'), 'utf8'), 'precious');
  assert.throws(() => removeTreeInRoot(root, '..'), /not a local-path volume directory/);
  assert.throws(() => removeTreeInRoot(root, 'etc'), /not a local-path volume directory/);
});
