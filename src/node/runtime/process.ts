// The built-in container runtime: no Docker, no VM, no daemon. Pods are real processes.
//
// On Linux as root, a pod sandbox is a set of persistent namespaces bound to files in
// <stateDir>/sandboxes/<id>/ (net, uts, ipc), a veth to the node bridge (network/bridge.ts), the
// pod's /etc/hosts, /etc/resolv.conf and hostname files, and a tmpfs for its /dev/shm. A container
// is a detached shell shim (shim.ts) that runs the container's process in the sandbox's
// namespaces plus a private mount and pid namespace, chrooted into the image's snapshot (its
// layers under a writable tmpfs layer of its own). All state lives in files, so a new runtime on the same stateDir (an agent
// restart) finds its sandboxes and running containers again.
//
// Without root, or off Linux, everything runs as plain host processes on the host network
// (limitations() says so).
//
// Beyond the RuntimeService contract: close() (stop reading, leave containers running) and
// cleanupAll() (remove every sandbox, container, namespace, veth, bridge and mount it made).
// The runtime needs the image's files: an isolated container's root is the image service's
// snapshot (ImageFilesystem.snapshotter, containerd's overlay mounts); host processes work in
// ImageFilesystem.rootfsPath, a directory with the image's whole filesystem.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { readdirOrEmpty } from '../fs/readdir.js';
import { cleanComponents, fdWalkSupported, resolveInLayers, resolveInRoot } from '../fs/safepath.js';
import { hasBinary, type NodeNetwork, nodeAddress, run } from '../network/bridge.js';
import type { ImageFilesystem } from './images.js';
import { mountPoints, readText } from './procfs.js';
import { processTreeUsage } from './procstats.js';
import { initScript, type LaunchMount, type LaunchSpec, RELAY_HELPER_JS, RELAY_HELPER_PY, shimScript, shq } from './shim.js';
import { captureExec, containerImage, deepFreeze, execSync, newTaskRecord, ShimTasks, type TaskRecord } from './shimtask.js';
import { spawner } from './spawner.js';
import type {
  ContainerConfig,
  ContainerFilter,
  ContainerStats,
  ContainerStatus,
  ExecOptions,
  ExecSession,
  ImageService,
  PodSandboxConfig,
  PodSandboxStatus,
  RuntimeService,
  SandboxState,
} from './types.js';

export interface ProcessRuntimeOptions {
  stateDir: string;
  /** The node's pod network; null: pods get a network namespace with loopback only. */
  node: NodeNetwork | null;
  images: ImageService;
  log?: (msg: string) => void;
  /** 'auto': namespaces when root on Linux; 'none': plain host processes. */
  isolation?: 'auto' | 'none';
  /** Size of a container's writable layer (a tmpfs) and of its /tmp when no ephemeral-storage limit is given (default 1 GiB). */
  writableLayerBytes?: number;
}

interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  createdAt: number;
  state: SandboxState;
  ip?: string;
  isolated: boolean;
  /** Written before any namespace, veth or address exists and cleared once the sandbox is whole:
   *  a record still marked at start-up is a sandbox the agent died making (discardHalfMade). */
  creating?: boolean;
  /** The source name of its shm tmpfs, its own (k8ts-shm-<id>); absent in records of earlier versions ("shm"). */
  shmSource?: string;
}

interface ContainerRecord extends TaskRecord {
  env: string[];
  workingDir: string;
  hostWorkingDir: string;
  isolated: boolean;
  cgroupDir?: string;
  /** The image service's snapshot holding this container's root (removed with the container). */
  snapshot?: string;
}

const RUNTIME_VERSION = '0.1.0';
/** How the isolation limits of this runtime start, in limitations() (the OCI runtime reuses its sandboxes, not this). */
export const PROCESS_RUNTIME_LIMITATION = 'built-in process runtime (no OCI runtime in use)';

function hostTool(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return name;
}
const CHROOT = hostTool('chroot');
const NSENTER = hostTool('nsenter');

/** Images that run on the host's node binary find it on PATH even when it lives outside /usr/bin. */
function withNodeOnPath(env: string[]): string[] {
  const nodeDir = path.dirname(process.execPath);
  return env.map((e) => {
    if (!e.startsWith('PATH=')) return e;
    const dirs = e.slice(5).split(':');
    return dirs.includes(nodeDir) ? e : `${e}:${nodeDir}`;
  });
}
/** kubelet's managed /etc/hosts; hostNetwork pods get the node's own file (base) plus aliases. */
function hostsFile(
  ip: string | undefined,
  hostname: string,
  aliases: PodSandboxConfig['hostAliases'],
  base?: string,
  domain?: string,
): string {
  let s =
    base !== undefined
      ? `${base.replace(/\n?$/, '\n')}`
      : '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
        'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
  if (ip && base === undefined) s += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  if (aliases?.length) {
    s += '\n# Entries added by HostAliases.\n';
    for (const a of aliases) s += `${a.ip}\t${a.hostnames.join('\t')}\n`;
  }
  return s;
}

function resolvConf(cfg: PodSandboxConfig['dnsConfig']): string {
  if (!cfg) return readText('/etc/resolv.conf') ?? '';
  let s = '';
  if (cfg.searches.length) s += `search ${cfg.searches.join(' ')}\n`;
  for (const n of cfg.servers) s += `nameserver ${n}\n`;
  if (cfg.options.length) s += `options ${cfg.options.join(' ')}\n`;
  return s;
}

function mergeEnv(image: string[], hostname: string, config: { key: string; value: string }[]): string[] {
  const env = new Map<string, string>();
  for (const e of image) {
    const i = e.indexOf('=');
    if (i > 0) env.set(e.slice(0, i), e.slice(i + 1));
  }
  if (!env.has('PATH')) env.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  env.set('HOSTNAME', hostname);
  for (const kv of config) env.set(kv.key, kv.value);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** Directories of the container's view that get a fresh mount of their own (init.sh). */
const FRESH_MOUNTS = ['proc', 'dev', 'sys', 'tmp'];

/**
 * Resolves container paths as the container will see them: the image's files over the host's `/`
 * (an overlay), with the volumes mounted so far on top. A target inside a volume is resolved inside
 * that volume's directory (descriptor walk: a container may be changing it).
 */
/** The layer directories (top first) an image service's rootfs mounts are made of. */
function rootfsLayers(mounts: { type: string; source: string; options: string[] }[]): string[] {
  const out: string[] = [];
  for (const m of mounts) {
    if (m.type === 'bind') {
      out.unshift(m.source);
      continue;
    }
    const upper = m.options.find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length);
    const lower = m.options.find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length);
    out.unshift(...(upper ? [upper] : []), ...(lower ? lower.split(':') : []));
  }
  return out;
}

/**
 * Whether a directory may be the root of a filesystem of its own (a device other than its
 * parent's): what libmount cannot tell apart from another filesystem of the same name. A file
 * never is.
 */
function isFilesystemRoot(p: string): boolean {
  try {
    const st = statSync(p);
    return st.isDirectory() && st.dev !== statSync(path.dirname(p)).dev;
  } catch {
    return true;
  }
}

function containerView(layers: string[]) {
  const volumes: { at: string; hostPath: string; isFile: boolean }[] = [];
  return {
    resolve(p: string): string {
      const rel = resolveInLayers(layers, p, { opaque: FRESH_MOUNTS });
      let abs = `/${rel}`;
      const under = volumes.filter((v) => abs === v.at || abs.startsWith(`${v.at}/`)).sort((a, b) => b.at.length - a.at.length)[0];
      if (under && abs !== under.at) {
        if (under.isFile) throw new Error(`mount target ${p} is inside the file mounted at ${under.at}`);
        const inside = path.relative(under.hostPath, resolveInRoot(under.hostPath, abs.slice(under.at.length)));
        abs = path.posix.join(under.at, inside);
      }
      return abs;
    },
    mounted(at: string, hostPath: string, isFile: boolean): void {
      volumes.push({ at, hostPath, isFile });
    },
  };
}

/** A Duplex over a helper process's stdin/stdout (port-forward relays). */
class ChildDuplex extends Duplex {
  constructor(private readonly child: ChildProcess) {
    super();
    child.stdin!.on('error', () => undefined);
    child.stdout!.on('data', (d: Buffer) => {
      if (!this.push(d)) child.stdout!.pause();
    });
    child.stdout!.on('end', () => this.push(null));
    child.on('exit', () => {
      if (!this.destroyed) this.push(null);
    });
  }
  override _read(): void {
    this.child.stdout!.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.child.stdin!.writable) {
      cb();
      return;
    }
    this.child.stdin!.write(chunk, () => cb());
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin!.end();
    cb();
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    cb(err);
  }
}

export class ProcessRuntime implements RuntimeService {
  readonly stateDir: string;
  private readonly node: NodeNetwork | null;
  private readonly images: ImageService;
  private readonly log: (msg: string) => void;
  private readonly isolated: boolean;
  private readonly ready: Promise<void>;
  private readonly hasPython: boolean;
  private readonly writableDefault: number;
  private readonly tasks: ShimTasks<ContainerRecord>;
  /**
   * sandbox.json records by id: loaded from the folders once, then kept as this runtime (their
   * only writer) writes and removes them, frozen. Walking the folders and copying every record for
   * each listing (every pod's sync, the PLEG each second) was at the top of the agent's profile (#13).
   */
  private readonly sandboxRecords = new Map<string, Readonly<SandboxRecord>>();
  private sandboxesLoaded?: Promise<void>;
  private sandboxesMount?: Promise<void>;

  constructor(opts: ProcessRuntimeOptions) {
    this.writableDefault = opts.writableLayerBytes ?? 1024 ** 3;
    this.stateDir = path.resolve(opts.stateDir);
    this.node = opts.node;
    this.images = opts.images;
    this.log = opts.log ?? (() => undefined);
    const canIsolate =
      process.platform === 'linux' && process.getuid?.() === 0 && hasBinary('nsenter') && hasBinary('unshare') && hasBinary('ip');
    this.isolated = (opts.isolation ?? 'auto') === 'auto' && canIsolate;
    this.hasPython = hasBinary('python3');
    this.tasks = new ShimTasks({
      root: path.join(this.stateDir, 'containers'),
      errorLog: 'init.log',
      failureMessage: (log) => (log ? log.split('\n').slice(-3).join('\n') : undefined),
      startTimeoutMs: 30_000,
      log: this.log,
    });
    this.ready = this.recover();
    this.ready.catch((err) => this.log(`runtime recovery failed: ${(err as Error).message}`));
  }

  private sandboxDir(id: string): string {
    return path.join(this.stateDir, 'sandboxes', id);
  }

  /** A sandbox's folder (namespace files net/uts/ipc, hosts, resolv.conf, hostname, shm): the OCI runtime's containers join it. */
  sandboxPath(id: string): string {
    return this.sandboxDir(id);
  }

  limitations(): string[] {
    const out: string[] = [];
    if (!this.isolated) {
      out.push(
        process.platform !== 'linux'
          ? `not Linux (${process.platform}): containers run as plain host processes on the host network; no pod IPs, container ports may clash, volumes are not mounted into containers`
          : 'not running as root: containers run as plain host processes on the host network; no pod IPs, container ports may clash, volumes are not mounted into containers',
      );
    } else {
      out.push(
        `${PROCESS_RUNTIME_LIMITATION}: containers run as root with every capability and no seccomp, chrooted into their image with the host's /dev (a root they can leave: the node's files are within their reach), limited only in memory`,
      );
      if (!this.node) out.push('no pod network configured: pods get a network namespace with loopback only');
    }
    if (!this.hasPython) out.push('python3 not found: `kubectl exec -t` runs without a terminal');
    if (this.isolated && !this.memoryCgroupRoot())
      out.push('no memory cgroup: memory limits are not enforced and OOMKilled is never reported');
    return out;
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    return { runtimeName: 'k8ts-process', runtimeVersion: RUNTIME_VERSION, runtimeApiVersion: 'v1' };
  }

  // ---- recovery ------------------------------------------------------------------------------

  private async recover(): Promise<void> {
    await mkdir(path.join(this.stateDir, 'sandboxes'), { recursive: true });
    await mkdir(path.join(this.stateDir, 'containers'), { recursive: true });
    await this.discardHalfMade();
    const mounts = mountPoints();
    for (const sb of await this.readSandboxes()) {
      if (sb.state !== 'SANDBOX_READY') continue;
      const netFile = path.join(this.sandboxDir(sb.id), 'net');
      if (sb.isolated && !sb.config.hostNetwork && !mounts.has(netFile)) {
        // The namespaces did not survive (a reboot): the sandbox is gone for good.
        await this.writeSandbox({ ...structuredClone(sb), state: 'SANDBOX_NOTREADY' });
        continue;
      }
      if (sb.ip && this.node && !sb.config.hostNetwork && sb.isolated) {
        this.node.reserve(sb.ip, sb.id);
        await this.node
          .setHostPorts(sb.id, sb.ip, sb.config.portMappings)
          .catch((e) => this.log(`sandbox ${sb.id}: hostPorts: ${(e as Error).message}`));
      }
    }
    if (this.isolated && this.node) await this.node.ensureBridge();
    await this.tasks.adopt();
  }

  /**
   * Removes what a crash left of sandboxes being made (kubelet's runtime would find them as
   * NotReady and remove them; here nothing else knows them): their namespace mounts, veth and
   * directory. Their addresses were never reserved again, and are free once the veth is gone.
   */
  private async discardHalfMade(): Promise<void> {
    const ids = await readdirOrEmpty(path.join(this.stateDir, 'sandboxes'));
    const mounts = mountPoints();
    for (const id of ids) {
      if (!/^[0-9a-f]+$/.test(id)) continue;
      const rec = await this.readSandbox(id);
      if (rec && !rec.creating) continue;
      const dir = this.sandboxDir(id);
      for (const f of ['net', 'uts', 'ipc', 'shm']) {
        const p = path.join(dir, f);
        if (mounts.has(p)) await run('umount', [p]).catch(() => run('umount', ['-l', p]).catch(() => undefined));
      }
      if (this.isolated && this.node) await this.node.detachPod(id);
      await this.removeSandboxDir(id);
      this.log(`sandbox ${id}: removed what an interrupted set-up left${rec?.ip ? ` (IP ${rec.ip})` : ''}`);
    }
  }

  private loadSandboxes(): Promise<void> {
    this.sandboxesLoaded ??= (async () => {
      const ids = await readdirOrEmpty(path.join(this.stateDir, 'sandboxes'));
      for (const id of ids) {
        if (!/^[0-9a-f]+$/.test(id) || this.sandboxRecords.has(id)) continue;
        try {
          const rec = JSON.parse(await readFile(path.join(this.sandboxDir(id), 'sandbox.json'), 'utf8')) as SandboxRecord;
          if (rec.id === id) this.sandboxRecords.set(id, deepFreeze(rec));
        } catch {
          /* a folder without its record: discardHalfMade removes it */
        }
      }
    })();
    return this.sandboxesLoaded;
  }

  /** Every sandbox's record (shared and frozen: copy before changing one). */
  private async readSandboxes(): Promise<Readonly<SandboxRecord>[]> {
    await this.loadSandboxes();
    return [...this.sandboxRecords.values()];
  }

  /** A sandbox's record, the caller's own copy. */
  private async readSandbox(id: string): Promise<SandboxRecord | undefined> {
    await this.loadSandboxes();
    const known = this.sandboxRecords.get(id);
    return known && structuredClone(known);
  }

  private async writeSandbox(rec: SandboxRecord): Promise<void> {
    const file = path.join(this.sandboxDir(rec.id), 'sandbox.json');
    this.sandboxRecords.delete(rec.id);
    await writeFile(`${file}.tmp`, JSON.stringify(rec, null, 1));
    await rename(`${file}.tmp`, file);
    this.sandboxRecords.set(rec.id, deepFreeze(structuredClone(rec)));
  }

  /** A sandbox's folder goes: its record with it. */
  private async removeSandboxDir(id: string): Promise<void> {
    this.sandboxRecords.delete(id);
    await rm(this.sandboxDir(id), { recursive: true, force: true });
  }

  // ---- sandboxes -----------------------------------------------------------------------------

  /**
   * The sandboxes' folder as a mount point of its own (made private), so that every pod's
   * namespace files and shm are mounts under one mount: a new container's mount namespace, a copy
   * of the host's, drops them all with one lazy umount (init.sh), where one umount per mount cost
   * an RCU grace period each and made every start O(pods) (0.3 s of CPU at 100 pods). Made before
   * the first sandbox, and only then: over sandboxes an earlier agent left running, the mount
   * would hide their namespace files; those containers drop the mounts one by one, as before.
   */
  private ensureSandboxesMount(): Promise<void> {
    this.sandboxesMount ??= (async () => {
      const dir = path.join(this.stateDir, 'sandboxes');
      await mkdir(dir, { recursive: true });
      if ([...mountPoints()].some((m) => m === dir || m.startsWith(`${dir}/`))) return;
      await run('mount', ['--bind', '--make-private', dir, dir]).catch((e) => this.log(`sandboxes folder: ${(e as Error).message}`));
    })();
    return this.sandboxesMount;
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    await this.ready;
    const id = randomBytes(16).toString('hex');
    const dir = this.sandboxDir(id);
    if (this.isolated) await this.ensureSandboxesMount();
    await mkdir(dir, { recursive: true });
    const hostNetwork = !!config.hostNetwork;
    const rec: SandboxRecord = { id, config, createdAt: Date.now(), state: 'SANDBOX_READY', isolated: this.isolated, creating: true };
    try {
      if (this.isolated && !hostNetwork && this.node) {
        await this.node.ensureBridge();
        rec.ip = this.node.allocate(id);
      }
      // Recorded before anything is made, so a crash part-way is found and undone at the next start.
      await this.writeSandbox(rec);
      if (this.isolated) {
        const nsFiles = hostNetwork ? ['ipc'] : ['net', 'uts', 'ipc'];
        await Promise.all([...nsFiles.map((f) => writeFile(path.join(dir, f), '')), mkdir(path.join(dir, 'shm'))]);
        const q = (x: string) => shq(x);
        const args = nsFiles.map((f) => `--${f}=${q(path.join(dir, f))}`).join(' ');
        // One set-up script, one process: every process spawned from the agent costs a fork of it.
        const script = [
          hostNetwork ? `unshare ${args} true` : `unshare ${args} hostname ${q(config.hostname)}`,
          // Named for this sandbox: a container's mount --all can then never take it for another tmpfs (shim.ts).
          `mount -t tmpfs -o mode=1777,size=64m,nosuid,nodev k8ts-shm-${id} ${q(path.join(dir, 'shm'))}`,
        ];
        if (!hostNetwork) {
          if (this.node && rec.ip) {
            script.push(this.node.attachPodScript(path.join(dir, 'net'), id, rec.ip));
          } else {
            script.push(`nsenter --net=${q(path.join(dir, 'net'))} ip link set lo up`);
          }
        }
        // Set where the pod's containers will see them (the sandbox's net namespace, its IPC one);
        // as an argument each, never through a shell word (a value may hold spaces).
        const nsArgs = nsFiles.filter((f) => f !== 'uts').map((f) => `--${f}=${q(path.join(dir, f))}`);
        for (const [name, value] of Object.entries(config.sysctls ?? {}))
          script.push(`nsenter ${nsArgs.join(' ')} sysctl -q -w -- ${q(`${name}=${value}`)}`);
        await run('sh', ['-e'], { input: `${script.join('\n')}\n` });
        rec.shmSource = `k8ts-shm-${id}`;
      } else {
        await mkdir(path.join(dir, 'shm'));
      }
      if (hostNetwork || !this.isolated) rec.ip = nodeAddress();
      const hostname = hostNetwork || !this.isolated ? os.hostname() : config.hostname;
      const base = hostNetwork || !this.isolated ? (readText('/etc/hosts') ?? '') : undefined;
      await Promise.all([
        writeFile(path.join(dir, 'hosts'), hostsFile(rec.ip, hostname, config.hostAliases, base, config.hostDomain)),
        writeFile(path.join(dir, 'resolv.conf'), resolvConf(config.dnsConfig)),
        writeFile(path.join(dir, 'hostname'), `${hostname}\n`),
        mkdir(config.logDirectory, { recursive: true }).catch(() => undefined),
      ]);
      if (this.isolated && !hostNetwork && this.node && rec.ip) await this.node.setHostPorts(id, rec.ip, config.portMappings);
      delete rec.creating;
      await this.writeSandbox(rec);
    } catch (err) {
      await this.teardownSandbox(rec).catch(() => undefined);
      await this.removeSandboxDir(id);
      throw new Error(`failed to set up sandbox for pod ${config.metadata.namespace}/${config.metadata.name}: ${(err as Error).message}`);
    }
    this.log(`sandbox ${id} for ${config.metadata.namespace}/${config.metadata.name} ready${rec.ip ? ` with IP ${rec.ip}` : ''}`);
    return id;
  }

  /** Releases the sandbox's network (veth, IP); the namespace files stay until removal. */
  private async teardownSandbox(rec: SandboxRecord): Promise<void> {
    if (rec.isolated && !rec.config.hostNetwork && this.node) {
      await this.node.removeHostPorts(rec.id).catch((e) => this.log(`sandbox ${rec.id}: hostPorts: ${(e as Error).message}`));
      await this.node.detachPod(rec.id);
      if (rec.ip) this.node.release(rec.ip);
    }
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.ready;
    const rec = await this.readSandbox(id);
    if (!rec) return;
    const containers = await this.tasks.readAll(undefined, id);
    await Promise.all(containers.map((c) => this.stopContainer(c.id, 0)));
    if (rec.state === 'SANDBOX_READY') {
      await this.teardownSandbox(rec);
      rec.state = 'SANDBOX_NOTREADY';
      await this.writeSandbox(rec);
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.ready;
    const rec = await this.readSandbox(id);
    const dir = this.sandboxDir(id);
    if (!rec && !existsSync(dir)) return;
    if (rec) await this.stopPodSandbox(id);
    for (const c of await this.tasks.readAll(undefined, id)) await this.removeContainer(c.id);
    const mounts = mountPoints();
    for (const f of ['net', 'uts', 'ipc', 'shm']) {
      const p = path.join(dir, f);
      if (mounts.has(p)) await run('umount', [p]).catch(() => run('umount', ['-l', p]).catch(() => undefined));
    }
    if (rec?.isolated && !rec.config.hostNetwork && this.node) await this.node.detachPod(id);
    await this.removeSandboxDir(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    await this.ready;
    await this.loadSandboxes();
    const rec = this.sandboxRecords.get(id);
    return rec ? this.sandboxStatus(rec) : undefined;
  }

  /** Copies the record's parts: the status is the caller's, the record is shared. */
  private sandboxStatus(rec: Readonly<SandboxRecord>): PodSandboxStatus {
    const st: PodSandboxStatus = {
      id: rec.id,
      metadata: { ...rec.config.metadata },
      state: rec.creating ? 'SANDBOX_NOTREADY' : rec.state,
      createdAt: rec.createdAt,
    };
    if (rec.ip) st.ip = rec.ip;
    if (rec.config.labels) st.labels = { ...rec.config.labels };
    if (rec.config.annotations) st.annotations = { ...rec.config.annotations };
    return st;
  }

  async listPodSandbox(): Promise<PodSandboxStatus[]> {
    await this.ready;
    return (await this.readSandboxes()).map((r) => this.sandboxStatus(r));
  }

  // ---- containers ----------------------------------------------------------------------------

  private memoryCgroupRoot(): { dir: string; v2: boolean } | undefined {
    const v2 = readText('/sys/fs/cgroup/cgroup.controllers');
    if (v2?.split(/\s+/).includes('memory')) return { dir: '/sys/fs/cgroup/k8ts', v2: true };
    if (existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) return { dir: '/sys/fs/cgroup/memory/k8ts', v2: false };
    return undefined;
  }

  private async setupMemoryCgroup(id: string, limit: number): Promise<string | undefined> {
    const root = this.memoryCgroupRoot();
    if (!root) return undefined;
    try {
      if (root.v2) await writeFile('/sys/fs/cgroup/cgroup.subtree_control', '+memory').catch(() => undefined);
      await mkdir(root.dir, { recursive: true });
      if (root.v2) await writeFile(path.join(root.dir, 'cgroup.subtree_control'), '+memory').catch(() => undefined);
      const dir = path.join(root.dir, id);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, root.v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limit));
      if (root.v2) await writeFile(path.join(dir, 'memory.swap.max'), '0').catch(() => undefined);
      return dir;
    } catch (err) {
      this.log(`memory limit not enforced for container ${id}: ${(err as Error).message}`);
      return undefined;
    }
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    await this.ready;
    const sb = await this.readSandbox(podSandboxId);
    if (!sb) throw new Error(`sandbox ${podSandboxId} not found`);
    if (sb.state !== 'SANDBOX_READY') throw new Error(`sandbox ${podSandboxId} is not ready`);
    const img = await containerImage(this.images, config.image);
    const { name: imageId, image } = img;
    const fsx = this.images as Partial<ImageFilesystem>;
    const id = randomBytes(16).toString('hex');
    // Isolated containers get the image's own root (an overlay of its snapshots, as containerd
    // gives); host processes get a directory with the image's files as their working tree.
    const rootfsMounts = sb.isolated && fsx.snapshotter ? await fsx.snapshotter.prepare(id, imageId) : undefined;
    const imageRootfs = !rootfsMounts && fsx.rootfsPath ? await fsx.rootfsPath(imageId) : undefined;

    const dir = this.tasks.dir(id);
    await mkdir(path.join(dir, 'root'), { recursive: true });
    const logPath = path.resolve(sandboxConfig.logDirectory || sb.config.logDirectory, config.logPath);
    await mkdir(path.dirname(logPath), { recursive: true });
    const hostname = readText(path.join(this.sandboxDir(podSandboxId), 'hostname'))?.trim() || sandboxConfig.hostname;
    let env = mergeEnv(image.config.env, hostname, config.envs);
    // Host processes run the host's binaries: the node binary the images' scripts need is found
    // even where it lives outside the usual PATH.
    if (!sb.isolated) env = withNodeOnPath(env);
    const argv = [...config.command, ...config.args];
    if (argv.length === 0) throw new Error('no command specified');
    // Mount targets and the working directory are resolved inside the container's view (its
    // image's layers; the image's files over the host's `/` for the tmpfs view), never through a
    // link the image or a volume holds (runc does the same with securejoin).
    const view = containerView(rootfsMounts ? rootfsLayers(rootfsMounts) : imageRootfs ? [imageRootfs, '/'] : ['/']);
    const mounts: LaunchMount[] = [];
    const byDepth = [...config.mounts].sort((a, b) => cleanComponents(a.containerPath).length - cleanComponents(b.containerPath).length);
    for (const m of byDepth) {
      let isFile = false;
      try {
        isFile = !statSync(m.hostPath).isDirectory();
      } catch {
        await mkdir(m.hostPath, { recursive: true });
      }
      const containerPath = view.resolve(m.containerPath);
      mounts.push({
        containerPath,
        hostPath: path.resolve(m.hostPath),
        readonly: !!m.readonly,
        isFile,
        distinct: !isFilesystemRoot(m.hostPath),
      });
      view.mounted(containerPath, path.resolve(m.hostPath), isFile);
    }
    const workingDir = view.resolve(config.workingDir || image.config.workingDir || '/');
    let hostWorkingDir = dir;
    if (imageRootfs && fdWalkSupported && existsSync(resolveInRoot(imageRootfs, workingDir)))
      hostWorkingDir = resolveInRoot(imageRootfs, workingDir);
    else if (existsSync(workingDir)) hostWorkingDir = workingDir;
    const cgroupDir = this.isolated && config.memoryLimitBytes ? await this.setupMemoryCgroup(id, config.memoryLimitBytes) : undefined;
    const rec: ContainerRecord = {
      ...newTaskRecord(id, podSandboxId, config, img, logPath),
      env,
      workingDir,
      hostWorkingDir,
      isolated: sb.isolated,
      ...(cgroupDir ? { cgroupDir } : {}),
      ...(rootfsMounts ? { snapshot: id } : {}),
    };
    const spec: LaunchSpec = {
      containerDir: dir,
      stateDir: this.stateDir,
      isolated: sb.isolated,
      sandboxDir: this.sandboxDir(podSandboxId),
      hostNetwork: !!sb.config.hostNetwork,
      imageRootfs,
      rootfsMounts,
      chroot: CHROOT,
      workingDir,
      hostWorkingDir,
      env,
      argv,
      mounts,
      stdin: !!config.stdin,
      cgroupDir,
      shmNamed: !!sb.shmSource,
      tty: !!config.tty && this.hasPython,
      writableBytes: config.ephemeralStorageLimitBytes ?? this.writableDefault,
    };
    const fifos = ['stdout.fifo', 'stderr.fifo', ...(config.stdin ? ['stdin.fifo'] : []), ...(spec.tty ? ['ctl.fifo'] : [])].map((f) =>
      path.join(dir, f),
    );
    const init = initScript(spec);
    // The FIFOs (a process) and the folder's files at once: they do not depend on each other.
    await Promise.all([
      spawner.run('mkfifo', ['-m', '0600', ...fifos]).then((mk) => {
        if (mk.code !== 0) throw new Error(`mkfifo: ${mk.stderr}`);
      }),
      writeFile(path.join(dir, 'shim.sh'), shimScript(spec), { mode: 0o755 }),
      writeFile(path.join(dir, 'init.sh'), init.script, { mode: 0o755 }),
      ...Object.entries(init.files).map(([name, text]) => writeFile(path.join(dir, name), text)),
      // The writable layer's mount point is made here, not by a process of the container's start.
      ...(rootfsMounts?.some((m) => m.type !== 'bind') ? [mkdir(path.join(dir, 'rw'))] : []),
    ]);
    await this.tasks.add(rec);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    await this.ready;
    const rec = await this.tasks.read(id);
    if (!rec) throw new Error(`container ${id} not found`);
    await this.tasks.start(rec);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.ready;
    const st = await this.containerStatus(id);
    if (st?.state !== 'CONTAINER_RUNNING') return;
    await this.tasks.stop(id, timeoutSeconds);
  }

  async removeContainer(id: string): Promise<void> {
    await this.ready;
    const rec = await this.tasks.read(id);
    const dir = this.tasks.dir(id);
    if (!rec && !existsSync(dir)) return;
    const st = await this.containerStatus(id);
    if (st?.state === 'CONTAINER_RUNNING') await this.stopContainer(id, 0);
    await this.tasks.releaseOutput(id);
    this.tasks.forget(id);
    await rm(dir, { recursive: true, force: true });
    if (rec?.cgroupDir) await rmdir(rec.cgroupDir).catch(() => undefined);
    const snaps = (this.images as Partial<ImageFilesystem>).snapshotter;
    if (rec?.snapshot && snaps)
      await snaps.remove(rec.snapshot).catch((err) => this.log(`removing the root of container ${id}: ${(err as Error).message}`));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    await this.ready;
    const rec = await this.tasks.read(id);
    return rec ? this.tasks.status(rec) : undefined;
  }

  /** CPU and memory of the container's process tree (these containers have no cgroup of their own for CPU). */
  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const st = await this.containerStatus(id);
    if (!st) return undefined;
    if (st.state !== 'CONTAINER_RUNNING' || !st.pid) return { timestamp: Date.now() };
    const usage = processTreeUsage(st.pid);
    return { cpuUsageCoreNanoSeconds: usage?.cpuNanos, memoryWorkingSetBytes: usage?.rssBytes, timestamp: Date.now() };
  }

  async listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]> {
    await this.ready;
    return ShimTasks.filter(
      (await this.tasks.readAll((r) => ShimTasks.recordMatches(r, filter), filter?.podSandboxId)).map((r) => this.tasks.statusOf(r)),
      filter,
    );
  }

  // ---- exec, attach, port-forward ------------------------------------------------------------

  private async runningContainer(id: string): Promise<{ rec: ContainerRecord; pid: number }> {
    await this.ready;
    const rec = await this.tasks.read(id);
    if (!rec) throw new Error(`container ${id} not found`);
    const st = this.tasks.statusOf(rec);
    if (st.state !== 'CONTAINER_RUNNING' || !st.pid) throw new Error(`container ${rec.config.metadata.name} is not running`);
    return { rec, pid: st.pid };
  }

  private execArgv(rec: ContainerRecord, pid: number, cmd: string[]): { file: string; args: string[]; cwd?: string } {
    // `--`: a variable named like an option (-S...) is a variable, not an option of env (issue #7).
    const envCmd = ['/usr/bin/env', '-i', '--', ...rec.env, ...cmd];
    // The host's env sets the environment before nsenter enters the container's root, so the
    // image needs no env binary of its own; the command is looked up in the container's PATH.
    if (rec.isolated)
      return {
        file: '/usr/bin/env',
        args: ['-i', '--', ...rec.env, NSENTER, '-t', String(pid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '--', ...cmd],
      };
    return { file: envCmd[0], args: envCmd.slice(1), cwd: rec.hostWorkingDir };
  }

  async exec(containerId: string, cmd: string[], opts: ExecOptions): Promise<ExecSession> {
    if (cmd.length === 0) throw new Error('exec: no command given');
    const { rec, pid } = await this.runningContainer(containerId);
    return this.tasks.exec(this.execArgv(rec, pid, cmd), !!opts.tty && this.hasPython, opts);
  }

  async execSync(
    containerId: string,
    cmd: string[],
    timeoutSeconds: number,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    if (cmd.length === 0) throw new Error('exec: no command given');
    const { rec, pid } = await this.runningContainer(containerId);
    return captureExec(this.execArgv(rec, pid, cmd), timeoutSeconds, () =>
      execSync((opts) => this.exec(containerId, cmd, opts), timeoutSeconds),
    );
  }

  async attach(containerId: string, opts: ExecOptions): Promise<ExecSession> {
    const { rec } = await this.runningContainer(containerId);
    return this.tasks.attach(rec, opts);
  }

  async portForward(podSandboxId: string, port: number): Promise<Duplex> {
    await this.ready;
    const sb = await this.readSandbox(podSandboxId);
    if (!sb) throw new Error(`sandbox ${podSandboxId} not found`);
    if (sb.state !== 'SANDBOX_READY') throw new Error(`sandbox ${podSandboxId} is not ready`);
    const refused = (why: string) =>
      new Error(
        `failed to connect to localhost:${port} inside namespace "${podSandboxId}", IPv4: dial tcp4 127.0.0.1:${port}: connect: ${why}`,
      );
    if (!sb.isolated || sb.config.hostNetwork) {
      return new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
          s.removeAllListeners('error');
          resolve(s);
        });
        s.once('error', (e: NodeJS.ErrnoException) => reject(refused(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message)));
      });
    }
    const netns = `--net=${path.join(this.sandboxDir(podSandboxId), 'net')}`;
    const args = this.hasPython
      ? [netns, 'python3', '-c', RELAY_HELPER_PY, '127.0.0.1', String(port)]
      : [netns, process.execPath, '-e', RELAY_HELPER_JS, '127.0.0.1', String(port)];
    const child = spawn('nsenter', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      let errText = '';
      let settled = false;
      child.stderr!.on('data', (d: Buffer) => {
        errText += d.toString();
        if (!settled && errText.startsWith('ok\n')) {
          settled = true;
          resolve(new ChildDuplex(child));
        } else if (!settled && errText.includes('\n')) {
          settled = true;
          child.kill('SIGKILL');
          reject(refused(/refused/i.test(errText) ? 'connection refused' : errText.replace(/^error: /, '').trim()));
        }
      });
      child.on('error', (e) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      });
      child.on('exit', () => {
        if (!settled) {
          settled = true;
          reject(refused(errText.trim() || 'relay exited'));
        }
      });
    });
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Stops reading container output and ends attach/exec sessions; containers keep running
   *  (an agent restart picks them up from the state dir). With no sandbox left, the sandboxes'
   *  own mount goes too: a stopped agent with no pods holds no mount under its data dir (which
   *  could then not be removed); the next agent makes it again before its first sandbox. */
  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.tasks.endSessions();
    this.tasks.closeOutput();
    const dir = path.join(this.stateDir, 'sandboxes');
    if (mountPoints().has(dir) && (await this.readSandboxes()).length === 0) {
      await run('umount', ['-l', dir]).catch((e) => this.log(`sandboxes folder: ${(e as Error).message}`));
      this.sandboxesMount = undefined;
    }
  }

  /** Removes everything this runtime made: containers, sandboxes (namespaces, veths, mounts),
   *  the bridge, cgroups and its state subfolders (agent shutdown, `k8ts down`, tests). */
  async cleanupAll(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.tasks.endSessions();
    for (const sb of await this.readSandboxes()) {
      await this.removePodSandbox(sb.id).catch((err) => this.log(`cleanup of sandbox ${sb.id}: ${(err as Error).message}`));
    }
    for (const c of await this.tasks.readAll()) {
      await this.removeContainer(c.id).catch((err) => this.log(`cleanup of container ${c.id}: ${(err as Error).message}`));
    }
    // Whatever is left (half-made sandboxes from a crash): unmount and remove.
    const mounts = [...mountPoints()]
      .filter((m) => m.startsWith(this.stateDir + path.sep))
      .sort()
      .reverse();
    for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
    this.tasks.closeOutput();
    if (this.node && this.isolated) await this.node.teardown();
    const cg = this.memoryCgroupRoot();
    if (cg) await rmdir(cg.dir).catch(() => undefined);
    this.sandboxRecords.clear();
    this.sandboxesLoaded = undefined;
    this.tasks.forgetAll();
    await rm(path.join(this.stateDir, 'sandboxes'), { recursive: true, force: true });
    await rm(path.join(this.stateDir, 'containers'), { recursive: true, force: true });
  }
}
