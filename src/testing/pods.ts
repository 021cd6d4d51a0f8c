// Pods for component tests: the manifest of a one-container pod, and, where no kubelet runs,
// a pod made in the API and then given the status a kubelet would write.

import type { KObject } from '../api/object.js';
import type { ResourceRef, RestClient } from '../client/rest.js';

/** A Pod named name with one container c running image, and the other spec fields given (nodeName...). */
export function podManifest(name: string, image = 'busybox', spec: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...spec, containers: [{ name: 'c', image }] } };
}

/** Creates the pod (bound to nodeName n1) and marks it Running, Ready or not, through its status. */
export async function createRunningPod(
  client: RestClient,
  pods: ResourceRef,
  metadata: KObject['metadata'],
  ready = true,
): Promise<KObject> {
  await client.create(pods, { ...podManifest(metadata.name ?? '', 'busybox', { nodeName: 'n1' }), metadata });
  return client.patch(
    { ...pods, name: metadata.name, subresource: 'status' },
    {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: new Date().toISOString() },
        ],
      },
    },
    'merge',
  );
}
