// The token cleaner, as kube-controller-manager's tokencleaner (pkg/controller/bootstrap/
// tokencleaner.go): a bootstrap token Secret in kube-system is deleted once its expiration has
// passed (looked at again exactly then), so an expired token is gone, not just refused.

import { BOOTSTRAP_TOKEN_SECRET_TYPE, bootstrapTokenExpiration } from '../api/bootstraptoken.js';
import type { KObject } from '../api/object.js';
import { SECRETS } from '../api/types.js';
import { QueueController } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';

export class TokenCleaner extends QueueController {
  private readonly secrets: Informer;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private readonly log?: (m: string) => void,
  ) {
    super('token-cleaner', 1, log);
    this.secrets = factory.informerFor({ ...SECRETS, namespace: 'kube-system', fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}` });
    const kick = (s: KObject) => this.loop.enqueue(s.metadata.name!);
    this.secrets.addEventHandler({ onAdd: kick, onUpdate: (_o, n) => kick(n) });
  }

  async reconcile(name: string): Promise<number | void> {
    const s = this.secrets.getByName('kube-system', name);
    if (!s || s.metadata.deletionTimestamp || (s as { type?: string }).type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return;
    const exp = bootstrapTokenExpiration(s);
    if (exp === undefined || Number.isNaN(exp)) return;
    const left = exp - Date.now();
    if (left > 0) return left + 50;
    this.log?.(`token-cleaner: deleting expired bootstrap token kube-system/${name}`);
    try {
      await this.client.delete({ ...SECRETS, namespace: 'kube-system', name }, { preconditions: { uid: s.metadata.uid } });
    } catch (e) {
      if (isApiError(e) && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }
}
