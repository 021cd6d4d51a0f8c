// The runtime's side of its containers' shims, shared by both runtimes (the built-in process
// runtime and the OCI runtime), as containerd's CRI plugin drives every shim the same way
// (containerd runtime/v2 shim client, pkg/cri/server container_start/stop/attach/execsync, and
// pkg/cri/io for the container's output).
//
// Each container has a folder holding its record (container.json) and what its detached shim
// writes: `shim` (the shim's pid and start time, written here), `pid` (the container's main
// process), `started` (when it started, ms), `exit` ("<code> <finished ms> [reason]"), the output
// FIFOs stdout.fifo/stderr.fifo read into the CRI log by a ContainerLogPump, stdin.fifo for
// attach, ctl.fifo for terminal resizes, and SIGUSR1 to the shim closes a stdinOnce stdin.
// The runtimes differ in what they launch (the shim script) and how they enter a container for
// exec; the rest is here.

import { spawn } from 'node:child_process';
import { existsSync, constants as fsc, mkdirSync, openSync, statSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { readdirOrEmpty } from '../fs/readdir.js';
import { ContainerLogPump } from './logs.js';
import { pidAlive, procStartTime, readText, watchUntil } from './procfs.js';
import { PTY_HELPER } from './shim.js';
import { spawner } from './spawner.js';
import type {
  ContainerConfig,
  ContainerFilter,
  ContainerState,
  ContainerStatus,
  ExecOptions,
  ExecSession,
  Image,
  ImageService,
} from './types.js';

/** What every container record holds (each runtime adds its own fields). */
export interface TaskRecord {
  id: string;
  podSandboxId: string;
  config: ContainerConfig;
  image: string;
  imageRef: string;
  createdAt: number;
  /** The CRI log file; '' for a container whose output nobody reads (a pause container). */
  logPath: string;
}

/**
 * The image a container is created from, which must be on the node: its normalized name, the
 * digest reference the status reports as imageRef (containerd's CRI does the same), its config.
 */
export async function containerImage(images: ImageService, ref: string): Promise<{ name: string; imageRef: string; image: Image }> {
  const name = images.normalize(ref);
  const image = await images.imageStatus({ image: name });
  if (!image) throw new Error(`image "${name}" is not present on this node`);
  const withDigests = images as { imageDigestRef?(ref: string): Promise<string | undefined> };
  const imageRef = (withDigests.imageDigestRef ? await withDigests.imageDigestRef(name) : undefined) ?? name;
  return { name, imageRef, image };
}

/** The fields every container record starts with. */
export function newTaskRecord(
  id: string,
  podSandboxId: string,
  config: ContainerConfig,
  image: { name: string; imageRef: string },
  logPath: string,
): TaskRecord {
  return { id, podSandboxId, config, image: image.name, imageRef: image.imageRef, createdAt: Date.now(), logPath };
}

/** A command to run for exec: the runtime's way into the container. */
export interface ExecCommand {
  file: string;
  args: string[];
  cwd?: string;
}

export interface ShimTasksOptions {
  /** The folder holding one folder per container. */
  root: string;
  /** The file in a container's folder its shim writes start and run-time errors to. */
  errorLog: string;
  /** The message of a container that failed to start or was lost, from its errorLog text. */
  failureMessage: (errorLog: string, reason: string) => string | undefined;
  /** How long a shim may take to report the container's pid or exit. */
  startTimeoutMs: number;
  log: (msg: string) => void;
}

/** The shim's environment: fixed, nothing of the agent's own environment reaches a container. */
const SHIM_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };
const EXEC_ENV = { PATH: SHIM_ENV.PATH, TERM: 'xterm' };
/** execSync keeps at most this much of each stream: a probe's output is read, not archived. */
const EXEC_SYNC_MAX_BYTES = 1 << 20;

const isContainerId = (id: string) => /^[0-9a-f]+$/.test(id);

/** What a container's shim files said, kept once it can no longer change (see ShimTasks.facts). */
interface ShimFacts {
  shim?: { pid: number; startTime?: string };
  started?: number;
  pid?: string;
  exit?: string;
}

/** The object and everything in it frozen (records are shared, never copied). */
export function deepFreeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

export class ShimTasks<R extends TaskRecord> {
  readonly root: string;
  private readonly pumps = new Map<string, ContainerLogPump>();
  private readonly sessions = new Set<{ kill(): void }>();

  constructor(private readonly opts: ShimTasksOptions) {
    this.root = opts.root;
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  private file(id: string, name: string): string {
    return path.join(this.root, id, name);
  }

  // ---- records -------------------------------------------------------------------------------

  /**
   * The records, by id, loaded from the container folders once (the first call after this
   * runtime starts, an agent restart included) and kept from then on as this runtime writes
   * (add) and removes (forget) them: it is their only writer, as containerd's metadata store is
   * the only writer of its bolt database. Walking the folders and parsing or copying every record
   * for every pod's sync was the top of the agent's profile (#13). Records are frozen: shared with
   * every caller, never copied.
   */
  private readonly records = new Map<string, Readonly<R>>();
  /** Container ids by sandbox id: a pod's sync asks for its own sandbox's containers. */
  private readonly bySandbox = new Map<string, Set<string>>();
  private loaded?: Promise<void>;
  /**
   * What a container's shim wrote that never changes once written (its shim's pid and start
   * time, the main pid, the start time) and the exit once recorded, by id: read once instead of
   * at every status, since the PLEG asks for every container's status each second.
   */
  private readonly facts = new Map<string, ShimFacts>();

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const ids = await readdirOrEmpty(this.root);
      for (const id of ids) {
        if (!isContainerId(id) || this.records.has(id)) continue;
        try {
          this.index(JSON.parse(await readFile(this.file(id, 'container.json'), 'utf8')) as R);
        } catch {
          /* a folder whose record was never written (a create cut short): not a container */
        }
      }
    })();
    return this.loaded;
  }

  private index(rec: R): Readonly<R> {
    const frozen = deepFreeze(rec);
    this.records.set(rec.id, frozen);
    let ids = this.bySandbox.get(rec.podSandboxId);
    if (!ids) this.bySandbox.set(rec.podSandboxId, (ids = new Set()));
    ids.add(rec.id);
    return frozen;
  }

  /** Writes a new container's record (container.json, atomically) into its folder and keeps it. */
  async add(rec: R): Promise<void> {
    if (!isContainerId(rec.id)) throw new Error(`invalid container id ${JSON.stringify(rec.id)}`);
    await this.load();
    const file = this.file(rec.id, 'container.json');
    await writeFile(`${file}.tmp`, JSON.stringify(rec, null, 1));
    await rename(`${file}.tmp`, file);
    this.index(structuredClone(rec));
  }

  /** Every record, or those `match` takes; given a sandbox id, only that sandbox's. */
  async readAll(match?: (rec: Readonly<R>) => boolean, podSandboxId?: string): Promise<Readonly<R>[]> {
    await this.load();
    const out: Readonly<R>[] = [];
    const ids = podSandboxId === undefined ? this.records.keys() : (this.bySandbox.get(podSandboxId) ?? new Set<string>()).values();
    for (const id of ids) {
      const rec = this.records.get(id);
      if (rec && (!match || match(rec))) out.push(rec);
    }
    return out;
  }

  async read(id: string): Promise<Readonly<R> | undefined> {
    await this.load();
    return this.records.get(id);
  }

  /** The container's folder is being removed: its record is no longer true. */
  forget(id: string): void {
    const rec = this.records.get(id);
    this.records.delete(id);
    this.facts.delete(id);
    if (!rec) return;
    const ids = this.bySandbox.get(rec.podSandboxId);
    ids?.delete(id);
    if (ids?.size === 0) this.bySandbox.delete(rec.podSandboxId);
  }

  /** Every container folder is being removed (cleanupAll): nothing is known any more. */
  forgetAll(): void {
    this.records.clear();
    this.bySandbox.clear();
    this.facts.clear();
    this.loaded = undefined;
  }

  /**
   * After an agent restart: reads the output of every container whose shim still runs again,
   * and records as lost (exit 255) those whose shim is gone.
   */
  async adopt(): Promise<void> {
    for (const c of await this.readAll()) {
      if (!existsSync(this.file(c.id, 'started')) || existsSync(this.file(c.id, 'exit'))) continue;
      // One container that cannot be adopted must not leave the runtime unable to stop the others.
      try {
        if (this.shimAlive(c.id)) this.startPump(c);
        else await this.markLost(c.id);
      } catch (e) {
        this.opts.log(`container ${c.id}: ${(e as Error).message}`);
      }
    }
  }

  private factsOf(id: string): ShimFacts {
    let f = this.facts.get(id);
    if (!f) {
      f = {};
      // Only for a container this runtime knows: facts of a removed one would never be dropped.
      if (this.records.has(id)) this.facts.set(id, f);
    }
    return f;
  }

  private shimPid(id: string): { pid: number; startTime?: string } {
    const f = this.factsOf(id);
    if (f.shim) return f.shim;
    const [pid, st] = (readText(this.file(id, 'shim')) ?? '').trim().split(' ');
    const shim = { pid: Number(pid) || 0, startTime: st || undefined };
    if (shim.pid && shim.startTime) f.shim = shim;
    return shim;
  }

  /**
   * The container's start time (ms), 0 before it started; kept once known. The shim makes `started`
   * empty and its mtime is the time; a shim of an earlier version wrote the time into it.
   */
  private startedAt(id: string): number {
    const f = this.factsOf(id);
    if (f.started) return f.started;
    const file = this.file(id, 'started');
    const text = readText(file);
    let started = Number((text ?? '').trim()) || 0;
    if (!started && text !== undefined) started = Math.floor(statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (started) f.started = started;
    return started;
  }

  /** The main process's pid as the `pid` file has it ('' before it is written); kept once written. */
  private pidText(id: string): string {
    const f = this.factsOf(id);
    if (f.pid) return f.pid;
    const pid = (readText(this.file(id, 'pid')) ?? '').trim();
    if (/^\d+$/.test(pid)) f.pid = pid;
    return pid;
  }

  /**
   * The `exit` file's text, undefined while the container has not exited. A whole record
   * ("<code> <ms>...": the shim renames it into place) never changes again and is kept; a
   * partial one (being written by markLost or stop) is read again next time.
   */
  private exitText(id: string): string | undefined {
    const f = this.factsOf(id);
    if (f.exit) return f.exit;
    // Asked about every running container each second: a missing file is the usual answer, and
    // existsSync tells it without the thrown error a failed read costs.
    const file = this.file(id, 'exit');
    if (!existsSync(file)) return undefined;
    const exit = readText(file);
    if (exit !== undefined && /^-?\d+ \d+/.test(exit)) f.exit = exit;
    return exit;
  }

  private shimAlive(id: string): boolean {
    const { pid, startTime } = this.shimPid(id);
    return pidAlive(pid, startTime);
  }

  private async markLost(id: string): Promise<void> {
    await writeFile(this.file(id, this.opts.errorLog), 'container process lost: its k8ts shim is no longer running\n', { flag: 'a' });
    await writeFile(this.file(id, 'exit'), `255 ${Date.now()} Error\n`);
  }

  // ---- output --------------------------------------------------------------------------------

  private startPump(rec: R): void {
    if (this.pumps.has(rec.id) || !rec.logPath) return;
    // The log directory may be gone since the container started (an agent restart after a cleanup).
    mkdirSync(path.dirname(rec.logPath), { recursive: true });
    const pump = new ContainerLogPump({ stdout: this.file(rec.id, 'stdout.fifo'), stderr: this.file(rec.id, 'stderr.fifo') }, rec.logPath);
    this.pumps.set(rec.id, pump);
    void pump.done.then(() => {
      if (this.pumps.get(rec.id) === pump) this.pumps.delete(rec.id);
    });
  }

  /** Waits for a removed container's output to reach its log, then stops reading it. */
  async releaseOutput(id: string): Promise<void> {
    const pump = this.pumps.get(id);
    if (!pump) return;
    await pump.drained();
    pump.close();
    this.pumps.delete(id);
  }

  // ---- start, stop ---------------------------------------------------------------------------

  /** Runs the container's shim (shim.sh in its folder) and waits until it reports a pid or an exit. */
  async start(rec: R): Promise<void> {
    const dir = this.dir(rec.id);
    if (existsSync(path.join(dir, 'started'))) throw new Error(`container ${rec.id} was already started`);
    this.startPump(rec);
    const pid = await spawner.spawnDetached('/bin/sh', [path.join(dir, 'shim.sh')], { cwd: dir, env: SHIM_ENV });
    await writeFile(path.join(dir, 'shim'), `${`${pid} ${procStartTime(pid) ?? ''}`.trim()}\n`);
    await this.waitPid(rec.id, this.opts.startTimeoutMs);
    const st = await this.status(rec);
    if (st.state === 'CONTAINER_EXITED' && st.reason === 'StartError') {
      throw new Error(`failed to start container "${rec.config.metadata.name}": ${st.message ?? 'unknown error'}`);
    }
  }

  private waitPid(id: string, timeoutMs: number): Promise<boolean> {
    const pidFile = this.file(id, 'pid');
    const exitFile = this.file(id, 'exit');
    return watchUntil(this.dir(id), () => (readText(pidFile) ?? '').trim() !== '' || existsSync(exitFile), timeoutMs);
  }

  /** True once the container has exited (or its folder is gone) within timeoutMs. */
  waitExited(id: string, timeoutMs: number): Promise<boolean> {
    const exitFile = this.file(id, 'exit');
    return watchUntil(this.dir(id), () => existsSync(exitFile) || !existsSync(this.dir(id)), timeoutMs);
  }

  /** The container's main process while it runs (0: not running). */
  mainPid(id: string): number {
    if (this.exitText(id) !== undefined) return 0;
    const pid = Number(this.pidText(id));
    return pid && pidAlive(pid) ? pid : 0;
  }

  /**
   * kubelet's StopContainer: SIGTERM to the main process and timeoutSeconds to exit, then
   * killAll (the runtime's way to kill every process of the container) and SIGKILL; a shim that
   * is itself gone loses its whole process group and the exit is recorded here.
   */
  async stop(id: string, timeoutSeconds: number, killAll?: () => Promise<void>): Promise<void> {
    await this.waitPid(id, 5000);
    if (timeoutSeconds > 0) {
      signalPid(this.mainPid(id), 'SIGTERM');
      if (await this.waitExited(id, timeoutSeconds * 1000)) return;
    }
    await killAll?.();
    signalPid(this.mainPid(id), 'SIGKILL');
    if (await this.waitExited(id, 10_000)) return;
    signalPid(-this.shimPid(id).pid, 'SIGKILL');
    const exitFile = this.file(id, 'exit');
    if (!existsSync(exitFile)) await writeFile(exitFile, `137 ${Date.now()} Error\n`).catch(() => undefined);
  }

  // ---- status --------------------------------------------------------------------------------

  /** The container's status; an exited container's comes with its whole log (ContainerLogPump.drained). */
  async status(rec: Readonly<R>): Promise<ContainerStatus> {
    if (this.exitText(rec.id) !== undefined) await this.pumps.get(rec.id)?.drained();
    return this.statusOf(rec);
  }

  statusOf(rec: Readonly<R>): ContainerStatus {
    const dir = this.dir(rec.id);
    const started = this.startedAt(rec.id);
    const exit = this.exitText(rec.id);
    const pidText = started && exit === undefined ? this.pidText(rec.id) : '';
    let state: ContainerState = 'CONTAINER_CREATED';
    let exitCode = 0;
    let finishedAt = 0;
    let reason: string | undefined;
    let message: string | undefined;
    if (exit !== undefined) {
      const [code, fin, why] = exit.trim().split(' ');
      state = 'CONTAINER_EXITED';
      exitCode = Number(code);
      finishedAt = Number(fin) || 0;
      reason = why || (exitCode === 0 ? 'Completed' : 'Error');
      if (reason === 'StartError' || exitCode === 255) {
        message = this.opts.failureMessage((readText(path.join(dir, this.opts.errorLog)) ?? '').trim(), reason);
      }
    } else if (started) {
      state = this.shimAlive(rec.id) ? 'CONTAINER_RUNNING' : 'CONTAINER_UNKNOWN';
    }
    // Copies of the record's parts: a status is the caller's to change, the record is shared.
    const st: ContainerStatus = {
      id: rec.id,
      podSandboxId: rec.podSandboxId,
      metadata: { ...rec.config.metadata },
      state,
      createdAt: rec.createdAt,
      startedAt: reason === 'StartError' ? 0 : started,
      finishedAt,
      exitCode,
      image: rec.image,
      imageRef: rec.imageRef,
      logPath: rec.logPath,
    };
    if (reason) st.reason = reason;
    if (message) st.message = message;
    if (rec.config.labels) st.labels = { ...rec.config.labels };
    if (rec.config.annotations) st.annotations = { ...rec.config.annotations };
    if (state === 'CONTAINER_RUNNING' && pidText) st.pid = Number(pidText);
    return st;
  }

  /** CRI ListContainers' filter over statuses. */
  /**
   * Whether a record can pass the filter, judged on the record alone: a runtime narrows its
   * records with this before reading each one's state from the shim's files (a pod's sync asks
   * for its own containers; reading every container's files for it made a node's pod start
   * grow with the pods it already runs, #13).
   */
  static recordMatches(rec: TaskRecord, filter?: ContainerFilter): boolean {
    if (!filter) return true;
    if (filter.id && rec.id !== filter.id) return false;
    if (filter.podSandboxId && rec.podSandboxId !== filter.podSandboxId) return false;
    for (const [k, v] of Object.entries(filter.labelSelector ?? {})) if (rec.config.labels?.[k] !== v) return false;
    return true;
  }

  static filter(statuses: ContainerStatus[], filter?: ContainerFilter): ContainerStatus[] {
    return statuses.filter(
      (s) =>
        (!filter?.id || s.id === filter.id) &&
        (!filter?.podSandboxId || s.podSandboxId === filter.podSandboxId) &&
        (!filter?.state || s.state === filter.state) &&
        Object.entries(filter?.labelSelector ?? {}).every(([k, v]) => s.labels?.[k] === v),
    );
  }

  // ---- exec, attach --------------------------------------------------------------------------

  /**
   * Runs cmd as an exec session: in its own process group (kill ends all it started), through
   * the PTY helper when tty, whose fourth descriptor takes "cols rows" resizes.
   */
  exec(cmd: ExecCommand, tty: boolean, opts: ExecOptions, onClose?: () => void): ExecSession {
    const file = tty ? 'python3' : cmd.file;
    const args = tty ? ['-c', PTY_HELPER, '0', '0', cmd.file, ...cmd.args] : cmd.args;
    const child = spawn(file, args, {
      cwd: cmd.cwd,
      detached: true,
      stdio: tty ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
      env: EXEC_ENV,
    });
    const control = tty ? (child.stdio[3] as Writable) : undefined;
    control?.on('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    if (opts.stdin) opts.stdin.pipe(child.stdin!);
    else if (!tty) child.stdin!.end();
    if (opts.stdout) child.stdout!.pipe(opts.stdout, { end: false });
    else child.stdout!.resume();
    if (opts.stderr) child.stderr!.pipe(opts.stderr, { end: false });
    else child.stderr!.resume();
    const session = { kill: (signal: NodeJS.Signals = 'SIGKILL') => signalPid(-child.pid!, signal) };
    this.sessions.add(session);
    const exited = new Promise<number>((resolve) => {
      child.on('error', (err) => {
        opts.stderr?.write(`${err.message}\n`);
        resolve(126);
      });
      child.on('close', (code, sig) => {
        this.sessions.delete(session);
        opts.stdin?.unpipe(child.stdin!);
        control?.destroy();
        onClose?.();
        resolve(code ?? (sig ? 128 + (os.constants.signals[sig] ?? 9) : 1));
      });
    });
    return {
      exited,
      resize: (cols: number, rows: number) => {
        if (control && cols > 0 && rows > 0) control.write(`${Math.floor(cols)} ${Math.floor(rows)}\n`);
      },
      kill: session.kill,
    };
  }

  /** Attaches to a running container's stdio: its output from the log pump, stdin and resizes through its shim's FIFOs. */
  attach(rec: R, opts: ExecOptions): ExecSession {
    const pump = this.pumps.get(rec.id);
    if (!pump) throw new Error(`container ${rec.config.metadata.name}: output is not available for attach`);
    const unsubscribe = pump.subscribe({ stdout: opts.stdout, stderr: opts.tty ? opts.stdout : opts.stderr });
    let stdinSock: net.Socket | undefined;
    if (opts.stdin && rec.config.stdin) {
      const fd = openSync(this.file(rec.id, 'stdin.fifo'), fsc.O_WRONLY | fsc.O_NONBLOCK);
      stdinSock = new net.Socket({ fd, readable: false, writable: true });
      stdinSock.on('error', () => undefined);
      opts.stdin.pipe(stdinSock);
      opts.stdin.on('end', () => {
        if (rec.config.stdinOnce) signalPid(this.shimPid(rec.id).pid, 'SIGUSR1');
      });
    }
    let ctl: net.Socket | undefined;
    const ctlFifo = this.file(rec.id, 'ctl.fifo');
    if (existsSync(ctlFifo)) {
      try {
        ctl = new net.Socket({ fd: openSync(ctlFifo, fsc.O_WRONLY | fsc.O_NONBLOCK), readable: false, writable: true });
        ctl.on('error', () => undefined);
      } catch {
        /* the shim is gone */
      }
    }
    let finish!: (code: number) => void;
    const exited = new Promise<number>((r) => {
      finish = r;
    });
    const detach = () => {
      unsubscribe();
      if (stdinSock) {
        opts.stdin?.unpipe(stdinSock);
        stdinSock.end();
      }
      ctl?.end();
    };
    const session = {
      kill: () => {
        detach();
        finish(0);
      },
    };
    this.sessions.add(session);
    void pump.done.then(async () => {
      await this.waitExited(rec.id, 5000);
      detach();
      this.sessions.delete(session);
      finish(existsSync(this.dir(rec.id)) ? (await this.status(rec)).exitCode : 0);
    });
    return {
      exited,
      resize: (cols: number, rows: number) => {
        if (ctl && cols > 0 && rows > 0) ctl.write(`${Math.floor(cols)} ${Math.floor(rows)}\n`);
      },
      kill: () => {
        this.sessions.delete(session);
        session.kill();
      },
    };
  }

  /** Ends every exec and attach session (the agent is stopping). */
  endSessions(): void {
    for (const s of this.sessions) s.kill();
    this.sessions.clear();
  }

  /** Stops reading every container's output; the containers keep running. */
  closeOutput(): void {
    for (const p of this.pumps.values()) p.close();
    this.pumps.clear();
  }
}

/**
 * CRI ExecSync through the spawner (the agent is not forked: that fork was two thirds of its CPU
 * per exec probe, #13): the command in its own process group, killed whole after timeoutSeconds,
 * each stream kept up to EXEC_SYNC_MAX_BYTES. Without the helper, `fallback` (an exec session).
 */
export async function captureExec(
  cmd: ExecCommand,
  timeoutSeconds: number,
  fallback: () => Promise<{ exitCode: number; stdout: string; stderr: string }>,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const run = spawner.capture(cmd.file, cmd.args, {
    cwd: cmd.cwd,
    env: EXEC_ENV,
    timeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 : 0,
    maxBytes: EXEC_SYNC_MAX_BYTES,
  });
  if (!run) return fallback();
  const r = await run;
  if (r.timedOut) return { exitCode: -1, stdout: r.stdout, stderr: `${r.stderr}command timed out after ${timeoutSeconds}s` };
  return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
}

/**
 * CRI ExecSync: runs an exec session to its end (or timeoutSeconds, then kills it) and returns
 * its exit code and output, each stream kept up to EXEC_SYNC_MAX_BYTES.
 */
export async function execSync(
  exec: (opts: ExecOptions) => Promise<ExecSession>,
  timeoutSeconds: number,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => {
    let size = 0;
    return new Writable({
      write(chunk: Buffer, _e, cb) {
        if (size < EXEC_SYNC_MAX_BYTES) into.push(chunk);
        size += chunk.length;
        cb();
      },
    });
  };
  const session = await exec({ tty: false, stdout: sink(out), stderr: sink(err) });
  let timedOut = false;
  const timer =
    timeoutSeconds > 0
      ? setTimeout(() => {
          timedOut = true;
          session.kill('SIGKILL');
        }, timeoutSeconds * 1000)
      : undefined;
  const exitCode = await session.exited;
  if (timer) clearTimeout(timer);
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  if (timedOut) return { exitCode: -1, stdout, stderr: `${stderr}command timed out after ${timeoutSeconds}s` };
  return { exitCode, stdout, stderr };
}
