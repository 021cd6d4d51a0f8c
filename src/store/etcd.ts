// The Store on etcd v3 (through the etcd3 client): the counterpart of kube-apiserver's
// etcd3 storage (k8s.io/apiserver/pkg/storage/etcd3/store.go). Revisions are etcd's:
// an object's resourceVersion is its key's mod_revision; create is a transaction
// "if create_revision == 0 then put", update "if mod_revision == expected then put else get",
// watch is an etcd watch with prev_kv, compaction is etcd's compaction.
//
// Keys: the API server's keys start with /registry (kube-apiserver's default --etcd-prefix);
// that leading /registry is replaced by the configured prefix, so with the default the etcd
// keyspace is the store's keyspace. Keys outside /registry (tests only) are stored as they are.
//
// Watch delivery. The in-process stores deliver a write's events before any later call
// resolves, and the watch cache treats the store's current revision as a progress
// notification (watchhub.ts). etcd delivers watch events asynchronously, and the etcd in
// Debian (3.4.23) answers progress requests without ordering them after pending events (the
// bug kube-apiserver works around by requiring etcd >= 3.4.31 for consistent reads from
// cache). So this store keeps ONE etcd watch over the whole keyspace, from the revision at
// which it connected: every etcd revision carries at least one event, so once that watch has
// delivered the event of revision R, every event at or below R has been delivered. Every call
// that answers a revision (writes, reads, currentRevision) first waits until the watch has
// reached it, which restores the in-process guarantee; subscribers are fanned out from that
// one watch by a WatchHub (replaying older history through a second, temporary etcd watch).
// The cost: one watch stream carries every key of the etcd, so an etcd shared with other
// users ships their events too.

import { Etcd3, type Watcher as EtcdWatcher, type IOptions, Range } from 'etcd3';
import * as storage from './types.js';
import { WatchHub } from './watchhub.js';

// In store/kind.ts, which the CLI loads without the etcd client.
export { parseEtcdEndpoints } from './kind.js';

const REGISTRY = '/registry';
/** kube-apiserver's compactor key (storage/etcd3/compact.go), outside every prefix. */
const COMPACT_REV_KEY = 'compact_rev_key';
const EVERYTHING = new Range(Buffer.from([0]), Buffer.from([0]));

export interface EtcdStoreOptions {
  /** host:port or URLs of the members. */
  endpoints: string[];
  /** Replaces the leading /registry of the store's keys (kube-apiserver's --etcd-prefix). */
  prefix?: string;
  /** PEM texts for TLS (kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile). */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

interface RawKv {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
  version?: string;
}
interface RawEvent {
  type: 'Put' | 'Delete';
  kv: RawKv;
  prev_kv?: RawKv;
}
interface RawWatchResponse {
  header: { revision: string };
  events: RawEvent[];
}

interface Waiter {
  revision: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // no upper bound: every key from key on
}

function isCompacted(e: unknown): boolean {
  return /required revision has been compacted/.test((e as Error)?.message ?? '');
}
function isFuture(e: unknown): boolean {
  return /future revision/.test((e as Error)?.message ?? '');
}

export class EtcdStore implements storage.Store {
  readonly name = 'etcd';
  private readonly client: Etcd3;
  private readonly prefix: string;
  private hub = new WatchHub();
  private hubWatch?: EtcdWatcher;
  /** Every event at or below this revision has been delivered to the hub's subscribers. */
  private position = 0;
  private waiters: Waiter[] = [];
  private knownCompacted = 0;
  private closed = false;

  private constructor(opts: EtcdStoreOptions) {
    if (opts.endpoints.length === 0) throw new Error('the etcd store needs at least one endpoint');
    this.prefix = opts.prefix ?? REGISTRY;
    // A list of the whole prefix is one range response: gRPC's 4 MiB default receive limit
    // is ~3,000 pods (kube-apiserver raises it to MaxInt32 as well).
    const o: IOptions = { hosts: opts.endpoints, dialTimeout: 5000, grpcOptions: { 'grpc.max_receive_message_length': -1 } };
    if (opts.tls) o.credentials = { rootCertificate: opts.tls.ca ?? Buffer.alloc(0), certChain: opts.tls.cert, privateKey: opts.tls.key };
    this.client = new Etcd3(o);
  }

  /** Connects and starts following the keyspace. */
  static async connect(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const s = new EtcdStore(opts);
    try {
      await s.startHub();
    } catch (e) {
      s.client.close();
      throw new Error(`cannot reach etcd at ${opts.endpoints.join(',')}: ${(e as Error).message}`);
    }
    return s;
  }

  // ---- keys ----

  private toEtcd(key: string): Buffer {
    if (this.prefix !== REGISTRY && (key === REGISTRY || key.startsWith(`${REGISTRY}/`)))
      return Buffer.from(this.prefix + key.slice(REGISTRY.length));
    return Buffer.from(key);
  }

  private fromEtcd(key: Buffer): string {
    const k = key.toString();
    if (this.prefix !== REGISTRY && (k === this.prefix || k.startsWith(`${this.prefix}/`))) return REGISTRY + k.slice(this.prefix.length);
    return k;
  }

  private kv(raw: RawKv): storage.KeyValue {
    return {
      key: this.fromEtcd(raw.key),
      value: raw.value.toString(),
      createRevision: Number(raw.create_revision),
      modRevision: Number(raw.mod_revision),
    };
  }

  // ---- the one watch ----

  private async startHub(): Promise<void> {
    const rev = await this.headerRevision();
    const w = await this.client
      .watch()
      .inRange(EVERYTHING)
      .withPreviousKV()
      .startRevision(String(rev + 1))
      .create();
    if (this.closed) {
      void w.cancel();
      return;
    }
    this.hubWatch = w;
    this.advance(rev);
    w.on('data', (res: RawWatchResponse) => this.onHubData(res));
    w.on('error', (err: Error) => this.onHubError(err));
  }

  private onHubData(res: RawWatchResponse): void {
    for (const ev of res.events) {
      const e = this.event(ev);
      this.hub.publish(e);
    }
    this.advance(Number(res.header.revision));
  }

  /** The watch cannot resume (its history was compacted while disconnected): subscribers re-list. */
  private onHubError(err: Error): void {
    if (this.closed) return;
    this.hubWatch = undefined;
    this.hub.closeAll(new Error(`etcd watch ended: ${err.message}`));
    this.hub = new WatchHub();
    const retry = (): void => {
      if (this.closed) return;
      this.startHub().catch(() => setTimeout(retry, 1000).unref());
    };
    retry();
  }

  private event(ev: RawEvent): storage.WatchEvent {
    const prevKv = ev.prev_kv ? this.kv(ev.prev_kv) : undefined;
    if (ev.type === 'Delete') {
      const modRevision = Number(ev.kv.mod_revision);
      const kv: storage.KeyValue = prevKv
        ? { ...prevKv, modRevision }
        : { key: this.fromEtcd(ev.kv.key), value: '', createRevision: 0, modRevision };
      return { type: 'delete', kv, prevKv };
    }
    return prevKv ? { type: 'put', kv: this.kv(ev.kv), prevKv } : { type: 'put', kv: this.kv(ev.kv) };
  }

  private advance(rev: number): void {
    if (rev <= this.position) return;
    this.position = rev;
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.revision <= rev) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Resolves once every event at or below rev has reached the subscribers. */
  private reached(rev: number): Promise<void> {
    if (rev <= this.position) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('store closed'));
    return new Promise((resolve, reject) => this.waiters.push({ revision: rev, resolve, reject }));
  }

  private async headerRevision(): Promise<number> {
    const res = await this.client.kv.range({ key: Buffer.from([0]), count_only: true });
    return Number(res.header.revision);
  }

  // ---- Store ----

  async currentRevision(): Promise<number> {
    this.checkOpen();
    const rev = await this.headerRevision();
    await this.reached(rev);
    return rev;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    const ok = async (rev: number): Promise<boolean> => {
      try {
        await this.client.kv.range({ key: Buffer.from([0]), count_only: true, revision: rev });
        return true;
      } catch (e) {
        if (isCompacted(e)) return false;
        throw e;
      }
    };
    // etcd does not report its compacted revision outside a watch: find the oldest readable
    // revision (reads at the compacted revision succeed, below it fail).
    const current = await this.headerRevision();
    let lo = Math.max(1, this.knownCompacted);
    if (await ok(lo)) return lo <= 1 ? 0 : lo;
    let hi = current;
    while (lo + 1 < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await ok(mid)) hi = mid;
      else lo = mid;
    }
    this.knownCompacted = Math.max(this.knownCompacted, hi);
    return hi;
  }

  async get(key: string): Promise<storage.KeyValue | undefined> {
    this.checkOpen();
    const res = await this.client.kv.range({ key: this.toEtcd(key) });
    await this.reached(Number(res.header.revision));
    const raw = (res.kvs as RawKv[])[0];
    return raw ? this.kv(raw) : undefined;
  }

  async range(prefix: string, opts: storage.RangeOptions = {}): Promise<storage.RangeResult> {
    this.checkOpen();
    const p = this.toEtcd(prefix);
    const start = opts.startKey !== undefined && opts.startKey > prefix ? this.toEtcd(opts.startKey) : p;
    let res;
    try {
      res = await this.client.kv.range({
        key: start.length === 0 ? Buffer.from([0]) : start,
        range_end: prefixEnd(p),
        limit: opts.limit && opts.limit > 0 && !opts.countOnly ? opts.limit : 0,
        revision: opts.revision || 0,
        count_only: !!opts.countOnly,
      });
    } catch (e) {
      if (isCompacted(e)) throw new storage.CompactedError(opts.revision ?? 0, await this.compactedRevision());
      if (isFuture(e)) throw new Error(`required revision ${opts.revision} is a future revision`);
      throw e;
    }
    const header = Number(res.header.revision);
    await this.reached(header);
    const kvs = opts.countOnly ? [] : (res.kvs as RawKv[]).map((raw) => this.kv(raw));
    return { kvs, revision: opts.revision || header, more: !opts.countOnly && !!res.more, count: Number(res.count) };
  }

  async create(key: string, value: string): Promise<storage.KeyValue> {
    this.checkOpen();
    const k = this.toEtcd(key);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [],
    });
    if (!res.succeeded) throw new storage.KeyExistsError(key);
    const rev = Number(res.header.revision);
    await this.reached(rev);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<storage.KeyValue> {
    this.checkOpen();
    const k = this.toEtcd(key);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
      success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    const rev = Number(res.header.revision);
    await this.reached(rev);
    if (!res.succeeded) throw this.mismatch(key, res.responses[0]?.response_range?.kvs as RawKv[] | undefined);
    const prev = res.responses[0]?.response_put?.prev_kv as RawKv | undefined;
    if (!prev) throw new Error(`etcd update of ${key} returned no previous value`);
    return { key, value, createRevision: Number(prev.create_revision), modRevision: rev };
  }

  async delete(key: string, expectedModRevision?: number): Promise<storage.KeyValue> {
    this.checkOpen();
    const k = this.toEtcd(key);
    const res = await this.client.kv.txn({
      compare:
        expectedModRevision === undefined
          ? [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }]
          : [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    const rev = Number(res.header.revision);
    await this.reached(rev);
    if (!res.succeeded) throw this.mismatch(key, res.responses[0]?.response_range?.kvs as RawKv[] | undefined);
    const prev = (res.responses[0]?.response_delete_range?.prev_kvs as RawKv[] | undefined)?.[0];
    if (!prev) throw new storage.KeyNotFoundError(key);
    return { ...this.kv(prev), key, modRevision: rev };
  }

  private mismatch(key: string, kvs: RawKv[] | undefined): Error {
    const cur = kvs?.[0];
    return cur ? new storage.RevisionMismatchError(key, this.kv(cur)) : new storage.KeyNotFoundError(key);
  }

  async watch(prefix: string, after: number, onEvent: storage.EventHandler, onError?: storage.ErrorHandler): Promise<storage.Watcher> {
    this.checkOpen();
    const compacted = this.knownCompacted > after ? this.knownCompacted : 0;
    if (compacted) throw new storage.CompactedError(after, await this.compactedRevision());
    // Revision 1 is etcd's empty start: it has no event, so nothing older needs replaying.
    if (after >= this.position || this.position <= 1) return this.hub.add(prefix, Math.max(after, this.position), [], onEvent, onError);
    // Older history: a temporary watch replays it until it meets the hub's position; in that
    // same synchronous step the subscriber joins the hub, so no event is missed or repeated.
    const replay: storage.WatchEvent[] = [];
    let w: EtcdWatcher;
    try {
      w = await this.client
        .watch()
        .inRange(EVERYTHING)
        .withPreviousKV()
        .startRevision(String(after + 1))
        .create();
    } catch (e) {
      if (isCompacted(e)) throw new storage.CompactedError(after, await this.compactedRevision());
      throw e;
    }
    return new Promise<storage.Watcher>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        done = true;
        void w.cancel().catch(() => undefined);
      };
      w.on('data', (res: RawWatchResponse) => {
        if (done) return;
        let last = 0;
        for (const ev of res.events) {
          const e = this.event(ev);
          last = e.kv.modRevision;
          if (last <= this.position && e.kv.key.startsWith(prefix)) replay.push(e);
        }
        if (this.closed) {
          finish();
          reject(new Error('store closed'));
        } else if (last >= this.position) {
          finish();
          resolve(this.hub.add(prefix, this.position, replay, onEvent, onError));
        }
      });
      w.on('error', (err: Error) => {
        if (done) return;
        finish();
        if (isCompacted(err)) this.compactedRevision().then((c) => reject(new storage.CompactedError(after, c)), reject);
        else reject(err);
      });
    });
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    const current = await this.headerRevision();
    if (revision > current) throw new Error(`cannot compact at future revision ${revision} (current ${current})`);
    if (revision <= this.knownCompacted) return;
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (e) {
      if (!isCompacted(e)) throw e; // already compacted past it (another API server did)
    }
    this.knownCompacted = Math.max(this.knownCompacted, revision);
  }

  /**
   * kube-apiserver's compactor round: the key compact_rev_key (at the root of the keyspace, as
   * kube-apiserver keeps it, so API servers of every prefix take turns) is written only if its
   * version is still the round this server saw; the one write that succeeds compacts. The
   * others learn the new round and leave this one alone.
   */
  async compactRound(seenRound: number, revision: number): Promise<{ round: number; compacted: boolean }> {
    this.checkOpen();
    const key = Buffer.from(COMPACT_REV_KEY);
    const res = await this.client.kv.txn({
      compare: [{ key, target: 'Version', result: 'Equal', version: seenRound }],
      success: [{ request_put: { key, value: Buffer.from(String(revision)) } }],
      failure: [{ request_range: { key } }],
    });
    if (!res.succeeded) {
      const kv = (res.responses[0]?.response_range?.kvs as RawKv[] | undefined)?.[0];
      return { round: kv ? Number(kv.version) : 0, compacted: false };
    }
    if (revision > 0) await this.compact(revision);
    return { round: seenRound + 1, compacted: revision > 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('store closed');
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.hub.closeAll(err);
    const w = this.hubWatch;
    this.hubWatch = undefined;
    if (w) await w.cancel().catch(() => undefined);
    this.client.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('store closed');
  }
}
