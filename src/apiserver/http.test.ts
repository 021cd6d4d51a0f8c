// readBody: the request body, whole, within the limit, whether the message is in already when
// the handler reads it or still arriving.

import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { StatusError } from '../api/errors.js';
import { readBody } from './http.js';

interface Seen {
  body?: Buffer;
  error?: unknown;
  /** Whether the message was complete when readBody was called. */
  complete: boolean;
}

/** A server whose handler waits a turn, then reads the body with readBody(limit); each request's outcome in order. */
async function withServer(limit: number, fn: (port: number, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const server = http.createServer((req: IncomingMessage, res) => {
    setImmediate(() => {
      const complete = req.complete;
      readBody(req, limit).then(
        (body) => {
          seen.push({ body, complete });
          res.end(`${body.length}`);
        },
        (error: unknown) => {
          seen.push({ error, complete });
          res.statusCode = (error as StatusError).code ?? 500;
          res.end();
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as net.AddressInfo).port, seen);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Writes raw request bytes in the given pieces (a pause between them) and resolves with the answer's text. */
function rawRequest(port: number, pieces: Buffer[], pauseMs = 30): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (/\r\n\r\n/.test(out)) {
        const m = /content-length: (\d+)/i.exec(out);
        const head = out.indexOf('\r\n\r\n') + 4;
        if (!m || out.length >= head + Number(m[1])) {
          s.destroy();
          resolve(out);
        }
      }
    });
    s.on('error', reject);
    void (async () => {
      for (const [i, p] of pieces.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, pauseMs));
        s.write(p);
      }
    })();
  });
}

const post = (body: Buffer, headers = `Content-Length: ${body.length}\r\n`) =>
  Buffer.concat([Buffer.from(`POST /x HTTP/1.1\r\nHost: h\r\n${headers}\r\n`, 'latin1'), body]);

test('a body already in when the handler reads it is read byte for byte: plain, empty, chunked', async () => {
  const body = Buffer.from(`{"a":"${'é'.repeat(3000)}"}`);
  await withServer(1 << 20, async (port, seen) => {
    assert.match(await rawRequest(port, [post(body)]), /^HTTP\/1.1 200/);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].complete, true);
    assert.deepEqual(seen[0].body, body);
    // An empty body too.
    assert.match(await rawRequest(port, [post(Buffer.alloc(0))]), /^HTTP\/1.1 200/);
    assert.deepEqual(seen[1].body, Buffer.alloc(0));
    // Chunked, in one write: the decoded body.
    const chunked = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    assert.match(await rawRequest(port, [post(chunked, 'Transfer-Encoding: chunked\r\n')]), /^HTTP\/1.1 200/);
    assert.equal(seen[2].complete, true);
    assert.equal(seen[2].body?.toString(), 'hello world');
  });
});

test('a body still arriving is read as it streams, whole', async () => {
  const body = Buffer.from('x'.repeat(5000));
  await withServer(1 << 20, async (port, seen) => {
    const req = post(body);
    assert.match(await rawRequest(port, [req.subarray(0, req.length - 3000), req.subarray(req.length - 3000)], 100), /^HTTP\/1.1 200/);
    assert.equal(seen[0].complete, false);
    assert.deepEqual(seen[0].body, body);
  });
});

test('a body over the limit is refused 413 whichever way it is read', async () => {
  await withServer(100, async (port, seen) => {
    // Declared too large.
    assert.match(await rawRequest(port, [post(Buffer.alloc(101, 0x61))]), /^HTTP\/1.1 413/);
    // Chunked, all in: over the limit once read.
    const big = Buffer.from(`65\r\n${'b'.repeat(101)}\r\n0\r\n\r\n`);
    assert.match(await rawRequest(port, [post(big, 'Transfer-Encoding: chunked\r\n')]), /^HTTP\/1.1 413/);
    assert.equal(seen[1].complete, true);
    // Chunked, arriving in two parts.
    const head = Buffer.from('POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n', 'latin1');
    const rest = Buffer.from(`${'c'.repeat(50)}\r\n3c\r\n${'d'.repeat(60)}\r\n0\r\n\r\n`);
    assert.match(await rawRequest(port, [head, rest], 100), /^HTTP\/1.1 413/);
    for (const s of seen) assert.ok(s.error instanceof StatusError && s.error.code === 413, String(s.error));
  });
});
