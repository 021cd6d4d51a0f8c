// The discovery client, as client-go's discovery.ServerPreferredResources: which resources the
// server serves, in its preferred version of each group, read from /api and /apis. Controllers
// that act on every resource (the garbage collector, the namespace controller) learn them here,
// as kube-controller-manager's do, rather than from a list compiled in.

import type { RestClient } from './rest.js';

/** A served resource as discovery describes it (subresources left out). */
export interface APIResource {
  group: string;
  version: string;
  /** Plural, lower case: "deployments". */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface APIResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}
interface APIGroupList {
  groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
}
interface APIVersions {
  versions: string[];
}

function resourcesOf(group: string, version: string, list: APIResourceList): APIResource[] {
  return list.resources
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: [...r.verbs] }));
}

export async function serverPreferredResources(client: RestClient): Promise<APIResource[]> {
  const out: APIResource[] = [];
  const core = await client.request<APIVersions>('GET', '/api');
  const coreVersion = core.versions[0];
  if (coreVersion) out.push(...resourcesOf('', coreVersion, await client.request<APIResourceList>('GET', `/api/${coreVersion}`)));
  const groups = await client.request<APIGroupList>('GET', '/apis');
  for (const g of groups.groups) {
    const version = g.preferredVersion?.version ?? g.versions[0]?.version;
    if (!version) continue;
    out.push(...resourcesOf(g.name, version, await client.request<APIResourceList>('GET', `/apis/${g.name}/${version}`)));
  }
  return out;
}
