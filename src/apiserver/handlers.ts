// Resource request handlers: from an HTTP request on a resource path to a registry call and
// back, with kube-apiserver's verbs, query options, content negotiation and status codes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, StatusError } from '../api/errors.js';
import { checkJSONDepth } from '../api/jsonlimits.js';
import { deepFreeze, isObject, type KList, type KObject } from '../api/object.js';
import { applyPatchByContentType } from '../api/patch/index.js';
import { decodeK8sProtobuf } from '../api/protobuf.js';
import { deleteQuery, forceParam, int64Param, listQuery } from '../api/queryparams.js';
import type { ResourceInfo } from '../api/resources.js';
import { encodeOnce, objectJSONBytes } from './cachingobject.js';
import { checkFields, type FieldValidation, parseFieldValidation } from './fieldvalidation.js';
import { readBody, writeJSON, writeJSONParts, writeJSONText } from './http.js';
import { decodeBody, decodeJSON, mediaType, negotiateOutput, type OutputFormat } from './negotiation.js';
import { objectSinkOf } from './objectsink.js';
import { createdJSON, type DeleteOptions, type GenericRegistry, type ListOptions } from './registry/generic.js';
import { findDefinition } from './registry/index.js';
import type { RegistryLookup, ResourceDefinition, ViewREST } from './registry/rest.js';
import { type RequestContext, requestContext } from './registry/strategy.js';
import type { RequestInfo, ResourceRequestHandler } from './request.js';
import { buildTable, type Printer, tableJSON, tableJSONParts } from './tables.js';
import type { SharedWatch } from './watchcache.js';
import { watchFlushes } from './watchflush.js';

export interface HandlerEnv extends RegistryLookup {
  /** What the server serves now (built-in and custom resources); the built-in table when absent. */
  definition?(group: string, version: string, resource: string): ResourceDefinition | undefined;
  /** Streams (log, exec, attach, portforward, proxy) go to the pod's node. */
  connect?(ri: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** A watch whose unread output passes this many bytes is closed (default 16 MiB). */
  watchBufferBytes?: number;
}

/** The default cap on a watch's unread output (see serveWatch). */
export const DEFAULT_WATCH_BUFFER_BYTES = 16 * 1024 * 1024;

const PATCH_TYPES = new Set([
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]);

function listOptions(q: URLSearchParams): ListOptions {
  return {
    labelSelector: q.get('labelSelector'),
    fieldSelector: q.get('fieldSelector'),
    limit: int64Param(q, 'limit'),
    continue: q.get('continue'),
    resourceVersion: q.get('resourceVersion'),
    resourceVersionMatch: q.get('resourceVersionMatch'),
  };
}

function warningHeaders(ctx: RequestContext): Record<string, string> | undefined {
  if (!ctx.warnings.length) return undefined;
  return { Warning: ctx.warnings.map((w) => `299 - ${quoteToASCII(w)}`).join(', ') };
}

/**
 * A warning's text as a quoted ASCII string (Go's strconv.QuoteToASCII): a header value may
 * carry neither control characters nor, in Node, anything past U+00FF, and a warning can
 * quote the client's own field names.
 */
function quoteToASCII(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function send(res: ServerResponse, code: number, body: unknown, ctx?: RequestContext): void {
  const h = ctx ? warningHeaders(ctx) : undefined;
  writeJSON(res, code, body, h ?? {});
}

/** Decodes, type-checks and field-validates a whole-object body. */
function decodeObject(
  req: IncomingMessage,
  body: Buffer,
  ri: ResourceInfo,
  fv: FieldValidation,
  ctx: RequestContext,
  typeName = ri.schema,
  prune?: (o: KObject) => string[],
): KObject {
  if (prune && mediaType(req.headers['content-type']) === 'application/vnd.kubernetes.protobuf') {
    // Custom resources have no protobuf form (kube-apiserver's crdHandler accepts JSON and YAML only).
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
    );
  }
  const decoded = decodeBody(req.headers['content-type'], body);
  if (!isObject(decoded.value)) throw errors.badRequest(`Object 'Kind' is missing in '${body.toString('utf8').slice(0, 200)}'`);
  const obj = decoded.value as KObject;
  validateFieldsOf(obj, ri, fv, ctx, decoded.duplicates, typeName, prune);
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj;
}

/**
 * Unknown and duplicate fields by fieldValidation. Custom resources have no Go type: their
 * unknown fields are those the CRD's structural schema prunes (prune), as kube-apiserver's
 * unstructured decoder reports them.
 */
function validateFieldsOf(
  obj: KObject,
  ri: ResourceInfo,
  fv: FieldValidation,
  ctx: RequestContext,
  duplicates: string[],
  typeName = ri.schema,
  prune?: (o: KObject) => string[],
): void {
  const check = prune ? { typeErrors: [] as string[], unknown: pruneChecked(obj, prune) } : checkFields(typeName, obj, fv !== 'Strict');
  const kind = typeName.slice(typeName.lastIndexOf('.') + 1);
  if (check.typeErrors.length) {
    throw errors.badRequest(`${kind} in version "${ri.version}" cannot be handled as a ${kind}: ${check.typeErrors[0]}`);
  }
  const problems = [...check.unknown.map((p) => `unknown field "${p}"`), ...duplicates.map((p) => `duplicate field "${p}"`)];
  if (!problems.length) return;
  if (fv === 'Strict') throw errors.badRequest(`strict decoding error: ${problems.join(', ')}`);
  if (fv === 'Warn') ctx.warnings.push(...problems);
}

function pruneChecked(obj: KObject, prune: (o: KObject) => string[]): string[] {
  if (obj.metadata !== undefined && !isObject(obj.metadata)) throw errors.badRequest('metadata must be an object');
  return prune(obj);
}

function parseDeleteOptions(req: IncomingMessage, body: Buffer, q: URLSearchParams): DeleteOptions {
  let opts: DeleteOptions = {};
  if (body.length > 0) {
    const mt = mediaType(req.headers['content-type']);
    const v =
      mt === 'application/vnd.kubernetes.protobuf' ? decodeK8sProtobuf(new Uint8Array(body)) : decodeJSON(body.toString('utf8')).value;
    if (!isObject(v)) throw errors.badRequest('DeleteOptions must be an object');
    if (v.kind !== undefined && v.kind !== 'DeleteOptions')
      throw errors.badRequest(`the kind in the data (${String(v.kind)}) does not match the expected kind (DeleteOptions)`);
    opts = v as DeleteOptions;
  } else {
    // kube-apiserver reads DeleteOptions from the query only when there is no body.
    const fromQuery = deleteQuery(q);
    delete fromQuery.dryRun;
    if (fromQuery.propagationPolicy === '') delete fromQuery.propagationPolicy;
    opts = fromQuery as DeleteOptions;
  }
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw errors.invalid('DeleteOptions', '', '', [
      {
        type: 'FieldValueNotSupported',
        field: 'propagationPolicy',
        value: opts.propagationPolicy,
        supported: ['Foreground', 'Background', 'Orphan', 'nil'],
      },
    ]);
  }
  if (opts.propagationPolicy && opts.orphanDependents !== undefined) {
    throw errors.invalid('DeleteOptions', '', '', [
      {
        type: 'FieldValueInvalid',
        field: 'propagationPolicy',
        value: opts.propagationPolicy,
        detail: 'orphanDependents and deletionPropagation cannot be both set',
      },
    ]);
  }
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  // ValidateDeleteOptions' ValidateDryRun: kubectl --dry-run=server sends it in the body.
  if (opts.dryRun !== undefined && opts.dryRun !== null) {
    if (!Array.isArray(opts.dryRun) || opts.dryRun.some((d) => d !== 'All'))
      throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(opts.dryRun)}: supported values: "All"`);
  }
  const dry = q.getAll('dryRun');
  if (dry.length) opts.dryRun = dry;
  return opts;
}

/** A delete is a dry run when its DeleteOptions say so (the body's, which kubectl sends) or its query does. */
function deleteContext(c: ResourceCall, opts: DeleteOptions): RequestContext {
  return opts.dryRun?.length && !c.ctx.dryRun ? { ...c.ctx, dryRun: true } : c.ctx;
}

function render(out: OutputFormat, def: { info: ResourceInfo; printer: Printer }, value: KObject | KList): unknown {
  if (out.kind === 'table') {
    const isList = Array.isArray((value as KList).items);
    const items = isList ? (value as KList).items : [value as KObject];
    return buildTable(def.printer, def.info, items, {
      includeObject: out.includeObject ?? 'Metadata',
      listMeta: isList ? (value as KList).metadata : { resourceVersion: (value as KObject).metadata.resourceVersion },
    });
  }
  if (out.kind === 'metadata') {
    const meta = (o: KObject) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata });
    if (Array.isArray((value as KList).items))
      return {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: (value as KList).metadata,
        items: (value as KList).items.map(meta),
      };
    return meta(value as KObject);
  }
  return value;
}

function successStatus(ri: ResourceInfo, obj: KObject): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, group: ri.group || undefined, kind: ri.resource, uid: obj.metadata.uid },
  };
}

/** A request on a stored resource, resolved: what every verb's handler needs. */
interface ResourceCall {
  def: ResourceDefinition;
  ri: ResourceInfo;
  reg: GenericRegistry;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  req: IncomingMessage;
  res: ServerResponse;
  q: URLSearchParams;
  ctx: RequestContext;
  out: OutputFormat;
  fv: FieldValidation;
  env: HandlerEnv;
}

export const handleResource: ResourceRequestHandler<HandlerEnv> = async (env, info, req, res, q, user) => {
  const def = env.definition
    ? env.definition(info.group, info.version, info.resource!)
    : findDefinition(info.group, info.version, info.resource!);
  if (!def) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  const ri = def.info;
  let namespace = info.namespace;
  const name = info.name;
  if (ri.resource === 'namespaces' && name !== undefined) namespace = undefined;
  if (!ri.namespaced && info.namespace && ri.resource !== 'namespaces')
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  const sub = info.subresource;
  const subDef = sub === undefined ? undefined : def.subresources[sub];
  if (sub !== undefined && !subDef) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  if (subDef?.rest.type === 'connect') {
    if (!env.connect) throw new StatusError(503, 'ServiceUnavailable', `no node agent is serving ${sub} for this cluster yet`);
    return env.connect(info, req, res);
  }
  if (!(subDef ?? ri).verbs.includes(info.verb)) throw errors.methodNotAllowed();
  const method = req.method ?? 'GET';
  const ctx = requestContext(req, q, user);
  // Requests to a deprecated custom resource version carry its warning (as the crdHandler adds it).
  if (def.custom?.deprecationWarning) ctx.warnings.push(def.custom.deprecationWarning);
  if (ri.namespaced && method === 'POST' && !namespace && !sub)
    throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
  const create = subDef?.rest.type === 'create' ? subDef.rest.create : sub === undefined ? def.create : undefined;
  if (create) {
    if (info.verb !== 'create') throw errors.methodNotAllowed();
    const decoded = decodeBody(req.headers['content-type'], await readBody(req)).value;
    const r = await create(env, namespace, name, decoded, ctx);
    return send(res, r.code, r.body, ctx);
  }
  const reg = env.registry(ri.group, ri.resource, ri.version);
  if (!reg) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  if (subDef?.rest.type === 'view') return serveView(subDef.rest.view, sub!, reg, info.verb, namespace, name!, req, res, q, ctx);
  const serve = VERBS[info.verb];
  if (!serve) throw errors.methodNotAllowed();
  const out = negotiateOutput(req.headers.accept, q);
  const fv = parseFieldValidation(q.get('fieldValidation'));
  return serve({ def, ri, reg, namespace, name, subresource: sub, req, res, q, ctx, out, fv, env });
};

const VERBS: Partial<Record<RequestInfo['verb'], (c: ResourceCall) => Promise<void>>> = {
  get: serveGet,
  list: serveList,
  watch: (c) => {
    // A legacy /watch/.../{name} watches that one object, as a metadata.name field selector.
    if (c.name !== undefined && !c.q.get('fieldSelector')) c.q.set('fieldSelector', `metadata.name=${c.name}`);
    return serveWatch(c.reg, c.ri, c.namespace, c.q, c.out, c.req, c.res, c.env.watchBufferBytes ?? DEFAULT_WATCH_BUFFER_BYTES);
  },
  create: serveCreate,
  update: serveUpdate,
  patch: servePatch,
  delete: serveDelete,
  deletecollection: serveDeleteCollection,
};

async function serveGet(c: ResourceCall): Promise<void> {
  const obj = await c.reg.getShared(c.namespace, c.name!);
  // In-process: the watch cache's object itself (writeJSON hands it over frozen), no encoding.
  if (c.out.kind === 'json' && objectSinkOf(c.res)) return send(c.res, 200, obj, c.ctx);
  if (c.out.kind === 'json') return writeJSONParts(c.res, 200, [objectJSONBytes(obj)], warningHeaders(c.ctx) ?? {});
  send(c.res, 200, render(c.out, c.def, obj), c.ctx);
}

async function serveList(c: ResourceCall): Promise<void> {
  // The watch cache's own objects: the answer is assembled from each one's cached encoding.
  const list = await c.reg.list(c.namespace, listOptions(c.q), true);
  const sink = objectSinkOf(c.res);
  if (sink && c.out.kind === 'json') {
    // In-process: the cache's objects, frozen; the list itself is the caller's (it pages into it).
    for (const it of list.items) deepFreeze(it);
    return sink.answer(200, list, warningHeaders(c.ctx) ?? {});
  }
  const h = warningHeaders(c.ctx) ?? {};
  if (c.out.kind === 'table')
    return writeJSONParts(
      c.res,
      200,
      tableJSONParts(c.def.printer, c.def.info, list.items, { includeObject: c.out.includeObject ?? 'Metadata', listMeta: list.metadata }),
      h,
    );
  writeJSONParts(c.res, 200, listJSONParts(c.out, list), h);
}

const COMMA = Buffer.from(',');
const ITEMS_END = Buffer.from(']}');

/**
 * JSON.stringify(render(out, def, list)), byte for byte, as the bytes of its parts: the list's
 * head, then each item's cached encoding (cachingobject.ts) rather than encoded again, with
 * commas between. A list of 10,000 from the watch cache is then copied, not encoded.
 */
export function listJSONParts(out: OutputFormat, list: KList): Buffer[] {
  const { items, ...head } = list;
  const itemJSON = out.kind === 'metadata' ? partialObjectMetadataJSON : objectJSONBytes;
  const headJSON =
    out.kind === 'metadata'
      ? JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: list.metadata })
      : JSON.stringify(head);
  const parts: Buffer[] = new Array(items.length * 2 + 1);
  parts[0] = Buffer.from(`${headJSON.slice(0, -1)},"items":[`);
  for (let i = 0; i < items.length; i++) {
    parts[2 * i + 1] = itemJSON(items[i]);
    parts[2 * i + 2] = i === items.length - 1 ? ITEMS_END : COMMA;
  }
  if (items.length === 0) parts[0] = Buffer.from(`${headJSON.slice(0, -1)},"items":[]}`);
  return parts;
}

function partialObjectMetadataJSON(o: KObject): Buffer {
  return encodeOnce(o, 'metadata', () =>
    Buffer.from(JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })),
  );
}

async function serveCreate(c: ResourceCall): Promise<void> {
  const body = await readBody(c.req);
  if (c.name !== undefined) throw errors.methodNotAllowed();
  const obj = decodeObject(c.req, body, c.ri, c.fv, c.ctx, c.ri.schema, c.def.custom?.pruneUnknown);
  const created = await c.reg.create(c.namespace, obj, c.ctx);
  // The registry's own encoding of the answer (the stored text and its resourceVersion), taken
  // whatever the answer's form, so that none is left behind.
  const text = createdJSON(created);
  if (text !== undefined && c.out.kind === 'json' && !objectSinkOf(c.res))
    return writeJSONText(c.res, 201, text, warningHeaders(c.ctx) ?? {});
  send(c.res, 201, render(c.out, c.def, created), c.ctx);
}

async function serveUpdate(c: ResourceCall): Promise<void> {
  if (c.name === undefined) throw errors.methodNotAllowed();
  const body = await readBody(c.req);
  const obj = decodeObject(c.req, body, c.ri, c.fv, c.ctx, c.ri.schema, c.def.custom?.pruneUnknown);
  const { obj: updated, created } = await c.reg.update(c.namespace, c.name, obj, c.ctx, c.subresource);
  send(c.res, created ? 201 : 200, render(c.out, c.def, updated), c.ctx);
}

async function servePatch(c: ResourceCall): Promise<void> {
  const { ri, reg, namespace, name, ctx, fv } = c;
  if (name === undefined) throw errors.methodNotAllowed();
  const { ct, body, force } = await readPatch(c.req, c.q);
  const custom = c.def.custom;
  if (custom && ct === 'application/strategic-merge-patch+json') {
    // Custom resources have no Go struct tags to merge by: kube-apiserver refuses this patch type for them.
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  }
  const apply = ct === 'application/apply-patch+yaml';
  const { obj, created } = await reg.guaranteedUpdate(
    namespace,
    name,
    ctx,
    c.subresource,
    (cur) => {
      // Server-side apply of a missing object creates it from the applied configuration.
      if (!cur && !apply) throw reg.notFound(name);
      const live: KObject = cur ?? { apiVersion: undefined, kind: ri.kind, metadata: { name, namespace } };
      const patched = applyPatchByContentType(ct, live, body, {
        manager: ctx.fieldManager,
        force,
        typeName: ri.schema,
        typeLookup: custom?.typeLookup,
      });
      validateFieldsOf(patched, ri, fv, ctx, [], ri.schema, custom?.pruneUnknown);
      if (!isObject(patched.metadata)) throw errors.badRequest('metadata must be an object');
      // A patch may carry a resourceVersion precondition; otherwise it applies to whatever is current.
      return patched;
    },
    { allowCreate: apply },
  );
  send(c.res, created ? 201 : 200, render(c.out, c.def, obj), ctx);
}

async function serveDelete(c: ResourceCall): Promise<void> {
  const body = await readBody(c.req);
  const opts = parseDeleteOptions(c.req, body, c.q);
  const ctx = deleteContext(c, opts);
  const { obj, deleted } = await c.reg.delete(c.namespace, c.name!, opts, ctx);
  if (deleted && !c.reg.strategy.returnDeletedObject) return send(c.res, 200, successStatus(c.ri, obj), ctx);
  send(c.res, 200, render(c.out, c.def, obj), ctx);
}

async function serveDeleteCollection(c: ResourceCall): Promise<void> {
  const body = await readBody(c.req);
  const opts = parseDeleteOptions(c.req, body, c.q);
  const ctx = deleteContext(c, opts);
  const list = await c.reg.deleteCollection(c.namespace, listOptions(c.q), opts, ctx);
  send(c.res, 200, render(c.out, c.def, list), ctx);
}

/** A PATCH body with its media type, checked against what the server accepts. */
async function readPatch(req: IncomingMessage, q: URLSearchParams): Promise<{ ct: string; body: string; force: boolean }> {
  const ct = mediaType(req.headers['content-type']);
  if (!PATCH_TYPES.has(ct))
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the server does not support the media type "${ct}" for PATCH; supported: ${[...PATCH_TYPES].join(', ')}`,
    );
  const body = (await readBody(req)).toString('utf8');
  // Go's decoder stops at depth 10,000; ours would overflow the stack somewhere after it.
  if (ct !== 'application/apply-patch+yaml') checkJSONDepth(body);
  if (ct === 'application/apply-patch+yaml') {
    if (!q.get('fieldManager'))
      throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  } else if (q.get('force') !== null) {
    throw errors.badRequest('force: Invalid value: true: may not be specified for non-apply patch');
  }
  return { ct, body, force: forceParam(q) ?? false };
}

/** GET, PUT and PATCH of a subresource that is another kind's view of the object (scale). */
async function serveView(
  view: ViewREST,
  subresource: string,
  reg: GenericRegistry,
  verb: RequestInfo['verb'],
  namespace: string | undefined,
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  ctx: RequestContext,
): Promise<void> {
  if (verb === 'get') return send(res, 200, view.toView(await reg.get(namespace, name)));
  let change: (cur: KObject) => KObject;
  if (verb === 'update') {
    const sent = decodeObject(req, await readBody(req), reg.ri, parseFieldValidation(q.get('fieldValidation')), ctx, view.typeName);
    change = (cur) => {
      if (sent.metadata.resourceVersion && sent.metadata.resourceVersion !== cur.metadata.resourceVersion) {
        throw errors.conflict(
          reg.ri.resource,
          reg.group,
          name,
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      return view.fromView(cur, sent);
    };
  } else if (verb === 'patch') {
    const { ct, body, force } = await readPatch(req, q);
    change = (cur) =>
      view.fromView(
        cur,
        applyPatchByContentType(ct, view.toView(cur), body, { manager: ctx.fieldManager, force, typeName: view.typeName }),
      );
  } else {
    throw errors.methodNotAllowed();
  }
  const { obj } = await reg.guaranteedUpdate(
    namespace,
    name,
    ctx,
    undefined,
    (cur) => {
      if (!cur) throw reg.notFound(name);
      return change(cur);
    },
    // The writer's managedFields entry names the subresource ("scale"), as kube-apiserver's does.
    { viewSubresource: subresource },
  );
  send(res, 200, view.toView(obj), ctx);
}

// ---- watch ----

const BOOKMARK_INTERVAL_MS = 10_000;
/**
 * The most of a watch's queued events written at once (see writeQueued in serveWatch). Node's
 * TLS socket encrypts a write into one buffer of its size and keeps that buffer for the
 * socket's life (measured: 1,000 sockets each written 300 KiB at once kept ~330 MiB after every
 * byte was read and after GC; in 32 KiB writes ~75 MiB, in 64 KiB ~95 MiB): a thousand watches
 * hold a thousand of their largest write, however little they hold at once. At 64 KiB a write
 * still carries a reader that keeps up all it has missed in a flush turn (~50 events of 1.2
 * KiB) at once.
 */
const WATCH_WRITE_BYTES = 64 * 1024;

const EVENT_TAIL = Buffer.from('}\n');
const eventHeads = new Map<string, Buffer>();
/** `{"type":<type>,"object":`, one Buffer per event type for every watch. */
function eventHead(type: string): Buffer {
  let h = eventHeads.get(type);
  if (!h) {
    h = Buffer.from(`{"type":${JSON.stringify(type)},"object":`);
    eventHeads.set(type, h);
  }
  return h;
}

/**
 * A JSON or metadata watch event's whole line, made once per event and form and shared by
 * every watcher that sends it so (the encoding lives on the cache's event, as kube-apiserver's
 * cachingObject on its watchCacheEvent, and leaves with it: cachingobject.ts).
 */
const sharedEventLines: Record<'json' | 'metadata', SharedWatch<Buffer>['encode']> = {
  json: (ev) => encodeOnce(ev, 'watch-json', () => Buffer.concat([eventHead(ev.type), objectJSONBytes(ev.object), EVENT_TAIL])),
  metadata: (ev) =>
    encodeOnce(ev, 'watch-metadata', () => Buffer.concat([eventHead(ev.type), partialObjectMetadataJSON(ev.object), EVENT_TAIL])),
};

async function serveWatch(
  reg: GenericRegistry,
  ri: ResourceInfo,
  namespace: string | undefined,
  q: URLSearchParams,
  out: OutputFormat,
  _req: IncomingMessage,
  res: ServerResponse,
  maxBuffered: number,
): Promise<void> {
  const { timeoutSeconds, allowWatchBookmarks: bookmarks, sendInitialEvents } = listQuery(q);
  // An in-process watcher takes the events as values: the cache's objects, frozen, shared.
  const sink = out.kind === 'json' ? objectSinkOf(res) : undefined;
  let started = false;
  let first = true;
  let closed = false;
  const queue: Buffer[] = [];
  /** The bytes in queue. */
  let queuedBytes = 0;
  /** A write was refused by the socket (past its high-water mark): the next waits for 'drain'. */
  let draining = false;
  /**
   * What the socket held just after this watch's last write (res.writableLength then): what it
   * holds now is at most that, since only this watch writes to it. Read per event instead of
   * res.writableLength (a chain of getters through the response, the socket and its stream
   * state, a thousand times per event with a thousand watchers), it answers the unread bound
   * for every event that is clearly under it; one that may not be is checked exactly.
   */
  let socketHeld = 0;
  // The error boundary of this stream: a callback that throws (from a timer, the watch cache,
  // the response's close) ends this watch, never the process.
  const fail = (e: unknown): void => {
    console.error(`k8ts apiserver: watch ${ri.resource}: ${(e as Error)?.stack ?? String(e)}`);
    closed = true;
    watcher?.cancel();
    for (const t of timers) clearTimeout(t);
    res.destroy();
  };
  const guard =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A): void => {
      try {
        fn(...a);
      } catch (e) {
        fail(e);
      }
    };
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
  };
  /** Set when the watch's group has lines this watch has not taken (takeShared). */
  let sharedTake: ((into: Buffer[]) => void) | undefined;
  /**
   * The group's lines this watch has not taken, queued after what is queued: before anything
   * else is queued (a bookmark, an error) and before a write, so that order is the events'.
   */
  const takeShared = (): void => {
    const take = sharedTake;
    if (!take) return;
    sharedTake = undefined;
    const from = queue.length;
    take(queue);
    for (let i = from; i < queue.length; i++) queuedBytes += queue[i].length;
  };
  // A client that does not read makes Node buffer every write. kube-apiserver's cacheWatcher
  // has a bounded channel and closes a watcher that stays full ("Forcing ... watcher close
  // due to unresponsiveness"); here the bound is on bytes: those queued here and those the
  // socket holds. The client re-watches from the last resourceVersion it read, as after any
  // closed watch; what is buffered is dropped.
  const closeSlow = (): void => {
    console.error(
      `k8ts apiserver: closing a watch of ${ri.resource}: ${queuedBytes + res.writableLength} bytes unread (limit ${maxBuffered})`,
    );
    closed = true;
    queue.length = 0;
    sharedTake = undefined;
    watcher?.cancel();
    for (const t of timers) clearTimeout(t);
    res.destroy();
  };
  /**
   * Writes what is queued, up to WATCH_WRITE_BYTES of it (whole events' pieces); false when the
   * socket is past its high-water mark. The bytes go through TLS one watcher at a time: a
   * larger write would be joined and encrypted whole at once and held so until the client has
   * read it (a thousand watchers replaying 300 KiB each: 600 MiB, and the process keeps it).
   */
  const writeQueued = (): boolean => {
    let n = queue.length;
    let bytes = queuedBytes;
    if (bytes > WATCH_WRITE_BYTES) {
      bytes = 0;
      n = 0;
      while (n < queue.length && (n === 0 || bytes + queue[n].length <= WATCH_WRITE_BYTES)) bytes += queue[n++].length;
    }
    // The events' bytes are shared with every other watcher: written as they are, joined only
    // when several wait.
    // Corked around the write so that the socket write happens here, within the flush queue's
    // time slice, not in a nextTick after it (where ServerResponse would put it).
    const socket = res.socket;
    socket?.cork();
    const ok = res.write(n === 1 ? queue[0] : Buffer.concat(n === queue.length ? queue : queue.slice(0, n), bytes));
    socket?.uncork();
    if (n === queue.length) queue.length = 0;
    else queue.splice(0, n);
    queuedBytes -= bytes;
    return ok;
  };
  const flush = guard(() => {
    // While the socket still holds what was written before, events wait here as references to
    // the bytes every watcher shares, and leave together once it drains: written on, each
    // watcher's copy would be encrypted and held apart (a thousand copies of every event while
    // the watchers read), and written in more, smaller pieces.
    if (closed || draining) return;
    takeShared();
    if (queue.length === 0) return;
    // The lines just taken count as pushed ones do (write).
    if (queuedBytes > maxBuffered) {
      closeSlow();
      return;
    }
    const ok = writeQueued();
    socketHeld = res.writableLength;
    if (socketHeld > maxBuffered) closeSlow();
    else if (!ok) {
      draining = true;
      res.once('drain', onDrain);
    } else if (queue.length > 0) watchFlushes.add(flush);
  });
  // After a drain the next piece waits its turn in the flush queue (a setImmediate, and 8 ms
  // while requests come in), which keeps the writers' requests ahead of a thousand watchers'
  // socket writes. But at a piece a turn a watch that reads as fast as events come (a client
  // following every pod of a scale-up) falls behind, ~32 KiB a turn, until its queue passes the
  // cap and it is closed as if it did not read: past an eighth of the cap, its pieces go from
  // the drain itself, at the pace the client reads, until it has caught up.
  const onDrain = (): void => {
    draining = false;
    socketHeld = res.writableLength;
    if (closed) return;
    takeShared();
    if (queue.length === 0) return;
    if (queuedBytes > maxBuffered / 8) flush();
    else watchFlushes.add(flush);
  };
  /** Queues an event's bytes (one line, or the pieces of one); the watch is flushed later. */
  const write = (line: Buffer, object?: Buffer, tail?: Buffer) => {
    if (closed) return;
    start();
    const wasEmpty = queue.length === 0 && !sharedTake;
    takeShared();
    queue.push(line);
    queuedBytes += line.length;
    if (object) {
      queue.push(object, tail!);
      queuedBytes += object.length + tail!.length;
    }
    // Unread: what waits here, and (while it drains; flush checks it otherwise) what the socket holds.
    if (draining && queuedBytes + socketHeld > maxBuffered ? queuedBytes + res.writableLength > maxBuffered : queuedBytes > maxBuffered) {
      closeSlow();
      return;
    }
    // Written in a later slice of the event loop (watchflush.ts), with whatever else arrives by
    // then; while the socket drains, once it has.
    if (wasEmpty && !draining) watchFlushes.add(flush);
  };
  // Each event is encoded once per form and shared by every watcher that sends it in that
  // form (kube-apiserver's cachingObject): the object is the watch cache's own. This runs once
  // per watcher per event (a thousand times per write with a thousand watchers): a JSON or
  // metadata event is the object's cached bytes between a head shared by every event of that
  // type and a shared tail (joined only when the watch is flushed), a Table event one line
  // cached per object and form.
  const tableFormats: [Map<string, string>, Map<string, string>] = [new Map(), new Map()];
  const tableFormatOf = (type: string, noHeaders: boolean): string => {
    const m = tableFormats[noHeaders ? 1 : 0];
    let f = m.get(type);
    if (f === undefined) {
      f = `watch-table:${out.kind === 'table' ? (out.includeObject ?? 'Metadata') : ''}:${noHeaders}:${type}`;
      m.set(type, f);
    }
    return f;
  };
  const tableLine = (type: string, obj: KObject, noHeaders: boolean): Buffer => {
    const object = tableJSON(reg.def.printer, ri, [obj], {
      includeObject: (out.kind === 'table' && out.includeObject) || 'Metadata',
      listMeta: { resourceVersion: obj.metadata.resourceVersion },
      noHeaders,
    });
    return Buffer.from(`{"type":${JSON.stringify(type)},"object":${object}}\n`);
  };
  const writeEvent = (type: string, obj: KObject): void => {
    if (out.kind === 'table') {
      // Column definitions go with the first event only, as kube-apiserver sends them.
      const noHeaders = !first;
      first = false;
      write(encodeOnce(obj, tableFormatOf(type, noHeaders), () => tableLine(type, obj, noHeaders)));
      return;
    }
    write(eventHead(type), out.kind === 'metadata' ? partialObjectMetadataJSON(obj) : objectJSONBytes(obj), EVENT_TAIL);
  };
  const writeBookmark = (metadata: KObject['metadata']) => {
    const object = { kind: ri.kind, apiVersion: ri.group ? `${ri.group}/${ri.version}` : ri.version, metadata };
    if (!sink) return write(Buffer.from(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`));
    if (closed) return;
    start();
    sink.event('BOOKMARK', deepFreeze(object));
  };
  let watcher: { cancel(): void } | undefined;
  let timers: NodeJS.Timeout[] = [];
  const finish = guard(() => {
    if (closed) return;
    // Everything queued goes before the end, drained or not (the socket holds it until read).
    takeShared();
    while (queue.length > 0) writeQueued();
    closed = true;
    watcher?.cancel();
    for (const t of timers) clearTimeout(t);
    timers = [];
    if (res.destroyed || res.writableEnded) return;
    start();
    res.end();
  });
  // The response's close means the client went away (a request's close only means its body ended).
  res.on('close', finish);
  // JSON and metadata events are the same bytes for every watcher of this cache and prefix:
  // offered as a shared form, a watch with no selector takes each event's line, made once for
  // its group, from the group's log when it is flushed (WatchCache.watchShared): an event
  // costs the group one append, not a queue push per watcher.
  const encodeShared = !sink && out.kind !== 'table' ? sharedEventLines[out.kind] : undefined;
  try {
    watcher = await reg.watch(
      namespace,
      { ...listOptions(q), sendInitialEvents },
      {
        shared: encodeShared && {
          key: out.kind,
          encode: encodeShared,
          size: (line) => (line as Buffer).length,
          push: (line) => write(line as Buffer),
          // The group has lines for this watch: taken when it is flushed (or before anything
          // else is queued), with whatever the group appends until then.
          wake: (take) => {
            if (closed) return;
            start();
            const wasEmpty = queue.length === 0 && !sharedTake;
            sharedTake = take as (into: Buffer[]) => void;
            if (wasEmpty && !draining) watchFlushes.add(flush);
          },
          // Unread: the group's lines not taken, what waits here and what the socket holds.
          lag: (bytes) => {
            if (!closed && bytes + queuedBytes + res.writableLength > maxBuffered) closeSlow();
          },
        },
        // Not through guard(): its rest arguments would allocate on every event of every watcher.
        event: (type: string, obj: KObject) => {
          try {
            if (!sink) return writeEvent(type, obj);
            if (closed) return;
            start();
            sink.event(type, deepFreeze(obj));
          } catch (e) {
            fail(e);
          }
        },
        error: guard((err: StatusError) => {
          if (sink) {
            if (!closed) {
              start();
              sink.event('ERROR', deepFreeze(err.toStatus()));
            }
          } else write(Buffer.from(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`));
          setImmediate(finish);
        }),
      },
    );
  } catch (e) {
    // Refused before it began (bad resourceVersion, selector...): the request's error answer
    // is written by the caller; this stream has nothing left to end.
    res.off('close', finish);
    closed = true;
    for (const t of timers) clearTimeout(t);
    if (started) {
      res.destroy();
      return;
    }
    throw e;
  }
  if (sendInitialEvents === true && bookmarks) {
    // The end of the initial list is marked with an annotated bookmark (watch-list).
    writeBookmark({ resourceVersion: String(reg.cache.revision), annotations: { 'k8s.io/initial-events-end': 'true' } });
  }
  if (closed) {
    watcher.cancel();
    return;
  }
  start();
  // A HEAD carries no body: a stream would hold the connection (which the client, having had
  // its answer, reuses) for the watch's whole life. The headers are the whole answer.
  if (_req.method === 'HEAD') {
    finish();
    return;
  }
  const limit = watchTimeoutMs(timeoutSeconds);
  const deadline = Date.now() + limit;
  timers.push(setTimeout(finish, limit));
  if (bookmarks) {
    // As the watch cache's nextBookmarkTime: every interval, and 2 s before the deadline so
    // that the client resumes from as recent a resourceVersion as possible.
    const schedule = (firstTime: boolean) => {
      const untilPreTimeout = deadline - 2000 - Date.now();
      if (untilPreTimeout <= 0 && !firstTime) return;
      timers.push(setTimeout(tick, Math.max(0, Math.min(BOOKMARK_INTERVAL_MS, untilPreTimeout))));
    };
    const tick = guard(() => {
      if (closed) return;
      writeBookmark({ resourceVersion: String(reg.cache.revision) });
      schedule(false);
    });
    schedule(true);
  }
}

/** Node's timers fire at once past 2^31-1 ms (24.8 days): a longer timeout is as good as none. */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * How long a watch lasts, as the watch handler times it: timeoutSeconds when given; 0 or
 * absent is a random 30-60 min (the --min-request-timeout of 1800 s, jittered); a negative
 * timeout is a Go timer of negative duration, which fires at once.
 */
export function watchTimeoutMs(timeoutSeconds: number | undefined): number {
  if (timeoutSeconds !== undefined && timeoutSeconds < 0) return 0;
  const ms = timeoutSeconds ? timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
  return Math.min(ms, MAX_TIMER_MS);
}
