// The REST client every component except the API server uses: plain Kubernetes REST over
// node's http/https with a keep-alive agent, JSON bodies, metav1.Status errors. It knows no
// kinds: callers name a resource by group, version and plural, as client-go's dynamic client.

import { URL } from 'node:url';
import { type Status, type StatusDetails, StatusError } from '../api/errors.js';
import { apiVersionOf, isObject, type KList, type KObject } from '../api/object.js';
import {
  DEFAULT_USER_AGENT,
  httpTransport,
  isWatchSource,
  type RawRequest,
  type RawResponse,
  type RestClientOptions,
  type Transport,
  type WatchEvent,
  type WatchSource,
} from './transport.js';

export type { RawRequest, RawResponse, RestClientOptions, Transport, TransportFactory, WatchEvent, WatchEventType } from './transport.js';

/** Where a request goes: a resource, optionally one object of it and one of its subresources. */
export interface ResourceRef {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: "pods", "deployments". */
  resource: string;
  /** Omitted for cluster-scoped resources, and for lists across all namespaces. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface GetOptions {
  resourceVersion?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  timeoutSeconds?: number;
  /** Aborting cancels the request (it rejects). */
  signal?: AbortSignal;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long; callers re-watch from the last resourceVersion. */
  timeoutSeconds?: number;
  /** Aborting ends the stream (the iterator finishes without an error). */
  signal?: AbortSignal;
}

export interface WriteOptions {
  /** True sends dryRun=All: the server validates and answers but stores nothing. */
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export type PatchType = 'strategic' | 'merge' | 'json' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

export const CONTENT_TYPES: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** A non-2xx answer from the API server, carrying the Kubernetes Status it sent (or one made from the code). */
export class ApiError extends StatusError {
  constructor(public status: Status) {
    super(status.code, status.reason ?? '', status.message ?? '', status.details);
    this.name = 'ApiError';
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
export const isNotFound = (e: unknown): boolean => e instanceof StatusError && e.code === 404;
export const isAlreadyExists = (e: unknown): boolean => e instanceof StatusError && e.reason === 'AlreadyExists';
export const isConflict = (e: unknown): boolean => e instanceof StatusError && e.code === 409 && e.reason !== 'AlreadyExists';
/** 410: the resourceVersion asked for is older than the server still has (watch or continue token). */
export const isGone = (e: unknown): boolean =>
  e instanceof StatusError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');

/** A watch ERROR event's object as a Status. */
export function asStatus(o: unknown): Status {
  if (isObject(o) && o.kind === 'Status' && typeof o.code === 'number') return o as unknown as Status;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code: 500,
    reason: 'InternalError',
    message: `unexpected watch error object: ${JSON.stringify(o)}`,
  };
}

/** The reason and message client-go's apimachinery gives a bare status code with no Status body. */
function statusForCode(code: number, body: string): Status {
  const table: Record<number, [string, string]> = {
    400: ['BadRequest', 'the server rejected our request for an unknown reason'],
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', 'the server does not allow access to the requested resource'],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    406: ['NotAcceptable', 'the server was unable to respond with a content type that the client supports'],
    409: ['Conflict', 'the server reported a conflict'],
    410: ['Expired', 'the server reported the resource version as expired'],
    415: ['UnsupportedMediaType', 'the server was unable to handle the media type requested'],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
    429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
    504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
  };
  const [reason, message] = table[code] ?? [
    'Unknown',
    `the server responded with the status code ${code} but did not return more information`,
  ];
  const details: StatusDetails = {};
  const trimmed = body.trim();
  if (trimmed) details.causes = [{ reason: 'UnexpectedServerResponse', message: trimmed.slice(0, 1024) }];
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message, ...(trimmed ? { details } : {}) };
}

/** '/api/v1/namespaces/ns/pods/name/status' or '/apis/apps/v1/deployments'. */
export function resourcePath(ref: ResourceRef): string {
  const enc = encodeURIComponent;
  let p = ref.group === '' ? `/api/${enc(ref.version)}` : `/apis/${enc(ref.group)}/${enc(ref.version)}`;
  if (ref.namespace) p += `/namespaces/${enc(ref.namespace)}`;
  p += `/${enc(ref.resource)}`;
  if (ref.name !== undefined) {
    if (ref.name === '') throw new Error(`resource name may not be empty (${ref.resource})`);
    p += `/${enc(ref.name)}`;
  }
  if (ref.subresource) {
    if (ref.name === undefined) throw new Error(`subresource ${ref.subresource} needs a name`);
    p += `/${enc(ref.subresource)}`;
  }
  return p;
}

type Query = Record<string, string | number | boolean | undefined>;

function queryString(q: Query): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') sp.append(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export class RestClient {
  readonly server: URL;
  /** How requests reach the server (HTTP(S) unless the options name another). */
  readonly transport: Transport;

  /** opts: kept, so that a client like this one can be made from them (another user agent, a wrapper). */
  constructor(readonly opts: RestClientOptions) {
    this.server = new URL(opts.server);
    this.transport = (opts.transport ?? httpTransport)({ ...opts, userAgent: opts.userAgent ?? DEFAULT_USER_AGENT });
  }

  /** Closes idle keep-alive sockets (open watches end when their signals abort). */
  close(): void {
    this.transport.close();
  }

  /**
   * Drops every connection, busy ones included (client-go's connrotation CloseAll, which the
   * kubelet calls when a heartbeat fails): after the network was lost, requests and watches
   * may sit on sockets whose peer is gone, waiting for TCP to give up; they fail now and their
   * callers retry on fresh connections. The client stays usable.
   */
  closeAllConnections(): void {
    this.transport.closeAllConnections();
  }

  /** One HTTP exchange, whole body buffered. Never throws for a status code. */
  requestRaw(req: RawRequest): Promise<RawResponse> {
    return this.transport.roundTrip(req);
  }

  /** A JSON request: parses the answer, throws ApiError for non-2xx. */
  async request<R = unknown>(
    method: string,
    path: string,
    query: Query = {},
    body?: unknown,
    contentType = 'application/json',
    signal?: AbortSignal,
  ): Promise<R> {
    const raw: RawRequest = {
      method,
      path: path + queryString(query),
      signal,
      body: body === undefined ? undefined : JSON.stringify(body),
      contentType: body === undefined ? undefined : contentType,
      accept: 'application/json',
    };
    let res = await this.requestRaw(raw);
    // As client-go's request.go: a 429 (the server's in-flight limit) with Retry-After is
    // retried after that many seconds, up to 10 times; anything else is the caller's.
    for (let retries = 0; res.statusCode === 429 && retries < 10 && !signal?.aborted; retries++) {
      const after = Number(res.headers['retry-after']);
      if (!Number.isInteger(after) || after < 0) break;
      await new Promise((r) => setTimeout(r, Math.min(after, 10) * 1000));
      res = await this.requestRaw(raw);
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      if (isObject(res.object) && res.object.kind === 'Status') throw errorFromStatus(res.statusCode, res.object as unknown as Status);
      throw errorFromResponse(res.statusCode, res.body.toString('utf8'));
    }
    // An in-process answer: the server's own object, no JSON both ways.
    if (res.object !== undefined) return res.object as R;
    const text = res.body.toString('utf8');
    if (!text) return undefined as R;
    try {
      return JSON.parse(text) as R;
    } catch {
      throw new ApiError(statusForCode(500, `invalid JSON from server: ${text.slice(0, 200)}`));
    }
  }

  async get<T extends KObject = KObject>(ref: ResourceRef, opts: GetOptions = {}): Promise<T> {
    return this.request<T>('GET', resourcePath(ref), { resourceVersion: opts.resourceVersion });
  }

  /** One page of a list; items get the kind and apiVersion the server leaves off list items. */
  async list<T extends KObject = KObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KList<T>> {
    const { signal, ...q } = opts;
    const list = await this.request<KList<T>>(
      'GET',
      resourcePath({ ...ref, name: undefined, subresource: undefined }),
      { ...q },
      undefined,
      undefined,
      signal,
    );
    fillItemKinds(list, ref);
    return list;
  }

  /** Every page of a list, following continue tokens. */
  async listAll<T extends KObject = KObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KList<T>> {
    const first = await this.list<T>(ref, opts);
    let cont = first.metadata?.continue;
    while (cont) {
      const page = await this.list<T>(ref, { ...opts, continue: cont, resourceVersion: undefined, resourceVersionMatch: undefined });
      first.items.push(...page.items);
      cont = page.metadata?.continue;
    }
    if (first.metadata) delete first.metadata.continue;
    return first;
  }

  /**
   * POST to the collection (a name in ref is ignored), or to a named object's subresource
   * (pods/binding, pods/eviction). The namespace defaults to the body's metadata.namespace.
   */
  async create<T extends KObject = KObject>(ref: ResourceRef, body: object, opts: WriteOptions = {}): Promise<T> {
    const r = { ...ref, namespace: ref.namespace ?? metaOf(body).namespace, name: ref.subresource ? ref.name : undefined };
    return this.request<T>('POST', resourcePath(r), writeQuery(opts), body);
  }

  /** PUT; the name and namespace default to the body's. The body's resourceVersion makes it a compare-and-swap. */
  async update<T extends KObject = KObject>(ref: ResourceRef, body: object, opts: WriteOptions = {}): Promise<T> {
    const meta = metaOf(body);
    const r = { ...ref, namespace: ref.namespace ?? meta.namespace, name: ref.name ?? meta.name };
    return this.request<T>('PUT', resourcePath(r), writeQuery(opts), body);
  }

  async patch<T extends KObject = KObject>(
    ref: ResourceRef,
    patch: unknown,
    type: PatchType = 'merge',
    opts: PatchOptions = {},
  ): Promise<T> {
    if (type === 'apply' && !opts.fieldManager) throw new Error('server-side apply needs a fieldManager');
    const q: Query = writeQuery(opts);
    if (type === 'apply' && opts.force) q.force = true;
    return this.request<T>('PATCH', resourcePath(ref), q, patch, CONTENT_TYPES[type]);
  }

  /** Answers the object (being deleted, or as it was) or a Success Status, as the server chooses. */
  async delete<R = KObject | Status>(ref: ResourceRef, opts: DeleteOptions = {}): Promise<R> {
    return this.request<R>('DELETE', resourcePath(ref), deleteQuery(opts), deleteBody(opts));
  }

  async deleteCollection<R = KList | Status>(ref: ResourceRef, opts: DeleteOptions & ListOptions = {}): Promise<R> {
    const { labelSelector, fieldSelector, limit, continue: cont, resourceVersion, resourceVersionMatch, timeoutSeconds } = opts;
    const q: Query = {
      ...deleteQuery(opts),
      labelSelector,
      fieldSelector,
      limit,
      continue: cont,
      resourceVersion,
      resourceVersionMatch,
      timeoutSeconds,
    };
    return this.request<R>('DELETE', resourcePath({ ...ref, name: undefined, subresource: undefined }), q, deleteBody(opts));
  }

  /**
   * Opens a watch. Resolves once the server has answered 200 (throws ApiError otherwise, e.g. 410);
   * the returned stream then yields events until the server ends it, the connection drops (the
   * iterator throws), or the signal aborts / stop() is called (the iterator ends).
   */
  async watch<T extends KObject = KObject>(ref: ResourceRef, opts: WatchOptions = {}): Promise<WatchStream<T>> {
    const q: Query = {
      watch: 'true',
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds,
    };
    const ctrl = new AbortController();
    const onOuterAbort = (): void => ctrl.abort();
    if (opts.signal) {
      if (opts.signal.aborted) ctrl.abort();
      else opts.signal.addEventListener('abort', onOuterAbort, { once: true });
    }
    const cleanup = () => opts.signal?.removeEventListener('abort', onOuterAbort);
    let opened: WatchSource | RawResponse;
    try {
      opened = await this.transport.watch({
        method: 'GET',
        path: resourcePath({ ...ref, name: undefined, subresource: undefined }) + queryString(q),
        accept: 'application/json',
        signal: ctrl.signal,
        timeoutMs: 0,
      });
    } catch (e) {
      cleanup();
      throw e;
    }
    if (!isWatchSource(opened)) {
      cleanup();
      if (isObject(opened.object) && opened.object.kind === 'Status')
        throw errorFromStatus(opened.statusCode, opened.object as unknown as Status);
      throw errorFromResponse(opened.statusCode, opened.body.toString('utf8'));
    }
    return new WatchStream<T>(opened, ctrl, cleanup);
  }
}

function metaOf(body: object): { name?: string; namespace?: string } {
  const m = (body as { metadata?: unknown }).metadata;
  if (!isObject(m)) return {};
  return { name: typeof m.name === 'string' ? m.name : undefined, namespace: typeof m.namespace === 'string' ? m.namespace : undefined };
}

function writeQuery(opts: WriteOptions): Query {
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager, fieldValidation: opts.fieldValidation };
}

function deleteQuery(opts: DeleteOptions): Query {
  return {
    dryRun: opts.dryRun ? 'All' : undefined,
    propagationPolicy: opts.propagationPolicy,
    gracePeriodSeconds: opts.gracePeriodSeconds,
  };
}

/** client-go sends DeleteOptions as the body; the query above carries the same for servers that read only that. */
function deleteBody(opts: DeleteOptions): Record<string, unknown> | undefined {
  if (
    opts.dryRun === undefined &&
    opts.propagationPolicy === undefined &&
    opts.gracePeriodSeconds === undefined &&
    opts.preconditions === undefined
  )
    return undefined;
  const b: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (opts.dryRun) b.dryRun = ['All'];
  if (opts.propagationPolicy) b.propagationPolicy = opts.propagationPolicy;
  if (opts.gracePeriodSeconds !== undefined) b.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.preconditions) b.preconditions = opts.preconditions;
  return b;
}

function errorFromStatus(code: number, s: Status): ApiError {
  return new ApiError({ ...s, code: typeof s.code === 'number' && s.code ? s.code : code });
}

function errorFromResponse(code: number, text: string): ApiError {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && parsed.kind === 'Status') return errorFromStatus(code, parsed as unknown as Status);
  } catch {
    /* not JSON: fall through */
  }
  return new ApiError(statusForCode(code, text));
}

function fillItemKinds<T extends KObject>(list: KList<T>, ref: ResourceRef): void {
  if (!Array.isArray(list.items)) {
    list.items = [];
    return;
  }
  const kind = typeof list.kind === 'string' && list.kind.endsWith('List') ? list.kind.slice(0, -4) : undefined;
  const apiVersion = list.apiVersion ?? apiVersionOf(ref.group, ref.version);
  const items = list.items;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.apiVersion && (it.kind || !kind)) continue;
    // A shared (frozen) item is replaced by a copy with the fields, never written to.
    const filled = Object.isFrozen(it) ? { ...it } : it;
    if (!filled.apiVersion) filled.apiVersion = apiVersion;
    if (!filled.kind && kind) filled.kind = kind;
    items[i] = filled;
  }
}

/** A watch's events as an async iterable, whichever transport carries them. */
export class WatchStream<T extends KObject = KObject> implements AsyncIterable<WatchEvent<T>> {
  private stopped = false;
  private consumed = false;

  constructor(
    private readonly source: WatchSource,
    private readonly ctrl: AbortController,
    private readonly cleanup: () => void,
  ) {}

  /** Ends the stream; a pending or later iteration finishes without an error. */
  stop(): void {
    this.stopped = true;
    this.ctrl.abort();
    this.source.stop();
    this.cleanup();
  }

  get isStopped(): boolean {
    return this.stopped || this.ctrl.signal.aborted;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.consumed) throw new Error('a watch stream can be iterated once');
    this.consumed = true;
    try {
      for await (const ev of this.source.events) {
        if (this.isStopped) return;
        yield ev as WatchEvent<T>;
      }
    } catch (e) {
      if (this.isStopped) return;
      throw e;
    } finally {
      this.cleanup();
      this.source.stop();
    }
  }
}
