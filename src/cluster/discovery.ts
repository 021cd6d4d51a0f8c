// Token discovery, as `kubeadm join --token T --discovery-token-ca-cert-hash sha256:H`
// (cmd/kubeadm/app/discovery/token): before the joining node trusts anything, it reads
// kube-public/cluster-info anonymously over TLS it cannot yet verify; that kubeconfig must carry
// a JWS signature made with the joiner's token (proof that whoever serves it holds the token),
// and its CA's public key must hash to one of the pinned hashes (proof that the CA is the
// cluster's, not one a man in the middle who learnt the token made). Then it reads cluster-info
// again over TLS verified with that CA, and it must be the same.

import YAML from 'yaml';
import {
  CLUSTER_INFO_CONFIGMAP,
  CLUSTER_INFO_NAMESPACE,
  JWS_SIGNATURE_PREFIX,
  KUBECONFIG_KEY,
  parseBootstrapToken,
} from '../api/bootstraptoken.js';
import type { KObject } from '../api/object.js';
import { CONFIGMAPS } from '../api/types.js';
import { RestClient } from '../client/rest.js';
import { caCertHash } from '../pki/csr.js';
import { verifyDetachedSignature } from '../pki/jws.js';

const CLUSTER_INFO = { ...CONFIGMAPS, namespace: CLUSTER_INFO_NAMESPACE, name: CLUSTER_INFO_CONFIGMAP };

export interface DiscoveryResult {
  /** The CA to trust from now on (PEM). */
  caPEM: string;
  /** The API server address cluster-info names. */
  server: string;
}

async function fetchClusterInfo(server: string, caPEM?: string): Promise<Record<string, string>> {
  const client = new RestClient({
    server,
    caData: caPEM,
    insecure: caPEM === undefined,
    userAgent: 'kubeadm/v1.32.0 (k8ts agent, discovery)',
    timeoutMs: 10_000,
  });
  try {
    const cm = await client.get<KObject & { data?: Record<string, string> }>(CLUSTER_INFO);
    return cm.data ?? {};
  } finally {
    client.close();
  }
}

/**
 * RetrieveValidatedConfigInfo: the cluster's CA, verified by the token's signature and the
 * pinned hashes. With no pins, the CA is refused unless unsafeSkipCAVerification (kubeadm's
 * --discovery-token-unsafe-skip-ca-verification), which trusts the token's signature alone.
 */
export async function discoverClusterCA(o: {
  server: string;
  token: string;
  caCertHashes: string[];
  unsafeSkipCAVerification?: boolean;
  /**
   * How long to keep trying while the API server cannot be reached or cluster-info has no
   * signature for the token yet (the bootstrap signer signs a new token within moments), as
   * kubeadm's discovery timeout; a signature that does not verify or an unpinned CA is final.
   */
  timeoutMs?: number;
  log?: (m: string) => void;
}): Promise<DiscoveryResult> {
  const deadline = Date.now() + (o.timeoutMs ?? 0);
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await discoverOnce(o);
    } catch (e) {
      if (!(e instanceof RetryableDiscoveryError) || Date.now() + delay > deadline) throw e;
      o.log?.(`k8ts agent: ${(e as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

class RetryableDiscoveryError extends Error {}

async function discoverOnce(o: {
  server: string;
  token: string;
  caCertHashes: string[];
  unsafeSkipCAVerification?: boolean;
}): Promise<DiscoveryResult> {
  const t = parseBootstrapToken(o.token);
  if (!t) throw new Error('the token is not of the form "[a-z0-9]{6}.[a-z0-9]{16}"');
  const pins = o.caCertHashes.map((h) => h.trim().toLowerCase());
  for (const p of pins) if (!/^sha256:[0-9a-f]{64}$/.test(p)) throw new Error(`invalid CA hash "${p}": expected sha256:<64 hex digits>`);
  if (!pins.length && !o.unsafeSkipCAVerification)
    throw new Error(
      'give --discovery-token-ca-cert-hash sha256:<hash> (printed by `k8ts token create --print-join-command`) to pin the cluster CA',
    );
  let data: Record<string, string>;
  try {
    data = await fetchClusterInfo(o.server);
  } catch (e) {
    throw new RetryableDiscoveryError(
      `cannot read ${CLUSTER_INFO_NAMESPACE}/${CLUSTER_INFO_CONFIGMAP} from ${o.server}: ${(e as Error).message}`,
    );
  }
  const content = data[KUBECONFIG_KEY];
  if (!content) throw new Error(`there is no ${KUBECONFIG_KEY} in the ${CLUSTER_INFO_CONFIGMAP} ConfigMap`);
  const sig = data[`${JWS_SIGNATURE_PREFIX}${t.id}`];
  if (!sig)
    throw new RetryableDiscoveryError(
      `there is no JWS signed token in the ${CLUSTER_INFO_CONFIGMAP} ConfigMap. This token id "${t.id}" is invalid for this cluster, or it has expired`,
    );
  if (!(await verifyDetachedSignature(content, sig, t.id, t.secret)))
    throw new Error(`failed to verify JWS signature of received cluster info object, can't trust this API Server`);
  const caPEM = caFromKubeconfig(content);
  const hash = caCertHash(caPEM);
  if (pins.length && !pins.includes(hash))
    throw new Error(`cluster CA found in cluster-info ConfigMap is not trusted: public key ${hash} not pinned`);
  // Again, now verifying the server with that CA: the same cluster-info, or nothing is trusted.
  const again = await fetchClusterInfo(o.server, caPEM);
  if (again[KUBECONFIG_KEY] !== content) throw new Error('cluster-info changed between the unverified and the verified read');
  const server = serverFromKubeconfig(content) ?? o.server;
  return { caPEM, server };
}

function firstCluster(content: string): Record<string, unknown> {
  const cfg = YAML.parse(content) as { clusters?: { cluster?: Record<string, unknown> }[] };
  const c = cfg?.clusters?.[0]?.cluster;
  if (!c) throw new Error('the cluster-info kubeconfig has no cluster');
  return c;
}

function caFromKubeconfig(content: string): string {
  const ca = firstCluster(content)['certificate-authority-data'];
  if (typeof ca !== 'string' || !ca) throw new Error('the cluster-info kubeconfig has no certificate-authority-data');
  return Buffer.from(ca, 'base64').toString('utf8');
}

function serverFromKubeconfig(content: string): string | undefined {
  const s = firstCluster(content).server;
  return typeof s === 'string' ? s : undefined;
}
