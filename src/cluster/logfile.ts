// The cluster's own log, DATA_DIR/k8ts.log, rotated by size as kubelet rotates container logs
// (containerLogMaxSize 10Mi, containerLogMaxFiles 5): k8ts.log, then k8ts.log.1 (newest) up to
// k8ts.log.4; the oldest goes. Written by the supervisor, which owns the control plane's output.

import fs from 'node:fs';

export interface RotatingLogOptions {
  maxBytes?: number;
  /** Files kept in all, the current one included. */
  maxFiles?: number;
}

export class RotatingLog {
  private fd: number;
  private size: number;
  private readonly maxBytes: number;
  private readonly maxFiles: number;

  constructor(
    readonly file: string,
    opts: RotatingLogOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    this.maxFiles = Math.max(1, opts.maxFiles ?? 5);
    this.fd = fs.openSync(file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  write(data: string | Buffer): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.size > 0 && this.size + buf.length > this.maxBytes) this.rotate();
    fs.writeSync(this.fd, buf);
    this.size += buf.length;
  }

  /** A line of the supervisor's own, with the time. */
  line(text: string): void {
    this.write(`${new Date().toISOString()} ${text}\n`);
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    if (this.maxFiles === 1) {
      fs.rmSync(this.file, { force: true });
    } else {
      fs.rmSync(`${this.file}.${this.maxFiles - 1}`, { force: true });
      for (let i = this.maxFiles - 2; i >= 1; i--) {
        try {
          fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
        } catch {
          /* not there yet */
        }
      }
      fs.renameSync(this.file, `${this.file}.1`);
    }
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.size = 0;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* closed */
    }
  }
}
