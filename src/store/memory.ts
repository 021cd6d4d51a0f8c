// An MVCC store held in memory: every key keeps its versions until compaction, so reads
// at a past revision and watch replay behave as with etcd. For tests and `--store memory`.

import { lowerBound } from './keyrange.js';
import * as storage from './types.js';
import { WatchHub } from './watchhub.js';

interface Version {
  revision: number;
  createRevision: number;
  /** null: the key was deleted at this revision (a tombstone). */
  value: string | null;
}

export class MemoryStore implements storage.Store {
  readonly name = 'memory';
  private revision = 0;
  private compacted = 0;
  /** Newest live value of each key, for the common reads. */
  private current = new Map<string, storage.KeyValue>();
  /** Every key that has history, sorted; includes deleted keys until compaction. */
  private keys: string[] = [];
  private versions = new Map<string, Version[]>();
  /** One event per revision: events[i] is revision compacted + 1 + i. */
  private events: storage.WatchEvent[] = [];
  private hub = new WatchHub();
  private closed = false;

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string): Promise<storage.KeyValue | undefined> {
    this.checkOpen();
    const kv = this.current.get(key);
    return kv && { ...kv };
  }

  async range(prefix: string, opts: storage.RangeOptions = {}): Promise<storage.RangeResult> {
    this.checkOpen();
    const atRevision = storage.readRevision(opts.revision, this.revision, this.compacted);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const from = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix;
    const kvs: storage.KeyValue[] = [];
    let count = 0;
    for (let i = lowerBound(this.keys, from); i < this.keys.length; i++) {
      const key = this.keys[i];
      if (!key.startsWith(prefix)) break;
      const kv = atRevision === this.revision ? this.current.get(key) : this.versionAt(key, atRevision);
      if (!kv) continue;
      count++;
      if (!opts.countOnly && kvs.length < limit) kvs.push({ ...kv });
    }
    return { kvs, revision: atRevision, more: !opts.countOnly && count > kvs.length, count };
  }

  async create(key: string, value: string): Promise<storage.KeyValue> {
    this.checkOpen();
    if (this.current.has(key)) throw new storage.KeyExistsError(key);
    const revision = this.revision + 1;
    const kv: storage.KeyValue = { key, value, createRevision: revision, modRevision: revision };
    this.commit(key, { revision, createRevision: revision, value }, kv, { type: 'put', kv });
    return { ...kv };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<storage.KeyValue> {
    this.checkOpen();
    const prev = this.current.get(key);
    if (!prev) throw new storage.KeyNotFoundError(key);
    if (prev.modRevision !== expectedModRevision) throw new storage.RevisionMismatchError(key, { ...prev });
    const revision = this.revision + 1;
    const kv: storage.KeyValue = { key, value, createRevision: prev.createRevision, modRevision: revision };
    this.commit(key, { revision, createRevision: prev.createRevision, value }, kv, { type: 'put', kv, prevKv: prev });
    return { ...kv };
  }

  async delete(key: string, expectedModRevision?: number): Promise<storage.KeyValue> {
    this.checkOpen();
    const prev = this.current.get(key);
    if (!prev) throw new storage.KeyNotFoundError(key);
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision)
      throw new storage.RevisionMismatchError(key, { ...prev });
    const revision = this.revision + 1;
    const kv: storage.KeyValue = { key, value: prev.value, createRevision: prev.createRevision, modRevision: revision };
    this.commit(key, { revision, createRevision: prev.createRevision, value: null }, undefined, { type: 'delete', kv, prevKv: prev });
    return { ...kv };
  }

  async watch(prefix: string, after: number, onEvent: storage.EventHandler, onError?: storage.ErrorHandler): Promise<storage.Watcher> {
    this.checkOpen();
    if (after < this.compacted) throw new storage.CompactedError(after, this.compacted);
    const replay: storage.WatchEvent[] = [];
    for (let i = Math.max(0, after - this.compacted); i < this.events.length; i++) {
      if (this.events[i].kv.key.startsWith(prefix)) replay.push(this.events[i]);
    }
    return this.hub.add(prefix, Math.max(after, this.revision), replay, onEvent, onError);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.revision) throw new Error(`cannot compact at future revision ${revision} (current ${this.revision})`);
    if (revision <= this.compacted) return;
    let dropped = false;
    for (const [key, versions] of this.versions) {
      // Keep the newest version at or below revision (the key's value at that revision)
      // unless it is a tombstone, and everything after it.
      let keep = versions.length;
      while (keep > 0 && versions[keep - 1].revision > revision) keep--;
      if (keep === 0) continue;
      const newest = versions[keep - 1];
      const from = newest.value === null ? keep : keep - 1;
      if (from === 0) continue;
      versions.splice(0, from);
      if (versions.length === 0) {
        this.versions.delete(key);
        dropped = true;
      }
    }
    if (dropped) this.keys = this.keys.filter((k) => this.versions.has(k));
    this.events.splice(0, revision - this.compacted);
    this.compacted = revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.closeAll(new Error('store closed'));
  }

  private commit(key: string, version: Version, kv: storage.KeyValue | undefined, ev: storage.WatchEvent): void {
    let versions = this.versions.get(key);
    if (!versions) {
      versions = [];
      this.versions.set(key, versions);
      this.keys.splice(lowerBound(this.keys, key), 0, key);
    }
    versions.push(version);
    if (kv) this.current.set(key, kv);
    else this.current.delete(key);
    this.revision = version.revision;
    this.events.push(ev);
    this.hub.publish(ev);
  }

  private versionAt(key: string, revision: number): storage.KeyValue | undefined {
    const versions = this.versions.get(key);
    if (!versions) return undefined;
    let lo = 0;
    let hi = versions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (versions[mid].revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    const v = versions[lo - 1];
    if (!v || v.value === null) return undefined;
    return { key, value: v.value, createRevision: v.createRevision, modRevision: v.revision };
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('store closed');
  }
}
