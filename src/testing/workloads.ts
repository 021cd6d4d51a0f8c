// Workload manifests for tests of the controllers that run them: a Deployment, ReplicaSet,
// StatefulSet or DaemonSet whose selector and pod template carry the label app=<name>, with one
// container, as `kubectl create deployment <name> --image=nginx --replicas=N` writes one.

import type { KObject } from '../api/object.js';

/** kind name with replicas pods labelled app=name, each one container c running image. */
export function workloadManifest(kind: string, name: string, replicas: number, image = 'nginx'): KObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}
