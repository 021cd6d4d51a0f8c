// Type information the patch mechanisms need while they walk an object: which TypeDef a
// nested object has, and how a field's list or map merges (patch strategy, merge key,
// list type). Everything here is read from the schema registry's TypeDefs, so adding a
// type to the registry is all it takes for its lists to merge by key.

import { getType, jsonFields, typeForKind } from '../schema/index.js';
import type { FieldDef, FieldType, TypeDef } from '../schema/types.js';

/** Resolves a TypeDef by its full name ("io.k8s.api.core.v1.PodSpec"). */
export type TypeLookup = (typeName: string) => TypeDef | undefined;
/** Resolves the TypeDef of a top-level kind. */
export type KindLookup = (group: string, version: string, kind: string) => TypeDef | undefined;

export const registryTypeLookup: TypeLookup = (name) => getType(name);
export const registryKindLookup: KindLookup = (g, v, k) => typeForKind(g, v, k);

/** Where a walk stands: inside a typed struct, inside a map[string]T, or in untyped data. */
export type Ctx = { t: 'struct'; def: TypeDef } | { t: 'map'; valueType: FieldType; field: FieldDef } | { t: 'any' };

const ANY: Ctx = { t: 'any' };
/** A struct's field by JSON name; fields of inline (embedded) structs count as its own. */
export function fieldOf(def: TypeDef, json: string): FieldDef | undefined {
  return jsonFields(def).get(json);
}

export function ctxForType(type: FieldType | undefined, lookup: TypeLookup): Ctx {
  if (!type) return ANY;
  const def = lookup(type);
  return def ? { t: 'struct', def } : ANY;
}

/**
 * The FieldDef describing key `k` of an object in context `ctx`: a struct's declared field,
 * a map entry (synthesised: a single value of the map's value type), or undefined (untyped).
 */
export function childField(ctx: Ctx, k: string): FieldDef | undefined {
  if (ctx.t === 'struct') return fieldOf(ctx.def, k);
  if (ctx.t === 'map') return { json: k, proto: 0, type: ctx.valueType };
  return undefined;
}

/** The context of a field's value (for lists: of each element). */
export function valueCtx(field: FieldDef | undefined, lookup: TypeLookup, forElement = false): Ctx {
  if (!field) return ANY;
  if (field.map && !(field.list && forElement)) return { t: 'map', valueType: field.type, field };
  return ctxForType(field.type, lookup);
}

/** Strategic merge patch strategy of a field without retainKeys: 'merge', 'replace' or ''. */
export function patchStrategyOf(field: FieldDef | undefined): string {
  const parts = (field?.patchStrategy ?? '').split(',').filter((s) => s && s !== 'retainKeys');
  return parts[0] ?? '';
}

/** Server-side apply's view of a list: atomic, a set of scalars, or a map keyed by some fields. */
export type ListKind = { t: 'atomic' } | { t: 'set' } | { t: 'map'; keys: string[] };

export function listKindOf(field: FieldDef | undefined): ListKind {
  if (!field?.list) return { t: 'atomic' };
  if (field.listType === 'atomic') return { t: 'atomic' };
  if (field.listType === 'set') return { t: 'set' };
  if (field.listType === 'map') {
    const keys = field.listMapKeys?.length ? field.listMapKeys : field.mergeKey ? [field.mergeKey] : [];
    return keys.length ? { t: 'map', keys } : { t: 'atomic' };
  }
  // Without x-kubernetes-list-type, Kubernetes' OpenAPI-to-SMD conversion derives the list
  // type from the strategic merge patch tags: merge + key => map, merge alone => set.
  if (patchStrategyOf(field) === 'merge') return field.mergeKey ? { t: 'map', keys: [field.mergeKey] } : { t: 'set' };
  return { t: 'atomic' };
}

/** Special types whose JSON is a scalar or an opaque value: never walked into. */
const OPAQUE = new Set(['Time', 'MicroTime', 'Quantity', 'IntOrString', 'RawExtension', 'Duration', 'FieldsV1', 'JSON']);

export function isOpaqueType(type: FieldType): boolean {
  return OPAQUE.has(type);
}
