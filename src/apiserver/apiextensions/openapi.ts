// The OpenAPI of a custom resource version, as apiextensions-apiserver's
// pkg/controller/openapi/builder: the CRD's structural schema with apiVersion, kind and metadata
// (a reference to ObjectMeta) added, x-kubernetes-group-version-kind set, and its list kind; for
// /openapi/v2 the schema is cut down to what swagger 2.0 can say (no nullable, no anyOf/oneOf/not,
// int-or-string without a type), as the builder's v2 conversion does. `kubectl explain` reads these.

import { INT_OR_STRING, type JSONSchemaProps } from '../../api/apiextensions/structural.js';
import { deepCopy, isObject } from '../../api/object.js';
import type { ExtraDefinitions, Schema } from '../../api/openapi.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { TypeDef } from '../../api/schema/types.js';
import type { CustomVersion } from './customresource.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const API_VERSION_DESC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DESC =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** The definition name kube-apiserver gives a custom kind: the group reversed, then version and kind ("com.example.stable.v1.CronTab"). */
export function definitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

const ref = (name: string, v3: boolean): Schema => ({ $ref: v3 ? `#/components/schemas/${name}` : `#/definitions/${name}` });

/** swagger 2.0's subset of a structural schema. */
function toV2(s: unknown): unknown {
  if (!isObject(s)) return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'nullable' || k === 'anyOf' || k === 'oneOf' || k === 'not' || k === 'allOf') continue;
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(isObject(v) ? v : {}).map(([n, p]) => [n, toV2(p)]));
    } else if (k === 'items' || k === 'additionalProperties') {
      out[k] = typeof v === 'boolean' ? v : toV2(v);
    } else out[k] = v;
  }
  if (s[INT_OR_STRING]) delete out.type;
  return out;
}

function kindSchema(v: CustomVersion, v3: boolean): Schema {
  const s = deepCopy((v.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as JSONSchemaProps) as Schema;
  const props = { ...(isObject(s.properties) ? s.properties : {}) } as Record<string, unknown>;
  props.apiVersion = { description: API_VERSION_DESC, type: 'string' };
  props.kind = { description: KIND_DESC, type: 'string' };
  props.metadata = v3
    ? { allOf: [ref(`${META}.ObjectMeta`, true)], description: METADATA_DESC }
    : { ...ref(`${META}.ObjectMeta`, false), description: METADATA_DESC };
  s.properties = Object.fromEntries(Object.entries(props).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  s.type = 'object';
  s['x-kubernetes-group-version-kind'] = [{ group: v.group, kind: v.names.kind, version: v.version }];
  return v3 ? s : (toV2(s) as Schema);
}

function listSchema(v: CustomVersion, kindName: string, v3: boolean): Schema {
  return {
    description: `${v.names.listKind} is a list of ${v.names.kind}`,
    properties: {
      apiVersion: { description: API_VERSION_DESC, type: 'string' },
      items: {
        description: `List of ${v.names.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: ref(kindName, v3),
        type: 'array',
      },
      kind: { description: KIND_DESC, type: 'string' },
      metadata: v3
        ? {
            allOf: [ref(`${META}.ListMeta`, true)],
            description:
              'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
          }
        : {
            ...ref(`${META}.ListMeta`, false),
            description:
              'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
          },
    },
    required: ['items'],
    type: 'object',
    'x-kubernetes-group-version-kind': [{ group: v.group, kind: v.names.listKind, version: v.version }],
  };
}

/** Stub TypeDefs (the paths and the closure of meta types) and the schemas served for them. */
export function customOpenAPI(v: CustomVersion, info: ResourceInfo): ExtraDefinitions {
  const kindName = info.schema;
  const listName = `${kindName.slice(0, kindName.lastIndexOf('.') + 1)}${info.listKind}`;
  const gvk = (kind: string) => [{ group: v.group, version: v.version, kind }];
  const types: TypeDef[] = [
    { name: kindName, gvk: gvk(v.names.kind), fields: [{ json: 'metadata', proto: 1, type: `${META}.ObjectMeta` }] },
    {
      name: listName,
      gvk: gvk(v.names.listKind),
      fields: [
        { json: 'metadata', proto: 1, type: `${META}.ListMeta` },
        { json: 'items', proto: 2, type: kindName, list: true },
      ],
    },
  ];
  return {
    types,
    v2: { [kindName]: kindSchema(v, false), [listName]: listSchema(v, kindName, false) },
    v3: { [kindName]: kindSchema(v, true), [listName]: listSchema(v, kindName, true) },
  };
}
