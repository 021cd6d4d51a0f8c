// kubeconfig files as kubectl reads and kind writes them: clusters, users and contexts by name,
// one current context. Only the fields k8ts uses are typed; others are kept as they were read.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

export interface KubeconfigCluster {
  server: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  [field: string]: unknown;
}

export interface KubeconfigUser {
  token?: string;
  'client-certificate-data'?: string;
  'client-key-data'?: string;
  [field: string]: unknown;
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
  [field: string]: unknown;
}

export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: { name: string; cluster: KubeconfigCluster }[];
  users: { name: string; user: KubeconfigUser }[];
  contexts: { name: string; context: KubeconfigContext }[];
  'current-context': string;
  preferences?: Record<string, unknown>;
  [field: string]: unknown;
}

/** What a client needs from a context: everything RestClient's options take. */
export interface ContextInfo {
  contextName: string;
  server: string;
  token?: string;
  namespace: string;
  caData?: string;
  certData?: string;
  keyData?: string;
  insecure?: boolean;
}

export function emptyKubeconfig(): Kubeconfig {
  return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], 'current-context': '', preferences: {} };
}

/** The file kubectl would use: the first entry of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPath(explicit?: string): string {
  if (explicit) return explicit;
  const env = process.env.KUBECONFIG;
  if (env) {
    const first = env.split(path.delimiter).find((p) => p.trim() !== '');
    if (first) return first;
  }
  return path.join(os.homedir(), '.kube', 'config');
}

/** Reads a kubeconfig; a missing file reads as an empty config. */
export function loadKubeconfig(file?: string): Kubeconfig {
  const p = kubeconfigPath(file);
  let text: string;
  try {
    text = fs.readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyKubeconfig();
    throw e;
  }
  return normalize(YAML.parse(text) ?? {});
}

function normalize(raw: Record<string, unknown>): Kubeconfig {
  const cfg = { ...emptyKubeconfig(), ...raw } as Kubeconfig;
  // kubectl writes null for empty lists; treat them as empty.
  cfg.clusters = Array.isArray(cfg.clusters) ? cfg.clusters : [];
  cfg.users = Array.isArray(cfg.users) ? cfg.users : [];
  cfg.contexts = Array.isArray(cfg.contexts) ? cfg.contexts : [];
  cfg['current-context'] = typeof cfg['current-context'] === 'string' ? cfg['current-context'] : '';
  return cfg;
}

/**
 * Resolves a context (the current one unless named) to a server, credentials and namespace.
 * Relative certificate-authority paths resolve against the kubeconfig's folder when `file` is given.
 */
export function currentContext(cfg: Kubeconfig, contextName?: string, file?: string): ContextInfo {
  const name = contextName ?? cfg['current-context'];
  if (!name) throw new Error('no current context is set in the kubeconfig');
  const ctx = cfg.contexts.find((c) => c.name === name)?.context;
  if (!ctx) throw new Error(`context "${name}" does not exist in the kubeconfig`);
  const cluster = cfg.clusters.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`cluster "${ctx.cluster}" of context "${name}" does not exist in the kubeconfig`);
  const user = cfg.users.find((u) => u.name === ctx.user)?.user ?? {};
  const info: ContextInfo = { contextName: name, server: cluster.server, namespace: ctx.namespace || 'default' };
  if (user.token) info.token = user.token;
  if (typeof user['token-file'] === 'string') info.token = fs.readFileSync(resolveFrom(file, user['token-file']), 'utf8').trim();
  if (cluster['certificate-authority-data']) info.caData = cluster['certificate-authority-data'];
  else if (cluster['certificate-authority']) info.caData = fs.readFileSync(resolveFrom(file, cluster['certificate-authority']), 'utf8');
  if (user['client-certificate-data']) info.certData = user['client-certificate-data'];
  if (user['client-key-data']) info.keyData = user['client-key-data'];
  if (cluster['insecure-skip-tls-verify']) info.insecure = true;
  return info;
}

function resolveFrom(file: string | undefined, p: string): string {
  return path.isAbsolute(p) || !file ? p : path.join(path.dirname(file), p);
}

export interface MergeContextOptions {
  clusterName: string;
  userName: string;
  contextName: string;
  server: string;
  token?: string;
  namespace?: string;
  caData?: string;
  insecure?: boolean;
  setCurrent?: boolean;
}

/** Writes with mode 0600 (tokens inside), creating the folder, replacing the file atomically. */
export function writeKubeconfig(file: string | undefined, cfg: Kubeconfig): void {
  const p = kubeconfigPath(file);
  fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, YAML.stringify(cfg), { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, p);
}

function upsert<E extends { name: string }>(list: E[], entry: E): void {
  const i = list.findIndex((e) => e.name === entry.name);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
}

/** Adds or replaces one cluster, user and context, keeping every other entry (as kind does). */
export function mergeContext(file: string | undefined, o: MergeContextOptions): Kubeconfig {
  const cfg = loadKubeconfig(file);
  const cluster: KubeconfigCluster = { server: o.server };
  if (o.caData) cluster['certificate-authority-data'] = o.caData;
  if (o.insecure) cluster['insecure-skip-tls-verify'] = true;
  const user: KubeconfigUser = {};
  if (o.token) user.token = o.token;
  const context: KubeconfigContext = { cluster: o.clusterName, user: o.userName };
  if (o.namespace) context.namespace = o.namespace;
  upsert(cfg.clusters, { name: o.clusterName, cluster });
  upsert(cfg.users, { name: o.userName, user });
  upsert(cfg.contexts, { name: o.contextName, context });
  if (o.setCurrent || !cfg['current-context']) cfg['current-context'] = o.contextName;
  writeKubeconfig(file, cfg);
  return cfg;
}

/**
 * Removes a context, and its cluster and user when no other context refers to them;
 * clears current-context if it was this one. Returns false when there was no such context.
 */
export function removeContext(file: string | undefined, name: string): boolean {
  const cfg = loadKubeconfig(file);
  const entry = cfg.contexts.find((c) => c.name === name);
  if (!entry) return false;
  cfg.contexts = cfg.contexts.filter((c) => c.name !== name);
  const { cluster, user } = entry.context;
  if (!cfg.contexts.some((c) => c.context.cluster === cluster)) cfg.clusters = cfg.clusters.filter((c) => c.name !== cluster);
  if (!cfg.contexts.some((c) => c.context.user === user)) cfg.users = cfg.users.filter((u) => u.name !== user);
  if (cfg['current-context'] === name) cfg['current-context'] = '';
  writeKubeconfig(file, cfg);
  return true;
}
