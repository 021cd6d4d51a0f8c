// Cluster DNS on a real node (`k8ts up`, the stock kubectl): pods get the resolv.conf and hosts
// file kubelet writes, and from inside a pod busybox's nslookup resolves a service, a headless
// service's pods, an SRV name and a name outside the cluster. "Outside" is a resolver this test
// runs on a loopback address of its own (given to the node with --resolv-conf), so the test
// sends nothing beyond this machine.
// Run under the host lock: flock /tmp/k8ts-host.lock node --test dist/test/e2e/dns.test.js

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { isRoot, ownNodeArgs, run, TestCluster } from './harness.js';

const skip = isRoot ? false : 'needs root (a node with pod networking)';
const cluster = new TestCluster('dns');
/** The fake outside resolver: a loopback address of this run's own, port 53 (resolv.conf has no ports). */
const upstreamIP = `127.0.53.${1 + (process.pid % 250)}`;
const outside = { udp: dgram.createSocket('udp4'), tcp: net.createServer(), queries: [] as string[] };
let gateway = '';
/** This run's own LoadBalancer addresses (a /30 of the RFC 2544 range: two usable). */
const lbBase = `198.18.${200 + (process.pid % 50)}.${4 * (process.pid % 60)}`;
const lbPool = `${lbBase}/30`;

/** *.outside.test has an A record, 192.0.2.77 (other types: NODATA); every other name is NXDOMAIN. */
function outsideAnswer(msg: Buffer): Buffer {
  const q = dnsPacket.decode(msg);
  const question = q.questions![0];
  outside.queries.push(`${question.name} ${question.type}`);
  const known = question.name.endsWith('.outside.test');
  const hit = known && question.type === 'A';
  return dnsPacket.encode({
    type: 'response',
    id: q.id,
    flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
    questions: q.questions,
    answers: hit ? [{ type: 'A', name: question.name, ttl: 30, data: '192.0.2.77' }] : [],
  });
}

const manifest = `
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 8080, targetPort: 8080, protocol: TCP }]
---
apiVersion: v1
kind: Service
metadata: { name: hl }
spec:
  clusterIP: None
  selector: { app: hl }
  ports: [{ name: tcp-echo, port: 7777, protocol: TCP }]
---
apiVersion: v1
kind: Pod
metadata: { name: hl-0, labels: { app: hl } }
spec:
  hostname: hl-0
  subdomain: hl
  containers: [{ name: c, image: busybox, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Pod
metadata: { name: hl-1, labels: { app: hl } }
spec:
  containers: [{ name: c, image: busybox, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Pod
metadata: { name: client }
spec:
  hostAliases: [{ ip: 10.1.2.3, hostnames: [foo.local, bar.local] }]
  dnsConfig:
    searches: [extra.example]
    options: [{ name: timeout, value: "2" }]
  containers: [{ name: c, image: busybox, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Pod
metadata: { name: plain }
spec:
  dnsPolicy: Default
  containers: [{ name: c, image: busybox, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Pod
metadata: { name: hostnet }
spec:
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  containers: [{ name: c, image: busybox, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Pod
metadata: { name: hostnet-default }
spec:
  hostNetwork: true
  containers: [{ name: c, image: busybox, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Pod
metadata: { name: none }
spec:
  dnsPolicy: None
  dnsConfig: { nameservers: [192.0.2.1], searches: [only.example], options: [{ name: ndots, value: "1" }] }
  containers: [{ name: c, image: busybox, command: [sleep, "3600"] }]
`;

before(async () => {
  if (skip) return;
  await new Promise<void>((r) => outside.udp.bind(53, upstreamIP, () => r()));
  outside.udp.on('message', (m, ri) => {
    try {
      outside.udp.send(outsideAnswer(m), ri.port, ri.address);
    } catch {
      /* not a query */
    }
  });
  outside.tcp.on('connection', (c) => {
    c.on('error', () => undefined);
    c.once('data', (d) => {
      try {
        const r = outsideAnswer(d.subarray(2));
        const h = Buffer.alloc(2);
        h.writeUInt16BE(r.length, 0);
        c.end(Buffer.concat([h, r]));
      } catch {
        c.destroy();
      }
    });
  });
  await new Promise<void>((r) => outside.tcp.listen(53, upstreamIP, () => r()));
  const resolv = path.join(cluster.dir, 'resolv.conf');
  fs.writeFileSync(resolv, `nameserver ${upstreamIP}\nsearch node.example\noptions attempts:2\n`);
  await cluster.up([...ownNodeArgs('dns'), '--resolv-conf', resolv, '--load-balancer-pool', lbPool]);
  await cluster.kIn(manifest, 'apply', '-f', '-');
  for (const p of ['hl-0', 'hl-1', 'client', 'plain', 'none', 'hostnet', 'hostnet-default']) {
    await cluster.waitFor(
      `pod ${p} ready`,
      async () => (await cluster.k('get', 'pod', p, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')) === 'True',
      120_000,
    );
  }
  const node = (await cluster.k('get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
  gateway = await cluster.waitFor(
    "the node's kube-dns endpoint",
    async () =>
      (
        await cluster.kubectl([
          'get',
          'endpointslice',
          '-n',
          'kube-system',
          `kube-dns-${node}`,
          '-o',
          'jsonpath={.endpoints[0].addresses[0]}',
        ])
      ).stdout.trim(),
    30_000,
  );
});

after(async () => {
  if (!skip) await cluster.stop();
  outside.udp.close();
  outside.tcp.close();
});

function exec(pod: string, ...cmd: string[]): Promise<string> {
  return cluster.k('exec', pod, '--', ...cmd);
}

/** Addresses busybox nslookup printed for the name (the lines after "Name:"). */
function addresses(out: string): string[] {
  const after = out
    .split(/^Name:/m)
    .slice(1)
    .join('\n');
  return [...after.matchAll(/^Address:\s*(\S+)/gm)].map((m) => m[1]).sort();
}

test("kube-dns is a Service of kube-system and its endpoint is this node's DNS server", { skip }, async () => {
  const svc = await cluster.k('get', 'svc', '-n', 'kube-system');
  assert.match(svc, /^kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53\/UDP,53\/TCP\s+/m);
  assert.match(gateway, /^10\.\d+\.\d+\.1$/);
  const g = gateway.replace(/\./g, '\\.');
  await cluster.waitFor(
    'kube-dns Endpoints',
    async () => new RegExp(`^kube-dns\\s+${g}:53,${g}:53\\s`, 'm').test(await cluster.k('get', 'endpoints', '-n', 'kube-system')),
    30_000,
  );
  const d = await cluster.k('describe', 'svc', '-n', 'kube-system', 'kube-dns');
  assert.match(d, /^IP:\s+10\.96\.0\.10$/m);
  assert.match(d, new RegExp(`^Endpoints:\\s+${g}:53$`, 'm'));
});

test('pods get the resolv.conf kubelet writes for ClusterFirst, Default and None, and the hosts file with hostAliases', {
  skip,
}, async () => {
  assert.equal(
    await exec('client', 'cat', '/etc/resolv.conf'),
    'search default.svc.cluster.local svc.cluster.local cluster.local node.example extra.example\nnameserver 10.96.0.10\noptions ndots:5 timeout:2\n',
  );
  assert.equal(await exec('plain', 'cat', '/etc/resolv.conf'), `search node.example\nnameserver ${upstreamIP}\noptions attempts:2\n`);
  assert.equal(await exec('none', 'cat', '/etc/resolv.conf'), 'search only.example\nnameserver 192.0.2.1\noptions ndots:1\n');
  // On the host network, ClusterFirst is the node's DNS; ClusterFirstWithHostNet asks for the cluster's.
  assert.equal(
    await exec('hostnet-default', 'cat', '/etc/resolv.conf'),
    `search node.example\nnameserver ${upstreamIP}\noptions attempts:2\n`,
  );
  assert.equal(
    await exec('hostnet', 'cat', '/etc/resolv.conf'),
    'search default.svc.cluster.local svc.cluster.local cluster.local node.example\nnameserver 10.96.0.10\noptions ndots:5\n',
  );
  const hosts = await exec('client', 'cat', '/etc/hosts');
  const ip = (await cluster.k('get', 'pod', 'client', '-o', 'jsonpath={.status.podIP}')).trim();
  assert.match(hosts, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.ok(hosts.includes(`\n${ip}\tclient\n`), hosts);
  assert.ok(hosts.endsWith('\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n'), hosts);
  const hl0 = (await cluster.k('get', 'pod', 'hl-0', '-o', 'jsonpath={.status.podIP}')).trim();
  assert.ok((await exec('hl-0', 'cat', '/etc/hosts')).includes(`\n${hl0}\thl-0.hl.default.svc.cluster.local\thl-0\n`));
});

test("from a pod: a service, a headless service's pods, a pod by hostname, an SRV name and a name outside the cluster", {
  skip,
}, async () => {
  const webIP = (await cluster.k('get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}')).trim();
  const podIPs = (await cluster.k('get', 'pods', '-l', 'app=hl', '-o', 'jsonpath={.items[*].status.podIP}')).trim().split(/\s+/).sort();
  const hl0 = (await cluster.k('get', 'pod', 'hl-0', '-o', 'jsonpath={.status.podIP}')).trim();
  assert.deepEqual(addresses(await exec('client', 'nslookup', 'web.default.svc.cluster.local', gateway)), [webIP]);
  await cluster.waitFor(
    'both headless pods published',
    async () => addresses(await exec('client', 'nslookup', 'hl.default.svc.cluster.local', gateway)).join() === podIPs.join(),
    30_000,
  );
  assert.deepEqual(addresses(await exec('client', 'nslookup', 'hl-0.hl.default.svc.cluster.local', gateway)), [hl0]);
  const srv = await exec('client', 'nslookup', '-type=SRV', '_http._tcp.web.default.svc.cluster.local', gateway);
  assert.match(srv, /_http\._tcp\.web\.default\.svc\.cluster\.local\s+service = 0 100 8080 web\.default\.svc\.cluster\.local/);
  const hsrv = await exec('client', 'nslookup', '-type=SRV', '_tcp-echo._tcp.hl.default.svc.cluster.local', gateway);
  assert.match(hsrv, /service = 0 50 7777 hl-0\.hl\.default\.svc\.cluster\.local/);
  const before = outside.queries.length;
  assert.deepEqual(addresses(await exec('client', 'nslookup', 'www.outside.test', gateway)), ['192.0.2.77']);
  assert.ok(outside.queries.slice(before).includes('www.outside.test A'), 'the node forwarded it to its resolver');
  const nx = await cluster.kubectl(['exec', 'client', '--', 'nslookup', 'nothing.default.svc.cluster.local', gateway]);
  assert.notEqual(nx.code, 0);
  assert.match(nx.stdout + nx.stderr, /NXDOMAIN/);
});

test("through the kube-dns service IP (the proxy's DNAT to this node's server): names as a pod's resolver asks them", {
  skip,
}, async () => {
  const webIP = (await cluster.k('get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}')).trim();
  const out = await exec('client', 'nslookup', 'web.default.svc.cluster.local');
  assert.match(out, /^Server:\s+10\.96\.0\.10$/m);
  assert.deepEqual(addresses(out), [webIP]);
  // The libc resolver with the pod's search path and ndots:5: short names are the cluster's.
  for (const name of ['web', 'web.default', 'web.default.svc']) {
    const r = await cluster.kubectl(['exec', 'client', '--', 'ping', '-c', '1', '-W', '1', name]);
    assert.match(
      r.stdout + r.stderr,
      new RegExp(`PING ${name.replace(/\./g, '\\.')} \\(${webIP.replace(/\./g, '\\.')}\\)`),
      `${name}: ${r.stdout}${r.stderr}`,
    );
  }
  assert.deepEqual(addresses(await exec('client', 'nslookup', 'www.outside.test')), ['192.0.2.77']);
  const srv = await exec('client', 'nslookup', '-type=SRV', '_http._tcp.web.default.svc.cluster.local');
  assert.match(srv, /service = 0 100 8080 web\.default\.svc\.cluster\.local/);
  // A host-network pod reaches this node's DNS server from the node's own network namespace. (Not
  // through 10.96.0.10: from the host, every cluster on this machine claims that address, see NOTES.)
  assert.deepEqual(addresses(await exec('hostnet', 'nslookup', 'web.default.svc.cluster.local', gateway)), [webIP]);
  // ClusterFirst on the host network: the node's resolver, which knows nothing of the cluster.
  const r = await cluster.kubectl(['exec', 'hostnet-default', '--', 'nslookup', 'web.default.svc.cluster.local']);
  assert.match(r.stdout + r.stderr, new RegExp(`Server:\\s+${upstreamIP.replace(/\./g, '\\.')}[\\s\\S]*NXDOMAIN`));
});

test('LoadBalancer services: EXTERNAL-IP from the pool, <pending> when it is exhausted or for another class', { skip }, async () => {
  const first = lbBase.replace(/\d+$/, (n) => String(Number(n) + 1));
  const second = lbBase.replace(/\d+$/, (n) => String(Number(n) + 2));
  await cluster.k('create', 'service', 'loadbalancer', 'lb1', '--tcp=80:8080');
  await cluster.k('create', 'service', 'loadbalancer', 'lb2', '--tcp=81:8080');
  await cluster.kIn(
    'apiVersion: v1\nkind: Service\nmetadata: { name: other }\nspec: { type: LoadBalancer, loadBalancerClass: example.com/other, ports: [{ port: 82 }] }\n',
    'apply',
    '-f',
    '-',
  );
  const row = (name: string) => cluster.k('get', 'svc', name, '--no-headers');
  const got = new Set<string>();
  for (const n of ['lb1', 'lb2']) {
    const line = await cluster.waitFor(
      `${n} EXTERNAL-IP`,
      async () => {
        const r = await row(n);
        return /LoadBalancer\s+\S+\s+198\.18\./.test(r) && r;
      },
      30_000,
    );
    got.add(line.split(/\s+/)[3]);
  }
  assert.deepEqual(got, new Set([first, second]));
  await cluster.k('create', 'service', 'loadbalancer', 'lb3', '--tcp=83:8080');
  await cluster.waitFor(
    'lb3 AllocationFailed event',
    async () => /AllocationFailed.*no available IPs/.test(await cluster.k('get', 'events', '--field-selector', 'involvedObject.name=lb3')),
    30_000,
  );
  assert.match(await row('lb3'), /^lb3\s+LoadBalancer\s+10\.\S+\s+<pending>\s+83:\d+\/TCP/);
  assert.match(await row('other'), /^other\s+LoadBalancer\s+10\.\S+\s+<pending>\s+82:\d+\/TCP/);
  // The address answers from this machine: the bootcamp app behind lb1's port 80.
  await cluster.k('create', 'deployment', 'bootcamp', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1');
  await cluster.k('patch', 'service', 'lb1', '-p', '{"spec":{"selector":{"app":"bootcamp"}}}');
  const freed = (await row('lb1')).split(/\s+/)[3];
  const reply = await cluster.waitFor(
    `http://${freed}:80 answers`,
    async () => {
      const r = await run('curl', ['-sS', '--max-time', '2', `http://${freed}:80/`]);
      return r.code === 0 && r.stdout;
    },
    90_000,
  );
  assert.match(reply, /^Hello Kubernetes bootcamp! \| Running on: bootcamp-/);
  // SCENARIO: from inside a pod, the service by its short name (curl's libc resolver, the pod's search path).
  await cluster.k('expose', 'deployment', 'bootcamp', '--name', 'kubernetes-bootcamp', '--port', '8080');
  const pod = (await cluster.k('get', 'pods', '-l', 'app=bootcamp', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
  const inPod = await cluster.waitFor(
    'curl kubernetes-bootcamp:8080 from a pod',
    async () => {
      const r = await cluster.kubectl(['exec', pod, '--', 'curl', '-sS', '--max-time', '3', 'kubernetes-bootcamp:8080']);
      return r.code === 0 && r.stdout;
    },
    30_000,
  );
  assert.match(inPod, /^Hello Kubernetes bootcamp! \| Running on: bootcamp-/);
  await cluster.k('delete', 'service', 'lb1');
  await cluster.waitFor('lb3 gets the released address', async () => (await row('lb3')).split(/\s+/)[3] === freed, 30_000);
});
