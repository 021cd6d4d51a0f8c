// The OpenAPI documents the API server serves (/openapi/v2 in JSON and protobuf, /openapi/v3
// per group-version), built from the schema registry and the served resources (custom resources'
// schemas included) and kept as bytes with a content hash until the served table changes.

import { createHash } from 'node:crypto';
import { apiVersionOf } from '../api/object.js';
import { buildOpenAPIV2, buildOpenAPIV3, type OpenAPIOptions, openapiV3PathOf, type Schema } from '../api/openapi.js';
import { encodeOpenAPIV2Proto } from '../api/openapi-proto.js';
import { allTypes } from '../api/schema/index.js';
import { groupVersions } from './registry/index.js';
import { BUILTIN, type ServedResources } from './served.js';

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
/** Bumped when the options change, so documents cached in any table are rebuilt. */
let optionsEpoch = 0;

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

/** Forget the built documents. */
export function resetOpenAPICache(): void {
  optionsEpoch++;
  BUILTIN.cache.clear();
}

export function openapiV2Document(served: ServedResources = BUILTIN): CachedDocument {
  return served.cached(`openapi:${optionsEpoch}:v2`, () =>
    cached(buildOpenAPIV2(allTypes(), served.resources(), options, served.customOpenAPI())),
  );
}

/** /openapi/v2 in protobuf (openapi.v2.Document), the form kubectl asks for. */
export function openapiV2ProtoDocument(served: ServedResources = BUILTIN): { bytes: Uint8Array; etag: string } {
  return served.cached(`openapi:${optionsEpoch}:v2proto`, () => {
    const bytes = encodeOpenAPIV2Proto(openapiV2Document(served).doc);
    return { bytes, etag: `"${createHash('sha512').update(bytes).digest('hex').toUpperCase()}"` };
  });
}

/** groupVersion as in apiVersion: "v1", "apps/v1". */
export function openapiV3Document(groupVersion: string, served: ServedResources = BUILTIN): CachedDocument | undefined {
  return served.cached(`openapi:${optionsEpoch}:v3:${groupVersion}`, () => {
    const doc = buildOpenAPIV3(groupVersion, allTypes(), served.resources(), options, served.customOpenAPI());
    return doc ? cached(doc) : undefined;
  });
}

export function openapiV2(served: ServedResources = BUILTIN): object {
  return openapiV2Document(served).doc;
}

export function openapiV3(groupVersion: string, served: ServedResources = BUILTIN): object | undefined {
  return openapiV3Document(groupVersion, served)?.doc;
}

/** /openapi/v3: where each group-version's document is, with its hash so clients may cache it forever. */
export function openapiV3Index(served: ServedResources = BUILTIN): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions(served.resources())) {
    const d = openapiV3Document(apiVersionOf(gv.group, gv.version), served);
    if (!d) continue;
    const p = openapiV3PathOf(gv.group, gv.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
  }
  return { paths };
}
