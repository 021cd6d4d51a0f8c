// kube-scheduler as a component of its own (cmd/kube-scheduler/app): its own client and
// informers, scheduling only while it holds the kube-scheduler Lease in kube-system, so that
// two control planes sharing a store never both bind pods.

import { type ComponentConnection, componentClient, componentInformerFactory } from '../client/component.js';
import { type Runnable, runLeaderElected } from '../client/leaderelection.js';
import { Scheduler } from './scheduler.js';

/** The scheduler's credential is a bearer token or a client certificate (system:kube-scheduler). */
export interface SchedulerServerOptions extends ComponentConnection {
  log?: (msg: string) => void;
}

export interface SchedulerServer {
  /** Whether this scheduler holds the kube-scheduler Lease now. */
  isLeader(): boolean;
  /** Set when it runs in a worker thread of its own (thread.ts). */
  readonly thread?: true;
  stop(): Promise<void>;
}

export async function startScheduler(opts: SchedulerServerOptions): Promise<SchedulerServer> {
  const client = componentClient(opts, 'kube-scheduler/v1.32.0 (k8ts)');
  // One term per Lease held: a fresh scheduler and informers each time (see runLeaderElected).
  const term = async (): Promise<Runnable> => {
    const factory = componentInformerFactory(client, opts.log);
    const scheduler = new Scheduler(client, factory, { log: opts.log });
    factory.start();
    try {
      await factory.waitForCacheSync(30_000);
    } catch (e) {
      await scheduler.stop().catch(() => undefined);
      await factory.stop();
      throw e;
    }
    return {
      start() {
        scheduler.start();
      },
      async stop() {
        await scheduler.stop().catch(() => undefined);
        await factory.stop();
      },
    };
  };
  const elector = runLeaderElected(client, 'kube-scheduler', term, opts.log);
  return {
    isLeader: () => elector.isLeader(),
    async stop() {
      await elector.stop();
      client.close();
    },
  };
}
