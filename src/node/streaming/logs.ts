// Container logs as kubelet serves them from CRI log files. Each line of the file is
// `<RFC3339Nano time> <stdout|stderr> <P|F> <content>`: P marks a partial line that the next
// one continues, F a full line (its newline is implied).

import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { podLogQuery } from '../../api/queryparams.js';

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
  const tags = line.subarray(s2 + 1, tagEnd).toString().split(':');
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

/**
 * Writes the log to out according to opts; with follow, keeps writing what is appended until the
 * container stops or signal aborts. Resolves when done (out is not ended here).
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
      if (b.length && !out.write(b)) await new Promise<void>((r) => { out.once('drain', r); out.once('close', r); });
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
  try {
    let pos = 0;
    const readMore = async (): Promise<Buffer> => {
      const { size } = await fd.stat();
      if (size < pos) pos = 0; // truncated: start over
      if (size === pos) return Buffer.alloc(0);
      const buf = Buffer.alloc(size - pos);
      const { bytesRead } = await fd.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      return buf.subarray(0, bytesRead);
    };
    const first = splitLines(await readMore());
    let rest = first.rest;
    let lines = first.lines;
    if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
    if (!await emit(lines) || !opts.follow) return;
    while (!signal.aborted && !out.destroyed) {
      const chunk = await readMore();
      if (chunk.length) {
        const s = splitLines(rest.length ? Buffer.concat([rest, chunk]) : chunk);
        rest = s.rest;
        if (!await emit(s.lines)) return;
        continue;
      }
      if (!await src.isRunning()) {
        // One last look: the container may have written just before it stopped.
        const tail = await readMore();
        if (tail.length) await emit(splitLines(Buffer.concat([rest, tail])).lines);
        return;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, pollMs);
        signal.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true });
      });
    }
  } finally {
    await fd.close();
  }
}
