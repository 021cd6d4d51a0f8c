// The generic store every resource shares, as kube-apiserver's genericregistry.Store:
// create/get/list/watch/update/patch/delete over the etcd-shaped Store, with optimistic
// concurrency, generateName, uid/creationTimestamp, finalizers and graceful deletion.
// Per-resource behaviour comes from the resource's module (registry/<group>/<resource>.ts):
// its strategy, and the strategy of each subresource that writes the object. This file names
// no resource.

import { randomUUID } from 'node:crypto';
import { errors, type FieldError, StatusError } from '../../api/errors.js';
import { MAX_OBJECT_BYTES } from '../../api/jsonlimits.js';
import { type FieldRequirement, matchesFields, parseFieldSelector, parseSelector, type Selector } from '../../api/labels.js';
import {
  apiVersionOf,
  copyJSON,
  deepCopy,
  isObject,
  type JSONIgnore,
  type KList,
  type KObject,
  nowRFC3339,
  sameJSON,
  stringifyMarkingMetadata,
} from '../../api/object.js';
import { updateManagedFields } from '../../api/patch/index.js';
import { canonicalizeQuantities } from '../../api/quantity.js';
import { type ResourceInfo, storeKey, storePrefix } from '../../api/resources.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, type KeyValue, RevisionMismatchError, type Store } from '../../store/types.js';
import type { Attributes } from '../admission/types.js';
import { type CacheEvent, type SharedWatch, TooOldError, type WatchCache } from '../watchcache.js';
import type { ApiServerContext } from './context.js';
import type { ResourceDefinition } from './rest.js';
import { type FinishFunc, finishNothing, type RequestContext, type Strategy, type UpdateStrategy } from './strategy.js';

export interface ListOptions {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continue?: string | null;
  resourceVersion?: string | null;
  resourceVersionMatch?: string | null;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/**
 * storage.Preconditions.Check (k8s.io/apiserver/pkg/storage): a DELETE's (or eviction's) UID and
 * ResourceVersion preconditions against the object as stored, UID first; a mismatch is a 409
 * Conflict with the message the real server gives.
 */
export function checkPreconditions(pre: DeleteOptions['preconditions'], obj: KObject, resource: string, group: string, name: string): void {
  for (const [field, label] of [
    ['uid', 'UID'],
    ['resourceVersion', 'ResourceVersion'],
  ] as const) {
    const want = pre?.[field];
    if (want && want !== obj.metadata[field])
      throw errors.conflict(
        resource,
        group,
        name,
        `Precondition failed: ${label} in precondition: ${want}, ${label} in object meta: ${obj.metadata[field]}`,
      );
  }
}

export interface WatchOptions extends ListOptions {
  sendInitialEvents?: boolean;
}

export interface WatchSink {
  /** obj is the watch cache's own, shared with every watcher (and its encodings): never mutate it. */
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KObject): void;
  /** The watch cannot go on (410 and friends): send an ERROR event and close. */
  error(err: StatusError): void;
  /**
   * The same events in a form every sink with the same key makes alike (the handler's bytes):
   * a watch with no selector, whose events are the cache's as they are, is then handed them
   * through the watch cache's group of such watches (WatchCache.watchShared), each event made
   * once for the group. Events before the watch goes live (the initial list) still come
   * through event().
   */
  shared?: SharedWatch<unknown>;
}

/** The matcher of a list or watch with no selector. */
const MATCH_ALL = (_o: KObject): boolean => true;

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
/** Attempts at a generated name before the create fails (kube-apiserver's generateNameRetries: 8 in all). */
const GENERATE_NAME_ATTEMPTS = 8;

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

/** The continue token: where the next page starts and at which revision the list is read. */
interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}
function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}
function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return t;
  } catch {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

function parseRV(s: string | null | undefined, what = 'resourceVersion'): number | undefined {
  if (s === undefined || s === null || s === '') return undefined;
  // A uint64, as ParseResourceVersion reads it: more digits than that is as invalid as letters.
  if (!/^\d+$/.test(s) || BigInt(s) > 18446744073709551615n) throw errors.badRequest(`invalid ${what}: ${JSON.stringify(s)}`);
  return Number(s);
}

/** The version of a key a write is conditional on: read from the store, or the watch cache's. */
type StoredVersion = Pick<KeyValue, 'key' | 'modRevision'>;

/** What create() answered, as JSON text, for the handler that writes it out (createdJSON). */
const createdText = new WeakMap<KObject, string>();

/**
 * JSON.stringify(obj) for the object create() just returned, from the text it stored (the
 * two differ by metadata.resourceVersion alone), once: the caller takes it before anything
 * changes obj, and it is forgotten as it is taken. Undefined when create() kept none (a dry
 * run, a custom resource stored under another version, a strategy with work after the write).
 */
export function createdJSON(obj: KObject): string | undefined {
  const t = createdText.get(obj);
  if (t !== undefined) createdText.delete(obj);
  return t;
}

export class GenericRegistry {
  readonly ri: ResourceInfo;
  readonly strategy: Strategy;
  readonly group: string;
  readonly qualifiedResource: string;
  private readonly gv: string;

  constructor(
    readonly def: ResourceDefinition,
    private readonly store: Store,
    readonly cache: WatchCache,
    private readonly api: ApiServerContext,
  ) {
    if (!def.strategy) throw new Error(`${def.info.resource}: a resource without a strategy is not stored`);
    const ri = def.info;
    this.ri = ri;
    this.strategy = def.strategy;
    this.group = ri.group;
    this.gv = apiVersionOf(ri.group, ri.version);
    this.qualifiedResource = ri.group ? `${ri.resource}.${ri.group}` : ri.resource;
  }

  key(namespace: string | undefined, name: string): string {
    return storeKey(this.ri, namespace, name);
  }
  prefix(namespace?: string): string {
    return storePrefix(this.ri, this.ri.namespaced ? namespace : undefined);
  }

  decode(kv: KeyValue): KObject {
    const obj = JSON.parse(kv.value) as KObject;
    obj.metadata.resourceVersion = String(kv.modRevision);
    // Conversion None of custom resources: stored under the storage version, served under this one.
    this.def.custom?.decode(obj);
    return obj;
  }
  private encode(obj: KObject): string {
    return this.encodeMarked(obj, false).text;
  }

  /**
   * The stored form of obj (no resourceVersion; custom resources under their storage version)
   * and, with mark, where metadata's closing brace is in it when obj's own JSON is that text
   * with resourceVersion spliced in there (-1 otherwise).
   */
  private encodeMarked(obj: KObject, mark: boolean): { text: string; metadataEnd: number } {
    const rv = obj.metadata.resourceVersion;
    delete obj.metadata.resourceVersion;
    const converted = this.def.custom && obj.apiVersion !== this.def.custom.storageApiVersion;
    const stored = converted ? { ...obj, apiVersion: this.def.custom!.storageApiVersion } : obj;
    const r = mark && !converted ? stringifyMarkingMetadata(stored) : { text: JSON.stringify(stored), metadataEnd: -1 };
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
    // etcd refuses a request over its --max-request-bytes; kube-apiserver passes its words on.
    // 413 here, as the client's error (the request made the object too large), never a 500.
    if (Buffer.byteLength(r.text) > MAX_OBJECT_BYTES) throw errors.tooLarge('Request entity too large: etcdserver: request is too large');
    return r;
  }

  /**
   * A store write of stored.text, obj's encoding: the watch cache makes its object from obj rather
   * than decoding text again (WatchCache.expectWrite). obj stays as it is until the write settles.
   */
  private async storeWrite(
    key: string,
    stored: { text: string; metadataEnd: number },
    obj: KObject,
    write: (key: string, text: string) => Promise<KeyValue>,
  ): Promise<KeyValue> {
    const text = stored.text;
    if (this.def.custom) return write(key, text);
    this.cache.expectWrite(key, text, obj, stored.metadataEnd);
    try {
      return await write(key, text);
    } finally {
      this.cache.forgetWrite(key, obj);
    }
  }

  notFound(name: string): StatusError {
    return errors.notFound(this.ri.resource, this.group, name);
  }

  // ---- reads ----

  async get(namespace: string | undefined, name: string): Promise<KObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw this.notFound(name);
    return this.decode(kv);
  }

  /**
   * A consistent read, as get(), answered with the watch cache's own object: shared (never
   * mutate it), and with its encodings already made (cachingobject.ts). For the API's GET
   * handler. As kube-apiserver's consistent reads from the cache (KEP-2340): the store's
   * current revision first (for etcd a round trip that asks etcd, for the in-process stores
   * the newest durable revision), then the cache, which is current there once it follows the
   * store (WatchCache.currentAt). Whatever the cache cannot answer (not following, a key it
   * lacks, custom resources' conversion) is read from the store, and the cache's object still
   * serves when it holds the revision read.
   */
  async getShared(namespace: string | undefined, name: string): Promise<KObject> {
    const key = this.key(namespace, name);
    if (!this.def.custom && this.cache.currentAt(await this.store.currentRevision())) {
      const cached = this.cache.get(key);
      if (cached) return cached;
    }
    const kv = await this.store.get(key);
    if (!kv) throw this.notFound(name);
    const cached = this.def.custom ? undefined : this.cache.get(key);
    if (cached && cached.metadata.resourceVersion === String(kv.modRevision)) return cached;
    return this.decode(kv);
  }

  private fieldRequirements(sel: string | null | undefined): FieldRequirement[] {
    const reqs = parseFieldSelector(sel);
    const allowed = new Set(['metadata.name', 'metadata.namespace', ...(this.strategy.fieldLabels ?? [])]);
    for (const r of reqs) {
      if (!allowed.has(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
    }
    return reqs;
  }

  matcher(opts: ListOptions): (o: KObject) => boolean {
    const ls: Selector = parseSelector(opts.labelSelector);
    const fs = this.fieldRequirements(opts.fieldSelector);
    if (ls.empty() && fs.length === 0) return MATCH_ALL;
    return (o) => ls.matches(o.metadata.labels) && matchesFields(o, fs);
  }

  /**
   * A list of copies the caller may change. With shared, a list served from the watch cache
   * holds the cache's own objects (never mutate them: their encodings are cached, see
   * cachingobject.ts), as the API's list handler serves them.
   */
  async list(namespace: string | undefined, opts: ListOptions, shared = false): Promise<KList> {
    const match = this.matcher(opts);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const rv = parseRV(opts.resourceVersion);
    const listKind = this.ri.listKind;
    if (opts.continue) {
      const tok = decodeContinue(opts.continue);
      return this.pagedList(namespace, match, limit, tok.rv, tok.start, listKind);
    }
    const exact = opts.resourceVersionMatch === 'Exact';
    if (opts.resourceVersionMatch && !['Exact', 'NotOlderThan'].includes(opts.resourceVersionMatch)) {
      throw errors.badRequest(
        `resourceVersionMatch: Unsupported value: ${JSON.stringify(opts.resourceVersionMatch)}: supported values: "Exact", "NotOlderThan"`,
      );
    }
    if (opts.resourceVersionMatch && rv === undefined)
      throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (exact && rv === 0) throw errors.badRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    if (limit > 0 && (rv === undefined || exact)) {
      // Paged reads go to the store at one revision, so every page is the same snapshot.
      return this.pagedList(namespace, match, limit, exact ? rv! : 0, '', listKind);
    }
    if (exact) return this.pagedList(namespace, match, 0, rv!, '', listKind);
    if (rv === undefined) {
      // A consistent read: the cache must have seen everything written before this request.
      await this.cache.waitForRevision(await this.store.currentRevision(), 10_000);
    } else if (rv > 0) {
      await this.cache.waitForRevision(rv, 3_000).catch(() => {
        throw errors.timeout(`Too large resource version: ${rv}, current: ${this.cache.revision}`);
      });
    }
    const snap = this.cache.list(this.prefix(namespace));
    const matching = snap.items.filter(match);
    const items = shared ? matching : matching.map((o) => deepCopy(o));
    return { apiVersion: this.gv, kind: listKind, metadata: { resourceVersion: String(snap.revision) }, items };
  }

  private async pagedList(
    namespace: string | undefined,
    match: (o: KObject) => boolean,
    limit: number,
    atRevision: number,
    startKey: string,
    listKind: string,
  ): Promise<KList> {
    const prefix = this.prefix(namespace);
    const items: KObject[] = [];
    let revision = atRevision;
    let start = startKey || prefix;
    let more = false;
    let nextStart = '';
    if (atRevision > 0) {
      // A revision the store has not reached: wait a little for it, as the watch cache does,
      // then answer as kube-apiserver does to etcd's "future revision" (504, retry).
      await this.cache.waitForRevision(atRevision, 3_000).catch(() => {
        throw errors.timeout(`Too large resource version: ${atRevision}, current: ${this.cache.revision}`);
      });
    }
    try {
      for (;;) {
        const want = limit > 0 ? Math.max(limit - items.length, 1) : 0;
        const res = await this.store.range(prefix, { revision: revision || undefined, limit: want > 0 ? want + 1 : 0, startKey: start });
        revision = res.revision;
        let i = 0;
        for (; i < res.kvs.length; i++) {
          const kv = res.kvs[i];
          if (limit > 0 && items.length >= limit) {
            more = true;
            nextStart = kv.key;
            break;
          }
          const o = this.decode(kv);
          if (match(o)) items.push(o);
        }
        if (more || !res.more || res.kvs.length === 0) {
          if (!more && res.more && limit > 0 && items.length >= limit) {
            more = true;
            nextStart = res.kvs[res.kvs.length - 1].key + '\0';
          }
          break;
        }
        if (limit > 0 && items.length >= limit) {
          more = true;
          nextStart = res.kvs[res.kvs.length - 1].key + '\0';
          break;
        }
        start = res.kvs[res.kvs.length - 1].key + '\0';
      }
    } catch (e) {
      if (e instanceof CompactedError) {
        if (startKey)
          throw new StatusError(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        throw new StatusError(410, 'Expired', `too old resource version: ${atRevision} (${e.compacted})`);
      }
      throw e;
    }
    const meta: KList['metadata'] = { resourceVersion: String(revision) };
    if (more) {
      meta.continue = encodeContinue({ v: 'meta.k8s.io/v1', rv: revision, start: nextStart });
      const rest = await this.store.range(prefix, { revision, startKey: nextStart, countOnly: true });
      meta.remainingItemCount = rest.count;
    }
    return { apiVersion: this.gv, kind: listKind, metadata: meta, items };
  }

  /**
   * Watch: replays from the cache window and follows live changes. Objects leaving or
   * entering the selector are sent as DELETED / ADDED, as kube-apiserver does.
   */
  async watch(namespace: string | undefined, opts: WatchOptions, sink: WatchSink): Promise<{ cancel(): void }> {
    const match = this.matcher(opts);
    const rv = parseRV(opts.resourceVersion);
    const prefix = this.prefix(namespace);
    let from: number;
    const initial = opts.sendInitialEvents ?? (rv === undefined || rv === 0);
    if (rv === undefined) await this.cache.waitForRevision(await this.store.currentRevision(), 10_000);
    else if (rv > 0) {
      await this.cache.waitForRevision(rv, 3_000).catch(() => {
        throw errors.timeout(`Too large resource version: ${rv}, current: ${this.cache.revision}`);
      });
    }
    if (initial) {
      const snap = this.cache.list(prefix);
      for (const o of snap.items) if (match(o)) sink.event('ADDED', o);
      from = snap.revision;
    } else {
      from = rv!;
    }
    const onEvent = (ev: CacheEvent) => {
      const now = ev.type === 'DELETED' ? false : match(ev.object);
      const before = ev.prevObject ? match(ev.prevObject) : false;
      // The cache's objects go out as they are: every watcher shares them and their encodings.
      if (ev.type === 'DELETED') {
        if (match(ev.object)) sink.event('DELETED', ev.object);
        return;
      }
      if (now && before) sink.event('MODIFIED', ev.object);
      else if (now && !before) sink.event('ADDED', ev.object);
      else if (!now && before) sink.event('DELETED', ev.object);
    };
    // The cache cannot follow any more (stopped, re-listed past compaction): end this watch
    // so the client re-lists, as it does after any closed watch.
    const onClose = (err: Error) =>
      sink.error(
        err instanceof TooOldError
          ? new StatusError(410, 'Expired', err.message)
          : new StatusError(500, 'InternalError', `watch ended: ${err.message}`),
      );
    try {
      // With no selector every event goes out as the cache has it (onEvent's identity): the
      // watch can be one of the cache's group of alike watches.
      if (sink.shared && match === MATCH_ALL) return this.cache.watchShared(from, prefix, sink.shared, onClose);
      return this.cache.watch(from, prefix, onEvent, onClose);
    } catch (e) {
      if (e instanceof TooOldError) {
        sink.error(new StatusError(410, 'Expired', `too old resource version: ${from} (${e.oldest})`));
        return {
          cancel() {
            /* nothing started */
          },
        };
      }
      throw e;
    }
  }

  // ---- writes ----

  private checkTypeMeta(obj: KObject): void {
    if (obj.apiVersion !== undefined && obj.apiVersion !== this.gv) {
      throw errors.badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${this.gv})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== this.ri.kind) {
      throw errors.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${this.ri.kind})`);
    }
    obj.apiVersion = this.gv;
    obj.kind = this.ri.kind;
  }

  private checkNamespace(obj: KObject, namespace: string | undefined): void {
    if (this.ri.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else {
      delete obj.metadata.namespace;
    }
  }

  /** What admission plugins see of a write. */
  private attributes(
    operation: Attributes['operation'],
    obj: KObject,
    old: KObject | undefined,
    ctx: RequestContext,
    subresource?: string,
  ): Attributes {
    return {
      operation,
      group: this.group,
      version: this.ri.version,
      kind: this.ri.kind,
      resource: this.ri.resource,
      subresource,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name ?? '',
      object: obj,
      oldObject: old,
      dryRun: ctx.dryRun,
      user: ctx.user,
    };
  }

  private invalid(obj: KObject, errs: FieldError[]): StatusError {
    return errors.invalid(this.ri.kind, this.group, obj.metadata.name ?? '', errs);
  }

  /** Runs work that took something with begin: finish commits when it returns true, reverts otherwise (also when it throws). */
  private async finishing<T>(finish: FinishFunc, work: () => Promise<{ value: T; committed: boolean }>): Promise<T> {
    let committed = false;
    try {
      const r = await work();
      committed = r.committed;
      return r.value;
    } finally {
      await finish(committed);
    }
  }

  async create(namespace: string | undefined, input: KObject, ctx: RequestContext): Promise<KObject> {
    const obj = input;
    this.checkTypeMeta(obj);
    if (!isObject(obj.metadata)) obj.metadata = {};
    this.checkNamespace(obj, namespace);
    const generated = !obj.metadata.name && !!obj.metadata.generateName;
    if (generated) obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    if (obj.metadata.resourceVersion) {
      throw errors.internal('resourceVersion should not be set on objects to be created');
    }
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = nowRFC3339();
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    // Kinds that count generations start at 1 in their prepareForCreate.
    delete obj.metadata.generation;
    canonicalizeQuantities(this.ri.schema, obj);
    this.strategy.defaults?.(obj);
    // Mutating admission (NamespaceLifecycle first, then LimitRanger's defaults, Priority) sees the defaulted object.
    await this.api.admission?.admit(this.attributes('CREATE', obj, undefined, ctx), this.api);
    await this.strategy.prepareForCreate?.(obj, ctx, this.api);
    // Allocation (cluster IPs, node ports) comes before validation, as kube-apiserver's BeginCreate.
    const finish = (await this.strategy.beginCreate?.(obj, this.api)) ?? finishNothing;
    return this.finishing(finish, async () => {
      const errs = this.strategy.validate(obj);
      if (errs.length) throw this.invalid(obj, errs);
      // Validating admission last, right before the write (ResourceQuota charges here).
      await this.api.admission?.validate(this.attributes('CREATE', obj, undefined, ctx), this.api);
      obj.metadata.managedFields = updateManagedFields(undefined, obj, ctx.fieldManager, 'Update', undefined, this.gv);
      if (ctx.dryRun) return { value: obj, committed: false };
      // With nothing to run after the write (no beginCreate), the answer is the stored text
      // with the resourceVersion spliced in (see createdJSON): obj is not encoded twice.
      const mark = finish === finishNothing;
      for (let attempt = 1; ; attempt++) {
        try {
          const stored = this.encodeMarked(obj, true);
          const kv = await this.storeWrite(this.key(obj.metadata.namespace, obj.metadata.name!), stored, obj, (key, text) =>
            this.store.create(key, text),
          );
          obj.metadata.resourceVersion = String(kv.modRevision);
          if (mark && stored.metadataEnd >= 0) {
            const t = stored.text;
            const at = stored.metadataEnd;
            createdText.set(obj, `${t.slice(0, at)},"resourceVersion":${JSON.stringify(obj.metadata.resourceVersion)}${t.slice(at)}`);
          }
          return { value: obj, committed: true };
        } catch (e) {
          if (!(e instanceof KeyExistsError)) throw e;
          if (!generated) throw errors.alreadyExists(this.ri.resource, this.group, obj.metadata.name!);
          if (attempt >= GENERATE_NAME_ATTEMPTS) throw errors.generateNameConflict(this.ri.resource, this.group, obj.metadata.name!);
          // KEP-4420 (RetryGenerateName, GA in v1.32): a generated name that is taken is generated
          // again. Only the write is tried again: nothing before it reads the name's random
          // suffix, and the new one has the same length and alphabet, so validation holds.
          obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
        }
      }
    });
  }

  /** The strategy that writes the object through a subresource (status, finalize), as the resource's module says. */
  private updateStrategy(subresource: string | undefined): UpdateStrategy {
    if (subresource === undefined) return this.strategy;
    const rest = this.def.subresources[subresource]?.rest;
    if (rest?.type === 'update') return rest.strategy;
    throw errors.methodNotAllowed();
  }

  /**
   * Read-modify-write with retries on races, as GuaranteedUpdate: tryUpdate gets the current
   * object (undefined when missing) and returns the new one. A caller-supplied resourceVersion
   * that does not match makes a 409, never a retry. The write goes through the subresource's
   * strategy, or the one given (a binding's).
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    ctx: RequestContext,
    subresource: string | undefined,
    tryUpdate: (current: KObject | undefined) => Promise<KObject> | KObject,
    opts: {
      allowCreate?: boolean;
      strategy?: UpdateStrategy;
      /**
       * tryUpdate only reads what it is given (then maybe the watch cache's own object, frozen
       * and shared) and returns an object of its own, which may hold parts of it as they are
       * (a binding: the pod with a new spec and status, its containers the cached ones).
       */
      readsCurrent?: boolean;
      /**
       * The subresource the write is made through when it is another kind's view of the object
       * (scale): the writer's managedFields entry names it, as kube-apiserver's does, while the
       * object is written as the main resource.
       */
      viewSubresource?: string;
    } = {},
  ): Promise<{ obj: KObject; created: boolean }> {
    const strategy = opts.strategy ?? this.updateStrategy(subresource);
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      // As kube-apiserver's Cacher.GuaranteedUpdate hands the watch cache's object down as the
      // cached existing state: a first attempt starts from the cache's version when the cache
      // holds every durable write, without reading the store; the write is conditional on that
      // version, and a lost race (a newer write, a delete) is tried again from the store.
      const fromCache = attempt === 0 ? await this.currentFromCache(key) : undefined;
      const kv = fromCache ? undefined : await this.store.get(key);
      // The watch cache's object when it holds this very version: what decoding kv gives, made.
      const cached = fromCache ?? (kv ? this.cachedAt(key, kv.modRevision) : undefined);
      const stored: StoredVersion | undefined = fromCache ? { key, modRevision: Number(fromCache.metadata.resourceVersion) } : kv;
      // The stored version, only read from here on (admission's oldObject, validation, managedFields):
      // the cache's own object when the strategy puts none of the old object's parts into the new
      // one (no prepareForUpdate: a lease renewal) or puts them as they are (sharesOld: a status
      // write, whose new object then holds the cached spec itself); a copy of its own otherwise.
      const current = stored
        ? strategy.prepareForUpdate && !strategy.sharesOld
          ? this.ownCopy(kv, cached)
          : (cached ?? this.decode(kv!))
        : undefined;
      // tryUpdate may change what it is given: a copy of its own, unless it only reads it.
      const candidate = await tryUpdate(stored ? (opts.readsCurrent ? current : this.ownCopy(kv, cached)) : undefined);
      try {
        if (!current) {
          // PUT creates only where the strategy allows it; server-side apply always may.
          if (!this.strategy.allowCreateOnUpdate && !opts.allowCreate) throw this.notFound(name);
          // The request was authorized to update or patch; creating needs "create" too.
          ctx.authorizeCreate?.();
          delete candidate.metadata.resourceVersion;
          return { obj: await this.create(namespace, candidate, ctx), created: true };
        }
        return {
          obj: await this.writeUpdate(current, candidate, stored!, ctx, subresource, strategy, !!fromCache, opts.viewSubresource),
          created: false,
        };
      } catch (e) {
        // A lost race is another write's win: tried again until it goes through, as GuaranteedUpdate
        // (bounded only by the request's timeout there), so that N writers racing all get through
        // (20 tries refused the last of 30 concurrent patches); the bound only stops a fault.
        if (e instanceof RetryableConflict && attempt < MAX_UPDATE_ATTEMPTS) continue;
        if (e instanceof RetryableConflict) throw this.conflict(name);
        throw e;
      }
    }
  }

  /**
   * kv's object, the caller's own to change: a copy of the cache's object at kv's revision
   * (copyJSON, ~2x faster than a decode of the bytes) when given, a decode of kv otherwise.
   */
  private ownCopy(kv: KeyValue | undefined, cached: KObject | undefined): KObject {
    return cached !== undefined ? copyJSON(cached) : this.decode(kv!);
  }

  /**
   * The watch cache's object at key when the cache holds every write the store has made
   * durable (its newest version, as a read of the store would give once the writes in flight
   * settle); undefined when it cannot tell (not following, a key it lacks, custom resources).
   */
  private async currentFromCache(key: string): Promise<KObject | undefined> {
    if (this.def.custom || !this.cache.currentAt(await this.store.currentRevision())) return undefined;
    return this.cache.get(key);
  }

  /** The watch cache's object at key if it is the version written at revision (never for custom resources, served converted). */
  private cachedAt(key: string, revision: number): KObject | undefined {
    if (this.def.custom) return undefined;
    const cached = this.cache.get(key);
    return cached !== undefined && cached.metadata.resourceVersion === String(revision) ? cached : undefined;
  }

  private conflict(name: string): StatusError {
    return errors.conflict(
      this.ri.resource,
      this.group,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }

  /**
   * The fields the system owns, kept from the stored object, after the checks that the body
   * addresses it. An update without a resourceVersion is unconditional
   * (AllowUnconditionalUpdate): it applies to whatever is stored.
   */
  private adoptSystemFields(obj: KObject, current: KObject): void {
    this.checkTypeMeta(obj);
    if (!isObject(obj.metadata)) throw errors.badRequest('metadata must be an object');
    const name = current.metadata.name!;
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    this.checkNamespace(obj, current.metadata.namespace);
    obj.metadata.name = name;
    const clientRV = obj.metadata.resourceVersion;
    if (clientRV !== undefined && clientRV !== '' && clientRV !== current.metadata.resourceVersion) throw this.conflict(name);
    const m = obj.metadata,
      om = current.metadata;
    if (!clientRV) m.resourceVersion = om.resourceVersion;
    if (m.uid !== undefined && m.uid !== om.uid)
      throw this.invalid(obj, [{ type: 'FieldValueInvalid', field: 'metadata.uid', value: m.uid, detail: 'field is immutable' }]);
    m.uid = om.uid;
    m.creationTimestamp = om.creationTimestamp;
    m.deletionTimestamp = om.deletionTimestamp;
    m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    if (m.deletionTimestamp === undefined) delete m.deletionTimestamp;
    if (m.deletionGracePeriodSeconds === undefined) delete m.deletionGracePeriodSeconds;
    if (om.generateName !== undefined && m.generateName === undefined) m.generateName = om.generateName;
    m.generation = om.generation;
    if (m.generation === undefined) delete m.generation;
  }

  /** An object being deleted may lose finalizers, never gain them. */
  private checkNoNewFinalizers(obj: KObject, current: KObject): void {
    if (!current.metadata.deletionTimestamp) return;
    const had = current.metadata.finalizers ?? [];
    const added = (obj.metadata.finalizers ?? []).filter((f) => !had.includes(f));
    if (added.length)
      throw this.invalid(obj, [
        {
          type: 'FieldValueForbidden',
          field: 'metadata.finalizers',
          detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        },
      ]);
  }

  /**
   * A no-op write changes nothing and keeps the resourceVersion, as the real server does: the
   * two objects' JSON, resourceVersion and managedFields left out, is the same (sameJSON: what
   * comparing the two JSON.stringify outputs said, without building them).
   */
  private unchanged(obj: KObject, current: KObject): boolean {
    return sameJSON(obj, current, NO_OP_IGNORES);
  }

  /** fromCache: kv is the watch cache's version, not read from the store (see guaranteedUpdate). */
  private async writeUpdate(
    current: KObject,
    input: KObject,
    kv: StoredVersion,
    ctx: RequestContext,
    subresource: string | undefined,
    strategy: UpdateStrategy,
    fromCache = false,
    viewSubresource?: string,
  ): Promise<KObject> {
    this.adoptSystemFields(input, current);
    canonicalizeQuantities(this.ri.schema, input);
    strategy.defaults?.(input);
    if (subresource === undefined) await this.api.admission?.admit(this.attributes('UPDATE', input, current, ctx), this.api);
    const obj = (await strategy.prepareForUpdate?.(input, current, ctx, this.api)) ?? input;
    const finish = (await strategy.beginUpdate?.(obj, current, this.api)) ?? finishNothing;
    return this.finishing(finish, async () => {
      const errs = strategy.validateUpdate(obj, current);
      if (errs.length) throw this.invalid(obj, errs);
      // Subresource writes are admitted too (NodeRestriction: pods/status, nodes/status); plugins that only look at the object itself skip them.
      // Asked once: what follows until the write changes managedFields only, which it leaves out.
      const unchanged = this.unchanged(obj, current);
      if (!unchanged) await this.api.admission?.validate(this.attributes('UPDATE', obj, current, ctx, subresource), this.api);
      this.checkNoNewFinalizers(obj, current);
      if (!strategy.bypassFieldManager) {
        obj.metadata.managedFields = updateManagedFields(current, obj, ctx.fieldManager, 'Update', viewSubresource ?? subresource, this.gv);
        if (obj.metadata.managedFields === undefined) delete obj.metadata.managedFields;
      }
      // The answer is the caller's own: the cache's object (guaranteedUpdate) is decoded for it.
      if (unchanged) return { value: current === this.cache.get(kv.key) ? copyJSON(current) : current, committed: false };
      if (ctx.dryRun) {
        obj.metadata.resourceVersion = current.metadata.resourceVersion;
        return { value: obj, committed: false };
      }
      // Removing the last finalizer of an object being deleted completes its deletion.
      if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length && (this.strategy.canFinishDeletion?.(obj) ?? true)) {
        return { value: await this.remove(kv, obj, fromCache), committed: false };
      }
      return { value: await this.storeUpdate(kv, obj, fromCache), committed: true };
    });
  }

  /**
   * Writes the new version if the stored one is still kv. A lost race is tried again from the
   * version now stored (RetryableConflict), as GuaranteedUpdate does: a patch is applied to it
   * anew and an update without a resourceVersion goes through; a write naming a resourceVersion
   * is then the 409 it should be (adoptSystemFields: not the stored one). A patch's object carries
   * the resourceVersion it was applied to, so a lost race was a 409 for it too, where
   * kube-apiserver never answers one to a patch that names none.
   */
  private async storeUpdate(kv: StoredVersion, obj: KObject, fromCache: boolean): Promise<KObject> {
    try {
      const nkv = await this.storeWrite(kv.key, this.encodeMarked(obj, true), obj, (key, text) =>
        this.store.update(key, text, kv.modRevision),
      );
      obj.metadata.resourceVersion = String(nkv.modRevision);
      return obj;
    } catch (e) {
      if (e instanceof RevisionMismatchError) throw new RetryableConflict();
      if (e instanceof KeyNotFoundError && fromCache) throw new RetryableConflict();
      if (e instanceof KeyNotFoundError) throw this.notFound(obj.metadata.name!);
      throw e;
    }
  }

  async update(
    namespace: string | undefined,
    name: string,
    input: KObject,
    ctx: RequestContext,
    subresource?: string,
  ): Promise<{ obj: KObject; created: boolean }> {
    if (!isObject(input.metadata)) input.metadata = {};
    if (input.metadata.name !== undefined && input.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    input.metadata.name = name;
    return this.guaranteedUpdate(namespace, name, ctx, subresource, () => deepCopy(input));
  }

  // ---- deletes ----

  async delete(
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions,
    ctx: RequestContext,
  ): Promise<{ obj: KObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    for (let attempt = 0; attempt < 20; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw this.notFound(name);
      const obj = this.decode(kv);
      // Validating admission of the DELETE (NamespaceLifecycle refuses the system namespaces).
      await this.api.admission?.validate(this.attributes('DELETE', obj, obj, ctx), this.api);
      checkPreconditions(opts.preconditions, obj, this.ri.resource, this.group, name);
      const asked =
        opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
      const fallback = this.strategy.defaultDeletePropagation;
      if (!asked && fallback?.warning && attempt === 0) ctx.warnings.push(fallback.warning);
      // As deletionFinalizersForGarbageCollection: an explicit policy decides; without one, a
      // GC finalizer the object already carries does (a second delete keeps the first one's
      // policy), then the kind's default. Both finalizers are taken out and the one decided put
      // back, so an object never carries both (validation refuses that on every later update).
      const existing = obj.metadata.finalizers ?? [];
      const carried = existing.find((f) => f === 'orphan' || f === 'foregroundDeletion');
      const policy = asked ?? (carried === 'orphan' ? 'Orphan' : carried === 'foregroundDeletion' ? 'Foreground' : fallback?.policy);
      const finalizers = existing.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
      if (policy === 'Orphan') finalizers.push('orphan');
      if (policy === 'Foreground') finalizers.push('foregroundDeletion');
      const plan = this.strategy.planDeletion?.(obj, opts.gracePeriodSeconds) ?? { kind: 'now' as const };
      const alreadyDeleting = !!obj.metadata.deletionTimestamp;
      const mustWait = finalizers.length > 0 || plan.kind === 'graceful' || !(this.strategy.canFinishDeletion?.(obj) ?? true);
      if (mustWait) {
        const next = deepCopy(obj);
        next.metadata.finalizers = finalizers.length ? finalizers : undefined;
        if (!next.metadata.finalizers) delete next.metadata.finalizers;
        if (!alreadyDeleting) {
          const grace = plan.kind === 'graceful' ? plan.graceSeconds : 0;
          next.metadata.deletionTimestamp = nowRFC3339(new Date(Date.now() + grace * 1000));
          next.metadata.deletionGracePeriodSeconds = grace;
          this.strategy.markDeleting?.(next);
        } else if (plan.kind === 'graceful' && (next.metadata.deletionGracePeriodSeconds ?? 0) > plan.graceSeconds) {
          // A shorter grace period may replace a longer one (kubectl delete --grace-period=0 --force).
          next.metadata.deletionTimestamp = nowRFC3339(new Date(Date.now() + plan.graceSeconds * 1000));
          next.metadata.deletionGracePeriodSeconds = plan.graceSeconds;
        } else if (plan.kind === 'now' && finalizers.length === 0 && (this.strategy.canFinishDeletion?.(next) ?? true)) {
          return this.removeNow(kv, obj, ctx);
        }
        if (JSON.stringify(next) === JSON.stringify(obj)) return { obj, deleted: false };
        if (ctx.dryRun) return { obj: next, deleted: false };
        try {
          const nkv = await this.store.update(key, this.encode(next), kv.modRevision);
          next.metadata.resourceVersion = String(nkv.modRevision);
          return { obj: next, deleted: false };
        } catch (e) {
          if (e instanceof RevisionMismatchError || e instanceof KeyNotFoundError) continue;
          throw e;
        }
      }
      try {
        return await this.removeNow(kv, obj, ctx);
      } catch (e) {
        if (e instanceof RetryableConflict) continue;
        throw e;
      }
    }
    throw this.conflict(name);
  }

  private async removeNow(kv: KeyValue, obj: KObject, ctx: RequestContext): Promise<{ obj: KObject; deleted: boolean }> {
    if (ctx.dryRun) return { obj, deleted: true };
    return { obj: await this.remove(kv, obj), deleted: true };
  }

  /** Takes the object out of the store, if it is still the version read (fromCache: as storeUpdate). */
  private async remove(kv: StoredVersion, obj: KObject, fromCache = false): Promise<KObject> {
    const finish = this.strategy.beginDelete?.(obj, this.api) ?? finishNothing;
    return this.finishing(finish, async () => {
      try {
        const del = await this.store.delete(kv.key, kv.modRevision);
        obj.metadata.resourceVersion = String(del.modRevision);
      } catch (e) {
        if (e instanceof RevisionMismatchError || (e instanceof KeyNotFoundError && fromCache)) throw new RetryableConflict();
        if (e instanceof KeyNotFoundError) throw this.notFound(obj.metadata.name!);
        throw e;
      }
      return { value: obj, committed: true };
    });
  }

  async deleteCollection(namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions, ctx: RequestContext): Promise<KList> {
    const list = await this.list(namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    const items: KObject[] = [];
    for (const o of list.items) {
      try {
        items.push((await this.delete(o.metadata.namespace, o.metadata.name!, opts, ctx)).obj);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        throw e;
      }
    }
    return { ...list, items };
  }
}

/** guaranteedUpdate's tries: far more than writers ever race for one object. */
const MAX_UPDATE_ATTEMPTS = 1000;

/** What a no-op write's test leaves out of both objects. */
const NO_OP_IGNORES: JSONIgnore = { children: { metadata: { keys: new Set(['resourceVersion', 'managedFields']) } } };

/** A compare-and-swap lost a race with another writer: read again and retry. */
export class RetryableConflict extends Error {
  constructor() {
    super('retryable conflict');
  }
}
