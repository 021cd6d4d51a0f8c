// The backend-to-client half of a relayed websocket, written so that no two websocket frames
// ever share a write (and so a TLS record) on the way to the client.
//
// Why: the official Python client (kubernetes.stream.ws_client, every release to date) polls
// the raw socket before reading each frame. Frames that arrive together in one TLS record are
// decrypted into the SSL socket's own buffer, where poll() cannot see them, so the client waits
// for bytes that already came: exec output, the exit status and the close frame go missing
// (kubernetes-client/python#2414, #2226). kube-apiserver's relay only mostly avoids this by
// timing; a node that writes the last output, the status and the close frame in one burst would
// hit it every time. Bytes of one frame may still be split over several writes; what matters
// is that a write never carries the end of one frame and the start of the next.

import type { Duplex } from 'node:stream';

/** Splits a server-to-client websocket byte stream at frame boundaries (RFC 6455 5.2). */
export class FrameSplitter {
  /** Bytes of the current frame's header seen so far (a header may arrive in pieces). */
  private header: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to come; -1 while reading a header. */
  private remaining = -1;

  /** The pieces of chunk; each lies within one frame, and ends where its frame ends or the chunk does. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0; // the start of the piece being gathered in chunk
    let off = 0;
    while (off < chunk.length) {
      if (this.remaining < 0) {
        // Gather the header: 2 bytes, then 2 or 8 of extended length, then 4 of mask key.
        const need = this.headerLength();
        const take = Math.min(need - this.header.length, chunk.length - off);
        this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
        off += take;
        if (this.header.length < this.headerLength()) continue;
        this.remaining = this.payloadLength();
        this.header = Buffer.alloc(0);
        if (this.remaining > 0) continue;
      } else {
        const take = Math.min(this.remaining, chunk.length - off);
        off += take;
        this.remaining -= take;
        if (this.remaining > 0) continue;
      }
      // The frame ended at off.
      out.push(chunk.subarray(start, off));
      start = off;
      this.remaining = -1;
    }
    if (start < chunk.length) out.push(chunk.subarray(start));
    return out;
  }

  private headerLength(): number {
    if (this.header.length < 2) return 2;
    const len7 = this.header[1] & 0x7f;
    const masked = (this.header[1] & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private payloadLength(): number {
    const len7 = this.header[1] & 0x7f;
    if (len7 === 126) return this.header.readUInt16BE(2);
    // A 64-bit length beyond 2^53 is no frame anyone sends; Number() keeps counting regardless.
    if (len7 === 127) return Number(this.header.readBigUInt64BE(2));
    return len7;
  }
}

/**
 * Relays from into to: the HTTP response head as it comes, then, once it is a 101 to a
 * websocket, one write per frame piece, each waited for before the next. Reading from `from`
 * pauses while a write is outstanding (backpressure).
 */
export function relayFrameAligned(from: Duplex, to: Duplex): void {
  let head: Buffer | undefined = Buffer.alloc(0);
  let raw = false;
  const splitter = new FrameSplitter();
  const queue: Buffer[] = [];
  let writing = false;
  let ended = false;

  const pump = () => {
    if (writing) return;
    const next = queue.shift();
    if (!next) {
      if (ended) {
        if (!to.destroyed && !to.writableEnded) to.end();
      } else if (from.isPaused()) from.resume();
      return;
    }
    if (to.destroyed) return;
    writing = true;
    to.write(next, () => {
      writing = false;
      pump();
    });
  };
  const enqueue = (pieces: Buffer[]) => {
    for (const p of pieces) if (p.length) queue.push(p);
    if (queue.length) from.pause();
    pump();
  };

  from.on('data', (chunk: Buffer) => {
    if (raw) {
      enqueue([chunk]);
      return;
    }
    if (head !== undefined) {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        // A response head past 64 KiB is no websocket handshake: relay it as it is.
        if (head.length > 64 * 1024) {
          raw = true;
          const h = head;
          head = undefined;
          enqueue([h]);
        }
        return;
      }
      const h = head.subarray(0, end + 4);
      const rest = head.subarray(end + 4);
      head = undefined;
      const switching = /^HTTP\/1\.[01] 101/.test(h.toString('latin1')) && /\r\nupgrade:\s*websocket\r\n/i.test(h.toString('latin1'));
      raw = !switching;
      enqueue([h]);
      enqueue(raw ? [rest] : splitter.push(rest));
      return;
    }
    enqueue(splitter.push(chunk));
  });
  from.on('end', () => {
    ended = true;
    pump();
  });
}
