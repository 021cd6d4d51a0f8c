// The controller manager (and, in this process, the scheduler): shared informers and the
// controllers that run on them, talking to the cluster only through the API server. Each
// acts only while it holds its Lease (kube-controller-manager / kube-scheduler in
// kube-system), so two control planes sharing a store never both act.

import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { serverPreferredResources } from '../client/discovery.js';
import { RestClient } from '../client/rest.js';
import { SharedInformerFactory } from '../client/informer.js';
import { LeaderElector } from '../client/leaderelection.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { DeploymentController } from './deployment.js';
import { EndpointsController } from './endpoints.js';
import { EndpointSliceController } from './endpointslice.js';
import { GarbageCollector } from './garbagecollector.js';
import { NamespaceController } from './namespace.js';
import { NodeLifecycleController } from './nodelifecycle.js';
import { PodGCController } from './podgc.js';
import { TaintEvictionController } from './tainteviction.js';
import { ReplicaSetController } from './replicaset.js';
import { ServiceAccountController } from './serviceaccount.js';

export interface ControllerManagerOptions {
  server: string;
  token: string;
  /** The cluster CA, PEM. */
  caData?: string;
  log?: (msg: string) => void;
  /** Run the scheduler too (default true). */
  scheduler?: boolean;
  /** Node lifecycle timings (grace period before a silent node is Unknown, ...). */
  nodeLifecycle?: { nodeMonitorGracePeriodMs?: number; monitorPeriodMs?: number };
  /** Extra controllers built on the same informers (node lifecycle, simulated nodes...). */
  extra?: (client: RestClient, factory: SharedInformerFactory) => Runnable[];
}

export interface Runnable {
  start(): void;
  stop(): Promise<void>;
}

export interface ControllerManager {
  client: RestClient;
  factory: SharedInformerFactory;
  /** Whether this manager's controllers hold the kube-controller-manager Lease now. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

function leaderGroup(client: RestClient, name: string, members: Runnable[], log?: (m: string) => void): LeaderElector {
  const identity = `${os.hostname()}_${randomBytes(4).toString('hex')}`;
  const elector = new LeaderElector({
    client, namespace: 'kube-system', name, identity,
    callbacks: {
      onStartedLeading: (signal) => {
        log?.(`${name}: ${identity} became leader`);
        for (const m of members) m.start();
        signal.addEventListener('abort', () => { void Promise.all(members.map((m) => m.stop())); }, { once: true });
      },
      onStoppedLeading: () => log?.(`${name}: ${identity} stopped leading`),
    },
    onError: (e) => log?.(`${name} leader election: ${(e as Error)?.message ?? String(e)}`),
  });
  void elector.run();
  return elector;
}

export async function startControllers(opts: ControllerManagerOptions): Promise<ControllerManager> {
  const client = new RestClient({ server: opts.server, token: opts.token, caData: opts.caData, userAgent: 'kube-controller-manager/v1.32.0 (k8ts)' });
  const factory = new SharedInformerFactory(client, { onError: (e) => opts.log?.(`informer: ${(e as Error)?.message ?? String(e)}`) });
  const resources = await serverPreferredResources(client);
  const controllers: Runnable[] = [
    new GarbageCollector(client, factory, resources, opts.log),
    new NamespaceController(client, factory, resources, opts.log),
    new ServiceAccountController(client, factory, opts.log),
    new ReplicaSetController(client, factory, { log: opts.log }),
    new DeploymentController(client, factory, { log: opts.log }),
    new EndpointsController(client, factory, { log: opts.log }),
    new EndpointSliceController(client, factory, { log: opts.log }),
    new NodeLifecycleController(client, factory, { log: opts.log, ...opts.nodeLifecycle }),
    new TaintEvictionController(client, factory, { log: opts.log }),
    new PodGCController(client, factory, { log: opts.log }),
    ...(opts.extra?.(client, factory) ?? []),
  ];
  const scheduling: Runnable[] = opts.scheduler === false ? [] : [new Scheduler(client, factory, { log: opts.log })];
  factory.start();
  await factory.waitForCacheSync(30_000);
  const electors = [leaderGroup(client, 'kube-controller-manager', controllers, opts.log)];
  if (scheduling.length) electors.push(leaderGroup(client, 'kube-scheduler', scheduling, opts.log));
  return {
    client, factory,
    isLeader: () => electors[0].isLeader(),
    async stop() {
      await Promise.all(electors.map((e) => e.stop()));
      await Promise.all([...controllers, ...scheduling].map((c) => c.stop().catch(() => undefined)));
      await factory.stop();
      client.close();
    },
  };
}
