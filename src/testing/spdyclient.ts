// A hand-made SPDY/3.1 client, what moby/spdystream (under kubectl exec and port-forward) does on
// the wire, for tests of the node's streaming server: frames read as they come, SYN_STREAM with a
// header block compressed on the session's one zlib context (whole, or written piece by piece to
// build hostile blocks), SYN_REPLY headers inflated on the other, and a wait for a frame.

import zlib from 'node:zlib';
import {
  type ControlFrame,
  decodeHeaderBlock,
  encodeControlFrame,
  encodeHeaderBlock,
  type Frame,
  FrameReader,
  FrameType,
  type HeaderMap,
  SPDY3_DICTIONARY,
} from '../node/streaming/spdy.js';

export class SpdyTestClient {
  /** Every frame the server sent, in order. */
  readonly frames: Frame[] = [];
  private readonly reader = new FrameReader();
  private readonly waiters = new Set<() => void>();
  private readonly deflate = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  private readonly inflate = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
  private deflated: Buffer[] = [];
  private ended = false;

  /** send writes bytes to the server. */
  constructor(readonly send: (b: Buffer) => void) {
    this.deflate.on('data', (c: Buffer) => this.deflated.push(c));
  }

  /** Bytes from the server. */
  receive(data: Buffer): void {
    this.frames.push(...this.reader.push(data));
    for (const w of this.waiters) w();
  }

  /** The connection is gone: waits for frames not yet seen fail. */
  end(): void {
    this.ended = true;
    this.deflate.close();
    this.inflate.close();
    for (const w of this.waiters) w();
  }

  async synStream(id: number, headers: HeaderMap): Promise<void> {
    await this.synStreamCompressed(id, (write) => write(encodeHeaderBlock(headers)));
  }

  /** A SYN_STREAM whose header block is whatever fill writes, compressed piece by piece. */
  async synStreamCompressed(id: number, fill: (write: (b: Buffer) => Promise<void>) => Promise<void>): Promise<void> {
    await fill(
      (b) =>
        new Promise<void>((resolve) => {
          if (this.deflate.write(b)) resolve();
          else this.deflate.once('drain', () => resolve());
        }),
    );
    const block = await new Promise<Buffer>((resolve) =>
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(this.deflated.splice(0)))),
    );
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    this.send(encodeControlFrame(FrameType.SynStream, 0, Buffer.concat([head, block])));
  }

  /** The headers of a SYN_REPLY. */
  replyHeaders(f: ControlFrame): Promise<HeaderMap> {
    return new Promise<Buffer>((resolve) => {
      const out: Buffer[] = [];
      const on = (c: Buffer) => out.push(c);
      this.inflate.on('data', on);
      this.inflate.write(f.data.subarray(4));
      this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.inflate.off('data', on);
        resolve(Buffer.concat(out));
      });
    }).then(decodeHeaderBlock);
  }

  /** The first frame pred accepts, once the server sent it; fails after ms or when the connection ends. */
  waitFor(pred: (f: Frame) => boolean, ms = 10_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const done = () => {
        this.waiters.delete(check);
        clearTimeout(t);
      };
      const check = () => {
        const f = this.frames.find(pred);
        if (f) {
          done();
          resolve(f);
        } else if (this.ended) {
          done();
          reject(new Error('connection closed'));
        }
      };
      const t = setTimeout(() => {
        done();
        reject(new Error('frame not seen'));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }
}
