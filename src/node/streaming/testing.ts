// A RuntimeService for tests of the streaming server: exec runs a real host process (under a
// real pseudo-terminal from python3's pty module when tty is asked for), logs are CRI files the
// test writes, and port-forward dials 127.0.0.1 ports the test maps. Not a container runtime.

import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import type { Duplex, Writable } from 'node:stream';
// The runtimes' own PTY helper; a size of 0 0 leaves the terminal's first size unset until a resize.
import { PTY_HELPER } from '../runtime/shim.js';
import type { ContainerStatus, ExecOptions, ExecSession, PodSandboxStatus, RuntimeService } from '../runtime/types.js';

export interface TestContainer {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  logPath: string;
  state: ContainerStatus['state'];
  /** What `attach` runs to stand for the container's main process. */
  attachCommand?: string[];
}

export class HostTestRuntime implements RuntimeService {
  readonly containers = new Map<string, TestContainer>();
  /** Pod port -> 127.0.0.1 port. */
  readonly ports = new Map<number, number>();
  readonly children = new Set<ChildProcess>();

  async version() {
    return { runtimeName: 'host-test', runtimeVersion: '0', runtimeApiVersion: 'v1' };
  }
  async runPodSandbox(): Promise<string> {
    throw new Error('not supported');
  }
  async stopPodSandbox(): Promise<void> {
    /* nothing */
  }
  async removePodSandbox(): Promise<void> {
    /* nothing */
  }
  async podSandboxStatus(): Promise<PodSandboxStatus | undefined> {
    return undefined;
  }
  async listPodSandbox(): Promise<PodSandboxStatus[]> {
    return [];
  }
  async createContainer(): Promise<string> {
    throw new Error('not supported');
  }
  async startContainer(): Promise<void> {
    /* nothing */
  }
  async stopContainer(): Promise<void> {
    /* nothing */
  }
  async removeContainer(): Promise<void> {
    /* nothing */
  }
  limitations(): string[] {
    return ['test runtime: host processes only'];
  }

  private status(c: TestContainer): ContainerStatus {
    return {
      id: c.id,
      podSandboxId: c.sandboxId,
      metadata: { name: c.name, attempt: c.attempt },
      state: c.state,
      createdAt: 0,
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      image: 'test',
      imageRef: 'test',
      logPath: c.logPath,
    };
  }
  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    return c && this.status(c);
  }
  async listContainers(filter: { podSandboxId?: string } = {}): Promise<ContainerStatus[]> {
    return [...this.containers.values()]
      .filter((c) => !filter.podSandboxId || c.sandboxId === filter.podSandboxId)
      .map((c) => this.status(c));
  }

  private run(argv: string[], opts: ExecOptions): ExecSession {
    const child = opts.tty
      ? spawn('python3', ['-c', PTY_HELPER, '0', '0', ...argv], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
      : spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    if (opts.stdin) opts.stdin.pipe(child.stdin!);
    else child.stdin!.end();
    child.stdin!.on('error', () => {
      /* the process may exit before reading */
    });
    const out = (from: NodeJS.ReadableStream | null, to?: Writable) => {
      if (to) from?.pipe(to, { end: false });
      else from?.resume();
    };
    out(child.stdout, opts.stdout);
    out(child.stderr, opts.tty ? opts.stdout : opts.stderr);
    const ctl = child.stdio[3] as Writable | undefined;
    ctl?.on('error', () => {
      /* gone */
    });
    // 'close' (not 'exit'): all output has been read by then.
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        this.children.delete(child);
        resolve(code ?? (signal ? 128 + 1 : 1));
      });
    });
    return {
      exited,
      resize: (cols, rows) => {
        if (ctl && !ctl.destroyed) ctl.write(`${cols} ${rows}\n`);
      },
      kill: (sig) => {
        child.kill(sig ?? 'SIGKILL');
      },
    };
  }

  async exec(containerId: string, cmd: string[], opts: ExecOptions): Promise<ExecSession> {
    if (!this.containers.has(containerId)) throw new Error(`container ${containerId} not found`);
    return this.run(cmd, opts);
  }

  async attach(containerId: string, opts: ExecOptions): Promise<ExecSession> {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`container ${containerId} not found`);
    return this.run(c.attachCommand ?? ['sh', '-c', 'echo attached'], opts);
  }

  async portForward(_sandboxId: string, port: number): Promise<Duplex> {
    const local = this.ports.get(port);
    if (!local) throw new Error(`connection refused: nothing listens on port ${port}`);
    return new Promise((resolve, reject) => {
      const s = net.connect(local, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
  }

  async execSync(): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    throw new Error('not supported');
  }

  /** Kills whatever exec/attach left running. */
  cleanup(): void {
    for (const c of this.children) c.kill('SIGKILL');
  }
}
