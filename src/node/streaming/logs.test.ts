import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { waitFor } from '../../testing/wait.js';
import { type LogOptions, streamLog } from './logs.js';

let dir = '';
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-logs-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const line = (i: number, pad = 0) => `2026-01-01T00:00:00.${String(i % 1e9).padStart(9, '0')}Z stdout F line ${i}${'x'.repeat(pad)}\n`;
const opts = (o: Partial<LogOptions> = {}): LogOptions => ({ follow: false, previous: false, timestamps: false, ...o });

function sink(onWrite?: () => void) {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      onWrite?.();
      cb();
    },
  });
  return { w, text: () => Buffer.concat(chunks).toString() };
}

test('the tail of a large log is read from its end, in bounded memory (issue #7)', async () => {
  const file = path.join(dir, 'big.log');
  const block: string[] = [];
  for (let i = 0; i < 1000; i++) block.push(line(i, 1000));
  const text = block.join('');
  writeFileSync(file, '');
  for (let k = 0; k < 96; k++) appendFileSync(file, text); // ~96 MiB
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const out = sink(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  });
  await streamLog({ path: file, isRunning: async () => false }, opts({ tailLines: 3 }), out.w, new AbortController().signal);
  assert.deepEqual(
    out
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(0, 9)),
    ['line 997x', 'line 998x', 'line 999x'],
  );
  assert.ok(peak < 16 * 1024 * 1024, `memory grew by ${peak} bytes while streaming 3 lines of a 96 MiB log`);
});

test('following adds no listener per poll and follows a rotated file (issue #7)', async () => {
  const file = path.join(dir, 'follow.log');
  writeFileSync(file, line(1));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  const ac = new AbortController();
  const out = sink();
  let running = true;
  try {
    const done = streamLog({ path: file, isRunning: async () => running }, opts({ follow: true }), out.w, ac.signal, 1);
    await new Promise((r) => setTimeout(r, 300)); // a few hundred polls
    appendFileSync(file, line(2));
    renameSync(file, `${file}.20260101-000000`); // rotation, as the log writer does it
    writeFileSync(file, line(3));
    await waitFor('line 3 followed', () => out.text().includes('line 3'), 5000);
    running = false;
    await done;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(out.text().split('\n').filter(Boolean), ['line 1', 'line 2', 'line 3']);
    assert.deepEqual(
      warnings.filter((w) => w === 'MaxListenersExceededWarning'),
      [],
    );
  } finally {
    process.off('warning', onWarning);
    ac.abort();
  }
});
