import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { httpGet } from './handlers.js';

test('an HTTP probe reads at most 10 KiB of the body, however much is sent (issue #7)', async () => {
  let written = 0;
  const limit = 256 * 1024 * 1024;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (written < limit && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const r = await httpGet({ path: '/', port }, { name: 'c' }, '127.0.0.1', 20_000, 'kube-probe/1.32');
    assert.equal(r.ok, true);
    assert.equal(r.output.length, 10 * 1024);
    assert.ok(written < 32 * 1024 * 1024, `the server got to send ${written} bytes: the probe read the whole body`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
