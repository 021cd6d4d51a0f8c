// The relay's error boundaries under attack: backends that refuse, stall, hang up, answer with
// garbage or break their chunked encoding; clients that reset mid-upgrade, flood, or leave in the
// middle of a stream. Each attack ends one relay; the process and the server's other relays carry on.

import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { StatusError } from '../api/errors.js';
import { waitFor } from '../testing/wait.js';
import { writeError } from './http.js';
import { type Backend, UpgradeAwareProxy } from './upgradeaware.js';

/** What the next relayed request goes to. */
let backend: Backend;
let proxyPort = 0;
const proxy = new UpgradeAwareProxy(300);
const proxyServer = http.createServer((req: IncomingMessage, res: ServerResponse) => {
  proxy.serve(req, res, backend, req.url ?? '/').catch((e: unknown) => {
    req.resume();
    writeError(res, e instanceof StatusError ? e : new StatusError(500, 'InternalError', String(e)));
  });
});
const backends: net.Server[] = [];
const sockets = new Set<Socket>();

before(async () => {
  proxyServer.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => proxyServer.listen(0, '127.0.0.1', () => r()));
  proxyPort = (proxyServer.address() as AddressInfo).port;
});
after(async () => {
  for (const s of sockets) s.destroy();
  for (const b of backends) {
    b.close();
  }
  await new Promise<void>((r) => proxyServer.close(() => r()));
});

/** A raw TCP backend; onConnection sees every connection the proxy makes. */
async function rawBackend(onConnection: (s: Socket) => void): Promise<Backend> {
  const srv = net.createServer((s) => {
    s.on('error', () => undefined);
    onConnection(s);
  });
  backends.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { host: '127.0.0.1', port: (srv.address() as AddressInfo).port, secure: false, authorization: 'Bearer node-token' };
}

/** A raw client: sends an upgrade request, returns the socket and what it has read. */
function upgradeClient(
  extra = '',
): Promise<{ sock: Socket; data: () => Buffer; closed: Promise<void>; until(re: RegExp): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(proxyPort, '127.0.0.1', () => {
      sock.write(
        `GET /x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nAuthorization: Bearer client-secret\r\n${extra}\r\n`,
      );
      resolve({
        sock,
        data: () => Buffer.concat(chunks),
        closed,
        until: (re) =>
          new Promise((res, rej) => {
            const check = () => {
              const t = Buffer.concat(chunks).toString('latin1');
              if (re.test(t)) {
                clearTimeout(timer);
                sock.off('data', check);
                res(t);
              }
            };
            const timer = setTimeout(() => rej(new Error(`no ${re} in ${Buffer.concat(chunks).toString('latin1')}`)), 10_000);
            sock.on('data', check);
            check();
          }),
      });
    });
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => undefined);
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.once('error', reject);
  });
}

function get(path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: proxyPort, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The proxy still relays a plain request to a healthy backend. */
async function stillServing(): Promise<void> {
  const healthy = http.createServer((_req, res) => res.end('healthy'));
  await new Promise<void>((r) => healthy.listen(0, '127.0.0.1', () => r()));
  try {
    backend = { host: '127.0.0.1', port: (healthy.address() as AddressInfo).port, secure: false };
    assert.deepEqual(await get('/'), { status: 200, body: 'healthy' });
  } finally {
    healthy.closeAllConnections();
    healthy.close();
  }
}

test('a backend that refuses: 503 for an upgrade and for a plain request', async () => {
  const closed = await rawBackend(() => undefined);
  backends.pop()!.close();
  backend = closed;
  const r = await get('/');
  assert.equal(r.status, 503);
  assert.match(JSON.parse(r.body).message, /^error trying to reach service: connect ECONNREFUSED/);
  const c = await upgradeClient();
  await c.until(/error dialing backend: connect ECONNREFUSED/);
  assert.match(c.data().toString(), /^HTTP\/1\.1 503 /);
  c.sock.destroy();
  await stillServing();
});

test('a backend that accepts but never completes TLS: dial timeout, 503', async () => {
  const silent = await rawBackend(() => {
    /* never speaks */
  });
  backend = { ...silent, secure: true };
  const c = await upgradeClient();
  await c.until(/i\/o timeout/);
  assert.match(c.data().toString(), /^HTTP\/1\.1 503 /);
  c.sock.destroy();
  const r = await get('/');
  assert.equal(r.status, 503);
  assert.match(r.body, /i\/o timeout/);
  await stillServing();
});

test('a backend that hangs up, or answers 101 then garbage and a reset: the client is closed, nothing else', async () => {
  backend = await rawBackend((s) => s.destroy());
  let c = await upgradeClient();
  await c.closed;

  let seenAuth = '';
  backend = await rawBackend((s) => {
    s.once('data', (head: Buffer) => {
      seenAuth = /authorization: (.*)\r\n/i.exec(head.toString())?.[1] ?? '';
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\n');
      s.write(Buffer.from([0x80, 0x03, 0xff, 0xff, 0, 0, 0, 9, 1, 2, 3]));
      s.resetAndDestroy();
    });
  });
  c = await upgradeClient();
  await c.closed;
  assert.match(c.data().toString('latin1'), /^HTTP\/1\.1 101 /);
  assert.equal(seenAuth, 'Bearer node-token', "the client's credentials never reach the backend");
  await stillServing();
});

test('a client that resets mid-upgrade: the backend connection goes too; one that floods is pushed back', async () => {
  let backendClosed!: () => void;
  let requestSeen!: () => void;
  const gone = new Promise<void>((r) => {
    backendClosed = r;
  });
  const seen = new Promise<void>((r) => {
    requestSeen = r;
  });
  backend = await rawBackend((s) => {
    s.once('data', () => requestSeen());
    s.on('close', () => backendClosed());
  });
  let c = await upgradeClient();
  await seen;
  c.sock.resetAndDestroy();
  await gone;

  // A backend that reads nothing after the request; the client writes 64 MiB as fast as it can.
  let upstream: Socket | undefined;
  backend = await rawBackend((s) => {
    upstream = s;
    s.once('data', () => {
      s.pause();
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\n');
    });
  });
  c = await upgradeClient();
  await waitFor('the upgrade answered', () => c.data().toString().startsWith('HTTP/1.1 101'));
  const chunk = Buffer.alloc(1 << 20, 0xab);
  let written = 0;
  // Backpressure: the relay stops reading the client when the backend does not read.
  const relayedClient = () => [...sockets].find((s) => s.readableFlowing === false);
  while (written < 64 << 20 && !relayedClient()) {
    if (!c.sock.write(chunk))
      await new Promise<void>((r) => {
        c.sock.once('drain', r);
        setTimeout(r, 50);
      });
    written += chunk.length;
  }
  assert.ok(relayedClient(), 'the relay paused its reading of the client');
  assert.ok(written < 64 << 20, 'the client is pushed back long before 64 MiB');
  // The backend hanging up ends the relay, even while it is held back.
  upstream!.destroy();
  await c.closed;
  await stillServing();
});

test('a backend that breaks its chunked encoding mid-response, and a client that leaves a stream', async () => {
  backend = await rawBackend((s) => {
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZZ-not-a-chunk\r\n'));
  });
  await assert.rejects(get('/'), /aborted|socket hang up|ECONNRESET/);

  let streamClosed!: () => void;
  const backendSawClose = new Promise<void>((r) => {
    streamClosed = r;
  });
  backend = await rawBackend((s) => {
    s.once('data', () => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nline1\n\r\n'));
    s.on('close', () => streamClosed());
  });
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: proxyPort, path: '/follow', agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
    setTimeout(() => reject(new Error('no data')), 10_000).unref();
  });
  await backendSawClose;
  await stillServing();
});
