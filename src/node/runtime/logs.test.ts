import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CriLineSplitter, criTimestamp, MAX_LOG_LINE } from './logs.js';

function collect() {
  const lines: string[] = [];
  return { lines, splitter: new CriLineSplitter('stdout', (b) => lines.push(b.toString('utf8'))) };
}

test('timestamps are RFC 3339 with nanoseconds', () => {
  assert.match(criTimestamp(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
});

test('full lines across chunks become F entries; the unfinished tail waits', () => {
  const { lines, splitter } = collect();
  splitter.push(Buffer.from('one\ntw'));
  splitter.push(Buffer.from('o\nthr'));
  assert.deepEqual(
    lines.map((l) => l.replace(/^\S+ /, '')),
    ['stdout F one\n', 'stdout F two\n'],
  );
  splitter.end();
  assert.equal(lines[2].replace(/^\S+ /, ''), 'stdout F thr\n');
});

test('a line longer than 16 KiB is split into P entries and ends with F', () => {
  const { lines, splitter } = collect();
  splitter.push(Buffer.from('x'.repeat(MAX_LOG_LINE * 2 + 10) + '\nnext\n'));
  const tags = lines.map((l) => l.split(' ')[2]);
  assert.deepEqual(tags, ['P', 'P', 'F', 'F']);
  assert.equal(lines[2].replace(/^\S+ stdout F /, ''), 'x'.repeat(10) + '\n');
});

test('the log writer rotates as kubelet does: at most maxFiles files of about maxSize (issue #7)', {
  skip: process.platform === 'win32',
}, async () => {
  const { execFileSync } = await import('node:child_process');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { ContainerLogPump } = await import('./logs.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-rotate-'));
  try {
    const fifos = { stdout: path.join(dir, 'stdout.fifo'), stderr: path.join(dir, 'stderr.fifo') };
    execFileSync('mkfifo', [fifos.stdout, fifos.stderr]);
    const logPath = path.join(dir, '0.log');
    const pump = new ContainerLogPump(fifos, logPath, { maxSize: 64 * 1024, maxFiles: 3 });
    const err = fs.createWriteStream(fifos.stderr);
    const out = fs.createWriteStream(fifos.stdout);
    for (let i = 0; i < 10_000; i++)
      if (!out.write(`line ${i} ${'x'.repeat(100)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((r) => out.end(() => r()));
    await new Promise<void>((r) => err.end(() => r()));
    await pump.done;
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('0.log'))
      .sort();
    assert.equal(files.length, 3, files.join(' '));
    assert.equal(files.filter((f) => f === '0.log').length, 1);
    for (const f of files)
      assert.ok(fs.statSync(path.join(dir, f)).size <= 64 * 1024, `${f}: ${fs.statSync(path.join(dir, f)).size} bytes`);
    assert.match(fs.readFileSync(logPath, 'utf8').trim().split('\n').pop()!, / stdout F line 9999 x+$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
