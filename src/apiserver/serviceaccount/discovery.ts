// Service account issuer discovery (ServiceAccountIssuerDiscovery, kube-apiserver's
// pkg/serviceaccount/openidmetadata.go): /.well-known/openid-configuration and /openid/v1/jwks,
// so that other parties (a vault, a cloud's workload identity) can verify the cluster's
// service-account tokens as OIDC ID tokens. Reached like any non-resource URL: RBAC's bootstrap
// policy lets every service account `get` them (system:service-account-issuer-discovery).

import type { ServerResponse } from 'node:http';
import { type ServiceAccountKeyPair, signingAlgorithm } from '../../pki/serviceaccount.js';
import { writeJSON } from '../http.js';
import { keyID } from './token.js';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

/** The discovery document: the issuer and where its keys are (--service-account-jwks-uri, else the issuer's /openid/v1/jwks). */
export function openIDConfiguration(issuer: string, keys: ServiceAccountKeyPair, jwksURI?: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksURI ?? `${issuer.replace(/\/+$/, '')}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    // The algorithms of the keys that verify (openidmetadata.go getAlgs).
    id_token_signing_alg_values_supported: [signingAlgorithm(keys.publicKey)],
  };
}

/** The public keys that verify the cluster's tokens, as a JWK set. */
export async function jwks(keys: ServiceAccountKeyPair): Promise<{ keys: Record<string, unknown>[] }> {
  // jose is loaded when the keys are first asked for, not at the API server's start.
  const { exportJWK } = await import('jose');
  const jwk = await exportJWK(keys.publicKey);
  const alg = signingAlgorithm(keys.publicKey);
  const material = jwk.kty === 'EC' ? { crv: jwk.crv, x: jwk.x, y: jwk.y } : { n: jwk.n, e: jwk.e };
  return { keys: [{ use: 'sig', kty: jwk.kty, kid: keyID(keys.publicKey), alg, ...material }] };
}

/** Serves one of the two documents (GET only), with the caching kube-apiserver allows (1 h, public). */
export async function serveIssuerDiscovery(
  path: string,
  method: string,
  res: ServerResponse,
  issuer: string,
  keys: ServiceAccountKeyPair,
  jwksURI?: string,
): Promise<boolean> {
  const doc =
    path === OPENID_CONFIGURATION_PATH || path === `${OPENID_CONFIGURATION_PATH}/`
      ? openIDConfiguration(issuer, keys, jwksURI)
      : path === JWKS_PATH || path === `${JWKS_PATH}/`
        ? await jwks(keys)
        : undefined;
  if (!doc) return false;
  if (method !== 'GET' && method !== 'HEAD') return false;
  const jwkSet = path.startsWith(JWKS_PATH);
  writeJSON(res, 200, doc, {
    'Content-Type': jwkSet ? 'application/jwk-set+json' : 'application/json',
    'Cache-Control': 'public, max-age=3600',
  });
  return true;
}
