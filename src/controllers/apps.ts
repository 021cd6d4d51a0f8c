// The apps/v1 (and core/v1 ReplicationController) workload controllers of
// kube-controller-manager beyond ReplicaSet and Deployment, built on the shared informers:
// daemonset, statefulset, and the replication manager (the ReplicaSet controller run over
// ReplicationControllers, as Kubernetes runs it).

import type { RestClient } from '../client/rest.js';
import type { SharedInformerFactory } from '../client/informer.js';
import { DaemonSetController } from './daemonset.js';
import { StatefulSetController } from './statefulset.js';
import { REPLICATIONCONTROLLER_KIND, ReplicaSetController } from './replicaset.js';
import type { Runnable } from './manager.js';

export function appsControllers(client: RestClient, factory: SharedInformerFactory, log?: (m: string) => void): Runnable[] {
  return [
    new DaemonSetController(client, factory, { log }),
    new StatefulSetController(client, factory, { log }),
    new ReplicaSetController(client, factory, { log, kind: REPLICATIONCONTROLLER_KIND }),
  ];
}
