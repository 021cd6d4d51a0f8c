// The OpenAPI documents the API server serves (/openapi/v2 in JSON and protobuf, /openapi/v3
// per group-version), built from the schema registry and the served resources once and kept
// as bytes with a content hash.

import { createHash } from 'node:crypto';
import { apiVersionOf } from '../api/object.js';
import { buildOpenAPIV2, buildOpenAPIV3, openapiV3PathOf, type OpenAPIOptions, type Schema } from '../api/openapi.js';
import { encodeOpenAPIV2Proto } from '../api/openapi-proto.js';
import { allTypes } from '../api/schema/index.js';
import { groupVersions, RESOURCES } from './registry/index.js';

// ---------------------------------------------------------------------------------------------
// Cached documents over the schema registry: built once, served as bytes with a content hash.

export interface CachedDocument {
  /** The document as JSON text. */
  json: string;
  /** Upper-case hex SHA-512 of json, as kube-apiserver names v3 documents (?hash=...). */
  hash: string;
  /** A strong ETag ("\"<hash>\""). */
  etag: string;
  doc: Schema;
}

let options: OpenAPIOptions = {};
let v2Cache: CachedDocument | undefined;
let v2ProtoCache: { bytes: Uint8Array; etag: string } | undefined;
const v3Cache = new Map<string, CachedDocument | null>();

function cached(doc: Schema): CachedDocument {
  const json = JSON.stringify(doc);
  const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
  return { json, hash, etag: `"${hash}"`, doc };
}

/** Change the options of the served documents (drops the cache). */
export function setOpenAPIOptions(o: OpenAPIOptions): void {
  options = { ...o };
  resetOpenAPICache();
}

/** Forget the built documents (after the type registry changed, e.g. CRDs later). */
export function resetOpenAPICache(): void {
  v2Cache = undefined;
  v2ProtoCache = undefined;
  v3Cache.clear();
}

export function openapiV2Document(): CachedDocument {
  v2Cache ??= cached(buildOpenAPIV2(allTypes(), RESOURCES, options));
  return v2Cache;
}

/** /openapi/v2 in protobuf (openapi.v2.Document), the form kubectl asks for. */
export function openapiV2ProtoDocument(): { bytes: Uint8Array; etag: string } {
  if (!v2ProtoCache) {
    const bytes = encodeOpenAPIV2Proto(openapiV2Document().doc);
    v2ProtoCache = { bytes, etag: `"${createHash('sha512').update(bytes).digest('hex').toUpperCase()}"` };
  }
  return v2ProtoCache;
}

/** groupVersion as in apiVersion: "v1", "apps/v1". */
export function openapiV3Document(groupVersion: string): CachedDocument | undefined {
  if (!v3Cache.has(groupVersion)) {
    const doc = buildOpenAPIV3(groupVersion, allTypes(), RESOURCES, options);
    v3Cache.set(groupVersion, doc ? cached(doc) : null);
  }
  return v3Cache.get(groupVersion) ?? undefined;
}

export function openapiV2(): object {
  return openapiV2Document().doc;
}

export function openapiV3(groupVersion: string): object | undefined {
  return openapiV3Document(groupVersion)?.doc;
}

/** /openapi/v3: where each group-version's document is, with its hash so clients may cache it forever. */
export function openapiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions()) {
    const d = openapiV3Document(apiVersionOf(gv.group, gv.version));
    if (!d) continue;
    const p = openapiV3PathOf(gv.group, gv.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
  }
  return { paths };
}
