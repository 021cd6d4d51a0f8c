// Where a registry's content is fetched from (containerd's remotes/docker/config hosts and
// k3s' registries.yaml, whose shape this file keeps):
//
//   mirrors:
//     docker.io:
//       endpoint: ["https://mirror.example.com", "http://10.0.0.5:5000"]
//     registry.local:5000:
//       endpoint: ["http://registry.local:5000"]      # plain http
//   configs:
//     registry.example.com:
//       auth: { username: u, password: p }           # or auth: base64(u:p), identitytoken
//       tls: { insecure_skip_verify: true, ca_file: /path/ca.crt }
//
// Mirrors are tried in order, then the registry itself. An endpoint's scheme says whether it
// is plain http. Loopback registries (localhost, 127.0.0.0/8, ::1) are plain http by default,
// as containerd's CRI plugin treats them.

import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { AuthConfig } from '../runtime/types.js';

export interface HostTLS {
  insecureSkipVerify?: boolean;
  caFile?: string;
}

export interface RegistryEndpoint {
  /** Base URL: scheme://host[:port] (and a path prefix for some mirrors). */
  url: string;
  /** host[:port] of the URL: where credentials and tokens are looked up. */
  host: string;
  mirror: boolean;
  tls: HostTLS;
}

export interface RegistryConfig {
  mirrors: Record<string, string[]>;
  configs: Record<string, { auth?: AuthConfig; tls?: HostTLS }>;
}

export const EMPTY_REGISTRY_CONFIG: RegistryConfig = { mirrors: {}, configs: {} };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Reads a registries.yaml; a missing file is an empty config, a bad one a clear error. */
export function loadRegistryConfig(file: string | undefined): RegistryConfig {
  if (!file) return EMPTY_REGISTRY_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_REGISTRY_CONFIG;
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new Error(`${file}: not YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return EMPTY_REGISTRY_CONFIG;
  if (!isObject(doc)) throw new Error(`${file}: want a mapping with mirrors and configs`);
  const out: RegistryConfig = { mirrors: {}, configs: {} };
  if (doc.mirrors !== undefined) {
    if (!isObject(doc.mirrors)) throw new Error(`${file}: mirrors must be a mapping of registry to {endpoint: [...]}`);
    for (const [reg, m] of Object.entries(doc.mirrors)) {
      const eps = isObject(m) ? m.endpoint : undefined;
      if (!Array.isArray(eps) || !eps.every((e) => typeof e === 'string'))
        throw new Error(`${file}: mirrors.${reg}.endpoint must be a list of URLs`);
      for (const e of eps as string[]) {
        let u: URL;
        try {
          u = new URL(e);
        } catch {
          throw new Error(`${file}: mirrors.${reg}: "${e}" is not a URL`);
        }
        if (u.protocol !== 'http:' && u.protocol !== 'https:')
          throw new Error(`${file}: mirrors.${reg}: "${e}" must be http:// or https://`);
      }
      out.mirrors[reg] = eps as string[];
    }
  }
  if (doc.configs !== undefined) {
    if (!isObject(doc.configs)) throw new Error(`${file}: configs must be a mapping of registry to {auth, tls}`);
    for (const [reg, c] of Object.entries(doc.configs)) {
      if (!isObject(c)) throw new Error(`${file}: configs.${reg} must be a mapping`);
      const entry: { auth?: AuthConfig; tls?: HostTLS } = {};
      if (isObject(c.auth)) {
        const a = c.auth;
        entry.auth = {};
        for (const [k, to] of [
          ['username', 'username'],
          ['password', 'password'],
          ['auth', 'auth'],
          ['identitytoken', 'identityToken'],
          ['identity_token', 'identityToken'],
        ] as const) {
          if (typeof a[k] === 'string') entry.auth[to] = a[k] as string;
        }
      }
      if (isObject(c.tls)) {
        entry.tls = {};
        if (c.tls.insecure_skip_verify === true) entry.tls.insecureSkipVerify = true;
        if (typeof c.tls.ca_file === 'string') entry.tls.caFile = c.tls.ca_file;
      }
      out.configs[reg] = entry;
    }
  }
  return out;
}

/** localhost, 127.0.0.0/8 and ::1, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1';
}

function hostOf(url: URL): string {
  return url.host;
}

/** The endpoints to try for a registry, mirrors first (containerd's ConfigureHosts). */
export function registryEndpoints(domain: string, cfg: RegistryConfig): RegistryEndpoint[] {
  const out: RegistryEndpoint[] = [];
  const tlsFor = (host: string): HostTLS => cfg.configs[host]?.tls ?? {};
  const mirrors = cfg.mirrors[domain] ?? (domain === 'docker.io' ? cfg.mirrors['index.docker.io'] : undefined) ?? cfg.mirrors['*'] ?? [];
  for (const m of mirrors) {
    const u = new URL(m);
    const url = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '').replace(/\/v2$/, '')}`;
    out.push({ url, host: hostOf(u), mirror: true, tls: tlsFor(u.host) });
  }
  const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
  if (!out.some((e) => e.host === host && !e.url.slice(e.url.indexOf('//') + 2).includes('/'))) {
    const scheme = isLoopbackHost(host) ? 'http' : 'https';
    out.push({ url: `${scheme}://${host}`, host, mirror: false, tls: tlsFor(domain) });
  }
  return out;
}
