// kube-scheduler as a component of its own (cmd/kube-scheduler/app): its own client and
// informers, scheduling only while it holds the kube-scheduler Lease in kube-system, so that
// two control planes sharing a store never both bind pods.

import { SharedInformerFactory } from '../client/informer.js';
import { runLeaderElected } from '../client/leaderelection.js';
import { RestClient } from '../client/rest.js';
import { Scheduler } from './scheduler.js';

export interface SchedulerServerOptions {
  server: string;
  token: string;
  /** The cluster CA, PEM. */
  caData?: string;
  log?: (msg: string) => void;
}

export interface SchedulerServer {
  /** Whether this scheduler holds the kube-scheduler Lease now. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

export async function startScheduler(opts: SchedulerServerOptions): Promise<SchedulerServer> {
  const client = new RestClient({ server: opts.server, token: opts.token, caData: opts.caData, userAgent: 'kube-scheduler/v1.32.0 (k8ts)' });
  const factory = new SharedInformerFactory(client, { onError: (e) => opts.log?.(`informer: ${(e as Error)?.message ?? String(e)}`) });
  const scheduler = new Scheduler(client, factory, { log: opts.log });
  factory.start();
  await factory.waitForCacheSync(30_000);
  const elector = runLeaderElected(client, 'kube-scheduler', [scheduler], opts.log);
  return {
    isLeader: () => elector.isLeader(),
    async stop() {
      await elector.stop();
      await scheduler.stop().catch(() => undefined);
      await factory.stop();
      client.close();
    },
  };
}
