// Pods for component tests where no kubelet runs: made in the API, then given the status a
// kubelet would write.

import type { KObject } from '../api/object.js';
import type { ResourceRef, RestClient } from '../client/rest.js';

/** Creates the pod (bound to nodeName n1) and marks it Running, Ready or not, through its status. */
export async function createRunningPod(
  client: RestClient,
  pods: ResourceRef,
  metadata: KObject['metadata'],
  ready = true,
): Promise<KObject> {
  await client.create(pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
  });
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
