// kube-controller-manager's --use-service-account-credentials, as
// k8s.io/controller-manager/pkg/clientbuilder (DynamicControllerClientBuilder): the manager
// authenticates as system:kube-controller-manager (its shared informers and its Lease), and each
// controller as the service account kube-system/<controller name>, through a bound token the
// manager asks the TokenRequest API for and renews before it expires. What a controller may do
// is then its system:controller:<name> ClusterRole (bootstrap policy), nothing more.

import { errorMessage } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { SERVICEACCOUNTS } from '../api/types.js';
import { isApiError, RestClient, type RestClientOptions } from '../client/rest.js';

const NAMESPACE = 'kube-system';
const KUBE_SYSTEM_SERVICEACCOUNTS = { ...SERVICEACCOUNTS, namespace: NAMESPACE };
/** As DynamicControllerClientBuilder's default: an hour, renewed at 80% of its life. */
const EXPIRATION_SECONDS = 3600;

interface TokenRequest extends KObject {
  status?: { token?: string; expirationTimestamp?: string };
}

export interface ControllerClientBuilder {
  /** The client a controller acts with. */
  clientFor(name: string): Promise<RestClient>;
  stop(): void;
}

/** Every controller acts with the manager's own client (--use-service-account-credentials=false). */
export class SimpleControllerClientBuilder implements ControllerClientBuilder {
  constructor(private readonly root: RestClient) {}
  async clientFor(): Promise<RestClient> {
    return this.root;
  }
  stop(): void {}
}

export class ServiceAccountClientBuilder implements ControllerClientBuilder {
  private readonly clients = new Map<string, { client: RestClient; timer?: NodeJS.Timeout }>();
  private stopped = false;

  constructor(
    private readonly root: RestClient,
    private readonly base: Omit<RestClientOptions, 'token' | 'tokenSource' | 'certData' | 'keyData'>,
    private readonly log?: (m: string) => void,
  ) {}

  async clientFor(name: string): Promise<RestClient> {
    const have = this.clients.get(name);
    if (have) return have.client;
    await this.ensureServiceAccount(name);
    let token = await this.requestToken(name);
    const entry: { client: RestClient; timer?: NodeJS.Timeout } = {
      client: new RestClient({
        ...this.base,
        userAgent: `${this.base.userAgent ?? 'kube-controller-manager/v1.32.0 (k8ts)'}/${name}`,
        tokenSource: () => token.value,
      }),
    };
    this.clients.set(name, entry);
    const renew = (inMs: number) => {
      if (this.stopped) return;
      entry.timer = setTimeout(() => {
        this.requestToken(name)
          .then((t) => {
            token = t;
            renew(t.renewInMs);
          })
          // Try again soon; the current token still has a fifth of its life.
          .catch((e) => {
            this.log?.(`controller credentials for ${name}: ${errorMessage(e)}`);
            renew(10_000);
          });
      }, inMs);
      entry.timer.unref();
    };
    renew(token.renewInMs);
    return entry.client;
  }

  private async ensureServiceAccount(name: string): Promise<void> {
    try {
      await this.root.get({ ...KUBE_SYSTEM_SERVICEACCOUNTS, name });
    } catch (e) {
      if (!isApiError(e) || e.code !== 404) throw e;
      await this.root
        .create(KUBE_SYSTEM_SERVICEACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NAMESPACE } })
        .catch((err) => {
          if (!isApiError(err) || err.code !== 409) throw err;
        });
    }
  }

  private async requestToken(name: string): Promise<{ value: string; renewInMs: number }> {
    const tr = await this.root.create<TokenRequest>({ ...KUBE_SYSTEM_SERVICEACCOUNTS, name, subresource: 'token' }, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: EXPIRATION_SECONDS },
    } as unknown as KObject);
    const value = tr.status?.token;
    if (!value) throw new Error(`no token for service account ${NAMESPACE}/${name}`);
    const exp = Date.parse(tr.status?.expirationTimestamp ?? '') || Date.now() + EXPIRATION_SECONDS * 1000;
    return { value, renewInMs: Math.max(1000, (exp - Date.now()) * 0.8) };
  }

  stop(): void {
    this.stopped = true;
    for (const { client, timer } of this.clients.values()) {
      if (timer) clearTimeout(timer);
      client.close();
    }
    this.clients.clear();
  }
}
