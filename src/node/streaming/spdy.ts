// A server-side SPDY/3.1 session, just what Kubernetes' streaming protocols use: kubectl (through
// moby/spdystream) opens every stream itself with SYN_STREAM frames whose headers are plain
// key/values (streamtype, port, requestid) rather than HTTP requests, expects a SYN_REPLY for
// each, exchanges DATA frames, pings, and never sends WINDOW_UPDATE: spdystream does no flow
// control, so neither may we, or a stream would stall after the first 64 KiB. As spdystream does,
// a stream whose reader is behind stops the reading of the whole connection (TCP pushes back).
// Kubernetes counterpart: k8s.io/apimachinery/pkg/util/httpstream/spdy over moby/spdystream.
//
// Every input is bounded: a decompressed header block (MAX_HEADER_BLOCK_BYTES), a frame (SPDY's
// own 24-bit length), the streams open at once (MAX_CONCURRENT_STREAMS).

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { drained } from './drain.js';

// The zlib preset dictionary of SPDY/3 header blocks (draft-mbelshe-httpbis-spdy-00, 2.6.10.1):
// 65 length-prefixed words, then one run of text.
const SPDY3_DICTIONARY_WORDS = [
  'options',
  'head',
  'post',
  'put',
  'delete',
  'trace',
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'age',
  'allow',
  'authorization',
  'cache-control',
  'connection',
  'content-base',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'etag',
  'expect',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'pragma',
  'proxy-authenticate',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'server',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'vary',
  'via',
  'warning',
  'www-authenticate',
  'method',
  'get',
  'status',
  '200 OK',
  'version',
  'HTTP/1.1',
  'url',
  'public',
  'set-cookie',
  'keep-alive',
  'origin',
];
const SPDY3_DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Una' +
  'uthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service' +
  ' UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, ' +
  'Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,applicat' +
  'ion/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf' +
  '-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...SPDY3_DICTIONARY_WORDS.map((w) => {
    const b = Buffer.alloc(4 + w.length);
    b.writeUInt32BE(w.length);
    b.write(w, 4, 'latin1');
    return b;
  }),
  Buffer.from(SPDY3_DICTIONARY_TAIL, 'latin1'),
]);

/**
 * The most a header block may inflate to. Kubernetes' streams carry three short headers; a block
 * past this is an attack (a few KiB of zlib can inflate to gigabytes) and ends the session.
 */
export const MAX_HEADER_BLOCK_BYTES = 64 * 1024;
/** Streams open at once in one session; more are refused (REFUSED_STREAM). */
export const MAX_CONCURRENT_STREAMS = 1000;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

export const RstStatus = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6 } as const;

export interface ControlFrame {
  control: true;
  type: number;
  flags: number;
  data: Buffer;
}
export interface DataFrame {
  control: false;
  streamId: number;
  flags: number;
  data: Buffer;
}
export type Frame = ControlFrame | DataFrame;

/** SPDY frames carry 24-bit lengths; a DATA frame is kept well below that. */
const MAX_DATA_CHUNK = 64 * 1024;

/**
 * Splits a byte stream into frames; push() returns the frames completed so far. Chunks are kept
 * apart until a whole frame is in, so a large frame arriving in small pieces costs one copy.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): Frame[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    const frames: Frame[] = [];
    while (this.size >= 8) {
      const head = this.head();
      const length = head.readUIntBE(5, 3);
      if (this.size < 8 + length) break;
      const frame = this.take(8 + length);
      const flags = frame[4];
      const data = frame.subarray(8);
      if (frame[0] & 0x80) {
        const version = frame.readUInt16BE(0) & 0x7fff;
        if (version !== 3) throw new Error(`unsupported SPDY version ${version}`);
        frames.push({ control: true, type: frame.readUInt16BE(2), flags, data });
      } else {
        frames.push({ control: false, streamId: frame.readUInt32BE(0) & 0x7fffffff, flags, data });
      }
    }
    return frames;
  }

  /** The first 8 bytes, wherever they lie. */
  private head(): Buffer {
    if (this.chunks[0].length >= 8) return this.chunks[0];
    const b = Buffer.alloc(8);
    let off = 0;
    for (const c of this.chunks) {
      off += c.copy(b, off, 0, Math.min(c.length, 8 - off));
      if (off === 8) break;
    }
    return b;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.size -= n;
    return all.subarray(0, n);
  }
}

export function encodeControlFrame(type: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | 3, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

export function encodeDataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = flags;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  for (const [i, v] of values.entries()) b.writeUInt32BE(v >>> 0, 4 * i);
  return b;
}

export type HeaderMap = Record<string, string[]>;

/** The uncompressed name/value block: count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: HeaderMap): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, values] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(values.join('\0'));
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): HeaderMap {
  const out: HeaderMap = {};
  let off = 0;
  const need = (n: number) => {
    if (off + n > block.length) throw new Error('truncated SPDY header block');
  };
  // The count, and each name and value, is a 32-bit big-endian length and then that many bytes.
  const readLength = (): number => {
    need(4);
    const n = block.readUInt32BE(off);
    off += 4;
    return n;
  };
  const readString = (): string => {
    const n = readLength();
    need(n);
    const s = block.subarray(off, off + n).toString();
    off += n;
    return s;
  };
  const count = readLength();
  for (let i = 0; i < count; i++) {
    const name = readString();
    out[name.toLowerCase()] = readString().split('\0');
  }
  return out;
}

/**
 * One zlib context per direction for the whole session, flushed (Z_SYNC_FLUSH) after each block.
 * An output past maxOutput fails the block and breaks the context for good (the session ends).
 */
class ZContext {
  private chain: Promise<unknown> = Promise.resolve();
  private out: Buffer[] = [];
  private outBytes = 0;
  private broken?: Error;
  constructor(
    private readonly z: zlib.Deflate | zlib.Inflate,
    private readonly maxOutput = Infinity,
  ) {
    z.on('data', (c: Buffer) => {
      this.outBytes += c.length;
      if (this.outBytes > this.maxOutput) {
        this.broken ??= new Error(`SPDY header block larger than ${this.maxOutput} bytes`);
        this.out = [];
        this.z.destroy(this.broken);
        return;
      }
      this.out.push(c);
    });
    z.on('error', (e) => {
      this.broken ??= e;
    });
  }
  run(input: Buffer): Promise<Buffer> {
    const next = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.broken || this.z.destroyed) {
            reject(this.broken ?? new Error('header compression closed'));
            return;
          }
          const onError = (e: Error) => reject(e);
          const onClose = () => reject(this.broken ?? new Error('header compression closed'));
          this.z.once('error', onError);
          this.z.once('close', onClose);
          this.outBytes = 0;
          this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.z.off('error', onError);
            this.z.off('close', onClose);
            if (this.broken) {
              reject(this.broken);
              return;
            }
            const b = Buffer.concat(this.out);
            this.out = [];
            resolve(b);
          });
        }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }
  close(): void {
    this.z.destroy();
  }
}

export class HeaderCompressor {
  private ctx = new ZContext(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));
  compress(headers: HeaderMap): Promise<Buffer> {
    return this.ctx.run(encodeHeaderBlock(headers));
  }
  close(): void {
    this.ctx.close();
  }
}

export class HeaderDecompressor {
  private ctx: ZContext;
  constructor(maxBlockBytes = MAX_HEADER_BLOCK_BYTES) {
    // The chunk size bounds what zlib hands over at once, so the limit is checked as it grows.
    this.ctx = new ZContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY, chunkSize: 16 * 1024 }), maxBlockBytes);
  }
  async decompress(block: Buffer): Promise<HeaderMap> {
    return decodeHeaderBlock(await this.ctx.run(block));
  }
  close(): void {
    this.ctx.close();
  }
}

/** A stream the client opened; a Duplex of its DATA frames. */
export class SpdyStream extends Duplex {
  /** Set when the client reset the stream or the session ended. */
  reset = false;
  private localFin = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: HeaderMap,
    remoteFin: boolean,
  ) {
    super({ allowHalfOpen: true });
    if (remoteFin) this.push(null);
  }

  /** The first value of a header (names are lower case on the wire). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  /** Accepts the stream; spdystream's CreateStream waits for this. Never rejects. */
  reply(): Promise<void> {
    return this.session.sendReply(this.id);
  }

  /** The reader caught up: the connection may be read again. */
  override _read(): void {
    this.session.unblock(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.reset) {
      cb();
      return;
    }
    this.session.sendData(this.id, chunk, false).then(() => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.reset || this.localFin) {
      cb();
      return;
    }
    this.localFin = true;
    this.session.sendData(this.id, Buffer.alloc(0), true).then(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.session.unblock(this);
    cb(err);
  }

  /** Aborts the stream with RST_STREAM (CANCEL). */
  abort(): void {
    if (this.reset) return;
    this.reset = true;
    void this.session.sendRst(this.id, RstStatus.CANCEL);
    this.onRemoteGone();
  }

  /** @internal */
  onData(data: Buffer, fin: boolean): void {
    if (this.destroyed || this.readableEnded) return;
    // As spdystream: a reader that is behind holds up the connection (no flow control in SPDY here).
    if (data.length && !this.push(data)) this.session.block(this);
    if (fin) this.push(null);
  }

  /** @internal the peer reset the stream or the session ended */
  onRemoteGone(): void {
    this.reset = true;
    if (!this.readableEnded) this.push(null);
    this.destroy();
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
}

/**
 * The server end of a SPDY/3.1 session over any byte stream (a TCP/TLS socket after the HTTP
 * upgrade, or the byte stream carried by a websocket for port-forward tunnelling). Whatever the
 * peer sends, the worst outcome is the end of this session: no method rejects and no handler throws.
 */
export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private reader = new FrameReader();
  private compressor = new HeaderCompressor();
  private decompressor = new HeaderDecompressor();
  private streams = new Map<number, SpdyStream>();
  /** Streams whose readers are behind; the connection is paused while there are any. */
  private blocked = new Set<SpdyStream>();
  /** Frames are handled strictly in order: a SYN_STREAM's header inflation is asynchronous. */
  private inbound: Promise<void> = Promise.resolve();
  /** Frames are written strictly in order: a SYN_REPLY's header deflation is asynchronous. */
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;

  constructor(private readonly conn: Duplex) {
    super();
    conn.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch {
        this.destroy();
        return;
      }
      for (const f of frames) this.inbound = this.inbound.then(() => this.handle(f)).catch(() => this.destroy());
    });
    conn.on('end', () => this.destroy());
    conn.on('close', () => this.destroy());
    conn.on('error', () => this.destroy());
  }

  /** @internal */
  block(s: SpdyStream): void {
    if (this.closed) return;
    this.blocked.add(s);
    this.conn.pause();
  }

  /** @internal */
  unblock(s: SpdyStream): void {
    if (!this.blocked.delete(s) || this.blocked.size > 0 || this.closed) return;
    this.conn.resume();
  }

  /** Queues a frame; a failure to write ends the session. Never rejects. */
  private write(frame: Buffer | (() => Promise<Buffer>)): Promise<void> {
    const p = this.outbound
      .then(async () => {
        if (this.closed) return;
        const bytes = typeof frame === 'function' ? await frame() : frame;
        if (this.closed || this.conn.destroyed) return;
        if (!this.conn.write(bytes)) await drained(this.conn);
      })
      .catch(() => this.destroy());
    this.outbound = p;
    return p;
  }

  /** @internal */
  sendReply(id: number): Promise<void> {
    return this.write(async () => encodeControlFrame(FrameType.SynReply, 0, Buffer.concat([u32(id), await this.compressor.compress({})])));
  }

  /** @internal */
  async sendData(id: number, data: Buffer, fin: boolean): Promise<void> {
    if (data.length === 0) return this.write(encodeDataFrame(id, fin ? FLAG_FIN : 0, data));
    for (let off = 0; off < data.length; off += MAX_DATA_CHUNK) {
      const last = off + MAX_DATA_CHUNK >= data.length;
      await this.write(encodeDataFrame(id, fin && last ? FLAG_FIN : 0, data.subarray(off, off + MAX_DATA_CHUNK)));
    }
  }

  /** @internal */
  sendRst(id: number, status: number): Promise<void> {
    return this.write(encodeControlFrame(FrameType.RstStream, 0, u32(id, status)));
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      const s = this.streams.get(f.streamId);
      if (!s) {
        void this.sendRst(f.streamId, RstStatus.INVALID_STREAM);
        return;
      }
      s.onData(f.data, (f.flags & FLAG_FIN) !== 0);
      if ((f.flags & FLAG_FIN) !== 0) this.forgetIfDone(s);
      return;
    }
    switch (f.type) {
      case FrameType.SynStream: {
        if (f.data.length < 10) throw new Error('short SYN_STREAM');
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        // Inflate even a stream we refuse: the zlib context is shared by the whole session.
        const headers = await this.decompressor.decompress(f.data.subarray(10));
        // Client streams are odd and increasing; anything else is a protocol error.
        if (id % 2 === 0 || id <= this.lastStreamId) {
          void this.sendRst(id, RstStatus.PROTOCOL_ERROR);
          return;
        }
        this.lastStreamId = id;
        if (this.streams.size >= MAX_CONCURRENT_STREAMS) {
          void this.sendRst(id, RstStatus.REFUSED_STREAM);
          return;
        }
        const s = new SpdyStream(this, id, headers, (f.flags & FLAG_FIN) !== 0);
        this.streams.set(id, s);
        s.on('finish', () => this.forgetIfDone(s));
        s.on('close', () => this.streams.delete(id));
        this.emit('stream', s);
        return;
      }
      case FrameType.RstStream: {
        if (f.data.length < 8) throw new Error('short RST_STREAM');
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        if (s) {
          this.streams.delete(id);
          s.onRemoteGone();
        }
        return;
      }
      case FrameType.Ping: {
        if (f.data.length < 4) throw new Error('short PING');
        const id = f.data.readUInt32BE(0);
        // Pings from the client (odd ids) are echoed; ours would be even, and we send none.
        if (id % 2 === 1) void this.write(encodeControlFrame(FrameType.Ping, 0, f.data.subarray(0, 4)));
        return;
      }
      case FrameType.GoAway:
        this.destroy();
        return;
      case FrameType.Headers: {
        if (f.data.length < 4) throw new Error('short HEADERS');
        // Decompress to keep the shared zlib context in step; the extra headers are not used.
        await this.decompressor.decompress(f.data.subarray(4));
        return;
      }
      default:
        // SETTINGS, WINDOW_UPDATE, NOOP: nothing to do without flow control.
        return;
    }
  }

  private forgetIfDone(s: SpdyStream): void {
    if (s.readableEnded && s.writableFinished) this.streams.delete(s.id);
  }

  /** Says goodbye (GOAWAY) once everything queued is written, then closes the connection. Never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.write(encodeControlFrame(FrameType.GoAway, 0, u32(this.lastStreamId, 0)));
    if (!this.conn.destroyed) this.conn.end();
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.onRemoteGone();
    this.streams.clear();
    this.blocked.clear();
    this.compressor.close();
    this.decompressor.close();
    if (!this.conn.destroyed && !this.conn.writableEnded) this.conn.destroy();
    this.emit('close');
  }
}
