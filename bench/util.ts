// Small helpers the benches share: formatting, waiting for a condition, percentiles, child
// processes that are always reaped, and temp dirs that are removed only once nothing is
// mounted under them (a pod's network namespace file or rootfs overlay must never be followed
// by a recursive delete).

import { type ChildProcess, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const rate = (n: number, ms: number): string => `${fmtInt((n / ms) * 1000)}/s`;
export const fmtMs = (ms: number): string => `${ms.toFixed(1)} ms`;
export const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
export const gib = (bytes: number): string => `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;

/** The value below which p percent of xs lie (nearest rank). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length) - 1;
  return s[Math.min(s.length - 1, Math.max(0, rank))];
}

export const median = (xs: number[]): number => percentile(xs, 50);

/** Runs fn(0..n-1) with at most `concurrency` calls in flight. */
export async function inParallel(n: number, concurrency: number, fn: (i: number, worker: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    while (next < n) await fn(next++, w);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, (_, w) => worker(w)));
}

/** Resident set size (and its peak) of a process, from /proc (Linux). */
export function procMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(/^(\S+):\s+(\d+) kB/m.exec(status.split('\n').find((l) => l.startsWith(`${field}:`)) ?? '')?.[2] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** User + system clock ticks (USER_HZ, 100 here) in a process's or a thread's /proc stat file. */
function statCpuTicks(statFile: string): number {
  const f = readFileSync(statFile, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** CPU (user + system, ms) used so far by these processes. */
export function processesCpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      ticks += statCpuTicks(`/proc/${pid}/stat`);
    } catch {
      /* exited */
    }
  }
  return (ticks * 1000) / 100;
}

/**
 * The write system calls (write, writev, pwrite...) the processes have made so far
 * (/proc/<pid>/io syscw): a server's socket writes, beside a few of its store's, which says
 * how many pieces its bytes went out in.
 */
export function processesWriteCalls(pids: number[]): number {
  let n = 0;
  for (const pid of pids) {
    try {
      const m = /^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
      if (m) n += Number(m[1]);
    } catch {
      /* exited, or not ours to read */
    }
  }
  return n;
}

/**
 * CPU time (user + system, ms) of a process's main thread alone (its task whose id is the
 * pid): the event loop the control plane's API server runs on, beside its other threads'.
 */
export function mainThreadCpuMs(pid: number): number {
  try {
    return (statCpuTicks(`/proc/${pid}/task/${pid}/stat`) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * The context switches of a process's main thread so far (/proc/<pid>/task/<pid>/status):
 * voluntary, when it waited (its event loop idle, a lock), and involuntary, when the scheduler
 * gave its core to another thread (on a shared two-core machine, often one it had just woken);
 * undefined once it is gone.
 */
export function mainThreadSwitches(pid: number): { voluntary: number; involuntary: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
    const voluntary = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status);
    const involuntary = /^nonvoluntary_ctxt_switches:\s+(\d+)$/m.exec(status);
    if (!voluntary || !involuntary) return undefined;
    return { voluntary: Number(voluntary[1]), involuntary: Number(involuntary[1]) };
  } catch {
    return undefined;
  }
}

/**
 * Everything a bench starts registers how to undo it here, so one failure (or Ctrl-C) still
 * ends every child process and removes every temp dir, bridge and namespace.
 */
export class Cleanup {
  private readonly steps: { what: string; fn: () => Promise<void> | void }[] = [];

  add(what: string, fn: () => Promise<void> | void): () => Promise<void> {
    const step = { what, fn };
    this.steps.push(step);
    // The returned function runs the step now and forgets it (normal, in-order teardown).
    return async () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      await step.fn();
    };
  }

  /** Runs what is left, newest first; a failing step does not stop the others. */
  async runAll(log: (m: string) => void = (m) => console.error(m)): Promise<void> {
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        await step.fn();
      } catch (e) {
        log(`cleanup of ${step.what} failed: ${(e as Error)?.message ?? String(e)}`);
      }
    }
  }
}

export const cleanup = new Cleanup();

let signalsHandled = false;

/**
 * SIGINT (Ctrl-C) and SIGTERM (timeout(1), a CI's cancel) end a bench the way a failure does:
 * every registered cleanup step runs (children stopped, temp dirs removed), then the process
 * exits 128 + the signal's number. By default Node would exit at once and leave the children
 * and their temp dirs. A second signal while cleaning up exits at once.
 */
export function cleanUpOnSignals(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  let cleaning = false;
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(sig, () => {
      if (cleaning) {
        console.error(`bench: ${sig} again: exiting without finishing the cleanup`);
        process.exit(code);
      }
      cleaning = true;
      console.error(`\nbench: ${sig}: cleaning up`);
      void cleanup.runAll().finally(() => process.exit(code));
    });
  }
}

/**
 * The main of a bench run on its own (`node dist/bench/x.js`): prints its lines; on failure the
 * error and exit code 1; on a signal as cleanUpOnSignals. Either way everything registered for
 * cleanup is undone, and the process exits then rather than waiting on whatever handle is left.
 */
export async function benchMain(run: () => Promise<string[]>): Promise<never> {
  cleanUpOnSignals();
  let code = 0;
  try {
    for (const line of await run()) console.log(line);
  } catch (e) {
    console.error(`bench FAILED: ${(e as Error)?.stack ?? String(e)}`);
    code = 1;
  } finally {
    await cleanup.runAll();
  }
  process.exit(code);
}

/** A temp dir removed at cleanup (after unmounting anything left mounted under it). */
export function benchTempDir(label: string): { dir: string; remove: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), `k8ts-bench-${label}-`));
  const remove = cleanup.add(`temp dir ${dir}`, () => removeTree(dir));
  return { dir, remove };
}

/**
 * A control plane's log function that appends each message, stamped, to file; a message that
 * comes while the bench's temp dir is being removed is dropped.
 */
export function fileLog(file: string, stamp = true): (m: string) => void {
  return (m) => {
    try {
      appendFileSync(file, stamp ? `${new Date().toISOString()} ${m}\n` : `${m}\n`);
    } catch {
      /* the dir is going */
    }
  };
}

/** Mount points at or below dir, deepest first (from this process's mount namespace). */
function mountsUnder(dir: string): string[] {
  if (!existsSync('/proc/self/mountinfo')) return [];
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const decoded = mp.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded === dir || decoded.startsWith(`${dir}/`)) out.push(decoded);
  }
  return out.sort((a, b) => b.length - a.length);
}

export function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const mp of mountsUnder(dir)) spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
  const left = mountsUnder(dir);
  // A mount that would not go away may be a view of the host's files: never delete through it.
  if (left.length) throw new Error(`not removing ${dir}: still mounted under it: ${left.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
}

/** Ends a child: SIGTERM, then SIGKILL after graceMs; resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A section's lines: a title, then indented figures. */
export function section(title: string, lines: string[]): string {
  return [`\n== ${title} ==`, ...lines.map((l) => `  ${l}`)].join('\n');
}
