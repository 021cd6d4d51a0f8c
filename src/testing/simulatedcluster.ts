// Controllers against simulated nodes, for tests of controllers whose pods must run somewhere
// (Jobs, DaemonSets, StatefulSets): one kube-controller-manager client and informer factory
// (short watch back-off), the nodes started and added once the caches have synced, then the
// controllers started, as they would find a cluster already up. stop() takes it all down.

import { SharedInformerFactory } from '../client/informer.js';
import type { Runnable } from '../client/leaderelection.js';
import type { RestClient } from '../client/rest.js';
import { SimulatedNodes, type SimulatedNodesOptions } from '../node/simulated.js';
import { type TestControlPlane, testLog } from './controlplane.js';

export interface SimulatedCluster {
  client: RestClient;
  factory: SharedInformerFactory;
  sim: SimulatedNodes;
  /** The names of the nodes added at start. */
  nodes: string[];
  stop(): Promise<void>;
}

export async function startSimulatedCluster(
  cp: TestControlPlane,
  o: {
    nodes: number;
    sim?: Omit<SimulatedNodesOptions, 'log'>;
    controllers: (client: RestClient, factory: SharedInformerFactory) => Runnable[] | Promise<Runnable[]>;
  },
): Promise<SimulatedCluster> {
  const client = cp.newClient('kube-controller-manager/test');
  const factory = new SharedInformerFactory(client, { backoffInitialMs: 50, backoffMaxMs: 500 });
  const sim = new SimulatedNodes(cp.newClient('sim'), factory, { ...o.sim, log: testLog });
  const controllers = await o.controllers(client, factory);
  factory.start();
  await factory.waitForCacheSync(5000);
  sim.start();
  const nodes = await sim.add(o.nodes);
  for (const c of controllers) c.start();
  return {
    client,
    factory,
    sim,
    nodes,
    async stop() {
      await Promise.all([...controllers.map((c) => c.stop()), sim.stop()]);
      await factory.stop();
    },
  };
}
