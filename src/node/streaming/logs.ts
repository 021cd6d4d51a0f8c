// Container logs as kubelet serves them from CRI log files. Each line of the file is
// `<RFC3339Nano time> <stdout|stderr> <P|F> <content>`: P marks a partial line that the next
// one continues, F a full line (its newline is implied).

import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { podLogQuery } from '../../api/queryparams.js';
import { drained } from './drain.js';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Unix ms; lines older are skipped. */
  since?: number;
  limitBytes?: number;
}

export interface CRILogLine {
  /** The timestamp exactly as written (RFC3339Nano). */
  time: string;
  timeMs: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: Buffer;
}

/** PodLogOptions from kubelet's query, read and validated by the one ParameterCodec reading (queryparams.ts). */
export function parseLogOptions(q: URLSearchParams, now = Date.now()): LogOptions {
  const o = podLogQuery(q);
  return {
    follow: o.follow,
    previous: o.previous,
    timestamps: o.timestamps,
    tailLines: o.tailLines,
    since: o.sinceSeconds !== undefined ? now - o.sinceSeconds * 1000 : o.sinceTime,
    limitBytes: o.limitBytes,
  };
}

/** Nanosecond timestamps do not fit a Date; milliseconds are enough to compare with since. */
function parseTime(t: string): number {
  return Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));
}

export function parseCRILine(line: Buffer): CRILogLine | undefined {
  const s1 = line.indexOf(0x20);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.subarray(s1 + 1, s2).toString();
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  let tagEnd = line.indexOf(0x20, s2 + 1);
  if (tagEnd < 0) tagEnd = line.length;
  const tags = line
    .subarray(s2 + 1, tagEnd)
    .toString()
    .split(':');
  const time = line.subarray(0, s1).toString();
  const timeMs = parseTime(time);
  if (Number.isNaN(timeMs)) return undefined;
  return { time, timeMs, stream, partial: tags[0] === 'P', content: line.subarray(Math.min(tagEnd + 1, line.length)) };
}

/** Formats one CRI line for the client: its content, a newline for full lines, an optional time. */
export function formatLine(l: CRILogLine, timestamps: boolean): Buffer {
  const parts: Buffer[] = [];
  if (timestamps) parts.push(Buffer.from(`${l.time} `));
  parts.push(l.content);
  if (!l.partial) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

/** Splits complete lines off a buffer; returns them and the unfinished rest. */
function splitLines(buf: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, start)) {
    lines.push(buf.subarray(start, i));
    start = i + 1;
  }
  return { lines, rest: buf.subarray(start) };
}

export interface LogSource {
  path: string;
  /** False once the container has exited: following stops after the last line. */
  isRunning(): Promise<boolean>;
}

/** Read size: the log is streamed in pieces of this size, never read whole. */
const CHUNK = 64 * 1024;
/** A line longer than this (none our writers make: 16 KiB + header) is cut rather than buffered without end. */
const MAX_LINE = 1024 * 1024;

/**
 * Where the last n lines of the file begin (kubelet's tail.FindTailLineStartIndex): read backwards
 * in chunks, counting newlines; a last line without its newline counts as a line.
 */
async function tailStart(fd: fs.promises.FileHandle, size: number, n: number): Promise<number> {
  if (n <= 0) return size;
  const buf = Buffer.alloc(CHUNK);
  let pos = size;
  let count = 0;
  let last = true;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const { bytesRead } = await fd.read(buf, 0, len, pos);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) {
        last = false;
        continue;
      }
      if (last) {
        last = false;
        continue;
      } // the newline that ends the file ends the last line
      if (++count === n) return pos + i + 1;
    }
  }
  return 0;
}

/**
 * Writes the log to out according to opts; with follow, keeps writing what is appended until the
 * container stops or signal aborts. Resolves when done (out is not ended here). Memory stays
 * bounded by the read size whatever the file's size; a rotated file (renamed away, a new one in
 * its place) is read to its end, then the new one is followed.
 */
export async function streamLog(src: LogSource, opts: LogOptions, out: Writable, signal: AbortSignal, pollMs = 100): Promise<void> {
  let budget = opts.limitBytes ?? Infinity;
  const emit = async (lines: Buffer[]): Promise<boolean> => {
    for (const raw of lines) {
      const l = parseCRILine(raw);
      if (!l) continue;
      if (opts.since !== undefined && l.timeMs < opts.since) continue;
      let b = formatLine(l, opts.timestamps);
      if (b.length > budget) b = b.subarray(0, budget);
      budget -= b.length;
      if (b.length && !out.write(b)) await drained(out);
      if (budget <= 0 || signal.aborted || out.destroyed) return false;
    }
    return true;
  };

  let fd: fs.promises.FileHandle;
  try {
    fd = await fs.promises.open(src.path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !opts.follow) return;
    throw e;
  }
  // One abort listener for the whole stream (a listener per poll piled up: MaxListenersExceededWarning).
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort, { once: true });
  const buf = Buffer.alloc(CHUNK);
  try {
    let pos = 0;
    let rest: Buffer = Buffer.alloc(0);
    const size0 = (await fd.stat()).size;
    if (opts.tailLines !== undefined) pos = await tailStart(fd, size0, opts.tailLines);
    /** Reads and emits what the file has beyond pos, up to end; false when the stream is over. */
    const drain = async (end?: number): Promise<boolean | 'eof'> => {
      for (;;) {
        const { size } = await fd.stat();
        if (size < pos) {
          pos = 0;
          rest = Buffer.alloc(0);
        } // truncated: start over
        const limit = end ?? size;
        if (pos >= limit) return 'eof';
        const { bytesRead } = await fd.read(buf, 0, Math.min(CHUNK, limit - pos), pos);
        if (bytesRead === 0) return 'eof';
        pos += bytesRead;
        const chunk = buf.subarray(0, bytesRead);
        const s = splitLines(rest.length ? Buffer.concat([rest, chunk]) : chunk);
        rest = Buffer.from(s.rest.length > MAX_LINE ? s.rest.subarray(0, MAX_LINE) : s.rest);
        if (!(await emit(s.lines))) return false;
      }
    };
    if (!opts.follow) {
      await drain(size0);
      return;
    }
    while (!signal.aborted && !out.destroyed) {
      const r = await drain();
      if (r === false) return;
      // Rotated: the path names a new file; this one is read to its end above, then the new one from its start.
      const now = await fs.promises.stat(src.path).catch(() => undefined);
      if (now && now.ino !== (await fd.stat()).ino) {
        if ((await drain()) === false) return; // what was written before the rename
        await fd.close();
        fd = await fs.promises.open(src.path, 'r');
        pos = 0;
        rest = Buffer.alloc(0);
        continue;
      }
      if (!(await src.isRunning())) {
        await drain(); // one last look: the container may have written just before it stopped
        return;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, pollMs);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await fd.close();
  }
}
