// Objects every cluster has from the start, as kube-apiserver's bootstrap controllers make
// them: the system namespaces (the `kubernetes` service is kubernetesservice.ts's).

import { StatusError } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { ApiServer } from './server.js';
import type { RequestContext } from './registry/strategy.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function ctx(): RequestContext {
  return { user: { name: 'system:apiserver', groups: ['system:masters'] }, dryRun: false, fieldManager: 'kube-apiserver', warnings: [] };
}

async function ensure(api: ApiServer, group: string, resource: string, namespace: string | undefined, obj: KObject): Promise<void> {
  const reg = api.registry(group, resource)!;
  // Already there (a restart on the same data dir): leave it as it is.
  if (await api.getObject(group, resource, namespace, obj.metadata.name!)) return;
  try {
    await reg.create(namespace, obj, ctx());
  } catch (e) {
    if (e instanceof StatusError && e.code === 409) return;
    throw e;
  }
}

export async function bootstrapCluster(api: ApiServer): Promise<void> {
  for (const ns of SYSTEM_NAMESPACES) {
    await ensure(api, '', 'namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  // The `kubernetes` service and its endpoints: KubernetesServiceController (kubernetesservice.ts).
}
