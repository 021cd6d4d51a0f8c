// Jobs completed per second on simulated nodes (the batch part of issue #16): `k8ts up
// --foreground --no-node` as a child process, as the workloads bench runs it, with simulated
// nodes whose kubelets end a Job's pod after it ran its short while (kwok's pod-complete
// stage). This process creates 1,000 Jobs of one pod each and follows them through one informer
// until every Job is Complete: each completion is the Job controller's whole path (pod create,
// schedule, run, Succeeded, uncounted pod, finalizer removed, SuccessCriteriaMet, Complete).
// The peer, measured in the same run on the same cluster: a Deployment of as many replicas, to
// all Ready (its pods' path: ReplicaSet controller, scheduler, node, no ending).

import { pathToFileURL } from 'node:url';
import { getCondition } from '../src/api/conditions.js';
import type { KObject } from '../src/api/object.js';
import { waitFor } from '../src/testing/wait.js';
import { type Follower, follow } from './follow.js';
import { benchMain, benchTempDir, fmtInt, fmtS, inParallel, mib, percentile } from './util.js';
import { defaultServiceAccount, simulatedNodesReady, startCluster, timePeerDeployment } from './workloads.js';

const NS = 'default';
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs', namespace: NS };
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments', namespace: NS };

export interface BenchJobsOptions {
  jobs: number;
  nodes: number;
  store?: 'memory' | 'sqlite';
  /** Jobs created at once by this client (default 16). */
  concurrency?: number;
  budgetMs?: number;
}

function job(name: string): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: {
      template: {
        metadata: { labels: { bench: 'jobs' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'work', image: 'busybox', command: ['true'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
        },
      },
    },
  };
}

const complete = (j: KObject): boolean => getCondition(j, 'Complete')?.status === 'True';

export async function benchJobs(opts: BenchJobsOptions): Promise<string[]> {
  const store = opts.store ?? 'sqlite';
  const budgetMs = opts.budgetMs ?? 600_000;
  const lines: string[] = [
    `setup: \`k8ts up --foreground --no-node --store ${store}\` as a child process, ${fmtInt(opts.nodes)} simulated nodes (a Job's pod runs 500 ms, then Succeeded); this process is only its client`,
  ];
  const tmp = benchTempDir('jobs');
  const cluster = await startCluster(tmp.dir, store);
  const { client } = cluster;
  let jobs: Follower | undefined;
  try {
    await defaultServiceAccount(client);
    await simulatedNodesReady(client, opts.nodes);

    // The peer: a Deployment of as many replicas, create to all Ready.
    const peerMs = await timePeerDeployment(
      client,
      opts.jobs,
      { name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } },
      'readyReplicas',
      { timeoutMs: budgetMs, intervalMs: 250 },
    );
    const peerRate = (opts.jobs / peerMs) * 1000;
    // Its pods go before the Jobs start, so that both runs have the nodes to themselves.
    await client.delete({ ...DEPLOYMENTS, name: 'bench-peer' }, { propagationPolicy: 'Background' });
    await waitFor(
      'the peer pods gone',
      async () => (await client.list({ group: '', version: 'v1', resource: 'pods', namespace: NS }, { limit: 1 })).items.length === 0,
      { timeoutMs: 120_000, intervalMs: 250 },
    );

    // One informer follows every Job to Complete (a dropped watch resumes: bench/follow.ts).
    const createdAt = new Map<string, number>();
    const doneAt = new Map<string, number>();
    const onJob = (j: KObject): void => {
      const name = j.metadata?.name;
      if (name && !doneAt.has(name) && complete(j)) doneAt.set(name, performance.now());
    };
    jobs = await follow(client, JOBS, { onAdd: onJob, onUpdate: (_old, j) => onJob(j) }, { what: "the bench's Job watch" });
    const t0 = performance.now();
    await inParallel(opts.jobs, opts.concurrency ?? 16, async (i) => {
      const name = `bench-job-${i}`;
      createdAt.set(name, performance.now());
      await client.create(JOBS, job(name));
    });
    const createdMs = performance.now() - t0;
    await waitFor(`${opts.jobs} Jobs Complete`, () => doneAt.size >= opts.jobs, { timeoutMs: budgetMs, intervalMs: 100 });
    const allMs = Math.max(...doneAt.values()) - t0;
    const latencies = [...doneAt].map(([n, t]) => t - createdAt.get(n)!);
    const jobRate = (opts.jobs / allMs) * 1000;
    lines.push(
      `${fmtInt(opts.jobs)} Jobs created in ${fmtS(createdMs)} (${opts.concurrency ?? 16} at a time); all Complete ${fmtS(allMs)} after the first create`,
    );
    lines.push(
      `Jobs completed per second: ${jobRate.toFixed(1)}/s   (peer, same run: a ${fmtInt(opts.jobs)}-replica Deployment, create to all Ready: ${fmtS(peerMs)}, ${peerRate.toFixed(1)} pods Ready/s; ratio ${(jobRate / peerRate).toFixed(2)}x)`,
    );
    lines.push(
      `per Job, create to Complete: p50 ${fmtS(percentile(latencies, 50))}, p99 ${fmtS(percentile(latencies, 99))} (the job controller batches pod events 1 s, as kube-controller-manager's syncJobBatchPeriod)`,
    );
    if (jobs.note()) lines.push(`NOTE: ${jobs.note()}`);
    const m = await cluster.memory();
    lines.push(`control plane after: RSS ${mib(m.rss)} (peak ${mib(m.hwm)}), V8 heap used ${mib(m.heapUsed)} after a full GC`);
    return lines;
  } finally {
    await jobs?.stop();
    await cluster.stop();
    await tmp.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMain(() => benchJobs({ jobs: Number(process.argv[2] ?? 1000), nodes: Number(process.argv[3] ?? 50) }));
}
