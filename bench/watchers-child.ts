// The watchers of bench/api.ts's fan-out figure, in their own process so that reading 1,000
// watch streams does not slow the writer it is measured against (which runs in the parent).
// Started with fork(); sent {host, port, path, token, ca, watchers}, it opens that many HTTPS
// watches of path and answers {open} (or {error}); sent {target: n}, it answers {done} once
// every watcher has read n MODIFIED events (or {error} when a watch fails or ends).
//
// The reader is the same for the API server and for its bare peer, and it must cost as little
// as it can per byte: one process reads every stream, and once it spends more per event than
// the server does, the figure measures the reader (with node:https it did: an HTTP parser,
// streams and a copy of every chunk took ~6.5 ms of this process's CPU per event at 1,000
// streams, as much as the wall time of the bare peer's whole fan-out). So each watch is a TLS
// socket that sends its GET and reads the answer itself (watchreader.ts).

import tls from 'node:tls';
import { WatchReader } from './watchreader.js';

interface Setup {
  host: string;
  port: string;
  path: string;
  token: string;
  ca: string;
  watchers: number;
}

const sockets: tls.TLSSocket[] = [];
let counts = new Int32Array(0);
let target = Number.POSITIVE_INFINITY;
let complete = 0;
let failed = false;

function fail(e: Error): void {
  if (failed) return;
  failed = true;
  process.send?.({ error: e.message });
}

function checkDone(): void {
  if (complete === counts.length) process.send?.({ done: true });
}

function open(s: Setup): void {
  counts = new Int32Array(s.watchers);
  // One context for every connection (node:https made one per connection).
  const secureContext = tls.createSecureContext({ ca: s.ca });
  const request = Buffer.from(
    `GET ${s.path} HTTP/1.1\r\nHost: ${s.host}:${s.port}\r\nAuthorization: Bearer ${s.token}\r\nAccept: application/json\r\n\r\n`,
  );
  let opened = 0;
  let next = 0;
  // At most 50 handshakes at a time.
  const start = (): void => {
    if (next >= s.watchers) return;
    const w = next++;
    const reader = new WatchReader(
      w,
      () => {
        if (++opened === s.watchers) process.send?.({ open: true });
        start();
      },
      (n) => {
        for (; n > 0; n--) if (++counts[w] === target && ++complete === counts.length) checkDone();
      },
    );
    const socket = tls.connect({ host: s.host, port: Number(s.port), secureContext }, () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        reader.feed(chunk);
      } catch (e) {
        fail(new Error(`${(e as Error).message} after ${counts[w]} events`));
      }
    });
    socket.on('error', (e) => fail(e));
    socket.on('end', () => fail(new Error(`watch ${w} ended after ${counts[w]} events`)));
    sockets.push(socket);
  };
  for (let i = 0; i < 50; i++) start();
}

process.on('message', (m: unknown) => {
  const msg = m as Partial<Setup> & { target?: number };
  if (msg.target !== undefined) {
    target = msg.target;
    complete = 0;
    for (const c of counts) if (c >= target) complete++;
    checkDone();
  } else {
    open(msg as Setup);
  }
});
const stop = (): void => {
  for (const s of sockets) s.destroy();
  process.exit(0);
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
