// What the API server knows of a served resource (one row each, from its registry module in
// src/apiserver/registry/<group>/<resource>.ts): routing, discovery, OpenAPI and the store
// key layout read it.

export interface SubresourceInfo {
  /** "status", "scale", "binding", "eviction", "log", "exec", ... */
  name: string;
  /** Kind served at the subresource (Scale for scale, the parent's kind for status). */
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lower case: "deployments". */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
  /** OpenAPI / schema name of the kind. */
  schema: string;
}

/**
 * Where an object lives in the store, as kube-apiserver lays out etcd:
 * /registry/<group>/<resource>/<namespace>/<name> (core resources have no group part).
 */
export function storePrefix(ri: Pick<ResourceInfo, 'group' | 'resource'>, namespace?: string): string {
  const base = ri.group === '' ? `/registry/${ri.resource}/` : `/registry/${ri.group}/${ri.resource}/`;
  return namespace ? `${base}${namespace}/` : base;
}

export function storeKey(ri: Pick<ResourceInfo, 'group' | 'resource' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return ri.namespaced ? `${storePrefix(ri, namespace)}${name}` : `${storePrefix(ri)}${name}`;
}
