// Node-agent figures on a real node: `k8ts up`'s control plane (memory store, controllers,
// scheduler) with a node of this machine (process runtime, pods in their own network
// namespaces on a bench-only bridge), in this process. Pod start latency is create -> Ready as
// a watching client sees it (the Kubernetes e2e definition), for pause pods created one at a
// time and for a burst created at once; then a Deployment scaled from 0 to 50 replicas, timed until all are Ready.
// The node runs the built-in process runtime (the issue's pod-start targets are the process
// runtime's; the oci section compares the two). Each figure has the process's CPU beside it
// (control plane and agent share the process), and a probe phase gives the CPU per probe run:
// the same pods with exec or HTTP probes against a window without, counted by prober_probe_total.
// Linux and root only (network namespaces, a bridge); elsewhere the section says it skipped.

import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { KObject } from '../src/api/object.js';
import { RestClient } from '../src/client/rest.js';
import { startControlPlane } from '../src/cluster/controlplane.js';
import { runtimeOperationTimes } from '../src/node/kubelet/instrumented.js';
import { probeRuns } from '../src/node/kubelet/metrics.js';
import { waitFor } from '../src/testing/wait.js';
import { type Follower, follow } from './follow.js';
import { pm2ScaleMs } from './pm2.js';
import { benchMain, benchTempDir, cleanup, fileLog, fmtMs, fmtS, percentile } from './util.js';

export interface BenchRealNodeOptions {
  pods?: number;
  /** Pods created at once for the latency-under-load figure. */
  burstPods?: number;
  /** Give up on the scale-up after this long (it is reported as such). */
  scaleTimeoutMs?: number;
  /** Stop creating one-at-a-time pods after this long; the figures cover the pods measured. */
  latencyBudgetMs?: number;
  /** Give up on the burst after this long. */
  burstTimeoutMs?: number;
  replicas?: number;
  bridgeName?: string;
  podCIDR?: string;
  /** Pods of the probe phase, and how long each CPU window lasts. */
  probePods?: number;
  probeWindowMs?: number;
}

const NS = 'default';
const PODS = { group: '', version: 'v1', resource: 'pods', namespace: NS };
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments', namespace: NS };
const PAUSE = 'registry.k8s.io/pause:3.10';
const BOOTCAMP = 'gcr.io/google-samples/kubernetes-bootcamp:v1';

function isReady(p: KObject): boolean {
  const conds = (p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conds?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function realNodeSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'skipped: needs root on Linux (not Linux)';
  if (process.getuid?.() !== 0) return 'skipped: needs root';
  return undefined;
}

export async function benchRealNode(opts: BenchRealNodeOptions = {}): Promise<string[]> {
  const skip = realNodeSkipReason();
  if (skip) return [skip];
  const nPods = opts.pods ?? 100;
  const burstPods = opts.burstPods ?? 10;
  const scaleTimeoutMs = opts.scaleTimeoutMs ?? 120_000;
  const latencyBudgetMs = opts.latencyBudgetMs ?? 600_000;
  const burstTimeoutMs = opts.burstTimeoutMs ?? 120_000;
  const replicas = opts.replicas ?? 50;
  const lines: string[] = [];
  const tmp = benchTempDir('node');
  const logFile = join(tmp.dir, 'control-plane.log');
  const log = fileLog(logFile);
  const cp = await startControlPlane({
    dataDir: join(tmp.dir, 'data'),
    port: 0,
    store: 'memory',
    node: true,
    bridgeName: opts.bridgeName ?? 'k8tsbench0',
    podCIDR: opts.podCIDR ?? '10.252.0.0/24',
    nodeName: 'k8ts-bench-node',
    runtime: 'process',
    log,
  });
  // stop() stops the pods and removes the bridge; it must run before the temp dir goes.
  const stopCp = cleanup.add('real-node control plane', () => cp.stop());
  const client = new RestClient({ server: cp.url, token: cp.token, caData: cp.caPEM, userAgent: 'k8ts-bench' });
  let pods: Follower | undefined;
  const stopClient = cleanup.add('real-node bench client', async () => {
    await pods?.stop();
    client.close();
  });
  try {
    if (cp.node?.limitations.length) lines.push(`node limitations: ${cp.node.limitations.join('; ')}`);
    await waitFor(
      'the node to be Ready',
      async () => {
        try {
          const n = await client.get({ group: '', version: 'v1', resource: 'nodes', name: 'k8ts-bench-node' });
          await client.get({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: NS, name: 'default' });
          return isReady(n);
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );

    // Every pod's Ready moment, as the watch delivers it, and when it was seen bound to the node
    // and with a running container (the phases of a start: scheduler, then node).
    const readyAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    const boundAt = new Map<string, number>();
    const runningAt = new Map<string, number>();
    const names = new Set<string>();
    const onPod = (p: KObject): void => {
      const name = p.metadata.name!;
      names.add(name);
      const now = performance.now();
      if (!seenAt.has(name)) seenAt.set(name, now);
      if ((p.spec as { nodeName?: string } | undefined)?.nodeName && !boundAt.has(name)) boundAt.set(name, now);
      const cs = (p.status as { containerStatuses?: { state?: { running?: unknown } }[] } | undefined)?.containerStatuses;
      if (cs?.some((c) => c.state?.running) && !runningAt.has(name)) runningAt.set(name, now);
      if (isReady(p) && !readyAt.has(name)) readyAt.set(name, now);
    };
    // An informer (bench/follow.ts): a watch the server drops resumes from the last
    // resourceVersion, and the lines say so (a start seen late across a drop reads slower).
    pods = await follow(
      client,
      PODS,
      { onAdd: onPod, onUpdate: (_old, p) => onPod(p), onDelete: (p) => names.delete(p.metadata.name!) },
      { what: "the bench's pod watch" },
    );

    const podBody = (name: string, app: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS, labels: { app } },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'pause', image: PAUSE }] },
    });
    const waitReady = (which: string[], timeoutMs: number, what: string) =>
      waitFor(`${what} (${which.filter((n) => readyAt.has(n)).length} of ${which.length} are)`, () => which.every((n) => readyAt.has(n)), {
        timeoutMs: timeoutMs,
        intervalMs: 10,
      });
    const deleteAll = async (app: string, which: string[]) => {
      await client.deleteCollection(PODS, { labelSelector: `app=${app}`, gracePeriodSeconds: 0 });
      await waitFor(`the ${app} pods to be gone`, () => which.every((n) => !names.has(n)), { timeoutMs: 120_000, intervalMs: 50 });
      // Gone from the API is not gone from the node: let it stop them before the next figure.
      await waitFor(
        `the node to stop the ${app} pods`,
        async () => (await cp.node!.runtime.listPodSandbox()).every((sb) => sb.state !== 'SANDBOX_READY'),
        { timeoutMs: 90_000, intervalMs: 250 },
      ).catch(() => undefined);
    };

    // Pod start latency: bare pause pods, one at a time (each created once the one before is
    // Ready), so every figure is the node's own start path, not a queue behind other pods.
    const latencies: number[] = [];
    const seq: string[] = [];
    const createdAt = new Map<string, number>();
    const cpu0 = process.cpuUsage();
    const ops0 = await runtimeOperationTimes();
    const latStart = performance.now();
    for (let i = 0; i < nPods && performance.now() - latStart < latencyBudgetMs; i++) {
      const name = `bench-pause-${i}`;
      seq.push(name);
      const t = performance.now();
      createdAt.set(name, t);
      await client.create(PODS, podBody(name, 'bench-pause'));
      await waitReady([name], 60_000, `pod ${name} Ready`);
      latencies.push(readyAt.get(name)! - t);
    }
    const seqCpu = process.cpuUsage(cpu0);
    const ops1 = await runtimeOperationTimes();
    // The node's side of a start, by runtime call (kubelet_runtime_operations_duration_seconds), over these pods.
    const opMean = (op: string) => {
      const a = ops0.get(op) ?? { count: 0, meanMs: 0 };
      const b = ops1.get(op) ?? { count: 0, meanMs: 0 };
      const n = b.count - a.count;
      return n > 0 ? `${op} ${fmtMs((b.meanMs * b.count - a.meanMs * a.count) / n)} (x${n})` : `${op} -`;
    };
    const p99 = percentile(latencies, 99);
    const partial = seq.length < nPods ? ` (ONLY ${seq.length} of ${nPods}: the ${fmtS(latencyBudgetMs)} budget ran out)` : '';
    lines.push(`pod start latency (create -> Ready seen by a watch), ${seq.length} pause pods (${PAUSE}) created one at a time${partial}:`);
    lines.push(
      `  p50 ${fmtMs(percentile(latencies, 50))}, p90 ${fmtMs(percentile(latencies, 90))}, p99 ${fmtMs(p99)}, max ${fmtMs(Math.max(...latencies))}   [target p99 <= 500 ms; x${(p99 / 500).toFixed(2)} of it: ${p99 <= 500 ? 'met' : 'NOT met'}]`,
    );
    // Whether a start grows with the pods already running (they are left running): the first and last tenth.
    const tenth = Math.max(1, Math.floor(latencies.length / 10));
    lines.push(
      `  first ${tenth} pods p50 ${fmtMs(percentile(latencies.slice(0, tenth), 50))}, last ${tenth} (${latencies.length - tenth} running beside) p50 ${fmtMs(percentile(latencies.slice(-tenth), 50))}`,
    );
    const phase = (from: Map<string, number>, to: Map<string, number>) => {
      const d = seq.filter((n) => from.has(n) && to.has(n)).map((n) => to.get(n)! - from.get(n)!);
      return d.length ? `p50 ${fmtMs(percentile(d, 50))} p99 ${fmtMs(percentile(d, 99))}` : 'not seen';
    };
    lines.push(
      `  phases: create -> bound ${phase(createdAt, boundAt)}; bound -> container running ${phase(boundAt, runningAt)}; running -> Ready ${phase(runningAt, readyAt)}`,
    );
    lines.push(
      `  runtime calls, mean: ${['run_podsandbox', 'create_container', 'start_container', 'list_podsandbox', 'list_containers', 'podsandbox_status'].map(opMean).join(', ')}`,
    );
    lines.push(
      `  process CPU (control plane and agent, one process) per pod start: ${fmtMs((seqCpu.user + seqCpu.system) / 1000 / Math.max(1, latencies.length))} (user ${fmtMs(seqCpu.user / 1000 / Math.max(1, latencies.length))}, system ${fmtMs(seqCpu.system / 1000 / Math.max(1, latencies.length))})`,
    );
    let t = performance.now();
    await deleteAll('bench-pause', seq);
    lines.push(`  (the ${seq.length} pods deleted and gone from the API in ${fmtS(performance.now() - t)})`);

    // The same under load: a burst created at once (the node starts them concurrently).
    const burst = Array.from({ length: burstPods }, (_, i) => `bench-burst-${i}`);
    const created = new Map<string, number>();
    await Promise.all(
      burst.map(async (name) => {
        created.set(name, performance.now());
        await client.create(PODS, podBody(name, 'bench-burst'));
      }),
    );
    try {
      await waitReady(burst, burstTimeoutMs, `${burstPods} burst pods Ready`);
      const lat = burst.map((n) => readyAt.get(n)! - created.get(n)!);
      lines.push(
        `pod start latency, ${burstPods} pause pods created at once: p50 ${fmtMs(percentile(lat, 50))}, p99 ${fmtMs(percentile(lat, 99))}`,
      );
    } catch (e) {
      lines.push(`pod start latency, ${burstPods} pause pods created at once: ${(e as Error).message}`);
    }
    await deleteAll('bench-burst', burst);

    // A Deployment from 0 to `replicas`, all Ready.
    const dep = 'bench-scale';
    await client.create(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: dep, namespace: NS },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: dep } },
        template: {
          metadata: { labels: { app: dep } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'pause', image: PAUSE }] },
        },
      },
    });
    // Its ReplicaSet exists (at 0) before the clock starts: the figure is scaling, not creating.
    await waitFor(
      'the Deployment at 0 observed',
      async () =>
        ((await client.get({ ...DEPLOYMENTS, name: dep })).status as { observedGeneration?: number } | undefined)?.observedGeneration === 1,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    t = performance.now();
    await client.patch({ ...DEPLOYMENTS, name: dep }, { spec: { replicas } }, 'merge');
    let readyNow = 0;
    const scaled = await waitFor(
      'scale',
      async () => {
        const st = (await client.get({ ...DEPLOYMENTS, name: dep })).status as
          | { readyReplicas?: number; observedGeneration?: number }
          | undefined;
        readyNow = st?.readyReplicas ?? 0;
        return readyNow >= replicas && (st?.observedGeneration ?? 0) >= 2;
      },
      { timeoutMs: scaleTimeoutMs, intervalMs: 50 },
    ).then(
      () => true,
      () => false,
    );
    const scaleMs = performance.now() - t;
    // Where the scale-up's time went: when the last of the pods was created, bound, running and
    // Ready (from the patch), and each pod's bound -> running (the node's part).
    const scaledPods = [...seenAt.keys()].filter((n) => n.startsWith(`${dep}-`));
    const lastOf = (m: Map<string, number>) => {
      const ts = scaledPods.filter((n) => m.has(n)).map((n) => m.get(n)! - t);
      return ts.length ? fmtS(Math.max(...ts)) : '-';
    };
    const nodePart = scaledPods.filter((n) => boundAt.has(n) && runningAt.has(n)).map((n) => runningAt.get(n)! - boundAt.get(n)!);
    const scalePhases = `  last pod created at ${lastOf(seenAt)}, bound ${lastOf(boundAt)}, running ${lastOf(runningAt)}, Ready ${lastOf(readyAt)}; bound -> running per pod p50 ${nodePart.length ? fmtMs(percentile(nodePart, 50)) : '-'}, max ${nodePart.length ? fmtMs(Math.max(...nodePart)) : '-'}`;
    lines.push(
      scaled
        ? `Deployment scaled 0 -> ${replicas} replicas, all Ready (status.readyReplicas) in ${fmtS(scaleMs)}   [target <= 5 s; x${(scaleMs / 5_000).toFixed(2)} of it: ${scaleMs <= 5_000 ? 'met' : 'NOT met'}]`
        : `Deployment scaled 0 -> ${replicas} replicas: NOT all Ready after ${fmtS(scaleMs)} (gave up): status.readyReplicas ${readyNow}, ${[...names].filter((n) => n.startsWith(`${dep}-`)).length} pods exist, ${[...readyAt.keys()].filter((n) => n.startsWith(`${dep}-`)).length} seen Ready   [target <= 5 s: NOT met]`,
    );
    lines.push(scalePhases);
    await client.delete({ ...DEPLOYMENTS, name: dep }, { propagationPolicy: 'Foreground' });
    t = performance.now();
    await waitFor("the Deployment's pods to be gone", () => ![...names].some((n) => n.startsWith(`${dep}-`)), {
      timeoutMs: 120_000,
      intervalMs: 100,
    });

    // 20 more replicas of the bootcamp app (a Node HTTP server), 1 -> 21 all Ready, beside PM2
    // scaling the same app 1 -> 21 instances in the same run (bench/pm2.ts).
    const boot = 'bench-bootcamp';
    await client.create(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: boot, namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: boot } },
        template: {
          metadata: { labels: { app: boot } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: BOOTCAMP }] },
        },
      },
    });
    const readyReplicas = async (generation: number) => {
      const st = (await client.get({ ...DEPLOYMENTS, name: boot })).status as
        | { readyReplicas?: number; observedGeneration?: number }
        | undefined;
      return (st?.observedGeneration ?? 0) >= generation ? (st?.readyReplicas ?? 0) : 0;
    };
    await waitFor('the bootcamp Deployment at 1 Ready', async () => (await readyReplicas(1)) >= 1, { timeoutMs: 60_000, intervalMs: 50 });
    t = performance.now();
    await client.patch({ ...DEPLOYMENTS, name: boot }, { spec: { replicas: 21 } }, 'merge');
    const more = await waitFor('the bootcamp Deployment at 21 Ready', async () => (await readyReplicas(2)) >= 21, {
      timeoutMs: scaleTimeoutMs,
      intervalMs: 50,
    }).then(
      () => performance.now() - t,
      () => undefined,
    );
    await client.delete({ ...DEPLOYMENTS, name: boot }, { propagationPolicy: 'Foreground' });
    await waitFor("the bootcamp Deployment's pods to be gone", () => ![...names].some((n) => n.startsWith(`${boot}-`)), {
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    let pm2: number | string;
    try {
      pm2 = await pm2ScaleMs(21);
    } catch (e) {
      pm2 = `PM2 unavailable: ${(e as Error).message.split('\n')[0]}`;
    }
    lines.push(
      more === undefined
        ? `20 more bootcamp replicas (1 -> 21): NOT all Ready within ${fmtS(scaleTimeoutMs)}`
        : typeof pm2 === 'number'
          ? `20 more bootcamp replicas (1 -> 21) all Ready in ${fmtS(more)}; PM2 scales the same app 1 -> 21 (cluster mode, all online) in ${fmtS(pm2)}: x${(more / pm2).toFixed(2)} of PM2   [target <= x1.00: ${more <= pm2 ? 'met' : 'NOT met'}]`
          : `20 more bootcamp replicas (1 -> 21) all Ready in ${fmtS(more)}; ${pm2}`,
    );

    // CPU per probe run: the same bootcamp pods without probes, then with a readiness and a
    // liveness probe each (exec `true`, then HTTP GET on the app's port), every second; the
    // process's CPU over a window of each, the probe-less window's rate taken off, divided by the
    // probe runs prober_probe_total counted in the window. K8TS_BENCH_PROBE_PROFILE=DIR writes a
    // CPU profile of each window there.
    const probePods = opts.probePods ?? 10;
    const windowMs = opts.probeWindowMs ?? 10_000;
    const profileDir = process.env.K8TS_BENCH_PROBE_PROFILE;
    const windows: Record<string, { cpuMs: number; ms: number; runs: number }> = {};
    for (const kind of ['none', 'exec', 'http'] as const) {
      const app = `bench-probe-${kind}`;
      const probe =
        kind === 'exec'
          ? { exec: { command: ['true'] }, periodSeconds: 1, timeoutSeconds: 1 }
          : kind === 'http'
            ? { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, timeoutSeconds: 1 }
            : undefined;
      const which = Array.from({ length: probePods }, (_, i) => `${app}-${i}`);
      await Promise.all(
        which.map((name) =>
          client.create(PODS, {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name, namespace: NS, labels: { app } },
            spec: {
              terminationGracePeriodSeconds: 0,
              containers: [{ name: 'app', image: BOOTCAMP, ...(probe ? { readinessProbe: probe, livenessProbe: probe } : {}) }],
            },
          }),
        ),
      );
      await waitReady(which, 60_000, `${probePods} ${app} pods Ready`);
      // Past the first probes' status writes: the window is steady probing.
      await delay(2_000);
      const session = profileDir ? new Session() : undefined;
      if (session) {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      const c0 = process.cpuUsage();
      const n0 = await probeRuns();
      const t0 = performance.now();
      await delay(windowMs);
      const c = process.cpuUsage(c0);
      windows[kind] = { cpuMs: (c.user + c.system) / 1000, ms: performance.now() - t0, runs: (await probeRuns()) - n0 };
      if (session) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(join(profileDir!, `probes-${kind}.cpuprofile`), JSON.stringify(profile));
        session.disconnect();
      }
      await deleteAll(app, which);
    }
    const idleRate = windows.none.cpuMs / windows.none.ms;
    const perProbe = (kind: 'exec' | 'http') => {
      const w = windows[kind];
      if (!w.runs) return `${kind}: no probe ran`;
      const extra = w.cpuMs - idleRate * w.ms;
      return `${kind} ${fmtMs(extra / w.runs)} (${w.runs} runs, ${fmtMs(w.cpuMs)} CPU in ${fmtS(w.ms)})`;
    };
    lines.push(
      `process CPU per probe run, ${probePods} bootcamp pods with a readiness and a liveness probe each (every 1 s), less the same pods without probes (${fmtMs(windows.none.cpuMs)} CPU in ${fmtS(windows.none.ms)}): ${perProbe('exec')}; ${perProbe('http')}`,
    );
    if (pods.note()) lines.push(`NOTE: ${pods.note()}`);
    return lines;
  } catch (e) {
    // The node's own account of what went wrong, before its log goes with the temp dir.
    try {
      console.error(
        `last lines of the control-plane log:\n${readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .slice(-Number(process.env.K8TS_BENCH_LOG_LINES ?? 30))
          .join('\n')}`,
      );
    } catch {
      /* no log */
    }
    throw e;
  } finally {
    await stopClient();
    await stopCp();
    await tmp.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMain(() => benchRealNode({ pods: Number(process.argv[2] ?? 100), replicas: Number(process.argv[3] ?? 50) }));
}
