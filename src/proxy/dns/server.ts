// The DNS server of the cluster, as CoreDNS's core/dnsserver runs its plugin chain for
// `kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa }`
// then `forward . /etc/resolv.conf`: UDP and TCP on one address, the cluster zone answered from
// the informer caches (kubernetes.ts), every other name forwarded (forward.ts). The wire format is
// dns-packet's. Queries are hostile input: whatever arrives, the server answers FORMERR or drops
// it, never throws; work per query is bounded (one question, bounded packet sizes, a bound on TCP
// connections and on forwards in flight, idle TCP connections closed).

import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import { AnswerCache } from './cache.js';
import type { Forwarder } from './forward.js';
import { type KubernetesZone, RCODE } from './kubernetes.js';
import { observeQuery } from './metrics.js';

export interface DnsServerOptions {
  zone: KubernetesZone;
  forwarder: Forwarder;
  /** Answers from the upstreams kept this long at most, s (CoreDNS's `cache 30`; 0: none kept). */
  cacheTTL?: number;
  /** Open TCP connections at most (further ones are closed at once). */
  maxTcpConnections?: number;
  /** A TCP connection idle this long is closed (CoreDNS/miekg: 8 s read timeout). */
  tcpIdleMs?: number;
  log?: (msg: string) => void;
}

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
/** The UDP payload size we advertise with EDNS (the DNS flag day 2020 value). */
const EDNS_SIZE = 1232;

/** A header-only reply with rcode, for a query that cannot be decoded (or answered at all). */
function headerReply(query: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.readUInt16BE(0), 0);
  const opcode = query.readUInt16BE(2) & 0x7800;
  const rd = query.readUInt16BE(2) & FLAG_RD;
  out.writeUInt16BE(FLAG_QR | opcode | rd | FLAG_RA | rcode, 2);
  return out;
}

export class DnsServer {
  private udp4?: dgram.Socket;
  private tcpServer?: net.Server;
  private readonly conns = new Set<net.Socket>();
  private readonly maxTcp: number;
  private readonly idleMs: number;
  private readonly log: (msg: string) => void;
  private listenHost = '';
  private serverLabel = '';
  /** Queries answered, by how (for the bench and the agent's log). */
  readonly stats = { udp: 0, tcp: 0, forwarded: 0, formerr: 0, dropped: 0 };
  readonly cache?: AnswerCache;

  constructor(private readonly opts: DnsServerOptions) {
    this.maxTcp = opts.maxTcpConnections ?? 256;
    this.idleMs = opts.tcpIdleMs ?? 8000;
    this.log = opts.log ?? (() => undefined);
    if (opts.cacheTTL !== 0) this.cache = new AnswerCache({ maxTTL: opts.cacheTTL ?? 30 });
  }

  /** Listens on host:port for UDP and TCP (port 0: one free port for both); resolves to the port. */
  async listen(host: string, port: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const sock = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
      sock.bind(port, host);
      await once(sock, 'listening');
      const bound = sock.address().port;
      const srv = net.createServer((c) => this.onConnection(c));
      try {
        srv.listen({ port: bound, host, exclusive: true });
        await once(srv, 'listening');
      } catch (e) {
        sock.close();
        // The free UDP port may be taken for TCP: with port 0, try another.
        if (port === 0 && attempt < 10) continue;
        throw e;
      }
      sock.on('error', (e) => this.log(`dns udp: ${e.message}`));
      sock.on('message', (msg, rinfo) => {
        this.stats.udp++;
        void this.handle(msg, false).then(
          (reply) => {
            if (reply) sock.send(reply, rinfo.port, rinfo.address, () => undefined);
          },
          (e) => this.log(`dns: ${(e as Error).message}`),
        );
      });
      srv.on('error', (e) => this.log(`dns tcp: ${e.message}`));
      this.udp4 = sock;
      this.tcpServer = srv;
      this.listenHost = host;
      this.serverLabel = `dns://${net.isIPv6(host) ? `[${host}]` : host}:${bound}`;
      return bound;
    }
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await Promise.all([
      new Promise<void>((r) => (this.tcpServer ? this.tcpServer.close(() => r()) : r())),
      new Promise<void>((r) => {
        if (!this.udp4) return r();
        try {
          this.udp4.close(() => r());
        } catch {
          r();
        }
      }),
    ]);
    this.udp4 = undefined;
    this.tcpServer = undefined;
  }

  private onConnection(c: net.Socket): void {
    if (this.conns.size >= this.maxTcp) {
      c.destroy();
      return;
    }
    this.conns.add(c);
    c.setTimeout(this.idleMs, () => c.destroy());
    c.on('error', () => c.destroy());
    c.on('close', () => this.conns.delete(c));
    let buf = Buffer.alloc(0);
    let busy = false;
    // One query at a time per connection: a client that pipelines waits, and at most one
    // message (<= 64 KiB) is buffered beyond the one being answered.
    const pump = async () => {
      if (busy) return;
      busy = true;
      try {
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0) && !c.destroyed) {
          const len = buf.readUInt16BE(0);
          const msg = Buffer.from(buf.subarray(2, 2 + len));
          buf = buf.subarray(2 + len);
          this.stats.tcp++;
          const reply = await this.handle(msg, true).catch(() => undefined);
          if (!reply) {
            c.destroy();
            return;
          }
          const head = Buffer.alloc(2);
          head.writeUInt16BE(reply.length, 0);
          c.write(Buffer.concat([head, reply]));
        }
      } finally {
        busy = false;
      }
    };
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > 2 * (2 + 65535)) {
        c.destroy();
        return;
      }
      void pump();
    });
  }

  /** Answers one message; undefined: nothing is sent back (not a query, or too short to answer). */
  async handle(msg: Buffer, tcp: boolean): Promise<Buffer | undefined> {
    const started = performance.now();
    const seen: { type?: string } = {};
    const reply = await this.answer(msg, tcp, seen);
    if (reply) {
      observeQuery(
        this.serverLabel,
        tcp ? 'tcp' : 'udp',
        net.isIPv6(this.listenHost) ? '2' : '1',
        seen.type,
        reply.length >= 4 ? reply[3] & 0xf : undefined,
        (performance.now() - started) / 1000,
      );
    }
    return reply;
  }

  private async answer(msg: Buffer, tcp: boolean, seen: { type?: string }): Promise<Buffer | undefined> {
    if (msg.length < 12) {
      this.stats.dropped++;
      return undefined;
    }
    // A response sent to us is never answered: answering could loop between two servers.
    if (msg.readUInt16BE(2) & FLAG_QR) {
      this.stats.dropped++;
      return undefined;
    }
    let q: DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      this.stats.formerr++;
      return headerReply(msg, RCODE.FORMERR);
    }
    if ((msg.readUInt16BE(2) & 0x7800) !== 0) return headerReply(msg, RCODE.NOTIMP);
    const question = q.questions?.[0];
    if (!question || q.questions!.length !== 1) {
      this.stats.formerr++;
      return headerReply(msg, RCODE.FORMERR);
    }
    seen.type = question.type;
    const opt = (q.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const limit = tcp ? 65535 : opt ? Math.min(Math.max(512, opt.udpPayloadSize ?? 512), EDNS_SIZE) : 512;
    if ((question.class ?? 'IN') !== 'IN') return this.reply(q, RCODE.REFUSED, [], [], [], false, opt !== undefined, limit);
    if (question.type === 'AXFR' || question.type === 'IXFR')
      return this.reply(q, RCODE.REFUSED, [], [], [], false, opt !== undefined, limit);

    let zoneAnswer;
    try {
      zoneAnswer = this.opts.zone.answer(question.name, question.type);
    } catch (e) {
      this.log(`dns: answering ${question.name}: ${(e as Error).message}`);
      return headerReply(msg, RCODE.SERVFAIL);
    }
    if (!zoneAnswer) {
      const key = this.cache ? AnswerCache.key(q) : undefined;
      const kept = key ? this.cache!.get(key, question.name) : undefined;
      if (kept) return this.reply(q, kept.rcode, kept.answers, kept.authorities, kept.additionals, false, opt !== undefined, limit);
      this.stats.forwarded++;
      const reply = await this.opts.forwarder.exchange(msg, tcp);
      if (reply === 'refused') return headerReply(msg, RCODE.REFUSED);
      if (!reply) return headerReply(msg, RCODE.SERVFAIL);
      if (key) this.cache!.put(key, reply);
      return reply;
    }
    const answers = [...zoneAnswer.answers];
    if (zoneAnswer.chase) answers.push(...(await this.chase(zoneAnswer.chase, question.type, tcp)));
    return this.reply(q, zoneAnswer.rcode, answers, zoneAnswer.authorities, zoneAnswer.additionals, true, opt !== undefined, limit);
  }

  /** An ExternalName's target outside the zone, resolved through the upstreams (CoreDNS's upstream lookup). */
  private async chase(target: string, qtype: string, tcp: boolean): Promise<Answer[]> {
    let query: Buffer;
    try {
      query = dnsPacket.encode({
        type: 'query',
        id: 0,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: qtype as 'A', name: target }],
      });
    } catch {
      return [];
    }
    const reply = await this.opts.forwarder.exchange(query, tcp);
    if (!reply || reply === 'refused') return [];
    try {
      return (dnsPacket.decode(reply).answers ?? []).filter((a) => a.type === qtype || a.type === 'CNAME').slice(0, 32);
    } catch {
      return [];
    }
  }

  private reply(
    q: DecodedPacket,
    rcode: number,
    answers: Answer[],
    authorities: Answer[],
    additionals: Answer[],
    authoritative: boolean,
    edns: boolean,
    limit: number,
  ): Buffer {
    const flags = (authoritative ? FLAG_AA : 0) | ((q.flags ?? 0) & FLAG_RD) | FLAG_RA | rcode;
    const extra: Answer[] = edns
      ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
      : [];
    const packet: Packet = {
      type: 'response',
      id: q.id,
      flags,
      questions: q.questions,
      answers,
      authorities,
      additionals: [...additionals, ...extra],
    };
    let out: Buffer;
    try {
      out = dnsPacket.encode(packet);
    } catch (e) {
      this.log(`dns: encoding the answer to ${q.questions?.[0]?.name}: ${(e as Error).message}`);
      const head = Buffer.alloc(12);
      head.writeUInt16BE(q.id ?? 0, 0);
      head.writeUInt16BE(FLAG_QR | ((q.flags ?? 0) & FLAG_RD) | FLAG_RA | RCODE.SERVFAIL, 2);
      return head;
    }
    if (out.length <= limit) return out;
    // Too big for the client's UDP limit: truncated, so it asks again over TCP.
    return dnsPacket.encode({ ...packet, flags: flags | FLAG_TC, answers: [], authorities: [], additionals: extra });
  }
}
