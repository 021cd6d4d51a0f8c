// Pod-to-pod throughput across nodes next to within a node (#15), on real nodes: a control
// plane in this process (memory store, no node of its own) and three `k8ts agent`s in network
// namespaces (src/testing/netnodes.ts): nodes 1 and 2 share a link (host-gw routes), node 3 is
// on a subnet of its own behind a router (the VXLAN overlay). A sink pod on node 1 counts the
// bytes a client pod sends it for a few seconds over one TCP connection; clients run on node 1
// (same bridge), node 2 (host-gw) and node 3 (VXLAN), in rotated rounds, and the figures are
// medians with the ratio to within-node. Linux and root only.

import { join } from 'node:path';
import type { KObject } from '../src/api/object.js';
import { RestClient } from '../src/client/rest.js';
import { startControlPlane } from '../src/cluster/controlplane.js';
import { NetNodes } from '../src/testing/netnodes.js';
import { waitFor } from '../src/testing/wait.js';
import { benchTempDir, cleanup, median } from './util.js';

const NS = 'default';
const PODS = { group: '', version: 'v1', resource: 'pods', namespace: NS };
const IMAGE = 'gcr.io/google-samples/kubernetes-bootcamp:v1';

const SINK = `require('net').createServer(s=>{let n=0;s.on('data',d=>{n+=d.length});s.on('end',()=>s.end(String(n)))}).listen(9000)`;
/**
 * Sends 64 KiB writes for SECONDS, then leaves "bytes ms" (bytes as the sink counted them) as its
 * termination message: read from the pod's status, so the figure does not depend on the
 * streaming path to the node.
 */
const client = (ip: string, seconds: number) =>
  `const s=require('net').connect(9000,'${ip}',()=>{const b=Buffer.alloc(65536,120);const t=Date.now();const w=()=>{while(Date.now()-t<${seconds * 1000}){if(!s.write(b))return s.once('drain',w)}s.end();s.t=Date.now()-t};w()});let r='';s.on('data',d=>{r+=d});s.on('end',()=>{require('fs').writeFileSync('/dev/termination-log',r+' '+s.t);process.exit(0)});s.on('error',e=>{console.log('error '+e.message);process.exit(1)})`;

function phase(p: KObject): string {
  return (p.status as { phase?: string } | undefined)?.phase ?? '';
}

export async function benchMultiNode(opts: { seconds?: number; rounds?: number } = {}): Promise<string[]> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return ['skipped: needs root on Linux (network namespaces)'];
  const seconds = opts.seconds ?? 3;
  const rounds = opts.rounds ?? 3;
  const tmp = benchTempDir('multinode');
  const tag = 1 + ((process.pid + 97) % 250);
  const net = new NetNodes({ tag, shared: [true, true, false], dir: tmp.dir, prefix: `bench${tag}` });
  const removeNet = cleanup.add('multinode namespaces and agents', () => net.remove());
  net.make();
  const cp = await startControlPlane({
    dataDir: join(tmp.dir, 'data'),
    port: 0,
    store: 'memory',
    node: false,
    bindAddress: net.controlPlaneIP,
    advertiseAddress: net.controlPlaneIP,
    clusterCIDR: `10.${200 + (tag % 50)}.0.0/16`,
    log: () => undefined,
  });
  const stopCp = cleanup.add('multinode control plane', () => cp.stop());
  const api = new RestClient({ server: cp.url, token: cp.token, caData: cp.caPEM, userAgent: 'k8ts-bench' });
  const lines: string[] = [];
  try {
    // The control plane's token file and CA (the bench reads pods' status only, no logs or exec).
    const server = `https://${net.controlPlaneIP}:${new URL(cp.url).port}`;
    const joinArgs = [
      '--server',
      server,
      '--token-file',
      join(tmp.dir, 'data', 'token'),
      '--ca-file',
      join(tmp.dir, 'data', 'pki', 'ca.crt'),
    ];
    for (const n of net.nodes) net.startAgent(n, joinArgs);
    const pod = (name: string, node: string, script: string, restart: 'Always' | 'Never') =>
      api.create(PODS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: {
          nodeName: node,
          restartPolicy: restart,
          automountServiceAccountToken: false,
          containers: [{ name: 'c', image: IMAGE, command: ['node', '-e', script] }],
        },
      });
    await waitFor(
      'the service account and three nodes',
      async () => {
        try {
          await api.get({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: NS, name: 'default' });
          const nodes = (await api.list({ group: '', version: 'v1', resource: 'nodes' })).items;
          return nodes.length === 3;
        } catch {
          return false;
        }
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    await pod('sink', net.nodes[0].name, SINK, 'Always');
    const sinkIP = await waitFor(
      'the sink pod Running',
      async () => {
        const p = await api.get({ ...PODS, name: 'sink' });
        return phase(p) === 'Running' && (p.status as { podIP?: string }).podIP;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    const paths = [
      { label: 'within a node (same bridge)', node: net.nodes[0].name },
      { label: 'across nodes, host-gw route (shared link)', node: net.nodes[1].name },
      { label: 'across nodes, VXLAN overlay (routed subnet)', node: net.nodes[2].name },
    ];
    const results = new Map<string, number[]>();
    let k = 0;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < paths.length; i++) {
        const p = paths[(i + r) % paths.length];
        const name = `client-${k++}`;
        await pod(name, p.node, client(sinkIP, seconds), 'Never');
        const done = await waitFor(
          `${name} to finish`,
          async () => {
            const x = await api.get({ ...PODS, name });
            return phase(x) === 'Succeeded' || phase(x) === 'Failed' ? x : false;
          },
          { timeoutMs: 60_000 + seconds * 1000, intervalMs: 200 },
        );
        const log =
          (done.status as { containerStatuses?: { state?: { terminated?: { message?: string } } }[] }).containerStatuses?.[0]?.state
            ?.terminated?.message ?? '';
        const m = /^(\d+) (\d+)$/m.exec(log.trim());
        if (phase(done) !== 'Succeeded' || !m) throw new Error(`${p.label}: client failed: ${log}`);
        results.set(p.label, [...(results.get(p.label) ?? []), Number(m[1]) / 1024 / 1024 / (Number(m[2]) / 1000)]);
        await api.delete({ ...PODS, name }).catch(() => undefined);
      }
    }
    const base = median(results.get(paths[0].label)!);
    lines.push(`one TCP stream, ${seconds} s per run, median of ${rounds} rotated rounds (sink pod on node 1):`);
    for (const p of paths) {
      const v = median(results.get(p.label)!);
      lines.push(`  ${p.label.padEnd(46)} ${v.toFixed(0).padStart(6)} MiB/s  (${(v / base).toFixed(2)}x of within a node)`);
    }
  } finally {
    api.close();
    await removeNet();
    await stopCp();
    await tmp.remove();
  }
  return lines;
}
