// kubectl under a real terminal (python3's pty module), for interactive commands: what a person
// at a shell gets with `kubectl run -it`, `exec -it`, `attach -it`, `debug -it`.

import { type ChildProcess, spawn } from 'node:child_process';
import { KUBECTL, type TestCluster } from './harness.js';

/** kubectl under a terminal: what a person at a shell gets. */
export class PtyKubectl {
  private readonly child: ChildProcess;
  private buf = '';
  readonly exited: Promise<number>;

  constructor(cluster: TestCluster, args: string[]) {
    const driver = 'import os, pty, sys\nstatus = pty.spawn(sys.argv[1:])\nsys.exit(os.waitstatus_to_exitcode(status))';
    this.child = spawn('python3', ['-c', driver, KUBECTL, '--cache-dir', cluster.cacheDir, ...args], {
      env: cluster.env({ TERM: 'xterm' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.buf += d.toString();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.buf += d.toString();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? -1)));
  }

  output(): string {
    return this.buf;
  }
  write(s: string): void {
    this.child.stdin!.write(s);
  }

  async waitFor(re: RegExp, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!re.test(this.buf)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${this.buf}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for kubectl to end; kills it after ms. */
  async end(ms = 30_000): Promise<number> {
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(t);
    }
  }
}
