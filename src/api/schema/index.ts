// The schema registry: every TypeDef k8ts knows, by OpenAPI name and by group/version/kind.
// The protobuf codec, OpenAPI, strategic merge patch and pruning all look types up here.

import { APIEXTENSIONS_V1_TYPES } from './apiextensions.js';
import { APPS_V1_TYPES } from './apps.js';
import { AUTHENTICATION_V1_TYPES } from './authentication.js';
import { AUTHORIZATION_V1_TYPES } from './authorization.js';
import { AUTOSCALING_V1_TYPES } from './autoscaling.js';
import { AUTOSCALING_V2_TYPES } from './autoscaling-v2.js';
import { BATCH_V1_TYPES } from './batch.js';
import { CERTIFICATES_V1_TYPES } from './certificates.js';
import { COORDINATION_V1_TYPES } from './coordination.js';
import { CORE_V1_TYPES } from './core.js';
import { CORE_POLICY_TYPES, SCHEDULING_V1_TYPES } from './core-policy.js';
import { DISCOVERY_V1_TYPES } from './discovery.js';
import { META_TYPES } from './meta.js';
import { METRICS_V1BETA1_TYPES } from './metrics.js';
import { NETWORKING_V1_TYPES } from './networking.js';
import { POLICY_V1_TYPES } from './policy.js';
import { RBAC_V1_TYPES } from './rbac.js';
import { STORAGE_V1_TYPES } from './storage.js';
import type { FieldDef, FieldType, ScalarType, SpecialType, TypeDef } from './types.js';

export type { FieldDef, FieldType, GroupVersionKind, ScalarType, SpecialType, TypeDef } from './types.js';

const SCALARS: ReadonlySet<string> = new Set<ScalarType>(['string', 'int32', 'int64', 'bool', 'double', 'bytes']);
const SPECIALS: ReadonlySet<string> = new Set<SpecialType>(['Time', 'MicroTime', 'Quantity', 'IntOrString', 'RawExtension', 'Duration', 'FieldsV1', 'JSON']);

/** The group that holds the request option kinds every group version also accepts. */
const META_GROUP = 'meta.k8s.io';

interface Registry {
  byName: Map<string, TypeDef>;
  byKind: Map<string, TypeDef>;
  all: TypeDef[];
}

let registry: Registry | undefined;

const kindKey = (group: string, version: string, kind: string): string => `${group}/${version}/${kind}`;

// Built on first use rather than at import, so that a module cycle through a table file
// (a table importing a helper that imports the registry) cannot see half-filled arrays.
function build(): Registry {
  const all = [...META_TYPES, ...CORE_V1_TYPES, ...APPS_V1_TYPES, ...AUTHENTICATION_V1_TYPES, ...AUTOSCALING_V1_TYPES, ...COORDINATION_V1_TYPES, ...DISCOVERY_V1_TYPES, ...POLICY_V1_TYPES, ...STORAGE_V1_TYPES, ...BATCH_V1_TYPES, ...CORE_POLICY_TYPES, ...SCHEDULING_V1_TYPES, ...METRICS_V1BETA1_TYPES, ...AUTOSCALING_V2_TYPES, ...APIEXTENSIONS_V1_TYPES, ...NETWORKING_V1_TYPES,
    ...RBAC_V1_TYPES, ...AUTHORIZATION_V1_TYPES, ...CERTIFICATES_V1_TYPES];
  const byName = new Map<string, TypeDef>();
  const byKind = new Map<string, TypeDef>();
  for (const t of all) {
    if (byName.has(t.name)) throw new Error(`schema: type ${t.name} is defined twice`);
    byName.set(t.name, t);
    for (const g of t.gvk ?? []) byKind.set(kindKey(g.group, g.version, g.kind), t);
  }
  return { byName, byKind, all };
}

function reg(): Registry {
  return (registry ??= build());
}

/** The TypeDef with this OpenAPI name ("io.k8s.api.apps.v1.Deployment"). */
export function getType(name: string): TypeDef | undefined {
  return reg().byName.get(name);
}

export function allTypes(): TypeDef[] {
  return reg().all;
}

/**
 * The top-level kind served as group/version/kind (group "" for core). Option kinds
 * (DeleteOptions, CreateOptions, ...) resolve in every group version, as Kubernetes
 * registers them into each one.
 */
export function typeForKind(group: string, version: string, kind: string): TypeDef | undefined {
  const r = reg();
  return r.byKind.get(kindKey(group, version, kind)) ?? r.byKind.get(kindKey(META_GROUP, 'v1', kind));
}

export function isScalar(t: FieldType): t is ScalarType {
  return SCALARS.has(t);
}

export function isSpecial(t: FieldType): t is SpecialType {
  return SPECIALS.has(t);
}

const jsonFieldCache = new WeakMap<TypeDef, Map<string, FieldDef>>();

/**
 * A type's fields as they appear in JSON, by JSON name, in table order: an inline field (a Go
 * struct embedded with `json:",inline"`, such as Volume's VolumeSource or Probe's handler)
 * contributes its type's fields in its place. Every reader of JSON through a schema (field
 * validation, patches, OpenAPI, the protobuf codec) goes through this.
 */
export function jsonFields(def: TypeDef, lookup: (name: string) => TypeDef | undefined = getType): Map<string, FieldDef> {
  let m = jsonFieldCache.get(def);
  if (m) return m;
  m = new Map();
  const visit = (t: TypeDef, seen: Set<string>) => {
    for (const f of t.fields) {
      if (!f.inline) { m!.set(f.json, f); continue; }
      const inner = lookup(f.type);
      if (inner && !seen.has(inner.name)) visit(inner, new Set([...seen, inner.name]));
    }
  };
  visit(def, new Set([def.name]));
  jsonFieldCache.set(def, m);
  return m;
}
