// Two API servers on one etcd (#15): each alone in a child process (bench/apiserver-child.ts),
// on the same one-member etcd, driven over plain HTTP on 127.0.0.1. Figures: ConfigMap
// creates/s through one API server next to the raw put rate of that same etcd with the etcd3
// client in the same run, at the same concurrency (the ratio is what the API layer costs:
// admission, the CAS transaction, waiting for the write's own watch event); and watch latency
// across servers: a write on one API server until the event arrives on a watch held on the
// other (p50/p99), one write at a time.

import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { etcdMissing, startTestEtcd } from '../src/testing/etcd.js';
import { benchTempDir, cleanup, fmtInt, fmtMs, inParallel, percentile, stopChild } from './util.js';

export interface BenchEtcdHAOptions {
  creates?: number;
  /** Requests in flight (keep-alive connections), for the API and for the raw puts alike. */
  concurrency?: number;
  watchWrites?: number;
}

const NS = 'bench';

interface Server {
  child: ChildProcess;
  url: URL;
  token: string;
  stop(): Promise<void>;
}

async function startServer(store: string, dataDir: string): Promise<Server> {
  const script = fileURLToPath(new URL('./apiserver-child.js', import.meta.url));
  const child = fork(script, [store, dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = cleanup.add(`API server child ${child.pid}`, () => {
    if (child.connected) child.send('stop');
    return stopChild(child, 10_000);
  });
  const hello = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; token: string }));
    child.once('exit', (code) => reject(new Error(`API server child exited (${code}) before listening`)));
  });
  return { child, url: new URL(hello.url), token: hello.token, stop };
}

function request(agent: http.Agent, s: Server, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${s.token}`, Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = http.request({ hostname: s.url.hostname, port: s.url.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** About 1 KiB, as bench/api.ts's ConfigMaps. */
function configMap(name: string, i: number): string {
  const data: Record<string, string> = {};
  for (let k = 0; k < 8; k++) data[`key-${k}.properties`] = `setting.${k}=${i.toString(36)}-${'x'.repeat(90)}`;
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data });
}

export async function benchEtcdHA(opts: BenchEtcdHAOptions = {}): Promise<string[]> {
  const missing = etcdMissing();
  if (missing) return [`skipped (${missing})`];
  const creates = opts.creates ?? 3_000;
  const concurrency = opts.concurrency ?? 8;
  const watchWrites = opts.watchWrites ?? 500;
  const etcd = await startTestEtcd();
  const stopEtcd = cleanup.add('bench etcd', () => etcd.stop());
  const tmp = benchTempDir('etcdha');
  const agents = Array.from({ length: concurrency }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const closeAgents = cleanup.add('bench HTTP agents', () => {
    for (const a of agents) a.destroy();
  });
  const lines: string[] = [];
  const servers: Server[] = [];
  try {
    const store = `etcd://${etcd.endpoint}`;
    const a = await startServer(store, `${tmp.dir}/a`);
    servers.push(a);
    const b = await startServer(store, `${tmp.dir}/b`);
    servers.push(b);
    const ns = await request(agents[0], a, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: NS } }));
    if (ns.status !== 201) throw new Error(`namespace: HTTP ${ns.status}: ${ns.text.slice(0, 200)}`);

    // Creates through one API server, `concurrency` in flight.
    let t = performance.now();
    await inParallel(creates, concurrency, async (i, w) => {
      const r = await request(agents[w], a, 'POST', `/api/v1/namespaces/${NS}/configmaps`, configMap(`cm-${i}`, i));
      if (r.status !== 201) throw new Error(`create cm-${i}: HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    });
    const apiRate = (creates / (performance.now() - t)) * 1000;

    // The same etcd's raw put rate with the etcd3 client, same values, same concurrency.
    const client = new Etcd3({ hosts: `http://${etcd.endpoint}` });
    let rawRate: number;
    try {
      const value = configMap('raw', 0);
      t = performance.now();
      await inParallel(creates, concurrency, async (i) => {
        await client.put(`/raw/cm-${i}`).value(value);
      });
      rawRate = (creates / (performance.now() - t)) * 1000;
    } finally {
      client.close();
    }
    lines.push(
      `creates through the API on etcd (${fmtInt(creates)} ~1 KiB ConfigMaps, ${concurrency} in flight): ${fmtInt(apiRate)}/s`,
      `raw etcd put, same etcd, same run (etcd3 client, ${concurrency} in flight): ${fmtInt(rawRate)}/s; API/raw = ${(apiRate / rawRate).toFixed(2)}`,
    );

    // Watch latency across servers: a watch on b; writes on a one at a time, timed from the
    // moment each is sent until b's watch delivers it.
    const list = JSON.parse((await request(agents[0], b, 'GET', `/api/v1/namespaces/${NS}/configmaps?limit=1`)).text) as {
      metadata: { resourceVersion: string };
    };
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    let arrived: (() => void) | undefined;
    const watchAgent = new http.Agent({ keepAlive: false });
    const watchReq = http.request({
      hostname: b.url.hostname,
      port: b.url.port,
      path: `/api/v1/namespaces/${NS}/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
      headers: { Authorization: `Bearer ${b.token}`, Accept: 'application/json' },
      agent: watchAgent,
    });
    const stopWatch = cleanup.add('bench watch', () => {
      watchReq.destroy();
      watchAgent.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      watchReq.on('response', (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            const name = /"name":"(w-\d+)"/.exec(line)?.[1];
            const at = name ? sent.get(name) : undefined;
            if (name && at !== undefined) {
              latencies.push(performance.now() - at);
              sent.delete(name);
              arrived?.();
            }
          }
        });
        resolve();
      });
      watchReq.on('error', reject);
      watchReq.end();
    });
    for (let i = 0; i < watchWrites; i++) {
      const name = `w-${i}`;
      const got = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      sent.set(name, performance.now());
      const r = await request(agents[0], a, 'POST', `/api/v1/namespaces/${NS}/configmaps`, configMap(name, i));
      if (r.status !== 201) throw new Error(`create ${name}: HTTP ${r.status}`);
      await Promise.race([got, new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} never reached the watch`)), 30_000))]);
    }
    await stopWatch();
    lines.push(
      `watch latency across API servers (write on one, event on a watch on the other, ${watchWrites} writes one at a time): p50 ${fmtMs(percentile(latencies, 50))}, p99 ${fmtMs(percentile(latencies, 99))}`,
    );
    return lines;
  } finally {
    for (const s of servers) await s.stop();
    await closeAgents();
    await tmp.remove();
    await stopEtcd();
  }
}
