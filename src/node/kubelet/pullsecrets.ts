// Image pull credentials as the kubelet finds them (pkg/credentialprovider: keyring.go and
// secrets.go): the pod's imagePullSecrets of type kubernetes.io/dockerconfigjson
// (.dockerconfigjson: {"auths": {SERVER: {...}}}) or kubernetes.io/dockercfg (.dockercfg:
// {SERVER: {...}}), matched against the image's repository the way the docker client matches:
// a key is a host (with * globs per label), an optional port and a path prefix; more specific
// keys first; Docker Hub's key index.docker.io serves every Docker Hub image.

import { parseReference } from '../images/reference.js';
import type { AuthConfig } from '../runtime/types.js';
import type { SecretObject } from './types.js';

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
}

/** The entries of a pull secret; throws for a secret of another type or with a bad body. */
export function dockerConfigOf(secret: SecretObject): Record<string, DockerConfigEntry> {
  const data = secret.data ?? {};
  const decode = (k: string): unknown => {
    const raw = data[k];
    if (raw === undefined) throw new Error(`secret ${secret.metadata.name} has no ${k}`);
    return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
  };
  if (secret.type === 'kubernetes.io/dockerconfigjson') {
    const doc = decode('.dockerconfigjson') as { auths?: Record<string, DockerConfigEntry> };
    return doc?.auths && typeof doc.auths === 'object' ? doc.auths : {};
  }
  if (secret.type === 'kubernetes.io/dockercfg') {
    const doc = decode('.dockercfg') as Record<string, DockerConfigEntry>;
    return doc && typeof doc === 'object' ? doc : {};
  }
  throw new Error(
    `secret ${secret.metadata.name} is of type ${secret.type ?? 'Opaque'}, not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`,
  );
}

function toAuth(server: string, e: DockerConfigEntry): AuthConfig {
  const a: AuthConfig = { serverAddress: server };
  let { username, password } = e;
  if ((!username || !password) && e.auth) {
    const text = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) {
      username = text.slice(0, i);
      password = text.slice(i + 1);
    }
  }
  if (username) a.username = username;
  if (password) a.password = password;
  if (e.identitytoken) a.identityToken = e.identitytoken;
  if (e.registrytoken) a.registryToken = e.registrytoken;
  return a;
}

interface ParsedURL {
  hostParts: string[];
  port: string;
  path: string;
}

function parseSchemeless(s: string): ParsedURL | undefined {
  let u: URL;
  try {
    u = new URL(/^https?:\/\//.test(s) ? s : `https://${s}`);
  } catch {
    return undefined;
  }
  return { hostParts: u.hostname.split('.'), port: u.port, path: u.pathname };
}

function globLabel(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^.]*')}$`,
  );
  return re.test(value);
}

/** kubelet's URLsMatch: glob hosts label by label, equal ports, key path a prefix of the image's. */
export function urlsMatch(key: string, target: string): boolean {
  const g = parseSchemeless(key);
  const t = parseSchemeless(target);
  if (!g || !t) return false;
  if (g.hostParts.length !== t.hostParts.length) return false;
  if (!g.hostParts.every((p, i) => globLabel(p, t.hostParts[i]))) return false;
  if (g.port !== t.port) return false;
  return t.path.startsWith(g.path);
}

const DEFAULT_REGISTRY_HOST = 'index.docker.io';

export class DockerKeyring {
  private readonly creds = new Map<string, AuthConfig[]>();

  add(config: Record<string, DockerConfigEntry>): void {
    for (const [loc, entry] of Object.entries(config)) {
      if (!entry || typeof entry !== 'object') continue;
      const value = /^https?:\/\//.test(loc) ? loc : `https://${loc}`;
      let u: URL;
      try {
        u = new URL(value);
      } catch {
        continue;
      }
      let p = u.pathname;
      if (p.startsWith('/v2/') || p.startsWith('/v1/')) p = p.slice(3);
      const key = p && p !== '/' ? `${u.host}${p}` : u.host;
      const list = this.creds.get(key) ?? [];
      list.push(toAuth(loc, entry));
      this.creds.set(key, list);
    }
  }

  /** The credentials for an image, most specific key first (kubelet's BasicDockerKeyring.Lookup). */
  lookup(image: string): AuthConfig[] {
    let repo: string;
    try {
      const r = parseReference(image);
      repo = `${r.domain}/${r.path}`;
    } catch {
      return [];
    }
    const out: AuthConfig[] = [];
    for (const key of [...this.creds.keys()].sort().reverse()) {
      if (urlsMatch(key, repo)) out.push(...this.creds.get(key)!);
    }
    if (out.length) return out;
    if (repo.startsWith('docker.io/')) {
      return this.creds.get(DEFAULT_REGISTRY_HOST) ?? this.creds.get('registry-1.docker.io') ?? [];
    }
    return [];
  }
}

/**
 * The credentials the pod's pull secrets give for an image. Secrets that cannot be read are
 * named in `missing` (kubelet then warns FailedToRetrieveImagePullSecret and pulls anyway).
 */
export async function pullCredentials(
  image: string,
  names: string[],
  get: (name: string) => Promise<SecretObject>,
): Promise<{ auth: AuthConfig[]; missing: string[] }> {
  const keyring = new DockerKeyring();
  const missing: string[] = [];
  for (const name of names) {
    let s: SecretObject;
    try {
      s = await get(name);
    } catch {
      missing.push(name);
      continue;
    }
    // Secrets of other types, or unreadable ones, give nothing (kubelet's MakeDockerKeyring).
    try {
      keyring.add(dockerConfigOf(s));
    } catch {
      /* ignored */
    }
  }
  return { auth: keyring.lookup(image), missing };
}
