// Whole-cluster test support: starts a real `k8ts up` (a background process on 127.0.0.1,
// with its own data dir and kubeconfig) and drives it with the stock kubectl. Everything is
// stopped and removed in `stop()`, which tests call from `after`, pass or fail.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestEtcd, type TestEtcd } from '../../src/testing/etcd.js';
import { waitFor } from '../../src/testing/wait.js';

/**
 * K8TS_E2E_STORE=etcd runs every TestCluster that asks for sqlite or memory on an etcd of its
 * own instead (#15: the suites must pass unchanged with --store etcd).
 */
const E2E_STORE_ETCD = process.env.K8TS_E2E_STORE === 'etcd';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/src/cli/main.js, from dist/test/e2e. */
export const CLI = path.resolve(here, '../../src/cli/main.js');
export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** True when this process may make network namespaces and bridges (a real node with pod networking). */
export const isRoot = process.platform === 'linux' && process.getuid?.() === 0;

/**
 * `k8ts up` flags for a cluster whose node's host-level names (bridge, pod CIDR) are this run's
 * own, so that test files running side by side never meet. tag: a few letters naming the file.
 */
export function ownNodeArgs(tag: string): string[] {
  const n = process.pid % 100_000;
  const bridge = `k8t${tag}${n}`.slice(0, 15);
  const b = 128 + (process.pid % 64);
  const c = Math.floor(Math.random() * 256);
  return ['--bridge', bridge, '--pod-cidr', `10.${b}.${c}.0/24`, '--node-name', `${tag}-node`];
}

export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export class TestCluster {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly cacheDir: string;
  url = '';
  token = '';
  ca = '';
  private stopped = false;
  private etcd?: TestEtcd;

  constructor(
    readonly name = 'e2e',
    readonly store: 'sqlite' | 'memory' | `etcd://${string}` = 'sqlite',
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `k8ts-${name}-`));
    this.kubeconfig = path.join(this.dir, 'kubeconfig');
    this.cacheDir = path.join(this.dir, 'kube-cache');
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, KUBECONFIG: this.kubeconfig, HOME: this.dir, ...extra };
  }

  async up(extraArgs: string[] = []): Promise<RunResult> {
    let store: string = this.store;
    if (E2E_STORE_ETCD && !store.startsWith('etcd://')) {
      this.etcd ??= await startTestEtcd();
      store = `etcd://${this.etcd.endpoint}`;
    }
    const r = await run(
      process.execPath,
      [CLI, 'up', '--data-dir', this.dataDir, '--port', '0', '--kubeconfig', this.kubeconfig, '--store', store, ...extraArgs],
      { env: this.env(), timeoutMs: 90_000 },
    );
    if (r.code !== 0) throw new Error(`k8ts up failed (${r.code}): ${r.stdout}\n${r.stderr}\n${this.log()}`);
    const info = JSON.parse(fs.readFileSync(path.join(this.dataDir, 'cluster.json'), 'utf8')) as { url: string };
    this.url = info.url;
    this.token = fs.readFileSync(path.join(this.dataDir, 'token'), 'utf8').trim();
    this.ca = fs.readFileSync(path.join(this.dataDir, 'pki', 'ca.crt'), 'utf8');
    return r;
  }

  async down(): Promise<RunResult> {
    return run(process.execPath, [CLI, 'down', '--data-dir', this.dataDir], { env: this.env() });
  }

  pid(): number | undefined {
    return this.info()?.pid;
  }

  /** cluster.json: the control plane's pid and the supervisor's (the background `up`). */
  info(): { pid: number; supervisorPid?: number; url: string } | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dataDir, 'cluster.json'), 'utf8')) as {
        pid: number;
        supervisorPid?: number;
        url: string;
      };
    } catch {
      return undefined;
    }
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dataDir, 'k8ts.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  }

  kubectl(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
    return run(KUBECTL, ['--cache-dir', this.cacheDir, ...args], { env: this.env(opts.env), input: opts.input, timeoutMs: opts.timeoutMs });
  }

  /** kubectl that must succeed; returns stdout. */
  async k(...args: string[]): Promise<string> {
    const r = await this.kubectl(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** kubectl with stdin. */
  async kIn(input: string, ...args: string[]): Promise<string> {
    const r = await this.kubectl(args, { input });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** A raw API request with the cluster's token (over TLS, verified with the cluster CA). */
  api(
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }> {
    let payload: Buffer | undefined;
    const h: Record<string, string> = { Authorization: `Bearer ${this.token}`, ...headers };
    if (body !== undefined) {
      payload =
        typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
      h['Content-Length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = https.request(`${this.url}${p}`, { method, headers: h, ca: this.ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers as Record<string, string | string[] | undefined> });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** waitFor (src/testing/wait.ts) with the deadline whole-cluster tests need. */
  waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000): ReturnType<typeof waitFor<T>> {
    return waitFor(what, fn, { timeoutMs, intervalMs: 100 });
  }

  /** Stops the cluster (kill if `down` fails) and removes the temp dir. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const info = this.info();
    await this.down().catch(() => undefined);
    // The supervisor first, or it would start the control plane again.
    for (const pid of [info?.supervisorPid, info?.pid])
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    await this.etcd?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a long-running process (an agent, kubectl get -w) and collects its stdout and stderr together. */
export function spawnCollecting(file: string, args: string[], env?: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  child.stderr!.on('data', (d) => {
    out += String(d);
  });
  return { child, output: () => out };
}

/** Stops (SIGKILL) what a cluster's data dir says still runs, supervisor first, whatever state a failed test left. */
export function killCluster(dir: string): void {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as { pid: number; supervisorPid?: number };
    for (const pid of [info.supervisorPid, info.pid])
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
  } catch {
    /* not running */
  }
}

/** Starts a long-running kubectl (get -w) and collects its output. */
export function spawnKubectl(cluster: TestCluster, args: string[]): { child: ChildProcess; output: () => string; stop: () => void } {
  const { child, output } = spawnCollecting(KUBECTL, ['--cache-dir', cluster.cacheDir, ...args], cluster.env());
  return {
    child,
    output,
    stop: () => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}
