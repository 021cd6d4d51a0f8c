// The kubelet's service-account token manager (pkg/kubelet/token/token_manager.go): projected
// serviceAccountToken volume sources are filled with tokens the node asks the TokenRequest API
// for, bound to the pod; each is kept and handed out again until 80 % of its life has passed
// (or 24 h, with up to 10 s of jitter so that a node's tokens do not all renew together), then
// requested anew. If the API cannot be reached, a token that has not expired yet is still used.

import type { KObject } from '../../api/object.js';
import { SERVICEACCOUNTS } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';

/** kubelet's maxTTL and maxJitter. */
const MAX_TTL_MS = 24 * 3600_000;
const MAX_JITTER_MS = 10_000;

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds: number;
  boundObjectRef: { apiVersion: 'v1'; kind: 'Pod'; name: string; uid: string };
}

export interface TokenRequestResult {
  token: string;
  /** RFC 3339: when the holder should have a new one (the requested expiry). */
  expirationTimestamp: string;
}

interface Cached {
  result: TokenRequestResult;
  spec: TokenRequestSpec;
}

export type RequestToken = (namespace: string, serviceAccount: string, spec: TokenRequestSpec) => Promise<TokenRequestResult>;

/** POST serviceaccounts/NAME/token through the node's API client. */
export function tokenRequester(client: RestClient): RequestToken {
  return async (namespace, serviceAccount, spec) => {
    const tr = await client.create<KObject & { status?: Partial<TokenRequestResult> }>(
      { ...SERVICEACCOUNTS, namespace, name: serviceAccount, subresource: 'token' },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: serviceAccount, namespace }, spec },
    );
    if (!tr.status?.token || !tr.status.expirationTimestamp) throw new Error('the TokenRequest API answered without a token');
    return { token: tr.status.token, expirationTimestamp: tr.status.expirationTimestamp };
  };
}

export class ServiceAccountTokenManager {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly request: RequestToken,
    private readonly now: () => number = Date.now,
    private readonly log?: (msg: string) => void,
  ) {}

  /** GetServiceAccountToken: the cached token unless it needs refreshing; a fresh one otherwise. */
  async get(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<TokenRequestResult> {
    this.cleanup();
    const key = [serviceAccount, namespace, (spec.audiences ?? []).join(','), spec.expirationSeconds, spec.boundObjectRef.uid].join('/');
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return cached.result;
    try {
      const result = await this.request(namespace, serviceAccount, spec);
      this.cache.set(key, { result, spec });
      return result;
    } catch (e) {
      // Still valid: keep using it while the API server is away.
      if (cached && !this.expired(cached)) {
        this.log?.(
          `service account token for ${namespace}/${serviceAccount}: refresh failed, using the current one: ${(e as Error).message}`,
        );
        return cached.result;
      }
      throw e;
    }
  }

  /** DeleteServiceAccountToken: the pod is gone, so are its tokens. */
  forgetPod(podUid: string): void {
    for (const [k, v] of this.cache) if (v.spec.boundObjectRef.uid === podUid) this.cache.delete(k);
  }

  get size(): number {
    return this.cache.size;
  }

  private expired(c: Cached): boolean {
    return this.now() >= Date.parse(c.result.expirationTimestamp);
  }

  private requiresRefresh(c: Cached): boolean {
    const exp = Date.parse(c.result.expirationTimestamp);
    const ttlMs = c.spec.expirationSeconds * 1000;
    const issued = exp - ttlMs;
    const jitter = Math.random() * MAX_JITTER_MS;
    const now = this.now();
    if (now > issued + MAX_TTL_MS - jitter) return true;
    // Within the last 20 % of its life (and the jitter): time for a new one.
    return now > exp - ttlMs * 0.2 - jitter;
  }

  private cleanup(): void {
    for (const [k, v] of this.cache) if (this.expired(v)) this.cache.delete(k);
  }
}
