// The service proxy's figures (issue #9, data plane), both proxy modes where they apply:
// - sync: 1,000 ClusterIP services with 10 endpoints each (hand-made EndpointSlices in an
//   in-process API server), then the time of the first sync (10,000 endpoints: the nftables
//   table written whole, one `nft -f`), of EndpointSlice and Service changes until the proxy has
//   applied them (API write -> rules in the kernel; partial syncs), p50/p99 of 40 changes, and of
//   a whole-table sync over the table in place. nftables mode only: the userspace mode's cost
//   per service is a listener, not a ruleset.
// - traffic: a real node (`k8ts up`'s control plane in this process, the bootcamp app in one
//   pod) and wrk (Debian's), straight to the pod IP, through the ClusterIP and through the
//   NodePort, in the same run, per mode: throughput in interleaved saturating rounds (ratios to
//   direct paired per round) and in side-by-side rounds (all three at once), latency with paced
//   streams to all three at once (see measureTargets).
// Linux and root only (nftables, a bridge); elsewhere the section says it skipped.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KObject } from '../src/api/object.js';
import { SERVICES } from '../src/api/types.js';
import { RestClient } from '../src/client/rest.js';
import { startControlPlane } from '../src/cluster/controlplane.js';
import type { NftablesProxier } from '../src/proxy/nftables/proxier.js';
import { nftablesUnavailableReason, ProxyServer } from '../src/proxy/server.js';
import { startTestControlPlane } from '../src/testing/controlplane.js';
import { waitFor } from '../src/testing/wait.js';
import { benchTempDir, cleanup, fileLog, fmtInt, fmtMs, inParallel, percentile, processesCpuMs } from './util.js';

const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespace: 'default' };

function slice(i: number, first: number, n = 10): Record<string, unknown> {
  return {
    metadata: { name: `svc-${i}-1`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: n }, (_, j) => ({ addresses: [endpointIP(first + j)], conditions: { ready: true } })),
  };
}

/** Endpoint addresses in TEST-NET-2's neighbourhood nobody routes: 10.250.0.0/16. */
function endpointIP(k: number): string {
  return `10.250.${(k >> 8) & 255}.${k & 255}`;
}

/** The sync bench, in a child process inside a new network namespace (see proxy-sync-child.ts). */
export async function benchProxySync(): Promise<string[]> {
  const why = nftablesUnavailableReason();
  if (why) return [`sync: skipped (nftables mode cannot run here: ${why})`];
  const child = join(dirname(fileURLToPath(import.meta.url)), 'proxy-sync-child.js');
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$1"', process.execPath, child], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`sync bench: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as string[];
}

/**
 * CPU time of this process so far, ms: what the proxy's own work of a sync costs whatever else
 * the 2 shared cores are doing (wall time on a loaded machine is mostly waiting). nft runs as a
 * child of the node's spawner helper, not of this process, so its CPU is not in it.
 */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function benchProxySyncHere(opts: { services?: number; endpoints?: number; changes?: number } = {}): Promise<string[]> {
  const services = opts.services ?? 1000;
  const perService = opts.endpoints ?? 10;
  const changes = opts.changes ?? 40;
  const cp = await startTestControlPlane();
  let proxy: ProxyServer | undefined;
  const stopCp = cleanup.add('proxy bench control plane', () => cp.stop());
  try {
    await inParallel(services, 16, async (i) => {
      await cp.client.create(
        { ...SERVICES, namespace: 'default' },
        { metadata: { name: `svc-${i}` }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
      );
      await cp.client.create(SLICES, slice(i, i * perService, perService));
    });
    proxy = new ProxyServer({
      client: cp.newClient(),
      nodeName: 'bench',
      mode: 'nftables',
      instance: 'k8tsbenchpx',
      podCIDR: '10.253.0.0/24',
      resyncMs: 0,
    });
    const p = proxy;
    cleanup.add('proxy bench rules', () => p.stop({ cleanup: true }));
    const t0 = performance.now();
    const cpu0 = cpuNow();
    await proxy.start();
    const firstMs = performance.now() - t0;
    const firstCpu = cpuNow() - cpu0;
    const first = proxy.lastSync!;
    const nft = proxy.proxier as NftablesProxier;
    const slices: number[] = [];
    const svcChanges: number[] = [];
    const syncs: number[] = [];
    const nftMs: number[] = [];
    proxy.onSync((r) => syncs.push(r.durationMs));
    const offNft = nft.onApplied((ms) => nftMs.push(ms));
    let next = services * perService + 1;
    for (let c = 0; c < changes; c++) {
      // Half the changes are EndpointSlice updates (an endpoint replaced), half Service updates (a port renumbered).
      const i = (c * 37) % services;
      const at = performance.now();
      if (c % 2 === 0) {
        const ip = endpointIP(next++);
        const cur = await cp.client.get<Record<string, unknown> & { metadata: { resourceVersion?: string } }>({
          ...SLICES,
          name: `svc-${i}-1`,
        });
        const eps = (cur.endpoints as unknown[]).slice(1);
        await cp.client.update(
          { ...SLICES, name: `svc-${i}-1` },
          { ...cur, endpoints: [...eps, { addresses: [ip], conditions: { ready: true } }] },
        );
        await waitFor('the change applied', () => nft.applied?.readyEndpointIPs.has(ip), { timeoutMs: 30_000, intervalMs: 1 });
        slices.push(performance.now() - at);
      } else {
        const port = 1000 + c;
        const cur = await cp.client.get<KObject & { spec: { ports: { port: number }[] } }>({
          ...SERVICES,
          namespace: 'default',
          name: `svc-${i}`,
        });
        cur.spec.ports[0].port = port;
        await cp.client.update({ ...SERVICES, namespace: 'default', name: `svc-${i}` }, cur);
        await waitFor('the change applied', () => nft.applied?.parts.get(`default/svc-${i}:http/TCP`)?.svc.port === port, {
          timeoutMs: 30_000,
          intervalMs: 1,
        });
        svcChanges.push(performance.now() - at);
      }
    }
    // The whole table once more, over the table in place (kube-proxy's hourly full sync, and what a
    // restarted agent's first sync does).
    const partialSyncs = [...syncs];
    const partialNft = [...nftMs];
    nft.requestFullSync();
    const before = nft.fullSyncs;
    const tFull = performance.now();
    const cpu1 = cpuNow();
    await proxy.requestSync();
    const resyncMs = performance.now() - tFull;
    const resyncCpu = cpuNow() - cpu1;
    if (nft.fullSyncs !== before + 1) throw new Error('the whole-table resync did not happen');
    offNft();
    const script = nft.applied!.script;
    return [
      `sync, in a network namespace of its own: ${fmtInt(services)} services x ${perService} endpoints (${fmtInt(first.endpoints)} endpoints, ${fmtInt(script.split('\n').length)} nft lines, ${(script.length / 1024 / 1024).toFixed(1)} MiB) [target: a sync at 10,000 endpoints < 1 s]:`,
      `  first sync (the whole table, one nft -f) ${fmtMs(first.durationMs)} (start to rules in place ${fmtMs(firstMs)}, CPU of this process ${fmtMs(firstCpu)}); whole table again over the table in place ${fmtMs(resyncMs)} (CPU ${fmtMs(resyncCpu)})`,
      `  a change until applied (API write -> rules in the kernel, a partial sync): EndpointSlice p50 ${fmtMs(percentile(slices, 50))}, p99 ${fmtMs(percentile(slices, 99))}; Service p50 ${fmtMs(percentile(svcChanges, 50))}, p99 ${fmtMs(percentile(svcChanges, 99))} (${changes} changes)`,
      `  each partial sync p50 ${fmtMs(percentile(partialSyncs, 50))}, p99 ${fmtMs(percentile(partialSyncs, 99))}, of which nft -f p50 ${fmtMs(percentile(partialNft, 50))}`,
    ];
  } finally {
    await proxy?.stop({ cleanup: true }).catch(() => undefined);
    await stopCp();
  }
}

/** Saturating rounds per target (throughput), side-by-side rounds, and paced rounds (latency). */
const ROUNDS = 6;
const SIDE_ROUNDS = 10;
const LATENCY_ROUNDS = 3;
/** Connections of the saturating load; of each side-by-side stream; of each paced stream. */
const CONNECTIONS = 16;
const SIDE_CONNECTIONS = 8;
const PACED_CONNECTIONS = 4;
/** Pause of each paced connection between a response and its next request. */
const PACE_MS = 10;

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** wrk's own CPU (user + system, ms; the kernel's work for the packets it sends is in it); NaN without /usr/bin/time. */
  cpuMs: number;
}

const TIME = '/usr/bin/time';

/**
 * wrk in a child process, asynchronously: the userspace proxy under test runs in THIS process's
 * event loop. One thread: the app (one node process) and wrk then have a core each, where two
 * wrk threads took CPU from the very app they measure.
 */
async function wrk(url: string, seconds: number, opts: { connections?: number; script?: string } = {}): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${opts.connections ?? CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    ...(opts.script ? ['-s', opts.script] : []),
    url,
  ];
  const timed = existsSync(TIME);
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const [cmd, argv] = timed ? [TIME, ['-f', 'k8ts-cpu %U %S', 'wrk', ...args]] : ['wrk', args];
    execFile(cmd, argv, { encoding: 'utf8', timeout: (seconds + 30) * 1000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
  if (r.code !== 0) throw new Error(`wrk ${url}: ${r.stderr || r.stdout}`);
  const out = r.stdout;
  const ms = (s: string | undefined) => {
    const m = /([\d.]+)(us|ms|s)/.exec(s ?? '');
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50: ms(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
    p99: ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
    errors: (errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + Number(non2xx?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    cpuMs: ((c) => (c ? (Number(c[1]) + Number(c[2])) * 1000 : NaN))(/k8ts-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr)),
  };
}

/** The processes of the pod with this IP: those whose network namespace has it as a local address. */
function podProcesses(ip: string): number[] {
  const pids: number[] = [];
  const seen = new Map<string, boolean>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ns = readlinkSync(`/proc/${d}/ns/net`);
      let mine = seen.get(ns);
      if (mine === undefined) {
        mine = new RegExp(`\\|-- ${ip.replace(/\./g, '\\.')}\\n\\s+/32 host LOCAL`).test(readFileSync(`/proc/${d}/net/fib_trie`, 'utf8'));
        seen.set(ns, mine);
      }
      if (mine) pids.push(Number(d));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

/**
 * The figures of one mode, measured so that the machine's noise (2 cores shared with other work)
 * falls on every target alike:
 * - throughput: saturating rounds, the targets in turn, each round starting one target later;
 *   a target's ratio is the median over rounds of its rounds' ratio to the direct run of the
 *   same round (paired, not a ratio of medians);
 * - side by side: saturating streams to all targets AT ONCE, the same app serving them all, so
 *   every round's streams share one moment of the machine (the load of the other users of the
 *   2 cores falls on all alike). Each stream is a closed loop (a connection sends its next
 *   request when the answer comes), so a path that delays requests or answers (a userspace hop,
 *   a queue) gets fewer of the app's answers: its share against direct is the path's throughput
 *   ratio, without the swings of the machine between two sequential rounds. A path's CPU cost
 *   in the kernel (NAT, conntrack, rules) is mostly charged to the processes that send the
 *   packets: it is in the CPU per request of the pod and of wrk (below);
 * - latency: paced streams (each connection waits PACE_MS between requests, far below
 *   saturation, so latency is the path's and not a queue's) to all targets AT ONCE, so each
 *   round's streams see the same moment of the machine; added p50/p99 = the median over rounds
 *   of the target's figure minus direct's.
 */
async function measureTargets(targets: [string, string][], seconds: number, paceScript: string, podIP: string) {
  const pod = podProcesses(podIP);
  const podCpu = new Map<string, number[]>(targets.map(([n]) => [n, []]));
  for (const [, url] of targets) await wrk(url, 1); // warm-up: the app's JIT, connections and conntrack
  const sat = new Map<string, WrkResult[]>(targets.map(([n]) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const [name, url] = targets[(k + round) % targets.length];
      const before = processesCpuMs(pod);
      const r = await wrk(url, seconds);
      sat.get(name)!.push(r);
      podCpu.get(name)!.push(((processesCpuMs(pod) - before) * 1000) / r.requests);
    }
  }
  const side = new Map<string, WrkResult[]>(targets.map(([n]) => [n, []]));
  for (let round = 0; round < SIDE_ROUNDS; round++) {
    const rs = await Promise.all(targets.map(([, url]) => wrk(url, seconds, { connections: SIDE_CONNECTIONS })));
    for (const [i, r] of rs.entries()) side.get(targets[i][0])!.push(r);
  }
  const paced = new Map<string, WrkResult[]>(targets.map(([n]) => [n, []]));
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const rs = await Promise.all(targets.map(([, url]) => wrk(url, seconds, { connections: PACED_CONNECTIONS, script: paceScript })));
    for (const [i, r] of rs.entries()) paced.get(targets[i][0])!.push(r);
  }
  const med = (xs: number[]) => percentile(xs, 50);
  const direct = targets[0][0];
  return targets.map(([name]) => {
    const s = sat.get(name)!;
    const p = paced.get(name)!;
    const d = sat.get(direct)!;
    const dp = paced.get(direct)!;
    const sd = side.get(direct)!;
    const sideRatios = side.get(name)!.map((r, i) => r.rps / sd[i].rps);
    return {
      name,
      rps: med(s.map((r) => r.rps)),
      ratio: med(s.map((r, i) => r.rps / d[i].rps)),
      ratioMin: Math.min(...s.map((r, i) => r.rps / d[i].rps)),
      ratioMax: Math.max(...s.map((r, i) => r.rps / d[i].rps)),
      satP99: med(s.map((r) => r.p99)),
      sideRps: med(side.get(name)!.map((r) => r.rps)),
      sideRatio: med(sideRatios),
      sideMin: Math.min(...sideRatios),
      sideMax: Math.max(...sideRatios),
      p50: med(p.map((r) => r.p50)),
      p99: med(p.map((r) => r.p99)),
      addedP50: med(p.map((r, i) => r.p50 - dp[i].p50)),
      addedP99: med(p.map((r, i) => r.p99 - dp[i].p99)),
      pacedRps: med(p.map((r) => r.rps)),
      /** CPU per request, us: the pod's processes, and the client (wrk). */
      podUs: pod.length ? med(podCpu.get(name)!) : NaN,
      clientUs: med(s.map((r) => (r.cpuMs * 1000) / r.requests)),
      errors: [...s, ...p, ...side.get(name)!].reduce((a, r) => a + r.errors, 0),
    };
  });
}

async function trafficOnce(mode: 'nftables' | 'userspace', seconds: number): Promise<string[]> {
  const tmp = benchTempDir(`proxy-${mode}`);
  const logFile = join(tmp.dir, 'control-plane.log');
  const log = fileLog(logFile);
  const cp = await startControlPlane({
    dataDir: join(tmp.dir, 'data'),
    port: 0,
    store: 'memory',
    node: true,
    proxyMode: mode,
    bridgeName: mode === 'nftables' ? 'k8tsbenchpn' : 'k8tsbenchpu',
    podCIDR: mode === 'nftables' ? '10.253.1.0/24' : '10.253.2.0/24',
    nodeName: 'k8ts-bench-proxy',
    log,
  });
  const stopCp = cleanup.add(`proxy bench node (${mode})`, () => cp.stop());
  const client = new RestClient({ server: cp.url, token: cp.token, caData: cp.caPEM, userAgent: 'k8ts-bench' });
  try {
    const ns = 'default';
    await waitFor(
      'the default service account',
      () =>
        client.get({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: ns, name: 'default' }).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const labels = { app: 'bench-web' };
    await client.create(
      { group: 'apps', version: 'v1', resource: 'deployments', namespace: ns },
      {
        metadata: { name: 'bench-web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: 'gcr.io/google-samples/kubernetes-bootcamp:v1',
                  ports: [{ containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
    );
    const svc = await client.create<KObject & { spec: { clusterIP: string; ports: { nodePort: number }[] } }>(
      { ...SERVICES, namespace: ns },
      {
        metadata: { name: 'bench-web' },
        spec: { type: 'NodePort', selector: labels, ports: [{ port: 8080, targetPort: 8080 }] },
      },
    );
    const podIP = await waitFor(
      'the pod ready',
      async () => {
        const list = await client.list<KObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[] } }>(
          { group: '', version: 'v1', resource: 'pods', namespace: ns },
          { labelSelector: 'app=bench-web' },
        );
        const p = list.items.find((x) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        return p?.status?.podIP;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    const nodeIP = cp.node!.ip;
    const targets: [string, string][] = [
      ['pod IP (direct)', `http://${podIP}:8080/`],
      ['ClusterIP', `http://${svc.spec.clusterIP}:8080/`],
      ['NodePort', `http://${nodeIP}:${svc.spec.ports[0].nodePort}/`],
    ];
    await waitFor(
      'the service answers',
      () =>
        fetch(targets[2][1]).then(
          (r) => r.ok,
          () => false,
        ),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const paceScript = join(tmp.dir, 'pace.lua');
    writeFileSync(paceScript, `function delay()\n  return ${PACE_MS}\nend\n`);
    const results = await measureTargets(targets, seconds, paceScript, podIP);
    const f = (x: number) => `${x >= 0 ? '+' : ''}${fmtMs(x)}`;
    return [
      `${mode} mode (${cp.node!.proxy.describe()}):`,
      ...results.map((r, i) =>
        i === 0
          ? `  ${r.name.padEnd(16)} ${fmtInt(r.rps).padStart(7)} req/s (p99 ${fmtMs(r.satP99)} saturated); paced p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}${r.errors ? `, ${r.errors} errors` : ''}`
          : `  ${r.name.padEnd(16)} ${fmtInt(r.rps).padStart(7)} req/s -> ${r.ratio.toFixed(2)}x direct (rounds ${r.ratioMin.toFixed(2)}-${r.ratioMax.toFixed(2)}); paced p50 ${fmtMs(r.p50)} (${f(r.addedP50)}), p99 ${fmtMs(r.p99)} (${f(r.addedP99)})${r.errors ? `, ${r.errors} errors` : ''}`,
      ),
      `  side by side (all three at once, ${SIDE_CONNECTIONS} connections each, ${SIDE_ROUNDS} rounds; the share of one app's answers each path gets, the same moment of the machine for all): ${results
        .map((r, i) =>
          i === 0
            ? `direct ${fmtInt(r.sideRps)} req/s`
            : `${r.name} ${r.sideRatio.toFixed(2)}x (rounds ${r.sideMin.toFixed(2)}-${r.sideMax.toFixed(2)})`,
        )
        .join(', ')}`,
      `  CPU per request (saturated rounds, medians; what the path costs whatever the load): ${results
        .map((r) => `${r.name} pod ${r.podUs.toFixed(0)} us + client ${r.clientUs.toFixed(0)} us`)
        .join('; ')}`,
    ];
  } finally {
    client.close();
    await stopCp();
    await tmp.remove();
  }
}

export async function benchProxyTraffic(opts: { seconds?: number } = {}): Promise<string[]> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return ['traffic: skipped (needs root on Linux: a real node)'];
  if (spawnSync('wrk', ['--version']).error) return ['traffic: skipped (no wrk; Debian package wrk)'];
  const seconds = opts.seconds ?? 3;
  const lines = [
    `traffic: the bootcamp app (node http) in one pod, wrk -t1; throughput: -c${CONNECTIONS} keep-alive, ${ROUNDS} rounds of ${seconds} s per target in turn, median of each round's ratio to direct (range), and side by side (below); latency: ${PACED_CONNECTIONS} connections per target pausing ${PACE_MS} ms between requests, all targets at once, ${LATENCY_ROUNDS} rounds, medians (added = median of each round's difference to direct) [targets, nftables: >= 0.9x direct throughput, <= +1 ms p99]`,
  ];
  for (const mode of ['nftables', 'userspace'] as const) {
    if (mode === 'nftables' && nftablesUnavailableReason()) {
      lines.push(`nftables mode: skipped (${nftablesUnavailableReason()})`);
      continue;
    }
    lines.push(...(await trafficOnce(mode, seconds)).map((l) => `  ${l}`));
  }
  return lines;
}
