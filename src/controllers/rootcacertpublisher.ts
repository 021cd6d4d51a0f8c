// The root CA certificate publisher, as kube-controller-manager's root-ca-cert-publisher
// (pkg/controller/certificates/rootcacertpublisher): every namespace has the ConfigMap
// kube-root-ca.crt holding the cluster CA under ca.crt, which the kube-api-access volume of
// every pod projects, so in-cluster clients can verify the API server. Deleted or edited, it is
// put back; a namespace being deleted is left alone.

import type { KObject } from '../api/object.js';
import { CONFIGMAPS, NAMESPACES } from '../api/types.js';
import { QueueController } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export class RootCACertPublisher extends QueueController {
  private ns: Informer;
  private cm: Informer;

  /** rootCA: the PEM bundle to publish (kube-controller-manager's --root-ca-file). */
  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private readonly rootCA: string,
    log?: (m: string) => void,
  ) {
    super('root-ca-cert-publisher', 1, log);
    this.ns = factory.informerFor(NAMESPACES);
    this.cm = factory.informerFor(CONFIGMAPS);
    this.ns.addEventHandler({
      onAdd: (o) => this.loop.enqueue(o.metadata.name!),
      onUpdate: (_o, n) => this.loop.enqueue(n.metadata.name!),
    });
    const mine = (o: KObject) => {
      if (o.metadata.name === ROOT_CA_CONFIGMAP) this.loop.enqueue(o.metadata.namespace!);
    };
    this.cm.addEventHandler({ onUpdate: (_o, n) => mine(n), onDelete: mine });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.ns.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const data = { 'ca.crt': this.rootCA };
    const cm = this.cm.getByName(namespace, ROOT_CA_CONFIGMAP) as (KObject & { data?: Record<string, string> }) | undefined;
    if (!cm) {
      try {
        await this.client.create(
          { ...CONFIGMAPS, namespace },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
            data,
          },
        );
      } catch (e) {
        // Already there (the cache is behind), or the namespace is gone or terminating: nothing to retry.
        if (isApiError(e) && (e.code === 409 || e.code === 404 || e.code === 403)) return;
        throw e;
      }
      return;
    }
    if (JSON.stringify(cm.data ?? {}) === JSON.stringify(data) && cm.metadata.annotations?.[DESCRIPTION_ANNOTATION]) return;
    const next = structuredClone(cm);
    next.data = data;
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION };
    try {
      await this.client.update({ ...CONFIGMAPS, namespace, name: ROOT_CA_CONFIGMAP }, next);
    } catch (e) {
      // Changed or deleted meanwhile: the informer's event brings it back here.
      if (isApiError(e) && (e.code === 409 || e.code === 404)) return;
      throw e;
    }
  }
}
