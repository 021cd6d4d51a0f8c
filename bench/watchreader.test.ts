// The fan-out bench's reader (watchreader.ts): it counts every MODIFIED event of a chunked
// answer whatever the reads' boundaries, and refuses what is not a watch's answer.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WatchReader } from './watchreader.js';

/** A chunked watch answer: the head, then each chunk as its size line, data and CRLF. */
function answer(chunks: string[], status = '200 OK', end = false): Buffer {
  const head = `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const body = chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('');
  return Buffer.from(head + body + (end ? '0\r\n\r\n' : ''));
}

const line = (type: string, i: number) => `{"type":"${type}","object":{"kind":"ConfigMap","data":{"k":"${'x'.repeat(i % 7)}"}}}\n`;

/** Feeds bytes to a reader in pieces of the given sizes (cycled); the events it counted. */
function count(bytes: Buffer, sizes: number[]): { opened: number; events: number } {
  let opened = 0;
  let events = 0;
  const r = new WatchReader(
    0,
    () => opened++,
    (n) => {
      events += n;
    },
  );
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length];
    r.feed(bytes.subarray(at, at + n));
    at += n;
  }
  return { opened, events };
}

test('counts every MODIFIED event, however the reads split the head, the size lines and the events', () => {
  // 40 chunks, each of 1-5 event lines, MODIFIED and others mixed: 100 MODIFIED in all.
  const chunks: string[] = [];
  let modified = 0;
  for (let c = 0; c < 40; c++) {
    let text = '';
    for (let e = 0; e <= c % 5; e++) {
      const type = (c + e) % 3 === 0 ? 'ADDED' : 'MODIFIED';
      if (type === 'MODIFIED') modified++;
      text += line(type, c + e);
    }
    chunks.push(text);
  }
  const bytes = answer(chunks);
  for (const sizes of [[bytes.length], [1], [2], [3, 17, 5], [18], [19], [64, 7], [1000]]) {
    assert.deepEqual(count(bytes, sizes), { opened: 1, events: modified }, `reads of ${sizes.join(',')} bytes`);
  }
  // A pattern the data only seems to hold across chunk framing is not an event.
  assert.deepEqual(count(answer(['{"type":"MODI', 'FIED"']), [1]), { opened: 1, events: 1 });
  assert.deepEqual(count(answer(['{"type":"MODI']), [1]), { opened: 1, events: 0 });
});

test('refuses an answer that is not a watch: a status other than 200, no chunked body, its end', () => {
  assert.throws(() => count(answer([line('MODIFIED', 1)], '403 Forbidden'), [5]), /HTTP 403/);
  assert.throws(() => count(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'), [100]), /not chunked/);
  assert.throws(() => count(answer([line('MODIFIED', 1)], '200 OK', true), [9]), /ended/);
  assert.throws(() => count(Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`), [100]), /bad chunk size/);
});
