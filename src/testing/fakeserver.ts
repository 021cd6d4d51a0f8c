// A small in-memory stand-in for the API server, for testing the client machinery only: objects
// in a Map, one revision counter, watch streams that replay history from a resourceVersion, and
// knobs to drop watch connections, compact history (so watches get 410) or refuse watches.
// It knows no schemas or strategies; it is not the k8ts API server.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before } from 'node:test';
import { errors, type Status, StatusError } from '../api/errors.js';
import { parseSelector } from '../api/labels.js';
import { apiVersionOf, deepCopy, isObject, type KObject, nowRFC3339 } from '../api/object.js';
import { mergePatch } from '../api/patch/mergepatch.js';
// The fake answers with the kinds the real server serves.
import { checkPreconditions } from '../apiserver/registry/generic.js';
import { findResource } from '../apiserver/registry/index.js';
import { type ResourceRef, RestClient } from '../client/rest.js';

/** What a request addresses, as the client's ResourceRef. */
type Target = ResourceRef;

interface HistoryEntry {
  rev: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  gr: string;
  namespace: string;
  obj: KObject;
}

interface ActiveWatch {
  gr: string;
  namespace?: string;
  labelSelector?: string;
  bookmarks: boolean;
  apiVersion: string;
  kind: string;
  res: http.ServerResponse;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
}

export class FakeApiServer {
  url = '';
  revision = 1;
  /** History at or below this revision is gone: watches from older revisions get 410. */
  compactedRevision = 0;
  /** 'unavailable': new watches answer 503; 'gone': new watches answer HTTP 410. */
  watchMode: 'normal' | 'unavailable' | 'gone' = 'normal';
  readonly requests: RequestRecord[] = [];
  /** When set, requests must carry this bearer token. */
  token?: string;

  private readonly objects = new Map<string, KObject>();
  private history: HistoryEntry[] = [];
  private readonly watches = new Set<ActiveWatch>();
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => this.fail(res, e));
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<FakeApiServer> {
    const f = new FakeApiServer();
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.res.destroy();
    this.watches.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests seen with this method whose path starts with prefix (and, optionally, a watch or not). */
  count(method: string, pathPrefix: string, watch?: boolean): number {
    return this.requests.filter(
      (r) =>
        r.method === method &&
        r.path.startsWith(pathPrefix) &&
        (watch === undefined || (r.query.get('watch') === 'true' || r.query.get('watch') === '1') === watch),
    ).length;
  }

  get activeWatches(): number {
    return this.watches.size;
  }

  /** Cuts every watch connection mid-stream, as a network failure or a restarted server would. */
  dropWatches(): number {
    const n = this.watches.size;
    for (const w of this.watches) w.res.socket?.destroy();
    this.watches.clear();
    return n;
  }

  /** Forgets history up to now: a watch from an older resourceVersion now gets 410 Expired. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history = [];
  }

  /** Sends a BOOKMARK at the current revision to every watch that asked for bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      this.writeEvent(w, 'BOOKMARK', { kind: w.kind, apiVersion: w.apiVersion, metadata: { resourceVersion: String(this.revision) } });
    }
  }

  /** A server-side write without a request, for arranging a test. */
  upsert(group: string, version: string, resource: string, obj: KObject): KObject {
    const t: Target = { group, version, resource, namespace: obj.metadata.namespace, name: obj.metadata.name };
    const existing = this.objects.get(this.key(t));
    return existing ? this.doUpdate(t, obj, false) : this.doCreate(t, obj);
  }

  /** A direct read, for assertions. */
  getObject(group: string, resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.objects.get(`${group}/${resource}|${namespace ?? ''}|${name}`);
    return o && deepCopy(o);
  }

  removeObject(group: string, version: string, resource: string, namespace: string | undefined, name: string): void {
    this.doDelete({ group, version, resource, namespace, name });
  }

  // --- request handling ---

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams });
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) throw errors.unauthorized();
    const t = parsePath(url.pathname);
    if (!t) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const body = await readBody(req);
    const q = url.searchParams;
    const method = req.method ?? 'GET';

    if (method === 'GET' && t.name === undefined) {
      if (q.get('watch') === 'true' || q.get('watch') === '1') return this.serveWatch(t, q, res);
      return this.send(res, 200, this.doList(t, q));
    }
    if (method === 'GET') return this.send(res, 200, this.mustGet(t));
    if (method === 'POST' && t.name === undefined) {
      const obj = parseObject(body);
      return this.send(res, 201, q.get('dryRun') ? obj : this.doCreate(t, obj));
    }
    if (method === 'PUT' && t.name !== undefined) {
      const obj = parseObject(body);
      if (obj.metadata.name && obj.metadata.name !== t.name)
        throw errors.badRequest('the name of the object does not match the name on the URL');
      return this.send(res, 200, this.doUpdate(t, obj, true));
    }
    if (method === 'PATCH' && t.name !== undefined) {
      const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (ct !== 'application/merge-patch+json' && ct !== 'application/strategic-merge-patch+json') {
        throw new StatusError(415, 'UnsupportedMediaType', `the fake server does not support patch type ${ct}`);
      }
      const current = this.mustGet(t);
      const patch: unknown = JSON.parse(body || 'null');
      const merged = mergePatch(current, patch) as KObject;
      const prv = isObject(patch) && isObject(patch.metadata) ? patch.metadata.resourceVersion : undefined;
      if (!prv) merged.metadata.resourceVersion = current.metadata.resourceVersion;
      return this.send(res, 200, this.doUpdate(t, merged, true));
    }
    if (method === 'DELETE' && t.name !== undefined) {
      const opts = body ? (JSON.parse(body) as { preconditions?: { uid?: string; resourceVersion?: string } }) : {};
      const current = this.mustGet(t);
      checkPreconditions(opts.preconditions, current, t.resource, t.group, t.name);
      return this.send(res, 200, this.doDelete(t));
    }
    if (method === 'DELETE') {
      const list = this.doList(t, q);
      for (const it of list.items) this.doDelete({ ...t, namespace: it.metadata.namespace, name: it.metadata.name });
      return this.send(res, 200, list);
    }
    throw errors.methodNotAllowed();
  }

  private key(t: Target): string {
    return `${t.group}/${t.resource}|${t.namespace ?? ''}|${t.name}`;
  }

  private mustGet(t: Target): KObject {
    const o = this.objects.get(this.key(t));
    if (!o) throw errors.notFound(t.resource, t.group, t.name ?? '');
    return deepCopy(o);
  }

  private kindOf(t: Target): string {
    return findResource(t.group, t.version, t.resource)?.kind ?? t.resource[0].toUpperCase() + t.resource.slice(1).replace(/s$/, '');
  }

  private doList(t: Target, q: URLSearchParams): { apiVersion: string; kind: string; metadata: Record<string, unknown>; items: KObject[] } {
    const gr = `${t.group}/${t.resource}`;
    let items = [...this.objects.entries()]
      .filter(
        ([k, o]) =>
          k.startsWith(`${gr}|`) && (!t.namespace || o.metadata.namespace === t.namespace) && matchLabels(o, q.get('labelSelector') ?? ''),
      )
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
    let offset = 0;
    const cont = q.get('continue');
    if (cont) {
      const tok = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { rv: number; offset: number };
      if (tok.rv < this.compactedRevision)
        throw errors.gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      offset = tok.offset;
    }
    const limit = Number(q.get('limit') ?? 0);
    const metadata: Record<string, unknown> = { resourceVersion: String(this.revision) };
    items = items.slice(offset);
    if (limit > 0 && items.length > limit) {
      metadata.continue = Buffer.from(JSON.stringify({ rv: this.revision, offset: offset + limit })).toString('base64');
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    // The real server leaves kind and apiVersion off list items.
    const stripped = items.map((o) => {
      const c = deepCopy(o);
      delete c.kind;
      delete c.apiVersion;
      return c;
    });
    return { apiVersion: apiVersionOf(t.group, t.version), kind: `${this.kindOf(t)}List`, metadata, items: stripped };
  }

  private doCreate(t: Target, input: KObject): KObject {
    const obj = deepCopy(input);
    obj.metadata = obj.metadata ?? {};
    if (!obj.metadata.name && obj.metadata.generateName)
      obj.metadata.name = obj.metadata.generateName + Math.random().toString(36).slice(2, 7);
    if (!obj.metadata.name)
      throw errors.invalid(this.kindOf(t), t.group, '', [
        { type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' },
      ]);
    if (t.namespace) obj.metadata.namespace = t.namespace;
    const key = this.key({ ...t, name: obj.metadata.name });
    if (this.objects.has(key)) throw errors.alreadyExists(t.resource, t.group, obj.metadata.name);
    obj.apiVersion = apiVersionOf(t.group, t.version);
    obj.kind = this.kindOf(t);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = nowRFC3339();
    obj.metadata.generation = 1;
    obj.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key, obj);
    this.record('ADDED', t, obj);
    return deepCopy(obj);
  }

  private doUpdate(t: Target, input: KObject, checkRV: boolean): KObject {
    const name = t.name ?? input.metadata.name;
    const key = this.key({ ...t, name });
    const current = this.objects.get(key);
    if (!current) throw errors.notFound(t.resource, t.group, name ?? '');
    const rv = input.metadata.resourceVersion;
    if (checkRV && rv && rv !== current.metadata.resourceVersion) {
      throw errors.conflict(
        t.resource,
        t.group,
        name ?? '',
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const obj = deepCopy(input);
    obj.apiVersion = current.apiVersion;
    obj.kind = current.kind;
    obj.metadata = {
      ...obj.metadata,
      name,
      namespace: current.metadata.namespace,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
    };
    obj.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key, obj);
    this.record('MODIFIED', t, obj);
    return deepCopy(obj);
  }

  private doDelete(t: Target): KObject {
    const key = this.key(t);
    const current = this.objects.get(key);
    if (!current) throw errors.notFound(t.resource, t.group, t.name ?? '');
    this.objects.delete(key);
    const obj = deepCopy(current);
    obj.metadata.resourceVersion = String(++this.revision);
    this.record('DELETED', t, obj);
    return deepCopy(obj);
  }

  private record(type: HistoryEntry['type'], t: Target, obj: KObject): void {
    const entry: HistoryEntry = {
      rev: this.revision,
      type,
      gr: `${t.group}/${t.resource}`,
      namespace: obj.metadata.namespace ?? '',
      obj: deepCopy(obj),
    };
    this.history.push(entry);
    for (const w of this.watches) if (this.matches(w, entry)) this.writeEvent(w, type, entry.obj);
  }

  private matches(w: ActiveWatch, e: HistoryEntry): boolean {
    return w.gr === e.gr && (!w.namespace || w.namespace === e.namespace) && matchLabels(e.obj, w.labelSelector ?? '');
  }

  private serveWatch(t: Target, q: URLSearchParams, res: http.ServerResponse): void {
    if (this.watchMode === 'unavailable') throw new StatusError(503, 'ServiceUnavailable', 'watches are switched off in the fake server');
    const rvParam = q.get('resourceVersion') ?? '';
    const rv = rvParam === '' ? -1 : Number(rvParam);
    if (this.watchMode === 'gone') throw errors.gone(`too old resource version: ${rvParam} (${this.compactedRevision})`);
    const w: ActiveWatch = {
      gr: `${t.group}/${t.resource}`,
      namespace: t.namespace,
      labelSelector: q.get('labelSelector') ?? undefined,
      bookmarks: q.get('allowWatchBookmarks') === 'true',
      apiVersion: apiVersionOf(t.group, t.version),
      kind: this.kindOf(t),
      res,
    };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    if (rv > 0 && rv < this.compactedRevision) {
      // As the real server: the watch starts, then says 410 in an ERROR event and ends.
      res.end(
        JSON.stringify({ type: 'ERROR', object: errors.gone(`too old resource version: ${rv} (${this.compactedRevision})`).toStatus() }) +
          '\n',
      );
      return;
    }
    if (rv <= 0) {
      for (const [k, o] of this.objects) {
        if (k.startsWith(`${w.gr}|`) && (!w.namespace || o.metadata.namespace === w.namespace) && matchLabels(o, w.labelSelector ?? ''))
          this.writeEvent(w, 'ADDED', o);
      }
    } else {
      for (const e of this.history) if (e.rev > rv && this.matches(w, e)) this.writeEvent(w, e.type, e.obj);
    }
    this.watches.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    let timer: NodeJS.Timeout | undefined;
    if (timeout > 0)
      timer = setTimeout(() => {
        this.watches.delete(w);
        res.end();
      }, timeout * 1000);
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.watches.delete(w);
    });
  }

  private writeEvent(w: ActiveWatch, type: string, obj: KObject): void {
    if (!w.res.writableEnded) w.res.write(JSON.stringify({ type, object: obj }) + '\n');
  }

  private send(res: http.ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: http.ServerResponse, e: unknown): void {
    const st: Status = e instanceof StatusError ? e.toStatus() : errors.internal(String(e)).toStatus();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.send(res, st.code, st);
  }
}

function parsePath(pathname: string): Target | undefined {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  return { group, version, resource: rest[0], namespace, name: rest[1], subresource: rest[2] };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseObject(body: string): KObject {
  const parsed = (): unknown => {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  };
  const o = parsed();
  if (!isObject(o)) throw errors.badRequest('the body of the request is not a JSON object');
  if (!isObject(o.metadata)) o.metadata = {};
  return o as KObject;
}

/** The label selector of a list or watch, as the real server reads it. */
function matchLabels(obj: KObject, selector: string): boolean {
  return parseSelector(selector).matches(obj.metadata.labels);
}

/** A fake API server and a client of it for one test file: started before its tests, closed after them. */
export function useFakeApiServer(): { server: FakeApiServer; client: RestClient } {
  const fake = {} as { server: FakeApiServer; client: RestClient };
  before(async () => {
    fake.server = await FakeApiServer.start();
    fake.client = new RestClient({ server: fake.server.url });
  });
  after(async () => {
    fake.client?.close();
    await fake.server?.close();
  });
  return fake;
}
