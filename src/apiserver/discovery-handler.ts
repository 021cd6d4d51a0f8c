// Serves discovery and OpenAPI: /version, /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>,
// /openapi/v2, /openapi/v3 and /openapi/v3/<path>. Anything else is left to the caller's router.
// Authentication happens before this handler is called.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { errors, StatusError } from '../api/errors.js';
import * as discovery from './discovery.js';
import { type CachedDocument, openapiV2Document, openapiV2ProtoDocument, openapiV3Document, openapiV3Index } from './openapi-docs.js';
import { BUILTIN, type ServedResources } from './served.js';

interface AcceptClause {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

/** Accept clauses, highest quality first, the client's order kept among equals. */
export function parseAccept(header: string | undefined): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const part of (header || '*/*').split(',')) {
    const [mt, ...ps] = part.split(';').map((s) => s.trim());
    if (!mt) continue;
    const [type, subtype = ''] = mt.toLowerCase().split('/');
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of ps) {
      const i = p.indexOf('=');
      if (i < 0) continue;
      const k = p.slice(0, i).trim().toLowerCase();
      const v = p
        .slice(i + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (k === 'q') q = Number(v) || 0;
      else params[k] = v;
    }
    if (q > 0) clauses.push({ type: type!, subtype, params, q });
  }
  return clauses
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.q - a.c.q || a.i - b.i)
    .map((x) => x.c);
}

function matchesJSON(c: AcceptClause): boolean {
  return (c.type === '*' || c.type === 'application') && (c.subtype === '*' || c.subtype === 'json');
}

type DiscoveryFormat = { aggregated: discovery.AggregatedDiscoveryVersion } | { aggregated: false } | undefined;

/**
 * For /api and /apis: the first clause we can serve wins. A clause naming the discovery group
 * means aggregated discovery; plain JSON (or a wildcard) means the legacy lists.
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryFormat {
  for (const c of parseAccept(accept)) {
    if (!matchesJSON(c)) continue;
    const { g, v, as } = c.params;
    if (g === undefined && v === undefined && as === undefined) return { aggregated: false };
    if (g === 'apidiscovery.k8s.io' && as === 'APIGroupDiscoveryList' && (v === 'v2' || v === 'v2beta1')) return { aggregated: v };
  }
  return undefined;
}

/** Whether a plain JSON response is acceptable (legacy lists, /version, OpenAPI v3). */
function acceptsJSON(accept: string | undefined): boolean {
  return parseAccept(accept).some((c) => matchesJSON(c) && c.params.g === undefined && c.params.as === undefined);
}

function writeStatus(res: ServerResponse, err: StatusError): void {
  const body = JSON.stringify(err.toStatus());
  res.writeHead(err.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

interface Body {
  json: string;
  etag: string;
  /** Bytes to send instead of json (protobuf). */
  raw?: Buffer;
  gzip?: Buffer;
}

const V2_PROTO_SUBTYPES = new Set(['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'com.github.proto-openapi.spec.v2.v1.0+protobuf']);
const protoBodies = new WeakMap<object, Body>();

// Discovery bodies depend only on the served table: built once per path and format, until the
// table changes (a CRD established or gone).
function bodyFor(served: ServedResources, key: string, make: () => unknown): Body {
  return served.cached(`discovery:${key}`, () => {
    const json = JSON.stringify(make());
    return { json, etag: `"${createHash('sha256').update(json).digest('hex').slice(0, 32).toUpperCase()}"` };
  });
}

function wantsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

/** Writes a JSON body with ETag/If-None-Match handling; large bodies are gzipped when the client allows it. */
function send(req: IncomingMessage, res: ServerResponse, body: Body, contentType: string, extra: Record<string, string> = {}): void {
  const headers: Record<string, string | number> = { 'Content-Type': contentType, ETag: body.etag, Vary: 'Accept', ...extra };
  const inm = req.headers['if-none-match'];
  if (inm?.split(',').some((t) => t.trim() === body.etag || t.trim() === '*')) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  let payload: string | Buffer = body.raw ?? body.json;
  if (payload.length > 128 * 1024 && wantsGzip(req)) {
    body.gzip ??= gzipSync(payload);
    payload = body.gzip;
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = Buffer.byteLength(payload);
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

const cachedBodies = new WeakMap<CachedDocument, Body>();
function docBody(d: CachedDocument): Body {
  let b = cachedBodies.get(d);
  if (!b) cachedBodies.set(d, (b = { json: d.json, etag: d.etag }));
  return b;
}

function notAcceptable(res: ServerResponse): true {
  writeStatus(res, errors.notAcceptable('only the following media types are accepted: application/json'));
  return true;
}

/** Where clients inside the cluster's CIDR reach this server, as the request arrived. */
function serverAddress(req: IncomingMessage): string {
  const host = req.headers.host;
  if (host) return host;
  const a = req.socket.localAddress ?? '127.0.0.1';
  return `${a.includes(':') ? `[${a}]` : a}:${req.socket.localPort ?? 0}`;
}

/**
 * False only for a path isDiscoveryPath refuses: one whose first segment is none of
 * discovery's, or /api/<v>/... and /apis/<g>/<v>/... with more segments (a resource). Empty
 * segments do not count (a path is split as isDiscoveryPath's caller splits it), so a path
 * with '//' (or without its leading '/') is left to the full test.
 */
export function mayBeDiscoveryPath(path: string): boolean {
  if (!path.startsWith('/') || path.includes('//')) return true;
  const p = path.endsWith('/') ? path.slice(0, -1) : path;
  let slashes = 0;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 0x2f) slashes++;
  if (p.startsWith('/apis/') || p === '/apis') return slashes <= 3;
  if (p.startsWith('/api/') || p === '/api') return slashes <= 2;
  return p === '/version' || p.startsWith('/openapi/') || p === '/openapi';
}

export function isDiscoveryPath(segs: string[]): boolean {
  const [a, b] = segs;
  if (a === 'version') return segs.length === 1;
  if (a === 'api') return segs.length <= 2;
  if (a === 'apis') return segs.length <= 3;
  if (a === 'openapi') return b === 'v2' ? segs.length === 2 : b === 'v3';
  return false;
}

/**
 * Answers discovery and OpenAPI requests. Returns false when the path is not one of them
 * (including /apis/<g>/<v> of an unknown group-version) so the caller's router goes on.
 */
export function handleDiscovery(
  req: IncomingMessage,
  res: ServerResponse,
  served: ServedResources = BUILTIN,
  /** The request's URL, when the caller has parsed it. */
  parsed?: URL,
): boolean {
  // Most requests are for resources: a path that cannot be discovery's is let through before
  // anything else (every request passes here).
  if (parsed && !mayBeDiscoveryPath(parsed.pathname)) return false;
  const url = parsed ?? new URL(req.url ?? '/', 'http://localhost');
  const segs = url.pathname.split('/').filter(Boolean);
  if (!isDiscoveryPath(segs)) return false;
  const ris = served.resources();
  const [a, b, c] = segs;

  // Resolve the served thing first, so unknown group-versions fall through untouched.
  if (a === 'api' && b !== undefined && !discovery.apiResourceList('', b, ris)) return false;
  if (a === 'apis' && b !== undefined && c === undefined && !discovery.apiGroup(b, ris)) return false;
  if (a === 'apis' && b !== undefined && c !== undefined && !discovery.apiResourceList(b, c, ris)) return false;

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    writeStatus(res, errors.methodNotAllowed());
    return true;
  }
  const accept = req.headers.accept;

  if (a === 'version') {
    send(req, res, bodyFor(served, 'version', discovery.versionInfo), 'application/json');
    return true;
  }

  if ((a === 'api' || a === 'apis') && b === undefined) {
    const legacy = a === 'api';
    const fmt = negotiateDiscovery(accept);
    if (!fmt) return notAcceptable(res);
    if (fmt.aggregated) {
      const v = fmt.aggregated;
      send(
        req,
        res,
        bodyFor(served, `${a}:${v}`, () => discovery.aggregatedDiscovery(legacy, v, ris)),
        discovery.aggregatedDiscoveryMediaType(v),
      );
    } else if (legacy) {
      // serverAddress follows the request, so this body is not cached.
      const json = JSON.stringify(discovery.apiVersions(serverAddress(req), ris));
      send(req, res, { json, etag: `"${createHash('sha256').update(json).digest('hex').slice(0, 32).toUpperCase()}"` }, 'application/json');
    } else {
      send(
        req,
        res,
        bodyFor(served, 'apis', () => discovery.apiGroupList(ris)),
        'application/json',
      );
    }
    return true;
  }

  if (a === 'api' || a === 'apis') {
    if (!acceptsJSON(accept)) return notAcceptable(res);
    const key = segs.join('/');
    const make =
      a === 'api'
        ? () => discovery.apiResourceList('', b!, ris)
        : c === undefined
          ? () => discovery.apiGroup(b!, ris)
          : () => discovery.apiResourceList(b!, c, ris);
    send(req, res, bodyFor(served, key, make), 'application/json');
    return true;
  }

  // OpenAPI.
  if (b === 'v2') {
    // As kube-openapi: the first clause naming JSON or the gnostic protobuf wins, else 406.
    for (const cl of parseAccept(accept)) {
      if (matchesJSON(cl)) {
        send(req, res, docBody(openapiV2Document(served)), 'application/json');
        return true;
      }
      if ((cl.type === 'application' || cl.type === '*') && V2_PROTO_SUBTYPES.has(cl.subtype)) {
        const p = openapiV2ProtoDocument(served);
        let b = protoBodies.get(p);
        if (!b)
          protoBodies.set(p, (b = { json: '', etag: p.etag, raw: Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength) }));
        send(req, res, b, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
        return true;
      }
    }
    return notAcceptable(res);
  }

  // /openapi/v3 and /openapi/v3/<path>
  if (!acceptsJSON(accept)) return notAcceptable(res);
  const rest = segs.slice(2).join('/');
  if (rest === '') {
    send(
      req,
      res,
      bodyFor(served, 'openapi/v3', () => openapiV3Index(served)),
      'application/json',
    );
    return true;
  }
  const gv = rest.startsWith('api/') ? rest.slice(4) : rest.startsWith('apis/') ? rest.slice(5) : undefined;
  const doc = gv !== undefined && gv.split('/').length === (rest.startsWith('api/') ? 1 : 2) ? openapiV3Document(gv, served) : undefined;
  if (!doc) {
    writeStatus(res, new StatusError(404, 'NotFound', `the OpenAPI v3 document ${rest} was not found`));
    return true;
  }
  const hash = url.searchParams.get('hash');
  if (hash !== null && hash !== doc.hash) {
    // As kube-openapi: an outdated hash is redirected to the current document.
    res.writeHead(301, { Location: `/openapi/v3/${rest}?hash=${doc.hash}`, 'Content-Length': 0 });
    res.end();
    return true;
  }
  const cacheHeaders: Record<string, string> =
    hash !== null
      ? { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString() }
      : { 'Cache-Control': 'no-cache, private' };
  send(req, res, docBody(doc), 'application/json', cacheHeaders);
  return true;
}
