// The OCI runtime service: what containerd and its CRI plugin are to kubelet, with execution
// handed to an OCI runtime (runc or crun, found on PATH) exactly as containerd hands it over.
//
// Sandboxes are the built-in runtime's (process.ts): persistent net/uts/ipc namespaces bound to
// files, a veth on the node bridge, the pod's /etc files and /dev/shm. A container is an OCI
// bundle in <stateDir>/oci/<id>/: config.json written as containerd's CRI plugin writes it
// (spec.ts), and rootfs/, where the image's writable snapshot (Snapshotter.prepare: the image's
// layers below, the container's own layer on top) is mounted before the runtime creates the
// container, as containerd's shim mounts it. A small detached shim per container (shim.ts) runs
// `runc run --keep`, holds its stdio, and records how it ended. All state lives in files, so an
// agent restart finds running containers again.
//
// A pod with shareProcessNamespace gets a pause container from the sandbox image, whose PID
// namespace the pod's containers join (containerd's sandbox container does the same).

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { hasBinary, type NodeNetwork, run } from '../../network/bridge.js';
import { PROCESS_RUNTIME_LIMITATION, ProcessRuntime } from '../process.js';
import { mountPoints } from '../procfs.js';
import { captureExec, containerImage, type ExecCommand, execSync, newTaskRecord, ShimTasks, type TaskRecord } from '../shimtask.js';
import { spawner } from '../spawner.js';
import type * as runtimeapi from '../types.js';
import { cgroupUsage, cgroupVersion, oomCounterFile, removeCgroupTree } from './cgroups.js';
import { ociShimScript } from './shim.js';
import { generateSpec, type OciSpec, oomScoreAdjFloor, type SandboxPaths } from './spec.js';
import { resolveUser, UserNotFoundError } from './user.js';

export interface OciRuntimeOptions {
  stateDir: string;
  node: NodeNetwork | null;
  images: runtimeapi.ImageService;
  snapshotter: runtimeapi.Snapshotter;
  /** The OCI runtime binary (default: runc, else crun, from PATH). */
  runtimeBinary?: string;
  /** The cgroup every container is placed under (default "k8ts"). */
  cgroupParent?: string;
  /** The image whose entrypoint holds a shared PID namespace (default registry.k8s.io/pause:3.10). */
  sandboxImage?: string;
  log?: (msg: string) => void;
}

interface OciContainerRecord extends TaskRecord {
  cgroupsPath: string;
  /** The pause container of a sandbox that shares one PID namespace (not listed as a container). */
  pause?: boolean;
}

const RUNTIME_VERSION = '0.1.0';
const PATH_DEFAULT = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The message of a container runc failed to create or lost: the last line of its runtime log (runc's msg="..."). */
function runtimeFailure(log: string, reason: string): string | undefined {
  const last = log.split('\n').filter(Boolean).pop() ?? '';
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(last)?.[1]?.replace(/\\"/g, '"') ?? last;
  if (!msg) return undefined;
  return reason === 'StartError' ? `OCI runtime create failed: ${msg.replace(/^runc (run|create) failed: /, '')}` : msg;
}

/** The OCI runtime on PATH this node can use: runc (containerd's default), else crun. */
export function findOciRuntime(): string | undefined {
  for (const b of ['runc', 'crun']) if (hasBinary(b)) return b;
  return undefined;
}

/** Why this host cannot run the OCI runtime (undefined: it can). */
export function ociUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!findOciRuntime()) return 'no OCI runtime (runc or crun) on PATH';
  for (const b of ['nsenter', 'unshare', 'ip', 'mount']) if (!hasBinary(b)) return `${b} not found`;
  return undefined;
}

export class OciRuntime implements runtimeapi.RuntimeService {
  readonly stateDir: string;
  /** Sandboxes (namespaces, network, /etc files) and port-forwarding come from the built-in runtime. */
  readonly sandboxes: ProcessRuntime;
  private readonly snapshotter: runtimeapi.Snapshotter;
  private readonly images: runtimeapi.ImageService;
  private readonly binary: string;
  private readonly runtimeRoot: string;
  private readonly cgroupParent: string;
  private readonly sandboxImage: string;
  private readonly cgroupV2: boolean;
  private readonly log: (msg: string) => void;
  private readonly ready: Promise<void>;
  private readonly tasks: ShimTasks<OciContainerRecord>;
  private readonly hasPython: boolean;
  private binaryVersion = '';
  /** Where this process may not lower oom_score_adj, the lowest it can give (spec.ts). */
  private readonly oomScoreAdjFloor = oomScoreAdjFloor();

  constructor(opts: OciRuntimeOptions) {
    this.stateDir = path.resolve(opts.stateDir);
    this.images = opts.images;
    this.snapshotter = opts.snapshotter;
    const bin = opts.runtimeBinary ?? findOciRuntime();
    if (!bin) throw new Error('no OCI runtime (runc or crun) found on PATH');
    this.binary = bin;
    this.runtimeRoot = path.join(this.stateDir, 'oci-state');
    this.cgroupParent = opts.cgroupParent ?? 'k8ts';
    this.sandboxImage = opts.sandboxImage ?? 'registry.k8s.io/pause:3.10';
    this.cgroupV2 = cgroupVersion() === 2;
    this.log = opts.log ?? (() => undefined);
    this.hasPython = hasBinary('python3');
    this.tasks = new ShimTasks({
      root: path.join(this.stateDir, 'oci'),
      errorLog: 'runtime.log',
      failureMessage: runtimeFailure,
      startTimeoutMs: 60_000,
      log: this.log,
    });
    this.sandboxes = new ProcessRuntime({ stateDir: this.stateDir, node: opts.node, images: opts.images, log: opts.log });
    this.ready = this.recover();
    this.ready.catch((err) => this.log(`oci runtime recovery failed: ${(err as Error).message}`));
  }

  limitations(): string[] {
    const out = this.sandboxes.limitations().filter((l) => !l.startsWith('no memory cgroup') && !l.startsWith(PROCESS_RUNTIME_LIMITATION));
    if (!this.hasPython) out.push('python3 not found: `tty: true` containers and `kubectl exec -t` run without a terminal');
    return out;
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    await this.ready;
    return {
      runtimeName: 'k8ts-oci',
      runtimeVersion: `${RUNTIME_VERSION}+${path.basename(this.binary)}-${this.binaryVersion || 'unknown'}`,
      runtimeApiVersion: 'v1',
    };
  }

  // ---- recovery ------------------------------------------------------------------------------

  private async recover(): Promise<void> {
    await mkdir(path.join(this.stateDir, 'oci'), { recursive: true });
    await mkdir(this.runtimeRoot, { recursive: true, mode: 0o700 });
    const v = await spawner.run(this.binary, ['--version']).catch(() => undefined);
    this.binaryVersion = /version\s+(\S+)/.exec(v?.stdout ?? '')?.[1] ?? '';
    await this.tasks.adopt();
  }

  // ---- sandboxes -----------------------------------------------------------------------------

  async runPodSandbox(config: runtimeapi.PodSandboxConfig): Promise<string> {
    await this.ready;
    const id = await this.sandboxes.runPodSandbox(config);
    if (config.sharePid) {
      try {
        await this.startPause(id, config);
      } catch (e) {
        await this.removePodSandbox(id).catch(() => undefined);
        throw new Error(
          `failed to start the sandbox container of pod ${config.metadata.namespace}/${config.metadata.name}: ${(e as Error).message}`,
        );
      }
    }
    return id;
  }

  /** The sandbox's pause container: the init of the PID namespace the pod's containers share. */
  private async startPause(sandboxId: string, config: runtimeapi.PodSandboxConfig): Promise<void> {
    await this.images.pullImage({ image: this.sandboxImage });
    const image = await this.images.imageStatus({ image: this.sandboxImage });
    const argv = [...(image?.config.entrypoint ?? []), ...(image?.config.cmd ?? [])];
    const cc: runtimeapi.ContainerConfig = {
      metadata: { name: 'POD', attempt: config.metadata.attempt },
      image: this.sandboxImage,
      command: argv.length ? argv : ['/pause'],
      args: [],
      envs: [],
      mounts: [],
      logPath: '',
      labels: { ...(config.labels ?? {}) },
      linux: {
        securityContext: {
          noNewPrivs: true,
          capabilities: { addCapabilities: [], dropCapabilities: ['ALL'] },
          readonlyRootfs: true,
          namespaceOptions: { pid: 'CONTAINER' },
        },
      },
    };
    const id = await this.createContainerRecord(sandboxId, cc, config, true);
    await this.startContainer(id);
  }

  private async pauseOf(sandboxId: string): Promise<OciContainerRecord | undefined> {
    return (await this.tasks.readAll((c) => !!c.pause, sandboxId))[0];
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.ready;
    const mine = await this.tasks.readAll(undefined, id);
    await Promise.all(mine.filter((c) => !c.pause).map((c) => this.stopContainer(c.id, 0)));
    await Promise.all(mine.filter((c) => c.pause).map((c) => this.stopContainer(c.id, 0)));
    await this.sandboxes.stopPodSandbox(id);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.ready;
    await this.stopPodSandbox(id);
    for (const c of await this.tasks.readAll(undefined, id)) await this.removeContainer(c.id);
    await this.sandboxes.removePodSandbox(id);
  }

  podSandboxStatus(id: string): Promise<runtimeapi.PodSandboxStatus | undefined> {
    return this.sandboxes.podSandboxStatus(id);
  }
  listPodSandbox(): Promise<runtimeapi.PodSandboxStatus[]> {
    return this.sandboxes.listPodSandbox();
  }
  portForward(podSandboxId: string, port: number): Promise<Duplex> {
    return this.sandboxes.portForward(podSandboxId, port);
  }

  // ---- containers ----------------------------------------------------------------------------

  async createContainer(
    podSandboxId: string,
    config: runtimeapi.ContainerConfig,
    sandboxConfig: runtimeapi.PodSandboxConfig,
  ): Promise<string> {
    await this.ready;
    return this.createContainerRecord(podSandboxId, config, sandboxConfig, false);
  }

  private async createContainerRecord(
    podSandboxId: string,
    config: runtimeapi.ContainerConfig,
    sandboxConfig: runtimeapi.PodSandboxConfig,
    pause: boolean,
  ): Promise<string> {
    const sb = await this.sandboxes.podSandboxStatus(podSandboxId);
    if (!sb) throw new Error(`sandbox ${podSandboxId} not found`);
    if (sb.state !== 'SANDBOX_READY') throw new Error(`sandbox ${podSandboxId} is not ready`);
    const img = await containerImage(this.images, config.image);
    const { name: imageId, image } = img;

    const id = randomBytes(16).toString('hex');
    const dir = this.tasks.dir(id);
    const rootfs = path.join(dir, 'rootfs');
    await mkdir(rootfs, { recursive: true });
    let mounted = false;
    try {
      await this.mountRootfs(await this.snapshotter.prepare(id, imageId), rootfs);
      mounted = true;
      const sc = config.linux?.securityContext;
      const argv = [...config.command, ...config.args];
      if (argv.length === 0) throw new Error('no command specified');
      const env = config.envs.map((kv) => `${kv.key}=${kv.value}`);
      if (!env.some((e) => e.startsWith('PATH='))) env.unshift(image.config.env.find((e) => e.startsWith('PATH=')) ?? PATH_DEFAULT);
      let userStr = sc?.runAsUser !== undefined ? String(sc.runAsUser) : (sc?.runAsUsername ?? image.config.user ?? '');
      if (sc?.runAsGroup !== undefined) userStr = `${userStr.split(':')[0]}:${sc.runAsGroup}`;
      let user;
      try {
        user = resolveUser(rootfs, userStr, sc?.supplementalGroups ?? []);
      } catch (e) {
        if (e instanceof UserNotFoundError) throw new Error(`failed to generate spec: ${e.message}`);
        throw e;
      }
      const sdir = this.sandboxes.sandboxPath(podSandboxId);
      const hostNetwork = !!sandboxConfig.hostNetwork;
      const sandbox: SandboxPaths = {
        ipc: path.join(sdir, 'ipc'),
        hosts: path.join(sdir, 'hosts'),
        resolvConf: path.join(sdir, 'resolv.conf'),
        hostname: path.join(sdir, 'hostname'),
        shm: path.join(sdir, 'shm'),
        ...(hostNetwork ? {} : { net: path.join(sdir, 'net'), uts: path.join(sdir, 'uts') }),
      };
      let targetPidNs: string | undefined;
      const pidMode = sc?.namespaceOptions?.pid;
      if (!pause && pidMode === 'POD') {
        const p = await this.pauseOf(podSandboxId);
        const pid = p ? this.mainPid(p.id) : 0;
        if (!pid) throw new Error(`sandbox ${podSandboxId} has no shared PID namespace`);
        sandbox.pid = `/proc/${pid}/ns/pid`;
      }
      if (pidMode === 'TARGET') {
        const tid = sc?.namespaceOptions?.targetId ?? '';
        const pid = /^[0-9a-f]+$/.test(tid) ? this.mainPid(tid) : 0;
        if (!pid) throw new Error(`target container ${tid} is not running`);
        targetPidNs = `/proc/${pid}/ns/pid`;
      }
      const logPath = pause ? '' : path.resolve(sandboxConfig.logDirectory || '', config.logPath);
      if (logPath) await mkdir(path.dirname(logPath), { recursive: true });
      const cgroupsPath = `/${this.cgroupParent}/${id}`;
      const spec: OciSpec = generateSpec({
        config,
        args: argv,
        env,
        cwd: config.workingDir || image.config.workingDir || '/',
        user,
        sandbox,
        hostNetwork,
        cgroupsPath,
        cgroupV2: this.cgroupV2,
        targetPidNs,
        oomScoreAdjFloor: this.oomScoreAdjFloor,
        annotations: {
          'io.kubernetes.cri.container-type': pause ? 'sandbox' : 'container',
          'io.kubernetes.cri.sandbox-id': podSandboxId,
          'io.kubernetes.cri.container-name': config.metadata.name,
          'io.kubernetes.cri.image-name': imageId,
          'io.kubernetes.cri.sandbox-name': sandboxConfig.metadata.name,
          'io.kubernetes.cri.sandbox-namespace': sandboxConfig.metadata.namespace,
          'io.kubernetes.cri.sandbox-uid': sandboxConfig.metadata.uid,
        },
      });
      await writeFile(path.join(dir, 'config.json'), JSON.stringify(spec, null, 1));
      const useTty = !!config.tty && this.hasPython;
      if (pause) {
        // Nobody reads a pause container's output: plain files stand in for the FIFOs.
        for (const f of ['stdout.fifo', 'stderr.fifo']) await writeFile(path.join(dir, f), '', { mode: 0o600 });
      } else {
        const fifos = ['stdout.fifo', 'stderr.fifo', ...(config.stdin ? ['stdin.fifo'] : []), ...(useTty ? ['ctl.fifo'] : [])].map((f) =>
          path.join(dir, f),
        );
        const mk = await spawner.run('mkfifo', ['-m', '0600', '--', ...fifos]);
        if (mk.code !== 0) throw new Error(`mkfifo: ${mk.stderr}`);
      }
      const memLimited = !!config.linux?.resources?.memoryLimitInBytes;
      await writeFile(
        path.join(dir, 'shim.sh'),
        ociShimScript({
          bundle: dir,
          id,
          runtime: this.binary,
          runtimeRoot: this.runtimeRoot,
          stdin: !!config.stdin,
          tty: useTty,
          ...(memLimited ? { oomFile: oomCounterFile(cgroupsPath) } : {}),
        }),
        { mode: 0o700 },
      );
      const rec: OciContainerRecord = {
        ...newTaskRecord(id, podSandboxId, config, img, logPath),
        cgroupsPath,
        ...(pause ? { pause: true } : {}),
      };
      await this.tasks.add(rec);
      return id;
    } catch (e) {
      if (mounted) await run('umount', ['-l', rootfs]).catch(() => undefined);
      await this.snapshotter.remove(id).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Mounts the snapshot's mounts at the bundle's rootfs, in order, as containerd's mount.All does. */
  private async mountRootfs(mounts: runtimeapi.RootfsMount[], target: string): Promise<void> {
    if (mounts.length === 0) throw new Error('the snapshotter returned no mounts');
    for (const m of mounts) {
      const opts = m.options.join(',');
      if (m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind')) {
        const ro = m.options.includes('ro');
        await run('mount', [m.options.includes('rbind') ? '--rbind' : '--bind', '--', m.source, target]);
        if (ro) await run('mount', ['-o', 'remount,bind,ro', '--', target]);
      } else {
        await run('mount', ['-t', m.type, ...(opts ? ['-o', opts] : []), '--', m.source, target]);
      }
    }
  }

  async startContainer(id: string): Promise<void> {
    await this.ready;
    const rec = await this.tasks.read(id);
    if (!rec) throw new Error(`container ${id} not found`);
    await this.tasks.start(rec);
  }

  private mainPid(id: string): number {
    return this.tasks.mainPid(id);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.ready;
    const st = await this.containerStatusAny(id);
    if (st?.state !== 'CONTAINER_RUNNING') return;
    // Every process of the container, not only its init (a shared PID namespace outlives init).
    await this.tasks.stop(id, timeoutSeconds, async () => {
      await spawner.run(this.binary, ['--root', this.runtimeRoot, 'kill', '--all', id, 'KILL']).catch(() => undefined);
    });
  }

  async removeContainer(id: string): Promise<void> {
    await this.ready;
    const rec = await this.tasks.read(id);
    const dir = this.tasks.dir(id);
    if (!rec && !existsSync(dir)) return;
    if ((await this.containerStatusAny(id))?.state === 'CONTAINER_RUNNING') await this.stopContainer(id, 0);
    await this.tasks.releaseOutput(id);
    await spawner.run(this.binary, ['--root', this.runtimeRoot, 'delete', '--force', id]).catch(() => undefined);
    const rootfs = path.join(dir, 'rootfs');
    if (mountPoints().has(rootfs))
      await run('umount', ['--', rootfs]).catch(() => run('umount', ['-l', '--', rootfs]).catch(() => undefined));
    await this.snapshotter.remove(id).catch((e) => this.log(`snapshot ${id}: ${(e as Error).message}`));
    this.tasks.forget(id);
    await rm(dir, { recursive: true, force: true });
    removeCgroupTree(`${this.cgroupParent}/${id}`);
  }

  async containerStats(id: string): Promise<runtimeapi.ContainerStats | undefined> {
    const rec = await this.tasks.read(id);
    if (!rec) return undefined;
    // The container's own cgroup (runc/crun made it at cgroupsPath), read as cAdvisor does.
    const usage = cgroupUsage(rec.cgroupsPath, this.cgroupV2 ? 2 : 1);
    return {
      writableLayerBytes: await this.snapshotter.usage?.(id).catch(() => undefined),
      cpuUsageCoreNanoSeconds: usage.cpuNanos,
      memoryWorkingSetBytes: usage.workingSetBytes,
      timestamp: Date.now(),
    };
  }

  async containerStatus(id: string): Promise<runtimeapi.ContainerStatus | undefined> {
    const st = await this.containerStatusAny(id);
    return st && !st.annotations?.['k8ts.io/pause'] ? st : undefined;
  }

  private async containerStatusAny(id: string): Promise<runtimeapi.ContainerStatus | undefined> {
    await this.ready;
    const rec = await this.tasks.read(id);
    return rec ? this.withPause(rec, await this.tasks.status(rec)) : undefined;
  }

  /** A pause container's status carries an annotation, so that listing and status leave it out. */
  private withPause(rec: OciContainerRecord, st: runtimeapi.ContainerStatus): runtimeapi.ContainerStatus {
    st.annotations = { ...(rec.config.annotations ?? {}), ...(rec.pause ? { 'k8ts.io/pause': 'true' } : {}) };
    return st;
  }

  async listContainers(filter?: runtimeapi.ContainerFilter): Promise<runtimeapi.ContainerStatus[]> {
    await this.ready;
    const recs = await this.tasks.readAll((r) => !r.pause && ShimTasks.recordMatches(r, filter), filter?.podSandboxId);
    return ShimTasks.filter(
      recs.map((r) => this.withPause(r, this.tasks.statusOf(r))),
      filter,
    );
  }

  // ---- exec, attach --------------------------------------------------------------------------

  private async runningContainer(id: string): Promise<OciContainerRecord> {
    await this.ready;
    const rec = await this.tasks.read(id);
    if (!rec || rec.pause) throw new Error(`container ${id} not found`);
    if (this.tasks.statusOf(rec).state !== 'CONTAINER_RUNNING') throw new Error(`container ${rec.config.metadata.name} is not running`);
    return rec;
  }

  /** `runc exec --process`: the container's own process spec (user, env, cwd, capabilities) with new args, as containerd's exec. */
  async exec(containerId: string, cmd: string[], opts: runtimeapi.ExecOptions): Promise<runtimeapi.ExecSession> {
    const tty = !!opts.tty && this.hasPython;
    const { exec, procFile } = await this.execCommand(containerId, cmd, tty);
    return this.tasks.exec(exec, tty, opts, () => void rm(procFile, { force: true }));
  }

  /** The runc exec of cmd in the container, with its process file (removed by the caller once the exec ends). */
  private async execCommand(containerId: string, cmd: string[], tty: boolean): Promise<{ exec: ExecCommand; procFile: string }> {
    if (cmd.length === 0) throw new Error('exec: no command given');
    const rec = await this.runningContainer(containerId);
    const dir = this.tasks.dir(rec.id);
    const spec = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as OciSpec;
    const proc = { ...spec.process, args: cmd, terminal: tty };
    delete proc.oomScoreAdj;
    const procFile = path.join(dir, `exec-${randomBytes(6).toString('hex')}.json`);
    await writeFile(procFile, JSON.stringify(proc), { mode: 0o600 });
    return { exec: { file: this.binary, args: ['--root', this.runtimeRoot, 'exec', '--process', procFile, rec.id] }, procFile };
  }

  async execSync(
    containerId: string,
    cmd: string[],
    timeoutSeconds: number,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const { exec, procFile } = await this.execCommand(containerId, cmd, false);
    try {
      return await captureExec(exec, timeoutSeconds, () => execSync((opts) => this.exec(containerId, cmd, opts), timeoutSeconds));
    } finally {
      await rm(procFile, { force: true });
    }
  }

  async attach(containerId: string, opts: runtimeapi.ExecOptions): Promise<runtimeapi.ExecSession> {
    return this.tasks.attach(await this.runningContainer(containerId), opts);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Stops reading output and ends sessions; containers keep running (an agent restart adopts them). */
  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.tasks.endSessions();
    this.tasks.closeOutput();
    await this.sandboxes.close();
  }

  /** Removes every container, snapshot, sandbox, mount and cgroup this runtime made. */
  async cleanupAll(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.tasks.endSessions();
    const all = await this.tasks.readAll();
    await Promise.all(all.filter((c) => !c.pause).map((c) => this.stopContainer(c.id, 0).catch(() => undefined)));
    let kept = 0;
    for (const c of all) {
      await this.removeContainer(c.id).catch((e) => {
        kept++;
        this.log(`cleanup of container ${c.id}: ${(e as Error).message}`);
      });
    }
    if (kept) {
      // Their records are what lets the next start find and stop them: they stay.
      throw new Error(`${kept} container(s) could not be removed; their state is kept in ${path.join(this.stateDir, 'oci')}`);
    }
    const mounts = [...mountPoints()]
      .filter((m) => m.startsWith(path.join(this.stateDir, 'oci') + path.sep))
      .sort()
      .reverse();
    for (const m of mounts) await run('umount', ['-l', '--', m]).catch(() => undefined);
    this.tasks.closeOutput();
    await this.sandboxes.cleanupAll();
    removeCgroupTree(this.cgroupParent);
    this.tasks.forgetAll();
    await rm(path.join(this.stateDir, 'oci'), { recursive: true, force: true });
    await rm(this.runtimeRoot, { recursive: true, force: true });
  }
}
