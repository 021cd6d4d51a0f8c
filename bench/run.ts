// `npm run bench`: every figure the issues ask for, in one run, one section per issue, each
// with its unit and target. Sections print as they finish; one that fails says so and the
// rest still run. Everything a bench starts is undone at the end, also on failure or Ctrl-C.
//
// Environment:
//   K8TS_BENCH_SCALE=full   workloads at 5,000 nodes / 150,000 pods and no time budgets
//                           (default: 1,000 / 30,000 within a budget, memory extrapolated)
//   K8TS_BENCH_ONLY=a,b     run only these sections: up, store, etcd, workloads, jobs, statefulset, daemonset, crds, node, oci, images, dns, proxy, multinode
//   K8TS_BENCH_STORE=memory the store of the workloads' `k8ts up` (default sqlite, as `k8ts up`)
//   K8TS_BENCH_PROGRESS=1   progress lines on stderr
//   K8TS_BENCH_CPU_PROFILE=F.cpuprofile   the workloads' control plane profiled while the big Deployment runs
//   K8TS_BENCH_PODS=direct  the workloads' pods made by the bench with spec.nodeName set (no scheduler): memory at full size in minutes
//   K8TS_BENCH_BUDGET_S=S     at full scale, the time the big workload may take (default 3 h); past it the figures are taken where it got
//   K8TS_BENCH_HEAP_PROFILE=F.heapprofile  the workloads' control plane's live heap by allocation site (V8 sampling, from empty to the end)
//   K8TS_BENCH_HEAP_PROFILE_ALL=1  with K8TS_BENCH_HEAP_PROFILE: every sampled allocation, collected or not (who allocates, not who holds)

import os from 'node:os';
import { benchApi } from './api.js';
import { benchCRDs } from './crds.js';
import { benchDNS } from './dns.js';
import { benchEtcdHA } from './etcdha.js';
import { benchImages } from './images.js';
import { benchJobs } from './jobs.js';
import { benchMultiNode } from './multinode.js';
import { benchOciStart } from './ocistart.js';
import { benchProxySync, benchProxyTraffic } from './proxy.js';
import { benchRealNode } from './realnode.js';
import { benchDaemonSet, benchStatefulSet } from './statefulset.js';
import { benchStores } from './store.js';
import { benchUp } from './up.js';
import { cleanUpOnSignals, cleanup, fmtS, section } from './util.js';
import { benchWorkloads } from './workloads.js';

const full = process.env.K8TS_BENCH_SCALE === 'full';
const only = new Set(
  (process.env.K8TS_BENCH_ONLY ?? 'up,store,etcd,workloads,jobs,statefulset,crds,node,oci,images,dns,proxy,multinode')
    .split(',')
    .map((s) => s.trim()),
);
const workloadStore = process.env.K8TS_BENCH_STORE === 'memory' ? 'memory' : 'sqlite';

interface Section {
  key: string;
  title: string;
  run: () => Promise<string[]>;
}

const sections: Section[] = [
  {
    key: 'up',
    title: 'Start-up (performance issue #13): `k8ts up` to ready',
    run: () => benchUp(),
  },
  {
    key: 'store',
    title: 'Store and API (control-plane issue): 10,000 objects',
    run: async () => [
      'store level (bench/store.ts: the Store interface directly, ~1.3 KiB pod JSON):',
      ...(await benchStores()).map((l) => `  ${l}`),
      'through the HTTPS API (ApiServer alone in a child process, on 127.0.0.1, ~1.1 KiB ConfigMaps; each target beside its peer from the same run):',
      ...(await benchApi()).map((l) => `  ${l}`),
    ],
  },
  {
    key: 'etcd',
    title: "Several API servers on one etcd (#15): creates/s next to the same etcd's raw put rate, watch latency across servers",
    run: () => benchEtcdHA(),
  },
  {
    key: 'workloads',
    title: `Workloads (controllers issue): ${full ? '5,000 simulated nodes, 150,000 pods' : '1,000 simulated nodes, 30,000 pods'}`,
    run: () =>
      benchWorkloads(
        full
          ? {
              nodes: 5_000,
              pods: 150_000,
              deployments: 5,
              store: workloadStore,
              budgetMs: Number(process.env.K8TS_BENCH_BUDGET_S ?? 3 * 3600) * 1000,
              stallMs: 120_000,
              warmupReplicas: process.env.K8TS_BENCH_PODS === 'direct' ? 0 : 1_000,
              placement: process.env.K8TS_BENCH_PODS === 'direct' ? 'direct' : 'deployment',
            }
          : { nodes: 1_000, pods: 30_000, deployments: 1, store: workloadStore, budgetMs: 180_000, warmupReplicas: 1_000 },
      ),
  },
  {
    key: 'jobs',
    title: 'Jobs (batch, issue #16): 1,000 Jobs of one short pod on 50 simulated nodes',
    run: () => benchJobs({ jobs: 1_000, nodes: 50, store: workloadStore }),
  },
  {
    key: 'statefulset',
    title: 'StatefulSet (apps, issue #16): 50 replicas Ready in order on 10 simulated nodes',
    run: () => benchStatefulSet({ replicas: 50, nodes: 10, store: workloadStore }),
  },
  {
    key: 'daemonset',
    title: 'DaemonSet (apps, issue #16): one pod on each of 100 simulated nodes, then a rolling update',
    run: () => benchDaemonSet({ nodes: 100, store: workloadStore }),
  },
  {
    key: 'crds',
    title: 'Custom resources (issue #17): a CRD-served kind next to ConfigMaps, one in-process API server',
    run: () => benchCRDs(),
  },
  {
    key: 'node',
    title: 'Node (node-agent issue): a real node on this machine',
    run: () =>
      benchRealNode(
        full
          ? { pods: 100, replicas: 50 }
          : { pods: 100, replicas: 50, latencyBudgetMs: 90_000, burstTimeoutMs: 60_000, scaleTimeoutMs: 60_000 },
      ),
  },
  {
    key: 'oci',
    title: 'Containers (real-containers issue): the OCI runtime next to the process runtime',
    run: () => benchOciStart(full ? 100 : 30),
  },
  {
    key: 'dns',
    title: "Cluster DNS (services issue #9): the node's DNS server, 1,000 services",
    run: () => benchDNS(),
  },
  {
    key: 'proxy',
    title:
      'Service proxy (services issue #9): sync at 1,000 services x 10 endpoints; traffic through ClusterIP and NodePort next to direct',
    run: async () => [...(await benchProxySync()), ...(await benchProxyTraffic())],
  },
  {
    key: 'multinode',
    title: 'Several nodes (issue #15): pod-to-pod throughput across nodes next to within a node, three agents in network namespaces',
    run: () => benchMultiNode(),
  },
  {
    key: 'images',
    title: 'Images (real containers issue, image side): pull and unpack throughput',
    run: () => benchImages(),
  },
];

cleanUpOnSignals();

const started = performance.now();
console.log(
  `k8ts bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`scale: ${full ? 'full (K8TS_BENCH_SCALE=full)' : 'default (K8TS_BENCH_SCALE=full for 5,000 nodes / 150,000 pods)'}`);
let failed = 0;
for (const s of sections) {
  if (!only.has(s.key)) continue;
  const t = performance.now();
  try {
    const lines = await s.run();
    console.log(section(s.title, [...lines, `(section took ${fmtS(performance.now() - t)})`]));
  } catch (e) {
    failed++;
    console.log(section(s.title, [`FAILED after ${fmtS(performance.now() - t)}: ${(e as Error)?.stack ?? String(e)}`]));
  } finally {
    // Whatever the section left behind (it normally undoes its own), before the next one starts.
    await cleanup.runAll();
  }
}
console.log(
  `\nbench finished in ${fmtS(performance.now() - started)}${failed ? `, ${failed} section(s) FAILED` : ''}; load average now ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
process.exit(failed ? 1 : 0);
