// The API figures of issue #13, through the real HTTPS API: an ApiServer on the memory and on
// the SQLite store, alone in a child process (so the load generator here does not share its
// event loop), driven over HTTPS on 127.0.0.1 by a few keep-alive clients, each figure beside
// the peer it is held to, measured in the same run:
// - creates/s (ConfigMaps) next to the disk's raw SQLite autocommit INSERT rate (one fsync
//   each; group commit lets many requests share one), measured before and after the creates,
//   with the API server's CPU per create and the clients' own (K8TS_BENCH_API_CLIENTS sets the
//   clients, K8TS_BENCH_API_OBJECTS the objects, K8TS_BENCH_API_PHASES=creates stops after the
//   creates, =fanout goes from them to the fan-out); last, as many again on the warm server
//   (K8TS_BENCH_API_WARM=0 leaves them out); the creates are sent by raw TLS clients writing pre-encoded requests
//   (rawhttps.ts), so that the generator's CPU is not what limits the figure on two cores
//   (K8TS_BENCH_API_LOAD=https sends them through node:https as the other phases);
// - GETs/s next to a bare node:https server (bench/bare-child.ts, its own process, same
//   certificate) answering the same paths with the same bytes;
// - lists of 10,000 (from the watch cache) next to that bare server answering the same bytes;
// - the cost of a write (sequential merge patches of one object) with 1,000 watch connections
//   open, every event delivered to every watcher, next to the same writes with none, and
//   next to a bare node:https server (bench/bare-fanout-child.ts) writing the same event lines
//   to as many streams: the floor Node's TLS sets under that figure.

import { type ChildProcess, fork } from 'node:child_process';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SERVE_NODE_OPTIONS } from '../src/cli/servenode.js';
import { waitFor } from '../src/testing/wait.js';
import { encodeRequest, RawHttpsClient } from './rawhttps.js';
import { rawSqliteRate } from './store.js';
import {
  benchMain,
  benchTempDir,
  cleanup,
  fmtInt,
  fmtMs,
  inParallel,
  mainThreadCpuMs,
  mainThreadSwitches,
  median,
  mib,
  processesCpuMs,
  processesWriteCalls,
  rate,
  stopChild,
} from './util.js';

export interface BenchApiOptions {
  objects?: number;
  gets?: number;
  /** Concurrent clients, one keep-alive connection each. */
  clients?: number;
  watchers?: number;
  fanoutWrites?: number;
  /** The stores to run against (default both; K8TS_BENCH_API_STORES=sqlite for one). */
  stores?: ('memory' | 'sqlite')[];
}

const NS = 'bench';
const FANOUT_NS = 'bench-fanout';
const WARM_NS = 'bench-warm';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One keep-alive HTTPS client; answers are buffered, never parsed unless asked. */
class Client {
  readonly agent: https.Agent;
  constructor(
    private readonly base: URL,
    private readonly token: string,
    ca: string,
  ) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
  }

  request(method: string, path: string, body?: string, accept = 'application/json', contentType = 'application/json'): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: accept };
      if (body !== undefined) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const req = https.request({ hostname: this.base.hostname, port: this.base.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const k of ['content-type', 'cache-control', 'content-length']) if (res.headers[k]) h[k] = String(res.headers[k]);
          resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
        });
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

export interface ServerChild {
  child: ChildProcess;
  /** The Node options the child runs with (process.execArgv there). */
  execArgv: string[];
  url: URL;
  token: string;
  ca: string;
  tls: { cert: string; key: string };
  memory(): Promise<{ rss: number; heapUsed: number }>;
  /** The child's CPU time so far (user + system), in ms. */
  cpuMs(): Promise<number>;
  /** Starts a CPU profile of the child, or stops it and writes it to file. */
  profile(what: 'start' | 'stop', file?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startServerChild(kind: 'memory' | 'sqlite', dataDir: string): Promise<ServerChild> {
  // K8TS_BENCH_API_CHILD=<another build's dist/bench/apiserver-child.js>: the same figures from
  // that build's API server, for A/B runs of two commits back to back.
  const script = process.env.K8TS_BENCH_API_CHILD ?? fileURLToPath(new URL('./apiserver-child.js', import.meta.url));
  // The Node options `k8ts up` runs the control plane with (servenode.ts): the server measured
  // here is the one shipped, young generation included.
  const execArgv = [
    ...SERVE_NODE_OPTIONS,
    '--expose-gc',
    ...(process.env.K8TS_BENCH_API_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.K8TS_BENCH_API_PROF}`] : []),
  ];
  const child = fork(script, [kind, dataDir, 'tls'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = cleanup.add(`API server child ${child.pid}`, () => {
    if (child.connected) child.send('stop');
    return stopChild(child, 10_000);
  });
  type Hello = { url: string; token: string; ca: string; tls: { cert: string; key: string }; execArgv: string[] };
  const hello = await new Promise<Hello>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Hello));
    child.once('exit', (code) => reject(new Error(`API server child exited (${code}) before listening`)));
  });
  const memory = () =>
    new Promise<{ rss: number; heapUsed: number }>((resolve) => {
      child.once('message', (m) => resolve((m as { memory: { rss: number; heapUsed: number } }).memory));
      child.send('memory');
    });
  const cpuMs = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => {
        const { cpu } = m as { cpu: { user: number; system: number } };
        resolve((cpu.user + cpu.system) / 1000);
      });
      child.send('cpu');
    });
  const profile = (what: 'start' | 'stop', file?: string) =>
    new Promise<void>((resolve, reject) => {
      child.once('message', (m) => {
        const e = (m as { profileError?: string }).profileError;
        if (e) reject(new Error(`profiling the API server child: ${e}`));
        else resolve();
      });
      child.send({ profile: what, file });
    });
  return {
    child,
    execArgv: hello.execArgv,
    url: new URL(hello.url),
    token: hello.token,
    ca: hello.ca,
    tls: hello.tls,
    memory,
    cpuMs,
    profile,
    stop,
  };
}

/** The bare peer (bench/bare-child.ts) answering each path with the API server's reply to it. */
async function startBareChild(
  tls: { cert: string; key: string },
  replies: Map<string, Reply>,
): Promise<{ url: URL; stop: () => Promise<void> }> {
  const script = fileURLToPath(new URL('./bare-child.js', import.meta.url));
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = cleanup.add(`bare server child ${child.pid}`, () => stopChild(child, 5_000));
  const payload = {
    ...tls,
    replies: Object.fromEntries(
      [...replies].map(([p, r]) => [p, { status: r.status, headers: r.headers, body: r.body.toString('base64') }]),
    ),
  };
  const hello = new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string }));
    child.once('exit', (code) => reject(new Error(`bare server child exited (${code}) before listening`)));
  });
  child.send(payload);
  return { url: new URL((await hello).url), stop };
}

const ratio = (x: number, peer: number): string => `x${(x / peer).toFixed(2)}`;

/**
 * The CPU (ms) that the server's and the readers' processes use from now until the returned
 * function is called: which side a fan-out figure waits on (/proc's clock ticks, 10 ms).
 */
/** The write system calls pid makes from now until the returned function is called. */
function writeCallsOf(pid: number): () => number {
  const w0 = processesWriteCalls([pid]);
  return () => processesWriteCalls([pid]) - w0;
}

function cpuOf(server: number[], readers: number[]): () => [number, number] {
  const s0 = processesCpuMs(server);
  const r0 = processesCpuMs(readers);
  return () => [processesCpuMs(server) - s0, processesCpuMs(readers) - r0];
}

async function benchOne(kind: 'memory' | 'sqlite', o: Required<BenchApiOptions>): Promise<string[]> {
  const tmp = benchTempDir(`api-${kind}`);
  const name = kind.padEnd(6);
  const lines: string[] = [];
  // The yardstick for creates, on the same disk, just before them and again just after: the
  // other users of a shared disk move it several-fold within a minute, and the creates are
  // held to the faster of the two.
  const rawBefore = kind === 'sqlite' ? rawSqliteRate(tmp.dir, o.objects, 'raw-before.db') : undefined;
  const server = await startServerChild(kind, tmp.dir);
  const clients = Array.from({ length: o.clients }, () => new Client(server.url, server.token, server.ca));
  const closeClients = cleanup.add('API clients', () => {
    for (const c of clients) c.close();
  });
  try {
    const admin = clients[0];
    for (const ns of [NS, FANOUT_NS, WARM_NS])
      await admin.ok('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    // The namespace lifecycle admission may need a moment to see the new namespaces.
    await waitFor(
      'namespace usable',
      async () => (await admin.request('POST', `/api/v1/namespaces/${NS}/configmaps?dryRun=All`, configMap('probe', NS, 0))).status === 201,
      10_000,
    );

    const bodies = Array.from({ length: o.objects }, (_, i) => configMap(`cm-${String(i).padStart(5, '0')}`, NS, i));
    const createPath = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
    // The load generator (see rawhttps.ts): raw TLS connections writing pre-encoded requests by
    // default; K8TS_BENCH_API_LOAD=https drives the creates through node:https as the other phases.
    const viaHttps = process.env.K8TS_BENCH_API_LOAD === 'https';
    const generator = viaHttps ? 'node:https clients' : 'raw TLS clients';
    /** One raw TLS connection a client, each open before the clock starts (handshakes are not creates). */
    const openRawClients = async () => {
      const cs = viaHttps
        ? []
        : Array.from(
            { length: o.clients },
            () => new RawHttpsClient({ host: server.url.hostname, port: Number(server.url.port), ca: server.ca }),
          );
      const close = cleanup.add('raw API clients', () => {
        for (const c of cs) c.close();
      });
      await Promise.all(cs.map((c) => c.connect()));
      return { cs, close };
    };
    const encode = (ns: string, b: string) =>
      encodeRequest(
        'POST',
        createPath(ns),
        server.url.host,
        {
          Authorization: `Bearer ${server.token}`,
          Accept: 'application/json',
          'Content-Type': 'application/json',
          Connection: 'keep-alive',
        },
        b,
      );
    /** o.objects creates into ns, timed, with the server's and the clients' CPU per create. */
    const timedCreates = async (ns: string, nsBodies: string[]) => {
      const { cs: rawClients, close } = await openRawClients();
      const requests = viaHttps ? [] : nsBodies.map((b) => encode(ns, b));
      const rawCreate = async (i: number, w: number) => {
        const r = await rawClients[w].send(requests[i]);
        if (r.status !== 201) throw new Error(`POST ${createPath(ns)} (${i}): HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
      };
      const cpu0 = await server.cpuMs();
      const clientCpu0 = process.cpuUsage();
      const pid = server.child.pid!;
      const main0 = mainThreadCpuMs(pid);
      const switches0 = mainThreadSwitches(pid);
      const t = performance.now();
      await inParallel(o.objects, o.clients, viaHttps ? (i, w) => clients[w].ok('POST', createPath(ns), nsBodies[i]) : rawCreate);
      const ms = performance.now() - t;
      await close();
      const switches1 = mainThreadSwitches(pid);
      const mainMs = mainThreadCpuMs(pid) - main0;
      const serverCpuMs = (await server.cpuMs()) - cpu0;
      const clientCpu = process.cpuUsage(clientCpu0);
      return {
        ms,
        perSecond: (o.objects / ms) * 1000,
        serverUs: (serverCpuMs * 1000) / o.objects,
        mainUs: (mainMs * 1000) / o.objects,
        switchedOut: switches0 && switches1 ? (switches1.involuntary - switches0.involuntary) / o.objects : Number.NaN,
        clientUs: (clientCpu.user + clientCpu.system) / o.objects,
      };
    };
    // The event loop's share of the server's CPU, and how often the scheduler took its core
    // (on two shared cores, mostly to a thread it had just woken: the client its answer went
    // to, the thread pool's fsync): what bounds the rate beside the disk.
    const cpuText = (r: { serverUs: number; mainUs: number; switchedOut: number; clientUs: number }) =>
      `API server CPU ${r.serverUs.toFixed(0)} us per create (its main thread ${r.mainUs.toFixed(0)} us, switched out by the scheduler ${r.switchedOut.toFixed(2)} times a create), the clients' process ${r.clientUs.toFixed(0)} us`;
    // The headline: the first o.objects creates after the server started, as every run since
    // session 6 measured them. V8 is still compiling the create path then (the server's CPU a
    // create is ~100 us higher than later in the same run, much of it on V8's compiler
    // threads).
    const cold = await timedCreates(NS, bodies);
    const rawAfter = rawBefore && rawSqliteRate(tmp.dir, o.objects, 'raw-after.db');
    const raw = rawBefore && rawAfter && (rawAfter.perSecond > rawBefore.perSecond ? rawAfter : rawBefore);
    lines.push(
      `${name} creates over HTTPS: ${fmtInt(cold.perSecond)}/s (${fmtInt(o.objects)} ConfigMaps of ${bodies[0].length} B, ${o.clients} keep-alive ${generator}; ${cpuText(cold)})` +
        (raw
          ? `; raw SQLite autocommit INSERT on the same disk (${fmtInt(raw.n)} sequential, WAL, synchronous=FULL: one fsync each; the faster of ${fmtInt(rawBefore!.perSecond)}/s before and ${fmtInt(rawAfter!.perSecond)}/s after) ${fmtInt(raw.perSecond)}/s: ${ratio(cold.perSecond, raw.perSecond)} (target >= x1.00)`
          : ''),
    );
    // The same number again on the now warm server, last (after the other phases, so that they
    // and the memory figure see what they saw without it) into a namespace of its own: what a
    // server that has been up a while does, held to raw measured around the creates and again
    // just after this round (K8TS_BENCH_API_WARM=0 leaves it out).
    const warmLine = async (when: string): Promise<string[]> => {
      if (process.env.K8TS_BENCH_API_WARM === '0') return [];
      const warm = await timedCreates(
        WARM_NS,
        Array.from({ length: o.objects }, (_, i) => configMap(`cm-${String(i).padStart(5, '0')}`, WARM_NS, i)),
      );
      const rawWarm = raw && rawSqliteRate(tmp.dir, o.objects, 'raw-warm.db');
      const peer = raw && rawWarm && (rawWarm.perSecond > raw.perSecond ? rawWarm : raw);
      return [
        `${name} creates over HTTPS, warm (${fmtInt(o.objects)} more ${when}, into another namespace): ${fmtInt(warm.perSecond)}/s (${cpuText(warm)})` +
          (peer
            ? `; raw SQLite, the faster of ${fmtInt(raw!.perSecond)}/s around the first creates and ${fmtInt(rawWarm!.perSecond)}/s just after these, ${fmtInt(peer.perSecond)}/s: ${ratio(warm.perSecond, peer.perSecond)}`
            : ''),
      ];
    };
    // K8TS_BENCH_API_PHASES=creates: stop here (quick A/B runs of the create path);
    // K8TS_BENCH_API_PHASES=fanout: on to the fan-out (quick A/B runs of the watch path).
    if (process.env.K8TS_BENCH_API_PHASES === 'creates') return [...lines, ...(await warmLine('just after'))];
    if (process.env.K8TS_BENCH_API_PHASES === 'fanout') {
      lines.push(...(await fanout(server, admin, o)).map((l) => `${name} ${l}`));
      const mem = await server.memory();
      lines.push(`${name} API server process after the run: RSS ${mib(mem.rss)}, heap used ${mib(mem.heapUsed)}`);
      return [...lines, ...(await warmLine('after the fan-out'))];
    }

    // Every object once (warms both sides' code paths), keeping each reply for the bare peer.
    const getPath = (i: number) => `/api/v1/namespaces/${NS}/configmaps/cm-${String(i).padStart(5, '0')}`;
    const replies = new Map<string, Reply>();
    await inParallel(o.objects, o.clients, async (i, w) => {
      replies.set(getPath(i), await clients[w].ok('GET', getPath(i)));
    });
    const listPath = `/api/v1/namespaces/${NS}/configmaps`;
    const lists = [
      ['JSON', listPath, 'application/json'],
      ['JSON, resourceVersion=0', `${listPath}?resourceVersion=0`, 'application/json'],
      ['Table', `${listPath}?as=table`, TABLE],
    ] as const;
    for (const [, path, accept] of lists) replies.set(path, await admin.ok('GET', path.replace('?as=table', ''), undefined, accept));
    const bare = await startBareChild(server.tls, replies);
    const bareClients = Array.from({ length: o.clients }, () => new Client(bare.url, server.token, server.ca));
    const closeBareClients = cleanup.add('bare clients', () => {
      for (const c of bareClients) c.close();
    });
    try {
      const randomGets = async (cs: Client[]) => {
        let x = 12345;
        const t0 = performance.now();
        await inParallel(o.gets, o.clients, (_i, w) => {
          x = (x * 1103515245 + 12345) & 0x7fffffff;
          return cs[w].ok('GET', getPath(x % o.objects));
        });
        return performance.now() - t0;
      };
      // Alternated, so that a burst of load from elsewhere on the machine falls on both alike.
      const apiMs: number[] = [];
      const bareMs: number[] = [];
      for (let r = 0; r < 2; r++) {
        apiMs.push(await randomGets(clients));
        bareMs.push(await randomGets(bareClients));
      }
      const apiGetRate = (o.gets * 2 * 1000) / (apiMs[0] + apiMs[1]);
      const bareGetRate = (o.gets * 2 * 1000) / (bareMs[0] + bareMs[1]);
      lines.push(
        `${name} GETs over HTTPS: ${fmtInt(apiGetRate)}/s (${fmtInt(o.gets * 2)} random GETs, ${o.clients} clients); bare node:https server answering the same bytes ${fmtInt(bareGetRate)}/s: ${ratio(apiGetRate, bareGetRate)} (target >= x0.50)`,
      );

      // K8TS_BENCH_API_PROF_LISTS=<dir>: a CPU profile of the API server over the lists alone.
      const listProfDir = process.env.K8TS_BENCH_API_PROF_LISTS;
      if (listProfDir) await server.profile('start');
      for (const [label, path, accept] of lists) {
        const times: number[] = [];
        const bareTimes: number[] = [];
        let bytes = 0;
        let items = -1;
        for (let r = 0; r < 5; r++) {
          let t = performance.now();
          const reply = await admin.ok('GET', path.replace('?as=table', ''), undefined, accept);
          times.push(performance.now() - t);
          t = performance.now();
          await bareClients[0].ok('GET', path, undefined, accept);
          bareTimes.push(performance.now() - t);
          bytes = reply.body.length;
          if (r === 0) {
            const parsed = JSON.parse(reply.body.toString('utf8')) as { items?: unknown[]; rows?: unknown[] };
            items = (accept === TABLE ? parsed.rows : parsed.items)?.length ?? -1;
          }
        }
        if (items !== o.objects) throw new Error(`list (${label}) answered ${items} items, want ${o.objects}`);
        lines.push(
          `${name} list ${fmtInt(o.objects)} (${label}): ${fmtMs(median(times))} median of 5 (${mib(bytes)}, to the last byte); bare server, same bytes ${fmtMs(median(bareTimes))}: ${ratio(median(times), median(bareTimes))}`,
        );
      }
      if (listProfDir) await server.profile('stop', join(listProfDir, `lists-${server.child.pid}.cpuprofile`));
    } finally {
      await closeBareClients();
      await bare.stop();
    }

    lines.push(...(await fanout(server, admin, o)).map((l) => `${name} ${l}`));
    const mem = await server.memory();
    lines.push(`${name} API server process after the run: RSS ${mib(mem.rss)}, heap used ${mib(mem.heapUsed)}`);
    return [...lines, ...(await warmLine('after the rest of the run'))];
  } finally {
    await closeClients();
    await server.stop();
    await tmp.remove();
  }
}

/**
 * The cost of a write with watchers: fanoutWrites sequential merge patches of one ConfigMap
 * (as one controller would write), first with no watch open, then with `watchers` HTTPS watch
 * connections on its namespace, timed until every watcher has every event.
 */
async function fanout(server: ServerChild, admin: Client, o: Required<BenchApiOptions>): Promise<string[]> {
  const cmPath = `/api/v1/namespaces/${FANOUT_NS}/configmaps`;
  const created = JSON.parse((await admin.ok('POST', cmPath, configMap('target', FANOUT_NS, 0))).body.toString('utf8')) as {
    metadata: { resourceVersion: string };
  };
  let counter = 0;
  /** n sequential merge patches; with keep, each answer (the object as its event carries it). */
  const writes = async (n: number, keep?: Buffer[]) => {
    for (let i = 0; i < n; i++) {
      const r = await admin.ok(
        'PATCH',
        `${cmPath}/target`,
        JSON.stringify({ data: { counter: String(counter++) } }),
        undefined,
        'application/merge-patch+json',
      );
      keep?.push(r.body);
    }
  };
  // Warm-up, then the writes alone.
  await writes(Math.min(50, o.fanoutWrites));
  const aloneCpuOf = cpuOf([server.child.pid!], []);
  let t = performance.now();
  await writes(o.fanoutWrites);
  const aloneMs = performance.now() - t;
  const [aloneCpu] = aloneCpuOf();

  const rv = created.metadata.resourceVersion;
  const per = (ms: number) => `${(ms / o.fanoutWrites).toFixed(2)} ms`;
  /** Write system calls per watcher over the phase's writes (the bare peer's floor: 1). */
  const perWatcher = (calls: number) => (calls / o.watchers).toFixed(1);
  const lines: string[] = [];
  const objects: Buffer[] = [];
  let watchers = await startWatchers({
    host: server.url.hostname,
    port: server.url.port,
    // From the object's creation: every watcher first replays the writes made so far.
    path: `${cmPath}?watch=true&resourceVersion=${rv}`,
    token: server.token,
    ca: server.ca,
    watchers: o.watchers,
  });
  try {
    // Every watcher has replayed what was written before it connected.
    await watchers.reach(counter, 'replay');
    // K8TS_BENCH_API_PROF_FANOUT=<dir>: a CPU profile of the API server over this phase alone.
    const profDir = process.env.K8TS_BENCH_API_PROF_FANOUT;
    if (profDir) await server.profile('start');
    const cpu = cpuOf([server.child.pid!], [watchers.pid]);
    const serverWrites = writeCallsOf(server.child.pid!);
    t = performance.now();
    await writes(o.fanoutWrites, objects);
    const writerMs = performance.now() - t;
    await watchers.reach(counter, 'fan-out');
    const watchedMs = performance.now() - t;
    const [serverCpu, readerCpu] = cpu();
    const serverWriteCalls = serverWrites();
    if (profDir) await server.profile('stop', join(profDir, `fanout-${server.child.pid}.cpuprofile`));
    lines.push(
      `write with ${fmtInt(o.watchers)} HTTPS watchers: ${per(watchedMs)} per write until every watcher has it (${o.fanoutWrites} sequential PATCHes; ${rate(o.fanoutWrites * o.watchers, watchedMs)} events delivered; the writer alone saw ${per(writerMs)}; CPU per write: the API server ${per(serverCpu)}, the watchers' process ${per(readerCpu)}; the API server's write calls per watcher ${perWatcher(serverWriteCalls)}); the same writes with no watcher ${per(aloneMs)} (the API server's CPU ${per(aloneCpu)}): ${ratio(watchedMs, aloneMs)} (target <= x1.50)`,
    );
  } finally {
    await watchers.stop();
  }

  // The floor under that figure: a bare node:https server writing the same event lines to as
  // many streams, read by the same watchers process, the API server idle meanwhile.
  const bare = await startBareFanout(server.tls);
  try {
    watchers = await startWatchers({
      host: bare.url.hostname,
      port: bare.url.port,
      path: '/watch',
      token: server.token,
      ca: server.ca,
      watchers: o.watchers,
    });
    const events = objects.map((b) =>
      Buffer.concat([Buffer.from('{"type":"MODIFIED","object":'), b, Buffer.from('}\n')]).toString('base64'),
    );
    let cpu = cpuOf([bare.pid], [watchers.pid]);
    let bareWrites = writeCallsOf(bare.pid);
    t = performance.now();
    await bare.emit(events, false, o.watchers);
    await watchers.reach(o.fanoutWrites, 'bare fan-out');
    const eachMs = performance.now() - t;
    const [eachServerCpu, eachReaderCpu] = cpu();
    const eachWriteCalls = bareWrites();
    cpu = cpuOf([bare.pid], [watchers.pid]);
    bareWrites = writeCallsOf(bare.pid);
    t = performance.now();
    await bare.emit(events, true, o.watchers);
    await watchers.reach(2 * o.fanoutWrites, 'bare fan-out, batched');
    const batchedMs = performance.now() - t;
    const [batchedServerCpu, batchedReaderCpu] = cpu();
    const batchedWriteCalls = bareWrites();
    lines.push(
      `  bare node:https server writing the same ${o.fanoutWrites} events to ${fmtInt(o.watchers)} streams (the floor TLS sets in Node): ${per(eachMs)} per event one write per event per stream (${ratio(eachMs, aloneMs)} of the unwatched write; CPU per event: the server ${per(eachServerCpu)}, the watchers' process ${per(eachReaderCpu)}; write calls per watcher ${perWatcher(eachWriteCalls)}); ${per(batchedMs)} per event all in one write per stream (${ratio(batchedMs, aloneMs)}; CPU ${per(batchedServerCpu)}, ${per(batchedReaderCpu)}; write calls per watcher ${perWatcher(batchedWriteCalls)})`,
    );
  } finally {
    await watchers.stop();
    await bare.stop();
  }
  return lines;
}

interface WatchersSetup {
  host: string;
  port: string;
  path: string;
  token: string;
  ca: string;
  watchers: number;
}

/**
 * The watchers of the fan-out figures, read in their own process (bench/watchers-child.ts): the
 * writer here then runs at the same speed whether or not a thousand streams are being read.
 * Resolves once every watch is open; reach(n) resolves once every watcher has read n MODIFIED events.
 */
async function startWatchers(
  setup: WatchersSetup,
): Promise<{ pid: number; reach(n: number, what: string): Promise<void>; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./watchers-child.js', import.meta.url));
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = cleanup.add(`watchers child ${child.pid}`, () => stopChild(child, 5_000));
  const answer = (what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no answer from the watchers in 120 s`)), 120_000);
      child.once('message', (m) => {
        clearTimeout(timer);
        const msg = m as { error?: string };
        if (msg.error) reject(new Error(`${what}: ${msg.error}`));
        else resolve();
      });
    });
  try {
    const opened = answer('opening the watches');
    child.send(setup);
    await opened;
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    pid: child.pid!,
    reach(n: number, what: string) {
      const reply = answer(what);
      child.send({ target: n });
      return reply;
    },
    stop,
  };
}

/** The bare fan-out peer (bench/bare-fanout-child.ts). */
async function startBareFanout(tls: { cert: string; key: string }): Promise<{
  pid: number;
  url: URL;
  emit(lines: string[], batched: boolean, streams: number): Promise<void>;
  stop(): Promise<void>;
}> {
  const script = fileURLToPath(new URL('./bare-fanout-child.js', import.meta.url));
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = cleanup.add(`bare fan-out child ${child.pid}`, () => stopChild(child, 5_000));
  const hello = new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string }));
    child.once('exit', (code) => reject(new Error(`bare fan-out child exited (${code}) before listening`)));
  });
  child.send(tls);
  const url = new URL((await hello).url);
  const emit = (lines: string[], batched: boolean, streams: number) =>
    new Promise<void>((resolve, reject) => {
      child.once('message', (m) => {
        const written = (m as { written: number }).written;
        if (written === streams) resolve();
        else reject(new Error(`the bare fan-out server wrote to ${written} streams, want ${streams}`));
      });
      child.send({ lines, batched });
    });
  return { pid: child.pid!, url, emit, stop };
}

export async function benchApi(opts: BenchApiOptions = {}): Promise<string[]> {
  const stores = (process.env.K8TS_BENCH_API_STORES?.split(',') as ('memory' | 'sqlite')[] | undefined) ?? ['sqlite', 'memory'];
  const envInt = (name: string) => (process.env[name] ? Number.parseInt(process.env[name], 10) : undefined);
  const o: Required<BenchApiOptions> = {
    objects: envInt('K8TS_BENCH_API_OBJECTS') ?? 10_000,
    gets: 10_000,
    clients: envInt('K8TS_BENCH_API_CLIENTS') ?? 8,
    watchers: 1_000,
    fanoutWrites: 200,
    stores,
    ...opts,
  };
  const lines: string[] = [];
  for (const kind of o.stores) lines.push(...(await benchOne(kind, o)));
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMain(() => benchApi());
}
