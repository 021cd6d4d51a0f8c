// The namespace controller: a namespace being deleted (phase Terminating) has everything in it
// deleted; once nothing is left, its "kubernetes" finalizer is removed and the namespace goes.

import { type KObject, nowRFC3339 } from '../api/object.js';
import { NAMESPACES } from '../api/types.js';
import { ControllerLoop, type Reconciler } from '../client/controller.js';
import type { APIResource } from '../client/discovery.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';

export class NamespaceController implements Reconciler {
  readonly name = 'namespace';
  readonly loop: ControllerLoop;
  private ns: Informer;

  /** resources: what the server serves (discovery.serverPreferredResources). */
  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private resources: APIResource[],
    log?: (m: string) => void,
  ) {
    this.loop = new ControllerLoop(this, 1, log);
    this.ns = factory.informerFor(NAMESPACES);
    const on = (o: KObject) => {
      if (o.metadata.deletionTimestamp) this.loop.enqueue(o.metadata.name!);
    };
    this.ns.addEventHandler({ onAdd: on, onUpdate: (_o, n) => on(n) });
  }

  /** The served resources changed (a CRD came or went): namespaces are emptied of those now served. */
  sync(resources: APIResource[]): void {
    this.resources = resources;
  }

  start(): void {
    this.loop.start();
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(name: string): Promise<number | void> {
    const ns = this.ns.get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    const left: string[] = [];
    for (const ri of this.resources) {
      if (!ri.namespaced || !ri.verbs.includes('deletecollection')) continue;
      const ref = { group: ri.group, version: ri.version, resource: ri.resource, namespace: name };
      try {
        await this.client.deleteCollection(ref, { propagationPolicy: 'Background' });
        const list = await this.client.list(ref);
        if (list.items.length) {
          remaining += list.items.length;
          left.push(`${ri.resource}.${ri.group || ''}`.replace(/\.$/, '') + ` has ${list.items.length} resource instances`);
        }
      } catch (e) {
        if (isApiError(e) && e.code === 404) continue;
        throw e;
      }
    }
    if (remaining > 0) {
      await this.setCondition(ns, left);
      return 1000;
    }
    const finalizers = ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter((f) => f !== 'kubernetes');
    try {
      await this.client.update({ ...NAMESPACES, name, subresource: 'finalize' }, { ...ns, spec: { ...(ns.spec as object), finalizers } });
    } catch (e) {
      if (isApiError(e) && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }

  /** The NamespaceContentRemaining condition users see in `kubectl describe namespace`. */
  private async setCondition(ns: KObject, left: string[]): Promise<void> {
    const status = {
      ...(ns.status as object),
      phase: 'Terminating',
      conditions: [
        {
          type: 'NamespaceContentRemaining',
          status: 'True',
          lastTransitionTime: nowRFC3339(),
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${left.join(', ')}`,
        },
      ],
    };
    await this.client.update({ ...NAMESPACES, name: ns.metadata.name, subresource: 'status' }, { ...ns, status }).catch(() => undefined);
  }
}
