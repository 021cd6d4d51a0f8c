// The apps/v1 (and core/v1 ReplicationController) workload controllers of
// kube-controller-manager beyond ReplicaSet and Deployment, built on the shared informers:
// daemonset, statefulset, and the replication manager (the ReplicaSet controller run over
// ReplicationControllers, as Kubernetes runs it).

import type { SharedInformerFactory } from '../client/informer.js';
import { DaemonSetController } from './daemonset.js';
import type { ClientFor, Runnable } from './manager.js';
import { REPLICATIONCONTROLLER_KIND, ReplicaSetController } from './replicaset.js';
import { StatefulSetController } from './statefulset.js';

export function appsControllers(clients: ClientFor, factory: SharedInformerFactory, log?: (m: string) => void): Runnable[] {
  return [
    new DaemonSetController(clients('daemon-set-controller'), factory, { log }),
    new StatefulSetController(clients('statefulset-controller'), factory, { log }),
    new ReplicaSetController(clients('replication-controller'), factory, { log, kind: REPLICATIONCONTROLLER_KIND }),
  ];
}
