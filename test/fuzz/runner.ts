// The fuzz suite's runner (issue #7): starts the API server in a child process, sends it the
// generated requests with a few at a time in flight, and checks what "no request can take it
// down" means: the process never dies; every answer to a complete HTTP request is a Kubernetes
// Status (or a valid success body); nothing bad input causes is a 5xx; a canary client keeps
// being answered all along; afterwards every stored object is still valid (each is re-read and
// PUT back unchanged with dryRun=All, which runs the whole validation and admission).
// Seeded and bounded in count and time. Used by fuzz.test.ts (a short run) and main.ts (`npm run fuzz`).

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { collectionPath, type FuzzRequest, generate, KINDS, NAMESPACES, Rng } from './generate.js';

export interface FuzzOptions {
  seed: number;
  count: number;
  /** Stop sending after this long even if count is not reached (the figures say how many went). */
  timeLimitMs: number;
  concurrency?: number;
  store?: 'memory' | 'sqlite';
  /** Progress lines (every 10,000 requests). */
  log?: (line: string) => void;
}

export interface FuzzFailure {
  index: number;
  label: string;
  method: string;
  path: string;
  why: string;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  elapsedMs: number;
  byStatus: Record<string, number>;
  byLabel: Record<string, number>;
  /** Per label: total and longest time to an answer, ms. */
  timeByLabel: Record<string, { total: number; max: number }>;
  failures: FuzzFailure[];
  serverDied: string | undefined;
  canary: { sent: number; failed: number; maxMs: number };
  validated: { objects: number; invalid: string[] };
  serverRssMb: number;
  serverErrors: string[];
}

const ANSWER_TIMEOUT_MS = 20_000;

interface Server {
  url: string;
  token: string;
  child: ChildProcess;
  died?: string;
  stderr: string[];
}

async function startServer(store: 'memory' | 'sqlite'): Promise<Server> {
  const script = fileURLToPath(new URL('./server.js', import.meta.url));
  const child = spawn(process.execPath, ['--max-old-space-size=1024', script, store], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, K8TS_FUZZ_SERVER: '1' },
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    if (stderr.length < 2000) stderr.push(l);
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`fuzz server did not start: ${stderr.join('\n')}`)), 30_000);
    lines.once('line', (l) => {
      clearTimeout(t);
      resolve(l);
    });
    child.once('exit', (c) => {
      clearTimeout(t);
      reject(new Error(`fuzz server exited ${c}: ${stderr.join('\n')}`));
    });
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  const server: Server = { url, token, child, stderr };
  child.on('exit', (code, signal) => {
    server.died = `exited with ${signal ?? code}`;
  });
  return server;
}

function rssMb(pid: number): number {
  try {
    // /proc/<pid>/status VmRSS in kB.
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)/.exec(text);
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  aborted: boolean;
}

function send(agent: http.Agent, base: URL, token: string, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${token}`, ...req.headers };
    if (req.body) headers['Content-Length'] = req.body.length;
    if (headers['Transfer-Encoding']) delete headers['Content-Length'];
    let finished = false;
    const r = http.request({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size < 8 * 1024 * 1024) chunks.push(c);
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: false }));
      res.on('error', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: true }));
      if (req.abortAfterMs !== undefined) {
        setTimeout(() => {
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: true });
          r.destroy();
        }, req.abortAfterMs);
      }
    });
    const timer = setTimeout(() => {
      if (!finished) {
        finished = true;
        r.destroy();
        reject(new Error(`no answer in ${ANSWER_TIMEOUT_MS} ms`));
      }
    }, ANSWER_TIMEOUT_MS);
    function done(a: Answer): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(a);
    }
    r.on('error', (e) => {
      if (!finished) {
        finished = true;
        clearTimeout(timer);
        reject(e);
      }
    });
    // Method names Node refuses to send are the client's problem, not the server's: skip them.
    try {
      r.end(req.body);
    } catch (e) {
      finished = true;
      clearTimeout(timer);
      reject(Object.assign(e as Error, { clientSide: true }));
    }
  });
}

/** Raw socket abuse: the server must answer or close, within the bound, and go on serving. */
function sendRaw(base: URL, req: FuzzRequest): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(Number(base.port), base.hostname);
    const end = () => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(end, 1000);
    s.on('error', end);
    s.on('close', end);
    s.on('data', () => undefined);
    s.on('connect', () => {
      const { bytes, after } = req.raw!;
      if (after === 'trickle') {
        let i = 0;
        const step = () => {
          if (i >= bytes.length || s.destroyed) {
            end();
            return;
          }
          s.write(bytes.subarray(i, i + 64));
          i += 64;
          setTimeout(step, 10);
        };
        step();
        return;
      }
      s.write(bytes);
      if (after === 'close') end();
      else if (after === 'half-close') s.end();
      // 'wait': leave it open until the server closes it or the bound passes.
    });
  });
}

function isStatus(body: Buffer, code: number): string | undefined {
  let s: { kind?: string; code?: number; status?: string };
  try {
    s = JSON.parse(body.toString('utf8'));
  } catch {
    return `HTTP ${code} without a JSON body: ${body.toString('utf8').slice(0, 120)}`;
  }
  if (s.kind !== 'Status') return `HTTP ${code} body is a ${String(s.kind)}, not a Status`;
  if (s.code !== code) return `HTTP ${code} with a Status of code ${String(s.code)}`;
  return undefined;
}

/** What is wrong with this answer, if anything. */
function judge(req: FuzzRequest, a: Answer): string | undefined {
  const text = a.body.toString('utf8');
  if (a.status >= 500) {
    // Kubernetes' 5xx that are not about bad input: a resourceVersion the store has not
    // reached yet (504, retry), and a proxy/stream to a pod or service nothing serves (503).
    if (a.status === 504 && (/Too large resource version/.test(text) || (req.method === 'HEAD' && /resourceVersion=/.test(req.path))))
      return undefined;
    if (a.status === 503 && /\/(proxy|exec|attach|portforward|log)(\/|\?|$)/.test(req.path))
      return req.method === 'HEAD' ? undefined : isStatus(a.body, a.status);
    return `HTTP ${a.status}: ${text.slice(0, 300)}`;
  }
  if (req.method === 'HEAD') return undefined;
  if (a.status >= 400) return isStatus(a.body, a.status);
  if (a.status === 101) return undefined;
  const ct = String(a.headers['content-type'] ?? '');
  if (!ct.startsWith('application/json')) return undefined; // discovery text, openapi protobuf, health text
  if (a.aborted) {
    // A watch stream cut by our abort: every complete line is an event.
    const lines = text.split('\n');
    if (a.aborted) lines.pop();
    for (const l of lines.filter(Boolean)) {
      try {
        const ev = JSON.parse(l) as { type?: string; object?: unknown };
        if (!ev.type || !ev.object) return `watch line without type/object: ${l.slice(0, 120)}`;
      } catch {
        return `watch line not JSON: ${l.slice(0, 120)}`;
      }
    }
    return undefined;
  }
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    /* a whole watch stream, or not JSON */
  }
  const lines = text.split('\n').filter(Boolean);
  for (const l of lines) {
    try {
      const ev = JSON.parse(l) as { type?: string; object?: unknown };
      if (!ev.type || !ev.object) return `watch line without type/object: ${l.slice(0, 120)}`;
    } catch {
      return `HTTP ${a.status} body not JSON: ${text.slice(0, 120)}`;
    }
  }
  return undefined;
}

async function request(base: URL, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const a = await send(agent, base, token, {
      kind: 'http',
      method,
      path,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? Buffer.from(JSON.stringify(body)) : undefined,
      label: 'setup',
    });
    let json: unknown;
    try {
      json = JSON.parse(a.body.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: a.status, json };
  } finally {
    agent.destroy();
  }
}

/** Every stored object, re-read and PUT back unchanged with dryRun=All: still valid? */
async function validateAll(base: URL, token: string): Promise<{ objects: number; invalid: string[] }> {
  const invalid: string[] = [];
  let objects = 0;
  for (const k of KINDS) {
    const list = await request(base, token, 'GET', collectionPath(k, '').replace('/namespaces//', '/'));
    if (list.status !== 200) {
      invalid.push(`list ${k.resource}: HTTP ${list.status}`);
      continue;
    }
    for (const o of (list.json.items ?? []) as Array<{ metadata: { name: string; namespace?: string } }>) {
      objects++;
      const size = Buffer.byteLength(JSON.stringify(o));
      if (size > 1.5 * 1024 * 1024) invalid.push(`${k.resource} ${o.metadata.namespace}/${o.metadata.name}: ${size} bytes stored`);
      const path = `${collectionPath(k, o.metadata.namespace ?? '')}/${encodeURIComponent(o.metadata.name)}`;
      const one = await request(base, token, 'GET', path);
      if (one.status !== 200) {
        invalid.push(`${path}: re-read HTTP ${one.status}`);
        continue;
      }
      const put = await request(base, token, 'PUT', `${path}?dryRun=All`, one.json);
      // 409: changed since (a controller-less server changes nothing, but a finalizer run might).
      if (put.status !== 200 && put.status !== 409)
        invalid.push(`${path}: PUT back unchanged gives HTTP ${put.status}: ${String(put.json?.message).slice(0, 300)}`);
    }
  }
  return { objects, invalid };
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const server = await startServer(opts.store ?? 'memory');
  const base = new URL(server.url);
  const report: FuzzReport = {
    seed: opts.seed,
    sent: 0,
    elapsedMs: 0,
    byStatus: {},
    byLabel: {},
    timeByLabel: {},
    failures: [],
    serverDied: undefined,
    canary: { sent: 0, failed: 0, maxMs: 0 },
    validated: { objects: 0, invalid: [] },
    serverRssMb: 0,
    serverErrors: [],
  };
  const start = Date.now();
  try {
    for (const ns of NAMESPACES.slice(1)) await request(base, server.token, 'POST', '/api/v1/namespaces', { metadata: { name: ns } });
    // The canary: another client that must keep being answered while the fuzz runs.
    let canaryOn = true;
    const canary = (async () => {
      const agent = new http.Agent({ keepAlive: true });
      while (canaryOn && !server.died) {
        const t0 = Date.now();
        report.canary.sent++;
        try {
          const a = await send(agent, base, server.token, {
            kind: 'http',
            method: 'GET',
            path: '/api/v1/namespaces/default',
            headers: {},
            label: 'canary',
          });
          if (a.status !== 200 && a.status !== 429) report.canary.failed++;
        } catch {
          report.canary.failed++;
        }
        report.canary.maxMs = Math.max(report.canary.maxMs, Date.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
      agent.destroy();
    })();

    const rng = new Rng(opts.seed);
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 16 });
    let next = 0;
    const worker = async () => {
      while (next < opts.count && Date.now() - start < opts.timeLimitMs && !server.died) {
        const index = next++;
        const req = generate(rng);
        // Any GET may have become a watch (watch=yes in a random query): never wait for one to end.
        if (req.method.toUpperCase() === 'GET' && req.abortAfterMs === undefined && /watch/.test(req.path)) req.abortAfterMs = 1500;
        report.byLabel[req.label] = (report.byLabel[req.label] ?? 0) + 1;
        report.sent++;
        const t0 = Date.now();
        const timed = () => {
          const t = (report.timeByLabel[req.label] ??= { total: 0, max: 0 });
          const ms = Date.now() - t0;
          t.total += ms;
          t.max = Math.max(t.max, ms);
        };
        if (req.kind === 'raw') {
          await sendRaw(base, req);
          timed();
          continue;
        }
        try {
          const a = await send(agent, base, server.token, req);
          timed();
          report.byStatus[a.status] = (report.byStatus[a.status] ?? 0) + 1;
          const why = judge(req, a);
          if (why && report.failures.length < 200)
            report.failures.push({ index, label: req.label, method: req.method, path: req.path.slice(0, 200), why });
        } catch (e) {
          if ((e as { clientSide?: boolean }).clientSide) {
            report.byStatus['client-refused'] = (report.byStatus['client-refused'] ?? 0) + 1;
            continue;
          }
          const msg = (e as Error).message;
          // A connection reset by the server after an answer it chose not to finish (a body
          // over the limit, a slow watch closed) is an answer; a timeout or a dead server is not.
          if (/no answer/.test(msg) || server.died) {
            if (report.failures.length < 200)
              report.failures.push({ index, label: req.label, method: req.method, path: req.path.slice(0, 200), why: msg });
          } else {
            report.byStatus[`reset:${(e as NodeJS.ErrnoException).code ?? msg}`] =
              (report.byStatus[`reset:${(e as NodeJS.ErrnoException).code ?? msg}`] ?? 0) + 1;
          }
        }
        if (opts.log && index % 10_000 === 9_999)
          opts.log(
            `${report.sent} requests, ${Math.round((Date.now() - start) / 1000)} s, ${report.failures.length} failures, server RSS ${rssMb(server.child.pid!)} MB`,
          );
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
    agent.destroy();
    canaryOn = false;
    await canary;
    report.elapsedMs = Date.now() - start;
    report.serverRssMb = rssMb(server.child.pid!);
    if (!server.died) report.validated = await validateAll(base, server.token);
  } finally {
    report.serverDied = server.died;
    report.serverErrors = server.stderr.filter((l) => /Error|at /.test(l)).slice(0, 50);
    if (!server.died) {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      const t = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
  }
  return report;
}
