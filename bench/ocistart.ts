// Pod start latency with the OCI runtime next to the process runtime, in the same run: for each
// runtime, `k8ts up`'s control plane (memory store) with a node of this machine in this process,
// then pods of one busybox image (a busybox-static root filesystem the bench builds and imports)
// created one at a time, each timed from create to Ready as a watching client sees it.
// Linux, root, an OCI runtime and busybox-static only; elsewhere the section says why it skipped.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KObject } from '../src/api/object.js';
import { RestClient } from '../src/client/rest.js';
import { startControlPlane } from '../src/cluster/controlplane.js';
import type { RuntimeChoice } from '../src/cluster/node.js';
import { LocalImageStore } from '../src/node/runtime/images.js';
import { ociUnavailableReason } from '../src/node/runtime/oci/runtime.js';
import { buildBusyboxRootfs, busyboxBinary } from '../src/node/runtime/oci/testing.js';
import { waitFor } from '../src/testing/wait.js';
import { type Follower, follow } from './follow.js';
import { benchTempDir, cleanup, fileLog, fmtMs, percentile } from './util.js';

const NS = 'default';
const PODS = { group: '', version: 'v1', resource: 'pods', namespace: NS };
const IMAGE = 'k8ts.bench/busybox:1';

function isReady(p: KObject): boolean {
  const conds = (p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conds?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Proportional memory (Pss, KiB) of a process tree, leaving out the container's own `sleep`. */
function treePss(pid: number): number {
  let total = 0;
  const comm = (() => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  })();
  if (comm && comm !== 'sleep') {
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    /* none */
  }
  for (const c of children) total += treePss(Number(c));
  return total;
}

/** The average memory each container's supervision costs (shim and runtime processes, not the container's process). */
function perContainerOverhead(stateDir: string): number | undefined {
  const sums: number[] = [];
  for (const sub of ['oci', 'containers']) {
    let ids: string[] = [];
    try {
      ids = readdirSync(join(stateDir, sub));
    } catch {
      continue;
    }
    for (const id of ids) {
      try {
        sums.push(treePss(Number(readFileSync(join(stateDir, sub, id, 'shim'), 'utf8').split(' ')[0])));
      } catch {
        /* not started */
      }
    }
  }
  return sums.length ? sums.reduce((a, b) => a + b, 0) / sums.length : undefined;
}

async function startLatencies(
  runtime: RuntimeChoice,
  pods: number,
  imageDir: string,
  n: number,
): Promise<{ latencies: number[]; overheadKiB?: number; note: string }> {
  const tmp = benchTempDir(`start-${runtime}`);
  const dataDir = join(tmp.dir, 'data');
  await new LocalImageStore({ dir: join(dataDir, 'node', 'images') }).importImage(imageDir, IMAGE);
  const logFile = join(tmp.dir, 'control-plane.log');
  const cp = await startControlPlane({
    dataDir,
    port: 0,
    store: 'memory',
    node: true,
    runtime,
    nodeName: `k8ts-bench-${runtime}`,
    bridgeName: `k8tsb${runtime.slice(0, 3)}${n}`,
    podCIDR: `10.253.${n}.0/24`,
    log: fileLog(logFile, false),
  });
  const stopCp = cleanup.add(`${runtime} control plane`, () => cp.stop());
  const client = new RestClient({ server: cp.url, token: cp.token, caData: cp.caPEM, userAgent: 'k8ts-bench' });
  let podWatch: Follower | undefined;
  try {
    await waitFor(
      'the node to be Ready',
      async () => {
        try {
          await client.get({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: NS, name: 'default' });
          return isReady(await client.get({ group: '', version: 'v1', resource: 'nodes', name: `k8ts-bench-${runtime}` }));
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const readyAt = new Map<string, number>();
    // An informer (bench/follow.ts): a watch the server drops resumes, where a bare one
    // swallowed the error and left every later pod to wait out its 60 s.
    const onPod = (p: KObject): void => {
      if (isReady(p) && !readyAt.has(p.metadata.name!)) readyAt.set(p.metadata.name!, performance.now());
    };
    podWatch = await follow(client, PODS, { onAdd: onPod, onUpdate: (_old, p) => onPod(p) }, { what: `the ${runtime} bench's pod watch` });
    const out: number[] = [];
    for (let i = 0; i < pods; i++) {
      const name = `start-${i}`;
      const t = performance.now();
      await client.create(PODS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: NS },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] },
      });
      await waitFor(`pod ${name} Ready`, () => readyAt.has(name), { timeoutMs: 60_000, intervalMs: 5 });
      out.push(readyAt.get(name)! - t);
    }
    return { latencies: out, overheadKiB: perContainerOverhead(join(dataDir, 'node', 'runtime')), note: podWatch.note() };
  } finally {
    await podWatch?.stop();
    client.close();
    await stopCp();
    await tmp.remove();
  }
}

export async function benchOciStart(pods = 30): Promise<string[]> {
  const why = ociUnavailableReason() ?? (busyboxBinary() ? undefined : 'busybox-static is not installed');
  if (why) return [`skipped: ${why}`];
  const img = benchTempDir('oci-image');
  try {
    buildBusyboxRootfs(join(img.dir, 'rootfs'));
    writeFileSync(join(img.dir, 'image.json'), JSON.stringify({ repoTags: [IMAGE], cmd: ['sh'], env: ['PATH=/bin'], workingDir: '/' }));
    const procRun = await startLatencies('process', pods, img.dir, 1);
    const ociRun = await startLatencies('oci', pods, img.dir, 2);
    const proc = procRun.latencies;
    const oci = ociRun.latencies;
    const p = (xs: number[], q: number) => percentile(xs, q);
    const kib = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v / 1024).toFixed(1)} MiB`);
    return [
      `pod start latency (create -> Ready seen by a watch), ${pods} pods of one busybox image created one at a time, same run:`,
      `  process runtime: p50 ${fmtMs(p(proc, 50))}, p99 ${fmtMs(p(proc, 99))}`,
      `  OCI runtime:     p50 ${fmtMs(p(oci, 50))}, p99 ${fmtMs(p(oci, 99))}`,
      `  ratio OCI / process: p50 ${(p(oci, 50) / p(proc, 50)).toFixed(2)}x, p99 ${(p(oci, 99) / p(proc, 99)).toFixed(2)}x`,
      `memory each running container's supervision costs (Pss of its shim's process tree, the container's own process left out):`,
      `  process runtime ${kib(procRun.overheadKiB)}, OCI runtime ${kib(ociRun.overheadKiB)}` +
        (procRun.overheadKiB && ociRun.overheadKiB ? `, ratio ${(ociRun.overheadKiB / procRun.overheadKiB).toFixed(2)}x` : ''),
      ...[procRun.note, ociRun.note].filter(Boolean).map((n) => `NOTE: ${n}`),
    ];
  } finally {
    await img.remove();
  }
}
