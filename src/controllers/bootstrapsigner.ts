// The bootstrap signer, as kube-controller-manager's bootstrapsigner (pkg/controller/bootstrap/
// bootstrapsigner.go): kube-public/cluster-info carries, for each bootstrap token that may sign
// (usage-bootstrap-signing, not expired), the detached JWS of its kubeconfig under that token
// (data["jws-kubeconfig-<id>"]); signatures of tokens gone or expired are removed. A joiner who
// holds a token can then tell the real cluster-info from a forged one.

import {
  BOOTSTRAP_TOKEN_SECRET_KEY,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  BOOTSTRAP_TOKEN_USAGE_PREFIX,
  CLUSTER_INFO_CONFIGMAP,
  CLUSTER_INFO_NAMESPACE,
  isBootstrapTokenExpired,
  isBootstrapTokenId,
  JWS_SIGNATURE_PREFIX,
  KUBECONFIG_KEY,
  secretValue,
} from '../api/bootstraptoken.js';
import type { KObject } from '../api/object.js';
import { CONFIGMAPS, SECRETS } from '../api/types.js';
import { ControllerLoop, type Reconciler } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';
import { computeDetachedSignature } from '../pki/jws.js';

const KEY = 'cluster-info';

export class BootstrapSigner implements Reconciler {
  readonly name = 'bootstrap-signer';
  readonly loop: ControllerLoop;
  private readonly cms: Informer;
  private readonly secrets: Informer;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    log?: (m: string) => void,
  ) {
    this.loop = new ControllerLoop(this, 1, log);
    this.cms = factory.informerFor({ ...CONFIGMAPS, namespace: CLUSTER_INFO_NAMESPACE });
    this.secrets = factory.informerFor({ ...SECRETS, namespace: 'kube-system', fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}` });
    const kick = () => this.loop.enqueue(KEY);
    this.cms.addEventHandler({ onAdd: kick, onUpdate: kick, onDelete: kick });
    this.secrets.addEventHandler({ onAdd: kick, onUpdate: kick, onDelete: kick });
  }

  start(): void {
    this.loop.start();
    this.loop.enqueue(KEY);
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** The tokens that may sign now: id -> secret; and when the next of them expires. */
  private signingTokens(): { tokens: Map<string, string>; nextExpiry?: number } {
    const tokens = new Map<string, string>();
    let nextExpiry: number | undefined;
    for (const s of this.secrets.list() as KObject[]) {
      if ((s as { type?: string }).type !== BOOTSTRAP_TOKEN_SECRET_TYPE || s.metadata.deletionTimestamp) continue;
      const id = secretValue(s, 'token-id') ?? '';
      const secret = secretValue(s, BOOTSTRAP_TOKEN_SECRET_KEY) ?? '';
      if (!isBootstrapTokenId(id) || !/^[a-z0-9]{16}$/.test(secret)) continue;
      if (s.metadata.name !== `bootstrap-token-${id}`) continue;
      if (secretValue(s, `${BOOTSTRAP_TOKEN_USAGE_PREFIX}signing`) !== 'true') continue;
      if (isBootstrapTokenExpired(s)) continue;
      const exp = Date.parse(secretValue(s, 'expiration') ?? '');
      if (!Number.isNaN(exp)) nextExpiry = Math.min(nextExpiry ?? exp, exp);
      tokens.set(id, secret);
    }
    return { tokens, nextExpiry };
  }

  async reconcile(): Promise<number | void> {
    const cm = this.cms.getByName(CLUSTER_INFO_NAMESPACE, CLUSTER_INFO_CONFIGMAP) as
      | (KObject & { data?: Record<string, string> })
      | undefined;
    if (!cm) return;
    const content = cm.data?.[KUBECONFIG_KEY];
    if (content === undefined) return;
    const { tokens, nextExpiry } = this.signingTokens();
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(cm.data ?? {})) if (!k.startsWith(JWS_SIGNATURE_PREFIX)) data[k] = v;
    for (const [id, secret] of [...tokens].sort())
      data[`${JWS_SIGNATURE_PREFIX}${id}`] = await computeDetachedSignature(content, id, secret);
    // An expiring token's signature goes when it expires, without waiting for the cleaner.
    const again = nextExpiry !== undefined ? Math.max(0, nextExpiry - Date.now()) + 100 : undefined;
    if (JSON.stringify(sorted(data)) === JSON.stringify(sorted(cm.data ?? {}))) return again;
    const next = structuredClone(cm);
    next.data = data;
    try {
      await this.client.update({ ...CONFIGMAPS, namespace: CLUSTER_INFO_NAMESPACE, name: CLUSTER_INFO_CONFIGMAP }, next);
    } catch (e) {
      if (isApiError(e) && e.code === 409) return 0; // changed meanwhile: look again at the new one
      throw e;
    }
    return again;
  }
}

function sorted(m: Record<string, string>): [string, string][] {
  return Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
