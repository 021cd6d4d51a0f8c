// Server-side field validation (fieldValidation=Strict|Warn|Ignore) and type checking of
// decoded bodies against the schema, as kube-apiserver's strict decoder does: unknown and
// duplicated fields are errors, warnings or silently dropped; a value of the wrong JSON type
// is always a 400, since Go could not have decoded it. A null is read as Go reads it: a struct
// or scalar field set to null is left unset (dropped here), and a null element of a list or
// map is the element type's zero value ({} for a struct, "" for a string...), so no strategy
// meets a null where Go code would have met a value.

import { errors } from '../api/errors.js';
import { isObject } from '../api/object.js';
import { getType, jsonFields } from '../api/schema/index.js';
import type { FieldDef } from '../api/schema/types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: string | null, dflt: FieldValidation = 'Warn'): FieldValidation {
  if (v === null || v === '') return dflt;
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation must be one of Ignore, Warn or Strict, got ${JSON.stringify(v)}`);
}

export interface FieldCheck {
  unknown: string[];
  typeErrors: string[];
}

const INT_TYPES = new Set(['int32', 'int64']);

/**
 * Where the walk is: the path's segments (a field or map key, or a list index), joined into
 * "spec.containers[0].name" only for a message (every request's body is walked; few are wrong).
 */
type Path = (string | number)[];

function pathOf(segs: Path): string {
  let s = '';
  for (const x of segs) s += typeof x === 'number' ? `[${x}]` : s === '' ? x : `.${x}`;
  return s;
}

/** Walks value against the named type; drops unknown fields when prune is set. */
export function checkFields(typeName: string, value: unknown, prune: boolean): FieldCheck {
  const out: FieldCheck = { unknown: [], typeErrors: [] };
  walkType(typeName, value, [], prune, out, true);
  return out;
}

function walkType(typeName: string, value: unknown, path: Path, prune: boolean, out: FieldCheck, top = false): void {
  const td = getType(typeName);
  if (!td) return; // no schema: accept as is
  if (value === null) return;
  if (!isObject(value)) {
    out.typeErrors.push(
      `json: cannot unmarshal ${jsonKind(value)} into Go value of type ${shortName(typeName)}${path.length ? ` (field ${pathOf(path)})` : ''}`,
    );
    return;
  }
  const byName = jsonFields(td);
  for (const key of Object.keys(value)) {
    const f = byName.get(key);
    if (!f) {
      if (top && (key === 'apiVersion' || key === 'kind')) continue;
      path.push(key);
      out.unknown.push(pathOf(path));
      path.pop();
      if (prune) delete value[key];
      continue;
    }
    // A null struct or scalar field is unset (Go leaves it nil or zero, and omits it); a null
    // list or map stays null (a nil slice of a field without omitempty is written as null).
    if (value[key] === null && !f.list && !f.map) {
      delete value[key];
      continue;
    }
    path.push(key);
    walkField(f, value[key], path, prune, out);
    path.pop();
  }
}

/** What Go's decoder leaves in a list element or map value decoded from null. */
function zeroValue(type: string): unknown {
  switch (type) {
    case 'string':
    case 'bytes':
    case 'Duration':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'double':
      return 0;
    case 'Time':
    case 'MicroTime':
    case 'Quantity':
    case 'IntOrString':
    case 'RawExtension':
    case 'FieldsV1':
    case 'JSON':
      return null;
    default:
      return getType(type) ? {} : null;
  }
}

function walkField(f: FieldDef, v: unknown, path: Path, prune: boolean, out: FieldCheck): void {
  if (v === null || v === undefined) return;
  if (f.list) {
    if (!Array.isArray(v)) {
      out.typeErrors.push(typeErr(v, `[]${f.type}`, path));
      return;
    }
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null) v[i] = zeroValue(f.type);
      path.push(i);
      walkValue(f.type, v[i], path, prune, out);
      path.pop();
    }
    return;
  }
  if (f.map) {
    if (!isObject(v)) {
      out.typeErrors.push(typeErr(v, `map[string]${f.type}`, path));
      return;
    }
    for (const k of Object.keys(v)) {
      if (v[k] === null) v[k] = zeroValue(f.type);
      path.push(k);
      walkValue(f.type, v[k], path, prune, out);
      path.pop();
    }
    return;
  }
  walkValue(f.type, v, path, prune, out);
}

function walkValue(type: string, v: unknown, path: Path, prune: boolean, out: FieldCheck): void {
  if (v === null || v === undefined) return;
  switch (type) {
    case 'string':
      if (typeof v !== 'string') out.typeErrors.push(typeErr(v, 'string', path));
      return;
    case 'bytes':
      if (typeof v !== 'string') out.typeErrors.push(typeErr(v, '[]uint8', path));
      else if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s/g, ''))) out.typeErrors.push(`illegal base64 data at field ${pathOf(path)}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') out.typeErrors.push(typeErr(v, 'bool', path));
      return;
    case 'int32':
    case 'int64':
      if (typeof v !== 'number' || !Number.isInteger(v)) out.typeErrors.push(typeErr(v, type, path));
      return;
    case 'double':
      if (typeof v !== 'number') out.typeErrors.push(typeErr(v, 'float64', path));
      return;
    case 'Time':
    case 'MicroTime':
      if (typeof v !== 'string' || Number.isNaN(Date.parse(v)))
        out.typeErrors.push(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse (field ${pathOf(path)})`);
      return;
    case 'Quantity':
      if (typeof v !== 'string' && typeof v !== 'number')
        out.typeErrors.push(
          `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (field ${pathOf(path)})`,
        );
      else if (typeof v === 'string' && !/^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/.test(v))
        out.typeErrors.push(
          `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (field ${pathOf(path)})`,
        );
      return;
    case 'IntOrString':
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v)))
        out.typeErrors.push(typeErr(v, 'intstr.IntOrString', path));
      return;
    case 'Duration':
      if (typeof v !== 'string') out.typeErrors.push(typeErr(v, 'time.Duration', path));
      return;
    case 'RawExtension':
    case 'FieldsV1':
    case 'JSON':
      return;
    default:
      if (INT_TYPES.has(type)) return;
      walkType(type, v, path, prune, out);
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function shortName(t: string): string {
  const i = t.lastIndexOf('.');
  return i < 0 ? t : t.slice(i + 1);
}

function typeErr(v: unknown, goType: string, path: Path): string {
  return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${pathOf(path)} of type ${goType.startsWith('io.') ? shortName(goType) : goType}`;
}
