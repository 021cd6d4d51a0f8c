// Workload figures on simulated nodes, measured on the real thing: `k8ts up --foreground
// --no-node` runs as a child process (API server, controller manager with the scheduler, and
// the simulated nodes it follows, all in that one process as `k8ts up` runs them). This process
// is only a client: it asks for the nodes (as `k8ts nodes simulate N` does), creates the
// Deployment(s), follows the pods through one informer (bench/follow.ts), and reads the child's memory from /proc
// (RSS) and its V8 inspector (heap used, after a full GC), so the figures are the control
// plane's alone.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { isNodeReady } from '../src/api/conditions.js';
import type { KObject } from '../src/api/object.js';
import { NODES, SERVICEACCOUNTS } from '../src/api/types.js';
import { SERVE_NODE_OPTIONS } from '../src/cli/servenode.js';
import { RestClient } from '../src/client/rest.js';
import { type ClusterInfo, clusterFiles } from '../src/cluster/paths.js';
import { requestSimulatedNodes } from '../src/cluster/simulated.js';
import { type WaitOptions, waitFor } from '../src/testing/wait.js';
import { type Follower, follow } from './follow.js';
import {
  benchMain,
  benchTempDir,
  cleanup,
  fmtInt,
  fmtS,
  gib,
  mainThreadCpuMs,
  mib,
  processesCpuMs,
  procMemory,
  rate,
  stopChild,
} from './util.js';

export interface BenchWorkloadsOptions {
  nodes: number;
  pods: number;
  /** Pods are spread over this many Deployments (default 1). */
  deployments?: number;
  store?: 'memory' | 'sqlite';
  /** Sizes to extrapolate memory to (the issue's target). */
  targetNodes?: number;
  targetPods?: number;
  /** Give up when nothing progresses for this long (default 60 s). */
  stallMs?: number;
  /** Time allowed for the big Deployment(s) to be Ready; past it the figures say how far it got (default 240 s). */
  budgetMs?: number;
  /** A smaller Deployment of this many replicas first, timed to all Ready (0: none; default 0). */
  warmupReplicas?: number;
  /**
   * How the pods are made: 'deployment' (default) as users make them, through the ReplicaSet
   * controller and the scheduler; 'direct' (K8TS_BENCH_PODS=direct): the bench creates them
   * itself with spec.nodeName set, an equal share on each node (as a DaemonSet's or a static
   * assignment's pods), so that a memory figure at full size does not wait on the scheduler.
   */
  placement?: 'deployment' | 'direct';
}

const NS = 'default';
const PODS = { group: '', version: 'v1', resource: 'pods', namespace: NS };
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments', namespace: NS };
const MEMORY_TARGET_BYTES = 4 * 1024 ** 3;

interface Memory {
  rss: number;
  hwm: number;
  heapUsed: number;
  /** V8's heap as reserved (used + free), and the bytes outside it: Buffers and other external memory. */
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

type InspectorCall = (method: string, params?: object) => Promise<Record<string, unknown>>;

/**
 * Longest an inspector call may take: a full GC or a heap profile of a few GiB takes seconds;
 * past this the child is taken as gone or stuck, and the bench goes on to clean up.
 */
const INSPECTOR_CALL_MS = 180_000;

/**
 * A session on the child's V8 inspector: calls in order, each answered before the next. A call
 * fails (never waits for good) when the session closes, e.g. the child exited, or after
 * INSPECTOR_CALL_MS.
 */
async function openInspector(wsUrl: string): Promise<{ call: InspectorCall; close(): void }> {
  const ws = new WebSocket(wsUrl, { maxPayload: 2 ** 31, handshakeTimeout: 30_000 });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  } catch (e) {
    ws.terminate();
    throw e;
  }
  let closed: Error | undefined;
  const pending = new Set<(e: Error) => void>();
  const onGone = (why: string) => () => {
    closed ??= new Error(`the child's inspector session ${why}`);
    for (const fail of [...pending]) fail(closed);
  };
  ws.on('close', onGone('closed'));
  ws.on('error', (e) => onGone(`failed: ${e.message}`)());
  let id = 0;
  const call: InspectorCall = (method, params) =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new Error(`${method}: ${closed.message}`));
      const my = ++id;
      const done = (): void => {
        clearTimeout(timer);
        pending.delete(fail);
        ws.off('message', onMessage);
      };
      const fail = (e: Error): void => {
        done();
        reject(new Error(`${method}: ${e.message}`));
      };
      const timer = setTimeout(() => fail(new Error(`no answer in ${INSPECTOR_CALL_MS / 1000} s`)), INSPECTOR_CALL_MS);
      const onMessage = (data: WebSocket.RawData) => {
        const m = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (m.id !== my) return;
        done();
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result ?? {});
      };
      pending.add(fail);
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: my, method, params }), (e) => e && fail(e));
    });
  return { call, close: () => ws.terminate() };
}

/** One short session on the child's V8 inspector. */
async function inspect<T>(wsUrl: string, fn: (call: InspectorCall) => Promise<T>): Promise<T> {
  const session = await openInspector(wsUrl);
  try {
    return await fn(session.call);
  } finally {
    session.close();
  }
}

/**
 * V8's sampling heap profiler in the child from now on (K8TS_BENCH_HEAP_PROFILE names the
 * .heapprofile to write): stop() collects garbage first, so the file holds the allocation
 * sites of what is still alive, that is who owns the memory each node and pod costs.
 */
async function heapSampling(wsUrl: string | undefined, file: string | undefined): Promise<() => Promise<void>> {
  if (!wsUrl || !file) return async () => {};
  // The sampling belongs to the session that started it: it stays open until stop().
  const session = await openInspector(wsUrl);
  await session.call('HeapProfiler.enable');
  // One sample per 32 KiB allocated on average: enough for per-pod shares, cheap to keep.
  // K8TS_BENCH_HEAP_PROFILE_ALL=1: every allocation sampled is kept, collected or not, so the
  // file says who allocates (what the garbage collector's time is spent on), not who holds.
  const all = process.env.K8TS_BENCH_HEAP_PROFILE_ALL === '1';
  await session.call('HeapProfiler.startSampling', {
    samplingInterval: 32 * 1024,
    ...(all ? { includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } : {}),
  });
  return async () => {
    try {
      await session.call('HeapProfiler.collectGarbage');
      const { profile } = await session.call('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
    } catch (e) {
      console.error(`heap profile not written: ${(e as Error).message}`);
    } finally {
      session.close();
    }
  };
}

/** The child's V8 heap after a full GC, and what it holds outside that heap (process.memoryUsage()). */
async function inspectHeap(wsUrl: string): Promise<{ heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }> {
  return inspect(wsUrl, async (call) => {
    await call('HeapProfiler.collectGarbage');
    const heapUsed = (await call('Runtime.getHeapUsage')).usedSize as number;
    const r = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as {
      result?: { value?: string };
    };
    const u = JSON.parse(r.result?.value ?? '{}') as Partial<NodeJS.MemoryUsage>;
    return { heapUsed, heapTotal: u.heapTotal ?? NaN, external: u.external ?? NaN, arrayBuffers: u.arrayBuffers ?? NaN };
  });
}

/**
 * A CPU profile of the child while fn runs (K8TS_BENCH_CPU_PROFILE names the .cpuprofile to
 * write): the profiler runs in the child only for that span, so the file stays small enough to
 * read and holds the work being measured.
 */
async function profiled<T>(wsUrl: string | undefined, file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!wsUrl || !file) return fn();
  // The profile belongs to the inspector session that started it: one session spans fn.
  return inspect(wsUrl, async (call) => {
    await call('Profiler.enable');
    await call('Profiler.setSamplingInterval', { interval: 1000 });
    await call('Profiler.start');
    try {
      return await fn();
    } finally {
      await call('Profiler.stop')
        .then(({ profile }) => writeFileSync(file, JSON.stringify(profile)))
        .catch((e) => console.error(`CPU profile not written: ${(e as Error).message}`));
    }
  });
}

export interface Cluster {
  child: ChildProcess;
  client: RestClient;
  memory(): Promise<Memory>;
  /** Runs fn with the child's CPU profiler on, when K8TS_BENCH_CPU_PROFILE names a file. */
  profiled<T>(fn: () => Promise<T>): Promise<T>;
  /** Starts the child's sampling heap profiler when K8TS_BENCH_HEAP_PROFILE names a file; the result writes it. */
  heapSampling(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
  logFile: string;
  /** Why the child is gone (exit code or signal, and its last stderr), once it has exited. */
  exited(): string | undefined;
}

/** Waits for the default ServiceAccount of the bench namespace (pods are refused before it exists). */
export async function defaultServiceAccount(client: RestClient): Promise<void> {
  await waitFor('the default ServiceAccount', () => client.get({ ...SERVICEACCOUNTS, namespace: NS, name: 'default' }), {
    timeoutMs: 60_000,
    intervalMs: 100,
  });
}

/** Asks for n simulated nodes, as `k8ts nodes simulate n` does, and waits until n are Ready. */
export async function simulatedNodesReady(
  client: RestClient,
  n: number,
  wait: WaitOptions = { timeoutMs: 120_000, intervalMs: 250 },
): Promise<void> {
  await requestSimulatedNodes(client, n);
  await waitFor(`${n} simulated nodes Ready`, async () => (await client.list(NODES)).items.filter(isNodeReady).length >= n, wait);
}

/**
 * The peer of a workload bench, run in the same cluster: a Deployment "bench-peer" of replicas
 * pods of container, timed from its create until its status' field counts them all; returns ms.
 */
export async function timePeerDeployment(
  client: RestClient,
  replicas: number,
  container: Record<string, unknown>,
  until: 'readyReplicas' | 'availableReplicas',
  wait: WaitOptions,
): Promise<number> {
  const ref = { group: 'apps', version: 'v1', resource: 'deployments', namespace: NS };
  const t = performance.now();
  await client.create(ref, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench-peer', namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'bench-peer' } },
      template: { metadata: { labels: { app: 'bench-peer' } }, spec: { containers: [container] } },
    },
  });
  await waitFor(
    `the peer Deployment's ${until}`,
    async () =>
      (((await client.get({ ...ref, name: 'bench-peer' })).status as Record<string, number> | undefined)?.[until] ?? 0) >= replicas,
    wait,
  );
  return performance.now() - t;
}

export async function startCluster(dataDir: string, store: 'memory' | 'sqlite'): Promise<Cluster> {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const logFile = join(dataDir, 'bench-child.log');
  const log = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [
      // The inspector only answers the heap figure; nothing attaches to it in between.
      '--inspect=127.0.0.1:0',
      // Node's options as `k8ts up`'s supervisor runs the control plane (`--foreground` keeps Node's defaults).
      ...SERVE_NODE_OPTIONS,
      main,
      'up',
      '--foreground',
      '--no-node',
      '--no-kubeconfig',
      '--store',
      store,
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--simulated-nodes',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, K8TS_DATA_DIR: dataDir } },
  );
  const stop = cleanup.add(`k8ts up child ${child.pid}`, async () => {
    await stopChild(child, 20_000);
    log.end();
  });
  let inspectorUrl: string | undefined;
  let stderrTail = '';
  child.stdout!.pipe(log, { end: false });
  child.stderr!.on('data', (d: Buffer) => {
    log.write(d);
    const s = d.toString('utf8');
    stderrTail = (stderrTail + s).slice(-4000);
    inspectorUrl ??= /Debugger listening on (ws:\/\/\S+)/.exec(s)?.[1];
  });
  let exited = false;
  let exitedHow = '';
  child.once('exit', (code, signal) => {
    exited = true;
    exitedHow = signal ? `killed by ${signal}` : `exit code ${code}`;
  });

  const files = clusterFiles(dataDir);
  let info: ClusterInfo | undefined;
  await waitFor(
    'k8ts up to write its cluster info',
    () => {
      if (exited) throw new Error(`k8ts up exited before it was ready:\n${stderrTail}`);
      try {
        info = JSON.parse(readFileSync(files.info, 'utf8')) as ClusterInfo;
      } catch {
        return false;
      }
      return info.pid === child.pid;
    },
    60_000,
  );
  const token = readFileSync(files.token, 'utf8').trim();
  const ca = existsSync(join(files.dir, 'pki', 'ca.crt')) ? readFileSync(join(files.dir, 'pki', 'ca.crt'), 'utf8') : undefined;
  const client = new RestClient({ server: info!.url, token, caData: ca, userAgent: 'k8ts-bench' });
  cleanup.add('bench client', () => client.close());
  const memory = async (): Promise<Memory> => {
    const h = inspectorUrl ? await inspectHeap(inspectorUrl) : { heapUsed: NaN, heapTotal: NaN, external: NaN, arrayBuffers: NaN };
    const m = procMemory(child.pid!);
    return { rss: m?.rss ?? NaN, hwm: m?.hwm ?? NaN, ...h };
  };
  const profile = <T>(fn: () => Promise<T>) => profiled(inspectorUrl, process.env.K8TS_BENCH_CPU_PROFILE, fn);
  const sampling = () => heapSampling(inspectorUrl, process.env.K8TS_BENCH_HEAP_PROFILE);
  const exitedWhy = () => (exited ? `the control plane exited (${exitedHow}); its last stderr:\n${stderrTail}` : undefined);
  return { child, client, memory, profiled: profile, heapSampling: sampling, stop, logFile, exited: exitedWhy };
}

function isReady(p: KObject): boolean {
  const conds = (p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conds?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function deployment(name: string, replicas: number): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      },
    },
  };
}

/** A pod as a ReplicaSet's template makes it, bound to nodeName at create. */
function directPod(name: string, nodeName: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'bench-direct' } },
    spec: {
      nodeName,
      containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
    },
  };
}

/**
 * Creates total pods with spec.nodeName set, round robin over the nodes, `inFlight` creates at
 * a time (429s are retried by the client), and waits until all are Ready or nothing moves for
 * stallMs.
 */
async function runDirectPods(
  client: RestClient,
  tr: PodTracker,
  cluster: Cluster,
  total: number,
  stallMs: number,
  budgetMs: number,
): Promise<{ lines: string[] }> {
  const nodes = (await client.list(NODES)).items.map((n) => n.metadata.name!).sort();
  const created0 = tr.created;
  const ready0 = tr.ready.size;
  const t = performance.now();
  tr.progressAt = t;
  const progress = process.env.K8TS_BENCH_PROGRESS
    ? setInterval(
        () =>
          console.error(
            `  ${fmtS(performance.now() - t)}: ${tr.created - created0} created, ${tr.ready.size - ready0} ready, child RSS ${mib(procMemory(cluster.child.pid!)?.rss ?? 0)}`,
          ),
        5000,
      )
    : undefined;
  let next = 0;
  let failed = 0;
  const inFlight = 32;
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        // Past the budget no more are made: the figures are taken at the size reached.
        while (next < total && performance.now() - t < budgetMs) {
          const i = next++;
          try {
            await client.create(PODS, directPod(`bench-direct-${i}`, nodes[i % nodes.length]));
          } catch {
            failed++;
          }
        }
      }),
    );
    const createdIn = performance.now() - t;
    const end = new RunEnd(cluster, tr, stallMs);
    await waitFor(`${total} direct pods Ready`, () => end.now() || tr.ready.size - ready0 >= next - failed, {
      timeoutMs: budgetMs + 60_000,
      intervalMs: 250,
    });
    end.throwIfGone();
    end.reportStall();
    const { stopped } = end;
    const ready = tr.ready.size - ready0;
    return {
      lines: [
        `${fmtInt(total)} pods asked of this bench with spec.nodeName set (${fmtInt(Math.ceil(total / nodes.length))} a node, no scheduler)${next < total ? `, NOT all made: the ${fmtS(budgetMs)} budget ran out` : ''}: ${fmtInt(next - failed)} created in ${fmtS(createdIn)} (${rate(next - failed, createdIn)}), ${failed ? `${fmtInt(failed)} refused, ` : ''}${fmtInt(ready)} Ready ${stopped ? `when stopped: ${stopped}` : `${fmtS(tr.lastReadyAt - t)} after the first create`}`,
      ],
    };
  } finally {
    clearInterval(progress);
  }
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE']);

/** Writes the API server has answered so far, by resource[/subresource], verb and refusal code (its apiserver_request_total). */
async function apiWrites(client: RestClient): Promise<Map<string, number>> {
  const res = await client.requestRaw({ method: 'GET', path: '/metrics', accept: 'text/plain' });
  const out = new Map<string, number>();
  for (const line of res.body.toString('utf8').split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!WRITE_VERBS.has(labels.verb)) continue;
    // By resource and verb; refusals (409, 429, ...) apart, since they cost the server too.
    const what = labels.subresource ? `${labels.resource}/${labels.subresource}` : labels.resource;
    const k = `${what} ${labels.verb}${/^2/.test(labels.code) ? '' : ` ${labels.code}`}`;
    out.set(k, (out.get(k) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** "API writes: 12,345 (4.1 a pod bound): pods POST 3,000, events POST 3,010, ..." from two apiWrites readings. */
function writesLine(before: Map<string, number>, after: Map<string, number>, podsBound: number): string {
  const delta = [...after]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = delta.reduce((n, [, v]) => n + v, 0);
  const perPod = podsBound > 0 ? (total / podsBound).toFixed(2) : 'n/a';
  return `API writes meanwhile: ${fmtInt(total)} (${perPod} a pod bound): ${delta.map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ')}`;
}

const memLine = (label: string, m: Memory) =>
  `${label}: RSS ${mib(m.rss)} (peak so far ${mib(m.hwm)}), V8 heap used ${mib(m.heapUsed)} after a full GC (of ${mib(m.heapTotal)} reserved), outside it ${mib(m.external)} (Buffers ${mib(m.arrayBuffers)})`;

interface PodTracker {
  created: number;
  bound: Set<string>;
  ready: Set<string>;
  running: Set<string>;
  firstBindAt: number;
  lastBindAt: number;
  lastCreateAt: number;
  lastReadyAt: number;
  progressAt: number;
  /** What follows the pods (its drops go into the stop message). */
  follower?: Follower;
}

function logTail(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch (e) {
    return `(not readable: ${(e as Error).message})`;
  }
}

/**
 * What ends a timed wait before its pods are Ready: the control plane exited, or nothing moved
 * for stallMs. Checked inside a waitFor condition, where a throw would only count as "not yet"
 * (waitFor retries until its deadline): the reason is kept here and acted on after the wait.
 */
class RunEnd {
  /** Why the child exited, when it did. */
  gone?: string;
  /** Why the run stopped short (a stall here; the caller may set its own, such as the budget). */
  stopped?: string;
  /** Stopped for want of progress: the child's log then says why. */
  private stalled = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly tr: PodTracker,
    private readonly stallMs: number,
  ) {}

  /** Whether the wait must end now. */
  now(): boolean {
    this.gone = this.cluster.exited();
    if (this.gone) return true;
    if (performance.now() - this.tr.progressAt <= this.stallMs) return false;
    // With the pod watch's drops, if it had any.
    const note = this.tr.follower?.note();
    this.stopped = `no progress for ${fmtS(this.stallMs)}${note ? ` (${note})` : ''}`;
    this.stalled = true;
    return true;
  }

  throwIfGone(): void {
    if (this.gone) throw new Error(this.gone);
  }

  /** After a stall, the last lines of the control plane's log. */
  reportStall(): void {
    if (this.stalled)
      console.error(`stopped (${this.stopped}); last lines of the control plane's log:\n${logTail(this.cluster.logFile, 30)}`);
  }
}

/**
 * A pod as the tracker reads it: name, node, phase and conditions. The informer keeps every pod,
 * and a whole pod (~5 KB decoded, with managedFields) times 150,000 would weigh more in this
 * process than what it measures.
 */
function slimPod(p: KObject): KObject {
  const status = p.status as { phase?: string; conditions?: unknown } | undefined;
  return {
    apiVersion: p.apiVersion,
    kind: p.kind,
    metadata: { name: p.metadata.name, namespace: p.metadata.namespace, resourceVersion: p.metadata.resourceVersion },
    spec: { nodeName: (p.spec as { nodeName?: string } | undefined)?.nodeName },
    status: { phase: status?.phase, conditions: status?.conditions },
  };
}

/**
 * Creates the Deployments (total replicas spread over them) and waits until all are Ready, or
 * the budget is spent or nothing moves for stallMs: then the figures say how far it got.
 */
async function runDeployments(
  client: RestClient,
  tr: PodTracker,
  cluster: Cluster,
  names: string[],
  total: number,
  budgetMs: number,
  stallMs: number,
): Promise<{ lines: string[] }> {
  const lines: string[] = [];
  const per = Math.ceil(total / names.length);
  const created0 = tr.created;
  const bound0 = tr.bound.size;
  const ready0 = tr.ready.size;
  tr.firstBindAt = 0;
  const t = performance.now();
  const cpu0 = processesCpuMs([cluster.child.pid!]);
  const mainCpu0 = mainThreadCpuMs(cluster.child.pid!);
  tr.progressAt = t;
  for (let i = 0; i < names.length; i++) await client.create(DEPLOYMENTS, deployment(names[i], Math.min(per, total - i * per)));
  const readyAt = new Map<string, number>();
  /** Each Deployment's status.readyReplicas as last read: the server's count beside the bench's. */
  const serverReady = new Map<string, number>();
  const progress = process.env.K8TS_BENCH_PROGRESS
    ? setInterval(
        () =>
          console.error(
            `  ${fmtS(performance.now() - t)}: ${tr.created - created0} created, ${tr.bound.size - bound0} bound, ${tr.ready.size - ready0} ready, child RSS ${mib(procMemory(cluster.child.pid!)?.rss ?? 0)}`,
          ),
        5000,
      )
    : undefined;
  const end = new RunEnd(cluster, tr, stallMs);
  try {
    await waitFor(
      'the Deployments to be Ready',
      async () => {
        if (end.now()) return true;
        if (performance.now() - t > budgetMs) {
          end.stopped = `the ${fmtS(budgetMs)} budget ran out`;
          return true;
        }
        for (const n of names) {
          if (readyAt.has(n)) continue;
          const d = await client.get({ ...DEPLOYMENTS, name: n });
          const st = d.status as { readyReplicas?: number; updatedReplicas?: number } | undefined;
          const want = (d.spec as { replicas: number }).replicas;
          serverReady.set(n, st?.readyReplicas ?? 0);
          if ((st?.readyReplicas ?? 0) >= want && (st?.updatedReplicas ?? 0) >= want) readyAt.set(n, performance.now() - t);
        }
        // Done once the bench's own view has every pod Ready too: the figures below are read
        // from it (a watch resumed after a drop may still be catching up; the stall limit
        // above bounds that wait).
        return readyAt.size === names.length && tr.ready.size - ready0 >= total;
      },
      { timeoutMs: budgetMs + 60_000, intervalMs: 250 },
    );
  } finally {
    clearInterval(progress);
  }
  end.throwIfGone();
  const { stopped } = end;
  // Stopped while the cluster had made more pods Ready than the bench saw: the figures would
  // be its watch's lag, not the cluster's pace.
  const readyByServer = [...serverReady.values()].reduce((a, b) => a + b, 0);
  if (stopped && readyByServer > tr.ready.size - ready0)
    throw new Error(
      `the bench's view of the pods fell behind the cluster: the Deployments report ${fmtInt(readyByServer)} Ready, the bench saw ${fmtInt(tr.ready.size - ready0)}; ${stopped}`,
    );
  end.reportStall();
  // The control plane's CPU (user + system, all its threads) over the run: a figure the other
  // work on a shared machine moves far less than the rates, so changes show in it first.
  const cpuMs = processesCpuMs([cluster.child.pid!]) - cpu0;
  // Of it, the main thread's (the API server's event loop, where every request is served).
  const mainCpuMs = mainThreadCpuMs(cluster.child.pid!) - mainCpu0;
  const wallMs = performance.now() - t;
  const created = tr.created - created0;
  const bound = tr.bound.size - bound0;
  const ready = tr.ready.size - ready0;
  const what = `${names.length > 1 ? `${names.length} Deployments of ${fmtInt(per)}` : 'Deployment'} (${fmtInt(total)} replicas)`;
  lines.push(
    `${what}: pods created by the ReplicaSet controller: ${fmtInt(created)} in ${fmtS(tr.lastCreateAt - t)} (${rate(created, tr.lastCreateAt - t)})`,
  );
  const span = tr.lastBindAt - tr.firstBindAt;
  const perSec = span > 0 ? (bound / span) * 1000 : NaN;
  lines.push(
    `${what}: pods scheduled: ${fmtInt(bound)} bound, ${span > 0 ? rate(bound, span) : 'n/a'} from first to last binding (${fmtS(span)})   [target >= 1,000/s; x${(perSec / 1000).toFixed(2)} of it: ${perSec >= 1000 ? 'met' : 'NOT met'}]`,
  );
  if (stopped) {
    lines.push(
      `${what}: NOT all Ready: ${stopped}; at that point ${fmtInt(created)} created, ${fmtInt(bound)} bound, ${fmtInt(ready)} Ready after ${fmtS(performance.now() - t)}`,
    );
  } else {
    lines.push(`${what}: all Ready (status.readyReplicas) ${fmtS(Math.max(...readyAt.values()))} after create`);
  }
  lines.push(
    `${what}: control plane CPU ${fmtS(cpuMs)} over ${fmtS(wallMs)} (${(cpuMs / wallMs).toFixed(2)} cores busy), ${bound > 0 ? (cpuMs / bound).toFixed(2) : 'n/a'} ms a pod bound; its main thread ${fmtS(mainCpuMs)} (${(mainCpuMs / wallMs).toFixed(2)} of a core), ${bound > 0 ? (mainCpuMs / bound).toFixed(2) : 'n/a'} ms a pod`,
  );
  return { lines };
}

export async function benchWorkloads(opts: BenchWorkloadsOptions): Promise<string[]> {
  const store = opts.store ?? 'sqlite';
  const nDeploy = opts.deployments ?? 1;
  const stallMs = opts.stallMs ?? 60_000;
  const budgetMs = opts.budgetMs ?? 240_000;
  const targetNodes = opts.targetNodes ?? 5_000;
  const targetPods = opts.targetPods ?? 150_000;
  const lines: string[] = [
    `setup: \`k8ts up --foreground --no-node --store ${store}\` as a child process; this process is only its client`,
  ];
  const tmp = benchTempDir('workloads');
  const cluster = await startCluster(tmp.dir, store);
  const { client } = cluster;
  let pods: Follower | undefined;
  let stopHeapSampling: (() => Promise<void>) | undefined;
  try {
    await defaultServiceAccount(client);
    const m0 = await cluster.memory();
    lines.push(memLine('control plane, empty', m0));
    stopHeapSampling = await cluster.heapSampling();

    // Nodes, as `k8ts nodes simulate N` asks for them.
    const t = performance.now();
    await simulatedNodesReady(client, opts.nodes, { timeoutMs: 300_000, intervalMs: 500 });
    lines.push(
      `${fmtInt(opts.nodes)} simulated nodes registered and Ready in ${fmtS(performance.now() - t)} (asked for as \`k8ts nodes simulate\` does)`,
    );
    const m1 = await cluster.memory();
    lines.push(memLine(`control plane, ${fmtInt(opts.nodes)} nodes`, m1));

    // One informer follows every pod: created, bound (spec.nodeName set), Ready. A watch the
    // API server closes (as it closes any that falls behind) resumes from the last
    // resourceVersion, so the figures stay whole; the lines say when that happened.
    const tr: PodTracker = {
      created: 0,
      bound: new Set(),
      ready: new Set(),
      running: new Set(),
      firstBindAt: 0,
      lastBindAt: 0,
      lastCreateAt: 0,
      lastReadyAt: 0,
      progressAt: performance.now(),
    };
    const onPod = (p: KObject, added: boolean): void => {
      const name = p.metadata?.name;
      if (!name) return;
      const now = performance.now();
      if (added) {
        tr.created++;
        tr.lastCreateAt = now;
        tr.progressAt = now;
      }
      if ((p.spec as { nodeName?: string } | undefined)?.nodeName && !tr.bound.has(name)) {
        tr.bound.add(name);
        tr.firstBindAt ||= now;
        tr.lastBindAt = now;
        tr.progressAt = now;
      }
      if ((p.status as { phase?: string } | undefined)?.phase === 'Running') tr.running.add(name);
      if (isReady(p) && !tr.ready.has(name)) {
        tr.ready.add(name);
        tr.lastReadyAt = now;
        tr.progressAt = now;
      }
    };
    pods = await follow(
      client,
      PODS,
      {
        // Pods there before the bench's own (none on a new cluster) are not counted as created.
        onAdd: (p, initial) => onPod(p, !initial),
        onUpdate: (_old, p) => onPod(p, false),
        onDelete: (p) => tr.running.delete(p.metadata.name!),
      },
      { what: "the bench's pod watch", transform: slimPod },
    );
    tr.follower = pods;

    // A small Deployment first: a time to all Ready that completes on any machine.
    if (opts.warmupReplicas) {
      const r = await runDeployments(client, tr, cluster, ['bench-small'], opts.warmupReplicas, Math.min(budgetMs, 300_000), stallMs);
      lines.push(...r.lines);
    }
    const writes0 = await apiWrites(client);
    const bound0 = tr.bound.size;
    const r = await cluster.profiled(() =>
      opts.placement === 'direct'
        ? runDirectPods(client, tr, cluster, opts.pods, stallMs, budgetMs)
        : runDeployments(
            client,
            tr,
            cluster,
            Array.from({ length: nDeploy }, (_, i) => `bench-web-${i}`),
            opts.pods,
            budgetMs,
            stallMs,
          ),
    );
    lines.push(...r.lines);
    lines.push(`  ${writesLine(writes0, await apiWrites(client), tr.bound.size - bound0)}`);
    if (pods.note()) lines.push(`  NOTE: ${pods.note()}`);
    // Pods that exist now (all of them, if the Deployments completed).
    const podsNow = tr.created;
    const made =
      opts.placement === 'direct'
        ? 'made by this bench with spec.nodeName set'
        : `made by ReplicaSets and bound by the scheduler${opts.warmupReplicas ? ` (${fmtInt(opts.warmupReplicas)} of them in the small Deployment)` : ''}`;
    const boundNow = tr.bound.size;
    const m2 = await cluster.memory();
    lines.push(memLine(`control plane, ${fmtInt(opts.nodes)} nodes + ${fmtInt(podsNow)} pods`, m2));
    const perNode = (m1.rss - m0.rss) / opts.nodes;
    const perPod = (m2.rss - m1.rss) / podsNow;
    const heapPerNode = (m1.heapUsed - m0.heapUsed) / opts.nodes;
    const heapPerPod = (m2.heapUsed - m1.heapUsed) / podsNow;
    const nodesNow = (await client.list(NODES)).items.length;
    const running = tr.running.size;
    lines.push(
      `  at that point: ${fmtInt(nodesNow)} nodes, ${fmtInt(podsNow)} pods ${made}, ${fmtInt(boundNow)} bound, ${fmtInt(running)} Running (status.phase), ${fmtInt(tr.ready.size)} Ready`,
    );
    if (opts.nodes >= targetNodes && podsNow >= targetPods) {
      lines.push(
        `memory at ${fmtInt(nodesNow)} nodes / ${fmtInt(podsNow)} pods (${fmtInt(running)} Running), measured: RSS ${gib(m2.rss)} (peak ${gib(m2.hwm)}), V8 heap used ${gib(m2.heapUsed)} after a full GC   [target < 4 GiB: ${m2.hwm < MEMORY_TARGET_BYTES ? 'met' : 'NOT met'}]`,
      );
      lines.push(
        `  per node and pod: ${(perNode / 1024).toFixed(1)} KiB RSS/node, ${(perPod / 1024).toFixed(1)} KiB RSS/pod (heap ${(heapPerNode / 1024).toFixed(1)} KiB/node, ${(heapPerPod / 1024).toFixed(1)} KiB/pod)`,
      );
    } else {
      const rss = m0.rss + targetNodes * perNode + targetPods * perPod;
      const heap = m0.heapUsed + targetNodes * heapPerNode + targetPods * heapPerPod;
      lines.push(
        `EXTRAPOLATION (linear, not measured) to ${fmtInt(targetNodes)} nodes / ${fmtInt(targetPods)} pods: RSS ~ ${gib(rss)}, heap ~ ${gib(heap)}   [target < 4 GiB: ${rss < MEMORY_TARGET_BYTES ? 'would be met' : 'would NOT be met'}]`,
      );
      lines.push(
        `  from: empty ${mib(m0.rss)} + ${(perNode / 1024).toFixed(1)} KiB RSS/node + ${(perPod / 1024).toFixed(1)} KiB RSS/pod (heap ${(heapPerNode / 1024).toFixed(1)} KiB/node, ${(heapPerPod / 1024).toFixed(1)} KiB/pod), RSS after a full GC; K8TS_BENCH_SCALE=full measures it`,
      );
      if (boundNow < podsNow)
        lines.push(
          `  CAUTION: only ${fmtInt(boundNow)} of those ${fmtInt(podsNow)} pods were bound and running; a pending pod carries less state, so this per-pod figure is a lower bound`,
        );
    }
    return lines;
  } catch (e) {
    // The control plane's own account (e.g. "closing a watch of pods: ... bytes unread"),
    // before its log goes with the temp dir.
    console.error(`last lines of the control plane's log:\n${logTail(cluster.logFile, 30)}`);
    throw e;
  } finally {
    await stopHeapSampling?.();
    await pods?.stop();
    await cluster.stop();
    await tmp.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const nodes = Number(process.argv[2] ?? 1000);
  const pods = Number(process.argv[3] ?? 30_000);
  const store = (process.argv[4] ?? 'sqlite') as 'memory' | 'sqlite';
  const placement = process.env.K8TS_BENCH_PODS === 'direct' ? 'direct' : 'deployment';
  await benchMain(() => benchWorkloads({ nodes, pods, store, placement }));
}
