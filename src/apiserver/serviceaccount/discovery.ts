// Service account issuer discovery (ServiceAccountIssuerDiscovery, kube-apiserver's
// pkg/serviceaccount/openidmetadata.go): /.well-known/openid-configuration and /openid/v1/jwks,
// so that other parties (a vault, a cloud's workload identity) can verify the cluster's
// service-account tokens as OIDC ID tokens. Reached like any non-resource URL: RBAC's bootstrap
// policy lets every service account `get` them (system:service-account-issuer-discovery).

import type { ServerResponse } from 'node:http';
import { exportJWK } from 'jose';
import type { ServiceAccountKeyPair } from '../../pki/serviceaccount.js';
import { writeJSON } from '../http.js';
import { keyID } from './token.js';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

/** The discovery document: the issuer and where its keys are (--service-account-jwks-uri, else the issuer's /openid/v1/jwks). */
export function openIDConfiguration(issuer: string, jwksURI?: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksURI ?? `${issuer.replace(/\/+$/, '')}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

/** The public keys that verify the cluster's tokens, as a JWK set. */
export async function jwks(keys: ServiceAccountKeyPair): Promise<{ keys: Record<string, unknown>[] }> {
  const jwk = await exportJWK(keys.publicKey);
  return { keys: [{ use: 'sig', kty: jwk.kty, kid: keyID(keys.publicKey), alg: 'RS256', n: jwk.n, e: jwk.e }] };
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
      ? openIDConfiguration(issuer, jwksURI)
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
