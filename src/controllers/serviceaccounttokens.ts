// The token controller, as kube-controller-manager's serviceaccount-token controller
// (pkg/controller/serviceaccount/tokens_controller.go): legacy, secret-based tokens, made only
// when asked for. A Secret of type kubernetes.io/service-account-token naming a service account
// (annotation kubernetes.io/service-account.name) is filled with a non-expiring token signed with
// the cluster's service-account key (--service-account-private-key-file), the cluster CA and the
// namespace; a token Secret whose service account does not exist (or has another uid) is
// deleted, and so are an account's token Secrets when the account goes. The API server accepts
// such a token only while the Secret still holds it.

import type { KObject } from '../api/object.js';
import { SECRETS, SERVICEACCOUNTS } from '../api/types.js';
import { generateLegacyToken } from '../apiserver/serviceaccount/token.js';
import { ControllerLoop, type Reconciler } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';
import type { ServiceAccountKeyPair } from '../pki/serviceaccount.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME = 'kubernetes.io/service-account.name';
const SA_UID = 'kubernetes.io/service-account.uid';

type Secret = KObject & { type?: string; data?: Record<string, string> };

const b64 = (s: string) => Buffer.from(s).toString('base64');

export class ServiceAccountTokensController implements Reconciler {
  readonly name = 'serviceaccount-token';
  readonly loop: ControllerLoop;
  private secrets: Informer;
  private sas: Informer;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private readonly opts: { keys: ServiceAccountKeyPair; rootCA?: string; log?: (m: string) => void },
  ) {
    this.loop = new ControllerLoop(this, 1, opts.log);
    this.secrets = factory.informerFor(SECRETS);
    this.sas = factory.informerFor(SERVICEACCOUNTS);
    const secret = (o: KObject) => {
      if ((o as Secret).type === SERVICE_ACCOUNT_TOKEN_TYPE) this.loop.enqueue(`secret/${o.metadata.namespace}/${o.metadata.name}`);
    };
    this.secrets.addEventHandler({ onAdd: secret, onUpdate: (_o, n) => secret(n) });
    // An account that goes (or comes back with another uid) takes its token Secrets with it.
    const account = (o: KObject) => {
      for (const s of this.secrets.byIndex('namespace', o.metadata.namespace!) as Secret[]) {
        if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE && s.metadata.annotations?.[SA_NAME] === o.metadata.name)
          this.loop.enqueue(`secret/${s.metadata.namespace}/${s.metadata.name}`);
      }
    };
    this.sas.addEventHandler({ onAdd: account, onDelete: account });
  }

  start(): void {
    this.loop.start();
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(key: string): Promise<void> {
    const [, namespace, name] = key.split('/');
    const secret = this.secrets.getByName(namespace, name) as Secret | undefined;
    if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || secret.metadata.deletionTimestamp) return;
    const saName = secret.metadata.annotations?.[SA_NAME] ?? '';
    const wantUID = secret.metadata.annotations?.[SA_UID];
    // The cache may be behind a just-made account: ask the server before deleting anything.
    let sa = this.sas.getByName(namespace, saName);
    if (!sa || (wantUID && sa.metadata.uid !== wantUID))
      sa = await this.client.get({ ...SERVICEACCOUNTS, namespace, name: saName }).catch((e) => {
        if (isApiError(e) && e.code === 404) return undefined;
        throw e;
      });
    if (!sa || (wantUID && sa.metadata.uid !== wantUID)) {
      await this.client.delete({ ...SECRETS, namespace, name }, { preconditions: { uid: secret.metadata.uid } }).catch((e) => {
        if (!(isApiError(e) && (e.code === 404 || e.code === 409))) throw e;
      });
      return;
    }
    const data = { ...(secret.data ?? {}) };
    const want: Record<string, string> = { namespace: b64(namespace) };
    if (this.opts.rootCA) want['ca.crt'] = b64(this.opts.rootCA);
    const needsToken = !data.token;
    const stale = Object.entries(want).some(([k, v]) => data[k] !== v);
    if (!needsToken && !stale && wantUID === sa.metadata.uid) return;
    if (needsToken) data.token = b64(await generateLegacyToken(this.opts.keys, sa, name));
    const next: Secret = {
      ...secret,
      data: { ...data, ...want },
      metadata: { ...secret.metadata, annotations: { ...(secret.metadata.annotations ?? {}), [SA_UID]: sa.metadata.uid! } },
    };
    try {
      await this.client.update({ ...SECRETS, namespace, name }, next);
    } catch (e) {
      // Changed meanwhile: the informer's event brings it back here with the new version.
      if (isApiError(e) && (e.code === 409 || e.code === 404)) return;
      throw e;
    }
  }
}
