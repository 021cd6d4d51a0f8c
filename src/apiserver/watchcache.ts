// The API server's watch cache: one per resource prefix (say /registry/pods/). It holds the
// current objects and a window of recent events, fed by ONE store watch, so a thousand API
// watchers and every list without a resourceVersion cost the store nothing more.
//
// Objects handed out by list(), get() and events are shared with the cache and with every
// other watcher: callers must not mutate them (deepCopy before changing or encoding with
// edits). This is what keeps lists and fan-out cheap.

import { asError } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { CompactedError, type Store, type WatchEvent, type Watcher } from '../store/types.js';
import { knownJSON } from './cachingobject.js';
import { Interner, isJSONPrimitive, NOT_JSON } from './intern.js';
import { SortedKeys } from './sortedkeys.js';

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** For DELETED: the last state, with resourceVersion set to the deletion's revision. */
  object: KObject;
  /** The object before this event, when the cache had it. */
  prevObject?: KObject;
  revision: number;
  key: string;
}

/** The requested resourceVersion is older than the cache's event window (HTTP 410 Gone). */
export class TooOldError extends Error {
  /** oldest: the oldest revision a watch can start from now. */
  constructor(
    public requested: number,
    public oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export interface WatchCacheOptions {
  /** Events kept for watchers that resume from a resourceVersion. Default 10,000. */
  historySize?: number;
  /** The stored object as this cache serves it (custom resources: apiVersion of the served version). */
  convert?: (obj: KObject) => void;
  /**
   * Root fields, besides metadata, that hold what this object alone has and are kept as
   * decoded instead of interned (intern.ts): a ConfigMap's or Secret's data. Interning them
   * put every value (unique, as a rule) through the interner's tables for nothing: ~20 of the
   * ~27 us a ConfigMap of 1 KiB took to intern.
   */
  unsharedFields?: readonly string[];
}

interface CacheWatcher {
  keyPrefix: string;
  /** Events at or below this revision are not sent (replayed already, or asked to skip). */
  after: number;
  onEvent: (ev: CacheEvent) => void;
  onClose?: (err: Error) => void;
  active: boolean;
}

/**
 * A watch whose every event is the same value for every watch with the same key and key
 * prefix: no filter of its own, one encoding (kube-apiserver's cacher hands an event to each
 * watcher, filtering per watcher; its cachingObject then shares the bytes). Such watches are
 * one group: the cache makes an event's value once for the group and appends it to the
 * group's log, in which each member has its place; a member takes what follows its place when
 * it is ready to send it. A write with a thousand watchers costs one encoding and one append
 * (and a wake for each member that had taken everything before), not a thousand trips through
 * the registry's filter and the handler's encoder, nor a thousand queue appends. Each member
 * keeps its own start (it takes only events after it), its own queue and its own end.
 */
export interface SharedWatch<T> {
  /** Watches with the same key (and key prefix) share encode and size: they must give each of them the same. */
  readonly key: string;
  /** The event as the watch sends it: called once per event per group (and per replayed event). */
  encode(ev: CacheEvent): T;
  /** The bytes a value stands for (what a member that has not taken it is behind by). */
  size(value: T): number;
  /** A replayed event's value (one from before this watch joined its group): this watch's own. */
  push(value: T): void;
  /**
   * The group's log has values this watch has not taken: take(into) appends them, in order,
   * to into. Called once until the watch takes them (later events are taken with them).
   */
  wake(take: (into: T[]) => void): void;
  /**
   * This watch has not taken bytes of the group's log (told as the log grows, every
   * SHARED_SCAN_BYTES): a watch that does not keep up ends itself here (cancel()).
   */
  lag(bytes: number): void;
}

/** Every this many bytes appended to a group's log, its members' lag is told and the log trimmed. */
const SHARED_SCAN_BYTES = 1024 * 1024;

interface WatcherGroup {
  keyPrefix: string;
  /** Its key in WatchCache.groups: the key prefix and the SharedWatch's key. */
  groupKey: string;
  encode: (ev: CacheEvent) => unknown;
  size: (value: unknown) => number;
  /** Copied on change, so that dispatch survives (un)registration in callbacks. */
  members: GroupMember[];
  /** The values since the oldest place a member is at, with their revisions. */
  log: unknown[];
  revisions: number[];
  /** ends[i]: the bytes appended to the log up to and with log[i] (since the group began). */
  ends: number[];
  /** The place (counted from the group's first value) of log[0], and the bytes before it. */
  base: number;
  baseBytes: number;
  /** The bytes appended since the group began; at scanAt the members' lag is told. */
  bytes: number;
  scanAt: number;
  /** Members that have taken everything: woken by the next append. */
  idle: GroupMember[];
}

interface GroupMember {
  group: WatcherGroup;
  /** Events at or below this revision are not sent (replayed already, or asked to skip). */
  after: number;
  /** Its place in the group's log: the values before it are taken. */
  place: number;
  /** In group.idle. */
  idle: boolean;
  shared: SharedWatch<unknown>;
  /** take(into), bound to this member once. */
  take: (into: unknown[]) => void;
  onClose?: (err: Error) => void;
  active: boolean;
}

interface RevisionWaiter {
  revision: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** An object's own: the root's metadata (its children are interned one by one) ... */
const OWN_FIELDS: ReadonlySet<string> = new Set(['metadata']);
/** ... and in it what names this object alone. */
const OWN_METADATA: ReadonlySet<string> = new Set(['name', 'uid', 'resourceVersion', 'creationTimestamp', 'selfLink']);
/** A field kept as decoded deeper than this is decoded from the stored text instead of copied (a guard). */
const MAX_OWN_DEPTH = 64;

/** How often a waiting read asks the store how far it is, to learn of writes elsewhere. */
const PROGRESS_INTERVAL_MS = 50;
const MAX_RESTART_DELAY_MS = 5000;

export class WatchCache {
  private objects = new Map<string, KObject>();
  /** The keys of objects in order, so that list() needs no sort. */
  private keys = new SortedKeys();
  /** list() of the whole prefix, until the objects change. */
  private all?: KObject[];
  /** Recent events in revision order. */
  private events: CacheEvent[] = [];
  /** A watch can start from any revision at or above this one: nothing after it was dropped. */
  private horizon = 0;
  private current = 0;
  private readonly historySize: number;
  /** The root fields not interned (OWN_FIELDS and the unsharedFields option). */
  private readonly ownFields: ReadonlySet<string> = OWN_FIELDS;
  private readonly convert?: (obj: KObject) => void;
  /** What the decoded objects repeat (managedFields, spec, conditions), held once (intern.ts). */
  private readonly interner = new Interner();
  private watchers = new Set<CacheWatcher>();
  /** Shared watches (SharedWatch), one group per key prefix and key. */
  private groups = new Map<string, WatcherGroup>();
  /** The groups as an array, rebuilt on change. */
  private groupList: WatcherGroup[] | null = null;
  /** The watchers as an array, rebuilt on change, so dispatch survives (un)registration in callbacks. */
  private watcherList: CacheWatcher[] | null = null;
  private waiters: RevisionWaiter[] = [];
  private progressTimer?: NodeJS.Timeout;
  private progressPending = false;
  private storeWatch?: Watcher;
  /** True while the store watch is up: only then does the store's revision say what we have seen. */
  private following = false;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;
  private restartDelay = 100;
  private starting?: Promise<void>;
  /** Writes in flight through this cache's registry: the object each one stores, by key (expectWrite). */
  private readonly writes = new Map<string, { value: string; obj: KObject; metadataEnd: number }>();
  /** Whether a write's own object can stand for its stored text (no conversion). */
  private readonly adopts: boolean;

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    opts: WatchCacheOptions = {},
  ) {
    this.historySize = Math.max(0, opts.historySize ?? 10_000);
    this.convert = opts.convert;
    if (opts.unsharedFields?.length) this.ownFields = new Set([...OWN_FIELDS, ...opts.unsharedFields]);
    this.adopts = !this.convert;
  }

  /**
   * A write is about to store value, the JSON of obj without its resourceVersion (the registry's
   * encoding): when its event comes, the cache makes its object from obj (Interner.internCopy:
   * what decoding value and interning it would give, without the decode, and with only what the
   * table lacks copied) instead of decoding value again. obj is not changed, kept or shared:
   * the registry answers with it as before. It must not change until forgetWrite. The event
   * must carry this very value for obj to be used; anything obj holds that JSON would not give
   * back as it is makes the cache decode value as before. kube-apiserver decodes each event of
   * its etcd watch; k8ts's in-process stores deliver a write's event before the write returns,
   * so the object being written is at hand.
   *
   * metadataEnd, when not -1, is where metadata's closing brace is in value: the cached object's
   * JSON is then value with its resourceVersion spliced in there (decode and adopt put it last),
   * which the cache hands to the encodings' memo (knownJSON) rather than have it encoded again.
   */
  expectWrite(key: string, value: string, obj: KObject, metadataEnd = -1): void {
    if (this.adopts) this.writes.set(key, { value, obj, metadataEnd });
  }

  /** The write of obj at key has settled (its event, if any, was delivered or will be decoded). */
  forgetWrite(key: string, obj: KObject): void {
    if (this.writes.get(key)?.obj === obj) this.writes.delete(key);
  }

  /** The newest revision the cache reflects. */
  get revision(): number {
    return this.current;
  }

  /** Lists the prefix, then follows the store from that revision. */
  start(): Promise<void> {
    this.starting ??= this.relist();
    return this.starting;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.following = false;
    this.storeWatch?.cancel();
    this.storeWatch = undefined;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.stopProgress();
    const err = new Error('watch cache stopped');
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.closeWatchers(err);
  }

  /**
   * Resolves once the cache has caught up with revision (a read after one's own write, or a
   * consistent list at the store's current revision); rejects after timeoutMs.
   */
  waitForRevision(revision: number, timeoutMs: number): Promise<void> {
    if (this.current >= revision) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error('watch cache stopped'));
    return new Promise<void>((resolve, reject) => {
      const waiter: RevisionWaiter = {
        revision,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          if (this.waiters.length === 0) this.stopProgress();
          reject(new Error(`timed out waiting for revision ${revision} in the watch cache of ${this.prefix} (at ${this.current})`));
        }, timeoutMs),
      };
      // Not unref'd: a pending read is work the process must finish (or fail) before exiting.
      this.waiters.push(waiter);
      this.requestProgress();
      if (!this.progressTimer) {
        this.progressTimer = setInterval(() => this.requestProgress(), PROGRESS_INTERVAL_MS);
        this.progressTimer.unref();
      }
    });
  }

  /**
   * Whether the cache reflects the store as of revision, a revision the store's currentRevision()
   * just answered: every store promises that its watchers have every event at or below the
   * revision it answers (see requestProgress), so a cache that is following the store is
   * current there, even when the newest writes were to other prefixes. For a consistent read
   * from the cache, as kube-apiserver's (KEP-2340) after it has the store's current revision.
   */
  currentAt(revision: number): boolean {
    if (!this.following) return false;
    if (revision > this.current) {
      this.current = revision;
      this.resolveWaiters();
    }
    return true;
  }

  /**
   * Current objects under keyPrefix (default: the whole prefix), sorted by key. Shared: do not
   * mutate them, nor the array (frozen): a list of the whole prefix is made once per change and
   * handed to every caller until the next (the authorizer lists every ClusterRoleBinding on each
   * request).
   */
  list(keyPrefix: string = this.prefix): { items: KObject[]; revision: number } {
    if (keyPrefix !== this.prefix) return { items: this.keys.mapPrefix(keyPrefix, this.lookup), revision: this.current };
    // Frozen, so that a caller who changes it fails at once rather than changing every other's.
    const all = (this.all ??= Object.freeze(this.keys.mapPrefix(keyPrefix, this.lookup)) as KObject[]);
    return { items: all, revision: this.current };
  }

  /** The number of objects cached. */
  get size(): number {
    return this.objects.size;
  }

  private readonly lookup = (key: string): KObject => this.objects.get(key)!;

  /** The current object at key. Shared: do not mutate. */
  get(key: string): KObject | undefined {
    return this.objects.get(key);
  }

  /**
   * Sends the cached events after fromRevision under keyPrefix, then live ones. Throws
   * TooOldError when events after fromRevision have left the window. onClose is called if
   * the cache can no longer continue this stream (stopped, or the store's history was
   * compacted while the store watch was down); the client must then list again.
   */
  watch(
    fromRevision: number,
    keyPrefix: string | undefined,
    onEvent: (ev: CacheEvent) => void,
    onClose?: (err: Error) => void,
  ): { cancel(): void } {
    this.checkWatchable(fromRevision);
    const w: CacheWatcher = {
      keyPrefix: keyPrefix ?? this.prefix,
      after: Math.max(fromRevision, this.current),
      onEvent,
      onClose,
      active: true,
    };
    // Replay, then register, in one synchronous step: no store event can fall between.
    for (let i = this.firstEventAfter(fromRevision); i < this.events.length && w.active; i++) {
      const ev = this.events[i];
      if (ev.key.startsWith(w.keyPrefix)) this.deliver(w, ev);
    }
    if (w.active) {
      this.watchers.add(w);
      this.watcherList = null;
    }
    return { cancel: () => this.endWatcher(w) };
  }

  /**
   * watch() for a SharedWatch: the same events, from the same revision, with the same errors,
   * but handed to it as its group's value of each (see SharedWatch). Replayed events go
   * through shared.encode too: whoever encodes keeps the value per event if it wants replays
   * to share it (cachingobject.ts).
   */
  watchShared<T>(
    fromRevision: number,
    keyPrefix: string | undefined,
    shared: SharedWatch<T>,
    onClose?: (err: Error) => void,
  ): { cancel(): void } {
    this.checkWatchable(fromRevision);
    const prefix = keyPrefix ?? this.prefix;
    const gk = `${prefix}\0${shared.key}`;
    let group = this.groups.get(gk);
    if (!group) {
      group = {
        keyPrefix: prefix,
        groupKey: gk,
        encode: shared.encode as (ev: CacheEvent) => unknown,
        size: shared.size as (value: unknown) => number,
        members: [],
        log: [],
        revisions: [],
        ends: [],
        base: 0,
        baseBytes: 0,
        bytes: 0,
        scanAt: SHARED_SCAN_BYTES,
        idle: [],
      };
      this.groups.set(gk, group);
      this.groupList = null;
    }
    const g = group;
    const m: GroupMember = {
      group: g,
      after: Math.max(fromRevision, this.current),
      place: g.base + g.log.length,
      idle: true,
      shared: shared as SharedWatch<unknown>,
      take: (into) => this.take(m, into),
      onClose,
      active: true,
    };
    // Replay, then join, in one synchronous step: no store event can fall between.
    for (let i = this.firstEventAfter(fromRevision); i < this.events.length && m.active; i++) {
      const ev = this.events[i];
      if (!ev.key.startsWith(prefix)) continue;
      try {
        shared.push(shared.encode(ev));
      } catch (e) {
        this.endMember(m, asError(e));
      }
    }
    if (m.active) {
      g.members = [...g.members, m];
      g.idle.push(m);
    } else if (g.members.length === 0) this.dropGroup(g);
    return { cancel: () => this.endMember(m) };
  }

  /** The number of API watchers (for metrics and tests). */
  get watcherCount(): number {
    let n = this.watchers.size;
    for (const g of this.groups.values()) n += g.members.length;
    return n;
  }

  // ---- feeding from the store ----

  private async relist(): Promise<void> {
    const res = await this.store.range(this.prefix);
    if (this.stopped) return;
    const objects = new Map<string, KObject>();
    for (const kv of res.kvs) {
      const obj = this.decode(kv.value, kv.modRevision, kv.key);
      if (obj) objects.set(kv.key, obj);
    }
    this.objects = objects;
    this.all = undefined;
    // The store answers in byte order, the same for the ASCII keys k8ts writes; sorted as `<`
    // orders them all the same, which is what SortedKeys keeps.
    this.keys = new SortedKeys([...objects.keys()].sort());
    this.events = [];
    this.current = res.revision;
    this.horizon = res.revision;
    await this.follow();
  }

  private async follow(): Promise<void> {
    const w = await this.store.watch(
      this.prefix,
      this.current,
      (ev) => this.apply(ev),
      (err) => this.onStoreError(err),
    );
    if (this.stopped) {
      w.cancel();
      return;
    }
    this.storeWatch = w;
    this.following = true;
    this.restartDelay = 100;
    this.resolveWaiters();
  }

  private onStoreError(err: Error): void {
    this.following = false;
    this.storeWatch = undefined;
    if (this.stopped) return;
    if (err.message === 'store closed') {
      // Shutting down: there is nothing to follow any more.
      this.stop();
      return;
    }
    console.error(`watch cache ${this.prefix}: store watch ended: ${err.message}`);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restart().catch((err: Error) => {
        console.error(`watch cache ${this.prefix}: restart failed: ${err.message}`);
        this.restartDelay = Math.min(this.restartDelay * 2, MAX_RESTART_DELAY_MS);
        this.scheduleRestart();
      });
    }, this.restartDelay);
    this.restartTimer.unref();
  }

  /** Resumes from where the cache is; if that history is gone, lists afresh and ends every watcher. */
  private async restart(): Promise<void> {
    try {
      await this.follow();
    } catch (e) {
      if (!(e instanceof CompactedError)) throw e;
      this.closeWatchers(new Error(`watch cache ${this.prefix} lost its place (${e.message}); list again`));
      await this.relist();
    }
  }

  private apply(ev: WatchEvent): void {
    const revision = ev.kv.modRevision;
    if (revision <= this.current) return;
    const key = ev.kv.key;
    const prev = this.objects.get(key);
    let cacheEvent: CacheEvent | undefined;
    if (ev.type === 'put') {
      const w = this.writes.get(key);
      let obj: KObject | undefined;
      if (w !== undefined && w.value === ev.kv.value) {
        this.writes.delete(key);
        obj = this.adopt(w.obj, revision, prev);
        if (obj !== undefined && w.metadataEnd >= 0) {
          const at = w.metadataEnd;
          knownJSON(obj, `${w.value.slice(0, at)},"resourceVersion":"${revision}"${w.value.slice(at)}`);
        }
      }
      obj ??= this.decode(ev.kv.value, revision, key);
      if (obj) {
        if (!prev) this.keys.add(key);
        this.objects.set(key, obj);
        cacheEvent = prev
          ? { type: 'MODIFIED', object: obj, prevObject: prev, revision, key }
          : { type: 'ADDED', object: obj, revision, key };
      }
    } else {
      const last = prev
        ? { ...prev, metadata: { ...prev.metadata, resourceVersion: String(revision) } }
        : this.decode(ev.kv.value, revision, key);
      if (prev) {
        this.objects.delete(key);
        this.keys.delete(key);
      }
      if (last) cacheEvent = { type: 'DELETED', object: last, prevObject: prev, revision, key };
    }
    this.current = revision;
    if (cacheEvent) {
      this.all = undefined;
      this.events.push(cacheEvent);
      this.trimHistory();
      const list = (this.watcherList ??= [...this.watchers]);
      for (const w of list) {
        if (w.active && revision > w.after && key.startsWith(w.keyPrefix)) this.deliver(w, cacheEvent);
      }
      const groups = (this.groupList ??= [...this.groups.values()]);
      for (const g of groups) if (key.startsWith(g.keyPrefix)) this.deliverToGroup(g, cacheEvent);
    }
    this.resolveWaiters();
  }

  /**
   * The stored object as the cache keeps it: its parts shared with the other cached objects
   * that repeat them (frozen), its root and metadata its own; the names that only this object
   * has are not put in the interner's table.
   */
  private decode(value: string, revision: number, key: string): KObject | undefined {
    const obj = decode(value, revision, key, this.convert);
    if (!obj) return undefined;
    this.interner.internChildren(obj as unknown as Record<string, unknown>, this.ownFields);
    if (typeof obj.metadata === 'object' && obj.metadata !== null && !Array.isArray(obj.metadata))
      this.interner.internChildren(obj.metadata as Record<string, unknown>, OWN_METADATA);
    return obj;
  }

  /**
   * What decode would make of src's JSON, made from src itself (see expectWrite); undefined
   * when src holds what JSON would not give back as it is. A part whose JSON is that of the
   * same part of prev, the version cached before, is prev's (shared and frozen already, it is
   * what interning a decode would find): an update's unchanged spec, labels or managedFields
   * cost a comparison (sameJSON), not a lookup of every node.
   */
  private adopt(src: KObject, revision: number, prev: KObject | undefined): KObject | undefined {
    const meta = src.metadata as Record<string, unknown> | undefined;
    if (!plainObject(src) || !plainObject(meta)) return undefined;
    const it = this.interner;
    const old = prev as Record<string, unknown> | undefined;
    const oldMeta = prev?.metadata as Record<string, unknown> | undefined;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src)) {
      const v = (src as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (k === '__proto__') return undefined;
      if (k !== 'metadata' && this.ownFields.has(k)) {
        // Kept as decoded (unsharedFields: a ConfigMap's data): a copy of its own, unfrozen.
        const c = ownCopy(v, 1);
        if (c === NOT_JSON) return undefined;
        out[k] = c;
        continue;
      }
      if (k !== 'metadata') {
        const c = it.internCopy(v, 1, old !== undefined && Object.hasOwn(old, k) ? old[k] : undefined);
        if (c === NOT_JSON) return undefined;
        out[k] = c;
        continue;
      }
      const m: Record<string, unknown> = {};
      for (const mk of Object.keys(meta)) {
        const mv = meta[mk];
        if (mv === undefined || mk === 'resourceVersion') continue;
        if (mk === '__proto__') return undefined;
        if (OWN_METADATA.has(mk)) {
          if (!isJSONPrimitive(mv)) return undefined;
          m[mk] = mv;
        } else {
          const c = it.internCopy(mv, 1, oldMeta !== undefined && Object.hasOwn(oldMeta, mk) ? oldMeta[mk] : undefined);
          if (c === NOT_JSON) return undefined;
          m[mk] = c;
        }
      }
      // Where decode puts it: the stored text has none, so it comes last.
      m.resourceVersion = String(revision);
      out.metadata = m;
    }
    return out as KObject;
  }

  private deliver(w: CacheWatcher, ev: CacheEvent): void {
    try {
      w.onEvent(ev);
    } catch (e) {
      // This watcher's stream now has a hole; end it rather than let it go on silently wrong.
      this.endWatcher(w, asError(e));
    }
  }

  /**
   * The event's value made once for the group and appended to its log; the members that had
   * taken everything are woken (in the order they took it), the others take it with what they
   * have not taken yet.
   */
  private deliverToGroup(g: WatcherGroup, ev: CacheEvent): void {
    let value: unknown;
    let size: number;
    try {
      value = g.encode(ev);
      size = g.size(value);
    } catch (e) {
      // As deliver: every member's stream would have a hole; end them, each with the error.
      const err = asError(e);
      for (const m of g.members) this.endMember(m, err);
      return;
    }
    g.log.push(value);
    g.revisions.push(ev.revision);
    g.bytes += size;
    g.ends.push(g.bytes);
    const idle = g.idle;
    if (idle.length > 0) {
      g.idle = [];
      for (let i = 0; i < idle.length; i++) {
        const m = idle[i];
        m.idle = false;
        if (!m.active) continue;
        try {
          m.shared.wake(m.take);
        } catch (e) {
          // This member's stream would have a hole; end it, the others go on.
          this.endMember(m, asError(e));
        }
      }
    }
    if (g.bytes >= g.scanAt) this.scanGroup(g);
  }

  /**
   * Appends what m has not taken of its group's log (after its own start) to into. A member
   * the cache has just ended (onClose) still takes what came before its end: it goes out
   * before the watch's last word, as a handler's queued events do.
   */
  private take(m: GroupMember, into: unknown[]): void {
    const g = m.group;
    const { log, revisions } = g;
    for (let i = Math.max(0, m.place - g.base); i < log.length; i++) if (revisions[i] > m.after) into.push(log[i]);
    m.place = g.base + log.length;
    if (m.active && !m.idle) {
      m.idle = true;
      g.idle.push(m);
    }
  }

  /**
   * Tells each member of g what it has not taken (it may end itself: lag), and drops the
   * values every member has taken. Every SHARED_SCAN_BYTES appended: a thousand members cost
   * a pass each MiB of events, not a check each per event.
   */
  private scanGroup(g: WatcherGroup): void {
    let oldest = g.base + g.log.length;
    for (const m of g.members) {
      if (!m.active) continue;
      const behind = g.bytes - (m.place === g.base ? g.baseBytes : g.ends[m.place - g.base - 1]);
      if (behind > 0) {
        try {
          m.shared.lag(behind);
        } catch (e) {
          this.endMember(m, asError(e));
        }
      }
      if (m.active && m.place < oldest) oldest = m.place;
    }
    const drop = oldest - g.base;
    if (drop > 0) {
      g.baseBytes = g.ends[drop - 1];
      g.log.splice(0, drop);
      g.revisions.splice(0, drop);
      g.ends.splice(0, drop);
      g.base = oldest;
    }
    g.scanAt = g.bytes + SHARED_SCAN_BYTES;
  }

  /** The values a group's log holds (for tests): what its members have not all taken, and up to SHARED_SCAN_BYTES more. */
  sharedLogLength(keyPrefix: string | undefined, key: string): number {
    return this.groups.get(`${keyPrefix ?? this.prefix}\0${key}`)?.log.length ?? 0;
  }

  private trimHistory(): void {
    // Trim in batches so that the cost of shifting the array is spread over many events.
    const slack = Math.max(1, this.historySize >> 3);
    if (this.events.length <= this.historySize + slack) return;
    const drop = this.events.length - this.historySize;
    this.horizon = this.events[drop - 1].revision;
    this.events.splice(0, drop);
  }

  private firstEventAfter(revision: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid].revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // ---- watchers and waiters ----

  /** What watch() and watchShared() refuse alike: a stopped cache, a revision past its window. */
  private checkWatchable(fromRevision: number): void {
    if (this.stopped) throw new Error('watch cache stopped');
    if (fromRevision < this.horizon && fromRevision !== this.current) throw new TooOldError(fromRevision, this.horizon);
  }

  private endWatcher(w: CacheWatcher, err?: Error): void {
    if (!w.active) return;
    w.active = false;
    this.watchers.delete(w);
    this.watcherList = null;
    this.notifyClosed(w.onClose, err);
  }

  private endMember(m: GroupMember, err?: Error): void {
    if (!m.active) return;
    m.active = false;
    const g = m.group;
    g.members = g.members.filter((x) => x !== m);
    if (g.members.length === 0) this.dropGroup(g);
    this.notifyClosed(m.onClose, err);
  }

  /** A watch ended by the cache (err) is told so; its callback throwing ends nothing else. */
  private notifyClosed(onClose: ((err: Error) => void) | undefined, err: Error | undefined): void {
    if (!err || !onClose) return;
    try {
      onClose(err);
    } catch (e) {
      console.error(`watch cache ${this.prefix}: onClose threw`, e);
    }
  }

  private dropGroup(g: WatcherGroup): void {
    if (this.groups.get(g.groupKey) === g) {
      this.groups.delete(g.groupKey);
      this.groupList = null;
    }
  }

  private closeWatchers(err: Error): void {
    for (const w of [...this.watchers]) this.endWatcher(w, err);
    for (const g of [...this.groups.values()]) for (const m of g.members) this.endMember(m, err);
  }

  /**
   * Writes to other prefixes move the store's revision without an event here. The in-process
   * stores deliver a write's events before any later call to them resolves, so once
   * currentRevision() answers, every event at or below it has been applied: the cache is
   * current at that revision. The etcd store keeps that promise by answering a revision only
   * once its one etcd watch has delivered every event up to it (src/store/etcd.ts).
   */
  private requestProgress(): void {
    if (this.progressPending || !this.following) return;
    this.progressPending = true;
    this.store.currentRevision().then(
      (rev) => {
        this.progressPending = false;
        if (this.following && rev > this.current) {
          this.current = rev;
          this.resolveWaiters();
        }
      },
      () => {
        this.progressPending = false;
      },
    );
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: RevisionWaiter[] = [];
    for (const w of this.waiters) {
      if (this.current >= w.revision) {
        clearTimeout(w.timer);
        w.resolve();
      } else {
        still.push(w);
      }
    }
    this.waiters = still;
    if (still.length === 0) this.stopProgress();
  }

  private stopProgress(): void {
    if (this.progressTimer) clearInterval(this.progressTimer);
    this.progressTimer = undefined;
  }
}

/**
 * What decoding v's JSON gives, as a copy of v's own (nothing shared, nothing frozen); NOT_JSON
 * when v holds what JSON would not give back as it is (as Interner.internCopy refuses it).
 */
function ownCopy(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return isJSONPrimitive(v) ? v : NOT_JSON;
  if (depth > MAX_OWN_DEPTH) return NOT_JSON;
  if (Array.isArray(v)) {
    const a = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = ownCopy(v[i], depth + 1);
      if (c === NOT_JSON) return NOT_JSON;
      a[i] = c;
    }
    return a;
  }
  if (!plainObject(v)) return NOT_JSON;
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === undefined) continue;
    if (k === '__proto__') return NOT_JSON;
    const c = ownCopy(x, depth + 1);
    if (c === NOT_JSON) return NOT_JSON;
    o[k] = c;
  }
  return o;
}

function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** The object as the API serves it: resourceVersion is the revision of its last write. */
function decode(value: string, revision: number, key: string, convert?: (obj: KObject) => void): KObject | undefined {
  let obj: KObject;
  try {
    obj = JSON.parse(value) as KObject;
  } catch (e) {
    console.error(`watch cache: ${key} at revision ${revision} is not JSON, skipped: ${(e as Error).message}`);
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null) return undefined;
  obj.metadata = obj.metadata ?? {};
  obj.metadata.resourceVersion = String(revision);
  convert?.(obj);
  return obj;
}
