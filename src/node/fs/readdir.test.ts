import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readdirOrEmpty } from './readdir.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-readdir-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a folder's names; a missing folder or a file lists as empty", async () => {
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'a.json'), '{}');
  assert.deepEqual((await readdirOrEmpty(dir)).sort(), ['a.json', 'sub']);
  assert.deepEqual(await readdirOrEmpty(path.join(dir, 'sub')), []);
  assert.deepEqual(await readdirOrEmpty(path.join(dir, 'missing')), []);
  assert.deepEqual(await readdirOrEmpty(path.join(dir, 'a.json')), []);
});
