// `k8ts logs --follow` keeps printing across the cluster log's rotations, in order, nothing lost.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RotatingLog } from '../cluster/logfile.js';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-logs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('logs --follow follows the log through rotations', async () => {
  const log = new RotatingLog(path.join(dir, 'k8ts.log'), { maxBytes: 2000, maxFiles: 3 });
  log.write('line 000 before follow\n');
  const child = spawn(process.execPath, [main, 'logs', '--data-dir', dir, '--follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    out += String(d);
  });
  const seen = async (text: string) => {
    const deadline = Date.now() + 10_000;
    while (!out.includes(text)) {
      if (Date.now() > deadline) throw new Error(`logs --follow never printed ${JSON.stringify(text)}; it printed:\n${out.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    await seen('line 000');
    // Batches of ~1.5 KB: every other batch crosses the 2,000-byte limit and rotates the file.
    let n = 1;
    for (let batch = 0; batch < 8; batch++) {
      for (let i = 0; i < 15; i++, n++) log.write(`line ${String(n).padStart(3, '0')} ${'x'.repeat(90)}\n`);
      await seen(`line ${String(n - 1).padStart(3, '0')} `);
    }
    const nums = [...out.matchAll(/^line (\d+)/gm)].map((m) => Number(m[1]));
    assert.deepEqual(
      nums,
      Array.from({ length: n }, (_, i) => i),
      'every line once, in order',
    );
    assert.ok(fs.existsSync(path.join(dir, 'k8ts.log.2')), 'the log did rotate');
  } finally {
    child.kill('SIGTERM');
    log.close();
  }
});

test('logs of a cluster with no log says so plainly', async () => {
  const empty = fs.mkdtempSync(path.join(dir, 'none-'));
  const r = await new Promise<{ code: number; err: string }>((resolve) => {
    const c = spawn(process.execPath, [main, 'logs', '--data-dir', empty], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => {
      err += String(d);
    });
    c.on('close', (code) => resolve({ code: code ?? 1, err }));
  });
  assert.equal(r.code, 1);
  assert.match(r.err, /no log yet for cluster/);
});
