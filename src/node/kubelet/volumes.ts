// A pod's volumes on the node's disk, under <rootDir>/pods/<uid>/volumes/<plugin>/<name>, as the
// kubelet lays them out, and the mounts that hand them to the runtime. configMap, secret,
// downwardAPI and projected volumes are written as the kubelet's AtomicWriter writes them: files
// in a timestamped directory, a ..data symlink swapped in one rename, and a symlink per entry, so
// that a container never sees half an update; every sync rewrites them when their source changed.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Container, DownwardAPIVolumeFile, KeyToPath, Volume, VolumeMount } from '../../api/types.js';
import { expand, mappingFor } from './expansion.js';
import { podFieldValue, resourceFieldValue } from './env.js';
import type { KeyValue, Mount } from '../runtime/types.js';
import { DependencyNotFound, type ObjectSource, type PodObject } from './types.js';

const run = promisify(execFile);

/** A volume that could not be set up: the pod's containers wait in ContainerCreating, with a FailedMount event. */
export class VolumeError extends Error {
  constructor(public volume: string, message: string) {
    super(message);
  }
}

export interface MountedVolume {
  hostPath: string;
  /** Written by the agent (configMap, secret, downwardAPI, projected): mounted read-only. */
  managed: boolean;
  readOnly: boolean;
}

export interface DownwardContext {
  podIPs: string[];
  hostIPs: string[];
  allocatable: Record<string, string>;
}

interface FilePayload { data: Buffer; mode: number }
type Payload = Map<string, FilePayload>;

const PLUGIN_DIRS: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
};

/** Said in a projected volume's token file while the TokenRequest API is not served. */
export const TOKEN_PLACEHOLDER = 'k8ts: service account tokens (TokenRequest) are not served yet; this file is a placeholder\n';

export class VolumeManager {
  /** Payload digests per target directory: an unchanged source is not rewritten. */
  private readonly written = new Map<string, string>();
  private readonly tmpfs = new Set<string>();

  constructor(private readonly rootDir: string, private readonly source: ObjectSource) {}

  podDir(uid: string): string {
    return path.join(this.rootDir, 'pods', uid);
  }

  /** Sets up (or refreshes) every volume of the pod; throws VolumeError for the first that fails. */
  async setUp(pod: PodObject, dctx: DownwardContext): Promise<Map<string, MountedVolume>> {
    const out = new Map<string, MountedVolume>();
    for (const vol of pod.spec?.volumes ?? []) {
      try {
        out.set(vol.name, await this.setUpOne(pod, vol, dctx));
      } catch (e) {
        if (e instanceof VolumeError) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        throw new VolumeError(vol.name, msg);
      }
    }
    return out;
  }

  private volumeDir(uid: string, plugin: string, name: string): string {
    return path.join(this.podDir(uid), 'volumes', PLUGIN_DIRS[plugin], name);
  }

  private async setUpOne(pod: PodObject, vol: Volume, dctx: DownwardContext): Promise<MountedVolume> {
    const uid = pod.metadata.uid!;
    const ns = pod.metadata.namespace ?? 'default';
    if (vol.hostPath) {
      await checkHostPath(vol.hostPath.path, vol.hostPath.type ?? '');
      return { hostPath: vol.hostPath.path, managed: false, readOnly: false };
    }
    if (vol.emptyDir) {
      const dir = this.volumeDir(uid, 'emptyDir', vol.name);
      await fs.mkdir(dir, { recursive: true, mode: 0o777 });
      if (vol.emptyDir.medium === 'Memory' && process.getuid?.() === 0 && !this.tmpfs.has(dir)) {
        const size = vol.emptyDir.sizeLimit !== undefined ? `,size=${vol.emptyDir.sizeLimit}` : '';
        await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size.replace(/i$/, '')}`, 'tmpfs', dir]);
        this.tmpfs.add(dir);
      }
      return { hostPath: dir, managed: false, readOnly: false };
    }
    let plugin: string;
    let payload: Payload;
    if (vol.configMap) {
      plugin = 'configMap';
      payload = await this.configMapPayload(ns, vol.configMap.name ?? '', vol.configMap.items, vol.configMap.defaultMode ?? 0o644, vol.configMap.optional === true);
    } else if (vol.secret) {
      plugin = 'secret';
      payload = await this.secretPayload(ns, vol.secret.secretName ?? '', vol.secret.items, vol.secret.defaultMode ?? 0o644, vol.secret.optional === true);
    } else if (vol.downwardAPI) {
      plugin = 'downwardAPI';
      payload = downwardPayload(pod, vol.downwardAPI.items ?? [], vol.downwardAPI.defaultMode ?? 0o644, dctx);
    } else if (vol.projected) {
      plugin = 'projected';
      payload = new Map();
      const mode = vol.projected.defaultMode ?? 0o644;
      for (const src of vol.projected.sources ?? []) {
        let part: Payload = new Map();
        if (src.configMap) part = await this.configMapPayload(ns, src.configMap.name ?? '', src.configMap.items, mode, src.configMap.optional === true);
        else if (src.secret) part = await this.secretPayload(ns, src.secret.name ?? '', src.secret.items, mode, src.secret.optional === true);
        else if (src.downwardAPI) part = downwardPayload(pod, src.downwardAPI.items ?? [], mode, dctx);
        else if (src.serviceAccountToken) part.set(src.serviceAccountToken.path, { data: Buffer.from(TOKEN_PLACEHOLDER), mode });
        for (const [k, v] of part) payload.set(k, v);
      }
    } else {
      throw new VolumeError(vol.name, `volume type of "${vol.name}" is not supported by this node`);
    }
    const dir = this.volumeDir(uid, plugin, vol.name);
    await this.writeAtomic(dir, payload);
    return { hostPath: dir, managed: true, readOnly: true };
  }

  private async configMapPayload(ns: string, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<Payload> {
    let cm;
    try {
      cm = await this.source.configMap(ns, name);
    } catch (e) {
      if (e instanceof DependencyNotFound && optional) return new Map();
      throw e;
    }
    const all = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(cm.data ?? {})) all.set(k, Buffer.from(v));
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) all.set(k, Buffer.from(v, 'base64'));
    return keyPayload(all, items, mode, optional, 'config');
  }

  private async secretPayload(ns: string, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<Payload> {
    let s;
    try {
      s = await this.source.secret(ns, name);
    } catch (e) {
      if (e instanceof DependencyNotFound && optional) return new Map();
      throw e;
    }
    const all = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(s.data ?? {})) all.set(k, Buffer.from(v, 'base64'));
    return keyPayload(all, items, mode, optional, 'secret');
  }

  /** Replaces dir's content with payload in one rename of the ..data symlink. */
  private async writeAtomic(dir: string, payload: Payload): Promise<void> {
    const digest = createHash('sha256');
    for (const [p, f] of [...payload].sort(([a], [b]) => a.localeCompare(b))) digest.update(`${p}\0${f.mode}\0`).update(f.data).update('\0');
    const sum = digest.digest('hex');
    if (this.written.get(dir) === sum) return;
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}${Math.random().toString().slice(2, 8)}`;
    const tsDir = path.join(dir, stamp);
    await fs.mkdir(tsDir, { mode: 0o755 });
    for (const [rel, f] of payload) {
      const file = path.join(tsDir, rel);
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
      await fs.writeFile(file, f.data, { mode: f.mode });
      await fs.chmod(file, f.mode);
    }
    let oldTarget: string | undefined;
    try { oldTarget = await fs.readlink(path.join(dir, '..data')); } catch { /* first write */ }
    const tmpLink = path.join(dir, '..data_tmp');
    await fs.rm(tmpLink, { force: true });
    await fs.symlink(stamp, tmpLink);
    await fs.rename(tmpLink, path.join(dir, '..data'));
    const top = new Set([...payload.keys()].map((p) => p.split('/')[0]));
    for (const name of top) {
      const link = path.join(dir, name);
      try { await fs.lstat(link); } catch { await fs.symlink(path.join('..data', name), link); }
    }
    for (const entry of await fs.readdir(dir)) {
      if (entry.startsWith('..') || top.has(entry)) continue;
      await fs.rm(path.join(dir, entry), { force: true, recursive: true });
    }
    if (oldTarget && oldTarget !== stamp) await fs.rm(path.join(dir, oldTarget), { recursive: true, force: true });
    this.written.set(dir, sum);
  }

  /** Removes the pod's directory (unmounting tmpfs emptyDirs first). */
  async tearDown(uid: string): Promise<void> {
    const base = this.podDir(uid);
    for (const dir of [...this.tmpfs]) {
      if (!dir.startsWith(base + path.sep)) continue;
      try { await run('umount', [dir]); } catch { /* already gone */ }
      this.tmpfs.delete(dir);
    }
    for (const k of [...this.written.keys()]) if (k.startsWith(base + path.sep)) this.written.delete(k);
    await fs.rm(base, { recursive: true, force: true });
  }

  /** Unmounts every tmpfs this manager mounted (agent stop with killPods). */
  async unmountAll(): Promise<void> {
    for (const dir of [...this.tmpfs]) {
      try { await run('umount', [dir]); } catch { /* already gone */ }
      this.tmpfs.delete(dir);
    }
  }
}

function keyPayload(all: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, optional: boolean, what: 'config' | 'secret'): Payload {
  const out: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of all) out.set(k, { data: v, mode });
    return out;
  }
  for (const it of items) {
    const v = all.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(`${what === 'config' ? 'configmap' : 'secret'} references non-existent ${what} key: ${it.key}`);
    }
    out.set(it.path, { data: v, mode: it.mode ?? mode });
  }
  return out;
}

function downwardPayload(pod: PodObject, items: DownwardAPIVolumeFile[], mode: number, dctx: DownwardContext): Payload {
  const out: Payload = new Map();
  for (const it of items) {
    let v = '';
    if (it.fieldRef) v = podFieldValue(it.fieldRef, pod, dctx.podIPs, dctx.hostIPs);
    else if (it.resourceFieldRef) v = resourceFieldValue(it.resourceFieldRef, pod, undefined, dctx.allocatable);
    out.set(it.path, { data: Buffer.from(v), mode: it.mode ?? mode });
  }
  return out;
}

/** hostPath's type checks and creations (pkg/volume/hostpath). */
async function checkHostPath(p: string, type: string): Promise<void> {
  const stat = await fs.stat(p).catch(() => undefined);
  const fail = (what: string) => { throw new Error(`hostPath type check failed: ${p} is not a ${what}`); };
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!stat) { await fs.mkdir(p, { recursive: true, mode: 0o755 }); return; }
      if (!stat.isDirectory()) fail('directory');
      return;
    case 'Directory':
      if (!stat) throw new Error(`hostPath type check failed: ${p} does not exist`);
      if (!stat.isDirectory()) fail('directory');
      return;
    case 'FileOrCreate':
      if (!stat) { await (await fs.open(p, 'a', 0o644)).close(); return; }
      if (!stat.isFile()) fail('file');
      return;
    case 'File':
      if (!stat) throw new Error(`hostPath type check failed: ${p} does not exist`);
      if (!stat.isFile()) fail('file');
      return;
    case 'Socket':
      if (!stat?.isSocket()) fail('socket file');
      return;
    case 'CharDevice':
      if (!stat?.isCharacterDevice()) fail('character device');
      return;
    case 'BlockDevice':
      if (!stat?.isBlockDevice()) fail('block device');
      return;
    default:
      throw new Error(`hostPath type check failed: unknown type ${type}`);
  }
}

/** The runtime mounts of one container: its volumeMounts, with subPath resolved on the host. */
export async function containerMounts(container: Container, volumes: Map<string, MountedVolume>, env: KeyValue[]): Promise<Mount[]> {
  const out: Mount[] = [];
  const mapping = mappingFor(new Map(env.map((kv) => [kv.key, kv.value])));
  for (const vm of container.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (!vol) throw new Error(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
    out.push({ containerPath: vm.mountPath, hostPath: await subPathHost(vm, vol, mapping), readonly: vm.readOnly === true || vol.readOnly });
  }
  return out;
}

async function subPathHost(vm: VolumeMount, vol: MountedVolume, mapping: (n: string) => string): Promise<string> {
  const sub = vm.subPathExpr ? expand(vm.subPathExpr, mapping) : vm.subPath ?? '';
  if (!sub) return vol.hostPath;
  if (path.isAbsolute(sub) || sub.split('/').includes('..')) throw new Error(`subPath "${sub}" must be a relative path without ".."`);
  const host = path.join(vol.hostPath, sub);
  if (vol.managed) {
    // A key is a symlink into ..data: bind the file itself (subPath mounts do not follow updates, as in Kubernetes).
    return fs.realpath(host);
  }
  const exists = await fs.lstat(host).catch(() => undefined);
  if (!exists) await fs.mkdir(host, { recursive: true, mode: 0o777 });
  return host;
}
