// Ingress and NetworkPolicy on a real node (`k8ts up`, the stock kubectl and curl): the node's
// bundled ingress controller routes two hosts to two Services (curl with Host headers on the
// node's address), serves a TLS host with the certificate of a `kubectl create secret tls`
// Secret, and writes the node's address into the Ingress's status (kubectl's ADDRESS column);
// a default-deny NetworkPolicy blocks a pod's traffic, an allow rule lets one client through,
// an egress deny blocks a pod's outgoing traffic, and `k8ts down` removes the table.
// Run under the host lock: flock /tmp/k8ts-host.lock node --test dist/test/e2e/traffic.test.js

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeCA, makeServingCert } from '../../src/pki/certs.js';
import { isRoot, ownNodeArgs, run, TestCluster } from './harness.js';

const skip = isRoot ? false : 'needs root (a node with pod networking)';
const cluster = new TestCluster('traffic');
/** This run's own ingress ports (they bind on this cluster's node address only). */
const httpPort = 20_000 + (process.pid % 10_000);
const httpsPort = httpPort + 10_000;
let nodeIP = '';
const nodeArgs = ownNodeArgs('trf');
const ownBridge = (): string => nodeArgs[nodeArgs.indexOf('--bridge') + 1];

const app = (name: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8080]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: http}]
`;

const INGRESS = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: two-hosts}
spec:
  tls: [{hosts: [secure.traffic.test], secretName: secure-tls}]
  rules:
  - host: alpha.traffic.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: alpha, port: {number: 80}}}}]}
  - host: beta.traffic.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: beta, port: {name: http}}}}]}
  - host: secure.traffic.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: beta, port: {number: 80}}}}]}
`;

const ca = makeCA('traffic-test-ca');
const cert = makeServingCert(ca, 'secure.traffic.test', ['secure.traffic.test'], []);

before(async () => {
  if (skip) return;
  await cluster.up([...nodeArgs, '--ingress-http-port', String(httpPort), '--ingress-https-port', String(httpsPort)]);
  await cluster.kIn(app('alpha') + '---' + app('beta'), 'apply', '-f', '-');
  fs.writeFileSync(path.join(cluster.dir, 'tls.crt'), cert.cert);
  fs.writeFileSync(path.join(cluster.dir, 'tls.key'), cert.key);
  fs.writeFileSync(path.join(cluster.dir, 'ca.crt'), ca.cert);
  await cluster.k(
    'create',
    'secret',
    'tls',
    'secure-tls',
    '--cert',
    path.join(cluster.dir, 'tls.crt'),
    '--key',
    path.join(cluster.dir, 'tls.key'),
  );
  await cluster.kIn(INGRESS, 'apply', '-f', '-');
  nodeIP = (await cluster.k('get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}')).trim();
  for (const d of ['alpha', 'beta']) await cluster.k('rollout', 'status', `deployment/${d}`, '--timeout=120s');
});

after(async () => {
  await cluster.stop();
});

/** curl on the node's address with a Host header: [status, body]. */
async function curl(host: string, urlPath: string): Promise<[number, string]> {
  const r = await run('curl', ['-s', '-m', '5', '-H', `Host: ${host}`, '-w', '\n%{http_code}', `http://${nodeIP}:${httpPort}${urlPath}`]);
  const lines = r.stdout.split('\n');
  return [Number(lines.pop()), lines.join('\n')];
}

test('the node starts its ingress and NetworkPolicy beside its proxy, before its agent runs pods (#13)', { skip }, () => {
  const log = fs.readFileSync(path.join(cluster.dataDir, 'k8ts.log'), 'utf8');
  assert.match(log, /NetworkPolicy enforced in nftables table ip k8ts-netpol-/);
  // The node's own account of its start, its steps in the order they ran.
  const steps = /node \S+ started in \d+ ms \(ms per step: ([^)]*)\)/.exec(log)?.[1] ?? '';
  const at = (s: string) => steps.indexOf(s);
  assert.ok(at('proxy, ingress, NetworkPolicy') >= 0 && at('agent') > at('proxy, ingress, NetworkPolicy'), steps);
});

test('kubectl shows the default class k8ts and the Ingress with its class, hosts, node address and ports', { skip }, async () => {
  assert.match(await cluster.k('get', 'ingressclass'), /^k8ts\s+k8ts\.io\/ingress\s+<none>\s+\S+$/m);
  const row = await cluster.waitFor(
    "the Ingress's ADDRESS",
    async () => {
      const out = await cluster.k('get', 'ingress', 'two-hosts');
      return out.includes(nodeIP) ? out : undefined;
    },
    30_000,
  );
  assert.match(
    row,
    new RegExp(
      `^two-hosts\\s+k8ts\\s+alpha\\.traffic\\.test,beta\\.traffic\\.test,secure\\.traffic\\.test\\s+${nodeIP.replace(/\./g, '\\.')}\\s+80, 443\\s+\\S+$`,
      'm',
    ),
  );
});

test('two hosts are routed to two Services (curl with Host headers on the node address)', { skip }, async () => {
  const pods = async (app: string) =>
    (await cluster.k('get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}')).trim();
  const alpha = await pods('alpha');
  const beta = await pods('beta');
  // The controller sees the endpoints shortly after the pods turn ready.
  await cluster.waitFor(
    'alpha answers through the ingress',
    async () => (await curl('alpha.traffic.test', '/hostname'))[1] === alpha,
    30_000,
  );
  assert.deepEqual(await curl('alpha.traffic.test', '/hostname'), [200, alpha]);
  assert.deepEqual(await curl('beta.traffic.test:80', '/hostname'), [200, beta]);
  assert.equal((await curl('nobody.traffic.test', '/hostname'))[0], 404);
});

test("a TLS host is served with its Secret's certificate (SNI)", { skip }, async () => {
  const beta = (await cluster.k('get', 'pods', '-l', 'app=beta', '-o', 'jsonpath={.items[*].metadata.name}')).trim();
  const r = await run('curl', [
    '-s',
    '-m',
    '5',
    '--cacert',
    path.join(cluster.dir, 'ca.crt'),
    '--resolve',
    `secure.traffic.test:${httpsPort}:${nodeIP}`,
    `https://secure.traffic.test:${httpsPort}/hostname`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, beta);
});

test('a Service without ready endpoints answers 503', { skip }, async () => {
  await cluster.k('scale', 'deployment/alpha', '--replicas=0');
  await cluster.waitFor('503 once alpha has no endpoint', async () => (await curl('alpha.traffic.test', '/hostname'))[0] === 503, 30_000);
});

// NetworkPolicy: a server pod, two client pods; default deny, then an allow rule for one.
const NP_PODS = `
apiVersion: v1
kind: Pod
metadata: {name: np-web, labels: {app: np-web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: netexec
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: [netexec, --http-port=8080]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1, failureThreshold: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: np-allowed, labels: {role: client}}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: 'gcr.io/google-samples/kubernetes-bootcamp:v1'}]
---
apiVersion: v1
kind: Pod
metadata: {name: np-denied, labels: {role: other}}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: 'gcr.io/google-samples/kubernetes-bootcamp:v1'}]
`;

const DENY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-web}
spec:
  podSelector: {matchLabels: {app: np-web}}
  policyTypes: [Ingress]
`;

const ALLOW = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-clients}
spec:
  podSelector: {matchLabels: {app: np-web}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: client}}}]
    ports: [{port: http}]
`;

const EGRESS_DENY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress-other}
spec:
  podSelector: {matchLabels: {role: other}}
  policyTypes: [Egress]
`;

/** Whether a client pod gets an answer from ip:8080 (curl in the client pod, 2 s timeout). */
let lastFailure = '';
async function reaches(client: string, ip: string): Promise<boolean> {
  const r = await cluster.kubectl(['exec', client, '--', 'curl', '-sS', '-m', '2', `http://${ip}:8080/hostname`], { timeoutMs: 15_000 });
  if (r.code !== 0) lastFailure = `${client} -> ${ip}: ${r.code} ${r.stderr}${r.stdout}`;
  return r.code === 0 && r.stdout.trim().length > 0;
}

test("NetworkPolicy: default deny blocks a pod's traffic, an allow rule lets one client through, egress deny", { skip }, async () => {
  await cluster.kIn(NP_PODS, 'apply', '-f', '-');
  await cluster.k('wait', '--for=condition=Ready', 'pod/np-web', 'pod/np-allowed', 'pod/np-denied', '--timeout=120s');
  const webIP = (await cluster.k('get', 'pod', 'np-web', '-o', 'jsonpath={.status.podIP}')).trim();
  assert.ok(await reaches('np-allowed', webIP), `without policies every pod is reached (${lastFailure})`);
  assert.ok(await reaches('np-denied', webIP), lastFailure);

  await cluster.kIn(DENY, 'apply', '-f', '-');
  assert.match(await cluster.k('get', 'netpol'), /^default-deny-web\s+app=np-web\s+\S+$/m);
  await cluster.waitFor('default deny in force', async () => !(await reaches('np-allowed', webIP)), 30_000);
  assert.equal(await reaches('np-denied', webIP), false);

  await cluster.kIn(ALLOW, 'apply', '-f', '-');
  await cluster.waitFor('the allowed client gets through', async () => reaches('np-allowed', webIP), 30_000);
  assert.equal(await reaches('np-denied', webIP), false, 'the other client stays blocked');
  // The node's own traffic (kubelet's readiness probe) is never blocked: the pod stays Ready.
  assert.equal((await cluster.k('get', 'pod', 'np-web', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).trim(), 'True');

  // Egress: a default-deny egress policy on np-denied blocks its traffic to a pod no policy isolates.
  const betaIP = (await cluster.k('get', 'pods', '-l', 'app=beta', '-o', 'jsonpath={.items[0].status.podIP}')).trim();
  assert.ok(await reaches('np-denied', betaIP), 'np-denied reaches beta before its egress is denied');
  await cluster.kIn(EGRESS_DENY, 'apply', '-f', '-');
  await cluster.waitFor('egress deny in force', async () => !(await reaches('np-denied', betaIP)), 30_000);
  assert.ok(await reaches('np-allowed', betaIP), 'other pods are not affected');

  // Deleting the policies lifts the isolation.
  await cluster.k('delete', 'netpol', '--all');
  await cluster.waitFor('isolation lifted', async () => (await reaches('np-denied', webIP)) && reaches('np-denied', betaIP), 30_000);
});

test('k8ts down removes the NetworkPolicy table', { skip }, async () => {
  const bridge = ownBridge();
  const before_ = await run('nft', ['list', 'tables', 'ip']);
  assert.match(before_.stdout, new RegExp(`k8ts-netpol-${bridge}\\b`));
  await cluster.down();
  const after_ = await run('nft', ['list', 'tables', 'ip']);
  assert.doesNotMatch(after_.stdout, new RegExp(`k8ts-netpol-${bridge}\\b`));
});
