// Ingress on a real node (`k8ts up`, the stock kubectl and curl): the node's bundled ingress
// controller routes two hosts to two Services (curl with Host headers on the node's address),
// serves a TLS host with the certificate of a `kubectl create secret tls` Secret, and writes
// the node's address into the Ingress's status (kubectl's ADDRESS column).
// Run under the host lock: flock /tmp/k8ts-host.lock node --test dist/test/e2e/traffic.test.js

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isRoot, ownNodeArgs, run, TestCluster } from './harness.js';
import { makeCA, makeServingCert } from '../../src/pki/certs.js';

const skip = isRoot ? false : 'needs root (a node with pod networking)';
const cluster = new TestCluster('traffic');
/** This run's own ingress ports (they bind on this cluster's node address only). */
const httpPort = 20_000 + (process.pid % 10_000);
const httpsPort = httpPort + 10_000;
let nodeIP = '';

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
  await cluster.up([...ownNodeArgs('trf'), '--ingress-http-port', String(httpPort), '--ingress-https-port', String(httpsPort)]);
  await cluster.kIn(app('alpha') + '---' + app('beta'), 'apply', '-f', '-');
  fs.writeFileSync(path.join(cluster.dir, 'tls.crt'), cert.cert);
  fs.writeFileSync(path.join(cluster.dir, 'tls.key'), cert.key);
  fs.writeFileSync(path.join(cluster.dir, 'ca.crt'), ca.cert);
  await cluster.k('create', 'secret', 'tls', 'secure-tls', '--cert', path.join(cluster.dir, 'tls.crt'), '--key', path.join(cluster.dir, 'tls.key'));
  await cluster.kIn(INGRESS, 'apply', '-f', '-');
  nodeIP = (await cluster.k('get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}')).trim();
  for (const d of ['alpha', 'beta']) await cluster.k('rollout', 'status', `deployment/${d}`, '--timeout=120s');
});

after(async () => { await cluster.stop(); });

/** curl on the node's address with a Host header: [status, body]. */
async function curl(host: string, urlPath: string): Promise<[number, string]> {
  const r = await run('curl', ['-s', '-m', '5', '-H', `Host: ${host}`, '-w', '\n%{http_code}', `http://${nodeIP}:${httpPort}${urlPath}`]);
  const lines = r.stdout.split('\n');
  return [Number(lines.pop()), lines.join('\n')];
}

test('kubectl shows the default class k8ts and the Ingress with its class, hosts, node address and ports', { skip }, async () => {
  assert.match(await cluster.k('get', 'ingressclass'), /^k8ts\s+k8ts\.io\/ingress\s+<none>\s+\S+$/m);
  const row = await cluster.waitFor('the Ingress\'s ADDRESS', async () => {
    const out = await cluster.k('get', 'ingress', 'two-hosts');
    return out.includes(nodeIP) ? out : undefined;
  }, 30_000);
  assert.match(row, new RegExp(`^two-hosts\\s+k8ts\\s+alpha\\.traffic\\.test,beta\\.traffic\\.test,secure\\.traffic\\.test\\s+${nodeIP.replace(/\./g, '\\.')}\\s+80, 443\\s+\\S+$`, 'm'));
});

test('two hosts are routed to two Services (curl with Host headers on the node address)', { skip }, async () => {
  const pods = async (app: string) => (await cluster.k('get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}')).trim();
  const alpha = await pods('alpha');
  const beta = await pods('beta');
  // The controller sees the endpoints shortly after the pods turn ready.
  await cluster.waitFor('alpha answers through the ingress', async () => (await curl('alpha.traffic.test', '/hostname'))[1] === alpha, 30_000);
  assert.deepEqual(await curl('alpha.traffic.test', '/hostname'), [200, alpha]);
  assert.deepEqual(await curl('beta.traffic.test:80', '/hostname'), [200, beta]);
  assert.equal((await curl('nobody.traffic.test', '/hostname'))[0], 404);
});

test('a TLS host is served with its Secret\'s certificate (SNI)', { skip }, async () => {
  const beta = (await cluster.k('get', 'pods', '-l', 'app=beta', '-o', 'jsonpath={.items[*].metadata.name}')).trim();
  const r = await run('curl', ['-s', '-m', '5', '--cacert', path.join(cluster.dir, 'ca.crt'), '--resolve', `secure.traffic.test:${httpsPort}:${nodeIP}`, `https://secure.traffic.test:${httpsPort}/hostname`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, beta);
});

test('a Service without ready endpoints answers 503', { skip }, async () => {
  await cluster.k('scale', 'deployment/alpha', '--replicas=0');
  await cluster.waitFor('503 once alpha has no endpoint', async () => (await curl('alpha.traffic.test', '/hostname'))[0] === 503, 30_000);
});
