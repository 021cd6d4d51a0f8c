// Structural OpenAPI v3 schemas of CustomResourceDefinitions, after apiextensions-apiserver's
// pkg/apiserver/schema (structural.go, validation.go): the schema as the API server uses it for
// pruning, defaulting, validation, server-side apply and OpenAPI, and the check that a CRD's
// schema is structural (every field typed outside of value validations, metadata restricted to
// name and generateName, the int-or-string and embedded-resource extensions in their forms).
// Schemas are kept as the JSON the CRD holds (JSONSchemaProps); this file reads them.

import { createRequire } from 'node:module';
import { isObject } from '../object.js';
import { child, type FieldError, forbidden, invalid, key, required } from '../validation/field.js';

/** A JSONSchemaProps as the CRD holds it (apiextensions.k8s.io/v1). */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  title?: string;
  nullable?: boolean;
  default?: unknown;
  example?: unknown;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps | JSONSchemaProps[];
  required?: string[];
  enum?: unknown[];
  maximum?: number;
  minimum?: number;
  exclusiveMaximum?: boolean;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  maxProperties?: number;
  minProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  externalDocs?: unknown;
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string; reason?: string; fieldPath?: string }[];
  [k: string]: unknown;
}

export const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
export const EMBEDDED = 'x-kubernetes-embedded-resource';
export const INT_OR_STRING = 'x-kubernetes-int-or-string';

/** The schema of items (structural schemas have one; a list of schemas is not structural). */
export function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObject(s.items) ? (s.items as JSONSchemaProps) : undefined;
}

/** The schema of a map's values, when additionalProperties is a schema. */
export function additionalOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObject(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
}

export const preserves = (s: JSONSchemaProps): boolean => s[PRESERVE] === true;

type Level = 'root' | 'item' | 'field';

const GENERIC_IN_NESTED: [keyof JSONSchemaProps, string][] = [
  ['type', 'must be empty to be structural'],
  ['additionalProperties', 'must be undefined to be structural'],
  ['default', 'must be undefined to be structural'],
  ['title', 'must be empty to be structural'],
  ['description', 'must be empty to be structural'],
  ['nullable', 'must be false to be structural'],
  ['externalDocs', 'must be undefined to be structural'],
  [PRESERVE, 'must be false to be structural'],
  [EMBEDDED, 'must be false to be structural'],
  [INT_OR_STRING, 'must be false to be structural'],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural'],
  ['x-kubernetes-list-type', 'must be undefined to be structural'],
  ['x-kubernetes-map-type', 'must be undefined to be structural'],
  ['x-kubernetes-validations', 'must be empty to be structural'],
];

const isIntOrStringAnyOf = (a: unknown): boolean =>
  Array.isArray(a) && a.length === 2 && JSON.stringify(a[0]) === '{"type":"integer"}' && JSON.stringify(a[1]) === '{"type":"string"}';

/**
 * ValidateStructural: the problems that make s not structural, at path (the schema's own
 * path, "spec.versions[0].schema.openAPIV3Schema"), sorted as Kubernetes sorts them.
 */
export function validateStructural(path: string, s: JSONSchemaProps): FieldError[] {
  const errs = invariants(s, 'root', path);
  return errs.sort((a, b) => (errText(a) < errText(b) ? -1 : errText(a) > errText(b) ? 1 : 0));
}

const errText = (e: FieldError): string => `${e.field}: ${e.type}: ${e.detail ?? ''}`;

function invariants(s: JSONSchemaProps, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(s)) return errs;
  if (Array.isArray(s.items)) errs.push(forbidden(child(path, 'items'), 'items must be a schema object and not an array'));
  if (s.type === 'array' && s.items === undefined) errs.push(required(child(path, 'items'), 'must be specified'));
  const items = itemsOf(s);
  if (items) errs.push(...invariants(items, 'item', child(path, 'items')));
  for (const [k, v] of Object.entries(isObject(s.properties) ? s.properties : {}))
    errs.push(...invariants(v, 'field', key(child(path, 'properties'), k)));
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root') errs.push(forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
    const ap = additionalOf(s);
    if (ap) errs.push(...invariants(ap, 'field', child(path, 'additionalProperties')));
  }
  if (s[INT_OR_STRING] && s[PRESERVE])
    errs.push(invalid(child(path, PRESERVE), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (s[INT_OR_STRING] && s[EMBEDDED])
    errs.push(invalid(child(path, EMBEDDED), true, 'must be false if x-kubernetes-int-or-string is true'));
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = Array.isArray(s.allOf) && s.allOf.length >= 1 && isIntOrStringAnyOf(s.allOf[0]?.anyOf);
  errs.push(...valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path));

  const checkMetadata = lvl === 'root' || s[EMBEDDED] === true;
  const type = typeof s.type === 'string' ? s.type : '';
  if (s[EMBEDDED] && type !== 'object') {
    if (type === '') errs.push(required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(child(path, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (type === '' && !s[INT_OR_STRING] && !s[PRESERVE]) {
    const why =
      lvl === 'root'
        ? 'must not be empty at the root'
        : lvl === 'item'
          ? 'must not be empty for specified array items'
          : 'must not be empty for specified object fields';
    errs.push(required(child(path, 'type'), why));
  }
  if (s[EMBEDDED] && s.additionalProperties !== undefined)
    errs.push(forbidden(child(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && type !== '' && type !== 'object') errs.push(invalid(child(path, 'type'), type, 'must be object at the root'));
  const props = isObject(s.properties) ? s.properties : {};
  for (const tm of ['kind', 'apiVersion']) {
    const p = props[tm];
    if (p && checkMetadata && p.type !== 'string')
      errs.push(invalid(child(key(child(path, 'properties'), tm), 'type'), p.type ?? '', 'must be string'));
  }
  if (props.metadata) errs.push(...metadataInvariants(props.metadata, checkMetadata, lvl, key(child(path, 'properties'), 'metadata')));
  if (s[EMBEDDED] && !s[PRESERVE] && Object.keys(props).length === 0) {
    errs.push(
      required(
        child(path, 'properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
  }
  return errs;
}

function metadataInvariants(s: JSONSchemaProps, checkMetadata: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && s.type !== 'object') errs.push(invalid(child(path, 'type'), s.type ?? '', 'must be object'));
  if (lvl === 'root') {
    // Only name and generateName may be restricted; anything else about metadata is implicit.
    const rest: Record<string, unknown> = { ...s };
    delete rest.type;
    delete rest.default;
    const props = isObject(rest.properties) ? Object.keys(rest.properties) : [];
    if (props.every((p) => p === 'name' || p === 'generateName')) delete rest.properties;
    // Value validations on name/generateName live under properties; only properties is allowed.
    if (Object.keys(rest).length > 0)
      errs.push(forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  return errs;
}

function valueValidation(s: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf)
    (Array.isArray(s.anyOf) ? s.anyOf : []).forEach((n, i) => {
      errs.push(...nested(n, false, false, lvl, `${child(path, 'anyOf')}[${i}]`));
    });
  (Array.isArray(s.allOf) ? s.allOf : []).forEach((n, i) => {
    errs.push(...nested(n, skipFirstAllOfAnyOf && i === 0, false, lvl, `${child(path, 'allOf')}[${i}]`));
  });
  (Array.isArray(s.oneOf) ? s.oneOf : []).forEach((n, i) => {
    errs.push(...nested(n, false, false, lvl, `${child(path, 'oneOf')}[${i}]`));
  });
  if (isObject(s.not)) errs.push(...nested(s.not as JSONSchemaProps, false, false, lvl, child(path, 'not')));
  if (typeof s.pattern === 'string' && s.pattern !== '') {
    const err = patternError(s.pattern);
    if (err) errs.push(invalid(child(path, 'pattern'), s.pattern, `must be a valid regular expression, but isn't: ${err}`));
  }
  return errs;
}

function nested(v: JSONSchemaProps, skipAnyOf: boolean, skipAllOfAnyOf: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(v)) return errs;
  errs.push(...valueValidation(v, skipAnyOf, skipAllOfAnyOf, lvl, path));
  const items = itemsOf(v);
  if (items) errs.push(...nested(items, false, false, lvl, child(path, 'items')));
  for (const [k, f] of Object.entries(isObject(v.properties) ? v.properties : {}))
    errs.push(...nested(f, false, false, 'field', key(child(path, 'properties'), k)));
  for (const [f, why] of GENERIC_IN_NESTED) {
    const val = v[f];
    if (val === undefined || val === false || val === '' || (Array.isArray(val) && val.length === 0)) continue;
    errs.push(forbidden(child(path, String(f)), why));
  }
  if (isObject(v.properties) && 'metadata' in v.properties)
    errs.push(forbidden(key(child(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  return errs;
}

let re2: typeof import('@bufbuild/re2').RE2JS | undefined;
/** @bufbuild/re2, loaded (its CommonJS build, synchronously) when a schema first has a pattern: not at every start (#13). */
function RE2(): typeof import('@bufbuild/re2').RE2JS {
  re2 ??= (createRequire(import.meta.url)('@bufbuild/re2') as typeof import('@bufbuild/re2')).RE2JS;
  return re2;
}

/**
 * A schema's pattern, compiled as Kubernetes compiles it: RE2 (Go's regexp), here @bufbuild/re2,
 * which also matches in linear time, so a hostile pattern cannot stall the server on long input.
 */
export function compilePattern(p: string): { test(s: string): boolean } | undefined {
  try {
    return RE2().compile(p);
  } catch {
    return undefined;
  }
}

function patternError(p: string): string | undefined {
  try {
    RE2().compile(p);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The type the schema admits at this place, int-or-string counted as such. */
export function schemaType(s: JSONSchemaProps): string {
  if (s[INT_OR_STRING]) return 'int-or-string';
  return typeof s.type === 'string' ? s.type : '';
}

const SHAPE: Record<
  string,
  | 'string'
  | 'number'
  | 'boolean'
  | 'strings'
  | 'schemas'
  | 'schema'
  | 'schemaMap'
  | 'array'
  | 'schemaOrBool'
  | 'schemaOrArray'
  | 'rules'
  | 'any'
> = {
  id: 'string',
  $schema: 'string',
  $ref: 'string',
  description: 'string',
  type: 'string',
  format: 'string',
  title: 'string',
  pattern: 'string',
  maximum: 'number',
  minimum: 'number',
  maxLength: 'number',
  minLength: 'number',
  maxItems: 'number',
  minItems: 'number',
  multipleOf: 'number',
  maxProperties: 'number',
  minProperties: 'number',
  exclusiveMaximum: 'boolean',
  exclusiveMinimum: 'boolean',
  uniqueItems: 'boolean',
  nullable: 'boolean',
  [PRESERVE]: 'boolean',
  [EMBEDDED]: 'boolean',
  [INT_OR_STRING]: 'boolean',
  'x-kubernetes-list-type': 'string',
  'x-kubernetes-map-type': 'string',
  'x-kubernetes-list-map-keys': 'strings',
  required: 'strings',
  enum: 'array',
  allOf: 'schemas',
  anyOf: 'schemas',
  oneOf: 'schemas',
  not: 'schema',
  properties: 'schemaMap',
  patternProperties: 'schemaMap',
  definitions: 'schemaMap',
  items: 'schemaOrArray',
  additionalProperties: 'schemaOrBool',
  additionalItems: 'schemaOrBool',
  'x-kubernetes-validations': 'rules',
  default: 'any',
  example: 'any',
  externalDocs: 'any',
  dependencies: 'any',
};

/**
 * The JSON shape of a schema, everywhere in it (items and additionalProperties included, which
 * the field table types as opaque JSON): what Go's decoder of JSONSchemaProps would refuse. The
 * other checks assume a schema of this shape.
 */
export function schemaShapeErrors(s: unknown, path: string): FieldError[] {
  if (!isObject(s)) return [invalid(path, s, 'must be an object')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(s)) {
    const p = child(path, k);
    const want = SHAPE[k];
    if (!want || want === 'any' || v === null) continue;
    const bad = () =>
      errs.push(
        invalid(
          p,
          v,
          `must be ${want === 'strings' ? 'a list of strings' : want === 'schemas' || want === 'array' || want === 'rules' ? 'a list' : want === 'schemaMap' || want === 'schema' ? 'an object' : want === 'schemaOrBool' ? 'an object or a boolean' : want === 'schemaOrArray' ? 'an object or a list' : `a ${want}`}`,
        ),
      );
    switch (want) {
      case 'string':
      case 'number':
      case 'boolean':
        if (typeof v !== want) bad();
        break;
      case 'strings':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad();
        break;
      case 'array':
        if (!Array.isArray(v)) bad();
        break;
      case 'schemas':
        if (!Array.isArray(v)) bad();
        else
          v.forEach((x, i) => {
            errs.push(...schemaShapeErrors(x, `${p}[${i}]`));
          });
        break;
      case 'schema':
        errs.push(...schemaShapeErrors(v, p));
        break;
      case 'schemaMap':
        if (!isObject(v)) bad();
        else for (const [n, x] of Object.entries(v)) errs.push(...schemaShapeErrors(x, key(p, n)));
        break;
      case 'schemaOrBool':
        if (typeof v !== 'boolean') {
          if (!isObject(v)) bad();
          else errs.push(...schemaShapeErrors(v, p));
        }
        break;
      case 'schemaOrArray':
        if (Array.isArray(v))
          v.forEach((x, i) => {
            errs.push(...schemaShapeErrors(x, `${p}[${i}]`));
          });
        else if (!isObject(v)) bad();
        else errs.push(...schemaShapeErrors(v, p));
        break;
      case 'rules':
        if (!Array.isArray(v)) bad();
        else
          v.forEach((r, i) => {
            if (!isObject(r)) errs.push(invalid(`${p}[${i}]`, r, 'must be an object'));
            else
              for (const f of ['rule', 'message', 'messageExpression', 'reason', 'fieldPath'])
                if (r[f] !== undefined && typeof r[f] !== 'string') errs.push(invalid(child(`${p}[${i}]`, f), r[f], 'must be a string'));
          });
        break;
    }
  }
  return errs;
}
