// The creates bench's load generator (rawhttps.ts) against a real node:https server: requests
// go out byte for byte as encoded, one keep-alive connection carries them all, an answer is
// read whole however the server splits it, and anything it cannot read fails the request in
// flight instead of hanging the bench.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { makeCA, makeServingCert } from '../src/pki/certs.js';
import { encodeRequest, RawHttpsClient } from './rawhttps.js';

const ca = makeCA('rawhttps-test-ca');
const cert = makeServingCert(ca, 'localhost', ['localhost'], ['127.0.0.1']);

async function serve(
  handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void,
): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('secureConnection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('requests go out as encoded, on one keep-alive connection, and each answer is read whole', async (t) => {
  const seen: { method: string; url: string; auth: string; type: string; body: string }[] = [];
  const srv = await serve((req, res, body) => {
    seen.push({
      method: req.method!,
      url: req.url!,
      auth: String(req.headers.authorization),
      type: String(req.headers['content-type']),
      body,
    });
    const answer = JSON.stringify({ got: body, pad: 'x'.repeat(40_000) });
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
    // Head and body in separate writes, the body itself in two: the client must join them.
    res.flushHeaders();
    res.write(answer.slice(0, 100));
    setTimeout(() => res.end(answer.slice(100)), 20);
  });
  t.after(() => srv.close());
  const client = new RawHttpsClient({ host: '127.0.0.1', port: srv.port, ca: ca.cert });
  t.after(() => client.close());
  for (let i = 0; i < 3; i++) {
    const body = JSON.stringify({ metadata: { name: `cm-${i}` } });
    const r = await client.send(
      encodeRequest(
        'POST',
        '/api/v1/namespaces/x/configmaps',
        `127.0.0.1:${srv.port}`,
        { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
        body,
      ),
    );
    assert.equal(r.status, 201);
    assert.equal((JSON.parse(r.body.toString('utf8')) as { got: string }).got, body);
  }
  assert.deepEqual(
    seen.map((s) => [s.method, s.url, s.auth, s.type, s.body]),
    [0, 1, 2].map((i) => [
      'POST',
      '/api/v1/namespaces/x/configmaps',
      'Bearer t',
      'application/json',
      JSON.stringify({ metadata: { name: `cm-${i}` } }),
    ]),
  );
  assert.equal(srv.connections(), 1, 'one connection for every request');
});

test('a status other than 2xx comes back as it is; the caller checks it', async (t) => {
  const srv = await serve((_req, res) => {
    const answer = '{"kind":"Status","code":409}';
    res.writeHead(409, { 'Content-Type': 'application/json', 'Content-Length': answer.length });
    res.end(answer);
  });
  t.after(() => srv.close());
  const client = new RawHttpsClient({ host: '127.0.0.1', port: srv.port, ca: ca.cert });
  t.after(() => client.close());
  const r = await client.send(encodeRequest('POST', '/x', 'h', {}, '{}'));
  assert.equal(r.status, 409);
  assert.equal(r.body.toString(), '{"kind":"Status","code":409}');
});

test('an answer it cannot read, or a connection closed mid-request, fails the request instead of hanging', async (t) => {
  const srv = await serve((req, res) => {
    if (req.url === '/chunked') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"chunked":true}');
    } else {
      req.socket.destroy();
    }
  });
  t.after(() => srv.close());
  const chunked = new RawHttpsClient({ host: '127.0.0.1', port: srv.port, ca: ca.cert });
  t.after(() => chunked.close());
  await assert.rejects(chunked.send(encodeRequest('GET', '/chunked', 'h', {})), /without Content-Length/);
  const dropped = new RawHttpsClient({ host: '127.0.0.1', port: srv.port, ca: ca.cert });
  t.after(() => dropped.close());
  await assert.rejects(dropped.send(encodeRequest('GET', '/drop', 'h', {})), /closed|ECONNRESET/);
  // A failed connection stays failed: the next request is refused at once.
  await assert.rejects(dropped.send(encodeRequest('GET', '/drop', 'h', {})), /closed|ECONNRESET/);
});

test('the server certificate is checked against the CA given', async (t) => {
  const srv = await serve((_req, res) => res.end());
  t.after(() => srv.close());
  const other = makeCA('another-ca');
  const client = new RawHttpsClient({ host: '127.0.0.1', port: srv.port, ca: other.cert });
  t.after(() => client.close());
  await assert.rejects(client.send(encodeRequest('GET', '/', 'h', {})), /self-signed|unable to verify|certificate/i);
});
