// The REST client every component except the API server uses: plain Kubernetes REST over
// node's http/https with a keep-alive agent, JSON bodies, metav1.Status errors. It knows no
// kinds: callers name a resource by group, version and plural, as client-go's dynamic client.

import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { URL } from 'node:url';
import { type Status, type StatusDetails, StatusError } from '../api/errors.js';
import { apiVersionOf, isObject, type KList, type KObject } from '../api/object.js';

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

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  /** For ERROR events this is a metav1.Status (cast it with asStatus). */
  object: T;
}

export interface RestClientOptions {
  /** https://host:port or http://host:port, optionally with a path prefix. */
  server: string;
  /** Bearer token. */
  token?: string;
  /** A bearer token read at each request (one that is renewed: a service account's bound token). */
  tokenSource?: () => string | undefined;
  userAgent?: string;
  /** PEM (or base64 of PEM, as kubeconfig's certificate-authority-data) of the CA to trust. */
  caData?: string;
  /** PEM or base64 PEM client certificate and key, as kubeconfig's client-certificate-data. */
  certData?: string;
  keyData?: string;
  /** Skip TLS verification (kubeconfig's insecure-skip-tls-verify). */
  insecure?: boolean;
  /** Timeout of non-watch requests, ms (default 60 s). */
  timeoutMs?: number;
}

export const CONTENT_TYPES: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

const DEFAULT_USER_AGENT = `k8ts/0.1.0 (${process.platform}/${process.arch})`;

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

function pem(data: string | undefined): string | undefined {
  if (!data) return undefined;
  return data.includes('-----BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');
}

export interface RawRequest {
  method: string;
  /** Path below the server's base, with its query string. */
  path: string;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Overrides the client's timeout; 0 for none (streams). */
  timeoutMs?: number;
  /** Extra request headers (Impersonate-User, ...). */
  headers?: Record<string, string | string[]>;
}

export interface RawResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class RestClient {
  readonly server: URL;
  private readonly basePath: string;
  private readonly agent: http.Agent;
  private readonly isTLS: boolean;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly tokenSource?: () => string | undefined;

  constructor(opts: RestClientOptions) {
    this.server = new URL(opts.server);
    this.basePath = this.server.pathname.replace(/\/+$/, '');
    this.isTLS = this.server.protocol === 'https:';
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    // One keep-alive agent per client: controllers issue many small requests to the same server.
    // One TLS context per client too: given ca/cert/key, every new connection would parse them
    // into a context of its own (a measurable share of the control plane's CPU when bursts of
    // requests open connections).
    this.agent = this.isTLS
      ? new https.Agent({
          keepAlive: true,
          secureContext: tls.createSecureContext({ ca: pem(opts.caData), cert: pem(opts.certData), key: pem(opts.keyData) }),
          rejectUnauthorized: !opts.insecure,
        })
      : new http.Agent({ keepAlive: true });
    this.headers = { 'User-Agent': opts.userAgent ?? DEFAULT_USER_AGENT };
    if (opts.token) this.headers.Authorization = `Bearer ${opts.token}`;
    this.tokenSource = opts.tokenSource;
  }

  /** Closes idle keep-alive sockets (open watches end when their signals abort). */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Drops every connection, busy ones included (client-go's connrotation CloseAll, which the
   * kubelet calls when a heartbeat fails): after the network was lost, requests and watches
   * may sit on sockets whose peer is gone, waiting for TCP to give up; they fail now and their
   * callers retry on fresh connections. The client stays usable.
   */
  closeAllConnections(): void {
    for (const group of [this.agent.sockets, this.agent.freeSockets])
      for (const list of Object.values(group)) for (const sock of [...(list ?? [])]) sock.destroy();
  }

  /** One HTTP exchange, whole body buffered. Never throws for a status code. */
  requestRaw(req: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const r = this.open(req, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      r.on('error', reject);
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
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
    const text = res.body.toString('utf8');
    if (res.statusCode < 200 || res.statusCode > 299) throw errorFromResponse(res.statusCode, text);
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
    return new Promise((resolve, reject) => {
      const req = this.open(
        {
          method: 'GET',
          path: resourcePath({ ...ref, name: undefined, subresource: undefined }) + queryString(q),
          accept: 'application/json',
          signal: ctrl.signal,
          timeoutMs: 0,
        },
        (res) => {
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => reject(errorFromResponse(code, Buffer.concat(chunks).toString('utf8'))));
            res.on('error', reject);
            return;
          }
          resolve(new WatchStream<T>(res, ctrl, () => opts.signal?.removeEventListener('abort', onOuterAbort)));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  private open(req: RawRequest, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const headers: Record<string, string | string[]> = { ...this.headers, ...req.headers, Accept: req.accept ?? 'application/json' };
    const current = this.tokenSource?.();
    if (current) headers.Authorization = `Bearer ${current}`;
    if (req.contentType) headers['Content-Type'] = req.contentType;
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    const options: http.RequestOptions = {
      protocol: this.server.protocol,
      hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
      port: this.server.port || (this.isTLS ? 443 : 80),
      method: req.method,
      path: this.basePath + req.path,
      headers,
      agent: this.agent,
      signal: req.signal,
    };
    const r = this.isTLS ? https.request(options, onResponse) : http.request(options, onResponse);
    const timeout = req.timeoutMs ?? this.timeoutMs;
    if (timeout > 0) r.setTimeout(timeout, () => r.destroy(new Error(`request ${req.method} ${req.path} timed out after ${timeout} ms`)));
    return r;
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

function errorFromResponse(code: number, text: string): ApiError {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && parsed.kind === 'Status') {
      const s = parsed as unknown as Status;
      return new ApiError({ ...s, code: typeof s.code === 'number' && s.code ? s.code : code });
    }
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
  for (const it of list.items) {
    if (!it.apiVersion) it.apiVersion = apiVersion;
    if (!it.kind && kind) it.kind = kind;
  }
}

/** The newline-delimited JSON of a watch response, as an async iterable of events. */
export class WatchStream<T extends KObject = KObject> implements AsyncIterable<WatchEvent<T>> {
  private stopped = false;
  private consumed = false;

  constructor(
    private readonly res: http.IncomingMessage,
    private readonly ctrl: AbortController,
    private readonly cleanup: () => void,
  ) {
    res.setEncoding('utf8');
  }

  /** Ends the stream; a pending or later iteration finishes without an error. */
  stop(): void {
    this.stopped = true;
    this.ctrl.abort();
    this.res.destroy();
    this.cleanup();
  }

  get isStopped(): boolean {
    return this.stopped || this.ctrl.signal.aborted;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.consumed) throw new Error('a watch stream can be iterated once');
    this.consumed = true;
    let buf = '';
    try {
      for await (const chunk of this.res as AsyncIterable<string>) {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield parseEvent<T>(line);
        }
      }
      const rest = buf.trim();
      if (rest) yield parseEvent<T>(rest);
      // A response that ended early without the server's say-so still ends cleanly here: the caller re-watches.
    } catch (e) {
      if (this.isStopped) return;
      throw e;
    } finally {
      this.cleanup();
      if (!this.res.destroyed) this.res.destroy();
    }
  }
}

function parseEvent<T extends KObject>(line: string): WatchEvent<T> {
  let ev: unknown;
  try {
    ev = JSON.parse(line);
  } catch {
    throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
  }
  if (!isObject(ev) || typeof ev.type !== 'string' || !isObject(ev.object)) throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
  return ev as unknown as WatchEvent<T>;
}
