// A watch's HTTP/1.1 answer read from the raw bytes, for bench/watchers-child.ts: the status
// line and headers once, then the chunked body's framing (per chunk its size line), with the
// MODIFIED events counted on the bytes between by a native search, nothing copied but the few
// bytes a match may start in. One process reads a thousand streams with it, and node:https
// (an HTTP parser, streams and a copy of every chunk) cost that process more per event than
// the servers it measures.

const MODIFIED = Buffer.from('{"type":"MODIFIED"');
const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');
const LF = 0x0a;
const HEADERS_END = Buffer.from('\r\n\r\n');
/** More than any status line and headers, or chunk size line, these servers send. */
const MAX_HEAD = 64 * 1024;

/**
 * One watch's answer, fed as it arrives: the head (status line, headers) and then the chunked
 * body, whose data is searched for MODIFIED events. The pattern cannot occur inside an event's
 * object (quotes in JSON strings are escaped) and no suffix of it is a prefix of it, so the
 * last bytes of the body (fewer than the pattern) are all a match can start in.
 */
export class WatchReader {
  private head = EMPTY;
  private inHead = true;
  /** Bytes of the current chunk's data still to come; -1 while its size line is read. */
  private remaining = -1;
  /** The CRLF after a chunk's data: bytes of it still to skip. */
  private trailer = 0;
  private sizeLine = EMPTY;
  private carry = EMPTY;

  /** w names the watch in errors; onOpen once the head was read; onEvents(n) as n more MODIFIED events end. */
  constructor(
    private readonly w: number,
    private readonly onOpen: () => void,
    private readonly onEvents: (n: number) => void,
  ) {}

  feed(buf: Buffer): void {
    let at = 0;
    if (this.inHead) {
      const all = this.head.length > 0 ? Buffer.concat([this.head, buf]) : buf;
      const end = all.indexOf(HEADERS_END);
      if (end < 0) {
        if (all.length > MAX_HEAD) throw new Error(`watch ${this.w}: no end of headers in ${all.length} bytes`);
        this.head = Buffer.from(all);
        return;
      }
      const text = all.subarray(0, end).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      if (status !== '200') throw new Error(`watch ${this.w}: HTTP ${status ?? '?'}: ${text.split('\r\n')[0]}`);
      if (!/^transfer-encoding:\s*chunked\s*$/im.test(text)) throw new Error(`watch ${this.w}: the answer is not chunked`);
      this.inHead = false;
      this.head = EMPTY;
      this.onOpen();
      buf = all;
      at = end + HEADERS_END.length;
    }
    while (at < buf.length) {
      if (this.trailer > 0) {
        const n = Math.min(this.trailer, buf.length - at);
        this.trailer -= n;
        at += n;
        continue;
      }
      if (this.remaining < 0) {
        // The line ends at its LF (its CR may have come in the read before).
        const eol = buf.indexOf(LF, at);
        if (eol < 0) {
          this.sizeLine = Buffer.concat([this.sizeLine, buf.subarray(at)]);
          if (this.sizeLine.length > MAX_HEAD) throw new Error(`watch ${this.w}: a chunk size line of ${this.sizeLine.length} bytes`);
          return;
        }
        const line = Buffer.concat([this.sizeLine, buf.subarray(at, eol)])
          .toString('latin1')
          .replace(/\r$/, '');
        this.sizeLine = EMPTY;
        const size = Number.parseInt(line, 16);
        if (!/^[0-9a-fA-F]+/.test(line) || !Number.isFinite(size))
          throw new Error(`watch ${this.w}: a bad chunk size line ${JSON.stringify(line)}`);
        if (size === 0) throw new Error(`watch ${this.w} ended`);
        this.remaining = size;
        at = eol + 1;
        continue;
      }
      const n = Math.min(this.remaining, buf.length - at);
      this.data(buf.subarray(at, at + n));
      this.remaining -= n;
      at += n;
      if (this.remaining === 0) {
        this.remaining = -1;
        this.trailer = CRLF.length;
      }
    }
  }

  /** Counts the MODIFIED events that end in seg, the body's next bytes (a view, not copied). */
  private data(seg: Buffer): void {
    const L = MODIFIED.length;
    let found = 0;
    if (this.carry.length > 0) {
      // A match across the boundary starts in the carry: search the carry and seg's first bytes.
      const joint = Buffer.concat([this.carry, seg.subarray(0, L - 1)]);
      for (let i = joint.indexOf(MODIFIED); i >= 0 && i < this.carry.length; i = joint.indexOf(MODIFIED, i + L)) found++;
    }
    for (let i = seg.indexOf(MODIFIED); i >= 0; i = seg.indexOf(MODIFIED, i + L)) found++;
    this.carry =
      seg.length >= L - 1
        ? Buffer.from(seg.subarray(seg.length - (L - 1)))
        : Buffer.concat([this.carry, seg]).subarray(Math.max(0, this.carry.length + seg.length - (L - 1)));
    if (found > 0) this.onEvents(found);
  }
}
