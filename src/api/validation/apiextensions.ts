// CustomResourceDefinition validation, as apiextensions-apiserver's
// pkg/apis/apiextensions/validation (v1.32): names, group, scope, versions (exactly one storage
// version), conversion (None only: k8ts calls no conversion webhooks), the structural schema of
// every version, defaults that validate against it, subresources, printer columns and the
// status (storedVersions). Messages are Kubernetes'.

import { compileError } from '../apiextensions/cel.js';
import { parseJSONPath, simplePathFields } from '../apiextensions/jsonpath.js';
import { prune } from '../apiextensions/prune.js';
import { additionalOf, itemsOf, type JSONSchemaProps, schemaShapeErrors, validateStructural } from '../apiextensions/structural.js';
import { validateValue } from '../apiextensions/validate.js';
import { items as arr, isObject, type KObject, type Obj, obj as o, str } from '../object.js';
import { child, type FieldError, forbidden, index, invalid, key, notSupported, required } from './field.js';
import { fieldImmutableErrorMsg, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from './names.js';

const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];
const COLUMN_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password'];

/** The value printed for a whole list in an Invalid error: Kubernetes prints Go's struct dump; we leave it out. */
const omit = (field: string, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, detail, omitValue: true });

export function validateNames(names: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const plural = str(names.plural),
    singular = str(names.singular),
    kind = str(names.kind),
    listKind = str(names.listKind);
  if (plural === '') errs.push(required(child(path, 'plural'), ''));
  else {
    const e = isDNS1035Label(plural);
    if (e.length) errs.push(invalid(child(path, 'plural'), plural, e.join(',')));
  }
  if (singular !== '') {
    const e = isDNS1035Label(singular);
    if (e.length) errs.push(invalid(child(path, 'singular'), singular, e.join(',')));
  }
  if (kind === '') errs.push(required(child(path, 'kind'), ''));
  else {
    const e = isDNS1035Label(kind.toLowerCase());
    if (e.length) errs.push(invalid(child(path, 'kind'), kind, `may have mixed case, but should otherwise match: ${e.join(',')}`));
  }
  if (listKind !== '') {
    const e = isDNS1035Label(listKind.toLowerCase());
    if (e.length) errs.push(invalid(child(path, 'listKind'), listKind, `may have mixed case, but should otherwise match: ${e.join(',')}`));
    if (listKind === kind)
      errs.push(invalid(child(path, 'listKind'), listKind, 'kind and listKind may not be the same or parsing become ambiguous'));
  }
  arr(names.shortNames).forEach((sn, i) => {
    const e = isDNS1035Label(str(sn));
    if (e.length) errs.push(invalid(index(child(path, 'shortNames'), i), sn, e.join(',')));
  });
  arr(names.categories).forEach((c, i) => {
    const e = isDNS1035Label(str(c));
    if (e.length) errs.push(invalid(index(child(path, 'categories'), i), c, e.join(',')));
  });
  return errs;
}

function validateColumns(cols: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  cols.forEach((cv, i) => {
    const c = o(cv),
      p = index(path, i);
    if (str(c.name) === '') errs.push(required(child(p, 'name'), ''));
    if (str(c.type) === '') errs.push(required(child(p, 'type'), `must be one of ${COLUMN_TYPES.join(', ')}`));
    else if (!COLUMN_TYPES.includes(str(c.type))) errs.push(notSupported(child(p, 'type'), c.type, COLUMN_TYPES));
    if (str(c.format) !== '' && !COLUMN_FORMATS.includes(str(c.format)))
      errs.push(notSupported(child(p, 'format'), c.format, COLUMN_FORMATS));
    if (str(c.jsonPath) === '') errs.push(required(child(p, 'jsonPath'), ''));
    else {
      try {
        parseJSONPath(str(c.jsonPath));
      } catch {
        errs.push(invalid(child(p, 'jsonPath'), c.jsonPath, 'must be a simple json path'));
      }
    }
    if (c.priority !== undefined && (typeof c.priority !== 'number' || c.priority < 0))
      errs.push(invalid(child(p, 'priority'), c.priority, 'must be non-negative'));
  });
  return errs;
}

function validateScale(scale: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const spec = str(scale.specReplicasPath),
    status = str(scale.statusReplicasPath),
    sel = scale.labelSelectorPath;
  if (spec === '') errs.push(required(child(path, 'specReplicasPath'), ''));
  else if (!simplePathFields(spec)) errs.push(invalid(child(path, 'specReplicasPath'), spec, 'must be a simple json path'));
  else if (!spec.startsWith('.spec.')) errs.push(invalid(child(path, 'specReplicasPath'), spec, 'should be a json path under .spec'));
  if (status === '') errs.push(required(child(path, 'statusReplicasPath'), ''));
  else if (!simplePathFields(status)) errs.push(invalid(child(path, 'statusReplicasPath'), status, 'must be a simple json path'));
  else if (!status.startsWith('.status.'))
    errs.push(invalid(child(path, 'statusReplicasPath'), status, 'should be a json path under .status'));
  if (typeof sel === 'string' && sel !== '') {
    if (!simplePathFields(sel)) errs.push(invalid(child(path, 'labelSelectorPath'), sel, 'must be a simple json path'));
    else if (!sel.startsWith('.spec.') && !sel.startsWith('.status.'))
      errs.push(invalid(child(path, 'labelSelectorPath'), sel, 'should be a json path under either .spec or .status'));
  }
  return errs;
}

/** Every default in the schema must survive pruning and validate against its own schema. */
function validateDefaults(s: JSONSchemaProps, path: string, isRoot: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(s)) return errs;
  if (s.default !== undefined) {
    if (isRoot) errs.push(forbidden(child(path, 'default'), 'must not be set at the root'));
    else {
      const probe: Obj = { v: JSON.parse(JSON.stringify(s.default)) };
      const dropped = prune(probe, { type: 'object', properties: { v: s } });
      if (dropped.length)
        errs.push(
          invalid(
            child(path, 'default'),
            s.default,
            `must not have unknown fields, got: ${dropped.map((d) => d.replace(/^v\.?/, '')).join(', ')}`,
          ),
        );
      for (const e of validateValue(s, s.default, ''))
        errs.push({ ...e, field: child(path, 'default'), detail: `${e.field ? `${e.field}: ` : ''}${e.detail ?? ''}`.trim() });
    }
  }
  const props = isObject(s.properties) ? s.properties : {};
  for (const [k, v] of Object.entries(props)) {
    if (isRoot && k === 'metadata' && isObject(v) && v.default !== undefined)
      errs.push(forbidden(child(key(child(path, 'properties'), k), 'default'), 'must not be set for metadata'));
    else errs.push(...validateDefaults(v, key(child(path, 'properties'), k), false));
  }
  const items = itemsOf(s);
  if (items) errs.push(...validateDefaults(items, child(path, 'items'), false));
  const ap = additionalOf(s);
  if (ap) errs.push(...validateDefaults(ap, child(path, 'additionalProperties'), false));
  return errs;
}

/** x-kubernetes-list-type / list-map-keys / map-type in their places (ValidateCustomResourceDefinitionOpenAPISchema). */
function validateListTypes(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(s)) return errs;
  const lt = s['x-kubernetes-list-type'];
  if (lt !== undefined) {
    if (s.type !== 'array') errs.push(invalid(child(path, 'type'), s.type ?? '', 'must be array if x-kubernetes-list-type is specified'));
    else if (!['atomic', 'set', 'map'].includes(lt))
      errs.push(notSupported(child(path, 'x-kubernetes-list-type'), lt, ['atomic', 'set', 'map']));
    const items = itemsOf(s);
    if (lt === 'map') {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      if (keys.length === 0)
        errs.push(required(child(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
      if (items && items.type !== 'object')
        errs.push(
          invalid(
            child(child(path, 'items'), 'type'),
            items.type ?? '',
            "must be object when parent array's x-kubernetes-list-type is map",
          ),
        );
      const props = items && isObject(items.properties) ? items.properties : {};
      keys.forEach((k, i) => {
        const ks = props[k];
        if (!ks) errs.push(required(index(child(path, 'x-kubernetes-list-map-keys'), i), 'entries must all be names of item properties'));
        else if (!['string', 'integer', 'number', 'boolean'].includes(str(ks.type)))
          errs.push(
            invalid(
              child(key(child(child(path, 'items'), 'properties'), k), 'type'),
              ks.type ?? '',
              "must be a scalar type if parent array's x-kubernetes-list-type is map",
            ),
          );
        else if (ks.default === undefined && !(items?.required ?? []).includes(k))
          errs.push(required(index(child(path, 'x-kubernetes-list-map-keys'), i), 'all map keys must be required or have a default value'));
      });
    } else if (s['x-kubernetes-list-map-keys'] !== undefined) {
      errs.push(forbidden(child(path, 'x-kubernetes-list-map-keys'), 'must only be set if x-kubernetes-list-type is map'));
    }
    if (lt === 'set' && items && items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errs.push(
        invalid(
          child(child(path, 'items'), 'x-kubernetes-map-type'),
          items['x-kubernetes-map-type'] ?? '',
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    }
  } else if (s['x-kubernetes-list-map-keys'] !== undefined) {
    errs.push(forbidden(child(path, 'x-kubernetes-list-map-keys'), 'must only be set if x-kubernetes-list-type is map'));
  }
  const mt = s['x-kubernetes-map-type'];
  if (mt !== undefined) {
    if (s.type !== 'object') errs.push(invalid(child(path, 'type'), s.type ?? '', 'must be object if x-kubernetes-map-type is specified'));
    else if (!['atomic', 'granular'].includes(mt))
      errs.push(notSupported(child(path, 'x-kubernetes-map-type'), mt, ['atomic', 'granular']));
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false)
    errs.push(invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  if (s.additionalProperties === false)
    errs.push(forbidden(child(path, 'additionalProperties'), 'additionalProperties cannot be set to false'));
  if (s.additionalProperties !== undefined && isObject(s.properties) && Object.keys(s.properties).length > 0) {
    errs.push(forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
  }
  if (s.uniqueItems === true)
    errs.push(forbidden(child(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.$ref !== undefined) errs.push(forbidden(child(path, '$ref'), '$ref is not supported'));
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    const rp = index(child(path, 'x-kubernetes-validations'), i);
    const rule = isObject(r) ? str(r.rule) : '';
    if (rule.trim() === '') {
      errs.push(required(child(rp, 'rule'), ''));
      return;
    }
    const why = compileError(rule);
    if (why) errs.push(invalid(child(rp, 'rule'), rule, `compilation failed: ${why}`));
    const msg = isObject(r) ? r.message : undefined;
    if (typeof msg === 'string' && /[\r\n]/.test(msg))
      errs.push(invalid(child(rp, 'message'), msg, 'message must not contain line breaks'));
    if ((msg === undefined || msg === '') && /[\r\n]/.test(rule))
      errs.push(required(child(rp, 'message'), 'message must be specified if rule contains line breaks'));
    const reason = isObject(r) ? r.reason : undefined;
    if (
      reason !== undefined &&
      !['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'].includes(str(reason))
    ) {
      errs.push(
        notSupported(child(rp, 'reason'), reason, [
          'FieldValueInvalid',
          'FieldValueForbidden',
          'FieldValueRequired',
          'FieldValueDuplicate',
        ]),
      );
    }
  });
  for (const [k, v] of Object.entries(isObject(s.properties) ? s.properties : {}))
    errs.push(...validateListTypes(v, key(child(path, 'properties'), k)));
  const items = itemsOf(s);
  if (items) errs.push(...validateListTypes(items, child(path, 'items')));
  const ap = additionalOf(s);
  if (ap) errs.push(...validateListTypes(ap, child(path, 'additionalProperties')));
  return errs;
}

export function validateSchema(schema: unknown, path: string): FieldError[] {
  const v = o(schema).openAPIV3Schema;
  const sp = child(path, 'openAPIV3Schema');
  if (!isObject(v)) return [required(sp, 'schemas are required')];
  const shape = schemaShapeErrors(v, sp);
  if (shape.length) return shape;
  const s = v as JSONSchemaProps;
  const generic = validateListTypes(s, sp);
  const structural = validateStructural(sp, s);
  const defaults = structural.length === 0 ? validateDefaults(s, sp, true) : [];
  return [...generic, ...structural, ...defaults];
}

function validateVersions(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const versions = arr(spec.versions).map(o);
  if (versions.length === 0) return [required(path, 'must have exactly one version marked as storage version')];
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const p = index(path, i);
    const name = str(v.name);
    if (v.storage === true) storage++;
    if (seen.has(name)) unique = false;
    seen.add(name);
    if (name === '') errs.push(required(child(p, 'name'), ''));
    else {
      const e = isDNS1035Label(name);
      if (e.length) errs.push(invalid(child(p, 'name'), name, e.join(',')));
    }
    if (typeof v.served !== 'boolean') errs.push(required(child(p, 'served'), ''));
    if (typeof v.storage !== 'boolean') errs.push(required(child(p, 'storage'), ''));
    if (v.deprecationWarning !== undefined && v.deprecated !== true)
      errs.push(invalid(child(p, 'deprecationWarning'), v.deprecationWarning, 'can only be set for deprecated versions'));
    if (typeof v.deprecationWarning === 'string' && v.deprecationWarning.length > 256)
      errs.push(invalid(child(p, 'deprecationWarning'), v.deprecationWarning, 'must be <= 256 characters long'));
    errs.push(...validateSchema(v.schema, child(p, 'schema')));
    const sub = o(v.subresources);
    if (isObject(sub.scale)) errs.push(...validateScale(sub.scale, child(p, 'subresources', 'scale')));
    errs.push(...validateColumns(arr(v.additionalPrinterColumns), child(p, 'additionalPrinterColumns')));
    const sel = arr(v.selectableFields);
    if (sel.length > 8)
      errs.push({ type: 'FieldValueTooMany', field: child(p, 'selectableFields'), detail: `${sel.length}: must have at most 8 items` });
    sel.forEach((f, j) => {
      const jp = str(o(f).jsonPath);
      if (!simplePathFields(jp))
        errs.push(invalid(child(index(child(p, 'selectableFields'), j), 'jsonPath'), jp, 'must be a simple json path'));
    });
  });
  if (!unique) errs.push(omit(path, 'must contain unique version names'));
  if (storage !== 1) errs.push(omit(path, 'must have exactly one version marked as storage version'));
  if (!versions.some((v) => v.served === true)) errs.push(omit(path, 'must have at least one served version'));
  return errs;
}

export function validateCRDSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const group = str(spec.group);
  if (group === '') errs.push(required('spec.group', ''));
  else {
    const e = isDNS1123Subdomain(group);
    if (e.length) errs.push(invalid('spec.group', group, e.join(',')));
    else if (group.split('.').length < 2) errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = str(spec.scope);
  if (scope === '') errs.push(required('spec.scope', ''));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));
  errs.push(...validateNames(o(spec.names), 'spec.names'));
  errs.push(...validateVersions(spec, 'spec.versions'));
  const conv = o(spec.conversion);
  if (conv.strategy !== undefined && conv.strategy !== 'None') {
    // k8ts runs no conversion webhooks: every served version must share the storage schema's fields.
    errs.push(notSupported('spec.conversion.strategy', conv.strategy, ['None']));
  }
  if (conv.webhook !== undefined && conv.strategy === 'None')
    errs.push(forbidden('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook'));
  if (spec.preserveUnknownFields === true)
    errs.push(
      invalid(
        'spec.preserveUnknownFields',
        true,
        'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
      ),
    );
  return errs;
}

function validateStatus(crd: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const status = o(crd.status);
  const stored = arr(status.storedVersions).map(str);
  const names = new Set(arr(o(crd.spec).versions).map((v) => str(o(v).name)));
  stored.forEach((v, i) => {
    if (!names.has(v)) errs.push(invalid(index('status.storedVersions', i), v, 'must appear in spec.versions'));
  });
  const storageVersion = arr(o(crd.spec).versions)
    .map(o)
    .find((v) => v.storage === true);
  if (storageVersion && stored.length > 0 && !stored.includes(str(storageVersion.name))) {
    errs.push(invalid('status.storedVersions', stored, `must have the storage version ${str(storageVersion.name)}`));
  }
  return errs;
}

export function validateCRDCreate(crd: KObject): FieldError[] {
  const errs = validateObjectMeta(crd, false, nameIsDNSSubdomain);
  const spec = o(crd.spec);
  const wantName = `${str(o(spec.names).plural)}.${str(spec.group)}`;
  if (crd.metadata.name && crd.metadata.name !== wantName)
    errs.push(invalid('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  errs.push(...validateCRDSpec(spec), ...validateStatus(crd));
  return errs;
}

export function validateCRDUpdate(crd: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(crd, old);
  const spec = o(crd.spec),
    oldSpec = o(old.spec);
  const wantName = `${str(o(spec.names).plural)}.${str(spec.group)}`;
  if (crd.metadata.name !== wantName) errs.push(invalid('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  errs.push(...validateCRDSpec(spec));
  if (str(spec.scope) !== str(oldSpec.scope) && str(oldSpec.scope) !== '')
    errs.push(invalid('spec.scope', spec.scope, fieldImmutableErrorMsg));
  // A version objects are stored in may not leave spec.versions (status.storedVersions).
  const names = new Set(arr(spec.versions).map((v) => str(o(v).name)));
  arr(o(old.status).storedVersions)
    .map(str)
    .forEach((v, i) => {
      if (!names.has(v)) errs.push(invalid(index('status.storedVersions', i), v, 'must appear in spec.versions'));
    });
  return errs;
}

export function validateCRDStatusUpdate(crd: KObject, old: KObject): FieldError[] {
  return [...validateObjectMetaUpdate(crd, old), ...validateStatus(crd)];
}
