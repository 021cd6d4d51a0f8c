// Several nodes over the network (#15): three `k8ts agent`s, each in a network namespace of its
// own made by this test, join one `k8ts up --no-node` control plane over TLS. Nodes 1 and 2
// share a link (a bridge in a "router" namespace), so the pod routes between them are host-gw;
// node 3 sits on another subnet behind the router, so pods reach it through the VXLAN overlay.
// The control plane runs in the root namespace and reaches the router over one more veth.
//
//   root (API server at A.1) --veth-- router (bridge lan: L.1/24; veth to node 3: R.1/24)
//                                        |-- node 1 (L.11)   |-- node 2 (L.12)   `-- node 3 (R.13)
//
// Checked: a 6-replica Deployment spreads over the three nodes; a pod curls pods on the other
// nodes by pod IP (their source address arrives unmasqueraded) and by Service name; kubectl exec
// and logs reach every node; a node whose link is cut goes NotReady, its pods are replaced
// elsewhere, and when the link is back its evicted pods are stopped, never Ready next to their
// replacements. Everything made here (namespaces, veths, processes, pods) is removed, pass or fail.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { inNetns, NetNodes } from '../../src/testing/netnodes.js';
import { CLI, isRoot, run, spawnKubectl, TestCluster } from './harness.js';

const skip = isRoot ? false : 'needs root on Linux (network namespaces)';
const T = 1 + (process.pid % 250);
const CLUSTER_CIDR = `10.${200 + (T % 50)}.0.0/16`;

const cluster = new TestCluster('multinode', 'sqlite');
// Nodes 1 and 2 share a link; node 3 is on a subnet of its own.
const net = new NetNodes({ tag: T, shared: [true, true, false], dir: cluster.dir, prefix: `mn${T}` });
const nodes = net.nodes;
const A1 = net.controlPlaneIP;

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
}

async function pods(selector: string): Promise<Pod[]> {
  return (JSON.parse(await cluster.k('get', 'pods', '-l', selector, '-o', 'json')) as { items: Pod[] }).items;
}
const ready = (p: Pod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * The pods whose bootcamp server (`node server.js`) runs on this host now, by the HOSTNAME the
 * node puts in every container's environment (the pod's name: names are unique, a replacement
 * has another).
 */
function runningPods(): Set<string> {
  const out = new Set<string>();
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server.js')) continue;
      const host = /(?:^|\0)HOSTNAME=([^\0]+)/.exec(fs.readFileSync(`/proc/${pid}/environ`, 'utf8'))?.[1];
      if (host) out.add(host);
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

before(async () => {
  if (skip) return;
  net.make();
  await cluster.up([
    '--no-node',
    '--bind-address',
    A1,
    '--advertise-address',
    A1,
    '--tls-san',
    'mn.k8ts.test',
    '--cluster-cidr',
    CLUSTER_CIDR,
    '--node-grace-period',
    '10',
  ]);
  // The join command the control plane prints (k8ts token create --print-join-command).
  const join = NetNodes.joinArgs(CLI, cluster.dataDir, `https://${A1}:${new URL(cluster.url).port}`, cluster.env());
  for (const n of nodes) net.startAgent(n, join, ['--node-lease-duration-seconds', '4']);
});

after(async () => {
  if (skip) return;
  await cluster.kubectl(['delete', 'deployment,service', '--all', '--wait=false']).catch(() => undefined);
  await net.remove();
  await cluster.stop();
});

test('three nodes in three network namespaces: spread, pod to pod across nodes, services, exec and logs', { skip }, async () => {
  try {
    // The serving certificate names the advertise address and the --tls-san.
    const cert = new X509Certificate(fs.readFileSync(path.join(cluster.dataDir, 'pki', 'apiserver.crt')));
    assert.match(cert.subjectAltName ?? '', /DNS:mn\.k8ts\.test/);
    assert.match(cert.subjectAltName ?? '', new RegExp(`IP Address:${A1.replace(/\./g, '\\.')}`));

    await cluster.waitFor(
      'three nodes Ready',
      async () => {
        const out = await cluster.k('get', 'nodes', '--no-headers');
        return nodes.every((n) => new RegExp(`^${n.name}\\s+Ready\\s`, 'm').test(out));
      },
      90_000,
    );
    // Each node got a block of the cluster CIDR from the node IPAM controller, and published its VTEP.
    const nodeObjs = JSON.parse(await cluster.k('get', 'nodes', '-o', 'json')).items as {
      metadata: { name: string; annotations?: Record<string, string> };
      spec: { podCIDR?: string };
    }[];
    const cidrs = new Map(nodeObjs.map((o) => [o.metadata.name, o.spec.podCIDR ?? '']));
    const prefix = CLUSTER_CIDR.split('.').slice(0, 2).join('.');
    for (const n of nodes) assert.match(cidrs.get(n.name) ?? '', new RegExp(`^${prefix.replace('.', '\\.')}\\.\\d+\\.0/24$`), n.name);
    assert.equal(new Set(cidrs.values()).size, cidrs.size, 'distinct podCIDRs');
    // Routes as the links allow: host-gw between 1 and 2, the overlay to and from 3.
    const routesOf = (n: (typeof nodes)[number]) => inNetns(n.ns, ['ip', 'route', 'show']);
    const c = (i: number) => cidrs.get(nodes[i].name)!;
    await cluster.waitFor(
      'routes on every node',
      () =>
        routesOf(nodes[0]).includes(`${c(1)} via ${nodes[1].ip}`) &&
        routesOf(nodes[1]).includes(`${c(0)} via ${nodes[0].ip}`) &&
        routesOf(nodes[0]).includes(`${c(2)} via ${c(2).split('/')[0]} dev ${nodes[0].bridge.slice(0, 11)}.vx onlink`) &&
        routesOf(nodes[2]).includes(`${c(0)} via ${c(0).split('/')[0]} dev ${nodes[2].bridge.slice(0, 11)}.vx onlink`),
      30_000,
    );

    await cluster.k('create', 'deployment', 'web', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=6', '--port=8080');
    await cluster.k('expose', 'deployment', 'web', '--port=80', '--target-port=8080');
    const placed = await cluster.waitFor(
      '6 web pods Ready',
      async () => {
        const ps = (await pods('app=web')).filter((p) => !p.metadata.deletionTimestamp);
        return ps.length === 6 && ps.every(ready) && ps;
      },
      180_000,
    );
    const byNode = new Map<string, Pod[]>();
    for (const p of placed) byNode.set(p.spec.nodeName!, [...(byNode.get(p.spec.nodeName!) ?? []), p]);
    assert.deepEqual([...byNode.keys()].sort(), nodes.map((n) => n.name).sort(), 'the Deployment spreads over the three nodes');

    // From a pod on each node: every other node's pods by IP, and the Service by name.
    for (const n of nodes) {
      const from = byNode.get(n.name)![0];
      for (const m of nodes) {
        if (m === n) continue;
        const to = byNode.get(m.name)![0];
        const out = await cluster.k('exec', from.metadata.name, '--', 'curl', '-sS', '-m', '5', `http://${to.status.podIP}:8080/`);
        assert.match(out, new RegExp(`Running on: ${to.metadata.name}`), `${n.name} -> ${m.name} by pod IP`);
      }
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < 3; i++) {
        const out = await cluster.k('exec', from.metadata.name, '--', 'curl', '-sS', '-m', '5', 'http://web.default.svc.cluster.local/');
        const who = /Running on: (\S+)/.exec(out)?.[1];
        if (who) seen.add(placed.find((p) => p.metadata.name === who)!.spec.nodeName!);
      }
      assert.equal(seen.size, 3, `the Service from ${n.name} reaches pods on every node (saw ${[...seen].join(', ')})`);
      // kubectl exec and logs reach the node.
      assert.match(await cluster.k('exec', from.metadata.name, '--', 'hostname'), new RegExp(`^${from.metadata.name}$`, 'm'));
      assert.match(await cluster.k('logs', from.metadata.name), /Kubernetes Bootcamp App Started At/);
      // And port-forward.
      const pf = spawnKubectl(cluster, ['port-forward', `pod/${from.metadata.name}`, ':8080']);
      try {
        const port = await cluster.waitFor('forwarding', async () => Number(/127\.0\.0\.1:(\d+) -> 8080/.exec(pf.output())?.[1] ?? 0));
        const r = await run('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}/`]);
        assert.match(r.stdout, new RegExp(`Running on: ${from.metadata.name}`), `port-forward to ${n.name}`);
      } finally {
        pf.stop();
      }
    }
    // Pod to pod across nodes keeps the pod's address (no masquerade): a listener on node 3 sees node 1's pod IP.
    const p1 = byNode.get(nodes[0].name)![0];
    const p3 = byNode.get(nodes[2].name)![0];
    const src = await clientAddressSeenBy(p3, p1);
    assert.equal(src, p1.status.podIP, 'the overlay keeps the source pod IP');
  } catch (e) {
    throw new Error(`${(e as Error).stack}\n${net.logs()}\n${cluster.log()}`);
  }
});

/** Starts a one-shot HTTP server in `server` that answers the client's address, and curls it from `client`. */
async function clientAddressSeenBy(server: Pod, client: Pod): Promise<string> {
  const script = `require('http').createServer((q,r)=>{r.end(q.socket.remoteAddress.replace('::ffff:',''),()=>process.exit(0))}).listen(9099);setTimeout(()=>process.exit(0),30000)`;
  const srv = spawnKubectl(cluster, ['exec', server.metadata.name, '--', 'node', '-e', script]);
  try {
    return await cluster.waitFor(
      'the echo server answers',
      async () => {
        const r = await cluster.kubectl([
          'exec',
          client.metadata.name,
          '--',
          'curl',
          '-sS',
          '-m',
          '2',
          `http://${server.status.podIP}:9099/`,
        ]);
        return r.code === 0 && r.stdout.trim();
      },
      20_000,
    );
  } finally {
    srv.stop();
  }
}

test('a node whose link is cut goes NotReady, its pods are replaced elsewhere, and none runs twice when it is back', { skip }, async () => {
  const cut = nodes[1];
  const watch = spawnKubectl(cluster, ['get', 'pods', '-l', 'app=web', '-w', '-o', 'json', '--output-watch-events']);
  try {
    const before = (await pods('app=web')).filter((p) => p.spec.nodeName === cut.name && !p.metadata.deletionTimestamp);
    assert.ok(before.length > 0, 'the node runs web pods');
    // Short tolerations, so the test need not wait the default 300 s for eviction.
    await cluster.k(
      'patch',
      'deployment',
      'web',
      '--type=json',
      '-p',
      JSON.stringify([
        {
          op: 'add',
          path: '/spec/template/spec/tolerations',
          value: [
            { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
            { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
          ],
        },
      ]),
    );
    const rolled = await cluster.waitFor(
      'the rollout with tolerations, old pods gone',
      async () => {
        const ps = await pods('app=web');
        if (ps.some((p) => p.metadata.deletionTimestamp)) return false;
        const st = JSON.parse(await cluster.k('get', 'deployment', 'web', '-o', 'json')).status as {
          updatedReplicas?: number;
          readyReplicas?: number;
        };
        return ps.length === 6 && ps.every(ready) && st.updatedReplicas === 6 && st.readyReplicas === 6 && ps;
      },
      180_000,
    );
    const victims = rolled.filter((p) => p.spec.nodeName === cut.name);
    assert.ok(victims.length > 0, 'the cut node runs web pods after the rollout');
    const victimNames = new Set(victims.map((p) => p.metadata.name));
    // The invariant is checked only on events after the rollout: wait until the watch itself has
    // printed it (kubectl's output can trail the API), or the rollout's surge (up to 6 + maxSurge
    // Ready) would be judged as eviction events.
    const rolledNames = new Set(rolled.map((p) => p.metadata.name));
    const watchFrom = await cluster.waitFor(
      'the watch has seen the rollout end',
      async () => {
        const docs = splitJSON(watch.output());
        const seen = new Set<string>();
        for (const doc of docs) {
          const ev = doc as { type: string; object: Pod };
          if (ev.type === 'DELETED') seen.delete(ev.object.metadata.name);
          else seen.add(ev.object.metadata.name);
        }
        return seen.size === rolledNames.size && [...seen].every((n) => rolledNames.has(n)) && docs.length;
      },
      30_000,
    );

    net.setLink(cut, false);
    await cluster.waitFor(
      'the cut node NotReady',
      async () => new RegExp(`^${cut.name}\\s+NotReady`, 'm').test(await cluster.k('get', 'nodes', '--no-headers')),
      60_000,
    );
    await cluster.waitFor(
      '6 Ready replacements on the other nodes',
      async () => {
        const ps = (await pods('app=web')).filter((p) => !p.metadata.deletionTimestamp && !victimNames.has(p.metadata.name));
        return ps.length === 6 && ps.every((p) => ready(p) && p.spec.nodeName !== cut.name);
      },
      120_000,
    );
    // Meanwhile the cut node keeps its pods running (it cannot hear that they were evicted).
    const stillRunning = runningPods();
    assert.ok(
      [...victimNames].every((v) => stillRunning.has(v)),
      'the cut-off node keeps its pods',
    );

    net.setLink(cut, true);
    await cluster.waitFor(
      'the node Ready again',
      async () => new RegExp(`^${cut.name}\\s+Ready`, 'm').test(await cluster.k('get', 'nodes', '--no-headers')),
      60_000,
    );
    await cluster.waitFor(
      'the evicted pods gone from the API',
      async () => (await pods('app=web')).every((p) => !victimNames.has(p.metadata.name)),
      60_000,
    );
    await cluster.waitFor(
      "the evicted pods' processes stopped on the node",
      () => [...runningPods()].every((h) => !victimNames.has(h)),
      30_000,
    );
    // At no watch event since the cut were more than 6 web pods Ready (an evicted pod Ready next to its replacement).
    const state = new Map<string, Pod>();
    let events = 0;
    for (const [i, doc] of splitJSON(watch.output()).entries()) {
      const ev = doc as { type: string; object: Pod };
      if (ev.type === 'DELETED') state.delete(ev.object.metadata.name);
      else state.set(ev.object.metadata.name, ev.object);
      if (i < watchFrom) continue;
      events++;
      const readyNow = [...state.values()].filter((x) => ready(x) && x.status.phase === 'Running');
      assert.ok(
        readyNow.length <= 6,
        `${readyNow.length} web pods Ready at once: ${readyNow.map((x) => `${x.metadata.name}@${x.spec.nodeName}`).join(' ')}`,
      );
    }
    assert.ok(events > 0, 'the watch saw the eviction');
    const final = (await pods('app=web')).filter((p) => !p.metadata.deletionTimestamp);
    assert.equal(final.length, 6);
  } catch (e) {
    throw new Error(`${(e as Error).stack}\n${net.logs()}\n${cluster.log()}`);
  } finally {
    watch.stop();
    try {
      net.setLink(cut, true);
    } catch {
      /* the network is being removed */
    }
  }
});

/** The objects of a `kubectl get -w -o json` stream (pretty-printed, one after another). */
function splitJSON(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inStr) {
      if (ch === '\\') i++;
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '"') inStr = true;
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && --depth === 0 && start >= 0) {
      out.push(JSON.parse(text.slice(start, i + 1)));
      start = -1;
    }
  }
  return out;
}
