// One worker per pod, as the kubelet's pod workers: every sync is level-triggered (it reads the
// runtime's state of the pod, makes the next steps towards the spec and writes the status), and
// syncs of one pod never overlap. A pod being deleted is killed (preStop, SIGTERM, SIGKILL after
// the grace period), cleaned up, and then deleted from the API for good.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { goDuration } from '../../api/duration.js';
import { errorMessage } from '../../api/errors.js';
import { nowRFC3339 } from '../../api/object.js';
import { type Container, PODS } from '../../api/types.js';
import { type EventRecorder, type EventType, isNotFound, type RestClient } from '../../client/index.js';
import { parseReference } from '../images/reference.js';
import {
  type AuthConfig,
  type ContainerStatus,
  type ImageConfig,
  ImagePullError,
  type ImageService,
  type PodSandboxStatus,
  type RuntimeService,
} from '../runtime/types.js';
import type { Backoff } from './backoff.js';
import { ContainerConfigError, commandLine, makeEnvironment, mergeImageEnv } from './env.js';
import { EVICTION_GRACE_SECONDS, EVICTION_REASON } from './eviction.js';
import type { ImagePuller } from './images.js';
import { runHook } from './lifecycle.js';
import {
  containersNamed,
  generatePodStatus,
  restartCountOf,
  shouldRestart,
  type WaitingReason,
  withContainerReadiness,
} from './podstatus.js';
import type { ProbeManager } from './probes.js';
import { pullCredentials } from './pullsecrets.js';
import { containerConfig, containerHash, type DNSSettings, podDNSConfigChecked, sandboxConfig } from './sandbox.js';
import { linuxContainerConfig, podQOS, verifyRunAsNonRoot } from './security.js';
import type { StatusManager } from './statusmanager.js';
import { sysctlRefusal } from './sysctl.js';
import { terminationMessage } from './termination.js';
import {
  ANNOTATION_CONTAINER_HASH,
  allContainers,
  fieldPathOf,
  formatPod,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  type ObjectSource,
  type PodObject,
} from './types.js';
import { type MountedVolume, VolumeError, type VolumeManager } from './volumes.js';

/** What every pod worker shares: the agent's services. */
export interface WorkerContext {
  client: RestClient;
  nodeName: string;
  runtime: RuntimeService;
  images: ImageService;
  runtimeName: string;
  recorder: EventRecorder;
  volumes: VolumeManager;
  probes: ProbeManager;
  statuses: StatusManager;
  source: ObjectSource;
  crashBackoff: Backoff;
  imageBackoff: Backoff;
  /** Serializes pulls (kubelet's serializeImagePulls, on by default). */
  pulls: ImagePuller;
  rootDir: string;
  dns: DNSSettings;
  hostIPs: string[];
  allocatable(): Record<string, string>;
  /** The bound on each container's processes (pids cgroup), where the runtime enforces it. */
  pidsLimit?: number;
  log(msg: string): void;
  /** The worker is done with a pod that is gone: the agent forgets it. */
  onFinished(uid: string): void;
  /** The local service proxy stopped sending new connections to these IPs (see NodeAgentOptions). */
  endpointsDrained?: (ips: string[], timeoutMs: number) => Promise<boolean>;
}

/** The kubelet's minimum grace when killing (minimumGracePeriodInSeconds). */
const MIN_GRACE_SECONDS = 2;
const RETRY_MS = 2000;

export interface PodRuntimeState {
  sandboxes: PodSandboxStatus[];
  containers: ContainerStatus[];
}

/**
 * One pod's sandboxes and containers. The runtime is asked for this pod's containers only (by
 * sandbox and by the pod-UID label, as kubelet's GetPods filters), so a sync's cost does not grow
 * with the other pods on the node (#13: every container's state files were read for each sync).
 */
export async function runtimeStateOf(runtime: RuntimeService, uid: string): Promise<PodRuntimeState> {
  const mine = (await runtime.listPodSandbox()).filter((s) => s.metadata.uid === uid || s.labels?.[LABEL_POD_UID] === uid);
  const ids = new Set(mine.map((s) => s.id));
  const lists = await Promise.all([
    ...[...ids].map((podSandboxId) => runtime.listContainers({ podSandboxId })),
    runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } }),
  ]);
  const containers = new Map<string, ContainerStatus>();
  for (const c of lists.flat()) containers.set(c.id, c);
  return {
    sandboxes: mine.sort((a, b) => b.createdAt - a.createdAt || b.metadata.attempt - a.metadata.attempt),
    containers: [...containers.values()],
  };
}

export class PodWorker {
  pod: PodObject;
  readonly uid: string;
  /** The pod is gone from the API (deleted for good): clean up and finish. */
  private removed = false;
  private finished = false;
  private deleteSent = false;
  private running = false;
  private pending = false;
  private stopped = false;
  private readonly reasons = new Map<string, WaitingReason>();
  /** The last pull error of each image, for ImagePullBackOff's message. */
  private readonly pullErrors = new Map<string, string>();
  private pullWaited = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private startTime?: string;
  /** Set by the eviction manager: the message the pod is evicted with. */
  private eviction?: string;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(
    private readonly ctx: WorkerContext,
    pod: PodObject,
  ) {
    this.pod = pod;
    this.uid = pod.metadata.uid!;
    this.startTime = (pod.status as { startTime?: string } | undefined)?.startTime;
  }

  update(pod: PodObject): void {
    this.pod = pod;
    this.trigger();
  }

  /** Passed kubelet's admission (sysctls): asked once per pod worker. */
  private admitted = false;
  /** Refused by that admission (reject): nothing of the pod runs, nothing more is written for it. */
  private rejected = false;

  /** The pod was deleted from the API (or never should have run here). */
  remove(pod?: PodObject): void {
    if (pod) this.pod = pod;
    this.removed = true;
    this.trigger();
  }

  /**
   * A probe result changed. While a sync is busy (say, killing a container through its grace
   * period), readiness goes to the API at once, as kubelet's statusManager.SetContainerReadiness
   * does; the next sync writes the whole status.
   */
  /** The eviction manager evicts the pod: killed at once and reported Failed, reason Evicted
   *  (kubelet's killPodFunc with the eviction's status update). */
  evict(message: string): void {
    if (this.eviction || this.removed) return;
    this.eviction = message;
    this.trigger();
  }

  probeResultChanged(): void {
    if (this.running && !this.removed && !this.stopped && !this.finished) {
      const next = withContainerReadiness(this.pod, this.ctx.statuses.current(this.pod), (id) => this.ctx.probes.ready(id));
      if (next)
        void this.ctx.statuses
          .set(this.pod, next)
          .catch((e) => this.ctx.log(`pod ${formatPod(this.pod)} readiness: ${(e as Error).message}`));
    }
    this.trigger();
  }

  trigger(): void {
    if (this.stopped || this.finished) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = true;
    this.idle = new Promise((r) => {
      this.markIdle = r;
    });
    void this.loop();
  }

  /** Stops timers and waits for a sync in progress (agent stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.idle;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.pending = false;
        try {
          await this.sync();
        } catch (e) {
          this.ctx.log(`pod ${formatPod(this.pod)}: sync failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          this.after(RETRY_MS);
        }
      } while (this.pending && !this.stopped && !this.finished);
    } finally {
      this.running = false;
      this.markIdle();
    }
  }

  /** Syncs again after ms (back-off expiry, retries). */
  private after(ms: number): void {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        this.trigger();
      },
      Math.max(10, ms),
    );
    this.timers.add(t);
  }

  private event(type: EventType, reason: string, message: string, container?: string): void {
    this.ctx.recorder.event(this.pod, type, reason, message, container ? fieldPathOf(this.pod, container) : undefined);
  }

  private get gracePeriod(): number {
    const g = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }

  private specOf(name: string): Container | undefined {
    return allContainers(this.pod).find((c) => c.container.name === name)?.container;
  }

  // ---- the sync ----

  private async sync(): Promise<void> {
    const pod = this.pod;
    if (this.removed) return this.cleanUp(true);
    if (pod.metadata.deletionTimestamp) return this.terminate();
    // A rejected pod was never started: as kubelet, nothing more is written for it (its status keeps no container statuses).
    if (this.rejected) return;
    const phase = this.ctx.statuses.current(pod).phase;
    if (phase === 'Succeeded' || phase === 'Failed') return this.syncTerminal();
    if (this.eviction) return this.syncEvicted(this.eviction);
    // kubelet's pod admission (canAdmitPod), asked once before anything of the pod is made.
    if (!this.admitted) {
      const refusal = sysctlRefusal(pod);
      if (refusal) return this.reject(refusal);
      this.admitted = true;
    }

    if (!this.startTime) this.startTime = nowRFC3339();
    let state = await runtimeStateOf(this.ctx.runtime, this.uid);

    // Volumes first: a container never starts without its volumes.
    let volumes: Map<string, MountedVolume>;
    try {
      volumes = await this.ctx.volumes.setUp(pod, { podIPs: [], hostIPs: this.ctx.hostIPs, allocatable: this.ctx.allocatable() });
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      this.event('Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${e.volume}" : ${e.message}`);
      await this.pushStatus(state, false);
      this.after(RETRY_MS);
      return;
    }

    let sandbox = state.sandboxes.find((s) => s.state === 'SANDBOX_READY');
    if (!sandbox) {
      sandbox = await this.createSandbox(state);
      if (!sandbox) {
        await this.pushStatus(state, false);
        this.after(RETRY_MS);
        return;
      }
      state = await runtimeStateOf(this.ctx.runtime, this.uid);
    }
    const podIP = sandbox.ip ?? '';
    const current = (): ContainerStatus[] => state.containers.filter((c) => c.podSandboxId === sandbox!.id);

    // Liveness and startup failures: kill, and let the restart logic below bring it back.
    const running = current().filter((c) => c.state === 'CONTAINER_RUNNING');
    this.ctx.probes.sync(
      pod,
      running.map((c) => ({ container: this.specOf(nameOf(c))!, containerId: c.id, startedAt: c.startedAt })).filter((r) => r.container),
      podIP,
    );
    let killed = false;
    for (const c of running) {
      const failure = this.ctx.probes.failed(c.id);
      const spec = this.specOf(nameOf(c));
      if (!failure || !spec) continue;
      const grace = failure.probe.terminationGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.killContainer(c, spec, grace, `Container ${spec.name} failed ${failure.type} probe, will be restarted`, podIP);
      killed = true;
    }
    if (killed) state = await runtimeStateOf(this.ctx.runtime, this.uid);

    // Init containers, in order, each to completion.
    let initDone = true;
    const policy = pod.spec?.restartPolicy ?? 'Always';
    for (const spec of pod.spec?.initContainers ?? []) {
      const [latest] = containersNamed(current(), spec.name);
      if (latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0) continue;
      initDone = false;
      if (latest?.state === 'CONTAINER_RUNNING') break;
      if (latest?.state === 'CONTAINER_EXITED' && policy === 'Never') break;
      await this.startContainer(spec, true, state, sandbox, volumes);
      break;
    }

    if (initDone) {
      for (const spec of pod.spec?.containers ?? []) {
        let [latest] = containersNamed(current(), spec.name);
        const hash = latest?.annotations?.[ANNOTATION_CONTAINER_HASH];
        if (latest?.state === 'CONTAINER_RUNNING' && hash && hash !== containerHash(spec)) {
          // The pod's spec changed under a running container (kubectl set image): kubelet restarts it.
          await this.killContainer(
            latest,
            spec,
            this.pod.spec?.terminationGracePeriodSeconds ?? 30,
            `Container ${spec.name} definition changed, will be restarted`,
            podIP,
          );
          state = await runtimeStateOf(this.ctx.runtime, this.uid);
          [latest] = containersNamed(current(), spec.name);
        }
        if (latest?.state === 'CONTAINER_RUNNING') {
          this.reasons.delete(spec.name);
          continue;
        }
        if (latest?.state === 'CONTAINER_CREATED') await this.ctx.runtime.removeContainer(latest.id);
        else if (latest && !shouldRestart(pod, latest, false)) continue;
        await this.startContainer(spec, false, state, sandbox, volumes);
      }
      // Ephemeral containers run once each and are never restarted.
      for (const eph of pod.spec?.ephemeralContainers ?? []) {
        if (containersNamed(current(), eph.name).length > 0) continue;
        await this.startContainer(eph as Container, false, state, sandbox, volumes, eph.targetContainerName ?? '');
      }
    }

    state = await runtimeStateOf(this.ctx.runtime, this.uid);
    await this.collectGarbage(state, sandbox.id);
    const runningNow = state.containers.filter((c) => c.podSandboxId === sandbox!.id && c.state === 'CONTAINER_RUNNING');
    this.ctx.probes.sync(
      pod,
      runningNow.map((c) => ({ container: this.specOf(nameOf(c))!, containerId: c.id, startedAt: c.startedAt })).filter((r) => r.container),
      podIP,
    );
    const status = await this.pushStatus(state, false);
    if (status.phase === 'Succeeded' || status.phase === 'Failed') await this.stopPod(state, false);
  }

  private async createSandbox(state: PodRuntimeState): Promise<PodSandboxStatus | undefined> {
    const attempt = state.sandboxes.length ? Math.max(...state.sandboxes.map((s) => s.metadata.attempt)) + 1 : 0;
    if (state.sandboxes.length || state.containers.length) {
      this.event('Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      // Whatever still runs in the old sandbox belongs to a pod that is starting over.
      for (const c of state.containers) if (c.state === 'CONTAINER_RUNNING') await this.ctx.runtime.stopContainer(c.id, MIN_GRACE_SECONDS);
      for (const s of state.sandboxes) await this.ctx.runtime.stopPodSandbox(s.id);
    }
    for (const w of podDNSConfigChecked(this.pod, this.ctx.dns).warnings) this.event('Warning', 'DNSConfigForming', w);
    try {
      const id = await this.ctx.runtime.runPodSandbox(sandboxConfig(this.pod, attempt, this.ctx.rootDir, this.ctx.dns));
      return await this.ctx.runtime.podSandboxStatus(id);
    } catch (e) {
      this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorMessage(e)}`);
      return undefined;
    }
  }

  /** Pulls the image as the pull policy says (kubelet's EnsureImageExists); returns its config, or undefined (reason recorded). */
  private async ensureImage(spec: Container): Promise<ImageConfig | undefined> {
    const ref = spec.image ?? '';
    const name = spec.name;
    const imgs = this.ctx.images;
    const policy = spec.imagePullPolicy ?? defaultPullPolicy(ref);
    try {
      parseReference(ref);
    } catch (e) {
      // kubelet's applyDefaultImageTag: a name the API server let through but no registry could serve.
      const msg = `Failed to apply default image tag "${ref}": couldn't parse image reference "${ref}": ${errorMessage(e)}`;
      this.event('Warning', 'InspectFailed', msg, name);
      this.event('Warning', 'Failed', 'Error: InvalidImageName', name);
      this.reasons.set(name, { reason: 'InvalidImageName', message: msg });
      return undefined;
    }
    let present;
    try {
      present = await imgs.imageStatus({ image: ref });
    } catch (e) {
      const msg = `Failed to inspect image "${ref}": ${errorMessage(e)}`;
      this.event('Warning', 'InspectFailed', msg, name);
      this.reasons.set(name, { reason: 'ImageInspectError', message: msg });
      this.after(RETRY_MS);
      return undefined;
    }
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) {
        this.event('Normal', 'Pulled', `Container image "${ref}" already present on machine`, name);
        return present.config;
      }
      const msg = `Container image "${ref}" is not present with pull policy of Never`;
      this.event('Warning', 'ErrImageNeverPull', msg, name);
      this.event('Warning', 'Failed', 'Error: ErrImageNeverPull', name);
      this.reasons.set(name, { reason: 'ErrImageNeverPull', message: msg });
      return undefined;
    }
    const key = `${this.uid}_${ref}`;
    const backoff = this.ctx.imageBackoff;
    if (backoff.isInBackOffSinceUpdate(key)) {
      const msg = `Back-off pulling image "${ref}"`;
      this.event('Normal', 'BackOff', msg, name);
      this.event('Warning', 'Failed', 'Error: ImagePullBackOff', name);
      const last = this.pullErrors.get(ref);
      this.reasons.set(name, { reason: 'ImagePullBackOff', message: last ? `${msg}: ErrImagePull: ${last}` : msg });
      this.after(backoff.get(key));
      return undefined;
    }
    const auth = await this.pullSecretsFor(ref);
    this.event('Normal', 'Pulling', `Pulling image "${ref}"`, name);
    const t0 = Date.now();
    try {
      await this.ctx.pulls.run(
        () => imgs.pullImage({ image: ref }, auth.length ? auth : undefined),
        (waited) => {
          this.pullWaited = waited;
        },
      );
    } catch (e) {
      const err = e instanceof ImagePullError || e instanceof Error ? e.message : String(e);
      this.event('Warning', 'Failed', `Failed to pull image "${ref}": ${err}`, name);
      backoff.next(key);
      this.event('Warning', 'Failed', 'Error: ErrImagePull', name);
      this.pullErrors.set(ref, err);
      this.reasons.set(name, { reason: 'ErrImagePull', message: err });
      this.after(backoff.get(key));
      return undefined;
    }
    this.pullErrors.delete(ref);
    const total = Date.now() - t0;
    const took = goDuration(Math.max(0, total - this.pullWaited));
    const img = await imgs.imageStatus({ image: ref });
    this.event(
      'Normal',
      'Pulled',
      `Successfully pulled image "${ref}" in ${took} (${goDuration(total)} including waiting). Image size: ${img?.size ?? 0} bytes.`,
      name,
    );
    return img?.config ?? { entrypoint: [], cmd: [], env: [], workingDir: '', exposedPorts: [] };
  }

  /** The pod's pull secrets' credentials for an image (kubelet's getPullSecretsForPod + keyring). */
  private async pullSecretsFor(ref: string): Promise<AuthConfig[]> {
    const names = (this.pod.spec?.imagePullSecrets ?? []).map((s) => s.name ?? '').filter(Boolean);
    if (!names.length) return [];
    const ns = this.pod.metadata.namespace ?? 'default';
    const { auth, missing } = await pullCredentials(ref, names, (n) => this.ctx.source.secret(ns, n));
    if (missing.length) {
      this.event(
        'Warning',
        'FailedToRetrieveImagePullSecret',
        `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`,
      );
    }
    return auth;
  }

  private async startContainer(
    spec: Container,
    init: boolean,
    state: PodRuntimeState,
    sandbox: PodSandboxStatus,
    volumes: Map<string, MountedVolume>,
    ephemeralTarget?: string,
  ): Promise<void> {
    const pod = this.pod;
    const name = spec.name;
    const [previous] = containersNamed(state.containers, name);
    // Restarting a container that exited in this sandbox: the crash-loop back-off decides when.
    // The key holds the definition's hash, so a changed image starts at once (kubelet's getStableKey).
    if (previous?.state === 'CONTAINER_EXITED' && previous.podSandboxId === sandbox.id) {
      const key = `${this.uid}_${name}_${containerHash(spec)}`;
      const b = this.ctx.crashBackoff;
      if (b.isInBackOffSince(key, previous.finishedAt)) {
        this.event('Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${formatPod(pod)}`, name);
        this.reasons.set(name, {
          reason: 'CrashLoopBackOff',
          message: `back-off ${goDuration(b.get(key))} restarting failed container=${name} pod=${formatPod(pod)}`,
        });
        this.after(b.remaining(key, previous.finishedAt) + 5);
        return;
      }
      b.next(key, previous.finishedAt);
    }

    const image = await this.ensureImage(spec);
    if (!image) return;

    const podIPs = sandbox.ip ? [sandbox.ip] : [];
    let config;
    const restartCount = previous ? restartCountOf(previous) + 1 : 0;
    try {
      const env = await makeEnvironment({
        pod,
        container: spec,
        podIPs,
        hostIPs: this.ctx.hostIPs,
        nodeName: this.ctx.nodeName,
        allocatable: this.ctx.allocatable(),
        source: this.ctx.source,
      });
      const { command, args } = commandLine(spec, image, env);
      const hostname = (pod.spec?.hostname || pod.metadata.name!).slice(0, 63);
      const envs = mergeImageEnv(image.env, [{ key: 'HOSTNAME', value: hostname }, ...env]);
      let mounts;
      try {
        mounts = await this.ctx.volumes.containerMounts(pod, spec, volumes, env);
      } catch (e) {
        throw new ContainerConfigError(errorMessage(e));
      }
      const nonRoot = verifyRunAsNonRoot(pod, spec, image.user);
      if (nonRoot) throw new ContainerConfigError(nonRoot);
      let targetContainerId: string | undefined;
      if (ephemeralTarget) {
        const [target] = containersNamed(
          state.containers.filter((c) => c.podSandboxId === sandbox.id && c.state === 'CONTAINER_RUNNING'),
          ephemeralTarget,
        );
        if (!target) throw new ContainerConfigError(`target container "${ephemeralTarget}" is not running`);
        targetContainerId = target.id;
      }
      const terminationMessageHostPath = await this.terminationMessageFile(spec, mounts);
      const linux = linuxContainerConfig({
        pod,
        container: spec,
        imageUser: image.user,
        memoryCapacity: os.totalmem(),
        pidsLimit: this.ctx.pidsLimit,
        targetContainerId,
      });
      config = containerConfig({
        pod,
        container: spec,
        init,
        restartCount,
        command,
        args,
        workingDir: spec.workingDir || image.workingDir,
        envs,
        mounts,
        linux,
        ephemeral: ephemeralTarget !== undefined,
        ...(terminationMessageHostPath ? { terminationMessageHostPath } : {}),
      });
    } catch (e) {
      if (!(e instanceof ContainerConfigError)) throw e;
      this.startFailed(name, 'CreateContainerConfigError', e);
      return;
    }

    let id: string;
    try {
      id = await this.ctx.runtime.createContainer(
        sandbox.id,
        config,
        sandboxConfig(pod, sandbox.metadata.attempt, this.ctx.rootDir, this.ctx.dns),
      );
    } catch (e) {
      this.startFailed(name, 'CreateContainerError', e);
      return;
    }
    this.event('Normal', 'Created', `Created container: ${name}`, name);
    try {
      await this.ctx.runtime.startContainer(id);
    } catch (e) {
      this.startFailed(name, 'RunContainerError', e);
      return;
    }
    this.event('Normal', 'Started', `Started container ${name}`, name);
    this.reasons.delete(name);

    const postStart = spec.lifecycle?.postStart;
    if (postStart) {
      const err = await runHook(postStart, {
        runtime: this.ctx.runtime,
        pod,
        container: spec,
        containerId: id,
        podIP: sandbox.ip ?? '',
        timeoutSeconds: this.pod.spec?.terminationGracePeriodSeconds ?? 30,
      });
      if (err) {
        this.event('Warning', 'FailedPostStartHook', err, name);
        const st = await this.ctx.runtime.containerStatus(id);
        if (st)
          await this.killContainer(
            st,
            spec,
            this.pod.spec?.terminationGracePeriodSeconds ?? 30,
            `FailedPostStartHook`,
            sandbox.ip ?? '',
            true,
          );
        this.reasons.set(name, { reason: 'PostStartHookError', message: err });
      }
    }
  }

  /**
   * A container that could not be configured, created or started: the Failed event ("Error:
   * ..."), the reason it waits with, and another try, as kubelet's startContainer reports each.
   */
  private startFailed(name: string, reason: string, e: unknown): void {
    const message = errorMessage(e);
    this.event('Warning', 'Failed', `Error: ${message}`, name);
    this.reasons.set(name, { reason, message });
    this.after(RETRY_MS);
  }

  /** kubelet's termination message file: a fresh file per container start, writable by any user, mounted at
   *  terminationMessagePath (unless a volume is mounted there). */
  private async terminationMessageFile(
    spec: Container,
    mounts: { containerPath: string; hostPath: string; readonly?: boolean }[],
  ): Promise<string | undefined> {
    const target = spec.terminationMessagePath ?? '/dev/termination-log';
    if (!target || mounts.some((m) => path.posix.resolve('/', m.containerPath) === path.posix.resolve('/', target))) return undefined;
    const dir = path.join(this.ctx.rootDir, 'pods', this.uid, 'containers', spec.name);
    await fs.mkdir(dir, { recursive: true, mode: 0o750 });
    const file = path.join(dir, randomBytes(4).toString('hex'));
    await fs.writeFile(file, '', { mode: 0o666 });
    await fs.chmod(file, 0o666);
    mounts.push({ containerPath: target, hostPath: file });
    return file;
  }

  /** preStop, then SIGTERM, then SIGKILL when the grace period is over. */
  private async killContainer(
    c: ContainerStatus,
    spec: Container | undefined,
    graceSeconds: number,
    message: string,
    podIP: string,
    quiet = false,
  ): Promise<void> {
    const name = nameOf(c);
    if (!quiet) this.event('Normal', 'Killing', message, name);
    let grace = graceSeconds;
    const preStop = spec?.lifecycle?.preStop;
    if (preStop && c.state === 'CONTAINER_RUNNING') {
      const t0 = Date.now();
      const hook = runHook(preStop, {
        runtime: this.ctx.runtime,
        pod: this.pod,
        container: spec!,
        containerId: c.id,
        podIP,
        timeoutSeconds: grace,
      });
      const err = await Promise.race([hook, new Promise<undefined>((r) => setTimeout(() => r(undefined), grace * 1000).unref())]);
      if (err) this.event('Warning', 'FailedPreStopHook', err, name);
      grace -= Math.floor((Date.now() - t0) / 1000);
    }
    if (grace < MIN_GRACE_SECONDS && graceSeconds > 0) grace = MIN_GRACE_SECONDS;
    try {
      await this.ctx.runtime.stopContainer(c.id, Math.max(0, grace));
    } catch (e) {
      this.ctx.log(`pod ${formatPod(this.pod)}: stopping container ${name}: ${errorMessage(e)}`);
    } finally {
      // Readiness is probed until the container is gone (a PID 1 that ignores SIGTERM lives out its grace period).
      this.ctx.probes.dropContainer(c.id);
    }
  }

  /** Keeps the newest exited container of each name (for restartCount, lastState and logs) and drops the rest. */
  private async collectGarbage(state: PodRuntimeState, currentSandbox: string): Promise<void> {
    const byName = new Map<string, ContainerStatus[]>();
    for (const c of state.containers) {
      const n = nameOf(c);
      if (!byName.has(n)) byName.set(n, []);
      byName.get(n)!.push(c);
    }
    for (const list of byName.values()) {
      const exited = containersNamed(list, nameOf(list[0])).filter((c) => c.state === 'CONTAINER_EXITED');
      const hasRunning = list.some((c) => c.state === 'CONTAINER_RUNNING');
      for (const c of exited.slice(hasRunning ? 1 : 2)) await this.ctx.runtime.removeContainer(c.id);
    }
    const after = await runtimeStateOf(this.ctx.runtime, this.uid);
    for (const s of after.sandboxes) {
      if (s.id === currentSandbox) continue;
      if (!after.containers.some((c) => c.podSandboxId === s.id)) await this.ctx.runtime.removePodSandbox(s.id);
    }
  }

  /** kubelet's rejectPod: a Warning event and the pod Failed, "Pod was rejected: <why>"; nothing of it runs. */
  private async reject(r: { reason: string; message: string }): Promise<void> {
    this.rejected = true;
    this.event('Warning', r.reason, r.message);
    // Only what kubelet's rejectPod sets (no container statuses: `kubectl get` then shows the reason).
    const { containerStatuses: _c, initContainerStatuses: _i, ...status } = this.ctx.statuses.current(this.pod);
    if (!this.removed)
      await this.ctx.statuses.set(this.pod, {
        ...status,
        phase: 'Failed',
        reason: r.reason,
        message: `Pod was rejected: ${r.message}`,
        qosClass: podQOS(this.pod),
      });
  }

  /** Kills an evicted pod with the eviction's grace and reports it Failed with kubelet's reason. */
  private async syncEvicted(message: string): Promise<void> {
    this.event('Warning', EVICTION_REASON, message);
    await this.stopPod(await runtimeStateOf(this.ctx.runtime, this.uid), true, EVICTION_GRACE_SECONDS);
    this.ctx.probes.removePod(this.uid);
    await this.pushStatus(await runtimeStateOf(this.ctx.runtime, this.uid), true, { reason: EVICTION_REASON, message });
  }

  private async pushStatus(state: PodRuntimeState, terminal: boolean, failure?: { reason: string; message: string }) {
    state = { ...state, containers: await Promise.all(state.containers.map((c) => this.withTerminationMessage(c))) };
    const sandbox = state.sandboxes.find((s) => s.state === 'SANDBOX_READY') ?? state.sandboxes[0];
    const status = generatePodStatus({
      pod: { ...this.pod, status: this.ctx.statuses.current(this.pod) },
      sandbox,
      containers: state.containers,
      reasons: this.reasons,
      ready: (id) => this.ctx.probes.ready(id),
      started: (id) => this.ctx.probes.started(id),
      runtimeName: this.ctx.runtimeName,
      hostIPs: this.ctx.hostIPs,
      startTime: this.startTime ?? nowRFC3339(),
      terminal,
    });
    if (failure) Object.assign(status, { phase: 'Failed', reason: failure.reason, message: failure.message });
    if (!this.removed) await this.ctx.statuses.set(this.pod, status);
    return status;
  }

  /** An exited container's status with its termination message, as kubelet's getContainerStatuses enriches it. */
  private async withTerminationMessage(c: ContainerStatus): Promise<ContainerStatus> {
    if (c.state !== 'CONTAINER_EXITED') return c;
    let msg = terminationMessages.get(c.id);
    if (msg === undefined) {
      msg = await terminationMessage(c).catch(() => '');
      terminationMessages.set(c.id, msg);
      if (terminationMessages.size > 10_000) terminationMessages.delete(terminationMessages.keys().next().value!);
    }
    if (!msg) return c;
    return { ...c, message: c.message ? `${c.message}: ${msg}` : msg };
  }

  /** A finished pod: nothing runs, its sandbox is stopped, its containers stay for their logs. */
  private async syncTerminal(): Promise<void> {
    const state = await runtimeStateOf(this.ctx.runtime, this.uid);
    await this.stopPod(state, false);
    this.ctx.probes.removePod(this.uid);
    await this.pushStatus(await runtimeStateOf(this.ctx.runtime, this.uid), true);
  }

  private async stopPod(state: PodRuntimeState, announce: boolean, graceOverride?: number): Promise<void> {
    const grace = graceOverride ?? this.gracePeriod;
    await Promise.all(
      state.containers
        .filter((c) => c.state === 'CONTAINER_RUNNING')
        .map((c) => {
          const spec = this.specOf(nameOf(c));
          return this.killContainer(c, spec, grace, `Stopping container ${nameOf(c)}`, state.sandboxes[0]?.ip ?? '', !announce);
        }),
    );
    for (const s of state.sandboxes) if (s.state === 'SANDBOX_READY') await this.ctx.runtime.stopPodSandbox(s.id);
  }

  /**
   * Before SIGTERM: wait (at most 10 s, and never past the grace period) until the node's service
   * proxy sends no new connection to this pod, so an app without a preStop hook is not asked to
   * stop while clients still reach it through a service. (Kubernetes leaves this race to preStop
   * hooks; here the proxy is local and can say when it is done.) hostNetwork pods share the
   * node's address, which stays in other services: no wait.
   */
  private async awaitEndpointsDrained(state: PodRuntimeState): Promise<void> {
    if (!this.ctx.endpointsDrained || this.pod.spec?.hostNetwork) return;
    if (!state.containers.some((c) => c.state === 'CONTAINER_RUNNING')) return;
    const ips = new Set<string>((this.pod.status?.podIPs ?? []).map((p) => p.ip ?? ''));
    if (this.pod.status?.podIP) ips.add(this.pod.status.podIP);
    for (const s of state.sandboxes) if (s.ip) ips.add(s.ip);
    ips.delete('');
    if (!ips.size) return;
    const limit = Math.min(10_000, this.gracePeriod * 1000);
    const drained = await this.ctx.endpointsDrained([...ips], limit).catch(() => false);
    if (!drained) this.ctx.log(`pod ${formatPod(this.pod)}: still a service endpoint after ${limit} ms; stopping it anyway`);
  }

  /** The pod has a deletionTimestamp: kill it, clean up, then delete the object for good. */
  private async terminate(): Promise<void> {
    const state = await runtimeStateOf(this.ctx.runtime, this.uid);
    await this.awaitEndpointsDrained(state);
    await this.stopPod(state, true);
    this.ctx.probes.removePod(this.uid);
    const after = await runtimeStateOf(this.ctx.runtime, this.uid);
    try {
      await this.pushStatus(after, true);
    } catch (e) {
      if (!isNotFound(e)) this.ctx.log(`pod ${formatPod(this.pod)}: final status: ${String(e)}`);
    }
    await this.cleanUp(false);
    if (this.deleteSent) return;
    try {
      await this.ctx.client.delete(
        { ...PODS, namespace: this.pod.metadata.namespace, name: this.pod.metadata.name },
        { gracePeriodSeconds: 0, preconditions: { uid: this.uid } },
      );
      this.deleteSent = true;
    } catch (e) {
      if (isNotFound(e) || (e as { code?: number }).code === 409) {
        this.deleteSent = true;
        return;
      }
      throw e;
    }
  }

  /** Removes every container, sandbox and volume of the pod; when the pod is gone, the worker finishes. */
  private async cleanUp(finish: boolean): Promise<void> {
    let state = await runtimeStateOf(this.ctx.runtime, this.uid);
    if (state.containers.some((c) => c.state === 'CONTAINER_RUNNING')) {
      await this.stopPod(state, false);
      state = await runtimeStateOf(this.ctx.runtime, this.uid);
    }
    this.ctx.probes.removePod(this.uid);
    for (const c of state.containers) await this.ctx.runtime.removeContainer(c.id);
    for (const s of state.sandboxes) {
      if (s.state === 'SANDBOX_READY') await this.ctx.runtime.stopPodSandbox(s.id);
      await this.ctx.runtime.removePodSandbox(s.id);
    }
    await this.ctx.volumes.tearDown(this.uid);
    if (finish) {
      this.finished = true;
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.ctx.crashBackoff.resetPrefix(`${this.uid}_`);
      this.ctx.imageBackoff.resetPrefix(`${this.uid}_`);
      this.ctx.statuses.forget(this.uid);
      this.ctx.onFinished(this.uid);
    }
  }
}

/** Memo of termination messages of exited containers (they never change once read). */
const terminationMessages = new Map<string, string>();

/** imagePullPolicy's default: Always for :latest or no tag, IfNotPresent otherwise (the API server sets it; this is the fallback). */
function defaultPullPolicy(ref: string): 'Always' | 'IfNotPresent' {
  return imageTag(ref) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The tag of an image reference ('latest' when it has none; '' for a digest). */
function imageTag(ref: string): string {
  if (ref.includes('@')) return '';
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const i = last.indexOf(':');
  return i < 0 ? 'latest' : last.slice(i + 1);
}

function nameOf(c: ContainerStatus): string {
  return c.labels?.[LABEL_CONTAINER_NAME] ?? c.metadata.name;
}
