// Issue #12: no request the API server relays to a node or an endpoint carries the admin's
// credential. A listener anyone can run poses as a node (a Node object naming its address and
// port) and as a service endpoint without a pod; it records every byte it receives while the
// admin (by token and by client certificate) asks for logs and proxies there.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { RestClient } from '../client/rest.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { makeConnectHandler } from './connect.js';
import { kubeletClientSecret, kubeletClientToken } from './kubeletclient.js';
import { MetricsScraper } from './metrics-server/scraper.js';
import { type ApiServer, hostAddress } from './server.js';

test('relays to nodes and endpoints never carry the admin credential; simulated nodes are not dialled', async (t) => {
  // The fake node: answers any HTTP request with 200 and keeps what it got.
  const received: string[] = [];
  const listener = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      received.push(d.toString('latin1'));
      if (buf.includes('\r\n\r\n'))
        sock.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nhi\n');
    });
    sock.on('error', () => undefined);
  });
  // On the host's own address: Endpoints may not name loopback addresses.
  const host = hostAddress() || '127.0.0.1';
  await new Promise<void>((r) => listener.listen(0, host, r));
  t.after(() => new Promise<void>((r) => listener.close(() => r())));
  const port = (listener.address() as net.AddressInfo).port;

  let api: ApiServer | undefined;
  const adminToken = 'admin-token-that-must-stay-home-0123456789';
  const secret = kubeletClientSecret(adminToken);
  const connect = makeConnectHandler({
    getPod: (ns, n) => api!.getObject('', 'pods', ns, n),
    getNode: (n) => api!.getObject('', 'nodes', undefined, n),
    getService: (ns, n) => api!.getObject('', 'services', ns, n),
    getEndpoints: (ns, n) => api!.getObject('', 'endpoints', ns, n),
    kubeletClientSecret: secret,
  });
  const cp = await startTLSControlPlane({
    connect,
    tokens: new Map([[adminToken, { name: 'kubernetes-admin', groups: ['system:masters'] }]]),
  });
  api = cp.api;
  t.after(() => cp.stop());
  const byToken = new RestClient({ server: cp.url, caData: cp.ca.cert, token: adminToken });
  t.after(() => byToken.close());

  const core = (resource: string, namespace?: string) => ({ group: '', version: 'v1', resource, namespace });
  for (const name of ['evil-node', 'sim-node']) {
    await cp.admin.create(core('nodes'), {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, annotations: name === 'sim-node' ? { 'kwok.x-k8s.io/node': 'fake' } : {} },
    });
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

  // Logs of a pod on the fake node, asked with the admin token and with the admin certificate.
  for (const c of [byToken, cp.admin]) {
    const r = await c.requestRaw({ method: 'GET', path: '/api/v1/namespaces/default/pods/on-evil-node/log' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body.toString(), 'hi\n');
  }
  const seen = received.join('');
  assert.ok(seen.includes('GET /containerLogs/default/on-evil-node/c'), 'the fake node was asked for the logs');
  assert.ok(!seen.includes(adminToken), 'the admin token never reaches a node');
  // What it got is a credential for its own name only (HMAC), not the admin's.
  const auth = /authorization: Bearer (\S+)/i.exec(seen)?.[1];
  assert.equal(auth, kubeletClientToken(secret, 'evil-node'));
  assert.notEqual(auth, kubeletClientToken(secret, 'real-node'));

  // A simulated node is never dialled.
  const before = received.length;
  const sim = await cp.admin.requestRaw({ method: 'GET', path: '/api/v1/namespaces/default/pods/on-sim-node/log' });
  assert.equal(sim.statusCode, 400);
  assert.equal(JSON.parse(sim.body.toString()).message, 'node "sim-node" is simulated: it has no kubelet to connect to');
  assert.equal(received.length, before);

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
      subsets: [{ addresses: [{ ip: host }], ports: [{ port }] }],
    },
  );
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

test("the metrics scraper dials nodes with their own token, never the admin's", async (t) => {
  const received: string[] = [];
  const listener = net.createServer((sock) => {
    sock.on('data', (d) => {
      received.push(d.toString('latin1'));
      sock.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => listener.close(() => r())));
  const port = (listener.address() as net.AddressInfo).port;
  const adminToken = 'admin-token-that-must-stay-home-0123456789';
  const secret = kubeletClientSecret(adminToken);
  const node = (name: string, annotations: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, annotations },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
  });
  const scraper = new MetricsScraper({
    nodes: () => [node('evil-node'), node('sim', { 'kwok.x-k8s.io/node': 'fake' })],
    kubeletClientSecret: secret,
  });
  await scraper.scrapeAll();
  assert.equal(received.length, 1, 'the simulated node is not dialled');
  assert.ok(!received[0].includes(adminToken));
  assert.equal(/authorization: Bearer (\S+)/i.exec(received[0])?.[1], kubeletClientToken(secret, 'evil-node'));
});
