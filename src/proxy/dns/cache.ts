// The answers of names outside the cluster, kept as CoreDNS's cache plugin keeps them with the
// `cache 30` of the Corefile Kubernetes installs: a positive answer for its smallest TTL, a
// denial (NXDOMAIN, NODATA) for its SOA's minimum, both at most 30 s; served with the TTLs
// counted down and the asker's id. Errors and truncated answers are not kept. The cluster zone
// is not cached: it is answered from the informer caches, current at every query.

import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';

export interface CacheOptions {
  /** The longest an answer is kept, s (CoreDNS: `cache 30`). */
  maxTTL?: number;
  /** Entries at most (CoreDNS's default capacity: 9984); the oldest go first. */
  capacity?: number;
  now?: () => number;
}

interface Entry {
  packet: DecodedPacket;
  rcode: number;
  storedAt: number;
  expires: number;
}

export interface CachedAnswer {
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

function ttlOf(a: Answer): number | undefined {
  return a.type === 'OPT' ? undefined : (a as { ttl?: number }).ttl;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxTTL: number;
  private readonly capacity: number;
  private readonly now: () => number;
  hits = 0;
  misses = 0;

  constructor(opts: CacheOptions = {}) {
    this.maxTTL = opts.maxTTL ?? 30;
    this.capacity = opts.capacity ?? 9984;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The key of a question: name (case-insensitive), type, class and the DNSSEC bits that change an answer. */
  static key(q: DecodedPacket): string | undefined {
    const question = q.questions?.[0];
    if (!question) return undefined;
    const opt = (q.additionals ?? []).find((a) => a.type === 'OPT') as { flag_do?: boolean } | undefined;
    return `${question.name.toLowerCase()}|${question.type}|${question.class ?? 'IN'}|${opt?.flag_do ? 1 : 0}|${q.flag_cd ? 1 : 0}`;
  }

  /**
   * A kept answer to the question, TTLs counted down, the question's name spelled as this asker
   * spelled it (resolvers may check the case they sent, DNS 0x20); OPT left out (the server adds
   * its own). undefined: none.
   */
  get(key: string, qname: string): CachedAnswer | undefined {
    const e = this.entries.get(key);
    const now = this.now();
    if (!e || e.expires <= now) {
      if (e) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    const elapsed = Math.floor((now - e.storedAt) / 1000);
    // No record outlives its entry: TTLs are capped as the entry was (CoreDNS serves the entry's remaining TTL).
    const remaining = Math.ceil((e.expires - now) / 1000);
    const lower = qname.toLowerCase();
    const age = (as: Answer[] | undefined) =>
      (as ?? [])
        .filter((a) => a.type !== 'OPT')
        .map(
          (a) =>
            ({
              ...a,
              name: a.name.toLowerCase() === lower ? qname : a.name,
              ttl: Math.max(0, Math.min((ttlOf(a) ?? 0) - elapsed, remaining)),
            }) as Answer,
        );
    return {
      rcode: e.rcode,
      answers: age(e.packet.answers),
      authorities: age(e.packet.authorities),
      additionals: age(e.packet.additionals),
    };
  }

  /** Keeps an upstream's reply if it may be kept. */
  put(key: string, reply: Buffer): void {
    let p: DecodedPacket;
    try {
      p = dnsPacket.decode(reply);
    } catch {
      return;
    }
    if (p.flag_tc) return;
    const rcode = reply.readUInt16BE(2) & 0xf;
    let ttl: number | undefined;
    if (rcode === 0 && (p.answers ?? []).length) {
      ttl = Math.min(...(p.answers ?? []).map((a) => ttlOf(a) ?? this.maxTTL));
    } else if (rcode === 0 || rcode === 3) {
      // A denial lasts as long as its SOA says (RFC 2308: the smaller of its TTL and minimum).
      const soa = (p.authorities ?? []).find((a) => a.type === 'SOA') as { ttl?: number; data?: { minimum?: number } } | undefined;
      if (!soa) return;
      ttl = Math.min(soa.ttl ?? 0, soa.data?.minimum ?? 0);
    } else {
      return;
    }
    ttl = Math.min(ttl, this.maxTTL);
    if (!(ttl > 0)) return;
    if (this.entries.size >= this.capacity && !this.entries.has(key)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { packet: p, rcode, storedAt: now, expires: now + ttl * 1000 });
  }
}
