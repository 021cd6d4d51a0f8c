// The per-data-dir lock of `k8ts up`: processes racing for it never hold it together.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const lockModule = fileURLToPath(new URL('./lock.js', import.meta.url));

// Each racer takes the lock, writes "enter PID", waits a little, writes "exit PID", releases; then again.
const racer = `
import fs from 'node:fs';
const { acquireLock } = await import(process.argv[1]);
const [lockFile, journal, rounds] = process.argv.slice(2);
for (let i = 0; i < Number(rounds); i++) {
  const lock = await acquireLock(lockFile, { waitMs: 60000 });
  fs.appendFileSync(journal, 'enter ' + process.pid + '\\n');
  await new Promise((r) => setTimeout(r, 2));
  fs.appendFileSync(journal, 'exit ' + process.pid + '\\n');
  lock.release();
}
`;

test('processes racing for the lock hold it one at a time (it never appears empty to a racer)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-lock-'));
  try {
    const lockFile = path.join(dir, 'up.lock');
    const journal = path.join(dir, 'journal');
    const racers = 8;
    const rounds = 15;
    const codes = await Promise.all(
      Array.from({ length: racers }, () => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', racer, lockModule, lockFile, journal, String(rounds)], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        return new Promise<number | null>((resolve) => child.on('exit', resolve));
      }),
    );
    assert.deepEqual(codes, Array(racers).fill(0));
    const lines = fs.readFileSync(journal, 'utf8').trim().split('\n');
    assert.equal(lines.length, racers * rounds * 2);
    for (let i = 0; i < lines.length; i += 2) {
      const [enter, exit] = [lines[i].split(' '), lines[i + 1].split(' ')];
      assert.deepEqual(
        [enter[0], exit[0], exit[1]],
        ['enter', 'exit', enter[1]],
        `overlap at line ${i + 1}: ${lines.slice(i, i + 3).join(' | ')}`,
      );
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ['journal'], 'no lock or aside file is left behind');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
