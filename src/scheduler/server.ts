// kube-scheduler as a component of its own (cmd/kube-scheduler/app): its own client and
// informers, scheduling only while it holds the kube-scheduler Lease in kube-system, so that
// two control planes sharing a store never both bind pods.

import { SharedInformerFactory, stripManagedFields } from '../client/informer.js';
import { type Runnable, runLeaderElected } from '../client/leaderelection.js';
import { RestClient, type TransportFactory } from '../client/rest.js';
import { Scheduler } from './scheduler.js';

export interface SchedulerServerOptions {
  server: string;
  /** The scheduler's credential: a bearer token, or a client certificate (system:kube-scheduler). */
  token?: string;
  certData?: string;
  keyData?: string;
  /** The cluster CA, PEM. */
  caData?: string;
  /** How its client reaches the API server (HTTPS by default; in-process in `k8ts up`). */
  transport?: TransportFactory;
  log?: (msg: string) => void;
}

export interface SchedulerServer {
  /** Whether this scheduler holds the kube-scheduler Lease now. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

export async function startScheduler(opts: SchedulerServerOptions): Promise<SchedulerServer> {
  const client = new RestClient({
    server: opts.server,
    token: opts.token,
    certData: opts.certData,
    keyData: opts.keyData,
    caData: opts.caData,
    userAgent: 'kube-scheduler/v1.32.0 (k8ts)',
    transport: opts.transport,
  });
  // One term per Lease held: a fresh scheduler and informers each time (see runLeaderElected).
  const term = async (): Promise<Runnable> => {
    // managedFields dropped from the cached objects, as kube-scheduler's informers do (memory).
    const factory = new SharedInformerFactory(client, {
      onError: (e) => opts.log?.(`informer: ${(e as Error)?.message ?? String(e)}`),
      transform: stripManagedFields,
    });
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
