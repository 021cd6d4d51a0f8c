// Unit tests of the streaming codecs: SPDY frames, header blocks and a session driven by a
// hand-made client; websocket channel messages and resizes; CRI log lines and log options.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { SpdyTestClient } from '../../testing/spdyclient.js';
import { Channel, decodeChannelMessage, encodeChannelMessage, exitStatus, negotiate, parseResize, ResizeDecoder } from './channels.js';
import { parseCRILine, parseLogOptions, streamLog } from './logs.js';
import {
  type ControlFrame,
  decodeHeaderBlock,
  encodeControlFrame,
  encodeDataFrame,
  encodeHeaderBlock,
  FLAG_FIN,
  type Frame,
  FrameReader,
  FrameType,
  SPDY3_DICTIONARY,
  SpdySession,
} from './spdy.js';

test('SPDY frames round-trip through the reader, split at any byte', () => {
  const bytes = Buffer.concat([
    encodeControlFrame(FrameType.Ping, 0, Buffer.from([0, 0, 0, 7])),
    encodeDataFrame(5, FLAG_FIN, Buffer.from('hello')),
  ]);
  const r = new FrameReader();
  const frames: Frame[] = [];
  for (const b of bytes) frames.push(...r.push(Buffer.from([b])));
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[0], { control: true, type: FrameType.Ping, flags: 0, data: Buffer.from([0, 0, 0, 7]) });
  assert.equal(frames[1].control, false);
  assert.equal((frames[1] as { streamId: number }).streamId, 5);
  assert.equal(frames[1].flags, FLAG_FIN);
  assert.equal(frames[1].data.toString(), 'hello');
  assert.throws(() => new FrameReader().push(Buffer.from([0x80, 2, 0, 1, 0, 0, 0, 0])), /unsupported SPDY version 2/);
});

test('the SPDY/3 header dictionary is the one of the spec (1423 bytes)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(
    createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'),
    '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02',
  );
});

test('SPDY header blocks: lower-cased names, NUL-joined values', () => {
  const block = encodeHeaderBlock({ StreamType: ['data'], port: ['80'], multi: ['a', 'b'] });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: ['data'], port: ['80'], multi: ['a', 'b'] });
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated/);
});

test('SPDY session: replies to streams, echoes pings, carries data past 64 KiB without window updates', async () => {
  const toServer = new PassThrough(),
    toClient = new PassThrough();
  const serverEnd = new Duplex({
    read() {
      /* pushed below */
    },
    write(c: Buffer, _e, cb) {
      toClient.write(c);
      cb();
    },
  });
  toServer.on('data', (c: Buffer) => serverEnd.push(c));
  const session = new SpdySession(serverEnd);
  const received: Buffer[] = [];
  session.on('stream', (s) => {
    assert.equal(s.header('streamType'), 'data');
    void s.reply();
    s.on('data', (c: Buffer) => received.push(c));
    s.on('end', () => {
      s.end(Buffer.alloc(200_000, 'z'));
    });
  });
  const client = new SpdyTestClient((b) => toServer.write(b));
  toClient.on('data', (c: Buffer) => client.receive(c));
  await client.synStream(1, { streamtype: ['data'], port: ['80'], requestid: ['0'] });
  const reply = (await client.waitFor((f) => f.control && f.type === FrameType.SynReply)) as ControlFrame;
  assert.equal(reply.data.readUInt32BE(0), 1);
  assert.deepEqual(await client.replyHeaders(reply), {});
  client.send(encodeControlFrame(FrameType.Ping, 0, Buffer.from([0, 0, 0, 1])));
  await client.waitFor((f) => f.control && f.type === FrameType.Ping);
  client.send(encodeDataFrame(1, 0, Buffer.from('abc')));
  client.send(encodeDataFrame(1, FLAG_FIN, Buffer.from('def')));
  await client.waitFor((f) => !f.control && (f.flags & FLAG_FIN) !== 0);
  assert.equal(Buffer.concat(received).toString(), 'abcdef');
  const data = client.frames.filter((f) => !f.control).reduce((n, f) => n + f.data.length, 0);
  assert.equal(data, 200_000);
  // A second stream reuses the same zlib contexts; an even (server-side) id is refused.
  await client.synStream(3, { streamtype: ['data'], port: ['80'], requestid: ['1'] });
  await client.waitFor((f) => f.control && f.type === FrameType.SynReply && f.data.readUInt32BE(0) === 3);
  await client.synStream(4, { streamtype: ['data'] });
  await client.waitFor((f) => f.control && f.type === FrameType.RstStream && f.data.readUInt32BE(0) === 4);
  session.destroy();
});

test('websocket channel messages and resize messages', () => {
  const m = encodeChannelMessage(Channel.Stdout, 'hi');
  assert.deepEqual([...m], [1, 0x68, 0x69]);
  assert.deepEqual(decodeChannelMessage(m), { channel: 1, payload: Buffer.from('hi') });
  assert.equal(decodeChannelMessage(Buffer.alloc(0)), undefined);
  assert.deepEqual(parseResize('{"Width":80,"Height":24}'), { width: 80, height: 24 });
  assert.equal(parseResize('{"Width":-1,"Height":24}'), undefined);
  assert.equal(parseResize('nope'), undefined);
  const d = new ResizeDecoder();
  assert.deepEqual(d.push('{"Width":1,"Height":2}\n{"Wid'), [{ width: 1, height: 2 }]);
  assert.deepEqual(d.push('th":3,"Height":4}\n'), [{ width: 3, height: 4 }]);
});

test('exit status as kubelet writes it, and protocol negotiation', () => {
  assert.deepEqual(exitStatus(0), { metadata: {}, status: 'Success' });
  const s = exitStatus(3);
  assert.equal(s.reason, 'NonZeroExitCode');
  assert.deepEqual(s.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  assert.equal(negotiate('v5.channel.k8s.io, v4.channel.k8s.io', ['v4.channel.k8s.io']), 'v4.channel.k8s.io');
  // The client's order decides, as httpstream.Handshake and wsstream do.
  assert.equal(negotiate(['a', 'b, c'], ['c', 'b']), 'b');
  assert.equal(negotiate(undefined, ['c']), undefined);
});

test('CRI log lines and PodLogOptions', () => {
  const l = parseCRILine(Buffer.from('2024-01-01T00:00:01.123456789Z stderr P some text'))!;
  assert.equal(l.stream, 'stderr');
  assert.equal(l.partial, true);
  assert.equal(l.content.toString(), 'some text');
  assert.equal(l.timeMs, Date.parse('2024-01-01T00:00:01.123Z'));
  assert.equal(parseCRILine(Buffer.from('garbage')), undefined);
  assert.equal(parseCRILine(Buffer.from('2024-01-01T00:00:01Z stdout F '))!.content.length, 0);
  const o = parseLogOptions(new URLSearchParams('follow=true&tailLines=3&sinceSeconds=10&limitBytes=5'), 100_000);
  assert.deepEqual(o, { follow: true, previous: false, timestamps: false, tailLines: 3, since: 90_000, limitBytes: 5 });
  assert.throws(
    () => parseLogOptions(new URLSearchParams('sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z')),
    /at most one of `sinceTime` or `sinceSeconds`/,
  );
  assert.throws(() => parseLogOptions(new URLSearchParams('tailLines=x')), /strconv\.ParseInt: parsing "x": invalid syntax/);
});

test('streamLog applies since and limitBytes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-logs-'));
  try {
    const file = path.join(dir, '0.log');
    fs.writeFileSync(file, '2024-01-01T00:00:01Z stdout F one\n2024-01-01T00:00:02Z stdout F two\n2024-01-01T00:00:03Z stdout F three\n');
    const collect = async (opts: Parameters<typeof streamLog>[1]) => {
      const chunks: Buffer[] = [];
      const out = new Writable({
        write(c: Buffer, _e, cb) {
          chunks.push(c);
          cb();
        },
      });
      await streamLog({ path: file, isRunning: async () => false }, opts, out, new AbortController().signal);
      return Buffer.concat(chunks).toString();
    };
    assert.equal(
      await collect({ follow: false, previous: false, timestamps: false, since: Date.parse('2024-01-01T00:00:02Z') }),
      'two\nthree\n',
    );
    assert.equal(await collect({ follow: false, previous: false, timestamps: true, limitBytes: 24 }), '2024-01-01T00:00:01Z one');
    assert.equal(await collect({ follow: true, previous: false, timestamps: false, tailLines: 1 }), 'three\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
