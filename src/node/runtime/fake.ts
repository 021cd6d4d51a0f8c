// An in-memory RuntimeService and ImageService for the node agent's unit tests: sandboxes and
// containers are records, and a container's "process" runs until the test (or a script given at
// creation) makes it exit. Nothing is executed on the host.

import type { Duplex } from 'node:stream';
import {
  type ContainerConfig,
  type ContainerFilter,
  type ContainerStatus,
  type ExecOptions,
  type ExecSession,
  type Image,
  ImagePullError,
  type ImageService,
  type ImageSpec,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type RuntimeService,
} from './types.js';

/** What a started container does on its own, decided per container when it starts. */
export interface FakeBehaviour {
  /** Exit by itself after this many ms (0: at once). Undefined: run until stopped or killed. */
  exitAfterMs?: number;
  exitCode?: number;
  /** Ignore SIGTERM: stopContainer then waits the whole timeout and reports SIGKILL (137). */
  ignoreSigterm?: boolean;
}

export interface FakeContainer {
  config: ContainerConfig;
  sandboxConfig: PodSandboxConfig;
  status: ContainerStatus;
  timer?: NodeJS.Timeout;
  behaviour: FakeBehaviour;
}

interface FakeSandbox {
  config: PodSandboxConfig;
  status: PodSandboxStatus;
}

export interface ExecCall {
  containerId: string;
  cmd: string[];
}
export interface StopCall {
  containerId: string;
  name: string;
  timeoutSeconds: number;
  at: number;
}

export class FakeRuntime implements RuntimeService {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  readonly execCalls: ExecCall[] = [];
  readonly stopCalls: StopCall[] = [];
  /** Decides each container's behaviour when it starts (default: runs until stopped). */
  behaviour: (config: ContainerConfig, sandbox: PodSandboxConfig) => FakeBehaviour = () => ({});
  /** Answers execSync (exec probes and hooks); default: exit 0, no output. */
  execHandler: (containerId: string, cmd: string[]) => { exitCode: number; stdout: string; stderr: string } = () => ({
    exitCode: 0,
    stdout: '',
    stderr: '',
  });
  /** The IP a new sandbox gets; default 10.244.0.N. */
  sandboxIP: (config: PodSandboxConfig) => string;
  /** Make the next runPodSandbox calls fail with this message. */
  failSandbox?: string;
  private seq = 0;
  private ipSeq = 1;

  constructor(opts: { sandboxIP?: string | ((config: PodSandboxConfig) => string) } = {}) {
    const ip = opts.sandboxIP;
    this.sandboxIP = typeof ip === 'function' ? ip : typeof ip === 'string' ? () => ip : () => `10.244.0.${++this.ipSeq}`;
  }

  private id(prefix: string): string {
    return `${prefix}${(++this.seq).toString(16).padStart(12, '0')}`;
  }

  async version() {
    return { runtimeName: 'fake', runtimeVersion: '0.0.1', runtimeApiVersion: 'v1' };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    if (this.failSandbox) throw new Error(this.failSandbox);
    const id = this.id('sb');
    this.sandboxes.set(id, {
      config,
      status: {
        id,
        metadata: { ...config.metadata },
        state: 'SANDBOX_READY',
        createdAt: Date.now(),
        ip: this.sandboxIP(config),
        labels: { ...(config.labels ?? {}) },
        annotations: { ...(config.annotations ?? {}) },
      },
    });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values())
      if (c.status.podSandboxId === id && c.status.state === 'CONTAINER_RUNNING') this.exit(c, 137, 'Error');
    sb.status.state = 'SANDBOX_NOTREADY';
  }

  async removePodSandbox(id: string): Promise<void> {
    for (const [cid, c] of this.containers)
      if (c.status.podSandboxId === id) {
        this.clearTimer(c);
        this.containers.delete(cid);
      }
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const sb = this.sandboxes.get(id);
    return sb ? structuredClone(sb.status) : undefined;
  }

  async listPodSandbox(): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => structuredClone(s.status));
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const sb = this.sandboxes.get(podSandboxId);
    if (!sb) throw new Error(`sandbox ${podSandboxId} not found`);
    if (sb.status.state !== 'SANDBOX_READY') throw new Error(`sandbox ${podSandboxId} is not ready`);
    const id = this.id('c');
    this.containers.set(id, {
      config,
      sandboxConfig,
      behaviour: {},
      status: {
        id,
        podSandboxId,
        metadata: { ...config.metadata },
        state: 'CONTAINER_CREATED',
        createdAt: Date.now(),
        startedAt: 0,
        finishedAt: 0,
        exitCode: 0,
        image: config.image,
        imageRef: `${config.image}@sha256:${'0'.repeat(64)}`,
        logPath: `${sandboxConfig.logDirectory}/${config.logPath}`,
        labels: { ...(config.labels ?? {}) },
        annotations: { ...(config.annotations ?? {}) },
      },
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.status.state !== 'CONTAINER_CREATED') throw new Error(`container ${id} is not in created state`);
    c.status.state = 'CONTAINER_RUNNING';
    c.status.startedAt = Date.now();
    c.status.pid = 100000 + this.seq;
    c.behaviour = this.behaviour(c.config, c.sandboxConfig);
    if (c.behaviour.exitAfterMs !== undefined) {
      const code = c.behaviour.exitCode ?? 0;
      c.timer = setTimeout(() => this.exit(c, code, code === 0 ? 'Completed' : 'Error'), c.behaviour.exitAfterMs);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.stopCalls.push({ containerId: id, name: c.config.metadata.name, timeoutSeconds, at: Date.now() });
    if (c.status.state !== 'CONTAINER_RUNNING') {
      if (c.status.state === 'CONTAINER_CREATED') this.exit(c, 0, 'Completed');
      return;
    }
    if (c.behaviour.ignoreSigterm) {
      await new Promise((r) => setTimeout(r, timeoutSeconds * 1000));
      if (c.status.state === 'CONTAINER_RUNNING') this.exit(c, 137, 'Error');
      return;
    }
    this.exit(c, 143, 'Error');
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c) this.clearTimer(c);
    this.containers.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    return c ? structuredClone(c.status) : undefined;
  }

  async listContainers(filter: ContainerFilter = {}): Promise<ContainerStatus[]> {
    return [...this.containers.values()]
      .filter(
        (c) =>
          (!filter.id || c.status.id === filter.id) &&
          (!filter.podSandboxId || c.status.podSandboxId === filter.podSandboxId) &&
          (!filter.state || c.status.state === filter.state) &&
          Object.entries(filter.labelSelector ?? {}).every(([k, v]) => c.status.labels?.[k] === v),
      )
      .map((c) => structuredClone(c.status));
  }

  async exec(_containerId: string, _cmd: string[], _opts: ExecOptions): Promise<ExecSession> {
    throw new Error('the fake runtime does not stream exec');
  }

  async attach(_containerId: string, _opts: ExecOptions): Promise<ExecSession> {
    throw new Error('the fake runtime does not attach');
  }

  async portForward(_podSandboxId: string, _port: number): Promise<Duplex> {
    throw new Error('the fake runtime does not port-forward');
  }

  async execSync(containerId: string, cmd: string[], _timeoutSeconds: number) {
    const c = this.containers.get(containerId);
    if (c?.status.state !== 'CONTAINER_RUNNING') throw new Error(`container ${containerId} is not running`);
    this.execCalls.push({ containerId, cmd });
    return this.execHandler(containerId, cmd);
  }

  limitations(): string[] {
    return ['fake runtime: no processes are run'];
  }

  // ---- test controls ----

  /** Makes a running container's process exit (as if it died or was killed from outside). */
  kill(id: string, exitCode = 137, reason?: string): void {
    const c = this.mustGet(id);
    if (c.status.state === 'CONTAINER_RUNNING') this.exit(c, exitCode, reason ?? (exitCode === 0 ? 'Completed' : 'Error'));
  }

  /** Containers of a pod by name, newest first. */
  containersOf(podUid: string, name?: string): ContainerStatus[] {
    return [...this.containers.values()]
      .filter((c) => c.status.labels?.['io.kubernetes.pod.uid'] === podUid && (!name || c.config.metadata.name === name))
      .sort((a, b) => b.status.createdAt - a.status.createdAt || b.config.metadata.attempt - a.config.metadata.attempt)
      .map((c) => c.status);
  }

  running(podUid: string, name: string): FakeContainer | undefined {
    return [...this.containers.values()].find(
      (c) =>
        c.status.labels?.['io.kubernetes.pod.uid'] === podUid && c.config.metadata.name === name && c.status.state === 'CONTAINER_RUNNING',
    );
  }

  config(id: string): ContainerConfig {
    return this.mustGet(id).config;
  }

  /** Stops every timer (call in test cleanup). */
  close(): void {
    for (const c of this.containers.values()) this.clearTimer(c);
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }

  private exit(c: FakeContainer, exitCode: number, reason: string): void {
    this.clearTimer(c);
    c.status.state = 'CONTAINER_EXITED';
    c.status.exitCode = exitCode;
    c.status.reason = reason;
    c.status.finishedAt = Date.now();
    if (!c.status.startedAt) c.status.startedAt = c.status.finishedAt;
    delete c.status.pid;
  }

  private clearTimer(c: FakeContainer): void {
    if (c.timer) clearTimeout(c.timer);
    c.timer = undefined;
  }
}

/** Images as Docker names them; pulls succeed unless `failPull` says otherwise. */
export class FakeImageService implements ImageService {
  readonly images = new Map<string, Image>();
  readonly pulls: string[] = [];
  /** A message to fail the pull of this (normalized) reference with, or undefined to succeed. */
  failPull: (ref: string) => string | undefined = () => undefined;
  /** Image config handed out for a reference (entrypoint, cmd, env, workingDir). */
  configFor: (ref: string) => Partial<Image['config']> = () => ({});

  normalize(ref: string): string {
    return normalizeImageRef(ref);
  }

  async pullImage(spec: ImageSpec): Promise<string> {
    const ref = this.normalize(spec.image);
    this.pulls.push(ref);
    const err = this.failPull(ref);
    if (err) throw new ImagePullError(ref, err);
    const cfg = this.configFor(ref);
    this.images.set(ref, {
      id: ref,
      repoTags: [ref],
      size: 1234567,
      config: { entrypoint: [], cmd: [], env: [], workingDir: '', exposedPorts: [], ...cfg },
    });
    return ref;
  }

  async imageStatus(spec: ImageSpec): Promise<Image | undefined> {
    return this.images.get(this.normalize(spec.image));
  }

  async listImages(): Promise<Image[]> {
    return [...this.images.values()];
  }

  async removeImage(spec: ImageSpec): Promise<void> {
    this.images.delete(this.normalize(spec.image));
  }
}

/** Docker's reference normalisation: nginx -> docker.io/library/nginx:latest. */
export function normalizeImageRef(ref: string): string {
  let name = ref;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) {
    suffix = name.slice(colon) + suffix;
    name = name.slice(0, colon);
  } else if (!suffix) suffix = ':latest';
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  return name + suffix;
}
