// Cluster DNS queries per second (issue #9, optional figure): the node's DNS server
// (src/proxy/dns) on 127.0.0.1, fed by informers from an in-process API server holding 1,000
// services, asked over UDP by clients in this process that keep a fixed number of queries in
// flight: a service's A record, a search-path miss (NXDOMAIN, what ndots:5 makes pods ask
// first) and an SRV name. The clients share this process's CPU with the server, so the figure
// is a lower bound of the server alone.

import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { SERVICES } from '../src/api/types.js';
import { NodeDNS } from '../src/proxy/dns/nodedns.js';
import { startTestControlPlane } from '../src/testing/controlplane.js';
import { waitFor } from '../src/testing/wait.js';
import { fmtInt, inParallel, percentile } from './util.js';

export async function benchDNS(opts: { services?: number; durationMs?: number; inflight?: number } = {}): Promise<string[]> {
  const services = opts.services ?? 1000;
  const durationMs = opts.durationMs ?? 5000;
  const inflight = opts.inflight ?? 64;
  const cp = await startTestControlPlane();
  let dns: NodeDNS | undefined;
  const sock = dgram.createSocket('udp4');
  try {
    await inParallel(services, 16, (i) =>
      cp.client.create(
        { ...SERVICES, namespace: 'default' },
        {
          metadata: { name: `svc-${i}` },
          spec: { ports: [{ name: 'http', port: 80 }] },
        },
      ),
    );
    dns = new NodeDNS({ client: cp.newClient(), nodeName: 'bench', listenAddress: '127.0.0.1', port: 0, upstreams: [], publish: false });
    await dns.start();
    const port = dns.address.port;
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const pending = new Map<number, { at: number; done: (ok: boolean) => void }>();
    sock.on('message', (m) => {
      const id = m.readUInt16BE(0);
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      p.done((m.readUInt16BE(2) & 0xf) !== 2);
    });
    const names = (i: number): [string, string] => {
      const n = i % services;
      switch (i % 3) {
        case 0:
          return [`svc-${n}.default.svc.cluster.local`, 'A'];
        case 1:
          return [`svc-${n}.default.svc.cluster.local.default.svc.cluster.local`, 'A'];
        default:
          return [`_http._tcp.svc-${n}.default.svc.cluster.local`, 'SRV'];
      }
    };
    let nextId = 0;
    const ask = (i: number): Promise<number> =>
      new Promise((resolve, reject) => {
        const id = (nextId = (nextId + 1) & 0xffff);
        const [name, type] = names(i);
        const at = performance.now();
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`no answer to ${name}`));
        }, 2000);
        pending.set(id, {
          at,
          done: (ok) => {
            clearTimeout(timer);
            if (ok) resolve(performance.now() - at);
            else reject(new Error(`SERVFAIL for ${name}`));
          },
        });
        sock.send(
          dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: type as 'A', name }] }),
          port,
          '127.0.0.1',
        );
      });
    await waitFor('the last service resolves', async () => (await ask(3 * (services - 1)).catch(() => 0)) > 0, 10_000);
    const latencies: number[] = [];
    let count = 0;
    const end = performance.now() + durationMs;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (performance.now() < end) latencies.push(await ask(count++));
      }),
    );
    const secs = (performance.now() - started) / 1000;
    return [
      `${fmtInt(services)} services; UDP on 127.0.0.1, ${inflight} queries in flight for ${(durationMs / 1000).toFixed(0)} s, a third each A / NXDOMAIN (search path) / SRV:`,
      `  ${fmtInt(Math.round(latencies.length / secs))} queries/s; latency p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
    ];
  } finally {
    sock.close();
    await dns?.stop();
    await cp.stop();
  }
}
