// What one API server serves right now: the built-in resources of registry/index.ts and the
// custom resources of established CustomResourceDefinitions, added and removed while it runs (as
// kube-apiserver's handler chain delegates unknown groups to apiextensions-apiserver's crdHandler).
// Routing, discovery and OpenAPI read this table; its generation moves whenever it changes, so
// cached discovery and OpenAPI bodies are rebuilt.

import type { ExtraDefinitions } from '../api/openapi.js';
import type { ResourceInfo } from '../api/resources.js';
import { DEFINITIONS } from './registry/index.js';
import type { ResourceDefinition } from './registry/rest.js';

/** The OpenAPI of one custom resource version: stub TypeDefs (for paths and closure) and the schemas served for them. */
export type CustomOpenAPI = ExtraDefinitions;

export interface CustomDefinition extends ResourceDefinition {
  openapi: CustomOpenAPI;
}

export class ServedResources {
  private custom = new Map<string, CustomDefinition[]>();
  private aggregated = new Map<string, ResourceDefinition[]>();
  private all: readonly ResourceDefinition[] = DEFINITIONS;
  private infos: readonly ResourceInfo[] = DEFINITIONS.map((d) => d.info);
  /** find()'s answers: each group/version/resource's first definition in `all` (every request looks one up, twice). */
  private byName = indexByName(DEFINITIONS);
  /** Moves on every change: caches of discovery and OpenAPI bodies key on it. */
  generation = 0;
  /** Bodies built from this table (discovery, OpenAPI), dropped on change. */
  readonly cache = new Map<string, unknown>();

  definitions(): readonly ResourceDefinition[] {
    return this.all;
  }
  resources(): readonly ResourceInfo[] {
    return this.infos;
  }

  find(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.byName.get(nameKey(group, version, resource));
  }

  /** The custom resources' OpenAPI, for the documents. */
  customOpenAPI(): CustomOpenAPI[] {
    return [...this.custom.values()].flat().map((d) => d.openapi);
  }

  /**
   * Lists (or stops listing) an API served by another handler than a registry, as an APIService
   * makes kube-aggregator list a group another server answers for (metrics.k8s.io).
   */
  setAggregated(apiService: string, defs: ResourceDefinition[] | undefined): void {
    if (defs?.length) this.aggregated.set(apiService, defs);
    else if (!this.aggregated.delete(apiService)) return;
    this.rebuild();
  }

  /** Serves (or stops serving, with none) the versions of one CRD. */
  setCustom(crdName: string, defs: CustomDefinition[] | undefined): void {
    if (defs?.length) this.custom.set(crdName, defs);
    else if (!this.custom.delete(crdName)) return;
    this.rebuild();
  }

  private rebuild(): void {
    this.all = [
      ...DEFINITIONS,
      ...[...this.aggregated.keys()].sort().flatMap((k) => this.aggregated.get(k)!),
      ...[...this.custom.keys()].sort().flatMap((k) => this.custom.get(k)!),
    ];
    this.infos = this.all.map((d) => d.info);
    this.byName = indexByName(this.all);
    this.generation++;
    this.cache.clear();
  }

  cached<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }
}

// '/' cannot be in a group, a version or a resource name.
function nameKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

/** Each group/version/resource's first definition, as a search of defs in order finds it. */
function indexByName(defs: readonly ResourceDefinition[]): Map<string, ResourceDefinition> {
  const m = new Map<string, ResourceDefinition>();
  for (const d of defs) {
    const k = nameKey(d.info.group, d.info.version, d.info.resource);
    if (!m.has(k)) m.set(k, d);
  }
  return m;
}

/** The built-in table, for callers without a running server (tests of discovery and OpenAPI). */
export const BUILTIN = new ServedResources();
