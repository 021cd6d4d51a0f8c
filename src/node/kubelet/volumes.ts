// A pod's volumes on the node's disk, under <rootDir>/pods/<uid>/volumes/<plugin>/<name>, as the
// kubelet lays them out, and the mounts that hand them to the runtime. configMap, secret,
// downwardAPI and projected volumes are written as the kubelet's AtomicWriter writes them: files
// in a timestamped directory, a ..data symlink swapped in one rename, and a symlink per entry, so
// that a container never sees half an update; every sync rewrites them when their source changed.
//
// Everything a pod spec names is hostile (the agent runs as root): item paths are checked as the
// AtomicWriter checks them and written through node/fs/safepath (never through a link); a subPath
// is resolved as kubelet's subpath code does (symlinks must stay inside the volume, the result is
// opened component by component and bind-mounted from its descriptor, so a link swapped in later
// by a container cannot redirect it). Secret and projected volumes live on tmpfs, as kubelet keeps
// them off the disk; memory-backed emptyDirs are sized, and a restarted agent finds its mounts in
// /proc/self/mounts instead of mounting them twice. A persistentVolumeClaim volume is its bound
// volume's host directory (hostPath or local; a local-path volume's directory is made through
// localpath.ts), looked up once per pod as kubelet's volume manager does.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants as fsc,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { errorMessage } from '../../api/errors.js';
import { Quantity } from '../../api/quantity.js';
import type { Container, DownwardAPIVolumeFile, KeyToPath, Volume, VolumeMount } from '../../api/types.js';
import { closeFd, fdPath, fdWalkSupported, mkdirInRoot, openInRoot, writeFileInRoot } from '../fs/safepath.js';
import { spawner } from '../runtime/spawner.js';
import type { KeyValue, Mount } from '../runtime/types.js';
import { podFieldValue, resourceFieldValue } from './env.js';
import { expand, mappingFor } from './expansion.js';
import { DependencyNotFound, type ObjectSource, type PodObject } from './types.js';

const run = promisify(execFile);

/**
 * mount/umount of a pod's volumes through the agent's spawner (a small helper that forks for
 * it): forking the agent itself for them was the top of its CPU profile while pods start and
 * go (#13). Rejects on a non-zero exit, as execFile does.
 */
async function runHelper(cmd: string, args: string[]): Promise<void> {
  const r = await spawner.run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || `exit status ${r.code}`}`);
}

/** Whether this agent can mount (tmpfs volumes, subPath bind mounts): root on Linux. */
const canMount = process.platform === 'linux' && process.getuid?.() === 0 && fdWalkSupported;

/** The mount points under dir (itself included), deepest first, from /proc/self/mounts. */
export function mountPointsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const mp = line.split(' ')[1]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp && (mp === dir || mp.startsWith(dir + path.sep))) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

function isMountPoint(dir: string): boolean {
  return mountPointsUnder(dir).includes(dir);
}

/**
 * Whether a tmpfs is mounted on dir, told by its device differing from its parent's (mount-utils'
 * IsLikelyNotMountPoint): two lstats instead of reading and parsing the whole mount table, which
 * grows with every pod and was read for each volume of each pod's sync (#13). Sound for a tmpfs,
 * which always has a device of its own; a bind mount (subPath) still needs the table.
 */
function hasOwnDevice(dir: string): boolean {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return isMountPoint(dir);
  const parent = lstatSync(path.dirname(dir), { throwIfNoEntry: false });
  return !parent || st.dev !== parent.dev;
}

/** Quantity.Value(): the value rounded up to a whole number (500m of bytes is 1 byte, not 500 MiB). */
export function quantityValue(q: unknown): number | undefined {
  return Quantity.tryParse(q)?.value();
}

/** The AtomicWriter's path check (pkg/volume/util/atomic_writer.go validatePath), its messages. */
export function validatePayloadPath(p: string): string | undefined {
  if (p === '') return `invalid path: must not be empty: ${JSON.stringify(p)}`;
  if (p.startsWith('/')) return `invalid path: must be relative path: ${p}`;
  if (p.length > 4096) return 'invalid path: must be less than or equal to 4096 characters';
  const items = p.split('/');
  for (const item of items) {
    if (item === '..') return `invalid path: must not contain '..': ${p}`;
    if (item.length > 255) return 'invalid path: filenames must be less than or equal to 255 characters';
  }
  if (items[0].startsWith('..') && items[0].length > 2) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

/** Go's path.Clean for a relative path (already checked by validatePayloadPath: no "..", not absolute). */
function cleanPath(p: string): string {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  return parts.length ? parts.join('/') : '.';
}

/** A volume that could not be set up: the pod's containers wait in ContainerCreating, with a FailedMount event. */
export class VolumeError extends Error {
  constructor(
    public volume: string,
    message: string,
  ) {
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

interface FilePayload {
  data: Buffer;
  mode: number;
}
type Payload = Map<string, FilePayload>;

const PLUGIN_DIRS: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
};

/** Where the node keeps local-path volumes (localpath.ts): the directory of a volume path it owns. */
export interface LocalPathVolumes {
  volumeDir(hostPath: string): string | undefined;
}

export class VolumeManager {
  /** Payload digests per target directory: an unchanged source is not rewritten. */
  private readonly written = new Map<string, string>();
  /** Volumes already given to the pod's fsGroup (dir -> gid and content digest). */
  private readonly owned = new Map<string, string>();
  /** The claims' volumes set up for each pod (uid -> volume name -> mount), set up once per pod as the kubelet mounts them. */
  private readonly claimed = new Map<string, Map<string, MountedVolume>>();

  constructor(
    private readonly rootDir: string,
    private readonly source: ObjectSource,
    private readonly log?: (msg: string) => void,
    private readonly localPath?: LocalPathVolumes,
  ) {}

  /** Whether a pod on this node has the host directory of a claim's volume set up. */
  claimVolumeInUse(hostPath: string): boolean {
    for (const m of this.claimed.values()) for (const v of m.values()) if (v.hostPath === hostPath) return true;
    return false;
  }

  podDir(uid: string): string {
    return path.join(this.rootDir, 'pods', uid);
  }

  /** Sets up (or refreshes) every volume of the pod; throws VolumeError for the first that fails. */
  async setUp(pod: PodObject, dctx: DownwardContext): Promise<Map<string, MountedVolume>> {
    const out = new Map<string, MountedVolume>();
    for (const vol of pod.spec?.volumes ?? []) {
      try {
        const mounted = await this.setUpOne(pod, vol, dctx);
        const fsGroup = pod.spec?.securityContext?.fsGroup;
        // Host directories keep their owners: hostPath volumes, and claims' volumes (local-path's are hostPath volumes).
        if (fsGroup !== undefined && !vol.hostPath && !vol.persistentVolumeClaim && process.getuid?.() === 0)
          await this.setOwnership(mounted, fsGroup);
        out.set(vol.name, mounted);
      } catch (e) {
        if (e instanceof VolumeError) throw e;
        const msg = errorMessage(e);
        throw new VolumeError(vol.name, msg);
      }
    }
    return out;
  }

  /** kubelet's SetVolumeOwnership for the pod's fsGroup: group-owned, group-readable (and writable unless
   *  read-only), setgid directories; once per content (links are never followed). */
  private async setOwnership(vol: MountedVolume, gid: number): Promise<void> {
    const key = `${gid}:${this.written.get(vol.hostPath) ?? 'dir'}`;
    if (this.owned.get(vol.hostPath) === key) return;
    const walk = async (p: string): Promise<void> => {
      const st = await fs.lstat(p);
      if (st.isSymbolicLink()) return;
      await fs.lchown(p, st.uid, gid);
      const mask = (vol.readOnly ? 0o440 : 0o660) | (st.isDirectory() ? 0o2110 : 0);
      await fs.chmod(p, (st.mode & 0o7777) | mask);
      if (st.isDirectory()) for (const e of await fs.readdir(p)) await walk(path.join(p, e));
    };
    await walk(vol.hostPath);
    this.owned.set(vol.hostPath, key);
  }

  /** Where a pod's emptyDir volume lives on this node's disk (the eviction manager measures it). */
  emptyDirPath(uid: string, name: string): string {
    return this.volumeDir(uid, 'emptyDir', name);
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
    if (vol.persistentVolumeClaim) {
      let perPod = this.claimed.get(uid);
      const done = perPod?.get(vol.name);
      if (done) return done;
      const m = await this.setUpClaim(ns, vol.persistentVolumeClaim.claimName, vol.persistentVolumeClaim.readOnly === true);
      if (!perPod) this.claimed.set(uid, (perPod = new Map()));
      perPod.set(vol.name, m);
      return m;
    }
    if (vol.emptyDir) {
      const dir = this.volumeDir(uid, 'emptyDir', vol.name);
      await fs.mkdir(dir, { recursive: true, mode: 0o777 });
      if (vol.emptyDir.medium === 'Memory' && canMount) {
        // Sized as kubelet sizes memory-backed volumes: the sizeLimit, else the node's allocatable memory.
        await this.mountTmpfs(dir, quantityValue(vol.emptyDir.sizeLimit) ?? quantityValue(dctx.allocatable.memory), 0o777);
      }
      return { hostPath: dir, managed: false, readOnly: false };
    }
    let plugin: string;
    let payload: Payload;
    if (vol.configMap) {
      plugin = 'configMap';
      payload = await this.configMapPayload(
        ns,
        vol.configMap.name ?? '',
        vol.configMap.items,
        vol.configMap.defaultMode ?? 0o644,
        vol.configMap.optional === true,
      );
    } else if (vol.secret) {
      plugin = 'secret';
      payload = await this.secretPayload(
        ns,
        vol.secret.secretName ?? '',
        vol.secret.items,
        vol.secret.defaultMode ?? 0o644,
        vol.secret.optional === true,
      );
    } else if (vol.downwardAPI) {
      plugin = 'downwardAPI';
      payload = downwardPayload(pod, vol.downwardAPI.items ?? [], vol.downwardAPI.defaultMode ?? 0o644, dctx);
    } else if (vol.projected) {
      plugin = 'projected';
      payload = new Map();
      const mode = vol.projected.defaultMode ?? 0o644;
      for (const src of vol.projected.sources ?? []) {
        let part: Payload = new Map();
        if (src.configMap)
          part = await this.configMapPayload(ns, src.configMap.name ?? '', src.configMap.items, mode, src.configMap.optional === true);
        else if (src.secret)
          part = await this.secretPayload(ns, src.secret.name ?? '', src.secret.items, mode, src.secret.optional === true);
        else if (src.downwardAPI) part = downwardPayload(pod, src.downwardAPI.items ?? [], mode, dctx);
        else if (src.serviceAccountToken) {
          // The path is checked before a token is asked for: a bad one gets no token at all.
          const bad = validatePayloadPath(src.serviceAccountToken.path ?? '');
          if (bad) throw new VolumeError(vol.name, bad);
          part.set(src.serviceAccountToken.path, { data: Buffer.from(await this.serviceAccountToken(pod, src.serviceAccountToken)), mode });
        }
        for (const [k, v] of part) payload.set(k, v);
      }
    } else {
      throw new VolumeError(vol.name, `volume type of "${vol.name}" is not supported by this node`);
    }
    const clean: Payload = new Map();
    for (const [p, f] of payload) {
      const bad = validatePayloadPath(p);
      if (bad) throw new VolumeError(vol.name, bad);
      // AtomicWriter's validatePayload: paths are path.Clean'ed ("./a" is a, "a//b/" is a/b; the
      // API accepts both), a later item of the same clean path replacing an earlier one.
      clean.set(cleanPath(p), f);
    }
    payload = clean;
    const dir = this.volumeDir(uid, plugin, vol.name);
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    // kubelet keeps secrets (and projected volumes, which carry tokens and secrets) off the disk.
    if ((plugin === 'secret' || plugin === 'projected') && canMount)
      await this.mountTmpfs(dir, quantityValue(dctx.allocatable.memory), 0o755);
    this.writeAtomic(dir, payload);
    return { hostPath: dir, managed: true, readOnly: true };
  }

  /**
   * A claim's volume, as kubelet's desired-state populator finds it: the claim must be bound (and
   * not being deleted), its volume must name the claim back; hostPath and local volumes are handed
   * to the runtime as host directories (a local-path volume's directory is made, safely, on first
   * use), other volume types are not supported by this node.
   */
  private async setUpClaim(ns: string, claimName: string, readOnly: boolean): Promise<MountedVolume> {
    const fail = (msg: string) => new Error(`error processing PVC ${ns}/${claimName}: ${msg}`);
    if (!this.source.persistentVolumeClaim || !this.source.persistentVolume) throw fail('this node cannot read claims');
    const pvc = (await this.source.persistentVolumeClaim(ns, claimName)) as
      | { metadata: { uid?: string; deletionTimestamp?: string }; spec?: { volumeName?: string }; status?: { phase?: string } }
      | undefined;
    if (!pvc) throw fail(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
    if (pvc.metadata.deletionTimestamp) throw fail('PVC is being deleted');
    if (pvc.status?.phase !== 'Bound') throw fail('PVC is not bound');
    const pvName = pvc.spec?.volumeName;
    if (!pvName) throw fail('PVC has empty pvc.Spec.VolumeName');
    const pv = (await this.source.persistentVolume(pvName)) as
      | { spec?: { claimRef?: { uid?: string }; hostPath?: { path: string; type?: string }; local?: { path: string } } }
      | undefined;
    if (!pv) throw fail(`failed to fetch PV ${pvName} from API server: persistentvolumes "${pvName}" not found`);
    const ref = pv.spec?.claimRef;
    if (!ref) throw fail(`found PV object ${pvName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`);
    if (ref.uid !== pvc.metadata.uid)
      throw fail(`found PV object ${pvName} but its pv.Spec.ClaimRef.UID ${ref.uid ?? ''} does not point to claim.UID ${pvc.metadata.uid}`);
    const local = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (local !== undefined) {
      // A volume the local-path provisioner made for this node: its directory, made without following links.
      const dir = this.localPath?.volumeDir(local);
      if (dir) return { hostPath: dir, managed: false, readOnly };
      if (pv.spec?.hostPath) await checkHostPath(local, pv.spec.hostPath.type ?? '');
      else {
        const st = await fs.stat(local).catch(() => undefined);
        if (!st) throw new Error(`path "${local}" does not exist`);
        if (!st.isDirectory()) throw new Error(`path "${local}" is not a directory`);
      }
      return { hostPath: local, managed: false, readOnly };
    }
    throw fail(`volume type of persistent volume "${pvName}" is not supported by this node`);
  }

  /**
   * The projected token (kubelet's projected volume plugin): requested for the pod's service
   * account, bound to the pod, for the source's audience (the API server's own when unset) and
   * lifetime (1 h by default); rewritten by the sync that follows each renewal.
   */
  private async serviceAccountToken(pod: PodObject, src: { audience?: string; expirationSeconds?: number; path: string }): Promise<string> {
    const sa = pod.spec?.serviceAccountName;
    if (!sa) throw new Error('cannot project a service account token: the pod has no serviceAccountName');
    if (!this.source.serviceAccountToken) throw new Error('this node cannot request service account tokens');
    try {
      const { token } = await this.source.serviceAccountToken(pod.metadata.namespace ?? 'default', sa, {
        ...(src.audience ? { audiences: [src.audience] } : {}),
        expirationSeconds: src.expirationSeconds ?? 3600,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid! },
      });
      return token;
    } catch (e) {
      throw new Error(`failed to fetch token: ${(e as Error).message}`);
    }
  }

  /** Mounts a tmpfs on dir unless one is there already (a restarted agent finds its earlier mounts). */
  private async mountTmpfs(dir: string, sizeBytes: number | undefined, mode: number): Promise<void> {
    if (hasOwnDevice(dir)) return;
    const size = sizeBytes !== undefined && sizeBytes > 0 ? `,size=${sizeBytes}` : '';
    await runHelper('mount', ['-t', 'tmpfs', '-o', `mode=${mode.toString(8)},nosuid,nodev${size}`, '--', 'tmpfs', dir]);
  }

  private async configMapPayload(
    ns: string,
    name: string,
    items: KeyToPath[] | undefined,
    mode: number,
    optional: boolean,
  ): Promise<Payload> {
    const cm = await fetchOptional(() => this.source.configMap(ns, name), optional);
    if (!cm) return new Map();
    const all = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(cm.data ?? {})) all.set(k, Buffer.from(v));
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) all.set(k, Buffer.from(v, 'base64'));
    return keyPayload(all, items, mode, optional, 'config');
  }

  private async secretPayload(ns: string, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<Payload> {
    const s = await fetchOptional(() => this.source.secret(ns, name), optional);
    if (!s) return new Map();
    const all = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(s.data ?? {})) all.set(k, Buffer.from(v, 'base64'));
    return keyPayload(all, items, mode, optional, 'secret');
  }

  /** Replaces dir's content with payload in one rename of the ..data symlink. Every write goes
   *  through safepath: no item path leaves the timestamped directory, and no link is followed. */
  private writeAtomic(dir: string, payload: Payload): void {
    const digest = createHash('sha256');
    for (const [p, f] of [...payload].sort(([a], [b]) => a.localeCompare(b)))
      digest.update(`${p}\0${f.mode}\0`).update(f.data).update('\0');
    const sum = digest.digest('hex');
    if (this.written.get(dir) === sum) return;
    const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}${Math.random().toString().slice(2, 8)}`;
    closeFd(mkdirInRoot(dir, stamp, 0o755));
    const tsDir = path.join(dir, stamp);
    for (const [rel, f] of payload) writeFileInRoot(tsDir, rel, f.data, f.mode);
    let oldTarget: string | undefined;
    const data = lstatSync(path.join(dir, '..data'), { throwIfNoEntry: false });
    if (data?.isSymbolicLink()) oldTarget = readLinkIn(dir, '..data');
    const tmpLink = path.join(dir, '..data_tmp');
    rmSync(tmpLink, { force: true });
    symlinkSync(stamp, tmpLink);
    renameSync(tmpLink, path.join(dir, '..data'));
    const top = new Set([...payload.keys()].map((p) => p.split('/')[0]));
    for (const name of top) {
      const link = path.join(dir, name);
      if (!lstatSync(link, { throwIfNoEntry: false })) symlinkSync(path.join('..data', name), link);
    }
    for (const entry of readDirIn(dir)) {
      if (entry.startsWith('..') || top.has(entry)) continue;
      rmSync(path.join(dir, entry), { force: true, recursive: true });
    }
    if (oldTarget && oldTarget !== stamp && /^\.\.[0-9_.]+$/.test(oldTarget))
      rmSync(path.join(dir, oldTarget), { recursive: true, force: true });
    this.written.set(dir, sum);
  }

  /** Removes the pod's directory, unmounting what is mounted under it first (tmpfs volumes,
   *  subPath binds); a mount that will not go keeps the directory (rm must never cross into it). */
  async tearDown(uid: string): Promise<void> {
    this.claimed.delete(uid);
    this.source.forgetServiceAccountTokens?.(uid);
    const base = this.podDir(uid);
    await unmountUnder(base);
    for (const k of [...this.written.keys()]) if (k.startsWith(base + path.sep)) this.written.delete(k);
    for (const k of [...this.owned.keys()]) if (k.startsWith(base + path.sep)) this.owned.delete(k);
    const left = mountPointsUnder(base);
    if (left.length) throw new Error(`pod directory ${base} still has mounts (${left.join(', ')}); not removed`);
    await fs.rm(base, { recursive: true, force: true });
  }

  /** Unmounts every volume mount under the pods' directory (agent stop with killPods). */
  async unmountAll(): Promise<void> {
    await unmountUnder(path.join(this.rootDir, 'pods'));
  }

  /** The runtime mounts of one container: its volumeMounts, with subPaths prepared as kubelet does. */
  async containerMounts(pod: PodObject, container: Container, volumes: Map<string, MountedVolume>, env: KeyValue[]): Promise<Mount[]> {
    const out: Mount[] = [];
    const mapping = mappingFor(new Map(env.map((kv) => [kv.key, kv.value])));
    for (const [i, vm] of (container.volumeMounts ?? []).entries()) {
      const vol = volumes.get(vm.name);
      if (!vol) throw new Error(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
      const sub = vm.subPathExpr ? expand(vm.subPathExpr, mapping) : (vm.subPath ?? '');
      const hostPath = sub ? await this.prepareSubPath(pod, container, vm, i, vol, sub) : vol.hostPath;
      out.push({ containerPath: vm.mountPath, hostPath, readonly: vm.readOnly === true || vol.readOnly });
    }
    return out;
  }

  /**
   * kubelet's makeMounts + subpath.PrepareSafeSubpath: the subPath must be relative without '..';
   * missing directories are made without following links; symlinks on the way must resolve inside
   * the volume; the result is opened component by component (O_NOFOLLOW) and bind-mounted from
   * /proc/<agent pid>/fd/<fd> at pods/<uid>/volume-subpaths/<volume>/<container>/<index>, which is
   * what the runtime mounts. Errors tell the user as little about the host as kubelet's do.
   */
  private async prepareSubPath(
    pod: PodObject,
    container: Container,
    vm: VolumeMount,
    index: number,
    vol: MountedVolume,
    sub: string,
  ): Promise<string> {
    if (path.isAbsolute(sub)) throw new Error(`error SubPath \`${sub}\` must not be an absolute path`);
    if (sub.split('/').includes('..')) throw new Error(`unable to provision SubPath \`${sub}\`: must not contain '..'`);
    const where = `for volumeMount ${JSON.stringify(vm.name)} of container ${JSON.stringify(container.name)}`;
    const volumePath = realpathSync(vol.hostPath);
    const hostPath = path.join(volumePath, sub);
    if (!vol.managed && !existsFollowing(hostPath)) {
      try {
        safeMakeDir(volumePath, sub);
      } catch (e) {
        this.log?.(`subPath ${sub} of volume ${vm.name}: ${(e as Error).message}`);
        throw new Error(`failed to create subPath directory ${where}`);
      }
    }
    let fd: number;
    try {
      const real = realpathSync(hostPath);
      const rel = path.relative(volumePath, real);
      if (!withinBase(rel)) throw new Error(`subpath ${JSON.stringify(real)} not within volume path ${JSON.stringify(volumePath)}`);
      fd = openInRoot(volumePath, rel);
    } catch (e) {
      this.log?.(`subPath ${sub} of volume ${vm.name}: ${(e as Error).message}`);
      throw new Error(`failed to prepare subPath ${where}`);
    }
    try {
      if (!canMount) return fdTarget(fd);
      const base = this.podDir(pod.metadata.uid!);
      const rel = path.join('volume-subpaths', vm.name, container.name, String(index));
      const target = path.join(base, rel);
      if (isMountPoint(target)) return target; // made for an earlier start of this container, as kubelet reuses it
      const isDir = fstatSync(fd).isDirectory();
      closeFd(mkdirInRoot(base, path.dirname(rel), 0o750));
      if (isDir) closeFd(mkdirInRoot(base, rel, 0o750));
      else if (!lstatSync(target, { throwIfNoEntry: false }))
        closeSync(openSync(target, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o640));
      try {
        await run('mount', ['--no-canonicalize', '--bind', '--', fdPath(fd, process.pid), target]);
      } catch (e) {
        this.log?.(`subPath ${sub} of volume ${vm.name}: bind mount: ${(e as Error).message}`);
        throw new Error(`failed to prepare subPath ${where}`);
      }
      return target;
    } finally {
      closeFd(fd);
    }
  }
}

/** A path relative to a base stays inside it (a first component '..abc' is a name, not a step up). */
function withinBase(rel: string): boolean {
  return rel !== '..' && !rel.startsWith('../') && !path.isAbsolute(rel);
}

/** The path an O_PATH descriptor names (no mount: a plain host process sees the volume directly). */
function fdTarget(fd: number): string {
  return realpathSync(fdPath(fd));
}

function existsFollowing(p: string): boolean {
  try {
    realpathSync(p);
    return true;
  } catch {
    return false;
  }
}

/** kubelet's doSafeMakeDir: the existing part must resolve inside the volume; the rest is made without following links. */
function safeMakeDir(volumePath: string, sub: string): void {
  const parts = sub.split('/').filter((c) => c && c !== '.');
  let existing = parts.length;
  while (existing > 0 && !existsFollowing(path.join(volumePath, ...parts.slice(0, existing)))) existing--;
  const real = realpathSync(path.join(volumePath, ...parts.slice(0, existing)));
  const rel = path.relative(volumePath, real);
  if (!withinBase(rel)) throw new Error(`pathname ${JSON.stringify(real)} is not within base ${JSON.stringify(volumePath)}`);
  closeFd(mkdirInRoot(volumePath, [rel, ...parts.slice(existing)].filter(Boolean).join('/'), 0o777));
}

async function unmountUnder(dir: string): Promise<void> {
  for (const mp of mountPointsUnder(dir)) {
    await runHelper('umount', ['--', mp]).catch(() => runHelper('umount', ['-l', '--', mp]).catch(() => undefined));
  }
}

function readLinkIn(dir: string, name: string): string | undefined {
  try {
    return readlinkSync(path.join(dir, name));
  } catch {
    return undefined;
  }
}

function readDirIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function keyPayload(
  all: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
  what: 'config' | 'secret',
): Payload {
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
  const fail = (what: string) => {
    throw new Error(`hostPath type check failed: ${p} is not a ${what}`);
  };
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!stat) {
        await fs.mkdir(p, { recursive: true, mode: 0o755 });
        return;
      }
      if (!stat.isDirectory()) fail('directory');
      return;
    case 'Directory':
      if (!stat) throw new Error(`hostPath type check failed: ${p} does not exist`);
      if (!stat.isDirectory()) fail('directory');
      return;
    case 'FileOrCreate':
      if (!stat) {
        await (await fs.open(p, 'a', 0o644)).close();
        return;
      }
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

/** What get() fetches, or undefined where it does not exist and the volume source is optional. */
async function fetchOptional<T>(get: () => Promise<T>, optional: boolean): Promise<T | undefined> {
  try {
    return await get();
  } catch (e) {
    if (e instanceof DependencyNotFound && optional) return undefined;
    throw e;
  }
}
