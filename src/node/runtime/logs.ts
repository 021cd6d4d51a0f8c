// Container output -> the CRI log format kubelet reads (`kubectl logs`):
//   2016-10-06T00:17:09.669794202Z stdout F message
// one line per output line, `P` for the pieces of a line longer than 16 KiB (as containerd).
//
// Choice: a container's stdout and stderr are FIFOs in its state dir that the shim (shim.ts)
// holds open read-write, so the container never sees EPIPE. The agent process reads every
// FIFO through non-blocking pipe sockets (epoll, no thread per container, no process per
// container) and appends formatted lines to the log file. When the agent restarts it opens the
// FIFOs again and carries on; while it is away output waits in the pipe (64 KiB, then the
// writer blocks). The same reader feeds `attach` sessions. The file is rotated as kubelet rotates
// container logs (RotatingLogWriter, usable by any runtime).

import { closeSync, constants, fstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Writable } from 'node:stream';

export type LogStream = 'stdout' | 'stderr';

/** containerd's default maximum line length before a line is split into partial (P) entries. */
export const MAX_LOG_LINE = 16 * 1024;

const epochNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** RFC 3339 with nanoseconds, UTC. */
export function criTimestamp(): string {
  const ns = epochNs + process.hrtime.bigint();
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2016-10-06T00:17:09.669Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

export function formatCriLine(stream: LogStream, tag: 'F' | 'P', content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${criTimestamp()} ${stream} ${tag} `), content, Buffer.from('\n')]);
}

/** Splits a byte stream into CRI log entries; keeps the unfinished tail. */
export class CriLineSplitter {
  private pending: Buffer = Buffer.alloc(0);
  constructor(
    private readonly stream: LogStream,
    private readonly emit: (line: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(10, start);
      const lineEnd = nl < 0 ? data.length : nl;
      if (lineEnd - start > MAX_LOG_LINE) {
        this.emit(formatCriLine(this.stream, 'P', data.subarray(start, start + MAX_LOG_LINE)));
        start += MAX_LOG_LINE;
        continue;
      }
      if (nl < 0) break;
      this.emit(formatCriLine(this.stream, 'F', data.subarray(start, nl)));
      start = nl + 1;
    }
    this.pending = Buffer.from(data.subarray(start));
  }

  /** End of stream: an unfinished last line is written as a full one (containerd does the same). */
  end(): void {
    if (this.pending.length) this.emit(formatCriLine(this.stream, 'F', this.pending));
    this.pending = Buffer.alloc(0);
  }
}

export interface OutputSubscriber {
  stdout?: Writable;
  stderr?: Writable;
}

/** kubelet's container log rotation (containerLogMaxSize, containerLogMaxFiles). */
export interface LogRotation {
  maxSize: number;
  maxFiles: number;
}
export const DEFAULT_LOG_ROTATION: LogRotation = { maxSize: 10 * 1024 * 1024, maxFiles: 5 };

/** kubelet's rotated-file suffix: the time of rotation, 20060102-150405. */
function rotationStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * Appends CRI lines to a container's log file and rotates it as kubelet's container log manager
 * does: once the file would pass maxSize it is renamed <log>.<timestamp> and a new file begins;
 * the oldest rotated files go so that at most maxFiles files remain (kubelet also gzips all but the
 * newest rotated file; these stay plain). Any runtime that writes CRI logs uses it.
 */
export class RotatingLogWriter {
  private fd: number;
  private size: number;

  constructor(
    readonly logPath: string,
    private readonly rotation: LogRotation = DEFAULT_LOG_ROTATION,
  ) {
    this.fd = openSync(logPath, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  write(line: Buffer): void {
    if (this.fd < 0) return;
    try {
      if (this.size > 0 && this.size + line.length > this.rotation.maxSize) this.rotate();
      writeSync(this.fd, line);
      this.size += line.length;
    } catch {
      /* a full disk loses log lines, not the container */
    }
  }

  private rotate(): void {
    closeSync(this.fd);
    this.fd = -1;
    const dir = path.dirname(this.logPath);
    const base = path.basename(this.logPath);
    let target = `${this.logPath}.${rotationStamp()}`;
    for (let n = 1; readdirSync(dir).includes(path.basename(target)); n++) target = `${this.logPath}.${rotationStamp()}.${n}`;
    renameSync(this.logPath, target);
    const rotated = readdirSync(dir)
      .filter((f) => f.startsWith(`${base}.`))
      .sort();
    for (const old of rotated.slice(0, Math.max(0, rotated.length - (this.rotation.maxFiles - 1))))
      rmSync(path.join(dir, old), { force: true });
    this.fd = openSync(this.logPath, 'a', 0o640);
    this.size = 0;
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
    }
    this.fd = -1;
  }
}

/** Reads one container's two output FIFOs into its CRI log file and to attached clients. */
export class ContainerLogPump {
  readonly done: Promise<void>;
  private readonly sockets: net.Socket[] = [];
  private readonly subscribers = new Set<OutputSubscriber>();
  private readonly log: RotatingLogWriter;
  private open = 2;
  private resolveDone!: () => void;

  /**
   * For a container that has exited: waits (at most maxMs) for its output to reach the log, as
   * containerd's CRI waits for a container's IO to drain before it reports the exit, so that a
   * status saying exited comes with the whole log.
   */
  async drained(maxMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.done,
      new Promise<void>((r) => {
        timer = setTimeout(r, maxMs);
      }),
    ]);
    clearTimeout(timer);
  }

  constructor(fifos: Record<LogStream, string>, logPath: string, rotation: LogRotation = DEFAULT_LOG_ROTATION) {
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
    this.log = new RotatingLogWriter(logPath, rotation);
    for (const stream of ['stdout', 'stderr'] as const) {
      const splitter = new CriLineSplitter(stream, (line) => this.write(line));
      let fd: number;
      try {
        fd = openSync(fifos[stream], constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        this.streamClosed();
        continue;
      }
      const sock = new net.Socket({ fd, readable: true, writable: false, allowHalfOpen: true });
      this.sockets.push(sock);
      sock.on('data', (chunk: Buffer) => {
        splitter.push(chunk);
        for (const s of this.subscribers) s[stream]?.write(chunk);
      });
      let closed = false;
      const finish = () => {
        if (closed) return;
        closed = true;
        splitter.end();
        this.streamClosed();
      };
      sock.on('end', finish);
      sock.on('close', finish);
      sock.on('error', finish);
    }
  }

  private write(line: Buffer): void {
    this.log.write(line);
  }

  private streamClosed(): void {
    if (--this.open > 0) return;
    this.log.close();
    this.resolveDone();
  }

  subscribe(s: OutputSubscriber): () => void {
    this.subscribers.add(s);
    return () => {
      this.subscribers.delete(s);
    };
  }

  /** Stops reading without ending the container (agent shutdown or restart). */
  close(): void {
    for (const s of this.sockets) s.destroy();
    this.subscribers.clear();
  }
}
