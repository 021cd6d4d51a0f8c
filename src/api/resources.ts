// The resources the API server serves: one row per resource, the single source for
// routing, discovery (legacy and aggregated), RBAC-ish verbs and the store key layout.

import { apiVersionOf } from './object.js';

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

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const statusSub = (kind: string): SubresourceInfo => ({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });
const scaleSub: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };

function r(
  group: string, version: string, resource: string, kind: string, namespaced: boolean, schema: string,
  extra: Partial<ResourceInfo> = {},
): ResourceInfo {
  return {
    group, version, resource, kind, namespaced, schema,
    singular: kind.toLowerCase(),
    listKind: `${kind}List`,
    verbs: ALL_VERBS,
    subresources: [],
    ...extra,
  };
}

export const RESOURCES: ResourceInfo[] = [
  r('', 'v1', 'namespaces', 'Namespace', false, 'io.k8s.api.core.v1.Namespace', {
    shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [statusSub('Namespace'), { name: 'finalize', kind: 'Namespace', verbs: ['update'] }],
  }),
  r('', 'v1', 'pods', 'Pod', true, 'io.k8s.api.core.v1.Pod', {
    shortNames: ['po'], categories: ['all'],
    subresources: [
      statusSub('Pod'),
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
  }),
  r('', 'v1', 'bindings', 'Binding', true, 'io.k8s.api.core.v1.Binding', { verbs: ['create'] }),
  r('', 'v1', 'services', 'Service', true, 'io.k8s.api.core.v1.Service', {
    shortNames: ['svc'], categories: ['all'],
    subresources: [statusSub('Service'), { name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
  }),
  r('', 'v1', 'endpoints', 'Endpoints', true, 'io.k8s.api.core.v1.Endpoints', { singular: 'endpoints', shortNames: ['ep'] }),
  r('', 'v1', 'nodes', 'Node', false, 'io.k8s.api.core.v1.Node', {
    shortNames: ['no'],
    subresources: [statusSub('Node'), { name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
  }),
  r('', 'v1', 'events', 'Event', true, 'io.k8s.api.core.v1.Event', { shortNames: ['ev'] }),
  r('', 'v1', 'configmaps', 'ConfigMap', true, 'io.k8s.api.core.v1.ConfigMap', { shortNames: ['cm'] }),
  r('', 'v1', 'secrets', 'Secret', true, 'io.k8s.api.core.v1.Secret'),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true, 'io.k8s.api.core.v1.ServiceAccount', { shortNames: ['sa'] }),
  r('apps', 'v1', 'deployments', 'Deployment', true, 'io.k8s.api.apps.v1.Deployment', {
    shortNames: ['deploy'], categories: ['all'], subresources: [statusSub('Deployment'), scaleSub],
  }),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, 'io.k8s.api.apps.v1.ReplicaSet', {
    shortNames: ['rs'], categories: ['all'], subresources: [statusSub('ReplicaSet'), scaleSub],
  }),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease', true, 'io.k8s.api.coordination.v1.Lease'),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true, 'io.k8s.api.discovery.v1.EndpointSlice'),
];

/** API groups in the order discovery lists them (core first). */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Set<string>();
  const out: { group: string; version: string }[] = [];
  for (const ri of RESOURCES) {
    const gv = apiVersionOf(ri.group, ri.version);
    if (!seen.has(gv)) { seen.add(gv); out.push({ group: ri.group, version: ri.version }); }
  }
  return out;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((ri) => ri.group === group && ri.version === version && ri.resource === resource);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((ri) => apiVersionOf(ri.group, ri.version) === apiVersion && ri.kind === kind);
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
