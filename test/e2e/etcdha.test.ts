// Two control-plane processes on a three-member etcd (#15): `k8ts up --store etcd://` and
// `k8ts server --join` (real processes, a real etcd cluster on loopback ports, simulated
// nodes). A write on one API server reaches a watch on the other in order; the controllers and
// scheduler act in one process only (their Leases); stopping an etcd member while writes go
// through both servers loses no acknowledged write; kill -9 of the process holding the Leases
// while a Deployment scales from 2 to 20 hands the work to the other, and the Deployment
// converges without ever having more than 20 + maxSurge pods.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KObject } from '../../src/api/object.js';
import { CONFIGMAPS, DEPLOYMENTS, ENDPOINTS, LEASES, PODS } from '../../src/api/types.js';
import { RestClient } from '../../src/client/rest.js';
import { etcdMissing, startTestEtcdCluster, type TestEtcdCluster } from '../../src/testing/etcd.js';
import { waitFor } from '../../src/testing/wait.js';
import { CLI } from './harness.js';

const skip = etcdMissing();

interface ControlPlaneProcess {
  proc: ChildProcess;
  dataDir: string;
  output(): string;
  exited(): boolean;
  exit: Promise<void>;
}

function startProcess(dir: string, dataDir: string, args: string[]): ControlPlaneProcess {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let done = false;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      done = true;
      resolve();
    }),
  );
  return { proc, dataDir, output: () => out, exited: () => done, exit };
}

async function stopProcess(p: ControlPlaneProcess | undefined): Promise<void> {
  if (!p || p.exited()) return;
  p.proc.kill('SIGTERM');
  const t = setTimeout(() => p.proc.kill('SIGKILL'), 20_000);
  await p.exit;
  clearTimeout(t);
}

/** The URL a control plane recorded once it serves (DATA_DIR/cluster.json). */
async function servingURL(p: ControlPlaneProcess): Promise<string> {
  return waitFor(
    `the control plane in ${p.dataDir} to serve`,
    () => {
      if (p.exited()) throw new Error(`it exited: ${p.output().slice(-2000)}`);
      try {
        return (JSON.parse(fs.readFileSync(path.join(p.dataDir, 'cluster.json'), 'utf8')) as { url: string }).url;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 90_000, intervalMs: 100 },
  );
}

type Endpoints = KObject & { subsets?: { addresses?: { ip: string }[]; ports?: { port: number }[] }[] };

/** The ports of the kubernetes Service's endpoints: one per live API server here (all share the host's address). */
async function kubernetesEndpointPorts(client: RestClient): Promise<number[]> {
  const ep = await client.get<Endpoints>({ ...ENDPOINTS, namespace: 'default', name: 'kubernetes' });
  return (ep.subsets ?? []).flatMap((s) => (s.ports ?? []).map((p) => p.port)).sort((x, y) => x - y);
}

const leaderLine = (component: string) => new RegExp(`${component}: \\S+ became leader`);

describe('two control-plane processes on a three-member etcd', { skip }, () => {
  let etcd: TestEtcdCluster;
  let dir: string;
  let a: ControlPlaneProcess;
  let b: ControlPlaneProcess;
  let ca: RestClient;
  let cb: RestClient;
  let portA = 0;
  let portB = 0;

  before(async () => {
    etcd = await startTestEtcdCluster(3);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-etcdha-'));
    a = startProcess(dir, path.join(dir, 'a'), [
      'up',
      '--foreground',
      '--no-node',
      '--store',
      etcd.store,
      '--data-dir',
      path.join(dir, 'a'),
      '--port',
      '0',
      '--kubeconfig',
      path.join(dir, 'a.kubeconfig'),
      '--simulated-nodes',
      '3',
      '--cluster-cidr',
      '10.250.0.0/16',
    ]);
    const urlA = await servingURL(a);
    // The first process holds both Leases before the second exists.
    await waitFor('the first process to lead', () => leaderLine('kube-controller-manager').test(a.output()) || undefined, 30_000);
    await waitFor('the first process to schedule', () => leaderLine('kube-scheduler').test(a.output()) || undefined, 30_000);
    // Ready, as a user joins a second server: the first publishes the cluster's options
    // (kube-system/k8ts-config) before its ready line, and its controllers may lead before that.
    await waitFor('the first process to be ready', () => /k8ts: ready /.test(a.output()) || undefined, 30_000);
    b = startProcess(dir, path.join(dir, 'b'), [
      'server',
      '--store',
      etcd.store,
      '--join',
      urlA,
      '--pki-dir',
      path.join(dir, 'a', 'pki'),
      '--data-dir',
      path.join(dir, 'b'),
      '--port',
      '0',
    ]);
    const urlB = await servingURL(b);
    assert.notEqual(urlA, urlB);
    portA = Number(new URL(urlA).port);
    portB = Number(new URL(urlB).port);
    // The cluster's options reach the joining process (its controllers act by them when they lead).
    assert.match(b.output(), /the cluster's options from kube-system\/k8ts-config: .*clusterCIDR=10\.250\.0\.0\/16/);
    const token = fs.readFileSync(path.join(dir, 'a', 'token'), 'utf8').trim();
    const caPEM = fs.readFileSync(path.join(dir, 'a', 'pki', 'ca.crt'), 'utf8');
    // The second server's certificate is made from the shared CA: clients of the cluster trust it.
    ca = new RestClient({ server: urlA, token, caData: caPEM, timeoutMs: 20_000 });
    cb = new RestClient({ server: urlB, token, caData: caPEM, timeoutMs: 20_000 });
  });

  after(async () => {
    ca?.close();
    cb?.close();
    await stopProcess(b);
    await stopProcess(a);
    await etcd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a write on one API server is seen by a watch on the other, in order; the Leases are held by one process', async () => {
    const cm = { ...CONFIGMAPS, namespace: 'default' };
    const list = await cb.list(cm);
    const ac = new AbortController();
    const watch = await cb.watch(cm, { resourceVersion: list.metadata.resourceVersion, signal: ac.signal });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const ev of watch) {
        const o = ev.object as KObject & { data?: Record<string, string> };
        if (o.metadata.name === 'order') seen.push(`${ev.type} ${o.data?.n}`);
      }
    })();
    try {
      const want: string[] = [];
      let obj = await ca.create<KObject>(cm, { metadata: { name: 'order' }, data: { n: '0' } });
      want.push('ADDED 0');
      for (let n = 1; n < 20; n++) {
        obj = await ca.update<KObject>({ ...cm, name: 'order' }, { ...obj, data: { n: String(n) } });
        want.push(`MODIFIED ${n}`);
        // A read on the other server right after the write already has it (its watch cache is consistent).
        const got = await cb.get({ ...cm, name: 'order' });
        assert.equal(got.metadata.resourceVersion, obj.metadata.resourceVersion);
      }
      await waitFor("the other server's watch to deliver 20 events", () => seen.length >= 20 || undefined);
      assert.deepEqual(seen, want);
    } finally {
      ac.abort();
      await reading.catch(() => undefined);
    }
    // The kubernetes Service's endpoints name every live API server (each renews its own Lease).
    await waitFor(
      'both API servers in the kubernetes endpoints',
      async () => JSON.stringify(await kubernetesEndpointPorts(cb)) === JSON.stringify([portA, portB].sort((x, y) => x - y)) || undefined,
    );
    // Controllers and scheduler run in both processes, but act only in the one holding their Lease.
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      const lease = await cb.get<KObject & { spec: { holderIdentity?: string } }>({ ...LEASES, namespace: 'kube-system', name });
      assert.ok(a.output().includes(`${name}: ${lease.spec.holderIdentity} became leader`), `${name} is led by the first process`);
      assert.doesNotMatch(b.output(), leaderLine(name), `${name} is not led by the second process`);
    }
  });

  test('stopping one etcd member while writes stream through both API servers loses no acknowledged write', async () => {
    const cm = { ...CONFIGMAPS, namespace: 'default' };
    const acked: string[] = [];
    const failed: string[] = [];
    let stopped = false;
    const ackedAfterStop = { a: 0, b: 0 };
    // Writes stream until the member is down and each server has acknowledged 20 more.
    let writing = true;
    const writer = async (client: RestClient, who: 'a' | 'b') => {
      for (let i = 0; writing; i++) {
        const name = `stream-${who}-${i}`;
        try {
          await client.create(cm, { metadata: { name }, data: { i: String(i) } });
          acked.push(name);
          if (stopped) ackedAfterStop[who]++;
        } catch (e) {
          failed.push(`${name}: ${(e as Error).message}`);
        }
      }
    };
    const writers = [writer(ca, 'a'), writer(cb, 'b')];
    try {
      await waitFor(
        'writes to flow through both servers',
        () => (acked.some((n) => n.startsWith('stream-a')) && acked.some((n) => n.startsWith('stream-b'))) || undefined,
      );
      // The Raft leader, the member whose loss costs most (an election while writes are in flight).
      const lost = await waitFor('an etcd leader', () => etcd.leader());
      await lost.stop();
      stopped = true;
      // The API keeps answering: both servers acknowledge writes with one member down.
      await waitFor(
        '20 acknowledged writes through each server after the member stopped',
        () => (ackedAfterStop.a >= 20 && ackedAfterStop.b >= 20) || undefined,
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    for (const client of [ca, cb]) {
      const names = new Set((await client.listAll(cm)).items.map((o) => o.metadata.name));
      const lost = acked.filter((n) => !names.has(n));
      assert.deepEqual(lost, [], `acknowledged writes missing (failed writes: ${failed.length}: ${failed.slice(0, 3).join('; ')})`);
    }
    // The member comes back and catches up.
    for (const m of etcd.members) await m.start();
  });

  test('kill -9 of the process holding the Leases while a Deployment scales 2 -> 20: the other takes over, never more than 20 + maxSurge pods', async () => {
    const deploy = { ...DEPLOYMENTS, namespace: 'default' };
    const pods = { ...PODS, namespace: 'default' };
    await cb.create(deploy, {
      metadata: { name: 'scale' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'scale' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 5, maxUnavailable: 0 } },
        template: { metadata: { labels: { app: 'scale' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } },
      },
    });
    type Deploy = KObject & {
      spec: { replicas: number };
      status?: { readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number };
    };
    await waitFor(
      '2 available replicas',
      async () => ((await cb.get<Deploy>({ ...deploy, name: 'scale' })).status?.availableReplicas === 2 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // Every pod that exists (terminating ones too), counted at every event of a watch on the survivor.
    const live = new Set<string>();
    let most = 0;
    const list = await cb.list(pods, { labelSelector: 'app=scale' });
    for (const p of list.items) live.add(p.metadata.name!);
    most = live.size;
    const ac = new AbortController();
    const watch = await cb.watch(pods, { labelSelector: 'app=scale', resourceVersion: list.metadata.resourceVersion, signal: ac.signal });
    const reading = (async () => {
      for await (const ev of watch) {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') live.add(ev.object.metadata.name!);
        else if (ev.type === 'DELETED') live.delete(ev.object.metadata.name!);
        most = Math.max(most, live.size);
      }
    })();
    try {
      const d = await cb.get<Deploy>({ ...deploy, name: 'scale' });
      await cb.update({ ...deploy, name: 'scale' }, { ...d, spec: { ...d.spec, replicas: 20 } });
      a.proc.kill('SIGKILL');
      await a.exit;
      await waitFor(
        'the second process to take the controller manager Lease',
        () => leaderLine('kube-controller-manager').test(b.output()) || undefined,
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
      await waitFor('the second process to take the scheduler Lease', () => leaderLine('kube-scheduler').test(b.output()) || undefined, {
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      await waitFor(
        'the Deployment to converge at 20 ready replicas',
        async () => {
          const s = (await cb.get<Deploy>({ ...deploy, name: 'scale' })).status;
          return s?.readyReplicas === 20 && s.availableReplicas === 20 && s.updatedReplicas === 20 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      await waitFor('the watch to have seen 20 pods', () => live.size === 20 || undefined);
      // The dead server's address leaves the kubernetes endpoints once its Lease runs out.
      await waitFor(
        'only the live API server in the kubernetes endpoints',
        async () => JSON.stringify(await kubernetesEndpointPorts(cb)) === JSON.stringify([portB]) || undefined,
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    } finally {
      ac.abort();
      await reading.catch(() => undefined);
    }
    assert.ok(most <= 25, `at most 20 + maxSurge (5) pods exist at any event; saw ${most}`);
    assert.equal((await cb.list(pods, { labelSelector: 'app=scale' })).items.length, 20);
  });
});

test('k8ts server: bad options are a plain message and exit 1', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-etcdha-bad-'));
  try {
    const run = async (args: string[]) => {
      const p = startProcess(dir, path.join(dir, 'x'), ['server', '--data-dir', path.join(dir, 'x'), ...args]);
      await p.exit;
      return { code: p.proc.exitCode, out: p.output() };
    };
    const cases: [string[], RegExp][] = [
      [['--store', 'sqlite', '--join', 'https://127.0.0.1:1', '--pki-dir', dir], /--store must be etcd:\/\//],
      [['--store', 'etcd://127.0.0.1:1', '--join', 'not a url', '--pki-dir', dir], /--join not a url: not a URL/],
      [['--store', 'etcd://127.0.0.1:1', '--join', 'https://127.0.0.1:1', '--pki-dir', path.join(dir, 'none')], /ca\.crt: ENOENT/],
    ];
    fs.mkdirSync(path.join(dir, 'pki'));
    for (const f of ['ca.crt', 'ca.key', 'sa.key', 'sa.pub']) fs.writeFileSync(path.join(dir, 'pki', f), 'x');
    fs.writeFileSync(path.join(dir, 'token'), 't\n');
    cases.push([
      ['--store', 'etcd://127.0.0.1:1', '--join', 'https://127.0.0.1:1', '--pki-dir', path.join(dir, 'pki')],
      /no API server of this cluster answers there/,
    ]);
    for (const [args, want] of cases) {
      const r = await run(args);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, want);
      assert.doesNotMatch(r.out, /^\s+at /m, 'no stack trace');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
