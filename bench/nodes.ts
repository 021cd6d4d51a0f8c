// Simulated-node figures: how long N kwok-like nodes take to register, what their heartbeats
// cost in steady state (with the node lifecycle controller watching them), how fast their
// "kubelets" bring pods bound to them to Running, and the memory of the whole process (API
// server on the memory store, controllers and simulated nodes share it).

import { pathToFileURL } from 'node:url';
import { Limiter } from '../src/client/flowcontrol.js';
import { SharedInformerFactory } from '../src/client/informer.js';
import { NodeLifecycleController } from '../src/controllers/nodelifecycle.js';
import { SimulatedNodes } from '../src/node/simulated.js';
import { startTestControlPlane } from '../src/testing/controlplane.js';
import { waitFor } from '../src/testing/wait.js';
import { benchMain } from './util.js';

export interface BenchNodesOptions {
  nodes: number;
  /** Pods bound to every node after registration (0: none). */
  podsPerNode?: number;
  /** The steady-state window, ms (default 20 s: two lease renewals per node). */
  steadyMs?: number;
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function benchSimulatedNodes(opts: BenchNodesOptions): Promise<string[]> {
  const n = opts.nodes;
  const podsPerNode = opts.podsPerNode ?? 0;
  const steadyMs = opts.steadyMs ?? 20_000;
  const lines: string[] = [];
  const cp = await startTestControlPlane();
  const kcm = cp.newClient('kube-controller-manager');
  const kcmFactory = new SharedInformerFactory(kcm);
  const nlc = new NodeLifecycleController(kcm, kcmFactory);
  const simClient = cp.newClient('kwok');
  const simFactory = new SharedInformerFactory(simClient);
  const sim = new SimulatedNodes(simClient, simFactory, { heartbeatMs: 10_000, readyDelayMs: 0 });
  let progress: NodeJS.Timeout | undefined;
  try {
    kcmFactory.start();
    simFactory.start();
    await Promise.all([kcmFactory.waitForCacheSync(30_000), simFactory.waitForCacheSync(30_000)]);
    nlc.start();
    sim.start();
    global.gc?.();
    const rss0 = process.memoryUsage().rss;

    let t = performance.now();
    progress = process.env.K8TS_BENCH_PROGRESS
      ? setInterval(
          () =>
            console.error(
              `${((performance.now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(sim.writes)} rss ${mib(process.memoryUsage().rss)}`,
            ),
          1000,
        )
      : undefined;
    const names = await sim.add(n);
    const regMs = performance.now() - t;
    lines.push(
      `simulated nodes: ${names.length} registered (Node + Lease each) in ${secs(regMs)} (${Math.round((names.length / regMs) * 1000)}/s)`,
    );

    // Steady state: only heartbeats (leases every 10 s, spread) and the lifecycle controller's checks.
    const leases0 = sim.writes.leases;
    const cpu0 = process.cpuUsage();
    t = performance.now();
    await new Promise((r) => setTimeout(r, steadyMs));
    const wall = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    const renewals = sim.writes.leases - leases0;
    lines.push(
      `steady state, ${n} nodes: ${(renewals / (wall / 1000)).toFixed(0)} lease renewals/s, process CPU ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(1)}% of one core (API server + node lifecycle controller + simulated kubelets)`,
    );
    global.gc?.();
    lines.push(
      `memory, ${n} nodes: process RSS ${mib(process.memoryUsage().rss)} (${mib(process.memoryUsage().rss - rss0)} over the empty control plane), heap used ${mib(process.memoryUsage().heapUsed)}`,
    );

    if (podsPerNode > 0) {
      const total = n * podsPerNode;
      const pods = simFactory.informerFor({ group: '', version: 'v1', resource: 'pods' });
      const creator = cp.newClient('bench');
      const limiter = new Limiter(64);
      t = performance.now();
      let created = 0;
      if (progress) {
        clearInterval(progress);
        progress = setInterval(
          () =>
            console.error(
              `${((performance.now() - t) / 1000).toFixed(1)} s: ${created} pods created, ${JSON.stringify(sim.writes)} rss ${mib(process.memoryUsage().rss)}`,
            ),
          2000,
        );
      }
      await Promise.all(
        Array.from({ length: total }, (_, i) =>
          limiter.run(() =>
            creator
              .create(
                { group: '', version: 'v1', resource: 'pods', namespace: 'default' },
                {
                  apiVersion: 'v1',
                  kind: 'Pod',
                  metadata: { name: `bench-${i}`, namespace: 'default', labels: { app: 'bench' } },
                  spec: { nodeName: names[i % names.length], containers: [{ name: 'app', image: 'nginx:1.27' }] },
                },
              )
              .then(() => {
                created++;
              }),
          ),
        ),
      );
      const createMs = performance.now() - t;
      await waitFor('pods running', () => sim.writes.podStatus >= total, 600_000);
      const runMs = performance.now() - t;
      const running = pods.list().filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running').length;
      lines.push(
        `pods: ${total} created (bound) in ${secs(createMs)}; all ${total} Running+Ready ${secs(runMs)} after the first create (${running} seen Running in the cache at that moment)`,
      );
      global.gc?.();
      lines.push(
        `memory, ${n} nodes + ${total} pods: process RSS ${mib(process.memoryUsage().rss)}, heap used ${mib(process.memoryUsage().heapUsed)}`,
      );
      creator.close();
    }
    return lines;
  } finally {
    clearInterval(progress);
    await sim.stop();
    await nlc.stop();
    await Promise.all([kcmFactory.stop(), simFactory.stop()]);
    await cp.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const nodes = Number(process.argv[2] ?? 1000);
  const podsPerNode = Number(process.argv[3] ?? 30);
  await benchMain(() => benchSimulatedNodes({ nodes, podsPerNode }));
}
