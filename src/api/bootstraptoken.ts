// Bootstrap tokens, as k8s.io/cluster-bootstrap (token/api, token/util, secrets): a token
// "<id>.<secret>" (6 and 16 characters of [a-z0-9]) lives in the Secret kube-system/bootstrap-token-<id>
// of type bootstrap.kubernetes.io/token. The API server authenticates it (usage-bootstrap-authentication),
// the bootstrap signer signs cluster-info with it (usage-bootstrap-signing), the token cleaner
// deletes it once expired. Shared by the authenticator, the controllers and `k8ts token`.

import { randomInt } from 'node:crypto';
import YAML from 'yaml';
import type { KObject } from './object.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_TOKEN_ID_KEY = 'token-id';
export const BOOTSTRAP_TOKEN_SECRET_KEY = 'token-secret';
export const BOOTSTRAP_TOKEN_EXPIRATION_KEY = 'expiration';
export const BOOTSTRAP_TOKEN_DESCRIPTION_KEY = 'description';
export const BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY = 'auth-extra-groups';
export const BOOTSTRAP_TOKEN_USAGE_PREFIX = 'usage-bootstrap-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers';
/** The group kubeadm's default tokens carry, which its RBAC lets create node CSRs. */
export const KUBEADM_DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
/** kube-public/cluster-info: the cluster's CA and address for joiners, signed with each signing token. */
export const CLUSTER_INFO_CONFIGMAP = 'cluster-info';
export const CLUSTER_INFO_NAMESPACE = 'kube-public';
export const KUBECONFIG_KEY = 'kubeconfig';
export const JWS_SIGNATURE_PREFIX = 'jws-kubeconfig-';

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const ID_RE = /^[a-z0-9]{6}$/;
const EXTRA_GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** The id and secret of a token in the bootstrap format, or undefined. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

export const isBootstrapTokenId = (id: string): boolean => ID_RE.test(id);

/** A new random token (kubeadm's GenerateBootstrapToken). */
export function generateBootstrapToken(): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (n: number) => Array.from({ length: n }, () => chars[randomInt(chars.length)]).join('');
  return `${pick(6)}.${pick(16)}`;
}

/** A Secret's data value (base64 in the object) as text. */
export function secretValue(secret: KObject, key: string): string | undefined {
  const data = (secret.data ?? {}) as Record<string, string>;
  const v = data[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

/** The expiration of a token Secret (ms since the epoch), undefined when it has none; NaN when unreadable. */
export function bootstrapTokenExpiration(secret: KObject): number | undefined {
  const v = secretValue(secret, BOOTSTRAP_TOKEN_EXPIRATION_KEY);
  if (!v) return undefined;
  return Date.parse(v);
}

/** Expired (or an unreadable expiration, which is refused as expired): IsSecretExpired. */
export function isBootstrapTokenExpired(secret: KObject, now = Date.now()): boolean {
  const exp = bootstrapTokenExpiration(secret);
  if (exp === undefined) return false;
  return Number.isNaN(exp) || exp <= now;
}

/** auth-extra-groups, each of which must be system:bootstrappers:<...> (GetGroups). */
export function bootstrapTokenGroups(secret: KObject): string[] {
  const v = secretValue(secret, BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY) ?? '';
  const groups = new Set([BOOTSTRAP_DEFAULT_GROUP]);
  for (const g of v.split(',').map((x) => x.trim())) {
    if (!g) continue;
    if (!EXTRA_GROUP_RE.test(g)) throw new Error(`bootstrap group "${g}" is invalid (must match ${EXTRA_GROUP_RE.source})`);
    groups.add(g);
  }
  return [...groups];
}

export interface BootstrapTokenSpec {
  token: string;
  description?: string;
  /** Absolute expiry (ms since the epoch); none: never expires. */
  expires?: number;
  usages: string[];
  groups: string[];
}

/** The Secret for a token (kubeadm's BootstrapToken.ToSecret). */
export function bootstrapTokenSecret(spec: BootstrapTokenSpec): KObject {
  const p = parseBootstrapToken(spec.token);
  if (!p) throw new Error(`the token "${spec.token}" is not of the form "[a-z0-9]{6}.[a-z0-9]{16}"`);
  const stringData: Record<string, string> = {
    [BOOTSTRAP_TOKEN_ID_KEY]: p.id,
    [BOOTSTRAP_TOKEN_SECRET_KEY]: p.secret,
  };
  if (spec.description) stringData[BOOTSTRAP_TOKEN_DESCRIPTION_KEY] = spec.description;
  if (spec.expires !== undefined)
    stringData[BOOTSTRAP_TOKEN_EXPIRATION_KEY] = new Date(spec.expires).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const u of spec.usages) stringData[`${BOOTSTRAP_TOKEN_USAGE_PREFIX}${u}`] = 'true';
  if (spec.groups.length) stringData[BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY] = spec.groups.join(',');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${p.id}`, namespace: 'kube-system' },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    stringData,
  };
}

/** The cluster-info kubeconfig kubeadm writes: one nameless cluster, the server and its CA. */
export function clusterInfoKubeconfig(server: string, caPEM: string): string {
  return YAML.stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caPEM).toString('base64'), server }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  });
}

/** The cluster-info ConfigMap (kube-public), as kubeadm's clusterinfo phase makes it. */
export function clusterInfoConfigMap(server: string, caPEM: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CLUSTER_INFO_CONFIGMAP, namespace: CLUSTER_INFO_NAMESPACE },
    data: { [KUBECONFIG_KEY]: clusterInfoKubeconfig(server, caPEM) },
  };
}
