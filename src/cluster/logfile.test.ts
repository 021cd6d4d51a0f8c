import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { RotatingLog } from './logfile.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-logfile-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the log rotates by size and keeps maxFiles files, newest in .1', () => {
  const file = path.join(dir, 'k8ts.log');
  const log = new RotatingLog(file, { maxBytes: 1000, maxFiles: 3 });
  for (let i = 0; i < 100; i++) log.write(`line ${String(i).padStart(3, '0')} ${'x'.repeat(90)}\n`);
  log.close();
  const files = fs.readdirSync(dir).sort();
  assert.deepEqual(files, ['k8ts.log', 'k8ts.log.1', 'k8ts.log.2']);
  for (const f of files) assert.ok(fs.statSync(path.join(dir, f)).size <= 1000, `${f} is over the limit`);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  // Newest last: .2 then .1 then the current file continue one another.
  const text = ['k8ts.log.2', 'k8ts.log.1', 'k8ts.log'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
  const nums = [...text.matchAll(/^line (\d+)/gm)].map((m) => Number(m[1]));
  assert.equal(nums.at(-1), 99);
  assert.deepEqual(
    nums,
    nums.map((_, i) => nums[0] + i),
    'no line lost or reordered within what is kept',
  );
  // A new writer appends to the current file rather than truncating it.
  const before = fs.statSync(file).size;
  const again = new RotatingLog(file, { maxBytes: 1000, maxFiles: 3 });
  again.line('after restart');
  again.close();
  assert.ok(fs.statSync(file).size > before || fs.existsSync(`${file}.1`));
});
