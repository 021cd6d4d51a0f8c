// Strategic merge patch (application/strategic-merge-patch+json) as the API server applies
// it (k8s.io/apimachinery/pkg/util/strategicpatch, StrategicMergeMapPatch with
// MergeParallelList and IgnoreUnmatchedNulls). Type information comes from the TypeDefs:
// a list whose field says patchStrategy 'merge' merges by its mergeKey (or, for scalars,
// as a union); other lists and 'replace' fields are replaced.
//
// Directives: `$patch: replace|delete|merge` in a map or a list item, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`; null deletes a key.
//
// One deliberate difference: a value the original lacks is cleaned of directives and nulls
// (merged into an empty value) instead of being stored verbatim, since k8ts has no typed
// decode step that would drop the leftover `$...` keys.

import { errors, StatusError } from '../errors.js';
import { isObject, setOwn } from '../object.js';
import type { FieldDef } from '../schema/types.js';
import { wellFormedStrings } from '../wellformed.js';
import { goV } from './goformat.js';
import { type Ctx, childField, ctxForType, patchStrategyOf, registryTypeLookup, type TypeLookup, valueCtx } from './typeinfo.js';

type JMap = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

// The mergepatch package's sentinel errors, with the HTTP answers interpretStrategicMergePatchError gives them.
const badJSONDoc = () => errors.badRequest('invalid JSON document');
const badPrimitiveList = () => errors.badRequest('invalid patch format of primitive list');
const badRetainKeys = () => errors.badRequest('invalid patch format of retainKeys');
const badSetElementOrder = () => errors.badRequest('invalid patch format of setElementOrder list');
const noListOfLists = () => new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
/**
 * Any other merge error reaches a Kubernetes client as a plain 500 with the Go error text
 * (interpretStrategicMergePatchError's default). They are all about the patch the client
 * sent, and issue #7's rule is that bad input is never a 5xx: here they are 400 BadRequest,
 * with the same text.
 */
const otherError = (message: string) => errors.badRequest(message);
const noMergeKey = (m: unknown, key: string) => otherError(`map: ${goV(m)} does not contain declared merge key: ${key}`);
const badPatchType = (t: unknown, m: unknown) => otherError(`unknown patch type: ${goV(t)} in map: ${goV(m)}`);

/**
 * Applies a strategic merge patch to `original`, typed by `typeName` (the kind's TypeDef
 * name). Returns a new object; the inputs are not modified.
 */
export function strategicMergePatch(original: JMap, patch: JMap, typeName: string, lookup: TypeLookup = registryTypeLookup): JMap {
  if (!isObject(patch)) throw badJSONDoc();
  const m = new Merger(lookup);
  return m.mergeMap(structuredClone(original), structuredClone(patch), ctxForType(typeName, lookup));
}

/** Decodes a strategic merge patch body: a JSON object, or 400. */
export function decodeStrategicPatch(body: string): JMap {
  let doc: unknown;
  try {
    doc = wellFormedStrings(JSON.parse(body), body);
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
  if (!isObject(doc))
    throw errors.badRequest(
      `json: cannot unmarshal ${Array.isArray(doc) ? 'array' : typeof doc} into Go value of type map[string]interface {}`,
    );
  return doc;
}

type Kind = 'map' | 'list' | 'scalar';
const kindOf = (v: unknown): Kind => (Array.isArray(v) ? 'list' : isObject(v) ? 'map' : 'scalar');

function extractKey(key: string, prefix: string): string {
  const i = key.indexOf('/');
  if (i < 0 || key.slice(0, i) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) throw badPrimitiveList();
    throw badSetElementOrder();
  }
  return key.slice(i + 1);
}

class Merger {
  constructor(private lookup: TypeLookup) {}

  /** Merges `patch` into `original` (both owned by the merger, mutated freely). */
  mergeMap(original: JMap, patch: JMap, ctx: Ctx): JMap {
    if (DIRECTIVE in patch) {
      const directive = patch[DIRECTIVE];
      if (directive === 'replace') {
        delete patch[DIRECTIVE];
        return this.mergeMap({}, patch, ctx);
      }
      if (directive === 'delete') return {};
      // kube rejects `$patch: merge` in a map; merging is what it means, so k8ts merges.
      if (directive !== 'merge') throw badPatchType(directive, patch);
      delete patch[DIRECTIVE];
    }
    this.applyRetainKeys(original, patch);
    this.mergeSetElementOrder(original, patch, ctx);

    for (const rawKey of Object.keys(patch)) {
      let k = rawKey;
      const patchV = patch[rawKey];
      let isDeleteList = false;
      if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        k = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST);
        isDeleteList = true;
      }
      if (patchV === null) {
        delete original[k];
        continue;
      }
      const field = childField(ctx, k);
      // Own keys only ("__proto__" or "constructor" in a patch are ordinary keys, never the prototype's).
      if (!Object.hasOwn(original, k) || original[k] === null || kindOf(original[k]) !== kindOf(patchV)) {
        if (!isDeleteList) setOwn(original, k, this.fresh(patchV, field));
        continue;
      }
      const strategy = patchStrategyOf(field);
      const origV = original[k];
      if (isObject(origV) && isObject(patchV)) {
        setOwn(
          original,
          k,
          strategy === 'replace' ? this.fresh(patchV, field) : this.mergeMap(origV, patchV, valueCtx(field, this.lookup)),
        );
      } else if (Array.isArray(origV) && Array.isArray(patchV)) {
        setOwn(original, k, this.mergeSliceHandler(origV, patchV, field, isDeleteList));
      } else {
        setOwn(original, k, patchV);
      }
    }
    return original;
  }

  /** A patch value the original lacks, cleaned of directives and nulls. */
  private fresh(v: unknown, field: FieldDef | undefined): unknown {
    if (isObject(v)) return this.mergeMap({}, v, valueCtx(field, this.lookup));
    if (Array.isArray(v)) return this.mergeSliceHandler([], v, field, false);
    return v;
  }

  private mergeSliceHandler(original: unknown[], patch: unknown[], field: FieldDef | undefined, isDeleteList: boolean): unknown[] {
    if (patchStrategyOf(field) !== 'merge') {
      // A replaced list of maps still loses its nulls and directives inside new items.
      return patch.map((item) => (isObject(item) ? this.mergeMap({}, item, valueCtx(field, this.lookup, true)) : item));
    }
    return this.mergeSlice(original, patch, field!, isDeleteList);
  }

  private mergeSlice(original: unknown[], patch: unknown[], field: FieldDef, isDeleteList: boolean): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = sliceElementKind(original, patch);
    const mergeKey = field.mergeKey ?? '';
    let merged: unknown[];
    if (kind !== 'map') {
      if (isDeleteList) {
        const gone = new Set(patch);
        return original.filter((v) => !gone.has(v));
      }
      merged = dedupe([...original, ...patch]);
    } else {
      if (!mergeKey) throw otherError(`cannot merge lists without merge key for type struct`);
      [original, patch] = this.mergeSliceWithSpecialElements(original, patch, mergeKey);
      merged = this.mergeSliceWithoutSpecialElements(original, patch, mergeKey, field);
    }
    const [patchItems, serverOnly] = partition(merged, patch, kind === 'map' ? mergeKey : '');
    return normalizeElementOrder(patchItems, serverOnly, patch, original, kind === 'map' ? mergeKey : '');
  }

  private mergeSliceWithSpecialElements(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
    const plain: unknown[] = [];
    let replace = false;
    for (const v of patch) {
      const item = v as JMap;
      if (!(DIRECTIVE in item)) {
        plain.push(v);
        continue;
      }
      const directive = item[DIRECTIVE];
      if (directive === 'delete') {
        if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
        original = original.filter((o) => !(isObject(o) && o[mergeKey] === item[mergeKey]));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw otherError('merging lists cannot yet be specified in the patch');
      } else {
        throw badPatchType(directive, item);
      }
    }
    if (replace) return [plain.map((p) => this.mergeMap({}, p as JMap, { t: 'any' })), []];
    return [original, plain];
  }

  private mergeSliceWithoutSpecialElements(original: unknown[], patch: unknown[], mergeKey: string, field: FieldDef): unknown[] {
    const out = [...original];
    const elemCtx = valueCtx(field, this.lookup, true);
    for (const v of patch) {
      const item = v as JMap;
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      const i = out.findIndex((o) => {
        if (!isObject(o)) throw otherError(`value for key ${out.indexOf(o)} is not a map.`);
        return mergeKey in o && o[mergeKey] === item[mergeKey];
      });
      if (i >= 0) out[i] = this.mergeMap(out[i] as JMap, item, elemCtx);
      else out.push(this.mergeMap({}, item, elemCtx));
    }
    return out;
  }

  private applyRetainKeys(original: JMap, patch: JMap): void {
    if (!(RETAIN_KEYS in patch)) return;
    const list = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw badRetainKeys();
    const keep = new Set(list);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
      if (!keep.has(k)) throw badRetainKeys();
    }
    for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
  }

  /** `$setElementOrder/<field>`: merge that list now and order it as the directive says. */
  private mergeSetElementOrder(original: JMap, patch: JMap, ctx: Ctx): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
      const order = patch[key];
      delete patch[key];
      if (!Array.isArray(order)) throw badSetElementOrder();
      const k = extractKey(key, SET_ELEMENT_ORDER);
      const foundOriginal = Object.hasOwn(original, k) && original[k] !== null;
      const foundPatch = Object.hasOwn(patch, k) && patch[k] !== null;
      const originalList = foundOriginal ? original[k] : [];
      const patchList = foundPatch ? patch[k] : [];
      if (!Array.isArray(originalList) || !Array.isArray(patchList)) throw badSetElementOrder();
      if (!foundOriginal && !foundPatch) continue;
      const field = childField(ctx, k);
      const mergeKey = field?.mergeKey ?? '';
      validatePatchWithSetOrderList(patchList, order, mergeKey);
      let merged: unknown[];
      if (!foundPatch) merged = originalList;
      else if (!foundOriginal) merged = this.mergeSliceHandler([], patchList, field, false);
      else merged = this.mergeSliceHandler(originalList, patchList, field, false);
      const kind = sliceElementKind(originalList, patchList, mergeKey ? 'map' : 'scalar');
      const key2 = kind === 'map' ? mergeKey : '';
      const [patchItems, serverOnly] = partition(merged, order, key2);
      setOwn(original, k, normalizeElementOrder(patchItems, serverOnly, order, originalList, key2));
      delete patch[k];
    }
  }
}

function sliceElementKind(a: unknown[], b: unknown[], fallback: Kind = 'scalar'): Kind {
  let kind: Kind | undefined;
  for (const v of [...a, ...b]) {
    const k = kindOf(v);
    if (k === 'list') throw noListOfLists();
    if (kind === undefined) kind = k;
    else if (kind !== k) throw otherError(`list element types are not identical: ${goV([a, b])}`);
  }
  return kind ?? fallback;
}

// Lists in a patch or an object can hold hundreds of thousands of items (a 3 MiB body):
// lookups go through Sets and Maps so that merging stays linear, never quadratic.
function dedupe(list: unknown[]): unknown[] {
  return [...new Set(list)];
}

/** The identity of a list item for ordering: its merge key value, or the scalar itself. */
const identity = (v: unknown, mergeKey: string): unknown => (mergeKey ? (isObject(v) ? v[mergeKey] : undefined) : v);

/** First index of each identity in a list (the lists looked up are never changed after). */
const firstIndexes = new WeakMap<unknown[], Map<string, Map<unknown, number>>>();

function indexIn(list: unknown[], v: unknown, mergeKey: string): number {
  let byKey = firstIndexes.get(list);
  if (!byKey) firstIndexes.set(list, (byKey = new Map()));
  let index = byKey.get(mergeKey);
  if (!index) {
    const built = new Map<unknown, number>();
    list.forEach((x, i) => {
      const id = identity(x, mergeKey);
      if (!built.has(id)) built.set(id, i);
    });
    byKey.set(mergeKey, (index = built));
  }
  return index.get(identity(v, mergeKey)) ?? -1;
}

/** Splits `items` into those present in `by` and those only on the server. */
function partition(items: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of items) {
    if (mergeKey && !(isObject(v) && mergeKey in v)) throw noMergeKey(v, mergeKey);
    (indexIn(by, v, mergeKey) >= 0 ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

function sortByOrder(items: unknown[], order: unknown[], mergeKey: string): unknown[] {
  const toDelete = mergeKey ? items.filter((v) => isObject(v) && v[DIRECTIVE] === 'delete') : [];
  const deleting = new Set(toDelete);
  const rest = items.filter((v) => !deleting.has(v));
  const ranked = rest.map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey) }));
  ranked.sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i));
  return [...ranked.map((r) => r.v), ...toDelete];
}

/**
 * Patch items in the patch's order, server-only items in the live order, interleaved so
 * that each keeps its relative order (strategicpatch's normalizeElementOrder).
 */
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((v) => !(isObject(v) && v[DIRECTIVE] === 'delete')) : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < order.length) {
    if (isObject(nonDelete[p]) && DIRECTIVE in (nonDelete[p] as JMap)) {
      p++;
      continue;
    }
    if (mergeKey) {
      if (!isObject(nonDelete[p]) || !(mergeKey in (nonDelete[p] as JMap))) throw noMergeKey(nonDelete[p], mergeKey);
      if (!isObject(order[s]) || !(mergeKey in (order[s] as JMap))) throw noMergeKey(order[s], mergeKey);
    }
    if (identity(nonDelete[p], mergeKey) === identity(order[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= order.length) {
    throw otherError(`The order in patch list:\n${goV(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goV(order)}\n`);
  }
}
