// The peer of the API server's fan-out figure (bench/api.ts): a bare node:https server, alone in
// its own process as the API server is, with the same certificate, that holds every request as
// a chunked stream (as a watch is) and, when told, writes given event lines to every stream:
// no routing, authentication, store, watch cache or encoding, only the bytes through TLS. What
// it takes is the floor Node's TLS sets under the API server's figure.
// Started with fork(); sent {cert, key}, it answers {url} once it listens. Sent
// {lines: base64[], batched}, it writes the lines to every open stream, in order, and answers
// {written: streams}: one write per line per stream, a turn of the event loop between lines
// (as events that arrive one after another), or with batched all lines in one write per stream
// (the bytes alone, the fewest writes there can be).

import type { ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

interface Setup {
  cert: string;
  key: string;
}

interface Emit {
  lines: string[];
  batched: boolean;
}

const streams: ServerResponse[] = [];

function emit(m: Emit): void {
  const lines = m.lines.map((l) => Buffer.from(l, 'base64'));
  const live = streams.filter((s) => !s.destroyed);
  const done = (): void => {
    process.send?.({ written: live.length });
  };
  if (m.batched) {
    const all = Buffer.concat(lines);
    for (const s of live) s.write(all);
    done();
    return;
  }
  let i = 0;
  const next = (): void => {
    if (i === lines.length) {
      done();
      return;
    }
    const line = lines[i++];
    for (const s of live) s.write(line);
    setImmediate(next);
  };
  next();
}

process.once('message', (m: unknown) => {
  const setup = m as Setup;
  const server = https.createServer({ cert: setup.cert, key: setup.key }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    streams.push(res);
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  process.on('message', (e: unknown) => emit(e as Emit));
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
});
