// The ingress controller against an in-process API server, with backends that are HTTP servers
// of this test on loopback addresses (selector-less Services with hand-made EndpointSlices):
// host and path routing, the default backend, round robin, a refused endpoint retried, 404/503,
// X-Forwarded-*, a websocket upgrade, TLS by SNI from a Secret, status.loadBalancer, and
// hostile requests that leave it serving.

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { isConflict } from '../client/rest.js';
import { makeCA, makeServingCert } from '../pki/certs.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { IngressController } from './controller.js';

let cp: TestControlPlane;
let ctl: IngressController;
const servers: http.Server[] = [];
const ADDRESS = '127.0.0.1';
/** Endpoints may not be loopback addresses: the backends listen on this host's first non-loopback IPv4. */
const HOST_IP =
  Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address ?? '';

/** An HTTP server on 127.0.0.1 answering "<name> <path>" and echoing the forwarded headers. */
async function backend(name: string): Promise<number> {
  const s = http.createServer((req, res) => {
    res.setHeader('x-seen-forwarded-for', String(req.headers['x-forwarded-for'] ?? ''));
    res.setHeader('x-seen-forwarded-proto', String(req.headers['x-forwarded-proto'] ?? ''));
    res.setHeader('x-seen-forwarded-host', String(req.headers['x-forwarded-host'] ?? ''));
    res.end(`${name} ${req.url}`);
  });
  const wss = new WebSocketServer({ server: s });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`${name} echo ${m.toString()}`)));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, HOST_IP, () => r()));
  return (s.address() as net.AddressInfo).port;
}

async function freePort(host = ADDRESS): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function service(name: string, endpoints: number[]): Promise<void> {
  await cp.client.create(
    { group: '', version: 'v1', resource: 'services', namespace: 'default' },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
  );
  // One slice per port: the host's address with different ports stands for pods.
  for (const [i, port] of endpoints.entries()) {
    await cp.client.create(
      { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespace: 'default' },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${name}-${i}`, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port, protocol: 'TCP' }],
        endpoints: [{ addresses: [HOST_IP], conditions: { ready: true } }],
      },
    );
  }
}

const INGRESSES = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', namespace: 'default' };

/** Creates the Ingress `name` in default with the spec given. */
function createIngress(name: string, spec: Record<string, unknown>) {
  return cp.client.create(INGRESSES, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name }, spec });
}

function get(port: number, host: string, path = '/'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: ADDRESS, port, path, headers: { host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const ca = makeCA('ingress-test-ca');
const cert = makeServingCert(ca, 'secure.example.com', ['secure.example.com'], []);

const skip = HOST_IP ? false : 'no non-loopback IPv4 address for the backends';

before(async () => {
  if (skip) return;
  cp = await startTestControlPlane();
  const a1 = await backend('a1');
  const a2 = await backend('a2');
  const b = await backend('b');
  const dflt = await backend('default');
  const refused = await freePort(HOST_IP);
  await service('svc-a', [a1, a2, refused]);
  await service('svc-b', [b]);
  await service('svc-default', [dflt]);
  await service('svc-empty', []);
  await cp.client.create(
    { group: '', version: 'v1', resource: 'secrets', namespace: 'default' },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'secure-tls' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(cert.cert).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64') },
    },
  );
  const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
  await createIngress('web', {
    defaultBackend: svc('svc-default'),
    tls: [{ hosts: ['secure.example.com'], secretName: 'secure-tls' }],
    rules: [
      {
        host: 'a.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: svc('svc-a') },
            { path: '/b', pathType: 'Prefix', backend: svc('svc-b') },
            { path: '/exact', pathType: 'Exact', backend: svc('svc-b') },
          ],
        },
      },
      { host: '*.wild.example.com', http: { paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: svc('svc-b') }] } },
      { host: 'secure.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('svc-b') }] } },
      { host: 'empty.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('svc-empty') }] } },
      { host: 'nodefault.example.com', http: { paths: [{ path: '/only', pathType: 'Exact', backend: svc('svc-b') }] } },
    ],
  });
  // An Ingress of another class is not served.
  await createIngress('other', {
    ingressClassName: 'other',
    rules: [{ host: 'other.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('svc-b') }] } }],
  });
  ctl = new IngressController({
    client: cp.newClient('ingress'),
    nodeName: 'n1',
    address: ADDRESS,
    httpPort: await freePort(),
    httpsPort: await freePort(),
  });
  await ctl.start();
});

after(async () => {
  await ctl?.stop();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  await cp?.stop();
});

test('the default class was given to an Ingress that named none', { skip }, async () => {
  const ing = await cp.client.get({ ...INGRESSES, name: 'web' });
  assert.equal((ing.spec as { ingressClassName?: string }).ingressClassName, 'k8ts');
});

test('hosts and paths route to their Services; longest prefix, Exact, wildcard, default backend', { skip }, async () => {
  assert.match((await get(ctl.httpPort, 'a.example.com', '/x')).body, /^a[12] \/x$/);
  assert.equal((await get(ctl.httpPort, 'a.example.com:8080', '/b/c')).body, 'b /b/c');
  assert.match((await get(ctl.httpPort, 'a.example.com', '/bc')).body, /^a[12] \/bc$/, '/b does not match /bc');
  assert.equal((await get(ctl.httpPort, 'a.example.com', '/exact')).body, 'b /exact');
  assert.match((await get(ctl.httpPort, 'a.example.com', '/exact/more')).body, /^a[12] /);
  assert.equal((await get(ctl.httpPort, 'x.wild.example.com', '/w')).body, 'b /w');
  assert.equal((await get(ctl.httpPort, 'x.y.wild.example.com', '/w')).body, 'default /w', 'a wildcard covers one label only');
  assert.equal((await get(ctl.httpPort, 'unknown.example.com', '/')).body, 'default /');
  assert.equal((await get(ctl.httpPort, 'other.example.com', '/')).body, 'default /', "another class's Ingress is not served");
});

test('round robin over ready endpoints, a refused one retried elsewhere', { skip }, async () => {
  const seen = new Map<string, number>();
  for (let i = 0; i < 12; i++) {
    const r = await get(ctl.httpPort, 'a.example.com', '/rr');
    assert.equal(r.status, 200, 'the refused endpoint never shows');
    const who = r.body.split(' ')[0];
    seen.set(who, (seen.get(who) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), ['a1', 'a2']);
});

test('X-Forwarded-For/Proto/Host reach the backend', { skip }, async () => {
  const r = await get(ctl.httpPort, 'a.example.com', '/h');
  assert.equal(r.headers['x-seen-forwarded-for'], '127.0.0.1');
  assert.equal(r.headers['x-seen-forwarded-proto'], 'http');
  assert.equal(r.headers['x-seen-forwarded-host'], 'a.example.com');
});

test('503 for a backend without endpoints', { skip }, async () => {
  assert.equal((await get(ctl.httpPort, 'empty.example.com', '/')).status, 503);
});

test('404 when no rule matches and there is no default backend', { skip }, async () => {
  // Remove the default backend: only rules remain.
  // The controller writes the Ingress's status meanwhile: a conflict is read again and retried,
  // as kubectl edit or client-go's RetryOnConflict would.
  const ref = { ...INGRESSES, name: 'web' };
  await waitFor('the default backend removed', async () => {
    const ing = await cp.client.get(ref);
    delete (ing.spec as Record<string, unknown>).defaultBackend;
    try {
      return await cp.client.update(ref, ing);
    } catch (e) {
      if (isConflict(e)) return undefined;
      throw e;
    }
  });
  await waitFor('the default backend gone', async () => (await get(ctl.httpPort, 'nodefault.example.com', '/elsewhere')).status === 404, {
    timeoutMs: 10_000,
    intervalMs: 50,
  });
  assert.equal((await get(ctl.httpPort, 'nodefault.example.com', '/only')).body, 'b /only');
});

test('a websocket upgrade is proxied', { skip }, async () => {
  const ws = new WebSocket(`ws://${ADDRESS}:${ctl.httpPort}/ws`, { headers: { host: 'a.example.com' } });
  const reply = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no websocket reply')), 5000);
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (m) => {
      clearTimeout(t);
      resolve(m.toString());
    });
    ws.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
  ws.close();
  assert.match(reply, /^a[12] echo hello$/);
});

test("TLS: the Secret's certificate is served by SNI and the request routed", { skip }, async () => {
  const r = await new Promise<{ body: string; cn: string }>((resolve, reject) => {
    const req = https.request(
      {
        host: ADDRESS,
        port: ctl.httpsPort,
        path: '/s',
        servername: 'secure.example.com',
        headers: { host: 'secure.example.com' },
        ca: ca.cert,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ body: Buffer.concat(chunks).toString(), cn: String(peer.subject?.CN) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(r.cn, 'secure.example.com');
  assert.equal(r.body, 'b /s');
});

test('status.loadBalancer gets the node address', { skip }, async () => {
  await waitFor(
    'status',
    async () => {
      const ing = await cp.client.get({ ...INGRESSES, name: 'web' });
      return JSON.stringify((ing.status as Record<string, unknown>)?.loadBalancer) === JSON.stringify({ ingress: [{ ip: ADDRESS }] });
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  const other = await cp.client.get({ ...INGRESSES, name: 'other' });
  assert.equal(JSON.stringify(other.status ?? {}), '{}', "another class's Ingress is left alone");
});

test('hostile requests get an error and leave it serving', { skip }, async () => {
  const raw = (text: string) =>
    new Promise<string>((resolve) => {
      const s = net.connect(ctl.httpPort, ADDRESS, () => s.end(text));
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('close', () => resolve(Buffer.concat(chunks).toString()));
      s.on('error', () => resolve(Buffer.concat(chunks).toString()));
      s.setTimeout(5000, () => s.destroy());
    });
  assert.match(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1.1 400/);
  assert.match(await raw(`GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Big: ${'x'.repeat(100_000)}\r\n\r\n`), /^HTTP\/1.1 431/);
  assert.match(
    await raw('GET /ws HTTP/1.1\r\nHost: nowhere.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'),
    /^HTTP\/1.1 404/,
  );
  assert.match((await get(ctl.httpPort, 'a.example.com', '/still')).body, /^a[12] \/still$/);
});
