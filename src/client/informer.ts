// Informers as client-go's: a reflector lists a resource, then watches it from the list's
// resourceVersion, keeping a local cache that controllers read instead of the API server and
// calling handlers on every change. Watches that drop resume from the last resourceVersion seen;
// a 410 (history compacted) makes it list again and report, as deletes, what vanished meanwhile.

import { deepFreeze, type KObject } from '../api/object.js';
import { ApiError, asStatus, isGone, type ResourceRef, type RestClient, type WatchEvent } from './rest.js';

/** The cache key of an object: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(obj: Pick<KObject, 'metadata'>): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : `${obj.metadata.name}`;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export type IndexFunc<T extends KObject = KObject> = (obj: T) => string[];

export const NAMESPACE_INDEX = 'namespace';
export const OWNER_UID_INDEX = 'ownerUid';

export function namespaceIndexFunc(obj: KObject): string[] {
  return [obj.metadata.namespace ?? ''];
}

/** Every owner's uid: how a controller finds the objects it owns. */
export function ownerUidIndexFunc(obj: KObject): string[] {
  return (obj.metadata.ownerReferences ?? []).map((o) => o.uid);
}
/** The indexers of an informer whose objects their owners look up by uid (ownerUidIndexFunc). */
export const OWNER_UID_INDEXERS = { [OWNER_UID_INDEX]: ownerUidIndexFunc };

/** The pod index every node-side component shares: pods by the node they are bound to. */
export const POD_NODE_NAME_INDEX = 'spec.nodeName';
export const podNodeNameIndexFunc: IndexFunc = (pod) => {
  const n = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  return n ? [n] : [];
};

/**
 * client-go's cache.TransformFunc: applied to every object an informer receives (list items and
 * watch events) before it is cached or handed to handlers. It may change the object it is given
 * when that is the informer's own, fresh from JSON; a frozen one (shared by the API server of
 * this process) it must copy to change, and returns what to keep.
 */
export type TransformFunc<T extends KObject = KObject> = (obj: T) => T;

/**
 * The transform kube-controller-manager and kube-scheduler give their informers: managedFields
 * dropped, as no controller reads them from a cache and they are a large part of every object
 * (of every copy decoded for this informer; an object shared in-process is kept as it is).
 * A full update (PUT) written from such a copy leaves the stored managedFields as they are, as
 * the API server keeps them when a request omits the field.
 */
export function stripManagedFields<T extends KObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  // An object the API server shares (in-process transport: frozen) is kept whole: it costs no
  // memory of its own, where a copy without the field would (one copy of each object).
  if (Object.isFrozen(obj)) return obj;
  // A new metadata without the field, not \`delete\`: deleting a property that is not the last
  // one added turns the object into a dictionary in V8, slower to read for every controller.
  const { managedFields: _, ...metadata } = obj.metadata;
  obj.metadata = metadata;
  return obj;
}

export interface EventHandlers<T extends KObject> {
  /** isInInitialList: the object came with the first list (or the handler was added late). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** Also called with old === new on every resync period. */
  onUpdate?(oldObj: T, newObj: T): void;
  /**
   * finalStateUnknown: the delete was seen only through a re-list (client-go's
   * DeletedFinalStateUnknown); obj is then the last state the cache knew.
   */
  onDelete?(obj: T, finalStateUnknown: boolean): void;
}

export interface InformerOptions<T extends KObject> {
  group: string;
  version: string;
  resource: string;
  /** Watch one namespace only; all when omitted. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Every this many ms, handlers get onUpdate(obj, obj) for each cached object; 0 = never. */
  resyncPeriodMs?: number;
  /** Extra indexers; the namespace index is always there. */
  indexers?: Record<string, IndexFunc<T>>;
  /** List page size (default 500); 0 lists in one request. */
  pageSize?: number;
  /** Back-off after a failed list or dropped watch: first delay and cap, ms (default 800 ms .. 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Server-side watch timeout (default a random 5-10 min, as client-go's reflector). */
  watchTimeoutSeconds?: number;
  /** Called with errors the informer recovers from (default: none); for logs. */
  onError?(err: unknown): void;
  /** Applied to each object received before it is cached (client-go's SetTransform). */
  transform?: TransformFunc<T>;
}

interface Registration<T extends KObject> {
  handlers: EventHandlers<T>;
}

/** A cached, watched view of one resource. Objects returned are shared: never mutate them. */
export class Informer<T extends KObject = KObject> {
  readonly ref: ResourceRef;
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** indexName -> value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly registrations: Registration<T>[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private started = false;
  private stopCtrl = new AbortController();
  private resyncTimer?: NodeJS.Timeout;
  private runLoop?: Promise<void>;
  private lastRV = '';
  /** client-go's isLastSyncResourceVersionUnavailable: the last list was refused its version. */
  private lastSyncRVUnavailable = false;
  /** Number of lists issued (initial and re-lists); for tests and metrics. */
  listCount = 0;

  constructor(
    private readonly client: RestClient,
    private readonly opts: InformerOptions<T>,
  ) {
    this.ref = { group: opts.group, version: opts.version, resource: opts.resource, namespace: opts.namespace };
    this.addIndexers({ [NAMESPACE_INDEX]: namespaceIndexFunc, ...(opts.indexers ?? {}) });
  }

  /** The resourceVersion the cache is at (from the last list, event or bookmark). */
  get lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer ${name} already exists`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) for (const v of safeIndex(fn, obj)) addToIndex(index, v, key);
    }
  }

  /** Handlers added after the cache has items first get onAdd for each of them. */
  addEventHandler(handlers: EventHandlers<T>): { remove(): void } {
    const reg: Registration<T> = { handlers };
    this.registrations.push(reg);
    if (handlers.onAdd) for (const obj of this.items.values()) this.call(() => handlers.onAdd?.(obj, true));
    return {
      remove: () => {
        const i = this.registrations.indexOf(reg);
        if (i >= 0) this.registrations.splice(i, 1);
      },
    };
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache; rejects on timeout or when stopped first. */
  waitForSync(timeoutMs = 0): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.stopCtrl.signal.removeEventListener('abort', onStop);
        resolve();
      };
      const onStop = (): void => {
        if (timer) clearTimeout(timer);
        reject(new Error(`informer for ${this.ref.resource} stopped before it synced`));
      };
      this.syncWaiters.push(done);
      this.stopCtrl.signal.addEventListener('abort', onStop, { once: true });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.syncWaiters = this.syncWaiters.filter((w) => w !== done);
          this.stopCtrl.signal.removeEventListener('abort', onStop);
          reject(new Error(`informer for ${this.ref.resource} did not sync within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index ${indexName} does not exist`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  hasIndexer(name: string): boolean {
    return this.indexers.has(name);
  }

  get isStarted(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.runLoop = this.run();
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period > 0) this.resyncTimer = setInterval(() => this.resync(), period);
  }

  /** Stops the watch and timers; resolves when the reflector loop has ended. */
  async stop(): Promise<void> {
    this.stopCtrl.abort();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.syncWaiters = [];
    await this.runLoop;
  }

  private get stopped(): boolean {
    return this.stopCtrl.signal.aborted;
  }

  private resync(): void {
    for (const obj of this.items.values()) this.notify((h) => h.onUpdate?.(obj, obj));
  }

  // --- reflector ---

  private async run(): Promise<void> {
    const initial = this.opts.backoffInitialMs ?? 800;
    const max = this.opts.backoffMaxMs ?? 30_000;
    let backoff = initial;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.listAndReplace();
          needList = false;
        }
        // A watch that ends on its own (server timeout) resumes at once; errors reach the catch.
        const began = Date.now();
        const outcome = await this.watchOnce();
        if (outcome.gone) {
          needList = true;
          backoff = initial;
          continue;
        }
        // A watch the server ends at once, with nothing in it, is a failure in disguise: back off.
        if (outcome.events > 0 || Date.now() - began >= 1000) {
          backoff = initial;
          continue;
        }
      } catch (e) {
        if (this.stopped) break;
        this.opts.onError?.(e);
        if (isGone(e)) {
          // The resourceVersion is no longer in the server's history: list afresh, at once.
          needList = true;
          continue;
        }
        // A request the server refuses as such (403, 400 ...) lists again after the back-off, as
        // client-go's ListAndWatch does. Dropped connections, 429 and 5xx keep the cache and
        // re-watch from the last resourceVersion: should that be gone too, the server says 410.
        if (e instanceof ApiError && e.code >= 400 && e.code < 500 && e.code !== 429) needList = true;
      }
      await this.sleep(jitter(backoff));
      backoff = Math.min(backoff * 2, max);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.stopCtrl.signal;
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async listAndReplace(): Promise<void> {
    this.listCount++;
    const pageSize = this.opts.pageSize ?? 500;
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    // As client-go's reflector (relistResourceVersion): the first list asks for any version
    // ("0"), a re-list for one not older than what the cache has seen, both served by the API
    // server's watch cache (the limit is ignored there, so none is sent with a resourceVersion
    // past 0); only when that version is refused (410, or too large) is the list a consistent
    // one, paged, at the current revision.
    let listRV = this.lastSyncRVUnavailable ? '' : this.lastRV || '0';
    let paged = pageSize > 0 && (listRV === '' || listRV === '0');
    for (;;) {
      let page;
      try {
        page = await this.client.list<T>(this.ref, {
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          limit: paged ? pageSize : undefined,
          continue: cont,
          resourceVersion: cont ? undefined : listRV || undefined,
          signal: this.stopCtrl.signal,
        });
      } catch (e) {
        // An expired continue token: start over in one request, as client-go's pager falls back.
        if (cont && isGone(e)) {
          items.length = 0;
          cont = undefined;
          paged = false;
          continue;
        }
        if (
          !cont &&
          listRV !== '' &&
          (isGone(e) || (e instanceof ApiError && e.code === 504 && /Too large resource version/.test(e.message)))
        ) {
          this.lastSyncRVUnavailable = true;
          listRV = '';
          paged = pageSize > 0;
          continue;
        }
        throw e;
      }
      if (this.stopped) return;
      const transform = this.opts.transform;
      if (transform) for (const it of page.items) items.push(transform(it));
      else items.push(...page.items);
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
      if (!cont) break;
    }
    this.lastSyncRVUnavailable = false;
    this.replace(items, rv);
  }

  /** Makes the cache equal a fresh list, telling handlers the difference. */
  private replace(items: T[], rv: string): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.items.get(key);
      this.store(key, obj);
      if (!old) this.notify((h) => h.onAdd?.(obj, initial));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.notify((h) => h.onUpdate?.(old, obj));
    }
    for (const [key, old] of [...this.items]) {
      if (seen.has(key)) continue;
      this.remove(key);
      this.notify((h) => h.onDelete?.(old, true));
    }
    this.lastRV = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watchOnce(): Promise<{ gone: boolean; events: number }> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
    const stream = await this.client.watch<T>(this.ref, {
      resourceVersion: this.lastRV,
      allowWatchBookmarks: true,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      timeoutSeconds,
      signal: this.stopCtrl.signal,
    });
    let events = 0;
    for await (const ev of stream) {
      if (this.stopped) break;
      if (ev.type === 'ERROR') {
        const st = asStatus(ev.object);
        stream.stop();
        if (st.code === 410 || st.reason === 'Expired' || st.reason === 'Gone') return { gone: true, events };
        throw new ApiError(st);
      }
      events++;
      this.apply(ev);
    }
    return { gone: false, events };
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.type === 'BOOKMARK' || !this.opts.transform ? ev.object : this.opts.transform(ev.object);
    const rv = obj.metadata?.resourceVersion;
    switch (ev.type) {
      case 'BOOKMARK':
        break;
      case 'ADDED':
      case 'MODIFIED': {
        const key = objectKey(obj);
        const old = this.items.get(key);
        this.store(key, obj);
        if (old) this.notify((h) => h.onUpdate?.(old, obj));
        else this.notify((h) => h.onAdd?.(obj, false));
        break;
      }
      case 'DELETED': {
        // The event's object is the final state; an unknown key still tells handlers.
        this.remove(objectKey(obj));
        this.notify((h) => h.onDelete?.(obj, false));
        break;
      }
      default:
        return;
    }
    if (rv) this.lastRV = rv;
  }

  private store(key: string, obj: T): void {
    // What an informer caches is shared by every reader (and, in-process, with the API server's
    // watch cache): frozen, so that a reader that changes it without copying fails at once.
    deepFreeze(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      const values = safeIndex(fn, obj);
      if (old) {
        // An update that leaves the index's values as they were (a pod's status: its namespace,
        // node and owner stay) leaves the key where it is, rather than out and back in.
        const was = safeIndex(fn, old);
        if (sameValues(was, values)) continue;
        unindexValues(index, was, key);
      }
      for (const v of values) addToIndex(index, v, key);
    }
  }

  private remove(key: string): void {
    const old = this.items.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.items.delete(key);
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) unindexValues(this.indices.get(name)!, safeIndex(fn, obj), key);
  }

  private notify(fn: (h: EventHandlers<T>) => void): void {
    for (const r of this.registrations) this.call(() => fn(r.handlers));
  }

  /** A throwing handler must not stop the informer or other handlers. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.opts.onError?.(e);
    }
  }
}

function safeIndex<T extends KObject>(fn: IndexFunc<T>, obj: T): string[] {
  try {
    return fn(obj);
  } catch {
    return [];
  }
}

function unindexValues(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    const set = index.get(v);
    if (!set) continue;
    set.delete(key);
    if (set.size === 0) index.delete(v);
  }
}

/** The same index values in the same order. */
function sameValues(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addToIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}

/** ±20% so that many informers dropped together do not reconnect together. */
function jitter(ms: number): number {
  return ms * (0.8 + Math.random() * 0.4);
}

/**
 * What a component asks the shared factory for: the informer's list/watch and its indexers, and
 * a transform of its own applied after the factory's (when the factory makes the informer).
 */
export type InformerRequest<T extends KObject> = Pick<
  InformerOptions<T>,
  'group' | 'version' | 'resource' | 'namespace' | 'labelSelector' | 'fieldSelector' | 'indexers' | 'transform'
>;

export interface SharedInformerFactoryOptions {
  /** Default resync period of the informers, ms (0: none). */
  resyncPeriodMs?: number;
  /** Restrict every informer to one namespace. */
  namespace?: string;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onError?(err: unknown): void;
  /** The transform of every informer the factory makes (informers.WithTransform). */
  transform?: TransformFunc;
}

/** One informer per resource (and namespace/selectors), shared by every controller that asks. */
export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<KObject>>();
  private started = false;
  /** While recordInformers runs: the informers asked for. */
  private recording?: Set<Informer<KObject>>;

  constructor(
    readonly client: RestClient,
    private readonly opts: SharedInformerFactoryOptions = {},
  ) {}

  /**
   * The shared informer for a resource. Indexers asked for are added when missing (before the
   * informer starts is best: adding later indexes what is cached). Started at once if the factory is.
   */
  /** Ids of the transforms asked for (pass one function, not a new closure each call: each is an informer). */
  private readonly transformIds = new WeakMap<TransformFunc<KObject>, string>();
  private nextTransformId = 1;

  private transformId(f: TransformFunc<KObject>): string {
    let id = this.transformIds.get(f);
    if (id === undefined) {
      id = `t${this.nextTransformId++}`;
      this.transformIds.set(f, id);
    }
    return id;
  }

  informerFor<T extends KObject = KObject>(req: InformerRequest<T>): Informer<T> {
    const namespace = req.namespace ?? this.opts.namespace;
    // A transform of its own is part of what is asked for: an informer made for one keeps
    // objects trimmed by it (the scheduler's compact pods), which another asker must not be given.
    const transformId = req.transform ? this.transformId(req.transform as unknown as TransformFunc<KObject>) : '';
    const key = [req.group, req.version, req.resource, namespace ?? '', req.labelSelector ?? '', req.fieldSelector ?? '', transformId].join(
      '|',
    );
    let inf = this.informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      const shared = this.opts.transform as TransformFunc<T> | undefined;
      const own = req.transform;
      inf = new Informer<T>(this.client, {
        group: req.group,
        version: req.version,
        resource: req.resource,
        namespace,
        labelSelector: req.labelSelector,
        fieldSelector: req.fieldSelector,
        resyncPeriodMs: this.opts.resyncPeriodMs,
        backoffInitialMs: this.opts.backoffInitialMs,
        backoffMaxMs: this.opts.backoffMaxMs,
        onError: this.opts.onError,
        transform: shared && own ? (o) => own(shared(o)) : (own ?? shared),
      });
      this.informers.set(key, inf as unknown as Informer<KObject>);
      if (this.started) inf.start();
    }
    this.recording?.add(inf as unknown as Informer<KObject>);
    if (req.indexers) {
      const missing = Object.fromEntries(Object.entries(req.indexers).filter(([n]) => !inf!.hasIndexer(n)));
      if (Object.keys(missing).length) inf.addIndexers(missing);
    }
    return inf;
  }

  /** Stops and drops the informers of a resource no longer served (a CRD that went). */
  forget(req: { group: string; version: string; resource: string }): void {
    const prefix = [req.group, req.version, req.resource, ''].join('|');
    for (const [key, inf] of this.informers) {
      if (!key.startsWith(prefix)) continue;
      this.informers.delete(key);
      void inf.stop();
    }
  }

  /**
   * build()'s result and the informers it asked this factory for while it ran (new or shared), so
   * that a controller can wait for its own caches alone, as each of kube-controller-manager's
   * controllers waits (WaitForNamedCacheSync) on its own listers before running.
   */
  recordInformers<T>(build: () => T): { value: T; informers: Informer<KObject>[] } {
    const outer = this.recording;
    const mine = new Set<Informer<KObject>>();
    this.recording = mine;
    try {
      const value = build();
      return { value, informers: [...mine] };
    } finally {
      this.recording = outer;
      if (outer) for (const i of mine) outer.add(i);
    }
  }

  /** Starts every informer not yet started; informers asked for later start at once. */
  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves when every informer has synced. */
  async waitForCacheSync(timeoutMs = 0): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(timeoutMs)));
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
