// Pruning and defaulting of custom resources by their structural schema, as
// apiextensions-apiserver's pkg/apiserver/schema/pruning (Prune) and
// pkg/apiserver/schema/defaulting (PruneNonNullableNullsWithoutDefaults, Default): fields the
// schema does not specify are dropped unless x-kubernetes-preserve-unknown-fields keeps them;
// apiVersion, kind and metadata stay at the root and in embedded resources, and metadata keeps
// only ObjectMeta's fields; absent fields with a default get a copy of it.

import { deepCopy, isObject } from '../object.js';
import { getType, jsonFields } from '../schema/index.js';
import { additionalOf, EMBEDDED, itemsOf, type JSONSchemaProps, preserves } from './structural.js';

let objectMetaFields: Set<string> | undefined;
function metaFields(): Set<string> {
  if (!objectMetaFields) {
    const t = getType('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    objectMetaFields = new Set(t ? [...jsonFields(t).keys()] : []);
  }
  return objectMetaFields;
}

const joinPath = (path: string, name: string): string => (path ? `${path}.${name}` : name);

/**
 * Prunes obj (changed in place) by schema; returns the dropped fields' paths
 * ("spec.foo"), which fieldValidation=Strict/Warn report as unknown fields.
 */
export function prune(obj: Record<string, unknown>, schema: JSONSchemaProps | undefined): string[] {
  const dropped: string[] = [];
  pruneObject(obj, schema, '', true, dropped);
  return dropped;
}

function pruneMeta(meta: unknown, path: string, dropped: string[]): void {
  if (!isObject(meta)) return;
  const known = metaFields();
  for (const k of Object.keys(meta)) {
    if (!known.has(k)) {
      delete meta[k];
      dropped.push(joinPath(path, k));
    }
  }
}

function pruneObject(
  obj: Record<string, unknown>,
  s: JSONSchemaProps | undefined,
  path: string,
  isResource: boolean,
  dropped: string[],
): void {
  const props = s && isObject(s.properties) ? s.properties : {};
  const ap = s ? additionalOf(s) : undefined;
  const keep = s ? preserves(s) || s.additionalProperties === true : false;
  for (const k of Object.keys(obj)) {
    const p = joinPath(path, k);
    if (isResource && (k === 'apiVersion' || k === 'kind')) continue;
    if (isResource && k === 'metadata') {
      pruneMeta(obj[k], p, dropped);
      continue;
    }
    const sub = props[k] ?? ap;
    if (!sub) {
      if (!keep) {
        delete obj[k];
        dropped.push(p);
      }
      continue;
    }
    pruneValue(obj[k], sub, p, dropped);
  }
}

function pruneValue(v: unknown, s: JSONSchemaProps, path: string, dropped: string[]): void {
  if (isObject(v)) {
    // An object schema that only preserves (no properties, no additionalProperties) keeps everything below.
    if (preserves(s) && !isObject(s.properties) && !additionalOf(s) && !s[EMBEDDED]) return;
    pruneObject(v, s, path, s[EMBEDDED] === true, dropped);
  } else if (Array.isArray(v)) {
    const items = itemsOf(s);
    if (!items) return;
    v.forEach((x, i) => {
      pruneValue(x, items, `${path}[${i}]`, dropped);
    });
  }
}

/** Default: absent fields with a default get a copy of it; nulls in non-nullable fields are defaulted or dropped. */
export function applyDefaults(obj: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(obj)) {
    const props = isObject(s.properties) ? s.properties : {};
    for (const [k, ps] of Object.entries(props)) {
      if (!isObject(ps)) continue;
      if (obj[k] === null && !ps.nullable) {
        if (ps.default !== undefined) obj[k] = deepCopy(ps.default);
        else delete obj[k];
      }
      if (!(k in obj) && ps.default !== undefined) obj[k] = deepCopy(ps.default);
      if (k in obj) applyDefaults(obj[k], ps);
    }
    const ap = additionalOf(s);
    if (ap) {
      for (const k of Object.keys(obj)) {
        if (k in props) continue;
        if (obj[k] === null && !ap.nullable) {
          if (ap.default !== undefined) obj[k] = deepCopy(ap.default);
          else {
            delete obj[k];
            continue;
          }
        }
        applyDefaults(obj[k], ap);
      }
    }
  } else if (Array.isArray(obj)) {
    const items = itemsOf(s);
    if (!items) return;
    for (let i = 0; i < obj.length; i++) {
      if (obj[i] === null && !items.nullable && items.default !== undefined) obj[i] = deepCopy(items.default);
      applyDefaults(obj[i], items);
    }
  }
}
