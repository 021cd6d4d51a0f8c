// What the CSR approver and signer share, as kube-controller-manager's CertificateController
// (pkg/controller/certificates/certificate_controller.go): CertificateSigningRequests from the
// shared informer queued by name, a request that is gone or already has its certificate left
// alone, the rest handed to the controller's handler; a write that finds the request gone or
// changed (404, 409) is dropped, since the informer brings the new version back to the queue.

import type { KObject } from '../api/object.js';
import { CERTIFICATESIGNINGREQUESTS } from '../api/types.js';
import { QueueController } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';
import { csrCertificate } from './csrutil.js';

export abstract class CertificateController extends QueueController {
  protected readonly csrs: Informer;

  constructor(
    name: string,
    protected readonly client: RestClient,
    factory: SharedInformerFactory,
    log?: (m: string) => void,
  ) {
    super(name, 2, log);
    this.csrs = factory.informerFor(CERTIFICATESIGNINGREQUESTS);
    const kick = (o: KObject) => this.loop.enqueue(o.metadata.name!);
    this.csrs.addEventHandler({ onAdd: kick, onUpdate: (_o, n) => kick(n) });
  }

  async reconcile(name: string): Promise<void> {
    const csr = this.csrs.get(name);
    if (!csr || csrCertificate(csr)) return;
    await this.handle(csr);
  }

  /** One step for a request that exists and has no certificate yet. */
  protected abstract handle(csr: KObject): Promise<void>;

  /** Writes next through the request's subresource (approval, status). */
  protected async writeSubresource(subresource: string, next: KObject): Promise<void> {
    try {
      await this.client.update({ ...CERTIFICATESIGNINGREQUESTS, name: next.metadata.name!, subresource }, next);
    } catch (e) {
      if (isApiError(e) && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }
}
