// The store figures again, through the real HTTP API: an ApiServer on the memory and on the
// SQLite store, alone in a child process (so the load generator here does not share its event
// loop), driven over plain HTTP on 127.0.0.1 by a few keep-alive clients. Figures: ConfigMap
// creates/s, gets/s, list latency of 10,000 objects (JSON and as a Table) and watch fan-out
// (1,000 watch connections, time for 100 writes to reach them all).

import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitFor } from '../src/testing/wait.js';
import { benchTempDir, cleanup, fmtInt, fmtMs, inParallel, median, mib, rate, stopChild } from './util.js';

export interface BenchApiOptions {
  objects?: number;
  gets?: number;
  /** Concurrent clients, one keep-alive connection each. */
  clients?: number;
  watchers?: number;
  fanoutWrites?: number;
}

const NS = 'bench';
const FANOUT_NS = 'bench-fanout';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface Reply {
  status: number;
  body: Buffer;
}

/** One keep-alive client of the API server; answers are buffered, never parsed unless asked. */
class Client {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  constructor(
    private readonly base: URL,
    private readonly token: string,
  ) {}

  request(method: string, path: string, body?: string, accept = 'application/json', contentType = 'application/json'): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: accept };
      if (body !== undefined) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const req = http.request({ hostname: this.base.hostname, port: this.base.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async ok(method: string, path: string, body?: string, accept?: string, contentType?: string): Promise<Reply> {
    const r = await this.request(method, path, body, accept, contentType);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
    return r;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** About 1 KiB of data, as a typical application ConfigMap. */
function configMap(name: string, namespace: string, i: number): string {
  const data: Record<string, string> = {};
  for (let k = 0; k < 8; k++) data[`key-${k}.properties`] = `setting.${k}=${i.toString(36).repeat(1 + (k % 3))}-${'x'.repeat(90)}`;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { app: 'bench', shard: String(i % 16) } },
    data,
  });
}

interface ServerChild {
  child: ChildProcess;
  url: URL;
  token: string;
  memory(): Promise<{ rss: number; heapUsed: number }>;
  stop(): Promise<void>;
}

async function startServerChild(kind: 'memory' | 'sqlite', dataDir: string): Promise<ServerChild> {
  const script = fileURLToPath(new URL('./apiserver-child.js', import.meta.url));
  const child = fork(script, [kind, dataDir], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = cleanup.add(`API server child ${child.pid}`, () => {
    if (child.connected) child.send('stop');
    return stopChild(child, 10_000);
  });
  const hello = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; token: string }));
    child.once('exit', (code) => reject(new Error(`API server child exited (${code}) before listening`)));
  });
  const memory = () =>
    new Promise<{ rss: number; heapUsed: number }>((resolve) => {
      child.once('message', (m) => resolve((m as { memory: { rss: number; heapUsed: number } }).memory));
      child.send('memory');
    });
  return { child, url: new URL(hello.url), token: hello.token, memory, stop };
}

async function benchOne(kind: 'memory' | 'sqlite', o: Required<BenchApiOptions>): Promise<string[]> {
  const tmp = benchTempDir(`api-${kind}`);
  const server = await startServerChild(kind, tmp.dir);
  const clients = Array.from({ length: o.clients }, () => new Client(server.url, server.token));
  const closeClients = cleanup.add('API clients', () => {
    for (const c of clients) c.close();
  });
  const name = kind.padEnd(6);
  const lines: string[] = [];
  try {
    const admin = clients[0];
    for (const ns of [NS, FANOUT_NS])
      await admin.ok('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    // The namespace lifecycle admission may need a moment to see the new namespaces.
    await waitFor(
      'namespace usable',
      async () => (await admin.request('POST', `/api/v1/namespaces/${NS}/configmaps?dryRun=All`, configMap('probe', NS, 0))).status === 201,
      10_000,
    );

    const bodies = Array.from({ length: o.objects }, (_, i) => configMap(`cm-${String(i).padStart(5, '0')}`, NS, i));
    let t = performance.now();
    await inParallel(o.objects, o.clients, (i, w) => clients[w].ok('POST', `/api/v1/namespaces/${NS}/configmaps`, bodies[i]));
    const createMs = performance.now() - t;
    lines.push(
      `${name} creates: ${rate(o.objects, createMs)} (${fmtInt(o.objects)} ConfigMaps of ${bodies[0].length} B, ${o.clients} keep-alive clients)`,
    );

    let x = 12345;
    t = performance.now();
    await inParallel(o.gets, o.clients, (_i, w) => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return clients[w].ok('GET', `/api/v1/namespaces/${NS}/configmaps/cm-${String(x % o.objects).padStart(5, '0')}`);
    });
    lines.push(`${name} gets: ${rate(o.gets, performance.now() - t)} (${fmtInt(o.gets)} random GETs, ${o.clients} clients)`);

    const listPath = `/api/v1/namespaces/${NS}/configmaps`;
    for (const [label, path, accept] of [
      ['JSON', listPath, 'application/json'],
      ['JSON, resourceVersion=0', `${listPath}?resourceVersion=0`, 'application/json'],
      ['Table', listPath, TABLE],
    ] as const) {
      const times: number[] = [];
      let bytes = 0;
      let items = -1;
      for (let r = 0; r < 5; r++) {
        t = performance.now();
        const reply = await admin.ok('GET', path, undefined, accept);
        times.push(performance.now() - t);
        bytes = reply.body.length;
        if (r === 0) {
          const parsed = JSON.parse(reply.body.toString('utf8')) as { items?: unknown[]; rows?: unknown[] };
          items = (accept === TABLE ? parsed.rows : parsed.items)?.length ?? -1;
        }
      }
      if (items !== o.objects) throw new Error(`list (${label}) answered ${items} items, want ${o.objects}`);
      lines.push(
        `${name} list ${fmtInt(o.objects)} (${label}): ${fmtMs(median(times))} median of 5 (${mib(bytes)} answer, time to last byte)`,
      );
    }

    lines.push(`${name} ${await fanout(server, admin, o)}`);
    const mem = await server.memory();
    lines.push(`${name} API server process after the run: RSS ${mib(mem.rss)}, heap used ${mib(mem.heapUsed)}`);
    return lines;
  } finally {
    await closeClients();
    await server.stop();
    await tmp.remove();
  }
}

/** 1,000 watch connections on one namespace, then 100 writes; the time until every watcher has all of them. */
async function fanout(server: ServerChild, admin: Client, o: Required<BenchApiOptions>): Promise<string> {
  const cmPath = `/api/v1/namespaces/${FANOUT_NS}/configmaps`;
  const created = JSON.parse((await admin.ok('POST', cmPath, configMap('target', FANOUT_NS, 0))).body.toString('utf8')) as {
    metadata: { resourceVersion: string };
  };
  const rv = created.metadata.resourceVersion;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const requests: http.ClientRequest[] = [];
  const dropWatches = cleanup.add('watch connections', () => {
    for (const r of requests) r.destroy();
    agent.destroy();
  });
  try {
    const counts = new Int32Array(o.watchers);
    let complete = 0;
    let failure: Error | undefined;
    let allDone!: () => void;
    const done = new Promise<void>((r) => {
      allDone = r;
    });
    let open = 0;
    await inParallel(
      o.watchers,
      50,
      (w) =>
        new Promise<void>((resolve, reject) => {
          const req = http.request(
            {
              hostname: server.url.hostname,
              port: server.url.port,
              agent,
              path: `${cmPath}?watch=true&resourceVersion=${rv}`,
              headers: { Authorization: `Bearer ${server.token}`, Accept: 'application/json' },
            },
            (res) => {
              if (res.statusCode !== 200) {
                reject(new Error(`watch ${w}: HTTP ${res.statusCode}`));
                return;
              }
              open++;
              resolve();
              let buf = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                buf += chunk;
                let nl: number;
                while ((nl = buf.indexOf('\n')) >= 0) {
                  if (buf.startsWith('{"type":"MODIFIED"')) {
                    if (++counts[w] === o.fanoutWrites && ++complete === o.watchers) allDone();
                  }
                  buf = buf.slice(nl + 1);
                }
              });
              res.on('error', (e) => {
                failure ??= e;
                allDone();
              });
              res.on('end', () => {
                if (counts[w] < o.fanoutWrites) {
                  failure ??= new Error(`watch ${w} ended after ${counts[w]} events`);
                  allDone();
                }
              });
            },
          );
          req.on('error', (e) => {
            failure ??= e;
            reject(e);
            allDone();
          });
          req.end();
          requests.push(req);
        }),
    );
    if (open !== o.watchers) throw new Error(`only ${open} of ${o.watchers} watches opened`);

    // The writes: sequential merge patches of the one watched ConfigMap, as one controller would.
    const t = performance.now();
    let lastWriteMs = 0;
    for (let i = 0; i < o.fanoutWrites; i++) {
      await admin.ok(
        'PATCH',
        `${cmPath}/target`,
        JSON.stringify({ data: { counter: String(i) } }),
        undefined,
        'application/merge-patch+json',
      );
    }
    lastWriteMs = performance.now() - t;
    const timeout = setTimeout(() => {
      failure ??= new Error(`fan-out incomplete after 120 s: ${complete} of ${o.watchers} watchers have all events`);
      allDone();
    }, 120_000);
    await done;
    clearTimeout(timeout);
    if (failure) throw failure;
    const ms = performance.now() - t;
    return `watch fan-out: ${o.fanoutWrites} writes to ${fmtInt(o.watchers)} HTTP watch connections, all delivered in ${fmtMs(ms)} (writes themselves took ${fmtMs(lastWriteMs)}; ${rate(o.fanoutWrites * o.watchers, ms)} events delivered)`;
  } finally {
    await dropWatches();
  }
}

export async function benchApi(opts: BenchApiOptions = {}): Promise<string[]> {
  const o: Required<BenchApiOptions> = { objects: 10_000, gets: 20_000, clients: 8, watchers: 1_000, fanoutWrites: 100, ...opts };
  const lines: string[] = [];
  for (const kind of ['memory', 'sqlite'] as const) lines.push(...(await benchOne(kind, o)));
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    for (const line of await benchApi()) console.log(line);
  } finally {
    await cleanup.runAll();
  }
}
