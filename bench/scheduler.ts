// Scheduler throughput: an in-process API server (memory store), N nodes, the scheduler, then P
// pods with small requests created through the API in parallel batches. The pods belong to a
// ReplicaSet, as a Deployment's do, so the default PodTopologySpread constraints spread them by
// its selector (the scoring that costs most per pod). The figure is pods bound per second, from
// the first create to the last binding seen through a watch.

import { pathToFileURL } from 'node:url';
import promClient from 'prom-client';
import { NODES, type Pod } from '../src/api/types.js';
import { SharedInformerFactory } from '../src/client/informer.js';
import { makeNode, podForCreate } from '../src/scheduler/fixtures.js';
import { ALGORITHM_DURATION } from '../src/scheduler/metrics.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { startTestControlPlane } from '../src/testing/controlplane.js';
import { benchMain } from './util.js';

const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
const REPLICASETS = { group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'default' };
/** Creates in flight at once (a client such as a ReplicaSet controller with a high QPS). */
const CREATE_CONCURRENCY = 64;
/** No new binding for this long ends the run as a failure. */
const STALL_MS = 15_000;

async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;

export async function benchScheduler(opts: { nodes: number; pods: number }): Promise<string[]> {
  const cp = await startTestControlPlane();
  const schedClient = cp.newClient('kube-scheduler');
  const factory = new SharedInformerFactory(schedClient);
  const watchClient = cp.newClient('bench-watch');
  const watchFactory = new SharedInformerFactory(watchClient);
  let scheduler: Scheduler | undefined;
  try {
    // The owner the pods name: the scheduler reads its selector to spread them (no controller runs here).
    const rs = await cp.client.create(REPLICASETS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'bench', namespace: 'default' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'bench' } },
        template: { metadata: { labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    const owner = { kind: 'ReplicaSet', name: 'bench', uid: rs.metadata.uid! };
    await inParallel(opts.nodes, CREATE_CONCURRENCY, (i) =>
      cp.client.create(NODES, makeNode(`node-${String(i).padStart(5, '0')}`, { cpu: '32', memory: '128Gi', pods: 110 })),
    );

    // Bindings are counted through a watch, as a client of the API would see them.
    let bound = 0;
    let resolveAll!: () => void;
    const allBound = new Promise<void>((r) => {
      resolveAll = r;
    });
    const pods = watchFactory.informerFor<Pod>({ ...PODS });
    pods.addEventHandler({
      onUpdate: (o, n) => {
        if (!o.spec?.nodeName && n.spec?.nodeName && ++bound === opts.pods) resolveAll();
      },
    });
    watchFactory.start();
    await watchFactory.waitForCacheSync(30_000);

    scheduler = new Scheduler(schedClient, factory);
    factory.start();
    scheduler.start();
    await factory.waitForCacheSync(30_000);
    const lines: string[] = [];

    const t0 = performance.now();
    let createdAt = 0;
    const creating = inParallel(opts.pods, CREATE_CONCURRENCY, (i) =>
      cp.client.create(PODS, podForCreate(`pod-${i}`, { cpu: '10m', memory: '16Mi', labels: { app: 'bench' }, owner })),
    ).then(() => {
      createdAt = performance.now() - t0;
    });
    // A scheduler (or API server) that stops binding must not hang the benchmark.
    let lastBound = -1;
    let stallTimer: NodeJS.Timeout | undefined;
    const stalled = new Promise<void>((resolve) => {
      stallTimer = setInterval(() => {
        if (bound === lastBound) resolve();
        lastBound = bound;
      }, STALL_MS);
    });
    await Promise.race([Promise.all([creating, allBound]), stalled]);
    clearInterval(stallTimer);
    const ms = performance.now() - t0;
    if (bound < opts.pods) {
      lines.push(
        `scheduler: only ${bound.toLocaleString('en-US')} of ${opts.pods.toLocaleString('en-US')} pods bound; no progress for ${STALL_MS / 1000} s (${scheduler.scheduledCount} scheduling decisions)`,
      );
      return lines;
    }
    lines.push(
      `scheduler: ${opts.pods.toLocaleString('en-US')} pods on ${opts.nodes.toLocaleString('en-US')} nodes bound in ${(ms / 1000).toFixed(2)} s: ${rate(opts.pods, ms)} (creates alone finished at ${rate(opts.pods, createdAt)})`,
    );
    // The algorithm's own time (filter and score, no API calls): the rate it alone would allow.
    const alg = (await promClient.register.getSingleMetric(ALGORITHM_DURATION)?.get())?.values ?? [];
    const sum = alg.find((v) => (v as { metricName?: string }).metricName === `${ALGORITHM_DURATION}_sum`)?.value ?? NaN;
    const count = alg.find((v) => (v as { metricName?: string }).metricName === `${ALGORITHM_DURATION}_count`)?.value ?? NaN;
    lines.push(
      `scheduler: the algorithm (filter + score) took ${((sum / count) * 1000).toFixed(3)} ms a pod on average over ${count.toLocaleString('en-US')} attempts: ${Math.round(count / sum).toLocaleString('en-US')} pods/s of the algorithm alone`,
    );
    return lines;
  } finally {
    await scheduler?.stop();
    await factory.stop();
    await watchFactory.stop();
    await cp.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const nodes = Number(process.argv[2] ?? 1000);
  const pods = Number(process.argv[3] ?? 10_000);
  await benchMain(() => benchScheduler({ nodes, pods }));
}
