// Services that carry traffic (issue #9, the data plane), with the stock kubectl and real
// traffic, once per proxy mode: SCENARIO.md section 3 end to end (NodePort on every address of
// the node, spread over 4 pods, the ClusterIP from the node and from a pod, stable while every pod
// is replaced, gone with `delete service -l`), the no-downtime rolling update, and nothing of the
// proxy left after `k8ts down`. Needs root on Linux (pod network; nftables for that mode).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { TestCluster, isRoot, ownNodeArgs, run } from './harness.js';
import { proxyInstanceNames } from '../../src/proxy/server.js';

const BOOTCAMP = 'gcr.io/google-samples/kubernetes-bootcamp:v1';
const BOOTCAMP_V2 = 'docker.io/jocatalin/kubernetes-bootcamp:v2';

/** One HTTP GET on a new connection (no keep-alive), bounded in time. */
function get(host: string, port: number, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Whether a TCP connection to host:port is refused (nothing answers there). */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 2000 });
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('timeout', () => { s.destroy(); resolve(false); });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** The host's own non-loopback IPv4 addresses outside the pod networks (NodePort answers on every address). */
function hostAddresses(): string[] {
  const out: string[] = [];
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    if (name.startsWith('k8') || name.startsWith('veth')) continue;
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

const hasNft = (() => { try { execFileSync('nft', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();

for (const mode of ['nftables', 'userspace'] as const) {
  const skip = !isRoot ? 'needs root on Linux (pod network)' : mode === 'nftables' && !hasNft ? 'needs nft' : false;
  describe(`services carry traffic (${mode} proxy)`, { skip }, () => {
    const cluster = new TestCluster(`svc-${mode}`, 'memory');
    const nodeArgs = ownNodeArgs(mode === 'nftables' ? 'svn' : 'svu');
    const bridge = nodeArgs[nodeArgs.indexOf('--bridge') + 1];
    const names = proxyInstanceNames(bridge);
    let upOutput = '';
    let nodeIP = '';
    let nodePort = 0;
    let clusterIP = '';
    const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
    const readyPods = async (selector: string) => ((await json('get', 'pods', '-l', selector)).items as any[])
      .filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    const sliceEndpoints = async (svc: string) => ((await json('get', 'endpointslices', '-l', `kubernetes.io/service-name=${svc}`)).items as any[])
      .flatMap((s) => (s.endpoints ?? []).filter((e: any) => e.conditions?.ready));

    before(async () => {
      upOutput = (await cluster.up([...nodeArgs, '--proxy-mode', mode])).stdout;
    });
    after(async () => { await cluster.stop(); });

    test('k8ts up says which proxy it runs', () => {
      assert.match(upOutput, new RegExp(`services:\\s+proxied by the ${mode}`));
    });

    test('SCENARIO 3: expose as NodePort 8080; the node port answers on every address of the node', async () => {
      await cluster.k('create', 'deployment', 'kubernetes-bootcamp', `--image=${BOOTCAMP}`);
      await cluster.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=90s');
      assert.match(await cluster.k('expose', 'deployment/kubernetes-bootcamp', '--type=NodePort', '--port', '8080'), /service\/kubernetes-bootcamp exposed/);
      assert.match(await cluster.k('get', 'services'), /kubernetes-bootcamp\s+NodePort\s+\S+\s+<none>\s+8080:3\d{4}\/TCP/);
      nodePort = Number(await cluster.k('get', 'services/kubernetes-bootcamp', '-o', 'go-template={{(index .spec.ports 0).nodePort}}'));
      clusterIP = (await cluster.k('get', 'services/kubernetes-bootcamp', '-o', 'go-template={{.spec.clusterIP}}')).trim();
      nodeIP = (await cluster.k('get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}')).trim();
      assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
      for (const addr of [nodeIP, ...hostAddresses()]) {
        const r = await cluster.waitFor(`${addr}:${nodePort} answers`, () => get(addr, nodePort).catch(() => undefined));
        assert.equal(r.status, 200);
        assert.match(r.body, /^Hello Kubernetes bootcamp! \| Running on: kubernetes-bootcamp-[a-z0-9]+-[a-z0-9]{5} \| v=1/);
      }
    });

    test('SCENARIO 3: with 4 replicas, 100 requests through the service reach all 4 pods', async () => {
      await cluster.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=4');
      await cluster.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=90s');
      await cluster.waitFor('4 ready endpoints', async () => (await sliceEndpoints('kubernetes-bootcamp')).length === 4, 30_000);
      const pods = new Set((await readyPods('app=kubernetes-bootcamp')).map((p) => p.metadata.name as string));
      assert.equal(pods.size, 4);
      // The proxy applies the slice shortly after it is written: wait until a request reaches a new pod.
      const seen = new Map<string, number>();
      let failures = 0;
      const deadline = Date.now() + 60_000;
      for (let i = 0; i < 100 && Date.now() < deadline; i++) {
        try {
          const r = await get(nodeIP, nodePort);
          const m = /Running on: (\S+)/.exec(r.body);
          if (m) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
        } catch { failures++; }
      }
      assert.equal(failures, 0);
      assert.deepEqual([...seen.keys()].sort(), [...pods].sort(), `spread: ${JSON.stringify([...seen])}`);
      assert.equal([...seen.values()].reduce((a, b) => a + b, 0), 100);
    });

    test('SCENARIO 3: the ClusterIP answers from the node and from a pod (also the pod itself, hairpin)', async () => {
      const fromNode = await get(clusterIP, 8080);
      assert.match(fromNode.body, /^Hello Kubernetes bootcamp!/);
      const pods = await readyPods('app=kubernetes-bootcamp');
      // Several calls from one pod: with 4 endpoints some land on the calling pod itself.
      const self = pods[0].metadata.name as string;
      let hairpin = false;
      for (let i = 0; i < 30 && !hairpin; i++) {
        const out = await cluster.k('exec', self, '--', 'curl', '-sS', '-m', '3', `http://${clusterIP}:8080`);
        assert.match(out, /^Hello Kubernetes bootcamp! \| Running on: /);
        if (out.includes(`Running on: ${self} `)) hairpin = true;
      }
      assert.ok(hairpin, 'a pod reaches itself through its service');
    });

    test('SCENARIO 3: the ClusterIP stays and answers while every pod is deleted and replaced', async () => {
      const before = new Set((await readyPods('app=kubernetes-bootcamp')).map((p) => p.metadata.name as string));
      await cluster.k('delete', 'pods', '-l', 'app=kubernetes-bootcamp', '--wait=false');
      await cluster.waitFor('4 new pods ready', async () => {
        const now = await readyPods('app=kubernetes-bootcamp');
        return now.length === 4 && now.every((p) => !before.has(p.metadata.name));
      }, 120_000);
      assert.equal((await cluster.k('get', 'services/kubernetes-bootcamp', '-o', 'go-template={{.spec.clusterIP}}')).trim(), clusterIP);
      const r = await cluster.waitFor('the ClusterIP reaches a new pod', async () => {
        const x = await get(clusterIP, 8080).catch(() => undefined);
        const m = x && /Running on: (\S+)/.exec(x.body);
        return m && !before.has(m[1]) ? x : undefined;
      }, 30_000);
      assert.match(r.body, /^Hello Kubernetes bootcamp!/);
    });

    test('SCENARIO 3: delete service -l app=kubernetes-bootcamp: the node port stops answering, the app still runs', async () => {
      assert.match(await cluster.k('delete', 'service', '-l', 'app=kubernetes-bootcamp'), /service "kubernetes-bootcamp" deleted/);
      await cluster.waitFor('the node port refuses', () => refused(nodeIP, nodePort), 20_000);
      // (Off the pod network the ClusterIP follows the host's default route, where something else may answer.)
      await cluster.waitFor('the ClusterIP no longer leads to the app', async () => !(await get(clusterIP, 8080, 1000).then((r) => r.body.includes('Hello Kubernetes bootcamp'), () => false)), 20_000);
      const pods = await readyPods('app=kubernetes-bootcamp');
      assert.equal(pods.length, 4);
      const direct = await get(pods[0].status.podIP, 8080);
      assert.match(direct.body, /^Hello Kubernetes bootcamp!/);
    });

    test('no downtime: 0 failed requests of at least 2,000 during set image v1 -> v2 on 4 replicas (readiness probes, no preStop)', async () => {
      await cluster.kIn(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: rolling, labels: {app: rolling}}
spec:
  replicas: 4
  selector: {matchLabels: {app: rolling}}
  template:
    metadata: {labels: {app: rolling}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: kubernetes-bootcamp
        image: ${BOOTCAMP}
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
`, 'apply', '-f', '-');
      await cluster.k('rollout', 'status', 'deployment/rolling', '--timeout=120s');
      await cluster.k('expose', 'deployment/rolling', '--type=NodePort', '--port', '8080');
      const port = Number(await cluster.k('get', 'services/rolling', '-o', 'go-template={{(index .spec.ports 0).nodePort}}'));
      await cluster.waitFor('4 ready endpoints', async () => (await sliceEndpoints('rolling')).length === 4, 30_000);
      await cluster.waitFor('the service answers', () => get(nodeIP, port).catch(() => undefined), 20_000);

      let ok = 0;
      const failed: string[] = [];
      const versions = new Map<string, number>();
      let rolledOut = false;
      const client = (async () => {
        const deadline = Date.now() + 240_000;
        while ((!rolledOut || ok + failed.length < 2000) && Date.now() < deadline) {
          try {
            const r = await get(nodeIP, port, 5000);
            if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
            ok++;
            const v = /v=(\d+)/.exec(r.body)?.[1] ?? '?';
            versions.set(v, (versions.get(v) ?? 0) + 1);
          } catch (e) {
            failed.push((e as Error).message);
          }
        }
      })();
      await cluster.k('set', 'image', 'deployments/rolling', `kubernetes-bootcamp=${BOOTCAMP_V2}`);
      const status = await cluster.kubectl(['rollout', 'status', 'deployment/rolling', '--timeout=200s'], { timeoutMs: 210_000 });
      rolledOut = true;
      await client;
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /successfully rolled out/);
      assert.deepEqual(failed, [], `${failed.length} failed of ${ok + failed.length}`);
      assert.ok(ok >= 2000, `only ${ok} requests`);
      assert.ok((versions.get('1') ?? 0) > 0 && (versions.get('2') ?? 0) > 0, JSON.stringify([...versions]));
      const last = await get(nodeIP, port);
      assert.match(last.body, /v=2/);
    });

    test('k8ts down leaves no table, address or listener of the proxy', async () => {
      const port = Number(await cluster.k('get', 'services/rolling', '-o', 'go-template={{(index .spec.ports 0).nodePort}}'));
      const ip = (await cluster.k('get', 'services/rolling', '-o', 'go-template={{.spec.clusterIP}}')).trim();
      const r = await cluster.down();
      assert.equal(r.code, 0, r.stderr);
      const tables = await run('nft', ['list', 'tables']);
      assert.doesNotMatch(tables.stdout, new RegExp(`${names.table}\\b`));
      const addrs = await run('ip', ['-o', '-4', 'addr', 'show']);
      assert.ok(!addrs.stdout.includes(`inet ${ip}/`), `a service address is left on the host: ${ip}`);
      assert.ok(!addrs.stdout.includes(` ${bridge} `), 'the node bridge is left');
      for (const addr of ['127.0.0.1', ...hostAddresses()]) assert.ok(await refused(addr, port), `the node port still answers on ${addr}`);
    });
  });
}
