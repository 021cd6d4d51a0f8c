// Names outside the cluster go to the node's own resolvers, as CoreDNS's forward plugin does
// with `forward . /etc/resolv.conf`: the query is sent over the protocol the client used (UDP,
// or TCP), each upstream in turn until one answers, with a bound on queries in flight
// (max_concurrent: beyond it the client gets REFUSED) and a timeout per attempt.

import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { isIPv4 } from '../../api/net.js';

export interface Upstream {
  host: string;
  port: number;
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Per attempt (CoreDNS: 2 s read timeout for UDP upstreams). */
  timeoutMs?: number;
  /** Queries in flight before new ones are refused (CoreDNS's max_concurrent; the kubeadm Corefile says 1000). */
  maxConcurrent?: number;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

function nameservers(file: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1] && (isIPv4(f[1]) || net.isIPv6(f[1]))) out.push(f[1]);
  }
  return out;
}

/**
 * The node's resolvers from its resolv.conf. The node's DNS server runs on the host network, so a
 * loopback resolver there is reachable from it (unlike from a pod); when resolv.conf names only a
 * loopback stub and systemd-resolved keeps the real upstreams in its own file, those are used, as
 * Kubernetes' documentation advises for kubelet's --resolv-conf. `exclude` are addresses that
 * lead back to this server (its own listen address, the kube-dns service IP): a forward loop.
 */
export function upstreamsFromResolvConf(file = '/etc/resolv.conf', exclude: string[] = []): Upstream[] {
  let servers = nameservers(file);
  if (servers.length && servers.every(isLoopback) && file === '/etc/resolv.conf') {
    const real = nameservers('/run/systemd/resolve/resolv.conf').filter((s) => !isLoopback(s));
    if (real.length) servers = real;
  }
  return servers
    .filter((s) => !exclude.includes(s))
    .slice(0, 3)
    .map((host) => ({ host, port: 53 }));
}

export class Forwarder {
  private inflight = 0;
  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;

  constructor(private readonly opts: ForwarderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.maxConcurrent = opts.maxConcurrent ?? 1000;
  }

  get upstreams(): Upstream[] {
    return this.opts.upstreams;
  }

  /**
   * Sends a query (wire format) to the upstreams and returns the reply, with the query's own id.
   * undefined: no upstream answered (the server answers SERVFAIL); 'refused': too many in flight.
   */
  async exchange(query: Buffer, tcp: boolean): Promise<Buffer | 'refused' | undefined> {
    if (this.inflight >= this.maxConcurrent) return 'refused';
    if (query.length < 12 || !this.opts.upstreams.length) return undefined;
    this.inflight++;
    try {
      const id = query.readUInt16BE(0);
      for (const u of this.opts.upstreams) {
        // A fresh id per attempt: a reply is only taken if it answers this very query.
        const outId = randomInt(0, 65536);
        const out = Buffer.from(query);
        out.writeUInt16BE(outId, 0);
        const reply = tcp ? await this.tcp(u, out) : await this.udp(u, out);
        if (!reply || reply.length < 12 || reply.readUInt16BE(0) !== outId) continue;
        reply.writeUInt16BE(id, 0);
        return reply;
      }
      return undefined;
    } finally {
      this.inflight--;
    }
  }

  private udp(u: Upstream, msg: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = dgram.createSocket(net.isIPv6(u.host) ? 'udp6' : 'udp4');
      let done = false;
      const finish = (b: Buffer | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.close();
        resolve(b);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      sock.on('error', () => finish(undefined));
      sock.on('message', (b, rinfo) => {
        // Only the upstream asked may answer, and only this query.
        if (rinfo.address !== u.host || rinfo.port !== u.port || b.length < 12 || b.readUInt16BE(0) !== msg.readUInt16BE(0)) return;
        finish(b);
      });
      sock.send(msg, u.port, u.host, (err) => {
        if (err) finish(undefined);
      });
    });
  }

  private tcp(u: Upstream, msg: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = net.connect({ host: u.host, port: u.port });
      let buf = Buffer.alloc(0);
      let done = false;
      const finish = (b: Buffer | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        resolve(b);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      sock.on('error', () => finish(undefined));
      sock.on('close', () => finish(undefined));
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(msg.length, 0);
        sock.write(Buffer.concat([len, msg]));
      });
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length > 2 + 65535) return finish(undefined);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      });
    });
  }
}
