// The peer of the API server's read figures (bench/api.ts): a bare node:https server, alone in
// its own process as the API server is, with the same certificate, answering each path with
// the bytes the API server answered it with (same status, headers and body) and doing nothing
// else: no routing, authentication, store or encoding. Started with fork(); it is sent
// {cert, key, replies: {path: {status, headers, body (base64)}}} and answers {url} once it listens.

import https from 'node:https';
import type { AddressInfo } from 'node:net';

interface Setup {
  cert: string;
  key: string;
  replies: Record<string, { status: number; headers: Record<string, string>; body: string }>;
}

process.once('message', (m: unknown) => {
  const setup = m as Setup;
  const replies = new Map(
    Object.entries(setup.replies).map(([path, r]) => [path, { status: r.status, headers: r.headers, body: Buffer.from(r.body, 'base64') }]),
  );
  const server = https.createServer({ cert: setup.cert, key: setup.key }, (req, res) => {
    const r = replies.get(req.url ?? '');
    if (!r) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
});
