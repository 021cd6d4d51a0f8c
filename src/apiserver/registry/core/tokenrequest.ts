// serviceaccounts/token: the TokenRequest API, as kube-apiserver's
// pkg/registry/core/serviceaccount/storage/token.go. A POST of an authentication.k8s.io/v1
// TokenRequest names audiences (default: the API server's own), a lifetime (default 1 h, at
// least 10 min, as SetDefaults_TokenRequestSpec and ValidateTokenRequest) and optionally the Pod,
// Secret or Node the token is bound to; the answer carries a signed JWT and its expiry. A
// pod-bound request for exactly 3607 s with the API's audiences (what kube-api-access volumes
// ask) gets a token that really lives a year but says 3607 s, as --service-account-extend-token-
// expiration does, so clients that refresh on time never notice and old clients keep working.

import { errors, type FieldError, StatusError } from '../../../api/errors.js';
import { isObject, type KObject, nowRFC3339 } from '../../../api/object.js';
import { admitNodeTokenRequest } from '../../admission/noderestriction.js';
import { type BoundObjects, EXPIRATION_EXTENSION_SECONDS, WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS } from '../../serviceaccount/token.js';
import type { CreateHandler, RegistryLookup } from '../rest.js';

const GROUP = 'authentication.k8s.io';
/** validation.MinTokenAgeSec */
export const MIN_TOKEN_SECONDS = 600;
const MAX_TOKEN_SECONDS = 2 ** 32;
const DEFAULT_TOKEN_SECONDS = 3600;

interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}
interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number;
  boundObjectRef?: BoundObjectReference | null;
}

/** ValidateTokenRequest, its messages. */
export function validateTokenRequest(spec: TokenRequestSpec): FieldError[] {
  const errs: FieldError[] = [];
  const exp = spec.expirationSeconds!;
  if (exp < MIN_TOKEN_SECONDS)
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.expirationSeconds',
      value: exp,
      detail: 'may not specify a duration less than 10 minutes',
    });
  if (exp > MAX_TOKEN_SECONDS)
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.expirationSeconds',
      value: exp,
      detail: 'may not specify a duration larger than 2^32 seconds',
    });
  return errs;
}

/** schema.FromAPIVersionAndKind(...).String(): "/v1, Kind=ConfigMap", "apps/v1, Kind=Deployment". */
function gvkString(apiVersion: string, kind: string): string {
  const i = apiVersion.indexOf('/');
  const [group, version] = i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
  return `${group}/${version}, Kind=${kind}`;
}

async function getFrom(env: RegistryLookup, resource: string, namespace: string | undefined, name: string): Promise<KObject> {
  return env.registry('', resource)!.get(namespace, name);
}

export const createToken: CreateHandler = async (env, namespace, name, body, ctx) => {
  const issuer = env.serviceAccountTokens;
  if (!issuer) throw new StatusError(503, 'ServiceUnavailable', 'this API server issues no service account tokens');
  if (!isObject(body)) throw errors.badRequest('TokenRequest must be an object');
  const req = body as KObject & { spec?: TokenRequestSpec };
  if (req.kind !== undefined && req.kind !== 'TokenRequest')
    throw errors.badRequest(`the kind in the data (${String(req.kind)}) does not match the expected kind (TokenRequest)`);
  const meta = isObject(req.metadata) ? req.metadata : {};
  const reqName = typeof meta.name === 'string' ? meta.name : '';
  const spec: TokenRequestSpec = isObject(req.spec) ? { ...req.spec } : {};
  if (spec.expirationSeconds === undefined || spec.expirationSeconds === null) spec.expirationSeconds = DEFAULT_TOKEN_SECONDS;
  if (typeof spec.expirationSeconds !== 'number' || !Number.isInteger(spec.expirationSeconds))
    throw errors.badRequest('TokenRequest in version "v1" cannot be handled as a TokenRequest: spec.expirationSeconds must be an integer');
  if (
    spec.audiences !== undefined &&
    spec.audiences !== null &&
    (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string'))
  ) {
    throw errors.badRequest('TokenRequest in version "v1" cannot be handled as a TokenRequest: spec.audiences must be a list of strings');
  }
  const invalid = validateTokenRequest(spec);
  if (invalid.length) throw errors.invalid('TokenRequest', GROUP, reqName, invalid);
  // The body may name the service account and namespace; they must be the URL's.
  if (reqName && reqName !== name)
    throw errors.invalid('TokenRequest', GROUP, name!, [
      { type: 'FieldValueInvalid', field: 'metadata.name', value: reqName, detail: 'must match the service account name if specified' },
    ]);
  if (typeof meta.namespace === 'string' && meta.namespace && meta.namespace !== namespace) {
    throw errors.invalid('TokenRequest', GROUP, name!, [
      {
        type: 'FieldValueInvalid',
        field: 'metadata.namespace',
        value: meta.namespace,
        detail: 'must match the service account namespace if specified',
      },
    ]);
  }

  const sa = await getFrom(env, 'serviceaccounts', namespace, name!);
  const bound: BoundObjects = {};
  const ref = isObject(spec.boundObjectRef) ? (spec.boundObjectRef as BoundObjectReference) : undefined;
  if (ref) {
    for (const k of ['kind', 'apiVersion', 'name', 'uid'] as const) {
      if (ref[k] !== undefined && typeof ref[k] !== 'string')
        throw errors.badRequest(
          `TokenRequest in version "v1" cannot be handled as a TokenRequest: spec.boundObjectRef.${k} must be a string`,
        );
    }
    const apiVersion = ref.apiVersion ?? '',
      kind = ref.kind ?? '';
    const core = apiVersion === 'v1';
    let uid: string | undefined;
    if (core && kind === 'Pod') {
      const pod = await getFrom(env, 'pods', namespace, ref.name ?? '');
      const podSA = (pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? '';
      if (podSA !== name)
        throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with serviceaccount "${podSA}"`);
      bound.pod = pod;
      uid = pod.metadata.uid;
      // The pod's node goes into the token too (ServiceAccountTokenPodNodeInfo).
      const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName) bound.node = await getFrom(env, 'nodes', undefined, nodeName).catch(() => undefined);
    } else if (core && kind === 'Secret') {
      bound.secret = await getFrom(env, 'secrets', namespace, ref.name ?? '');
      uid = bound.secret.metadata.uid;
    } else if (core && kind === 'Node') {
      bound.node = await getFrom(env, 'nodes', undefined, ref.name ?? '');
      uid = bound.node.metadata.uid;
    } else {
      throw errors.badRequest(`cannot bind token to object of type ${gvkString(apiVersion, kind)}`);
    }
    admitNodeTokenRequest(ctx.user, name!, ref, bound.pod);
    if (ref.uid && ref.uid !== uid) {
      throw errors.conflict(
        kind,
        '',
        ref.name ?? '',
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
      );
    }
  }
  if (!ref) admitNodeTokenRequest(ctx.user, name!, undefined, undefined);
  const audiences = spec.audiences?.length ? [...spec.audiences] : [...issuer.audiences];
  let requested = spec.expirationSeconds;
  if (issuer.maxExpirationSeconds && requested > issuer.maxExpirationSeconds) {
    ctx.warnings.push(`requested expiration of ${requested} seconds shortened to ${issuer.maxExpirationSeconds} seconds`);
    requested = issuer.maxExpirationSeconds;
  }
  let lifetime = requested;
  let warnAfter: number | undefined;
  if (issuer.extendExpiration && bound.pod && requested === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && issuer.isKubeAudiences(audiences)) {
    warnAfter = requested;
    lifetime = EXPIRATION_EXTENSION_SECONDS;
  }
  const issuedAt = Date.now();
  const { token } = await issuer.generate(sa, bound, lifetime, audiences, warnAfter);
  const out = {
    kind: 'TokenRequest',
    apiVersion: `${GROUP}/v1`,
    metadata: { name: name!, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: requested, boundObjectRef: ref ?? null },
    // The requested expiry, not an extended one: the holder should refresh on that schedule.
    status: { token, expirationTimestamp: nowRFC3339(new Date(issuedAt + requested * 1000)) },
  };
  if (!ref) delete (out.spec as { boundObjectRef?: unknown }).boundObjectRef;
  return { code: 201, body: out };
};
