// Services that carry traffic (issue #9, the data plane), with the stock kubectl and real
// traffic, once per proxy mode: SCENARIO.md section 3 end to end (NodePort on every address of
// the node, spread over 4 pods, the ClusterIP from the node and from a pod, stable while every pod
// is replaced, gone with `delete service -l`), the no-downtime rolling update, and nothing of the
// proxy left after `k8ts down`. Needs root on Linux (pod network; nftables for that mode).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { proxyInstanceNames } from '../../src/proxy/server.js';
import { isRoot, ownNodeArgs, run, TestCluster } from './harness.js';

const BOOTCAMP = 'gcr.io/google-samples/kubernetes-bootcamp:v1';
const BOOTCAMP_V2 = 'docker.io/jocatalin/kubernetes-bootcamp:v2';

/** One HTTP GET on a new connection (no keep-alive), bounded in time. */
function get(host: string, port: number, timeoutMs = 3000, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** One UDP datagram to host:port, the first reply (agnhost netexec's UDP protocol). */
function udpAsk(host: string, port: number, message: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('no UDP reply'));
    }, timeoutMs);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m.toString('utf8'));
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      sock.close();
      reject(e);
    });
    sock.send(message, port, host);
  });
}

const ECHO_DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, labels: {app: echo}}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8080, --udp-port=8081]
        ports: [{name: http, containerPort: 8080}, {name: udp, containerPort: 8081, protocol: UDP}]
        readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
`;

/** Whether a TCP connection to host:port is refused (nothing answers there). */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
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

const hasNft = (() => {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

for (const mode of ['nftables', 'userspace'] as const) {
  const skip = !isRoot ? 'needs root on Linux (pod network)' : mode === 'nftables' && !hasNft ? 'needs nft' : false;
  describe(`services carry traffic (${mode} proxy)`, { skip }, () => {
    // SQLite: the crash test restarts the control plane and needs the objects back.
    const cluster = new TestCluster(`svc-${mode}`, 'sqlite');
    const nodeArgs = ownNodeArgs(mode === 'nftables' ? 'svn' : 'svu');
    const bridge = nodeArgs[nodeArgs.indexOf('--bridge') + 1];
    const names = proxyInstanceNames(bridge);
    let upOutput = '';
    let nodeIP = '';
    let nodePort = 0;
    let clusterIP = '';
    const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
    const readyPods = async (selector: string) =>
      ((await json('get', 'pods', '-l', selector)).items as any[]).filter(
        (p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
      );
    const serviceIP = async (name: string) => (await cluster.k('get', `services/${name}`, '-o', 'go-template={{.spec.clusterIP}}')).trim();
    const sliceEndpoints = async (svc: string) =>
      ((await json('get', 'endpointslices', '-l', `kubernetes.io/service-name=${svc}`)).items as any[]).flatMap((s) =>
        (s.endpoints ?? []).filter((e: any) => e.conditions?.ready),
      );

    before(async () => {
      upOutput = (await cluster.up([...nodeArgs, '--proxy-mode', mode])).stdout;
    });
    after(async () => {
      await cluster.stop();
    });

    test('k8ts up says which proxy it runs', () => {
      assert.match(upOutput, new RegExp(`services:\\s+proxied by the ${mode}`));
    });

    test('SCENARIO 3: expose as NodePort 8080; the node port answers on every address of the node', async () => {
      await cluster.k('create', 'deployment', 'kubernetes-bootcamp', `--image=${BOOTCAMP}`);
      await cluster.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=90s');
      assert.match(
        await cluster.k('expose', 'deployment/kubernetes-bootcamp', '--type=NodePort', '--port', '8080'),
        /service\/kubernetes-bootcamp exposed/,
      );
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
        } catch {
          failures++;
        }
      }
      assert.equal(failures, 0);
      assert.deepEqual([...seen.keys()].sort(), [...pods].sort(), `spread: ${JSON.stringify([...seen])}`);
      assert.equal(
        [...seen.values()].reduce((a, b) => a + b, 0),
        100,
      );
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
      await cluster.waitFor(
        '4 new pods ready',
        async () => {
          const now = await readyPods('app=kubernetes-bootcamp');
          return now.length === 4 && now.every((p) => !before.has(p.metadata.name));
        },
        120_000,
      );
      assert.equal((await cluster.k('get', 'services/kubernetes-bootcamp', '-o', 'go-template={{.spec.clusterIP}}')).trim(), clusterIP);
      const r = await cluster.waitFor(
        'the ClusterIP reaches a new pod',
        async () => {
          const x = await get(clusterIP, 8080).catch(() => undefined);
          const m = x && /Running on: (\S+)/.exec(x.body);
          return m && !before.has(m[1]) ? x : undefined;
        },
        30_000,
      );
      assert.match(r.body, /^Hello Kubernetes bootcamp!/);
    });

    test('SCENARIO 3: delete service -l app=kubernetes-bootcamp: the node port stops answering, the app still runs', async () => {
      assert.match(await cluster.k('delete', 'service', '-l', 'app=kubernetes-bootcamp'), /service "kubernetes-bootcamp" deleted/);
      await cluster.waitFor('the node port refuses', () => refused(nodeIP, nodePort), 20_000);
      // (Off the pod network the ClusterIP follows the host's default route, where something else may answer.)
      await cluster.waitFor(
        'the ClusterIP no longer leads to the app',
        async () =>
          !(await get(clusterIP, 8080, 1000).then(
            (r) => r.body.includes('Hello Kubernetes bootcamp'),
            () => false,
          )),
        20_000,
      );
      const pods = await readyPods('app=kubernetes-bootcamp');
      assert.equal(pods.length, 4);
      const direct = await get(pods[0].status.podIP, 8080);
      assert.match(direct.body, /^Hello Kubernetes bootcamp!/);
    });

    test('no downtime: 0 failed requests of at least 2,000 during set image v1 -> v2 on 4 replicas (readiness probes, no preStop)', async () => {
      await cluster.kIn(
        `
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
`,
        'apply',
        '-f',
        '-',
      );
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
      // `rollout status` returns once the old pods are being deleted (a ReplicaSet counts no
      // terminating pod); their endpoints leave the EndpointSlice's ready set and the proxy's
      // rules a moment later (kube-proxy lags the same way), so a request sent then may still
      // meet v=1, and one v=2 answer proves nothing while an old endpoint is left. Wait until
      // the ready endpoints are the four v2 pods alone and the proxy has followed (ten v=2 in a
      // row), then require v=2 to hold.
      const v2Pods = async () =>
        new Set(
          ((await json('get', 'pods', '-l', 'app=rolling')).items as any[])
            .filter((p) => !p.metadata.deletionTimestamp && p.spec.containers[0].image === BOOTCAMP_V2)
            .map((p) => p.metadata.name as string),
        );
      await cluster.waitFor(
        'the ready endpoints to be the v2 pods alone',
        async () => {
          const [ready, v2] = [await sliceEndpoints('rolling'), await v2Pods()];
          return ready.length === 4 && ready.every((e: any) => v2.has(e.targetRef?.name)) ? true : undefined;
        },
        30_000,
      );
      const tenInARow = async () => {
        for (let i = 0; i < 10; i++) if (!/v=2/.test((await get(nodeIP, port)).body)) return undefined;
        return true;
      };
      await cluster.waitFor('the service to answer v=2 ten times in a row', tenInARow, 10_000);
      for (let i = 0; i < 10; i++) assert.match((await get(nodeIP, port)).body, /v=2/);
    });

    test('several ports: a named targetPort over TCP and UDP, from the node and from a pod', async () => {
      await cluster.kIn(ECHO_DEPLOYMENT, 'apply', '-f', '-');
      await cluster.k('rollout', 'status', 'deployment/echo', '--timeout=90s');
      await cluster.kIn(
        `
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports:
  - {name: web, port: 80, targetPort: http}
  - {name: dgram, port: 5353, protocol: UDP, targetPort: udp}
`,
        'apply',
        '-f',
        '-',
      );
      const ip = await serviceIP('echo');
      const pods = new Set((await readyPods('app=echo')).map((p) => p.metadata.name as string));
      assert.equal(pods.size, 2);
      const tcp = await cluster.waitFor('echo:80 answers', () => get(ip, 80, 3000, '/hostname').catch(() => undefined), 20_000);
      assert.ok(pods.has(tcp.body), tcp.body);
      const udp = await cluster.waitFor('echo:5353/UDP answers', () => udpAsk(ip, 5353, 'hostname').catch(() => undefined), 20_000);
      assert.ok(pods.has(udp), udp);
      assert.equal(await udpAsk(ip, 5353, 'echo over-udp'), 'over-udp');
      const bootcamp = (await readyPods('app=kubernetes-bootcamp'))[0].metadata.name as string;
      assert.ok(pods.has((await cluster.k('exec', bootcamp, '--', 'curl', '-sS', '-m', '3', `http://${ip}/hostname`)).trim()));
      // UDP from a pod (busybox's nc has no -u; the bootcamp image has node).
      const fromPod = await cluster.k(
        'exec',
        bootcamp,
        '--',
        'node',
        '-e',
        `const d=require('dgram').createSocket('udp4');d.on('message',(m)=>{console.log(String(m));process.exit(0)});d.send('hostname',5353,'${ip}');setTimeout(()=>process.exit(1),3000)`,
      );
      assert.ok(pods.has(fromPod.trim()), fromPod);
    });

    test('sessionAffinity ClientIP keeps a client on one endpoint; without it both endpoints serve', async () => {
      await cluster.kIn(
        `
apiVersion: v1
kind: Service
metadata: {name: echo-sticky}
spec:
  selector: {app: echo}
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
  ports: [{name: web, port: 80, targetPort: http}]
`,
        'apply',
        '-f',
        '-',
      );
      const sticky = await serviceIP('echo-sticky');
      await cluster.waitFor('echo-sticky answers', () => get(sticky, 80, 3000, '/hostname').catch(() => undefined), 20_000);
      const stickySeen = new Set<string>();
      for (let i = 0; i < 20; i++) stickySeen.add((await get(sticky, 80, 3000, '/hostname')).body);
      assert.equal(stickySeen.size, 1, [...stickySeen].join(', '));
      const plain = await serviceIP('echo');
      const plainSeen = new Set<string>();
      for (let i = 0; i < 40 && plainSeen.size < 2; i++) plainSeen.add((await get(plain, 80, 3000, '/hostname')).body);
      assert.equal(plainSeen.size, 2);
    });

    test("a service without selector follows its hand-made EndpointSlice; internalTrafficPolicy Local only takes this node's endpoints", async () => {
      const [a, b] = await readyPods('app=echo');
      const node = (await cluster.k('get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
      await cluster.kIn(
        `
apiVersion: v1
kind: Service
metadata: {name: manual}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-1, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [${a.status.podIP}]
  conditions: {ready: true}
---
apiVersion: v1
kind: Service
metadata: {name: local-only}
spec:
  internalTrafficPolicy: Local
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: local-only-1, labels: {kubernetes.io/service-name: local-only}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [${a.status.podIP}]
  conditions: {ready: true}
  nodeName: some-other-node
- addresses: [${b.status.podIP}]
  conditions: {ready: true}
  nodeName: ${node}
`,
        'apply',
        '-f',
        '-',
      );
      const manual = await serviceIP('manual');
      const r = await cluster.waitFor('manual answers', () => get(manual, 80, 3000, '/hostname').catch(() => undefined), 20_000);
      assert.equal(r.body, a.metadata.name);
      const local = await serviceIP('local-only');
      await cluster.waitFor('local-only answers', () => get(local, 80, 3000, '/hostname').catch(() => undefined), 20_000);
      for (let i = 0; i < 10; i++)
        assert.equal((await get(local, 80, 3000, '/hostname')).body, b.metadata.name, 'only the endpoint on this node');
    });

    test("externalIPs and a LoadBalancer service's EXTERNAL-IP answer; externalTrafficPolicy Local keeps its node port", async () => {
      await cluster.kIn(
        `
apiVersion: v1
kind: Service
metadata: {name: echo-ext}
spec:
  selector: {app: echo}
  externalIPs: [198.51.100.77]
  ports: [{name: web, port: 8088, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-etp}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: echo}
  ports: [{name: web, port: 80, targetPort: http}]
`,
        'apply',
        '-f',
        '-',
      );
      const pods = new Set((await readyPods('app=echo')).map((p) => p.metadata.name as string));
      const ext = await cluster.waitFor(
        'the external IP answers',
        async () => {
          const x = await get('198.51.100.77', 8088, 2000, '/hostname').catch(() => undefined);
          return x && pods.has(x.body) ? x : undefined;
        },
        20_000,
      );
      assert.ok(pods.has(ext.body));
      const etpPort = Number(await cluster.k('get', 'services/echo-etp', '-o', 'go-template={{(index .spec.ports 0).nodePort}}'));
      const etp = await cluster.waitFor(
        'the Local node port answers',
        () => get(nodeIP, etpPort, 3000, '/hostname').catch(() => undefined),
        20_000,
      );
      assert.ok(pods.has(etp.body));
      assert.match(
        await cluster.k('expose', 'deployment/echo', '--name=echo-lb', '--type=LoadBalancer', '--port=80', '--target-port=8080'),
        /service\/echo-lb exposed/,
      );
      const lbIP = await cluster.waitFor(
        'an EXTERNAL-IP',
        async () => (await json('get', 'service', 'echo-lb')).status?.loadBalancer?.ingress?.[0]?.ip as string | undefined,
        30_000,
      );
      assert.match(
        await cluster.k('get', 'svc', 'echo-lb'),
        new RegExp(`echo-lb\\s+LoadBalancer\\s+\\S+\\s+${lbIP.replace(/\./g, '\\.')}\\s+80:3\\d{4}/TCP`),
      );
      const lb = await cluster.waitFor(
        `${lbIP}:80 answers`,
        async () => {
          const x = await get(lbIP, 80, 2000, '/hostname').catch(() => undefined);
          return x && pods.has(x.body) ? x : undefined;
        },
        20_000,
      );
      assert.ok(pods.has(lb.body));
    });

    test("hostPort: the node's addresses lead to the pod, also from the pod itself; gone with the pod", async () => {
      const hostPort = 20000 + (process.pid % 9000);
      await cluster.kIn(
        `
apiVersion: v1
kind: Pod
metadata: {name: hp}
spec:
  containers:
  - name: netexec
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: [netexec, --http-port=8080, --udp-port=-1]
    ports: [{containerPort: 8080, hostPort: ${hostPort}}]
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
`,
        'apply',
        '-f',
        '-',
      );
      await cluster.k('wait', '--for=condition=Ready', 'pod/hp', '--timeout=60s');
      for (const addr of [nodeIP, ...hostAddresses()]) {
        const r = await cluster.waitFor(
          `${addr}:${hostPort} answers`,
          () => get(addr, hostPort, 3000, '/hostname').catch(() => undefined),
          20_000,
        );
        assert.equal(r.body, 'hp');
      }
      assert.equal((await cluster.k('exec', 'hp', '--', 'curl', '-sS', '-m', '3', `http://${nodeIP}:${hostPort}/hostname`)).trim(), 'hp');
      await cluster.k('delete', 'pod', 'hp', '--grace-period=1');
      await cluster.waitFor('the host port is closed', () => refused(nodeIP, hostPort), 20_000);
    });

    test("a hostNetwork pod reports the node's address as its podIP", async () => {
      await cluster.kIn(
        `
apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, command: [sleep, '3600']}]
`,
        'apply',
        '-f',
        '-',
      );
      await cluster.k('wait', '--for=condition=Ready', 'pod/hostnet', '--timeout=60s');
      const pod = await json('get', 'pod', 'hostnet');
      assert.equal(pod.status.podIP, nodeIP);
      assert.equal(pod.status.hostIP, nodeIP);
      await cluster.k('delete', 'pod', 'hostnet', '--wait=false');
    });

    test("pods reach beyond the node: their traffic leaves with the node's address (masquerade)", async () => {
      // "Outside": a network namespace the host reaches over a veth pair, with no route back to pods.
      const ns = `k8tsout${process.pid % 100000}`;
      const veth = `k8o${process.pid % 100000}`;
      const sh = (cmd: string) => run('sh', ['-ec', cmd]);
      await sh(
        `ip netns add ${ns}; ip link add ${veth} type veth peer name eth0 netns ${ns}; ip addr add 203.0.113.1/30 dev ${veth}; ip link set ${veth} up; ` +
          `ip netns exec ${ns} ip addr add 203.0.113.2/30 dev eth0; ip netns exec ${ns} ip link set eth0 up; ip netns exec ${ns} ip link set lo up`,
      );
      const server = spawn(
        'ip',
        [
          'netns',
          'exec',
          ns,
          process.execPath,
          '-e',
          "require('http').createServer((q,s)=>s.end(q.socket.remoteAddress)).listen(8080,'203.0.113.2')",
        ],
        { stdio: 'ignore' },
      );
      try {
        const bootcamp = (await readyPods('app=kubernetes-bootcamp'))[0];
        const seen = await cluster.waitFor(
          'the outside answers the pod',
          async () => {
            const r = await cluster.kubectl(['exec', bootcamp.metadata.name, '--', 'curl', '-sS', '-m', '3', 'http://203.0.113.2:8080/']);
            return r.code === 0 ? r.stdout.trim() : undefined;
          },
          20_000,
        );
        assert.equal(seen, '203.0.113.1', `the outside saw ${seen}, not the node's address (pod ${bootcamp.status.podIP})`);
      } finally {
        server.kill('SIGKILL');
        await sh(`ip link del ${veth} 2>/dev/null || true; ip netns del ${ns} 2>/dev/null || true`);
      }
    });

    if (mode === 'userspace') {
      test('userspace: a connection refused by one endpoint is retried on another before the client sees it', async () => {
        const [a] = await readyPods('app=echo');
        await cluster.kIn(
          `
apiVersion: v1
kind: Service
metadata: {name: half-broken}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: half-broken-1, labels: {kubernetes.io/service-name: half-broken}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [${a.status.podIP}]
  conditions: {ready: true}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: half-broken-2, labels: {kubernetes.io/service-name: half-broken}}
addressType: IPv4
ports: [{name: http, port: 8089, protocol: TCP}]
endpoints:
- addresses: [${a.status.podIP}]
  conditions: {ready: true}
`,
          'apply',
          '-f',
          '-',
        );
        const ip = await serviceIP('half-broken');
        await cluster.waitFor('half-broken answers', () => get(ip, 80, 3000, '/hostname').catch(() => undefined), 20_000);
        for (let i = 0; i < 20; i++) assert.equal((await get(ip, 80, 3000, '/hostname')).body, a.metadata.name);
      });
    }

    test("a crashed control plane's node: the restarted proxy replaces what the old one left, nothing doubles", async () => {
      const ip = await serviceIP('echo');
      // What a crashed older instance could have left behind.
      // And the table of another node instance of this host whose network is gone (a stopped agent).
      const orphan = `k8ts-proxy-k8tsgone${process.pid % 1000}`;
      if (mode === 'nftables') {
        await run('nft', ['add', 'table', 'ip', orphan]);
        await run('nft', ['add', 'chain', 'ip', names.table, 'stale-leftover']);
        await run('nft', ['add', 'element', 'ip', names.table, 'service-ips', '{ 10.99.99.99 . tcp . 80 : drop }']);
      }
      await run('ip', ['addr', 'add', '10.99.99.98/32', 'dev', bridge]);
      const info = cluster.info()!;
      process.kill(info.pid, 'SIGKILL');
      await cluster.waitFor(
        'the control plane is back',
        async () => {
          const now = cluster.info();
          if (!now || now.pid === info.pid) return false;
          return (await cluster.kubectl(['get', '--raw', '/readyz'])).code === 0;
        },
        90_000,
      );
      await cluster.waitFor(
        'the leftovers are replaced',
        async () => {
          const addrs = (await run('ip', ['-o', '-4', 'addr', 'show', 'dev', bridge])).stdout;
          if (addrs.includes('10.99.99.98/')) return false;
          if (mode === 'nftables') {
            const table = (await run('nft', ['list', 'table', 'ip', names.table])).stdout;
            if (table.includes('stale-leftover') || table.includes('10.99.99.99')) return false;
            if ((await run('nft', ['list', 'tables'])).stdout.includes(orphan)) return false;
          }
          return true;
        },
        30_000,
      );
      const r = await cluster.waitFor('echo answers again', () => get(ip, 80, 3000, '/hostname').catch(() => undefined), 30_000);
      assert.match(r.body, /^echo-/);
      if (mode === 'nftables') {
        const tables = (await run('nft', ['list', 'tables'])).stdout.split('\n').filter((l) => l.includes(names.table));
        assert.equal(tables.length, 1);
        const prerouting = (await run('nft', ['list', 'chain', 'ip', names.table, 'nat-prerouting'])).stdout;
        assert.equal(prerouting.match(/jump services/g)?.length, 1, prerouting);
      }
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
