// OpenAPI documents built from the type schemas: swagger 2.0 (/openapi/v2) and OpenAPI 3.0
// per group-version (/openapi/v3/<path>), shaped as kube-apiserver publishes them, because
// kubectl reads them for `explain`, client-side validation, strategic merge patch (merge keys
// and strategies) and for whether the server validates fields itself (fieldValidation).

import { apiVersionOf } from './object.js';
import type { ResourceInfo } from './resources.js';
import { jsonFields } from './schema/index.js';
import type { FieldDef, GroupVersionKind, SpecialType, TypeDef } from './schema/types.js';

export type Schema = Record<string, unknown>;
type Dialect = 'v2' | 'v3';

const INFO_VERSION = 'v1.32.0';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const PATCH_SCHEMA = `${META}.Patch`;
const LIST_META = `${META}.ListMeta`;
const STATUS_SCHEMA = `${META}.Status`;

export const PATCH_MEDIA_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

/** What an object is read and written as (a create or replace body, every response). */
const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** Custom resources take no strategic merge patch (kubectl then sends a JSON merge patch). */
const CUSTOM_PATCH_MEDIA_TYPES = PATCH_MEDIA_TYPES.filter((m) => m !== 'application/strategic-merge-patch+json');

const API_VERSION_DESC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** Definition names of the special types, as Kubernetes publishes them. */
const SPECIAL_NAMES: Record<SpecialType, string | undefined> = {
  Time: `${META}.Time`,
  MicroTime: `${META}.MicroTime`,
  Quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  IntOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  RawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
  FieldsV1: `${META}.FieldsV1`,
  JSON: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  // metav1.Duration is inlined as a string wherever it is used; it has no definition of its own.
  Duration: undefined,
};

function isSpecial(t: string): t is SpecialType {
  return Object.hasOwn(SPECIAL_NAMES, t);
}

/** The special types' own definitions; v3 spells the two-typed ones with oneOf, as Kubernetes does. */
function specialDefinition(t: SpecialType, d: Dialect): Schema {
  switch (t) {
    case 'Time':
      return {
        description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON. RFC 3339, second precision.',
        type: 'string',
        format: 'date-time',
      };
    case 'MicroTime':
      return { description: 'MicroTime is version of Time with microsecond level precision.', type: 'string', format: 'date-time' };
    case 'Quantity':
      return {
        description: 'Quantity is a fixed-point representation of a number, serialized as a string such as "100m", "1Gi" or "2".',
        ...(d === 'v3' ? { oneOf: [{ type: 'string' }, { type: 'number' }] } : { type: 'string' }),
      };
    case 'IntOrString':
      return {
        description:
          'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
        format: 'int-or-string',
        ...(d === 'v3' ? { oneOf: [{ type: 'integer' }, { type: 'string' }] } : { type: 'string' }),
      };
    case 'RawExtension':
      return { description: 'RawExtension is used to hold extensions in external versions: any JSON object.', type: 'object' };
    case 'FieldsV1':
      return { description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.', type: 'object' };
    case 'JSON':
      return { description: 'JSON represents any valid JSON value.', 'x-kubernetes-preserve-unknown-fields': true };
    case 'Duration':
      return { type: 'string' };
  }
}

/** Each scalar's OpenAPI type and format, as kube-openapi's schemaTypeFormatMap gives Go's. */
const SCALAR_TYPE_FORMAT: Readonly<Record<string, readonly [type: string, format?: string]>> = {
  string: ['string'],
  int32: ['integer', 'int32'],
  int64: ['integer', 'int64'],
  bool: ['boolean'],
  double: ['number', 'double'],
  bytes: ['string', 'byte'],
};

function scalarSchema(t: string): Schema | undefined {
  if (!Object.hasOwn(SCALAR_TYPE_FORMAT, t)) return undefined;
  const [type, format] = SCALAR_TYPE_FORMAT[t];
  return format ? { type, format } : { type };
}

function refTo(name: string, d: Dialect): Schema {
  return { $ref: d === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}` };
}

/**
 * The set of definitions both dialects are built from: the registry's types, plus what
 * kubectl needs that a proto-derived table does not carry (apiVersion/kind properties and
 * x-kubernetes-group-version-kind on served kinds, and their List types).
 */
export class TypeCatalog {
  readonly types = new Map<string, TypeDef>();

  constructor(types: TypeDef[], resources: readonly ResourceInfo[]) {
    for (const t of types) this.types.set(t.name, t);
    for (const ri of resources) {
      const gvk = { group: ri.group, version: ri.version, kind: ri.kind };
      const kindType = this.types.get(ri.schema);
      if (kindType) this.types.set(ri.schema, withTypeMeta(kindType, gvk));
      const listName = listSchemaName(ri);
      const listGvk = { ...gvk, kind: ri.listKind };
      const listType = this.types.get(listName);
      if (listType) this.types.set(listName, withTypeMeta(listType, listGvk));
      else if (kindType) this.types.set(listName, synthesizeList(ri, listName, listGvk));
    }
    if (!this.types.has(PATCH_SCHEMA)) {
      this.types.set(PATCH_SCHEMA, {
        name: PATCH_SCHEMA,
        description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
        fields: [],
      });
    }
  }

  /**
   * The fields as they appear in JSON: an inline field (a Go struct embedded with
   * `json:",inline"`, such as Volume's VolumeSource) contributes its type's fields instead.
   */
  jsonFields(t: TypeDef): FieldDef[] {
    return [...jsonFields(t, (n: string) => this.types.get(n)).values()];
  }

  /** Type names referenced by a type's fields, specials included under their definition names. */
  references(t: TypeDef): string[] {
    const out: string[] = [];
    for (const f of this.jsonFields(t)) {
      if (scalarSchema(f.type)) continue;
      if (isSpecial(f.type)) {
        const n = SPECIAL_NAMES[f.type];
        if (n) out.push(n);
      } else if (this.types.has(f.type)) {
        out.push(f.type);
      }
    }
    return out;
  }

  /** Every definition name reachable from roots (the roots included), in a stable order. */
  closure(roots: string[]): string[] {
    const seen = new Set<string>();
    const stack = roots.filter((r) => this.types.has(r) || specialByName(r));
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const t = this.types.get(n);
      if (t) for (const r of this.references(t)) if (!seen.has(r)) stack.push(r);
    }
    return [...seen].sort();
  }

  /** The type whose x-kubernetes-group-version-kind names gvk. */
  typeFor(gvk: GroupVersionKind): TypeDef | undefined {
    for (const t of this.types.values()) {
      if (t.gvk?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) return t;
    }
    return undefined;
  }

  definition(name: string, d: Dialect): Schema | undefined {
    const sp = specialByName(name);
    if (sp) return specialDefinition(sp, d);
    const t = this.types.get(name);
    return t ? this.typeSchema(t, d) : undefined;
  }

  definitions(names: string[], d: Dialect): Record<string, Schema> {
    const out: Record<string, Schema> = {};
    for (const n of names) {
      const s = this.definition(n, d);
      if (s) out[n] = s;
    }
    return out;
  }

  typeSchema(t: TypeDef, d: Dialect): Schema {
    const s: Schema = {};
    if (t.description) s.description = t.description;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const fields = this.jsonFields(t);
    for (const f of fields) {
      properties[f.json] = this.fieldSchema(f, d);
      if (f.required) required.push(f.json);
    }
    if (fields.length) s.properties = properties;
    if (required.length) s.required = required;
    s.type = 'object';
    if (t.gvk?.length) s['x-kubernetes-group-version-kind'] = t.gvk.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
    return s;
  }

  /** The schema of a value of the field's element type. */
  private elementSchema(type: string, d: Dialect): { schema: Schema; isRef: boolean } {
    const sc = scalarSchema(type);
    if (sc) return { schema: sc, isRef: false };
    if (isSpecial(type)) {
      const n = SPECIAL_NAMES[type];
      return n ? { schema: refTo(n, d), isRef: true } : { schema: specialDefinition(type, d), isRef: false };
    }
    if (this.types.has(type)) return { schema: refTo(type, d), isRef: true };
    // A type the registry does not (yet) define: an open object, never a dangling $ref.
    return { schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, isRef: false };
  }

  fieldSchema(f: FieldDef, d: Dialect): Schema {
    const el = this.elementSchema(f.type, d);
    let s: Schema;
    if (f.list) {
      s = { type: 'array', items: el.schema };
    } else if (f.map) {
      s = { type: 'object', additionalProperties: el.schema };
    } else if (el.isRef && d === 'v3') {
      // v3 wraps a $ref in allOf so that siblings (the field's own description) stay meaningful;
      // kubectl explain prints the field's description, then the referenced type's.
      s = { allOf: [el.schema] };
    } else {
      s = { ...el.schema };
    }
    if (f.description) s.description = f.description;
    if (f.enum?.length) s.enum = [...f.enum];
    if (f.listType) s['x-kubernetes-list-type'] = f.listType;
    if (f.listMapKeys?.length) s['x-kubernetes-list-map-keys'] = [...f.listMapKeys];
    if (f.mapType) s['x-kubernetes-map-type'] = f.mapType;
    if (f.mergeKey) s['x-kubernetes-patch-merge-key'] = f.mergeKey;
    if (f.patchStrategy) s['x-kubernetes-patch-strategy'] = f.patchStrategy;
    return s;
  }
}

function specialByName(name: string): SpecialType | undefined {
  for (const [k, v] of Object.entries(SPECIAL_NAMES)) if (v === name) return k as SpecialType;
  return undefined;
}

function listSchemaName(ri: ResourceInfo): string {
  const i = ri.schema.lastIndexOf('.');
  return `${ri.schema.slice(0, i + 1)}${ri.listKind}`;
}

function withTypeMeta(t: TypeDef, gvk: GroupVersionKind): TypeDef {
  const fields = [...t.fields];
  // TypeMeta is inline in Go and absent from generated.proto, so a proto-derived table may lack it.
  if (!fields.some((f) => f.json === 'kind')) fields.unshift({ json: 'kind', proto: 0, type: 'string', description: KIND_DESC });
  if (!fields.some((f) => f.json === 'apiVersion'))
    fields.unshift({ json: 'apiVersion', proto: 0, type: 'string', description: API_VERSION_DESC });
  const has = t.gvk?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind);
  return { ...t, fields, gvk: has ? t.gvk : [...(t.gvk ?? []), gvk] };
}

function synthesizeList(ri: ResourceInfo, name: string, gvk: GroupVersionKind): TypeDef {
  return {
    name,
    description: `${ri.listKind} is a list of ${ri.kind} objects.`,
    gvk: [gvk],
    fields: [
      { json: 'apiVersion', proto: 0, type: 'string', description: API_VERSION_DESC },
      { json: 'items', proto: 2, type: ri.schema, list: true, required: true, description: `Items is the list of ${ri.kind} objects.` },
      { json: 'kind', proto: 0, type: 'string', description: KIND_DESC },
      {
        json: 'metadata',
        proto: 1,
        type: LIST_META,
        description:
          'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Paths. kubectl looks for the PATCH operation of a kind (by its x-kubernetes-group-version-kind):
// its fieldValidation query parameter says the server validates fields itself (then kubectl
// skips client-side validation), and its strategic-merge-patch request type lets `kubectl apply`
// compute a strategic merge patch from the v3 schema.

export interface OpenAPIOptions {
  /**
   * Advertise the fieldValidation parameter (as kube-apiserver 1.32 does). kubectl then sends
   * fieldValidation=Strict and leaves unknown-field checks to the server; without it kubectl
   * validates client-side against these schemas.
   */
  serverSideFieldValidation?: boolean;
}

interface Param {
  name: string;
  in: 'path' | 'query';
  description: string;
  type: 'string' | 'boolean';
  required?: boolean;
}

const P_NAME = (kind: string): Param => ({ name: 'name', in: 'path', required: true, type: 'string', description: `name of the ${kind}` });
const P_NAMESPACE: Param = {
  name: 'namespace',
  in: 'path',
  required: true,
  type: 'string',
  description: 'object name and auth scope, such as for teams and projects',
};
const P_PRETTY: Param = { name: 'pretty', in: 'query', type: 'string', description: "If 'true', then the output is pretty printed." };
const P_DRYRUN: Param = {
  name: 'dryRun',
  in: 'query',
  type: 'string',
  description:
    'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed',
};
const P_FIELD_MANAGER: Param = {
  name: 'fieldManager',
  in: 'query',
  type: 'string',
  description: 'fieldManager is a name associated with the actor or entity that is making these changes.',
};
const P_FIELD_VALIDATION: Param = {
  name: 'fieldValidation',
  in: 'query',
  type: 'string',
  description:
    'fieldValidation determines how the server should respond to unknown/duplicate fields in the object in the request. Valid values are: - Ignore: ignores unknown/duplicate fields. - Warn: responds with a warning for each unknown/duplicate field, but successfully serves the request. - Strict: fails the request on unknown/duplicate fields.',
};
const P_FORCE: Param = {
  name: 'force',
  in: 'query',
  type: 'boolean',
  description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.',
};

function paramSchema(p: Param, d: Dialect): Schema {
  const base: Schema = { description: p.description, in: p.in, name: p.name };
  if (p.required) base.required = true;
  if (d === 'v3') return { ...base, schema: { type: p.type, uniqueItems: true } };
  return { ...base, type: p.type, uniqueItems: true };
}

interface OperationSpec {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  action: string;
  operationId: string;
  description: string;
  params: Param[];
  /** Request body type and the media types it is accepted in. */
  body?: { schema: string; mediaTypes: string[] };
  response?: string;
  gvk: GroupVersionKind;
  tag: string;
}

function operation(op: OperationSpec, d: Dialect): Schema {
  const out: Schema = { description: op.description, operationId: op.operationId };
  const params = op.params.map((p) => paramSchema(p, d));
  const responseSchema = op.response ? refTo(op.response, d) : undefined;
  const okCodes = op.method === 'post' ? ['200', '201', '202'] : op.method === 'put' || op.method === 'patch' ? ['200', '201'] : ['200'];
  const responses: Record<string, Schema> = {};
  if (d === 'v3') {
    for (const c of okCodes) {
      const r: Schema = { description: c === '200' ? 'OK' : c === '201' ? 'Created' : 'Accepted' };
      if (responseSchema) r.content = Object.fromEntries(OBJECT_MEDIA_TYPES.map((m) => [m, { schema: responseSchema }]));
      responses[c] = r;
    }
    if (params.length) out.parameters = params;
    if (op.body)
      out.requestBody = {
        content: Object.fromEntries(op.body.mediaTypes.map((m) => [m, { schema: refTo(op.body!.schema, d) }])),
        required: true,
      };
  } else {
    for (const c of okCodes) {
      const r: Schema = { description: c === '200' ? 'OK' : c === '201' ? 'Created' : 'Accepted' };
      if (responseSchema) r.schema = responseSchema;
      responses[c] = r;
    }
    if (op.body) {
      out.consumes = op.body.mediaTypes;
      params.unshift({ in: 'body', name: 'body', required: true, schema: refTo(op.body.schema, d) });
    } else {
      out.consumes = ['*/*'];
    }
    if (params.length) out.parameters = params;
    out.produces = OBJECT_MEDIA_TYPES;
    out.schemes = ['https'];
  }
  out.responses = responses;
  out.tags = [op.tag];
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  return out;
}

/** "apps" -> "Apps", "coordination.k8s.io" -> "Coordination", "" -> "Core": as operation ids spell groups. */
function groupWord(group: string): string {
  const first = group === '' ? 'core' : group.split('.')[0]!;
  return first.charAt(0).toUpperCase() + first.slice(1);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The actions of a resource's paths, as installer.go names them (each is its x-kubernetes-action):
 * the HTTP method, the verb the resource must have for it, the word its operation id starts with
 * and its description.
 */
const ACTIONS = {
  list: { method: 'get', verb: 'list', id: 'list', doc: (kind: string) => `list or watch objects of kind ${kind}` },
  post: { method: 'post', verb: 'create', id: 'create', doc: (kind: string) => `create a ${kind}` },
  deletecollection: {
    method: 'delete',
    verb: 'deletecollection',
    id: 'deleteCollection',
    doc: (kind: string) => `delete collection of ${kind}`,
  },
  get: { method: 'get', verb: 'get', id: 'read', doc: (kind: string) => `read the specified ${kind}` },
  put: { method: 'put', verb: 'update', id: 'replace', doc: (kind: string) => `replace the specified ${kind}` },
  patch: { method: 'patch', verb: 'patch', id: 'patch', doc: (kind: string) => `partially update the specified ${kind}` },
  delete: { method: 'delete', verb: 'delete', id: 'delete', doc: (kind: string) => `delete a ${kind}` },
} as const satisfies Record<string, { method: OperationSpec['method']; verb: string; id: string; doc: (kind: string) => string }>;

/** One action on a path, with what this resource takes and returns there. */
interface PathAction {
  action: keyof typeof ACTIONS;
  params: Param[];
  body?: OperationSpec['body'];
  response?: string;
}

function resourcePaths(ri: ResourceInfo, cat: TypeCatalog, d: Dialect, opts: OpenAPIOptions, custom = false): Record<string, Schema> {
  const gvk = { group: ri.group, version: ri.version, kind: ri.kind };
  const prefix = ri.group === '' ? `/api/${ri.version}` : `/apis/${ri.group}/${ri.version}`;
  const tag = `${ri.group === '' ? 'core' : ri.group.split('.')[0]}_${ri.version}`;
  const gv = `${groupWord(ri.group)}${cap(ri.version)}`;
  const kindSchema = cat.types.has(ri.schema) ? ri.schema : undefined;
  const listSchema = cat.types.has(listSchemaName(ri)) ? listSchemaName(ri) : undefined;
  const statusSchema = cat.types.has(STATUS_SCHEMA) ? STATUS_SCHEMA : undefined;
  const writeParams = [P_DRYRUN, P_FIELD_MANAGER, ...(opts.serverSideFieldValidation === false ? [] : [P_FIELD_VALIDATION])];
  const kindBody = kindSchema ? { schema: kindSchema, mediaTypes: OBJECT_MEDIA_TYPES } : undefined;
  const patchBody = { schema: PATCH_SCHEMA, mediaTypes: custom ? CUSTOM_PATCH_MEDIA_TYPES : PATCH_MEDIA_TYPES };
  const list: PathAction = { action: 'list', params: [], response: listSchema };

  // A path's item: the operations of the actions the resource has a verb for, then the parameters
  // they share. Operation ids read as installer.go's: list + CoreV1 + Namespaced + Pod, and the
  // all-namespaces list drops "Namespaced" for the suffix ForAllNamespaces.
  const out: Record<string, Schema> = {};
  const addPath = (path: string, params: Param[], actions: PathAction[], forAllNamespaces = false): void => {
    const item: Schema = {};
    for (const a of actions) {
      const { method, verb, id, doc } = ACTIONS[a.action];
      if (!ri.verbs.includes(verb)) continue;
      const operationId = forAllNamespaces
        ? `${id}${gv}${ri.kind}ForAllNamespaces`
        : `${id}${gv}${ri.namespaced ? 'Namespaced' : ''}${ri.kind}`;
      item[method] = operation({ ...a, method, operationId, description: doc(ri.kind), gvk, tag }, d);
    }
    if (Object.keys(item).length === 0) return;
    item.parameters = params.map((x) => paramSchema(x, d));
    out[path] = item;
  };
  const collection = ri.namespaced ? `${prefix}/namespaces/{namespace}/${ri.resource}` : `${prefix}/${ri.resource}`;
  addPath(collection, ri.namespaced ? [P_NAMESPACE, P_PRETTY] : [P_PRETTY], [
    list,
    { action: 'post', params: writeParams, body: kindBody, response: kindSchema },
    { action: 'deletecollection', params: [], response: statusSchema },
  ]);
  addPath(`${collection}/{name}`, ri.namespaced ? [P_NAME(ri.kind), P_NAMESPACE, P_PRETTY] : [P_NAME(ri.kind), P_PRETTY], [
    { action: 'get', params: [], response: kindSchema },
    { action: 'put', params: writeParams, body: kindBody, response: kindSchema },
    { action: 'patch', params: [...writeParams, P_FORCE], body: patchBody, response: kindSchema },
    { action: 'delete', params: [P_DRYRUN], response: statusSchema ?? kindSchema },
  ]);
  if (ri.namespaced) addPath(`${prefix}/${ri.resource}`, [P_PRETTY], [list], true);
  return out;
}

/** Definition names a group-version's document starts from: its kinds, their lists and the types their paths name. */
function rootsFor(cat: TypeCatalog, ris: readonly ResourceInfo[]): string[] {
  const roots = [PATCH_SCHEMA, STATUS_SCHEMA, `${META}.DeleteOptions`];
  for (const ri of ris) {
    roots.push(ri.schema, listSchemaName(ri));
    for (const sub of ri.subresources) {
      const t = cat.typeFor({ group: sub.group ?? ri.group, version: sub.version ?? ri.version, kind: sub.kind });
      if (t) roots.push(t.name);
    }
  }
  return roots;
}

// ---------------------------------------------------------------------------------------------
// Pure builders.

/**
 * Definitions that do not come from the type registry (custom resources: their schemas are the
 * CRD's): stub TypeDefs so that paths and the closure see them, and the schemas served instead.
 */
export interface ExtraDefinitions {
  types: TypeDef[];
  v2: Record<string, Schema>;
  v3: Record<string, Schema>;
}

function overlay(defs: Record<string, Schema>, extra: readonly ExtraDefinitions[], d: Dialect): Record<string, Schema> {
  for (const e of extra) for (const [n, sch] of Object.entries(d === 'v2' ? e.v2 : e.v3)) if (n in defs) defs[n] = sch;
  return defs;
}

export function buildOpenAPIV2(
  baseTypes: TypeDef[],
  resources: readonly ResourceInfo[],
  opts: OpenAPIOptions = {},
  extra: readonly ExtraDefinitions[] = [],
): Schema {
  const types = extra.length ? [...baseTypes, ...extra.flatMap((e) => e.types)] : baseTypes;
  const cat = new TypeCatalog(types, resources);
  const paths: Record<string, Schema> = {};
  const customKinds = new Set(extra.flatMap((e) => e.types.map((t) => t.name)));
  for (const ri of resources) Object.assign(paths, resourcePaths(ri, cat, 'v2', opts, customKinds.has(ri.schema)));
  const names = [
    ...new Set([
      ...cat.types.keys(),
      ...cat.closure(rootsFor(cat, resources)),
      ...Object.values(SPECIAL_NAMES).filter((n): n is string => !!n),
    ]),
  ].sort();
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: INFO_VERSION },
    paths: sortKeys(paths),
    definitions: overlay(cat.definitions(names, 'v2'), extra, 'v2'),
    security: [{ BearerToken: [] }],
    securityDefinitions: {
      BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' },
    },
  };
}

/** The OpenAPI v3 document of one group-version ("v1", "apps/v1"), or undefined if not served. */
export function buildOpenAPIV3(
  groupVersion: string,
  baseTypes: TypeDef[],
  resources: readonly ResourceInfo[],
  opts: OpenAPIOptions = {},
  extra: readonly ExtraDefinitions[] = [],
): Schema | undefined {
  const ris = resources.filter((ri) => apiVersionOf(ri.group, ri.version) === groupVersion);
  if (ris.length === 0) return undefined;
  const types = extra.length ? [...baseTypes, ...extra.flatMap((e) => e.types)] : baseTypes;
  const cat = new TypeCatalog(types, resources);
  const paths: Record<string, Schema> = {};
  const customKinds = new Set(extra.flatMap((e) => e.types.map((t) => t.name)));
  for (const ri of ris) Object.assign(paths, resourcePaths(ri, cat, 'v3', opts, customKinds.has(ri.schema)));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: INFO_VERSION },
    paths: sortKeys(paths),
    components: {
      schemas: overlay(cat.definitions(cat.closure(rootsFor(cat, ris)), 'v3'), extra, 'v3'),
      securitySchemes: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    },
  };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The /openapi/v3 path of a group-version: "api/v1", "apis/apps/v1". */
export function openapiV3PathOf(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}
