import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CriLineSplitter, MAX_LOG_LINE, criTimestamp } from './logs.js';

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
  assert.deepEqual(lines.map((l) => l.replace(/^\S+ /, '')), ['stdout F one\n', 'stdout F two\n']);
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
