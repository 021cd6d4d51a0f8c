// A StatefulSet of 50 to Ready in order on simulated nodes (the apps part of issue #16): `k8ts up
// --foreground --no-node` as a child process, as the workloads bench runs it, with simulated
// nodes whose kubelets report a bound pod Running and Ready 500 ms after they see it (kwok-like).
// This process creates the StatefulSet (OrderedReady: pod i+1 is created only once pod i is
// Running and Ready) and follows its pods through one informer: the time from create to the 50th
// pod Ready, that the pods became Ready in ordinal order, and the step between one pod's
// readiness and the next one's (the controller's sync, the scheduler's bind and the simulated
// start, the 500 ms of it being the node's). Then the same with a local-path claim template (the
// PV controller, provisioner and VolumeBinding in each step), and a Parallel StatefulSet of 50
// as the peer in the same run. benchDaemonSet: a DaemonSet on 100 simulated nodes to all Ready,
// and a rolling update of it (maxUnavailable 10%) to all updated and available.

import { pathToFileURL } from 'node:url';
import { isPodReady } from '../src/api/conditions.js';
import type { KObject } from '../src/api/object.js';
import { DAEMONSETS, PODS, STATEFULSETS } from '../src/api/types.js';
import { waitFor } from '../src/testing/wait.js';
import { type Follower, follow } from './follow.js';
import { benchMain, benchTempDir, fmtInt, fmtS, mib, percentile } from './util.js';
import { defaultServiceAccount, simulatedNodesReady, startCluster, timePeerDeployment } from './workloads.js';

const NS = 'default';

export interface BenchStatefulSetOptions {
  replicas: number;
  nodes: number;
  store?: 'memory' | 'sqlite';
  budgetMs?: number;
}

function statefulSet(name: string, replicas: number, policy: 'OrderedReady' | 'Parallel', claims: boolean): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      serviceName: name,
      podManagementPolicy: policy,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'db',
              image: 'busybox',
              command: ['sleep', '3600'],
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
              ...(claims ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
            },
          ],
        },
      },
      ...(claims
        ? {
            volumeClaimTemplates: [
              { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } },
            ],
          }
        : {}),
    },
  };
}

export async function benchStatefulSet(opts: BenchStatefulSetOptions): Promise<string[]> {
  const store = opts.store ?? 'sqlite';
  const budgetMs = opts.budgetMs ?? 300_000;
  const lines: string[] = [
    `setup: \`k8ts up --foreground --no-node --store ${store}\` as a child process, ${fmtInt(opts.nodes)} simulated nodes (a bound pod turns Running and Ready 500 ms after its node sees it); this process is only its client`,
  ];
  const tmp = benchTempDir('statefulset');
  const cluster = await startCluster(tmp.dir, store);
  const { client } = cluster;
  let pods: Follower | undefined;
  try {
    await defaultServiceAccount(client);
    await simulatedNodesReady(client, opts.nodes);

    // One informer on the namespace's pods records when each pod first turned Ready (a dropped
    // watch resumes: bench/follow.ts).
    const readyAt = new Map<string, number>();
    const onPod = (p: KObject): void => {
      const name = p.metadata?.name;
      if (name && !readyAt.has(name) && isPodReady(p)) readyAt.set(name, performance.now());
    };
    pods = await follow(
      client,
      { ...PODS, namespace: NS },
      { onAdd: onPod, onUpdate: (_old, p) => onPod(p) },
      { what: "the bench's pod watch" },
    );

    const run = async (name: string, policy: 'OrderedReady' | 'Parallel', claims: boolean) => {
      const t0 = performance.now();
      await client.create({ ...STATEFULSETS, namespace: NS }, statefulSet(name, opts.replicas, policy, claims));
      const names = Array.from({ length: opts.replicas }, (_, i) => `${name}-${i}`);
      await waitFor(`${name}: ${opts.replicas} pods Ready`, () => names.every((n) => readyAt.has(n)), {
        timeoutMs: budgetMs,
        intervalMs: 50,
      });
      const times = names.map((n) => readyAt.get(n)! - t0);
      const inOrder = times.every((t, i) => i === 0 || t >= times[i - 1]);
      const steps = times.slice(1).map((t, i) => t - times[i]);
      return { totalMs: Math.max(...times), firstMs: times[0], inOrder, steps };
    };

    const ordered = await run('bench-ordered', 'OrderedReady', false);
    lines.push(
      `StatefulSet of ${opts.replicas}, OrderedReady, to all Ready: ${fmtS(ordered.totalMs)}   (pods Ready in ordinal order: ${ordered.inOrder ? 'yes' : 'NO'}; first pod ${fmtS(ordered.firstMs)})`,
    );
    lines.push(
      `  step from pod i Ready to pod i+1 Ready: p50 ${fmtS(percentile(ordered.steps, 50))}, p99 ${fmtS(percentile(ordered.steps, 99))} (of which 500 ms is the simulated container start)`,
    );
    const withClaims = await run('bench-claims', 'OrderedReady', true);
    lines.push(
      `the same with a local-path volumeClaimTemplate (${opts.replicas} claims provisioned and bound one by one): ${fmtS(withClaims.totalMs)}   (in order: ${withClaims.inOrder ? 'yes' : 'NO'}; step p50 ${fmtS(percentile(withClaims.steps, 50))}, p99 ${fmtS(percentile(withClaims.steps, 99))})`,
    );
    const parallel = await run('bench-parallel', 'Parallel', false);
    lines.push(
      `peer, same run: a Parallel StatefulSet of ${opts.replicas} to all Ready: ${fmtS(parallel.totalMs)} (ratio OrderedReady/Parallel ${(ordered.totalMs / parallel.totalMs).toFixed(1)}x)`,
    );
    if (pods.note()) lines.push(`NOTE: ${pods.note()}`);
    const m = await cluster.memory();
    lines.push(`control plane after: RSS ${mib(m.rss)} (peak ${mib(m.hwm)}), V8 heap used ${mib(m.heapUsed)} after a full GC`);
    return lines;
  } finally {
    await pods?.stop();
    await cluster.stop();
    await tmp.remove();
  }
}

export async function benchDaemonSet(opts: { nodes: number; store?: 'memory' | 'sqlite'; budgetMs?: number }): Promise<string[]> {
  const store = opts.store ?? 'sqlite';
  const budgetMs = opts.budgetMs ?? 300_000;
  const lines: string[] = [
    `setup: \`k8ts up --foreground --no-node --store ${store}\` as a child process, ${fmtInt(opts.nodes)} simulated nodes; this process is only its client`,
  ];
  const tmp = benchTempDir('daemonset');
  const cluster = await startCluster(tmp.dir, store);
  const { client } = cluster;
  try {
    await simulatedNodesReady(client, opts.nodes);
    const ref = { ...DAEMONSETS, namespace: NS, name: 'bench-agent' };
    type DsStatus = {
      observedGeneration?: number;
      desiredNumberScheduled?: number;
      updatedNumberScheduled?: number;
      numberAvailable?: number;
    };
    const done = async () => {
      const ds = await client.get(ref);
      const st = (ds.status ?? {}) as DsStatus;
      return (
        (st.observedGeneration ?? 0) >= (ds.metadata.generation ?? 1) &&
        st.desiredNumberScheduled === opts.nodes &&
        st.updatedNumberScheduled === opts.nodes &&
        st.numberAvailable === opts.nodes
      );
    };
    const t0 = performance.now();
    await client.create(
      { ...DAEMONSETS, namespace: NS },
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'bench-agent', namespace: NS },
        spec: {
          selector: { matchLabels: { app: 'bench-agent' } },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
          template: {
            metadata: { labels: { app: 'bench-agent' } },
            spec: {
              containers: [
                { name: 'agent', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } },
              ],
            },
          },
        },
      },
    );
    await waitFor('the DaemonSet available on every node', done, { timeoutMs: budgetMs, intervalMs: 100 });
    const createMs = performance.now() - t0;
    const t1 = performance.now();
    await client.patch(
      ref,
      { spec: { template: { spec: { containers: [{ name: 'agent', env: [{ name: 'ROUND', value: '2' }] }] } } } },
      'strategic',
    );
    await waitFor('the rolling update done', done, { timeoutMs: budgetMs, intervalMs: 100 });
    const rollMs = performance.now() - t1;
    // The peer, same run: a Deployment of as many replicas, create to all available.
    const peerMs = await timePeerDeployment(
      client,
      opts.nodes,
      { name: 'web', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } },
      'availableReplicas',
      { timeoutMs: budgetMs, intervalMs: 100 },
    );
    lines.push(
      `DaemonSet on ${fmtInt(opts.nodes)} nodes, create to a pod available on every node: ${fmtS(createMs)}   (peer, same run: a ${fmtInt(opts.nodes)}-replica Deployment to all available: ${fmtS(peerMs)})`,
    );
    lines.push(
      `rolling update (maxUnavailable 10%: ${Math.ceil(opts.nodes / 10)} nodes at a time) to all updated and available: ${fmtS(rollMs)}`,
    );
    const m = await cluster.memory();
    lines.push(`control plane after: RSS ${mib(m.rss)} (peak ${mib(m.hwm)}), V8 heap used ${mib(m.heapUsed)} after a full GC`);
    return lines;
  } finally {
    await cluster.stop();
    await tmp.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMain(() => benchStatefulSet({ replicas: Number(process.argv[2] ?? 50), nodes: Number(process.argv[3] ?? 10) }));
}
