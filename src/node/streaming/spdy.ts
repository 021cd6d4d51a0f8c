// A server-side SPDY/3.1 session, just what Kubernetes' streaming protocols use: kubectl (through
// moby/spdystream) opens every stream itself with SYN_STREAM frames whose headers are plain
// key/values (streamtype, port, requestid) rather than HTTP requests, expects a SYN_REPLY for
// each, exchanges DATA frames, pings, and never sends WINDOW_UPDATE: spdystream does no flow
// control, so neither may we, or a stream would stall after the first 64 KiB.
//
// spdy-transport (the npm SPDY implementation) insists on :method/:path in SYN_STREAM and
// enforces send windows, so only its copy of the SPDY/3 header-compression dictionary is used.

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dictionaries = require('spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js') as Record<string, Buffer>;
/** The zlib preset dictionary of SPDY/3 header blocks (draft-mbelshe-httpbis-spdy-00, 2.6.10.1). */
export const SPDY3_DICTIONARY: Buffer = dictionaries[3];

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const enum FrameType {
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

export interface ControlFrame { control: true; type: number; flags: number; data: Buffer }
export interface DataFrame { control: false; streamId: number; flags: number; data: Buffer }
export type Frame = ControlFrame | DataFrame;

/** SPDY frames carry 24-bit lengths; a DATA frame is kept well below that. */
const MAX_DATA_CHUNK = 64 * 1024;

/** Splits a byte stream into frames; push() returns the frames completed so far. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + length) break;
      const flags = this.buf[4];
      const data = this.buf.subarray(8, 8 + length);
      if (this.buf[0] & 0x80) {
        const version = this.buf.readUInt16BE(0) & 0x7fff;
        if (version !== 3) throw new Error(`unsupported SPDY version ${version}`);
        frames.push({ control: true, type: this.buf.readUInt16BE(2), flags, data });
      } else {
        frames.push({ control: false, streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, data });
      }
      this.buf = this.buf.subarray(8 + length);
    }
    return frames;
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
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
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
  const need = (n: number) => { if (off + n > block.length) throw new Error('truncated SPDY header block'); };
  need(4);
  const count = block.readUInt32BE(off); off += 4;
  for (let i = 0; i < count; i++) {
    need(4); const nl = block.readUInt32BE(off); off += 4;
    need(nl); const name = block.subarray(off, off + nl).toString(); off += nl;
    need(4); const vl = block.readUInt32BE(off); off += 4;
    need(vl); const value = block.subarray(off, off + vl).toString(); off += vl;
    out[name.toLowerCase()] = value.split('\0');
  }
  return out;
}

/** One zlib context per direction for the whole session, flushed (Z_SYNC_FLUSH) after each block. */
class ZContext {
  private chain: Promise<unknown> = Promise.resolve();
  private out: Buffer[] = [];
  constructor(private readonly z: zlib.Deflate | zlib.Inflate) {
    z.on('data', (c: Buffer) => this.out.push(c));
    z.on('error', () => { /* surfaced through run() */ });
  }
  run(input: Buffer): Promise<Buffer> {
    const next = this.chain.then(() => new Promise<Buffer>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.z.once('error', onError);
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', onError);
        const b = Buffer.concat(this.out);
        this.out = [];
        resolve(b);
      });
    }));
    this.chain = next.catch(() => undefined);
    return next;
  }
  close(): void { this.z.destroy(); }
}

export class HeaderCompressor {
  private ctx = new ZContext(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));
  compress(headers: HeaderMap): Promise<Buffer> { return this.ctx.run(encodeHeaderBlock(headers)); }
  close(): void { this.ctx.close(); }
}

export class HeaderDecompressor {
  private ctx = new ZContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  async decompress(block: Buffer): Promise<HeaderMap> { return decodeHeaderBlock(await this.ctx.run(block)); }
  close(): void { this.ctx.close(); }
}

/** A stream the client opened; a Duplex of its DATA frames. */
export class SpdyStream extends Duplex {
  /** Set when the client reset the stream or the session ended. */
  reset = false;
  private localFin = false;

  constructor(private readonly session: SpdySession, readonly id: number, readonly headers: HeaderMap, remoteFin: boolean) {
    super({ allowHalfOpen: true });
    if (remoteFin) this.push(null);
  }

  /** The first value of a header (names are lower case on the wire). */
  header(name: string): string | undefined { return this.headers[name.toLowerCase()]?.[0]; }

  /** Accepts the stream; spdystream's CreateStream waits for this. */
  reply(): Promise<void> { return this.session.sendReply(this.id); }

  override _read(): void { /* data is pushed as frames arrive */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.reset) { cb(); return; }
    this.session.sendData(this.id, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.reset || this.localFin) { cb(); return; }
    this.localFin = true;
    this.session.sendData(this.id, Buffer.alloc(0), true).then(() => cb(), cb);
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
    if (data.length) this.push(data);
    if (fin) this.push(null);
  }

  /** @internal the peer reset the stream or the session ended */
  onRemoteGone(): void {
    this.reset = true;
    this.push(null);
    this.destroy();
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
}

/**
 * The server end of a SPDY/3.1 session over any byte stream (a TCP/TLS socket after the HTTP
 * upgrade, or the byte stream carried by a websocket for port-forward tunnelling).
 */
export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private reader = new FrameReader();
  private compressor = new HeaderCompressor();
  private decompressor = new HeaderDecompressor();
  private streams = new Map<number, SpdyStream>();
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
      try { frames = this.reader.push(chunk); } catch { this.destroy(); return; }
      for (const f of frames) this.inbound = this.inbound.then(() => this.handle(f)).catch(() => this.destroy());
    });
    conn.on('end', () => this.destroy());
    conn.on('close', () => this.destroy());
    conn.on('error', () => this.destroy());
  }

  private write(frame: Buffer | (() => Promise<Buffer>)): Promise<void> {
    const p = this.outbound.then(async () => {
      if (this.closed) return;
      const bytes = typeof frame === 'function' ? await frame() : frame;
      if (this.closed) return;
      if (!this.conn.write(bytes)) await new Promise<void>((r) => { this.conn.once('drain', r); this.conn.once('close', r); });
    });
    this.outbound = p.catch(() => undefined);
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
      if (!s) { void this.sendRst(f.streamId, RstStatus.INVALID_STREAM); return; }
      s.onData(f.data, (f.flags & FLAG_FIN) !== 0);
      if ((f.flags & FLAG_FIN) !== 0) this.forgetIfDone(s);
      return;
    }
    switch (f.type) {
      case FrameType.SynStream: {
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.decompressor.decompress(f.data.subarray(10));
        // Client streams are odd and increasing; anything else is a protocol error.
        if (id % 2 === 0 || id <= this.lastStreamId) { void this.sendRst(id, RstStatus.PROTOCOL_ERROR); return; }
        this.lastStreamId = id;
        const s = new SpdyStream(this, id, headers, (f.flags & FLAG_FIN) !== 0);
        this.streams.set(id, s);
        s.on('finish', () => this.forgetIfDone(s));
        s.on('close', () => this.streams.delete(id));
        this.emit('stream', s);
        return;
      }
      case FrameType.RstStream: {
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        if (s) { this.streams.delete(id); s.onRemoteGone(); }
        return;
      }
      case FrameType.Ping: {
        const id = f.data.readUInt32BE(0);
        // Pings from the client (odd ids) are echoed; ours would be even, and we send none.
        if (id % 2 === 1) void this.write(encodeControlFrame(FrameType.Ping, 0, f.data.subarray(0, 4)));
        return;
      }
      case FrameType.GoAway:
        this.destroy();
        return;
      case FrameType.Headers: {
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

  /** Says goodbye (GOAWAY) once everything queued is written, then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.write(encodeControlFrame(FrameType.GoAway, 0, u32(this.lastStreamId, 0)));
    this.conn.end();
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.onRemoteGone();
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    if (!this.conn.destroyed && !this.conn.writableEnded) this.conn.destroy();
    this.emit('close');
  }
}
