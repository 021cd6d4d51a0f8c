// The watchers of bench/api.ts's fan-out figure, in their own process so that reading 1,000
// watch streams does not slow the writer it is measured against (which runs in the parent).
// Started with fork(); sent {host, port, path, token, ca, watchers}, it opens that many HTTPS
// watches of path and answers {open} (or {error}); sent {target: n}, it answers {done} once
// every watcher has read n MODIFIED events (or {error} when a watch fails or ends).

import https from 'node:https';

interface Setup {
  host: string;
  port: string;
  path: string;
  token: string;
  ca: string;
  watchers: number;
}

const MODIFIED = Buffer.from('{"type":"MODIFIED"');
const EMPTY = Buffer.alloc(0);
const requests: import('node:http').ClientRequest[] = [];
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
  const agent = new https.Agent({ keepAlive: false, maxSockets: Infinity, ca: s.ca });
  let opened = 0;
  let next = 0;
  // At most 50 handshakes at a time.
  const start = (): void => {
    if (next >= s.watchers) return;
    const w = next++;
    const req = https.request(
      { hostname: s.host, port: s.port, agent, path: s.path, headers: { Authorization: `Bearer ${s.token}`, Accept: 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) {
          fail(new Error(`watch ${w}: HTTP ${res.statusCode}`));
          return;
        }
        if (++opened === s.watchers) process.send?.({ open: true });
        start();
        // Counted on the bytes (a native search), not decoded to text: one process reads every
        // stream, and what it spends per byte should not be what the figure measures. The
        // pattern cannot occur inside an event's object: quotes in JSON strings are escaped.
        let carry = EMPTY;
        res.on('data', (chunk: Buffer) => {
          const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
          let end = 0;
          for (let at = buf.indexOf(MODIFIED); at >= 0; at = buf.indexOf(MODIFIED, end)) {
            end = at + MODIFIED.length;
            if (++counts[w] === target && ++complete === s.watchers) checkDone();
          }
          // The tail that may hold the start of a match, past the last match counted (copied:
          // a slice would hold the whole chunk).
          carry = Buffer.from(buf.subarray(Math.max(end, buf.length - (MODIFIED.length - 1))));
        });
        res.on('error', (e) => fail(e));
        res.on('end', () => fail(new Error(`watch ${w} ended after ${counts[w]} events`)));
      },
    );
    req.on('error', (e) => fail(e));
    req.end();
    requests.push(req);
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
  for (const r of requests) r.destroy();
  process.exit(0);
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
