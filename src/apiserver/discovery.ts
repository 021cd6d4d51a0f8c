// Discovery documents, built from the resource table: /version, the legacy lists
// (/api, /apis, /api/v1, /apis/<g>/<v>) and aggregated discovery (apidiscovery.k8s.io v2
// and v2beta1), which kubectl 1.32 asks for first on /api and /apis.

import { createHash } from 'node:crypto';
import { apiVersionOf } from '../api/object.js';
import type { ResourceInfo } from '../api/resources.js';
import { groupVersions, RESOURCES } from './registry/index.js';

export const K8S_MAJOR = '1';
export const K8S_MINOR = '32';
export const GIT_VERSION = 'v1.32.0-k8ts';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind?: 'APIGroup';
  apiVersion?: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroup[];
}

export interface ServerAddressByClientCIDR {
  clientCIDR: string;
  serverAddress: string;
}

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: ServerAddressByClientCIDR[];
}

/** Aggregated discovery (apidiscovery.k8s.io/v2; v2beta1 has the same shape). */
export interface GroupVersionKindRef {
  group: string;
  version: string;
  kind: string;
}

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind?: GroupVersionKindRef;
  acceptedTypes?: GroupVersionKindRef[];
  verbs: string[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKindRef;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current' | 'Stale';
}

export interface APIGroupDiscovery {
  metadata: { name?: string; creationTimestamp: null };
  versions: APIVersionDiscovery[];
}

export type AggregatedDiscoveryVersion = 'v2' | 'v2beta1';

export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: `apidiscovery.k8s.io/${AggregatedDiscoveryVersion}`;
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

/** The media type a client names to ask for (and a server names to answer with) aggregated discovery. */
export function aggregatedDiscoveryMediaType(v: AggregatedDiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

// Build time of this process: /version is read once per kubectl run, so it only needs to be stable.
const BUILD_DATE = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

export function versionInfo(): VersionInfo {
  return {
    major: K8S_MAJOR,
    minor: K8S_MINOR,
    gitVersion: GIT_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: BUILD_DATE,
    // kubectl prints this; saying what actually runs the server is more honest than a Go version.
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${GO_ARCH[process.arch] ?? process.arch}`,
  };
}

/** As apiserver's storageversionhash: base64 of the first 8 bytes of sha256("group/version/kind"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** The core group has only v1; serverAddress is where clients inside 0.0.0.0/0 reach this server. */
export function apiVersions(serverAddress: string, resources: readonly ResourceInfo[] = RESOURCES): APIVersions {
  return {
    kind: 'APIVersions',
    versions: groupVersions(resources)
      .filter((gv) => gv.group === '')
      .map((gv) => gv.version),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Named groups (not the core group), each with its versions in table order; the first is preferred. */
export function apiGroup(name: string, resources: readonly ResourceInfo[] = RESOURCES): APIGroup | undefined {
  const versions = groupVersions(resources)
    .filter((gv) => gv.group === name && name !== '')
    .map((gv) => ({ groupVersion: apiVersionOf(gv.group, gv.version), version: gv.version }));
  if (versions.length === 0) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions, preferredVersion: versions[0]! };
}

export function apiGroupList(resources: readonly ResourceInfo[] = RESOURCES): APIGroupList {
  const names: string[] = [];
  for (const gv of groupVersions(resources)) if (gv.group !== '' && !names.includes(gv.group)) names.push(gv.group);
  // Inside a list the items carry no kind/apiVersion, as the real server writes them.
  const groups = names.map((n) => {
    const { kind: _k, apiVersion: _a, ...g } = apiGroup(n, resources)!;
    return g;
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

function resourcesOf(group: string, version: string, resources: readonly ResourceInfo[]): ResourceInfo[] {
  return resources.filter((ri) => ri.group === group && ri.version === version);
}

/** /api/v1 or /apis/<group>/<version>: resources and their subresources ("pods/status"). */
export function apiResourceList(group: string, version: string, served: readonly ResourceInfo[] = RESOURCES): APIResourceList | undefined {
  const ris = resourcesOf(group, version, served);
  if (ris.length === 0) return undefined;
  const resources: APIResource[] = [];
  for (const ri of ris) {
    const res: APIResource = {
      name: ri.resource,
      singularName: ri.singular,
      namespaced: ri.namespaced,
      kind: ri.kind,
      verbs: [...ri.verbs],
    };
    if (ri.shortNames?.length) res.shortNames = [...ri.shortNames];
    if (ri.categories?.length) res.categories = [...ri.categories];
    res.storageVersionHash = storageVersionHash(ri.group, ri.version, ri.kind);
    resources.push(res);
    for (const sub of ri.subresources) {
      const s: APIResource = {
        name: `${ri.resource}/${sub.name}`,
        singularName: '',
        namespaced: ri.namespaced,
        kind: sub.kind,
        verbs: [...sub.verbs],
      };
      if (sub.group !== undefined) s.group = sub.group;
      if (sub.version !== undefined) s.version = sub.version;
      resources.push(s);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

function resourceDiscovery(ri: ResourceInfo): APIResourceDiscovery {
  const d: APIResourceDiscovery = {
    resource: ri.resource,
    responseKind: { group: ri.group, version: ri.version, kind: ri.kind },
    scope: ri.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: ri.singular,
    verbs: [...ri.verbs],
  };
  if (ri.shortNames?.length) d.shortNames = [...ri.shortNames];
  if (ri.categories?.length) d.categories = [...ri.categories];
  if (ri.subresources.length) {
    d.subresources = ri.subresources.map((sub) => ({
      subresource: sub.name,
      responseKind: { group: sub.group ?? ri.group, version: sub.version ?? ri.version, kind: sub.kind },
      verbs: [...sub.verbs],
    }));
  }
  return d;
}

function groupDiscovery(group: string, resources: readonly ResourceInfo[]): APIGroupDiscovery {
  const versions: APIVersionDiscovery[] = groupVersions(resources)
    .filter((gv) => gv.group === group)
    .map((gv) => ({
      version: gv.version,
      resources: resourcesOf(gv.group, gv.version, resources).map(resourceDiscovery),
      freshness: 'Current',
    }));
  const metadata: APIGroupDiscovery['metadata'] = group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null };
  return { metadata, versions };
}

/**
 * Aggregated discovery: for /api (legacy=true) the core group alone; for /apis every named group.
 */
export function aggregatedDiscovery(
  legacy: boolean,
  v: AggregatedDiscoveryVersion = 'v2',
  resources: readonly ResourceInfo[] = RESOURCES,
): APIGroupDiscoveryList {
  const groups: string[] = [];
  for (const gv of groupVersions(resources)) {
    if ((gv.group === '') === legacy && !groups.includes(gv.group)) groups.push(gv.group);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${v}`,
    metadata: {},
    items: groups.map((g) => groupDiscovery(g, resources)),
  };
}
