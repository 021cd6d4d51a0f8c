// Starting a process from the node agent means fork()ing the agent: a large process, so each
// fork costs tens of milliseconds of its main thread (measured: a fifth of the agent's time
// while 40 pods start). The spawner is a small long-lived helper process that forks on the
// agent's behalf; the agent only writes a line to a pipe. If the helper cannot run, commands
// are started directly, as before.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

// The helper's whole program: one JSON request per line in, one JSON answer per line out.
const HELPER = String.raw`
const { execFile, spawn } = require('node:child_process');
const rl = require('node:readline').createInterface({ input: process.stdin });
const reply = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const captures = new Set();
rl.on('line', (line) => {
  let r; try { r = JSON.parse(line); } catch { return; }
  try {
    if (r.capture) {
      // An exec to its end: its own process group (a timeout kills all it started), stdin at EOF,
      // each stream kept up to maxBytes.
      const c = spawn(r.cmd, r.args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'], cwd: r.cwd, env: r.env });
      const keep = () => { const b = []; let n = 0; return { b, add: (d) => { if (n < r.maxBytes) b.push(d); n += d.length; }, text: () => Buffer.concat(b).subarray(0, r.maxBytes).toString('utf8') }; };
      const out = keep(), err = keep();
      let done = false, timedOut = false;
      const timer = r.timeoutMs > 0 ? setTimeout(() => { timedOut = true; try { process.kill(-c.pid, 'SIGKILL'); } catch {} }, r.timeoutMs) : undefined;
      captures.add(c);
      const finish = (code, stderrExtra) => { if (done) return; done = true; captures.delete(c); if (timer) clearTimeout(timer); reply({ id: r.id, code, stdout: out.text(), stderr: err.text() + (stderrExtra || ''), timedOut }); };
      c.stdin.on('error', () => {});
      c.stdin.end();
      c.stdout.on('data', out.add);
      c.stderr.on('data', err.add);
      c.on('error', (e) => finish(126, e.message + '\n'));
      c.on('close', (code, sig) => finish(code ?? (sig ? 128 + (require('node:os').constants.signals[sig] || 9) : 1)));
      return;
    }
    if (r.detached) {
      const c = spawn(r.cmd, r.args, { detached: true, stdio: 'ignore', cwd: r.cwd, env: r.env });
      c.on('error', () => {});
      c.unref();
      reply({ id: r.id, pid: c.pid || 0 });
      return;
    }
    const c = execFile(r.cmd, r.args, { encoding: 'utf8', maxBuffer: 16 << 20, cwd: r.cwd, env: r.env }, (err, stdout, stderr) => {
      reply({ id: r.id, code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr: stderr || (err && typeof err.code !== 'number' ? String(err.message) : '') });
    });
    if (r.input !== undefined) c.stdin.end(r.input); else c.stdin.end();
  } catch (e) { reply({ id: r.id, code: 127, stdout: '', stderr: String(e && e.message || e) }); }
});
// The agent is gone or done: what it was running to an end must not outlive this helper's timers.
rl.on('close', () => { for (const c of captures) { try { process.kill(-c.pid, 'SIGKILL'); } catch {} } process.exit(0); });
// Started: the agent's commands come here from now on (id 0 is no request's).
reply({ id: 0, ready: true });
`;

interface Pending {
  resolve(v: { code?: number; stdout?: string; stderr?: string; pid?: number; timedOut?: boolean }): void;
  reject(e: Error): void;
}

export class Spawner {
  private child?: ChildProcess;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private broken = false;
  /** The helper has said it runs (its first line); until then run() starts commands itself. */
  private ready = false;
  private readyWaiters: ((ready: boolean) => void)[] = [];

  /** program: the helper's source (tests give a misbehaving one). */
  constructor(private readonly program = HELPER) {}

  private ensure(): ChildProcess | undefined {
    if (this.broken) return undefined;
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    try {
      const child = spawn(process.execPath, ['--max-old-space-size=64', '-e', this.program], { stdio: ['pipe', 'pipe', 'ignore'] });
      this.ready = false;
      child.on('error', () => {
        this.broken = true;
        this.failAll(new Error('spawner failed to start'));
      });
      child.on('exit', () => {
        if (this.child === child) {
          this.child = undefined;
          this.ready = false;
        }
        this.failAll(new Error('spawner exited'));
      });
      // A helper that died leaves a broken pipe: EPIPE must not become an uncaught error of the
      // agent (issue #7); what was pending runs directly instead.
      child.stdin!.on('error', () => {
        if (this.child === child) this.child = undefined;
        child.kill('SIGKILL');
        this.failAll(new Error('spawner pipe closed'));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let m: { id: number; code?: number; stdout?: string; stderr?: string; pid?: number; timedOut?: boolean };
        try {
          m = JSON.parse(line) as typeof m;
        } catch {
          return;
        }
        if (m.id === 0 && this.child === child) {
          this.ready = true;
          for (const w of this.readyWaiters.splice(0)) w(true);
          this.refresh();
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.resolve(m);
        this.refresh();
      });
      this.child = child;
      this.refresh();
      return child;
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  /** The helper keeps the agent's event loop alive only while it has work. */
  private refresh(): void {
    const c = this.child;
    if (!c) return;
    const busy = this.pending.size > 0 || this.readyWaiters.length > 0;
    for (const s of [c, c.stdin, c.stdout] as { ref?(): void; unref?(): void }[]) busy ? s?.ref?.() : s?.unref?.();
  }

  private failAll(e: Error): void {
    for (const w of this.readyWaiters.splice(0)) w(false);
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }

  private request(
    body: Record<string, unknown>,
  ): Promise<{ code?: number; stdout?: string; stderr?: string; pid?: number; timedOut?: boolean }> | undefined {
    const child = this.ensure();
    if (!child?.stdin?.writable) return undefined;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.refresh();
      child.stdin!.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  /**
   * Starts the helper now (it is a Node process too), so that the first command does not wait
   * for it: the node's first commands (its bridge's ip and nft) are on the path to ready.
   */
  warm(): void {
    this.ensure();
  }

  /** Whether the helper runs and takes commands (false: it could not start or died); starts it if need be. */
  whenReady(): Promise<boolean> {
    if (!this.ensure()) return Promise.resolve(false);
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.readyWaiters.push(resolve);
      this.refresh();
    });
  }

  /**
   * Runs a command to its end. Through the helper once it has started; before that (its own Node
   * start, ~0.05-0.1 s, is still under way) the command is started from this process, whose heap
   * is still small then: the node's first commands (its bridge's ip and nft, begun as serve
   * starts) do not wait for the helper (#13).
   */
  async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const viaHelper =
      this.ensure() && this.ready ? this.request({ cmd, args, input: opts.input, cwd: opts.cwd, env: opts.env }) : undefined;
    if (viaHelper) {
      try {
        const r = await viaHelper;
        return { code: r.code ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
      } catch {
        /* the helper died: run it directly below */
      }
    }
    return new Promise((resolve) => {
      const c = execFile(cmd, args, { encoding: 'utf8', maxBuffer: 16 << 20, cwd: opts.cwd, env: opts.env }, (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0,
          stdout,
          stderr: stderr || (err ? err.message : ''),
        });
      });
      if (opts.input !== undefined) c.stdin?.end(opts.input);
      else c.stdin?.end();
    });
  }

  /**
   * Runs a command to its end in its own process group (stdin at EOF) and returns its exit code
   * and output, each stream cut at maxBytes; past timeoutMs (0: none) the whole group is killed.
   * Undefined when the helper cannot run (the caller starts it itself). For exec probes and
   * hooks: forking the agent for each one was two thirds of its CPU per exec probe (#13).
   */
  capture(
    cmd: string,
    args: string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; maxBytes: number },
  ): Promise<RunResult & { timedOut: boolean }> | undefined {
    const viaHelper = this.request({
      cmd,
      args,
      cwd: opts.cwd,
      env: opts.env,
      capture: true,
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
    });
    return viaHelper?.then((r) => ({ code: r.code ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut: !!r.timedOut }));
  }

  /** Starts a detached process (its own session, no stdio); returns its pid. */
  async spawnDetached(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
    const viaHelper = this.request({ cmd, args, cwd: opts.cwd, env: opts.env, detached: true });
    if (viaHelper) {
      try {
        return (await viaHelper).pid ?? 0;
      } catch {
        /* direct below */
      }
    }
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return child.pid ?? 0;
  }

  stop(): void {
    this.child?.stdin?.end();
    this.child = undefined;
    this.ready = false;
    for (const w of this.readyWaiters.splice(0)) w(false);
  }
}

/** One helper per agent process. */
export const spawner = new Spawner();
