// Pods for component tests: the manifest of a one-container pod, and, where no kubelet runs,
// a pod made in the API and then given the status a kubelet would write.

import type { KObject } from '../api/object.js';
import type { ResourceRef, RestClient } from '../client/rest.js';

/** A Pod (a name, or its metadata) with one container c running image, and the other spec fields given (nodeName...). */
export function podManifest(meta: string | KObject['metadata'], image = 'busybox', spec: Record<string, unknown> = {}): KObject {
  const metadata = typeof meta === 'string' ? { name: meta } : meta;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { ...spec, containers: [{ name: 'c', image }] } };
}

/** Creates the pod (bound to nodeName n1) and marks it Running, Ready or not, through its status. */
export async function createRunningPod(
  client: RestClient,
  pods: ResourceRef,
  metadata: KObject['metadata'],
  ready = true,
): Promise<KObject> {
  await client.create(pods, podManifest(metadata, 'busybox', { nodeName: 'n1' }));
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
