// Websocket frames relayed one write each, whatever pieces they arrive in.

import assert from 'node:assert/strict';
import { type Duplex, PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { FrameSplitter, relayFrameAligned } from './framealign.js';

function frame(payload: Buffer, masked = false): Buffer {
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0x82, len])
      : len < 65536
        ? Buffer.from([0x82, 126, len >> 8, len & 0xff])
        : (() => {
            const h = Buffer.alloc(10);
            h[0] = 0x82;
            h[1] = 127;
            h.writeBigUInt64BE(BigInt(len), 2);
            return h;
          })();
  if (masked) head[1] |= 0x80;
  return Buffer.concat([head, masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0), payload]);
}

const frames = [
  frame(Buffer.from('a')),
  frame(Buffer.alloc(0)),
  frame(Buffer.alloc(300, 'b')),
  frame(Buffer.alloc(70_000, 'c')),
  frame(Buffer.from('masked'), true),
  frame(Buffer.from([3, 0x7b, 0x7d])),
];
const stream = Buffer.concat(frames);
/** Where each frame ends in the stream. */
const ends: number[] = [];
for (const f of frames) ends.push((ends.at(-1) ?? 0) + f.length);

function checkPieces(pieces: Buffer[]): void {
  assert.deepEqual(Buffer.concat(pieces), stream);
  let off = 0;
  for (const p of pieces) {
    // No piece crosses a frame's end.
    const frameEnd = ends.find((e) => e > off)!;
    assert.ok(off + p.length <= frameEnd, `a piece at ${off} of ${p.length} bytes crosses the frame end at ${frameEnd}`);
    off += p.length;
  }
}

test('FrameSplitter: pieces never cross a frame boundary, whatever the chunking', () => {
  for (const size of [1, 2, 3, 7, 64, 1000, stream.length]) {
    const s = new FrameSplitter();
    const pieces: Buffer[] = [];
    for (let off = 0; off < stream.length; off += size) pieces.push(...s.push(stream.subarray(off, off + size)));
    checkPieces(pieces);
  }
});

test('relayFrameAligned: the response head as is, then one write per frame piece; a non-101 answer is relayed raw', async () => {
  for (const head of [
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    'HTTP/1.1 400 Bad Request\r\nContent-Length: 6\r\n\r\n',
  ]) {
    const from = new PassThrough();
    const writes: Buffer[] = [];
    let ended = false;
    const to = new Writable({
      write(c: Buffer, _e, cb) {
        writes.push(Buffer.from(c));
        setImmediate(cb);
      },
      final(cb) {
        ended = true;
        cb();
      },
    }) as unknown as Duplex;
    relayFrameAligned(from, to);
    // Everything in one chunk: the worst case for coalescing.
    from.end(Buffer.concat([Buffer.from(head), stream]));
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (ended) {
          clearInterval(t);
          r();
        }
      }, 5);
    });
    assert.equal(writes[0].toString(), head);
    if (head.includes('101')) {
      checkPieces(writes.slice(1));
      assert.ok(writes.length - 1 >= frames.length);
    } else {
      assert.deepEqual(Buffer.concat(writes.slice(1)), stream);
    }
  }
});
