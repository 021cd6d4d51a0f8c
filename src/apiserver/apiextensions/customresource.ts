// The REST storage of one served version of a custom resource, as apiextensions-apiserver's
// pkg/registry/customresource (strategy.go, status_strategy.go, validator.go, the scale
// subresource of etcd.go, tableconvertor) builds it from a CRD: a ResourceDefinition the generic
// store serves like any built-in one. Status is the status subresource's when the CRD asks for it;
// generation counts changes of anything but metadata and status; validation is ObjectMeta's plus
// the structural schema's; the printer comes from additionalPrinterColumns.

import { hasRules, validateRules } from '../../api/apiextensions/cel.js';
import { findResults, parseJSONPath, printValue, simplePathFields } from '../../api/apiextensions/jsonpath.js';
import { applyDefaults, prune } from '../../api/apiextensions/prune.js';
import { additionalOf, INT_OR_STRING, itemsOf, type JSONSchemaProps, preserves } from '../../api/apiextensions/structural.js';
import { validateValue } from '../../api/apiextensions/validate.js';
import { errors, type FieldError } from '../../api/errors.js';
import { isObject, type KObject, type Obj, obj as o, sameJSON } from '../../api/object.js';
import type { TypeLookup } from '../../api/patch/typeinfo.js';
import { col, D, nameCol, type PrinterColumn } from '../../api/schema/columns.js';
import type { FieldDef, TypeDef } from '../../api/schema/types.js';
import { invalid } from '../../api/validation/field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/meta.js';
import { nameIsDNSSubdomain } from '../../api/validation/names.js';
import { ALL_VERBS, defineResource, type Subresource } from '../registry/rest.js';
import { newScale } from '../registry/scale.js';
import type { Strategy, UpdateStrategy } from '../registry/strategy.js';
import type { CustomDefinition } from '../served.js';
import { type Printer, parseTime, timestampSince } from '../tables.js';
import { customOpenAPI, definitionName } from './openapi.js';

/** One served version of a CRD, as the handler hands it over. */
export interface CustomVersion {
  group: string;
  version: string;
  storageVersion: string;
  /** status.acceptedNames: what is served. */
  names: { plural: string; singular: string; kind: string; listKind: string; shortNames?: string[]; categories?: string[] };
  namespaced: boolean;
  schema: JSONSchemaProps | undefined;
  subresources: { status?: unknown; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  columns: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
  /** selectableFields' paths (".spec.color"): field selectors beyond metadata.name and metadata.namespace. */
  selectableFields: string[];
  deprecated?: boolean;
  deprecationWarning?: string;
  /** Whether the CRD is being deleted: creates are refused then. */
  terminating(): boolean;
}

const withoutMetaAndStatus = (obj: KObject, status: boolean): unknown => {
  const c: Obj = { ...obj };
  delete c.metadata;
  if (status) delete c.status;
  return c;
};

// ---- validation ----

function scaleChecks(v: CustomVersion, obj: KObject, which: 'spec' | 'status'): FieldError[] {
  const sc = v.subresources.scale;
  if (!sc) return [];
  const path = which === 'spec' ? sc.specReplicasPath : sc.statusReplicasPath;
  const fields = simplePathFields(path) ?? [];
  let cur: unknown = obj;
  for (const f of fields) cur = o(cur)[f];
  if (cur === undefined) return [];
  const field = fields.join('.');
  if (typeof cur !== 'number' || !Number.isInteger(cur)) return [invalid(field, cur, 'should be an integer')];
  if (cur < 0) return [invalid(field, cur, 'should be a non-negative integer')];
  if (cur > 2147483647) return [invalid(field, cur, 'should be less than or equal to 2147483647')];
  return [];
}

function kindChecks(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof obj.kind !== 'string' || obj.kind === '') errs.push({ type: 'FieldValueRequired', field: 'kind', detail: '' });
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '')
    errs.push({ type: 'FieldValueRequired', field: 'apiVersion', detail: '' });
  return errs;
}

/** The schema minus metadata: ObjectMeta is validated as such, not by the CRD's (name/generateName only) restrictions. */
function bodySchema(v: CustomVersion): JSONSchemaProps | undefined {
  if (!v.schema) return undefined;
  const props = { ...o(v.schema.properties) } as Record<string, JSONSchemaProps>;
  const meta = props.metadata;
  delete props.metadata;
  const s: JSONSchemaProps = { ...v.schema, properties: props };
  if (meta && isObject(meta.properties)) {
    // Restrictions of name and generateName still apply.
    const mp = meta.properties as Record<string, JSONSchemaProps>;
    props.metadata = {
      type: 'object',
      properties: { ...(mp.name ? { name: mp.name } : {}), ...(mp.generateName ? { generateName: mp.generateName } : {}) },
    };
  }
  return s;
}

function validateCustom(v: CustomVersion, obj: KObject, old?: KObject): FieldError[] {
  const schema = bodySchema(v);
  const errs = [
    ...kindChecks(obj),
    ...(schema ? validateValue(schema, obj, '') : []),
    ...scaleChecks(v, obj, 'spec'),
    ...scaleChecks(v, obj, 'status'),
  ];
  // CEL rules run unless a value has the wrong type or a required one is missing (hasBlockingErr).
  if (hasRules(v.schema)) {
    const blocking = errs.some((e) => e.type === 'FieldValueRequired' || / in body must be of type /.test(e.detail ?? ''));
    if (blocking)
      errs.push({
        type: 'FieldValueInvalid',
        field: '<nil>',
        value: null,
        detail: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      });
    else errs.push(...validateRules(v.schema, obj, old));
  }
  return errs;
}

function customStrategy(v: CustomVersion): Strategy {
  const hasStatus = v.subresources.status !== undefined;
  return {
    fieldLabels: v.selectableFields.map((p) => p.replace(/^\./, '')),
    defaults: (obj) => applyDefaults(obj, v.schema),
    prepareForCreate(obj) {
      if (v.terminating()) throw errors.methodNotAllowed('create not allowed while custom resource definition is terminating');
      if (hasStatus) delete obj.status;
      obj.metadata.generation = 1;
    },
    prepareForUpdate(obj, old) {
      // `old` is the registry's own decode for this write: its status is shared, not copied.
      if (hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      const changed = !sameJSON(withoutMetaAndStatus(obj, hasStatus), withoutMetaAndStatus(old, hasStatus));
      obj.metadata.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
    },
    validate: (obj) => [...validateObjectMeta(obj, v.namespaced, nameIsDNSSubdomain), ...validateCustom(v, obj)],
    validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj, old), ...validateCustom(v, obj, old)],
  };
}

function customStatusStrategy(v: CustomVersion): UpdateStrategy {
  return {
    defaults: (obj) => applyDefaults(obj, v.schema),
    prepareForUpdate(obj, old) {
      // Only status changes through /status (managedFields are the registry's to set afterwards).
      // `old` is the registry's own decode for this write: its untouched parts are shared.
      const next: KObject = { ...old, metadata: { ...old.metadata } };
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
      return next;
    },
    validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj, old), ...validateCustom(v, obj, old)],
  };
}

// ---- scale ----

function readPath(obj: unknown, path: string | undefined): unknown {
  const fields = path ? simplePathFields(path) : undefined;
  if (!fields) return undefined;
  let cur: unknown = obj;
  for (const f of fields) cur = o(cur)[f];
  return cur;
}

function scaleSubresource(v: CustomVersion): Subresource {
  const sc = v.subresources.scale!;
  return {
    kind: 'Scale',
    group: 'autoscaling',
    version: 'v1',
    verbs: ['get', 'patch', 'update'],
    rest: {
      type: 'view',
      view: {
        typeName: 'io.k8s.api.autoscaling.v1.Scale',
        toView(obj) {
          const spec = readPath(obj, sc.specReplicasPath);
          if (typeof spec !== 'number')
            throw errors.internal(`the spec replicas field ${JSON.stringify(sc.specReplicasPath)} does not exist`);
          const status = readPath(obj, sc.statusReplicasPath);
          const sel = readPath(obj, sc.labelSelectorPath);
          return newScale(obj, spec, typeof status === 'number' ? status : 0, typeof sel === 'string' ? sel : '');
        },
        fromView(obj, scale) {
          const replicas = o(scale.spec).replicas ?? 0;
          if (typeof replicas !== 'number') throw errors.badRequest('spec.replicas must be a number');
          const fields = simplePathFields(sc.specReplicasPath)!;
          let cur: Obj = obj as unknown as Obj;
          for (const f of fields.slice(0, -1)) {
            if (!isObject(cur[f])) cur[f] = {};
            cur = cur[f] as Obj;
          }
          cur[fields[fields.length - 1]] = replicas;
          return obj;
        },
      },
    },
  };
}

// ---- printer ----

/** The table convertor: NAME, then the CRD's columns (or AGE when it has none). */
function customPrinter(v: CustomVersion): Printer {
  const cols = v.columns.length
    ? v.columns
    : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: D.creationTimestamp }];
  const paths = cols.map((c) => {
    try {
      return parseJSONPath(c.jsonPath);
    } catch {
      return undefined;
    }
  });
  const columns: PrinterColumn[] = [
    nameCol,
    ...cols.map((c) =>
      col(
        c.name,
        c.type,
        c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        c.priority ?? 0,
        c.format ?? '',
      ),
    ),
  ];
  return {
    columns,
    row(obj, now) {
      const cells: unknown[] = [obj.metadata.name ?? ''];
      cols.forEach((c, i) => {
        const p = paths[i];
        const found = p ? findResults(p, obj) : [];
        if (found.length === 0) {
          cells.push(null);
          return;
        }
        cells.push(cellFor(c.type, found[0], now));
      });
      return { cells };
    },
  };
}

function cellFor(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'string':
      return printValue(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      if (typeof value !== 'string') return null;
      return parseTime(value) === undefined ? '<invalid>' : timestampSince(value, now);
    default:
      return null;
  }
}

// ---- server-side apply: the schema as TypeDefs (list types, map keys) ----

/** The schema as TypeDefs, so server-side apply merges lists by x-kubernetes-list-type and map keys. */
export function schemaTypeDefs(rootName: string, schema: JSONSchemaProps | undefined): Map<string, TypeDef> {
  const out = new Map<string, TypeDef>();
  const typeOf = (s: JSONSchemaProps, name: string): Pick<FieldDef, 'type' | 'list' | 'map' | 'listType' | 'listMapKeys' | 'mapType'> => {
    if (s[INT_OR_STRING]) return { type: 'IntOrString' };
    switch (s.type) {
      case 'string':
        return { type: 'string' };
      case 'integer':
        return { type: 'int64' };
      case 'number':
        return { type: 'double' };
      case 'boolean':
        return { type: 'bool' };
      case 'array': {
        const items = itemsOf(s);
        const el = items ? typeOf(items, `${name}.items`) : { type: 'JSON' };
        const lt = s['x-kubernetes-list-type'];
        return {
          type: el.list || el.map ? 'JSON' : el.type,
          list: true,
          listType: (lt as FieldDef['listType']) ?? 'atomic',
          listMapKeys: s['x-kubernetes-list-map-keys'],
        };
      }
      case 'object': {
        const ap = additionalOf(s);
        if (ap && !isObject(s.properties)) {
          const el = typeOf(ap, `${name}.value`);
          return { type: el.list || el.map ? 'JSON' : el.type, map: true, mapType: s['x-kubernetes-map-type'] as FieldDef['mapType'] };
        }
        if (!isObject(s.properties) && preserves(s)) return { type: 'JSON' };
        visit(s, name);
        return { type: name, mapType: s['x-kubernetes-map-type'] as FieldDef['mapType'] };
      }
      default:
        return { type: 'JSON' };
    }
  };
  const visit = (s: JSONSchemaProps, name: string): void => {
    if (out.has(name)) return;
    const def: TypeDef = { name, fields: [] };
    out.set(name, def);
    for (const [k, ps] of Object.entries(o(s.properties) as Record<string, JSONSchemaProps>)) {
      if (name === rootName && k === 'metadata') {
        def.fields.push({ json: 'metadata', proto: 0, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
        continue;
      }
      const t = typeOf(ps, `${name}.${k}`);
      def.fields.push({ json: k, proto: 0, ...t });
    }
    if (name === rootName) {
      for (const f of ['apiVersion', 'kind'])
        if (!def.fields.some((x) => x.json === f)) def.fields.push({ json: f, proto: 0, type: 'string' });
      if (!def.fields.some((x) => x.json === 'metadata'))
        def.fields.push({ json: 'metadata', proto: 0, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
    }
  };
  visit(schema ?? { type: 'object' }, rootName);
  return out;
}

// ---- the definition ----

export function buildCustomDefinition(v: CustomVersion, lookup: TypeLookup): CustomDefinition {
  const schemaName = definitionName(v.group, v.version, v.names.kind);
  const types = schemaTypeDefs(schemaName, v.schema);
  const subresources: Record<string, Subresource> = {};
  if (v.subresources.status !== undefined)
    subresources.status = {
      kind: v.names.kind,
      verbs: ['get', 'patch', 'update'],
      rest: { type: 'update', strategy: customStatusStrategy(v) },
    };
  if (v.subresources.scale) subresources.scale = scaleSubresource(v);
  const def = defineResource({
    info: {
      group: v.group,
      version: v.version,
      resource: v.names.plural,
      kind: v.names.kind,
      namespaced: v.namespaced,
      singular: v.names.singular,
      listKind: v.names.listKind,
      verbs: ALL_VERBS,
      shortNames: v.names.shortNames?.length ? [...v.names.shortNames] : undefined,
      categories: v.names.categories?.length ? [...v.names.categories] : undefined,
      schema: schemaName,
    },
    strategy: customStrategy(v),
    subresources,
    printer: customPrinter(v),
  });
  const storageApiVersion = `${v.group}/${v.storageVersion}`;
  const gv = `${v.group}/${v.version}`;
  return {
    ...def,
    custom: {
      storageApiVersion,
      decode(obj) {
        if (obj.apiVersion !== gv) obj.apiVersion = gv;
        applyDefaults(obj, v.schema);
      },
      deprecationWarning: v.deprecationWarning,
      pruneUnknown: (obj) =>
        prune(obj as unknown as Record<string, unknown>, v.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
      typeLookup: (name) => types.get(name) ?? lookup(name),
    },
    openapi: customOpenAPI(v, def.info),
  };
}
