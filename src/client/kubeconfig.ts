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

/**
 * The kubeconfig files kubectl considers, as client-go's loading rules and kind do: the explicit
 * file alone; else $KUBECONFIG's list (empty entries and repeats dropped); else ~/.kube/config.
 */
export function kubeconfigPaths(explicit?: string, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  if (explicit) return [explicit];
  const list = [...new Set((env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p.trim() !== ''))];
  return list.length ? list : [path.join(home, '.kube', 'config')];
}

/**
 * The file a new context is written to, as kubectl does it: with $KUBECONFIG a list, the first
 * file of it that exists, else the last one (kubectl's documented rule, followed by kind).
 */
export function kubeconfigPath(explicit?: string, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const list = kubeconfigPaths(explicit, env, home);
  if (list.length === 1) return list[0];
  return (
    list.find((p) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    }) ?? list[list.length - 1]
  );
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
  else if (typeof user['client-certificate'] === 'string')
    info.certData = fs.readFileSync(resolveFrom(file, user['client-certificate']), 'utf8');
  if (user['client-key-data']) info.keyData = user['client-key-data'];
  else if (typeof user['client-key'] === 'string') info.keyData = fs.readFileSync(resolveFrom(file, user['client-key']), 'utf8');
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
  /** base64 PEM, as client-certificate-data / client-key-data. */
  certData?: string;
  keyData?: string;
  namespace?: string;
  caData?: string;
  insecure?: boolean;
  setCurrent?: boolean;
}

export interface KubeconfigWriteOptions {
  /** File mode (default 0600: tokens inside), as k3s's --write-kubeconfig-mode. */
  mode?: number;
  /** Owner of a file (and folder) this creates, e.g. the user who ran sudo; an existing file keeps its owner. */
  owner?: { uid: number; gid: number };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs fn holding FILE.lock, the lock kubectl and kind take while they write a kubeconfig
 * (created with O_EXCL, removed after). Another writer's lock is waited for up to 10 s.
 */
export function withKubeconfigLock<T>(file: string, fn: () => T, waitMs = 10_000): T {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() > deadline) throw new Error(`${lock} exists: another program is writing ${file} (remove the lock file if none is)`);
      Atomics.wait(sleepCell, 0, 0, 50);
    }
  }
  try {
    return fn();
  } finally {
    try {
      fs.rmSync(lock);
    } catch {
      /* already gone */
    }
  }
}

/** Replaces FILE atomically with text, keeping an existing file's owner; creates its folder. */
function ensureFolder(p: string, o: KubeconfigWriteOptions): void {
  const dir = path.dirname(p);
  if (fs.existsSync(dir)) return;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (o.owner) fs.chownSync(dir, o.owner.uid, o.owner.gid);
}

function replaceFile(p: string, text: string, o: KubeconfigWriteOptions): void {
  let owner = o.owner;
  try {
    const st = fs.statSync(p);
    owner = { uid: st.uid, gid: st.gid };
  } catch {
    /* a new file */
  }
  const mode = o.mode ?? 0o600;
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  try {
    fs.chmodSync(tmp, mode);
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) fs.chownSync(tmp, owner.uid, owner.gid);
    fs.renameSync(tmp, p);
  } catch (e) {
    try {
      fs.rmSync(tmp);
    } catch {
      /* gone */
    }
    throw e;
  }
}

/** Writes a whole kubeconfig (mode 0600 unless told), replacing the file atomically. */
export function writeKubeconfig(file: string | undefined, cfg: Kubeconfig, o: KubeconfigWriteOptions = {}): void {
  const p = kubeconfigPath(file);
  ensureFolder(p, o);
  withKubeconfigLock(p, () => replaceFile(p, YAML.stringify(cfg, { indentSeq: false }), o));
}

// Edits go through the YAML document, not a parse and re-print, so the user's comments, key
// order and every field k8ts does not know stay as they were.
function readDocument(p: string): YAML.Document {
  let text = '';
  try {
    text = fs.readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) throw new Error(`${p} is not valid YAML: ${doc.errors[0].message}`);
  if (!YAML.isMap(doc.contents)) {
    if (doc.contents !== null && !(YAML.isScalar(doc.contents) && doc.contents.value === null))
      throw new Error(`${p} is not a kubeconfig (not a YAML mapping)`);
    doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  }
  for (const [k, v] of [
    ['apiVersion', 'v1'],
    ['kind', 'Config'],
  ] as const)
    if (!doc.has(k)) doc.set(k, v);
  return doc;
}

function namedList(doc: YAML.Document, key: string): YAML.YAMLSeq {
  let seq = doc.get(key, true);
  if (!YAML.isSeq(seq)) {
    seq = doc.createNode([]) as YAML.YAMLSeq;
    doc.set(key, seq);
  }
  // kubectl writes `contexts: null` or `[]` for none; entries go in block style.
  (seq as YAML.YAMLSeq).flow = false;
  return seq as YAML.YAMLSeq;
}

/** Empty lists print as `[]` (block style only suits a list with entries). */
function printDocument(doc: YAML.Document): string {
  for (const key of ['clusters', 'users', 'contexts']) {
    const seq = doc.get(key, true);
    if (YAML.isSeq(seq)) seq.flow = seq.items.length === 0;
  }
  return doc.toString({ indentSeq: false });
}

function entryName(item: unknown): unknown {
  return YAML.isMap(item) ? item.get('name') : undefined;
}

function upsertNode(doc: YAML.Document, key: string, name: string, field: string, value: unknown): void {
  const seq = namedList(doc, key);
  const i = seq.items.findIndex((it) => entryName(it) === name);
  if (i >= 0 && YAML.isMap(seq.items[i])) (seq.items[i] as YAML.YAMLMap).set(field, doc.createNode(value));
  else seq.items.push(doc.createNode({ name, [field]: value }));
}

function definesContext(p: string, name: string): boolean {
  try {
    return loadKubeconfig(p).contexts.some((c) => c.name === name);
  } catch {
    return false;
  }
}

/**
 * Adds or replaces one cluster, user and context, keeping every other entry and comment (as
 * kind does), in the file kubectl would write it to: an explicit file; else the file of the
 * $KUBECONFIG list that already defines the context; else the first file that exists.
 * Returns the file written.
 */
export function mergeContext(
  file: string | undefined,
  o: MergeContextOptions & KubeconfigWriteOptions,
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): string {
  const list = kubeconfigPaths(file, env, home);
  const target = list.find((p) => list.length > 1 && definesContext(p, o.contextName)) ?? kubeconfigPath(file, env, home);
  const cluster: KubeconfigCluster = { server: o.server };
  if (o.caData) cluster['certificate-authority-data'] = o.caData;
  if (o.insecure) cluster['insecure-skip-tls-verify'] = true;
  const user: KubeconfigUser = {};
  if (o.certData && o.keyData) {
    user['client-certificate-data'] = o.certData;
    user['client-key-data'] = o.keyData;
  }
  if (o.token) user.token = o.token;
  const context: KubeconfigContext = { cluster: o.clusterName, user: o.userName };
  if (o.namespace) context.namespace = o.namespace;
  ensureFolder(target, o);
  withKubeconfigLock(target, () => {
    const doc = readDocument(target);
    upsertNode(doc, 'clusters', o.clusterName, 'cluster', cluster);
    upsertNode(doc, 'users', o.userName, 'user', user);
    upsertNode(doc, 'contexts', o.contextName, 'context', context);
    const current = doc.get('current-context');
    if (o.setCurrent || typeof current !== 'string' || !current) doc.set('current-context', o.contextName);
    if (!doc.has('preferences')) doc.set('preferences', {});
    replaceFile(target, printDocument(doc), o);
  });
  return target;
}

/**
 * Removes a context, and its cluster and user when no other context of that file refers to
 * them; clears current-context if it was this one. Without an explicit file, from every file of
 * the $KUBECONFIG list that defines it. Returns the files changed.
 */
export function removeContext(file: string | undefined, name: string, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const changed: string[] = [];
  for (const p of kubeconfigPaths(file, env, home)) {
    if (!fs.existsSync(p) || !definesContext(p, name)) continue;
    withKubeconfigLock(p, () => {
      const doc = readDocument(p);
      const contexts = namedList(doc, 'contexts');
      const entry = contexts.items.find((it) => entryName(it) === name) as YAML.YAMLMap;
      const ctx = entry.get('context');
      const cluster = YAML.isMap(ctx) ? ctx.get('cluster') : undefined;
      const user = YAML.isMap(ctx) ? ctx.get('user') : undefined;
      contexts.items = contexts.items.filter((it) => it !== entry);
      const refers = (field: string, value: unknown) =>
        contexts.items.some((it) => {
          const c = YAML.isMap(it) ? it.get('context') : undefined;
          return YAML.isMap(c) && c.get(field) === value;
        });
      if (cluster !== undefined && !refers('cluster', cluster)) {
        const seq = namedList(doc, 'clusters');
        seq.items = seq.items.filter((it) => entryName(it) !== cluster);
      }
      if (user !== undefined && !refers('user', user)) {
        const seq = namedList(doc, 'users');
        seq.items = seq.items.filter((it) => entryName(it) !== user);
      }
      if (doc.get('current-context') === name) doc.set('current-context', '');
      replaceFile(p, printDocument(doc), {});
    });
    changed.push(p);
  }
  return changed;
}
