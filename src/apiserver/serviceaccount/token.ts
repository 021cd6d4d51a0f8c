// Service-account tokens, as kube-apiserver's pkg/serviceaccount (jwt.go, claims.go): JWTs
// signed (RS256 or ES256, by the key's type) with the cluster's service-account key, carrying Kubernetes' claims (iss, sub
// system:serviceaccount:NS:NAME, aud, exp, iat, nbf, jti, and under "kubernetes.io" the
// namespace, the service account and the object the token is bound to), and the authenticator
// that takes them back: signature, issuer, time (with go-jose's one-minute leeway), audience,
// then the service account and the bound objects must still exist with the uids the token names.
// A token of a deleted pod, or of a service account deleted and made again, stops working.

import { createHash, type KeyObject, randomUUID } from 'node:crypto';
import type { KObject } from '../../api/object.js';
import { type ServiceAccountKeyPair, signingAlgorithm } from '../../pki/serviceaccount.js';
import type { UserInfo } from '../authn/user.js';

/** jose, loaded by the first token signed or checked rather than at every start of the API server (#13). */
let joseModule: Promise<typeof import('jose')> | undefined;
const jose = () => {
  joseModule ??= import('jose');
  return joseModule;
};

/** kube-apiserver's --service-account-issuer as kubeadm sets it; also the API's own audience. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** What the ServiceAccount admission asks for in kube-api-access volumes (1 h 7 s): the marker of a token that may be extended. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
/** How long such a token really lives when --service-account-extend-token-expiration is on (1 year). */
export const EXPIRATION_EXTENSION_SECONDS = 365 * 24 * 60 * 60;
/** The issuer of legacy secret-based tokens (serviceaccount.LegacyIssuer). */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** Legacy tokens' claims (legacyPrivateClaims). */
const LEGACY_NAMESPACE = 'kubernetes.io/serviceaccount/namespace';
const LEGACY_SECRET_NAME = 'kubernetes.io/serviceaccount/secret.name';
const LEGACY_SA_NAME = 'kubernetes.io/serviceaccount/service-account.name';
const LEGACY_SA_UID = 'kubernetes.io/serviceaccount/service-account.uid';
/** go-jose's jwt.DefaultLeeway: clocks may differ by a minute. */
export const LEEWAY_SECONDS = 60;
/**
 * How long a verified signature is trusted without checking it again: kube-apiserver's token
 * cache keeps whole successful authentications for 10 s (--token-success-cache-ttl's default);
 * here only the signature check is kept, the bound objects are looked up every time.
 */
export const VERIFIED_TOKEN_TTL_MS = 10_000;
const VERIFIED_TOKEN_CACHE_SIZE = 4096;

export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';

/** Keys of the user's extra, as k8s.io/apiserver/pkg/authentication/serviceaccount names them. */
export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

/** The authenticated user (k8s.io/apiserver user.Info), as ServiceAccountInfo.UserInfo() makes it. */
export interface ServiceAccountUser extends UserInfo {
  uid: string;
  extra: Record<string, string[]>;
}

interface Ref {
  name: string;
  uid: string;
}

/** The "kubernetes.io" private claim. */
export interface KubernetesClaims {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
  /** Seconds since the epoch after which an extended token's use is stale (warn only). */
  warnafter?: number;
}

/** Where the authenticator looks the service account and bound objects up (the API server's store). */
export interface ServiceAccountTokenGetter {
  serviceAccount(namespace: string, name: string): Promise<KObject | undefined>;
  pod(namespace: string, name: string): Promise<KObject | undefined>;
  secret(namespace: string, name: string): Promise<KObject | undefined>;
  node(name: string): Promise<KObject | undefined>;
}

export interface ServiceAccountTokensOptions {
  keys: ServiceAccountKeyPair;
  getter: ServiceAccountTokenGetter;
  /** --service-account-issuer (default DEFAULT_ISSUER). */
  issuer?: string;
  /** --api-audiences: the audiences this API server accepts (default: the issuer). */
  audiences?: string[];
  /** --service-account-extend-token-expiration (default true, as kube-apiserver). */
  extendExpiration?: boolean;
  /** --service-account-max-token-expiration in seconds (default none). */
  maxExpirationSeconds?: number;
  /** The clock, in ms (tests). */
  now?: () => number;
}

/**
 * A legacy token for a kubernetes.io/service-account-token Secret (LegacyClaims), as the
 * token controller writes into it: no expiry, no audience; valid while the Secret holds it.
 */
export async function generateLegacyToken(keys: ServiceAccountKeyPair, sa: KObject, secretName: string): Promise<string> {
  const ns = sa.metadata.namespace!;
  const { SignJWT } = await jose();
  return new SignJWT({
    [LEGACY_NAMESPACE]: ns,
    [LEGACY_SECRET_NAME]: secretName,
    [LEGACY_SA_NAME]: sa.metadata.name!,
    [LEGACY_SA_UID]: sa.metadata.uid!,
  })
    .setProtectedHeader({ alg: signingAlgorithm(keys.privateKey), kid: keyID(keys.publicKey) })
    .setIssuer(LEGACY_ISSUER)
    .setSubject(serviceAccountUsername(ns, sa.metadata.name!))
    .sign(keys.privateKey);
}

/** Why a token that is ours was refused (the API answers 401; the reason goes to the log). */
export class InvalidTokenError extends Error {}

/** keyIDFromPublicKey: the unpadded base64url SHA-256 of the public key's DER (SubjectPublicKeyInfo). */
export function keyID(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url');
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

/** What a token is bound to, read from the store by the TokenRequest handler. */
export interface BoundObjects {
  pod?: KObject;
  secret?: KObject;
  node?: KObject;
}

export interface IssuedToken {
  token: string;
  /** When the token really expires (ms). */
  expiresAt: number;
}

const isDeletedBefore = (o: KObject, cutoffMs: number): boolean => {
  const d = o.metadata.deletionTimestamp;
  return typeof d === 'string' && Date.parse(d) < cutoffMs;
};

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly audiences: string[];
  readonly extendExpiration: boolean;
  readonly maxExpirationSeconds?: number;
  private readonly kid: string;
  /** RS256 for an RSA key, ES256 for a P-256 one: the algorithm is the key's, and only it verifies. */
  private readonly alg: string;
  private readonly now: () => number;
  /**
   * Tokens whose signature and times were verified, with their claims, for up to
   * VERIFIED_TOKEN_TTL_MS (never past their exp): the controllers and the scheduler send the same
   * token with every request, and the ECDSA check was most of a request's authentication. What
   * the claims name (service account, pod, secret, node) is still looked up on every request,
   * so a deleted one's token is refused at once, as before.
   */
  private readonly verified = new Map<string, { payload: Record<string, unknown>; until: number }>();

  constructor(private readonly opts: ServiceAccountTokensOptions) {
    this.issuer = opts.issuer ?? DEFAULT_ISSUER;
    this.audiences = opts.audiences?.length ? [...opts.audiences] : [this.issuer];
    this.extendExpiration = opts.extendExpiration ?? true;
    this.maxExpirationSeconds = opts.maxExpirationSeconds;
    this.kid = keyID(opts.keys.publicKey);
    this.alg = signingAlgorithm(opts.keys.privateKey);
    this.now = opts.now ?? Date.now;
  }

  /** The key pair tokens are signed with (its public half is published at /openid/v1/jwks). */
  get keys(): ServiceAccountKeyPair {
    return this.opts.keys;
  }

  /** Whether every audience asked for is one of the API server's own (TokenREST.isKubeAudiences). */
  isKubeAudiences(audiences: string[]): boolean {
    return audiences.length > 0 && audiences.every((a) => this.audiences.includes(a));
  }

  /** Signs a token for sa (claims.go Claims + jwt.go GenerateToken). */
  async generate(
    sa: KObject,
    bound: BoundObjects,
    expirationSeconds: number,
    audiences: string[],
    warnAfterSeconds?: number,
  ): Promise<IssuedToken> {
    const nowS = Math.floor(this.now() / 1000);
    const k8s: KubernetesClaims = {
      namespace: sa.metadata.namespace!,
      serviceaccount: { name: sa.metadata.name!, uid: sa.metadata.uid! },
    };
    if (bound.pod) {
      k8s.pod = { name: bound.pod.metadata.name!, uid: bound.pod.metadata.uid! };
    } else if (bound.secret) {
      k8s.secret = { name: bound.secret.metadata.name!, uid: bound.secret.metadata.uid! };
    }
    // A pod-bound token names the pod's node too (ServiceAccountTokenPodNodeInfo, on in v1.32).
    if (bound.node) k8s.node = { name: bound.node.metadata.name!, uid: bound.node.metadata.uid! };
    if (warnAfterSeconds) k8s.warnafter = nowS + warnAfterSeconds;
    const exp = nowS + expirationSeconds;
    const { SignJWT } = await jose();
    const token = await new SignJWT({ 'kubernetes.io': k8s as unknown as Record<string, unknown> })
      .setProtectedHeader({ alg: this.alg, kid: this.kid })
      .setIssuer(this.issuer)
      .setSubject(serviceAccountUsername(k8s.namespace, k8s.serviceaccount.name))
      .setAudience(audiences)
      .setIssuedAt(nowS)
      .setNotBefore(nowS)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.opts.keys.privateKey);
    return { token, expiresAt: exp * 1000 };
  }

  /**
   * The JWT token authenticator: undefined when the token is not a JWT of this issuer (another
   * authenticator may know it); InvalidTokenError when it is ours but may not be used.
   */
  async authenticateToken(token: string): Promise<ServiceAccountUser | undefined> {
    const hit = this.verified.get(token);
    if (hit && hit.until > this.now()) return this.validateClaims(hit.payload);
    if (hit) this.verified.delete(token);
    // Not a JWT, or another issuer's: not ours to judge (jwt.go hasCorrectIssuer).
    if (token.split('.').length !== 3) return undefined;
    const { decodeJwt, decodeProtectedHeader, errors: joseErrors, jwtVerify } = await jose();
    let iss: unknown;
    try {
      decodeProtectedHeader(token);
      iss = decodeJwt(token).iss;
    } catch {
      return undefined;
    }
    if (iss === LEGACY_ISSUER) return this.authenticateLegacy(token);
    if (iss !== this.issuer) return undefined;

    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.opts.keys.publicKey, {
        issuer: this.issuer,
        algorithms: [this.alg],
        clockTolerance: LEEWAY_SECONDS,
        currentDate: new Date(this.now()),
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new InvalidTokenError('service account token has expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf')
        throw new InvalidTokenError('service account token is not valid yet');
      throw new InvalidTokenError(`invalid service account token: ${(e as Error).message}`);
    }
    this.rememberVerified(token, payload);
    return this.validateClaims(payload);
  }

  private rememberVerified(token: string, payload: Record<string, unknown>): void {
    const now = this.now();
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : now;
    const until = Math.min(now + VERIFIED_TOKEN_TTL_MS, exp);
    if (until <= now) return;
    if (this.verified.size >= VERIFIED_TOKEN_CACHE_SIZE) {
      for (const [k, v] of this.verified) if (v.until <= now) this.verified.delete(k);
      if (this.verified.size >= VERIFIED_TOKEN_CACHE_SIZE) this.verified.clear();
    }
    this.verified.set(token, { payload, until });
  }

  /** The claims of a verified token: audiences, subject, and what it is bound to, still there. */
  private async validateClaims(payload: Record<string, unknown>): Promise<ServiceAccountUser> {
    const aud =
      typeof payload.aud === 'string'
        ? [payload.aud]
        : Array.isArray(payload.aud)
          ? payload.aud.filter((a): a is string => typeof a === 'string')
          : [];
    if (!aud.some((a) => this.audiences.includes(a))) {
      throw new InvalidTokenError(
        `token audiences ${JSON.stringify(aud)} is invalid for the target audiences ${JSON.stringify(this.audiences)}`,
      );
    }
    const k8s = payload['kubernetes.io'] as Partial<KubernetesClaims> | undefined;
    const ns = k8s?.namespace;
    const saRef = k8s?.serviceaccount;
    if (!ns || !saRef?.name || !saRef.uid) throw new InvalidTokenError('service account token has no kubernetes.io claims');
    if (payload.sub !== serviceAccountUsername(ns, saRef.name))
      throw new InvalidTokenError('service account token subject does not match its claims');
    return this.validateBinding(ns, k8s as KubernetesClaims, typeof payload.jti === 'string' ? payload.jti : undefined);
  }

  /** legacy.go legacyValidator: the Secret must still hold this very token, the service account still be there. */
  private async authenticateLegacy(token: string): Promise<ServiceAccountUser> {
    const { jwtVerify } = await jose();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.opts.keys.publicKey, {
        issuer: LEGACY_ISSUER,
        algorithms: [this.alg],
        currentDate: new Date(this.now()),
      }));
    } catch (e) {
      throw new InvalidTokenError(`invalid service account token: ${(e as Error).message}`);
    }
    const str = (k: string) => (typeof payload[k] === 'string' ? (payload[k] as string) : '');
    const ns = str(LEGACY_NAMESPACE),
      secretName = str(LEGACY_SECRET_NAME),
      saName = str(LEGACY_SA_NAME),
      saUID = str(LEGACY_SA_UID);
    if (!ns || !secretName || !saName || !saUID) throw new InvalidTokenError('service account token claims are missing');
    if (payload.sub !== serviceAccountUsername(ns, saName)) throw new InvalidTokenError('sub claim is invalid');
    const secret = await this.opts.getter.secret(ns, secretName);
    if (!secret || secret.metadata.deletionTimestamp) throw new InvalidTokenError('token has been invalidated');
    const held = (secret.data as Record<string, string> | undefined)?.token;
    if (!held || Buffer.from(held, 'base64').toString('utf8') !== token) throw new InvalidTokenError("token does not match server's copy");
    const sa = await this.opts.getter.serviceAccount(ns, saName);
    if (!sa) throw new InvalidTokenError(`serviceaccounts "${saName}" not found`);
    if (sa.metadata.deletionTimestamp) throw new InvalidTokenError(`service account ${ns}/${saName} has been deleted`);
    if (sa.metadata.uid !== saUID) throw new InvalidTokenError(`service account UID (${sa.metadata.uid}) does not match claim (${saUID})`);
    return {
      name: serviceAccountUsername(ns, saName),
      uid: saUID,
      groups: [ALL_SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNT_GROUP_PREFIX}${ns}`],
      extra: {},
    };
  }

  /** claims.go validator.Validate: what the token names must still exist, with the same uids. */
  private async validateBinding(ns: string, k8s: KubernetesClaims, jti: string | undefined): Promise<ServiceAccountUser> {
    // Things deleted before now - leeway no longer vouch for the token.
    const cutoff = this.now() - LEEWAY_SECONDS * 1000;
    const g = this.opts.getter;
    const sa = await g.serviceAccount(ns, k8s.serviceaccount.name);
    if (!sa) throw new InvalidTokenError(`serviceaccounts "${k8s.serviceaccount.name}" not found`);
    if (isDeletedBefore(sa, cutoff)) throw new InvalidTokenError(`service account ${ns}/${k8s.serviceaccount.name} has been deleted`);
    if (sa.metadata.uid !== k8s.serviceaccount.uid)
      throw new InvalidTokenError(`service account UID (${sa.metadata.uid}) does not match claim (${k8s.serviceaccount.uid})`);
    const extra: Record<string, string[]> = {};
    if (k8s.secret) {
      const secret = await g.secret(ns, k8s.secret.name);
      if (!secret || isDeletedBefore(secret, cutoff)) throw new InvalidTokenError('service account token has been invalidated');
      if (secret.metadata.uid !== k8s.secret.uid)
        throw new InvalidTokenError(
          `secret UID (${secret.metadata.uid}) does not match service account secret ref claim (${k8s.secret.uid})`,
        );
    }
    if (k8s.pod) {
      const pod = await g.pod(ns, k8s.pod.name);
      if (!pod || isDeletedBefore(pod, cutoff)) throw new InvalidTokenError('service account token has been invalidated');
      if (pod.metadata.uid !== k8s.pod.uid)
        throw new InvalidTokenError(`pod UID (${pod.metadata.uid}) does not match service account pod ref claim (${k8s.pod.uid})`);
      extra[EXTRA_POD_NAME] = [k8s.pod.name];
      extra[EXTRA_POD_UID] = [k8s.pod.uid];
    }
    if (k8s.node) {
      // Only a token bound to the node itself stands or falls with it; a pod's token just names it.
      if (!k8s.pod && !k8s.secret) {
        const node = await g.node(k8s.node.name);
        if (!node || isDeletedBefore(node, cutoff)) throw new InvalidTokenError('service account token has been invalidated');
        if (node.metadata.uid !== k8s.node.uid)
          throw new InvalidTokenError(`node UID (${node.metadata.uid}) does not match service account node ref claim (${k8s.node.uid})`);
      }
      extra[EXTRA_NODE_NAME] = [k8s.node.name];
      extra[EXTRA_NODE_UID] = [k8s.node.uid];
    }
    if (jti) extra[EXTRA_CREDENTIAL_ID] = [`JTI=${jti}`];
    return {
      name: serviceAccountUsername(ns, k8s.serviceaccount.name),
      uid: k8s.serviceaccount.uid,
      groups: [ALL_SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNT_GROUP_PREFIX}${ns}`],
      extra,
    };
  }
}
