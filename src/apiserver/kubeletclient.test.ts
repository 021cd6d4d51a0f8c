// Issue #12: no request the API server relays to a node or an endpoint carries the admin's
// credential. Listeners anyone can run pose as nodes (Node objects naming their address and
// port) and as a service endpoint without a pod, recording every byte they receive (decrypted,
// for the TLS ones) while the admin (by token and by client certificate) asks for logs there:
// one with a certificate of another CA, one with the cluster CA's certificate of another node,
// one with no TLS at all: none gets a request. The real node (its own serving certificate) gets
// the request with the API server's kubelet client certificate and no Authorization header.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { RestClient } from '../client/rest.js';
import { makeCA, makeClientCert, makeServingCert } from '../pki/certs.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { stays, waitFor } from '../testing/wait.js';
import { makeConnectHandler } from './connect.js';
import { KUBELET_CLIENT_COMMON_NAME, type KubeletClientTLS } from './kubeletclient.js';
import { MetricsScraper } from './metrics-server/scraper.js';
import { type ApiServer, hostAddress } from './server.js';

interface FakeNode {
  port: number;
  received: string[];
  /** The client certificate's subject CN of each TLS connection that got as far as a request. */
  peers: string[];
}

/** A listener answering any HTTP request with 200 "hi", recording what it got. */
async function fakeNode(
  t: import('node:test').TestContext,
  host: string,
  serving?: { cert: string; key: string },
  clientCA?: string,
): Promise<FakeNode> {
  const received: string[] = [];
  const peers: string[] = [];
  const onSocket = (sock: net.Socket | tls.TLSSocket) => {
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      received.push(d.toString('latin1'));
      if (sock instanceof tls.TLSSocket) peers.push(String(sock.getPeerCertificate()?.subject?.CN ?? ''));
      // A plain HTTP server answers what is not HTTP (a TLS hello) by closing, as Go's does with a 400.
      else if (!/^[A-Z]+ /.test(buf)) return void sock.destroy();
      if (buf.includes('\r\n\r\n'))
        sock.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nhi\n');
    });
    sock.on('error', () => undefined);
  };
  const server = serving
    ? tls.createServer({ ...serving, ...(clientCA ? { ca: clientCA, requestCert: true, rejectUnauthorized: false } : {}) }, onSocket)
    : net.createServer(onSocket);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, host, r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as net.AddressInfo).port, received, peers };
}

test('relays to nodes and endpoints never carry the admin credential; simulated nodes are not dialled', async (t) => {
  // On the host's own address: Endpoints may not name loopback addresses.
  const host = hostAddress() || '127.0.0.1';
  let api: ApiServer | undefined;
  const ca = makeCA('k8ts-test-ca');
  const kc = makeClientCert(ca, KUBELET_CLIENT_COMMON_NAME, ['kubeadm:cluster-admins']);
  const kubeletTLS: KubeletClientTLS = { caData: ca.cert, certData: kc.cert, keyData: kc.key };
  const adminToken = 'admin-token-that-must-stay-home-0123456789';
  const connect = makeConnectHandler({
    getPod: (ns, n) => api!.getObject('', 'pods', ns, n),
    getNode: (n) => api!.getObject('', 'nodes', undefined, n),
    getService: (ns, n) => api!.getObject('', 'services', ns, n),
    getEndpoints: (ns, n) => api!.getObject('', 'endpoints', ns, n),
    kubeletTLS,
  });
  const cp = await startTLSControlPlane(
    { connect, tokens: new Map([[adminToken, { name: 'kubernetes-admin', groups: ['system:masters'] }]]) },
    ca,
  );
  api = cp.api;
  // The real node's serving certificate; a node posing with another CA's; one with the cluster's for another node; one without TLS.
  const real = await fakeNode(t, host, makeServingCert(cp.ca, 'system:node:real-node', ['real-node'], [host]), cp.ca.cert);
  const otherCA = await fakeNode(t, host, makeServingCert(makeCA('evil-ca'), 'system:node:evil-node', ['evil-node'], [host]), cp.ca.cert);
  const otherNode = await fakeNode(t, host, makeServingCert(cp.ca, 'system:node:real-node', ['real-node'], [host]), cp.ca.cert);
  const plain = await fakeNode(t, host);
  t.after(() => cp.stop());
  const byToken = new RestClient({ server: cp.url, caData: cp.ca.cert, token: adminToken });
  t.after(() => byToken.close());

  const core = (resource: string, namespace?: string) => ({ group: '', version: 'v1', resource, namespace });
  const nodes: [string, number, Record<string, string>][] = [
    ['real-node', real.port, {}],
    ['evil-node', otherCA.port, {}],
    ['posing-node', otherNode.port, {}],
    ['plain-node', plain.port, {}],
    ['sim-node', real.port, { 'kwok.x-k8s.io/node': 'fake' }],
  ];
  for (const [name, port, annotations] of nodes) {
    await cp.admin.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name, annotations } });
    await cp.admin.patch(
      { ...core('nodes'), name, subresource: 'status' },
      { status: { addresses: [{ type: 'InternalIP', address: host }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } },
    );
    await cp.admin.create(core('pods', 'default'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `on-${name}` },
      spec: { nodeName: name, containers: [{ name: 'c', image: 'busybox' }] },
    });
  }

  // Logs of a pod on the real node, asked with the admin token and with the admin certificate:
  // it gets the API server's kubelet client certificate, no Authorization, nothing of the admin.
  for (const c of [byToken, cp.admin]) {
    const r = await c.requestRaw({ method: 'GET', path: '/api/v1/namespaces/default/pods/on-real-node/log' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body.toString(), 'hi\n');
  }
  const seen = real.received.join('');
  assert.ok(seen.includes('GET /containerLogs/default/on-real-node/c'), 'the node was asked for the logs');
  assert.ok(!seen.includes(adminToken), 'the admin token never reaches a node');
  assert.ok(!/authorization:/i.test(seen), 'no Authorization header to a node');
  assert.ok(real.peers.length > 0 && real.peers.every((cn) => cn === KUBELET_CLIENT_COMMON_NAME), real.peers.join());

  // The posers: another CA's certificate, the cluster's for another node, no TLS: no request reaches them.
  for (const [name, fake] of [
    ['evil-node', otherCA],
    ['posing-node', otherNode],
    ['plain-node', plain],
  ] as const) {
    for (const c of [byToken, cp.admin]) {
      const r = await c.requestRaw({ method: 'GET', path: `/api/v1/namespaces/default/pods/on-${name}/log` });
      assert.notEqual(r.statusCode, 200, `${name}: ${r.body.toString()}`);
    }
    const got = fake.received.join('');
    assert.ok(!got.includes('GET /'), `${name} got a request: ${got.slice(0, 200)}`);
    assert.ok(!got.includes(adminToken));
  }

  // A simulated node is never dialled.
  const before = real.received.length;
  const sim = await cp.admin.requestRaw({ method: 'GET', path: '/api/v1/namespaces/default/pods/on-sim-node/log' });
  assert.equal(sim.statusCode, 400);
  assert.equal(JSON.parse(sim.body.toString()).message, 'node "sim-node" is simulated: it has no kubelet to connect to');
  assert.equal(real.received.length, before);

  // services/proxy to an endpoint that is not a pod: no credential at all.
  if (host === '127.0.0.1') return; // no non-loopback address to stand an endpoint on
  await cp.admin.create(core('services', 'default'), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'ext' },
    spec: { ports: [{ port: 80 }] },
  });
  await cp.admin.update(
    { ...core('endpoints', 'default'), name: 'ext' },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'ext', namespace: 'default' },
      subsets: [{ addresses: [{ ip: host }], ports: [{ port: plain.port }] }],
    },
  );
  const received = plain.received;
  received.length = 0;
  const ep = await byToken.requestRaw({
    method: 'GET',
    path: '/api/v1/namespaces/default/services/ext/proxy/x',
    headers: { 'Impersonate-User': 'kubernetes-admin', 'Impersonate-Group': 'system:masters' },
  });
  assert.equal(ep.statusCode, 200);
  const got = received.join('');
  assert.ok(got.startsWith('GET /x'), got);
  assert.ok(!/authorization:/i.test(got), 'no Authorization header to an endpoint');
  assert.ok(!/impersonate-/i.test(got), 'no impersonation headers to an endpoint');
  assert.ok(!got.includes(adminToken));
});

test('the metrics scraper dials nodes over verified TLS with its kubelet client certificate', async (t) => {
  const ca = makeCA('k8ts-test-ca');
  const kc = makeClientCert(ca, KUBELET_CLIENT_COMMON_NAME);
  const real = await fakeNode(t, '127.0.0.1', makeServingCert(ca, 'system:node:n1', ['n1'], ['127.0.0.1']), ca.cert);
  const posing = await fakeNode(t, '127.0.0.1', makeServingCert(ca, 'system:node:n1', ['n1'], ['127.0.0.1']), ca.cert);
  const node = (name: string, port: number, annotations: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, annotations },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
  });
  const scraper = new MetricsScraper({
    nodes: () => [node('n1', real.port), node('n2', posing.port), node('sim', real.port, { 'kwok.x-k8s.io/node': 'fake' })],
    kubeletTLS: { caData: ca.cert, certData: kc.cert, keyData: kc.key },
  });
  await scraper.scrapeAll();
  assert.equal(real.received.length, 1, 'n1 scraped once; the simulated node is not dialled');
  assert.ok(real.received[0].startsWith('GET /metrics/resource'));
  assert.ok(!/authorization:/i.test(real.received[0]));
  assert.deepEqual(real.peers, [KUBELET_CLIENT_COMMON_NAME]);
  assert.equal(posing.received.length, 0, "n2's address serves n1's certificate: not dialled through");
});

test('the metrics scraper scrapes first two seconds after its start, not during the API server start', async (t) => {
  const ca = makeCA('k8ts-test-ca');
  const kc = makeClientCert(ca, KUBELET_CLIENT_COMMON_NAME);
  const n1 = await fakeNode(t, '127.0.0.1', makeServingCert(ca, 'system:node:n1', ['n1'], ['127.0.0.1']), ca.cert);
  const scraper = new MetricsScraper({
    nodes: () => [
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n1' },
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: n1.port } } },
      },
    ],
    kubeletTLS: { caData: ca.cert, certData: kc.cert, keyData: kc.key },
    resolutionMs: 60_000,
  });
  t.after(() => scraper.stop());
  const started = performance.now();
  scraper.start();
  await stays('no scrape during the start', () => n1.received.length === 0, 1_000);
  await waitFor('the first scrape', () => n1.received.length === 1 || undefined, 5_000);
  assert.ok(performance.now() - started >= 1_900, 'not before two seconds');
});
