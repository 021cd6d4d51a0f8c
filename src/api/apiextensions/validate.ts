// Validation of a custom resource against its CRD's schema, as apiextensions-apiserver's
// pkg/apiserver/validation does it with kube-openapi's validator: the validator's messages
// ("spec.replicas in body should be less than or equal to 10") turned into field errors the way
// kubeOpenAPIResultToFieldErrors turns them (Required, Unsupported value, Too long, Too many,
// and Invalid value for the rest), plus the metadata checks of embedded resources.

import { isObject } from '../object.js';
import { type FieldError, forbidden, invalid, notSupported, required } from '../validation/field.js';
import { isDNS1123Subdomain } from '../validation/names.js';
import { additionalOf, compilePattern, EMBEDDED, INT_OR_STRING, itemsOf, type JSONSchemaProps } from './structural.js';

const patterns = new Map<string, { test(s: string): boolean } | undefined>();
function pattern(p: string): { test(s: string): boolean } | undefined {
  if (!patterns.has(p)) {
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(p, compilePattern(p));
  }
  return patterns.get(p);
}

/** The JSON type name kube-openapi reports for a value. */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, boolean
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return true;
  }
}

const joinPath = (path: string, name: string): string => (path ? `${path}.${name}` : name);
/** kube-openapi names the root ""; messages then read " in body". */
const label = (path: string): string => path;

/** Go's %v of a float64 bound: integers without a decimal point. */
const num = (n: number): string => String(n);

const FORMAT_CHECKS: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: (s) => {
    try {
      return !!new URL(s);
    } catch {
      return s.startsWith('/');
    }
  },
  email: (s) => /^[^\s@<>]+@[^\s@<>]+$/.test(s),
  hostname: (s) =>
    s.length <= 255 && /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/.test(s),
  ipv4: (s) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s),
  ipv6: (s) => /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':'),
  cidr: (s) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(s),
  mac: (s) => /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(s),
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid3: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid4: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  uuid5: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  hexcolor: (s) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  byte: (s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0,
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s),
  datetime: (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s),
  duration: (s) =>
    /^([+-]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^0$/.test(s) ||
    /^\d+\s*(ns|us|µs|ms|s|m|h|d|w|nano|micro|milli|second|minute|hour|day|week)s?$/.test(s),
};

/**
 * Validates value against schema; path is the value's place ("" for the object's root). Errors
 * are in kube-openapi's order: type first (nothing else is checked on a type mismatch), then
 * the value's own constraints, then its children.
 */
export function validateValue(s: JSONSchemaProps, v: unknown, path = ''): FieldError[] {
  const errs: FieldError[] = [];
  walk(s, v, path, errs);
  return errs;
}

function walk(s: JSONSchemaProps, v: unknown, path: string, errs: FieldError[]): void {
  if (!isObject(s)) return;
  const where = label(path);
  if (v === null) {
    if (s.nullable) return;
    // kube-openapi reports null against a typed schema as a type mismatch.
    if (s.type)
      errs.push({ type: 'FieldValueInvalid', field: path, value: 'null', detail: `${where} in body must be of type ${s.type}: "null"` });
    return;
  }
  if (s[INT_OR_STRING]) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      errs.push({
        type: 'FieldValueInvalid',
        field: path,
        value: jsonType(v),
        detail: `${where} in body must be of type integer,string: ${JSON.stringify(jsonType(v))}`,
      });
      return;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    errs.push({
      type: 'FieldValueInvalid',
      field: path,
      value: jsonType(v),
      detail: `${where} in body must be of type ${s.type}: ${JSON.stringify(jsonType(v))}`,
    });
    return;
  }
  if (typeof v === 'string' && s.format && FORMAT_CHECKS[s.format] && !FORMAT_CHECKS[s.format](v)) {
    errs.push({
      type: 'FieldValueInvalid',
      field: path,
      value: v,
      detail: `${where} in body must be of type ${s.format}: ${JSON.stringify(v)}`,
    });
  }
  if (Array.isArray(s.enum) && s.enum.length > 0 && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    errs.push(
      notSupported(
        path,
        v,
        s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
      ),
    );
  }
  if (typeof v === 'number') numberChecks(s, v, path, errs);
  if (typeof v === 'string') stringChecks(s, v, path, errs);
  if (Array.isArray(v)) arrayChecks(s, v, path, errs);
  if (isObject(v)) objectChecks(s, v, path, errs);
  junctors(s, v, path, errs);
}

function numberChecks(s: JSONSchemaProps, v: number, path: string, errs: FieldError[]): void {
  if (typeof s.maximum === 'number') {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
      errs.push(invalid(path, v, `${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${num(s.maximum)}`));
    }
  }
  if (typeof s.minimum === 'number') {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
      errs.push(invalid(path, v, `${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${num(s.minimum)}`));
    }
  }
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
    const q = v / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) errs.push(invalid(path, v, `${path} in body should be a multiple of ${num(s.multipleOf)}`));
  }
}

function stringChecks(s: JSONSchemaProps, v: string, path: string, errs: FieldError[]): void {
  // Lengths count characters (runes), as Go's utf8.RuneCountInString.
  const len = [...v].length;
  if (typeof s.maxLength === 'number' && len > s.maxLength) {
    errs.push({
      type: 'FieldValueTooLong',
      field: path,
      value: v,
      detail: `may not be more than ${s.maxLength} ${s.maxLength === 1 ? 'byte' : 'bytes'}`,
    });
  }
  if (typeof s.minLength === 'number' && len < s.minLength)
    errs.push(invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  if (typeof s.pattern === 'string' && s.pattern !== '') {
    const re = pattern(s.pattern);
    if (re && !re.test(v)) errs.push(invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
}

function arrayChecks(s: JSONSchemaProps, v: unknown[], path: string, errs: FieldError[]): void {
  if (typeof s.maxItems === 'number' && v.length > s.maxItems) {
    errs.push({ type: 'FieldValueTooMany', field: path, detail: `${v.length}: must have at most ${s.maxItems} items` });
  }
  if (typeof s.minItems === 'number' && v.length < s.minItems)
    errs.push(invalid(path, v, `${path} in body should have at least ${s.minItems} items`));
  if (s.uniqueItems) {
    const seen = new Set(v.map((x) => JSON.stringify(x)));
    if (seen.size !== v.length) errs.push(invalid(path, v, `${path} in body shouldn't contain duplicates`));
  }
  const items = itemsOf(s);
  if (items)
    v.forEach((x, i) => {
      walk(items, x, `${path}[${i}]`, errs);
    });
  listTypeChecks(s, v, path, errs);
}

/** x-kubernetes-list-type set and map: no duplicates (validation of list types, as the CRD strategy runs it). */
function listTypeChecks(s: JSONSchemaProps, v: unknown[], path: string, errs: FieldError[]): void {
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'set') {
    const seen = new Map<string, number>();
    v.forEach((x, i) => {
      const k = JSON.stringify(x);
      if (seen.has(k)) errs.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, value: x });
      else seen.set(k, i);
    });
  } else if (lt === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((x, i) => {
      if (!isObject(x)) return;
      const k = JSON.stringify(keys.map((kk) => x[kk] ?? null));
      if (seen.has(k)) {
        const val = keys.length === 1 ? x[keys[0]] : Object.fromEntries(keys.map((kk) => [kk, x[kk]]));
        errs.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, value: val });
      } else seen.add(k);
    });
  }
}

function objectChecks(s: JSONSchemaProps, v: Record<string, unknown>, path: string, errs: FieldError[]): void {
  const n = Object.keys(v).length;
  if (typeof s.maxProperties === 'number' && n > s.maxProperties) {
    errs.push({ type: 'FieldValueTooMany', field: path, detail: `${n}: must have at most ${s.maxProperties} items` });
  }
  if (typeof s.minProperties === 'number' && n < s.minProperties)
    errs.push(invalid(path, v, `${path} in body should have at least ${s.minProperties} properties`));
  for (const r of Array.isArray(s.required) ? s.required : []) {
    if (!(r in v)) errs.push(required(joinPath(path, r), ''));
  }
  const props = isObject(s.properties) ? s.properties : {};
  const ap = additionalOf(s);
  for (const [k, x] of Object.entries(v)) {
    const p = props[k];
    if (p) walk(p, x, joinPath(path, k), errs);
    else if (ap) walk(ap, x, joinPath(path, k), errs);
  }
  if (s[EMBEDDED]) errs.push(...embeddedChecks(v, path));
}

/** An embedded resource carries its own type and object metadata (apiVersion, kind, metadata). */
function embeddedChecks(v: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') errs.push(required(joinPath(path, 'apiVersion'), 'must not be empty'));
  if (typeof v.kind !== 'string' || v.kind === '') errs.push(required(joinPath(path, 'kind'), 'must not be empty'));
  const meta = v.metadata;
  if (isObject(meta)) {
    if (typeof meta.name === 'string' && meta.name !== '')
      for (const m of isDNS1123Subdomain(meta.name)) errs.push(invalid(joinPath(path, 'metadata.name'), meta.name, m));
    if (typeof meta.generateName === 'string' && meta.generateName !== '')
      for (const m of isDNS1123Subdomain(meta.generateName.replace(/-$/, 'a')))
        errs.push(invalid(joinPath(path, 'metadata.generateName'), meta.generateName, m));
    for (const f of ['resourceVersion', 'uid', 'creationTimestamp', 'deletionTimestamp', 'selfLink', 'managedFields']) {
      // Kubernetes validates embedded ObjectMeta with ValidateObjectMeta; the server-owned fields are not for a template.
      if (f === 'creationTimestamp' && meta[f] === null) continue;
      if (meta[f] !== undefined && (f === 'selfLink' || f === 'managedFields'))
        errs.push(forbidden(joinPath(path, `metadata.${f}`), 'must not be set'));
    }
  }
  return errs;
}

function junctors(s: JSONSchemaProps, v: unknown, path: string, errs: FieldError[]): void {
  const where = path;
  if (Array.isArray(s.allOf)) {
    for (const sub of s.allOf) walk(sub, v, path, errs);
  }
  if (Array.isArray(s.anyOf) && s.anyOf.length > 0 && !s[INT_OR_STRING]) {
    if (!s.anyOf.some((sub) => validateValue(sub, v, path).length === 0))
      errs.push(invalid(path, v, `${where} in body must validate at least one schema (anyOf)`));
  }
  if (Array.isArray(s.oneOf) && s.oneOf.length > 0) {
    const ok = s.oneOf.filter((sub) => validateValue(sub, v, path).length === 0).length;
    if (ok !== 1) errs.push(invalid(path, v, `${where} in body must validate one and only one schema (oneOf)`));
  }
  if (isObject(s.not) && validateValue(s.not as JSONSchemaProps, v, path).length === 0) {
    errs.push(invalid(path, v, `${where} in body should not validate the schema (not)`));
  }
}
