// The PATCH content types the API server accepts, dispatched by Content-Type:
//   application/json-patch+json            RFC 6902 JSON Patch
//   application/merge-patch+json           RFC 7386 JSON Merge Patch
//   application/strategic-merge-patch+json Kubernetes' strategic merge patch
//   application/apply-patch+yaml           server-side apply (YAML or JSON body)
// Ownership for the non-apply types is recorded later, by the registry, with
// updateManagedFields; apply records its own.

import { parse as parseYaml } from 'yaml';
import { errors } from '../errors.js';
import { checkYAMLDepth, MAX_NESTING_DEPTH, valueExceeds } from '../jsonlimits.js';
import { isObject, type KObject } from '../object.js';
import { wellFormedStrings } from '../wellformed.js';
import { applyPatch } from './apply.js';
import { applyJsonPatch } from './jsonpatch.js';
import { decodeMergePatch, mergePatch } from './mergepatch.js';
import { decodeStrategicPatch, strategicMergePatch } from './strategic.js';
import type { TypeLookup } from './typeinfo.js';

export { applyPatch, type FieldManagerOptions, fieldsV1ToSet, pathString, setToFieldsV1, updateManagedFields } from './apply.js';
export { applyJsonPatch, decodeJsonPatch, type JsonPatchOperation, jsonEqual } from './jsonpatch.js';
export { decodeMergePatch, mergePatch } from './mergepatch.js';
export { decodeStrategicPatch, strategicMergePatch } from './strategic.js';
export type { KindLookup, TypeLookup } from './typeinfo.js';

export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;
export type PatchContentType = (typeof PATCH_CONTENT_TYPES)[number];

export interface PatchOptions {
  /** fieldManager of the request; required for apply. */
  manager?: string;
  /** force=true: apply takes over conflicting fields. */
  force?: boolean;
  /** The kind's TypeDef name (ResourceInfo.schema), e.g. "io.k8s.api.apps.v1.Deployment". */
  typeName: string;
  /** The subresource patched ("status"), for apply's ownership records. */
  subresource?: string;
  typeLookup?: TypeLookup;
}

/**
 * Applies a PATCH body to `live` according to its Content-Type and returns the patched
 * object (a new one; `live` is not modified). Errors are StatusErrors as kube-apiserver
 * answers them; an unknown media type is 415.
 */
export function applyPatchByContentType(contentType: string, live: KObject, patchBody: string, opts: PatchOptions): KObject {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  let out: unknown;
  switch (mediaType) {
    case 'application/json-patch+json':
      out = applyJsonPatch(live, patchBody);
      break;
    case 'application/merge-patch+json':
      out = mergePatch(live, decodeMergePatch(patchBody));
      break;
    case 'application/strategic-merge-patch+json':
      out = strategicMergePatch(live, decodeStrategicPatch(patchBody), opts.typeName, opts.typeLookup);
      break;
    case 'application/apply-patch+yaml': {
      if (!opts.manager)
        throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const applied = decodeApplyPatch(patchBody);
      out = applyPatch(live, applied, opts.manager, opts.force ?? false, {
        typeName: opts.typeName,
        typeLookup: opts.typeLookup,
        subresource: opts.subresource,
      });
      break;
    }
    default:
      throw errors.unsupportedMediaType(contentType);
  }
  if (!isObject(out)) throw errors.badRequest('the patched object is not a JSON object');
  if (!isObject(out.metadata)) out.metadata = {};
  return out as KObject;
}

/** An apply-patch body: one YAML (or JSON) document holding an object. */
export function decodeApplyPatch(body: string): KObject {
  let doc: unknown;
  checkYAMLDepth(body, 'error decoding YAML: ');
  try {
    doc = parseYaml(body, { maxAliasCount: 100 });
  } catch (e) {
    throw errors.badRequest(
      `error decoding YAML: ${e instanceof RangeError ? `yaml: exceeded max depth of ${MAX_NESTING_DEPTH}` : (e as Error).message}`,
    );
  }
  // goyaml's limits: depth 10,000, and no alias expansion past what a body could hold.
  const over = valueExceeds(doc, MAX_NESTING_DEPTH, 6 * 1024 * 1024);
  if (over)
    throw errors.badRequest(
      `error decoding YAML: yaml: ${over === 'depth' ? `exceeded max depth of ${MAX_NESTING_DEPTH}` : 'document contains excessive aliasing'}`,
    );
  if (!isObject(doc)) throw errors.badRequest('error decoding YAML: the body is not an object');
  return wellFormedStrings(doc, body) as KObject;
}
