// The service-account controller: every active namespace has a "default" ServiceAccount,
// recreated if deleted.

import type { KObject } from '../api/object.js';
import { NAMESPACES, SERVICEACCOUNTS } from '../api/types.js';
import { ControllerLoop, type Reconciler } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';

export class ServiceAccountController implements Reconciler {
  readonly name = 'serviceaccount';
  readonly loop: ControllerLoop;
  private ns: Informer;
  private sa: Informer;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    log?: (m: string) => void,
  ) {
    this.loop = new ControllerLoop(this, 1, log);
    this.ns = factory.informerFor(NAMESPACES);
    this.sa = factory.informerFor(SERVICEACCOUNTS);
    this.ns.addEventHandler({
      onAdd: (o) => this.loop.enqueue(o.metadata.name!),
      onUpdate: (_o, n) => this.loop.enqueue(n.metadata.name!),
    });
    this.sa.addEventHandler({
      onDelete: (o: KObject) => {
        if (o.metadata.name === 'default') this.loop.enqueue(o.metadata.namespace!);
      },
    });
  }

  start(): void {
    this.loop.start();
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(name: string): Promise<void> {
    const ns = this.ns.get(name);
    if (!ns || ns.metadata.deletionTimestamp) return;
    if (this.sa.get(`${name}/default`)) return;
    try {
      await this.client.create(
        { ...SERVICEACCOUNTS, namespace: name },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } },
      );
    } catch (e) {
      if (isApiError(e) && (e.code === 409 || e.code === 403 || e.code === 404)) return;
      throw e;
    }
  }
}
