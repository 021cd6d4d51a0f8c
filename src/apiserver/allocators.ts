// ClusterIP and NodePort allocation, as kube-apiserver's service registry does it: random
// free values from the service CIDR and the node-port range, explicit requests honoured
// unless taken or out of range.
//
// Several API servers may share one store, so the allocation state lives there, as
// kube-apiserver's allocator/storage.Etcd keeps it: one RangeAllocation object per range
// (/registry/ranges/serviceips, /registry/ranges/servicenodeports) holding the range and a
// bitmap of what is taken. Every change is a compare-and-swap of that object: read it, bring
// the in-memory bitmap up to it when another server changed it, allocate or release, write
// it back at the revision read, and start again on a conflict (GuaranteedUpdate). Two servers
// can therefore never hand out the same address or port: the second write of the same
// revision loses and redoes its pick on the newer bitmap.

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { FieldError } from '../api/errors.js';
import { type CIDR, intToIp, ipToInt, isHostAddress, isIPv4, parseCIDR } from '../api/net.js';
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, type Store } from '../store/types.js';

/** One bit per offset in a range; bit i lives in byte i >> 3 (RangeAllocation.data). */
export class Bitmap {
  private bits: Uint8Array;
  count = 0;
  constructor(readonly size: number) {
    this.bits = new Uint8Array(Math.ceil(size / 8));
  }
  has(i: number): boolean {
    return (this.bits[i >> 3] & (1 << (i & 7))) !== 0;
  }
  set(i: number): boolean {
    if (i < 0 || i >= this.size || this.has(i)) return false;
    this.bits[i >> 3] |= 1 << (i & 7);
    this.count++;
    return true;
  }
  clear(i: number): void {
    if (i < 0 || i >= this.size || !this.has(i)) return;
    this.bits[i >> 3] &= ~(1 << (i & 7));
    this.count--;
  }
  /** A random clear bit in [lo, hi), or undefined when there is none. */
  pick(lo: number, hi: number): number | undefined {
    if (this.countIn(lo, hi) >= hi - lo) return undefined;
    // Random probing keeps allocation O(1) while the range is mostly free, as Kubernetes'
    // random-scan allocator does; fall back to a scan when it is nearly full.
    for (let k = 0; k < 64; k++) {
      const i = lo + Math.floor(Math.random() * (hi - lo));
      if (!this.has(i)) return i;
    }
    for (let i = lo; i < hi; i++) if (!this.has(i)) return i;
    return undefined;
  }
  private countIn(lo: number, hi: number): number {
    if (lo === 0 && hi === this.size) return this.count;
    let n = 0;
    for (let i = lo; i < hi; i++) if (this.has(i)) n++;
    return n;
  }
  /** The bitmap without its trailing zero bytes (a mostly empty range stays small). */
  snapshot(): Uint8Array {
    let end = this.bits.length;
    while (end > 0 && this.bits[end - 1] === 0) end--;
    return this.bits.slice(0, end);
  }
  restore(data: Uint8Array): void {
    this.bits = new Uint8Array(Math.ceil(this.size / 8));
    const from = data.subarray(0, this.bits.length);
    this.bits.set(from);
    // Only the bytes copied can have a bit set (a snapshot leaves the trailing zeros out): the
    // service range's 128 KiB were counted whole at every start of the API server (#13).
    let n = 0;
    for (let i = 0; i < from.length; i++) {
      let x = from[i];
      while (x) {
        x &= x - 1;
        n++;
      }
    }
    this.count = n;
  }
}

/** What both allocators share: a bitmap over a range, kept as a RangeAllocation in the store. */
export interface RangeBitmap {
  /** The range as RangeAllocation.range says it ("10.96.0.0/12", "30000-32767"). */
  readonly range: string;
  readonly bitmap: Bitmap;
}

/** What one repair pass found and did. */
export interface RepairResult {
  /** Values held by no service, kept for now (a write in flight may be about to store them). */
  leaked: number;
  /** Values held by no service for `rounds` passes in a row, given back. */
  freed: number;
  /** Values services hold that the stored bitmap lacked, marked taken. */
  added: number;
  /** The stored range changed meanwhile (an allocation in flight): nothing written, next pass. */
  raced: boolean;
}

export class IPAllocator implements RangeBitmap {
  private readonly net: CIDR;
  readonly bitmap: Bitmap;
  constructor(public readonly cidr: string) {
    this.net = parseCIDR(cidr);
    this.bitmap = new Bitmap(this.net.size);
  }
  get range(): string {
    return this.cidr;
  }
  get base(): number {
    return this.net.network;
  }
  get size(): number {
    return this.net.size;
  }
  /** Network and broadcast addresses are never handed out. */
  contains(ip: string): boolean {
    return isHostAddress(this.net, ip);
  }
  isUsed(ip: string): boolean {
    return isIPv4(ip) && this.contains(ip) && this.bitmap.has(ipToInt(ip) - this.base);
  }
  /** Marks ip used; false when it is taken or outside the range. */
  allocate(ip: string): boolean {
    if (!this.contains(ip)) return false;
    return this.bitmap.set(ipToInt(ip) - this.base);
  }
  allocateNext(): string | undefined {
    const i = this.bitmap.pick(1, this.size - 1);
    if (i === undefined) return undefined;
    this.bitmap.set(i);
    return intToIp(this.base + i);
  }
  release(ip: string): void {
    if (isIPv4(ip) && this.contains(ip)) this.bitmap.clear(ipToInt(ip) - this.base);
  }
  get allocated(): number {
    return this.bitmap.count;
  }
  /** The bit of ip, if it is a host address of the range. */
  offsetOf(ip: string): number | undefined {
    return isIPv4(ip) && this.contains(ip) ? ipToInt(ip) - this.base : undefined;
  }
}

export class PortAllocator implements RangeBitmap {
  readonly bitmap: Bitmap;
  constructor(
    public readonly min = 30000,
    public readonly max = 32767,
  ) {
    this.bitmap = new Bitmap(max - min + 1);
  }
  inRange(p: number): boolean {
    return Number.isInteger(p) && p >= this.min && p <= this.max;
  }
  isUsed(p: number): boolean {
    return this.inRange(p) && this.bitmap.has(p - this.min);
  }
  allocate(p: number): boolean {
    return this.inRange(p) && this.bitmap.set(p - this.min);
  }
  allocateNext(): number | undefined {
    const i = this.bitmap.pick(0, this.bitmap.size);
    if (i === undefined) return undefined;
    this.bitmap.set(i);
    return this.min + i;
  }
  release(p: number): void {
    if (this.inRange(p)) this.bitmap.clear(p - this.min);
  }
  get range(): string {
    return `${this.min}-${this.max}`;
  }
  /** The bit of port p, if it is in the range. */
  offsetOf(p: number): number | undefined {
    return this.inRange(p) ? p - this.min : undefined;
  }
}

/** The stored form, core/v1 RangeAllocation: the range and its bitmap (base64). */
interface RangeAllocation {
  kind: 'RangeAllocation';
  apiVersion: 'v1';
  metadata: { name: string; annotations?: Record<string, string> };
  range: string;
  data: string;
}

/**
 * The bitmap is stored deflated (said by this annotation): a /12 service range is a 128 KiB
 * bitmap that random allocation soon fills out to its end, and each service write stores it
 * again (with its history until compaction); deflated, a sparse one is a few hundred bytes.
 */
const ENCODING_ANNOTATION = 'k8ts.io/range-data-encoding';

function encodeRange(range: string, bitmap: Bitmap): string {
  return JSON.stringify({
    kind: 'RangeAllocation',
    apiVersion: 'v1',
    metadata: { name: '', annotations: { [ENCODING_ANNOTATION]: 'deflate' } },
    range,
    data: deflateRawSync(bitmap.snapshot()).toString('base64'),
  } satisfies RangeAllocation);
}

/** The stored range and bitmap bytes (deflated or, as first written, not). */
function decodeRange(value: string): { range: string; data: Uint8Array } {
  const ra = JSON.parse(value) as RangeAllocation;
  const raw = Buffer.from(ra.data ?? '', 'base64');
  return { range: ra.range, data: ra.metadata?.annotations?.[ENCODING_ANNOTATION] === 'deflate' ? inflateRawSync(raw) : raw };
}

/**
 * One range kept in the store: the allocator is this server's copy of the stored bitmap as of
 * `revision`. update() is the only way to change it; calls in this process take turns (the
 * copy is shared), and across servers the store's compare-and-swap decides.
 */
export class StoredRange<A extends RangeBitmap> {
  private revision = 0;
  private turn: Promise<unknown> = Promise.resolve();
  constructor(
    readonly alloc: A,
    private readonly store: Store | undefined,
    readonly key: string,
  ) {}

  /**
   * Runs fn on the newest stored bitmap and stores what it changed. fn may run more than once
   * (after a lost race) and must start from its inputs each time; it returns whether it changed
   * the bitmap. When fn throws, the copy is put back as it was and nothing is written.
   */
  update<R>(fn: (alloc: A) => { result: R; changed: boolean }): Promise<R> {
    const run = this.turn.then(() => this.guaranteedUpdate(fn));
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * One pass of kube-apiserver's repair controllers (ipallocator/controller/repair.go,
   * portallocator/controller/repair.go), which every API server runs: the stored bitmap is
   * rebuilt from what the services hold. A value no service holds may belong to a write that
   * allocated it and has not stored its service yet, so it is given back only after it stayed
   * unheld for `rounds` passes in a row (`leaks` carries the counts between passes). The
   * range is read first and written at that revision, so any allocation or release made
   * meanwhile makes the write lose and the pass is left to the next one.
   */
  repair(listHeld: () => Promise<number[]>, leaks: Map<number, number>, rounds = 3): Promise<RepairResult> {
    const run = this.turn.then(() => this.repairOnce(listHeld, leaks, rounds));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async repairOnce(listHeld: () => Promise<number[]>, leaks: Map<number, number>, rounds: number): Promise<RepairResult> {
    const out: RepairResult = { leaked: 0, freed: 0, added: 0, raced: false };
    if (!this.store) return out;
    const kv = await this.store.get(this.key);
    const stored = new Bitmap(this.alloc.bitmap.size);
    if (kv) {
      const ra = decodeRange(kv.value);
      if (ra.range !== this.alloc.range)
        throw new Error(`the stored range ${this.key} is ${ra.range}, this API server's is ${this.alloc.range}`);
      stored.restore(ra.data);
    }
    const held = new Set(await listHeld());
    const rebuilt = new Bitmap(this.alloc.bitmap.size);
    for (const i of held) {
      rebuilt.set(i);
      if (!stored.has(i)) out.added++;
    }
    const counted = new Map<number, number>();
    for (let i = 0; i < stored.size; i++) {
      if (!stored.has(i) || held.has(i)) continue;
      const n = (leaks.get(i) ?? 0) + 1;
      counted.set(i, n);
      if (n >= rounds) {
        out.freed++;
        continue;
      }
      rebuilt.set(i);
      out.leaked++;
    }
    // Counted whether or not the write below wins: a value still unheld next pass is one pass closer to free.
    leaks.clear();
    for (const [i, n] of counted) leaks.set(i, n);
    if (out.added === 0 && out.freed === 0) return out;
    const value = encodeRange(this.alloc.range, rebuilt);
    try {
      const written = kv ? await this.store.update(this.key, value, kv.modRevision) : await this.store.create(this.key, value);
      this.alloc.bitmap.restore(rebuilt.snapshot());
      this.revision = written.modRevision;
    } catch (e) {
      if (!(e instanceof RevisionMismatchError || e instanceof KeyExistsError || e instanceof KeyNotFoundError)) throw e;
      return { ...out, freed: 0, added: 0, raced: true };
    }
    for (const [i, n] of counted) if (n >= rounds) leaks.delete(i);
    return out;
  }

  private async guaranteedUpdate<R>(fn: (alloc: A) => { result: R; changed: boolean }): Promise<R> {
    const bitmap = this.alloc.bitmap;
    if (!this.store) {
      const before = bitmap.snapshot();
      try {
        return fn(this.alloc).result;
      } catch (e) {
        bitmap.restore(before);
        throw e;
      }
    }
    for (;;) {
      const kv = await this.store.get(this.key);
      if (kv && kv.modRevision !== this.revision) {
        const stored = decodeRange(kv.value);
        if (stored.range !== this.alloc.range)
          throw new Error(
            `the stored range ${this.key} is ${stored.range}, this API server's is ${this.alloc.range}: every API server must be started with the same range`,
          );
        bitmap.restore(stored.data);
        this.revision = kv.modRevision;
      } else if (!kv) {
        // Not stored yet (a new cluster, or one made before ranges were stored): what this
        // server holds (claimed from the stored services at start) is the starting point.
      }
      const before = bitmap.snapshot();
      let out: { result: R; changed: boolean };
      try {
        out = fn(this.alloc);
      } catch (e) {
        bitmap.restore(before);
        throw e;
      }
      if (!out.changed && kv) return out.result;
      const value = encodeRange(this.alloc.range, bitmap);
      try {
        const written = kv ? await this.store.update(this.key, value, kv.modRevision) : await this.store.create(this.key, value);
        this.revision = written.modRevision;
        return out.result;
      } catch (e) {
        bitmap.restore(before);
        if (e instanceof RevisionMismatchError || e instanceof KeyExistsError || e instanceof KeyNotFoundError) {
          // Another server wrote the range first: read it again and redo fn on its bitmap.
          this.revision = -1;
          continue;
        }
        throw e;
      }
    }
  }
}

export interface ServiceAllocators {
  clusterIPs: StoredRange<IPAllocator>;
  nodePorts: StoredRange<PortAllocator>;
}

/** kube-apiserver's keys for the two ranges. */
export const SERVICE_IPS_KEY = '/registry/ranges/serviceips';
export const SERVICE_NODE_PORTS_KEY = '/registry/ranges/servicenodeports';

/** The allocators of an API server; with a store, their state is kept there (shared by every API server on it). */
export function newServiceAllocators(serviceCIDR = '10.96.0.0/12', nodePortRange = '30000-32767', store?: Store): ServiceAllocators {
  const [lo, hi] = nodePortRange.split('-').map(Number);
  return {
    clusterIPs: new StoredRange(new IPAllocator(serviceCIDR), store, SERVICE_IPS_KEY),
    nodePorts: new StoredRange(new PortAllocator(lo, hi), store, SERVICE_NODE_PORTS_KEY),
  };
}

export type { FieldError };
