// Image references as Docker and containerd read them (distribution/reference's
// ParseNormalizedNamed): nginx -> docker.io/library/nginx:latest, user/app:v1 ->
// docker.io/user/app:v1, registry.k8s.io/pause:3.10 unchanged, name@sha256:... keeps its digest.

import { ImagePullError } from '../runtime/types.js';

export class InvalidImageNameError extends ImagePullError {}

export interface Reference {
  /** Registry host[:port] as named (docker.io for Docker Hub). */
  domain: string;
  /** Repository path inside the registry: library/nginx. */
  path: string;
  tag?: string;
  digest?: string;
}

const PATH_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const DOMAIN_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** Parses and normalizes a reference; throws InvalidImageNameError with Docker's wording. */
export function parseReference(ref: string): Reference {
  const input = ref.trim();
  if (!input || /\s/.test(input) || input.length > 4096) throw new InvalidImageNameError(ref, `invalid reference format: "${ref}"`);
  let name = input;
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw new InvalidImageNameError(ref, `invalid reference format: "${ref}"`);
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  let domain: string;
  let path: string;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = name.slice(slash + 1);
  } else {
    domain = 'docker.io';
    path = name;
  }
  if (!DOMAIN_RE.test(domain)) throw new InvalidImageNameError(ref, `invalid reference format: "${ref}"`);
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (path !== path.toLowerCase())
    throw new InvalidImageNameError(ref, `invalid reference format: repository name (${path}) must be lowercase`);
  if (!PATH_RE.test(path) || domain.length + path.length > 255) throw new InvalidImageNameError(ref, `invalid reference format: "${ref}"`);
  if (tag !== undefined && !TAG_RE.test(tag)) throw new InvalidImageNameError(ref, `invalid reference format: "${ref}"`);
  if (tag === undefined && digest === undefined) tag = 'latest';
  const out: Reference = { domain, path };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

export function formatReference(r: Reference): string {
  return `${r.domain}/${r.path}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The repository part: docker.io/library/nginx. */
export function repositoryOf(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/**
 * Normalizes an image reference as Docker and containerd do:
 * nginx -> docker.io/library/nginx:latest, user/app:v1 -> docker.io/user/app:v1,
 * gcr.io/x/y:v1 unchanged, a digest reference keeps its digest.
 */
export function normalizeImageRef(ref: string): string {
  return formatReference(parseReference(ref));
}
