// The controller manager: shared informers and the controllers that run on them, started
// together and talking to the cluster only through the API server.

import { RestClient } from '../client/rest.js';
import { SharedInformerFactory } from '../client/informer.js';
import { GarbageCollector } from './garbagecollector.js';
import { NamespaceController } from './namespace.js';
import { ServiceAccountController } from './serviceaccount.js';

export interface ControllerManagerOptions {
  server: string;
  token: string;
  /** The cluster CA, PEM. */
  caData?: string;
  log?: (msg: string) => void;
}

export interface ControllerManager {
  client: RestClient;
  factory: SharedInformerFactory;
  stop(): Promise<void>;
}

export async function startControllers(opts: ControllerManagerOptions): Promise<ControllerManager> {
  const client = new RestClient({ server: opts.server, token: opts.token, caData: opts.caData, userAgent: 'kube-controller-manager/v1.32.0 (k8ts)' });
  const factory = new SharedInformerFactory(client, { onError: (e) => opts.log?.(`informer: ${(e as Error)?.message ?? String(e)}`) });
  const controllers = [
    new GarbageCollector(client, factory, opts.log),
    new NamespaceController(client, factory, opts.log),
    new ServiceAccountController(client, factory, opts.log),
  ];
  factory.start();
  await factory.waitForCacheSync(30_000);
  for (const c of controllers) c.start();
  return {
    client, factory,
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      await factory.stop();
      client.close();
    },
  };
}
