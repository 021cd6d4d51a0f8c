// The container runtime contract the node agent uses, shaped after Kubernetes' CRI
// (k8s.io/cri-api runtime/v1: RuntimeService + ImageService), so that a CRI client for
// containerd can later sit beside the built-in runtime. Plain TypeScript, no gRPC.

import type { Duplex, Readable, Writable } from 'node:stream';

export interface KeyValue {
  key: string;
  value: string;
}

export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
}

export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort?: number;
  hostIp?: string;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  /** The pod's domain when spec.subdomain is set (<subdomain>.<ns>.svc.<cluster domain>): its /etc/hosts line names hostname.domain first, as kubelet's managed hosts file. */
  hostDomain?: string;
  /** Where the runtime keeps the pod's logs: <logDirectory>/<container>/<restart>.log */
  logDirectory: string;
  dnsConfig?: DNSConfig;
  /** /etc/hosts extra entries (spec.hostAliases). */
  hostAliases?: { ip: string; hostnames: string[] }[];
  portMappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** spec.hostNetwork: share the node's network (and UTS) namespace. */
  hostNetwork?: boolean;
  /** spec.shareProcessNamespace: one PID namespace for the pod's containers (CRI's NamespaceMode POD). */
  sharePid?: boolean;
  /** CRI's LinuxPodSandboxConfig.sysctls: set in the sandbox's network and IPC namespaces (the kubelet admitted them). */
  sysctls?: Record<string, string>;
}

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: SandboxState;
  /** Unix ms. */
  createdAt: number;
  /** The pod's IP (the node's IP with hostNetwork). */
  ip?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  /** Files (not directories) are bind-mounted as files. */
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  /** The image reference as the pod names it (resolved by the image service). */
  image: string;
  /** Final argv, already merged from image and pod spec by the agent (Kubernetes' rules). */
  command: string[];
  args: string[];
  workingDir?: string;
  envs: KeyValue[];
  mounts: Mount[];
  /** Relative to the sandbox's logDirectory. */
  logPath: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Memory limit in bytes, for OOM detection where the runtime can enforce it. */
  memoryLimitBytes?: number;
  /** resources.limits['ephemeral-storage'] in bytes: bounds the container's writable layer where the runtime can. */
  ephemeralStorageLimitBytes?: number;
  /** CRI's LinuxContainerConfig: cgroup resources and the security context (runtimes that isolate use them). */
  linux?: LinuxContainerConfig;
}

/** CRI's LinuxContainerResources, as kubelet computes them from requests and limits. */
export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  /** Not in CRI (kubelet bounds pids per pod); the node agent's per-container bound. */
  pidsLimit?: number;
}

/** CRI's NamespaceMode: POD shares the sandbox's, CONTAINER is the container's own, NODE the host's, TARGET another container's. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  targetId?: string;
}

export interface SecurityProfile {
  profileType: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhostRef?: string;
}

/** CRI's LinuxContainerSecurityContext (the fields k8ts uses). */
export interface LinuxContainerSecurityContext {
  capabilities?: { addCapabilities: string[]; dropCapabilities: string[] };
  privileged?: boolean;
  namespaceOptions?: NamespaceOption;
  runAsUser?: number;
  runAsGroup?: number;
  /** The image's non-numeric user, resolved by the runtime in the container's /etc/passwd. */
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  noNewPrivs?: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: SecurityProfile;
}

export interface LinuxContainerConfig {
  resources?: LinuxContainerResources;
  securityContext?: LinuxContainerSecurityContext;
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface ContainerStats {
  /** Bytes of the container's own writable layer (CRI's writable_layer.used_bytes). */
  writableLayerBytes?: number;
  /** CRI's cpu.usage_core_nano_seconds: cumulative CPU time of the container's cgroup. */
  cpuUsageCoreNanoSeconds?: number;
  /** CRI's memory.working_set_bytes: usage less inactive file cache. */
  memoryWorkingSetBytes?: number;
  /** Unix ms the figures were read at. */
  timestamp?: number;
}

export interface ContainerStatus {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  /** Unix ms; 0 when not reached. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: string;
  imageRef: string;
  /** 'Completed', 'Error', 'OOMKilled' for exited containers, as CRI runtimes report. */
  reason?: string;
  message?: string;
  /** Absolute path of the current log file. */
  logPath: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Host pid of the container's main process while it runs (for exec/nsenter). */
  pid?: number;
}

export interface ContainerFilter {
  podSandboxId?: string;
  state?: ContainerState;
  id?: string;
  /** Containers carrying all of these labels (CRI's ContainerFilter.label_selector). */
  labelSelector?: Record<string, string>;
}

export interface ExecOptions {
  tty: boolean;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

export interface ExecSession {
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** Terminal size changes (kubectl exec -t follows resizes). */
  resize(cols: number, rows: number): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface RuntimeService {
  version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }>;
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined>;
  listPodSandbox(): Promise<PodSandboxStatus[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after timeoutSeconds. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]>;

  /** Runs cmd in the container's namespaces and filesystem view. */
  exec(containerId: string, cmd: string[], opts: ExecOptions): Promise<ExecSession>;
  /** Attaches to the main process's stdio (stdin only if the container was created with stdin). */
  attach(containerId: string, opts: ExecOptions): Promise<ExecSession>;
  /** A connection to port inside the sandbox's network namespace. */
  portForward(podSandboxId: string, port: number): Promise<Duplex>;
  /** Executes cmd synchronously and collects its output (exec probes). */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** What the runtime cannot do here (no root, not Linux), said plainly at start. */
  limitations(): string[];
  /** CRI's ContainerStats: what a container's writable layer uses on disk, where the runtime can tell. */
  containerStats?(id: string): Promise<ContainerStats | undefined>;
}

export interface ImageSpec {
  image: string;
}

/** Credentials for one pull (CRI's AuthConfig), from imagePullSecrets or the node's config. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64 of "username:password", as in a docker config.json. */
  auth?: string;
  identityToken?: string;
  registryToken?: string;
  serverAddress?: string;
}

/** One mount making up a container's root filesystem, as containerd's snapshotters return it (mount.Mount). */
export interface RootfsMount {
  type: string;
  source: string;
  options: string[];
}

/**
 * Snapshots of unpacked image layers, shaped after containerd's snapshotter (overlayfs): each
 * layer is unpacked once and shared; a container gets a writable snapshot of its own on top.
 * The OCI runtime mounts what prepare() returns at the bundle's rootfs before it creates the
 * container, as containerd's shim does.
 */
export interface Snapshotter {
  /** Prepares the writable snapshot `key` over the image's layers; returns the mounts that make its root. */
  prepare(key: string, imageRef: string): Promise<RootfsMount[]>;
  /** Bytes the writable snapshot `key` itself uses on disk (containerd's Snapshotter.Usage). */
  usage?(key: string): Promise<number | undefined>;
  /** Removes the writable snapshot `key` (the image's layers stay). */
  remove(key: string): Promise<void>;
}

export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  exposedPorts: string[];
  user?: string;
}

export interface Image {
  /** Canonical reference: docker.io/library/nginx:latest */
  id: string;
  repoTags: string[];
  /** repo@sha256:<manifest or index digest> for each repository the image was pulled from (CRI's repo_digests). */
  repoDigests?: string[];
  size: number;
  config: ImageConfig;
  /** Never garbage-collected (CRI's pinned: the sandbox image). */
  pinned?: boolean;
}

export class ImagePullError extends Error {
  constructor(
    public image: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ImageService {
  /** Resolves a reference as Docker does (nginx -> docker.io/library/nginx:latest). */
  normalize(ref: string): string;
  /** Returns the image id; throws ImagePullError for an image that cannot be had. */
  pullImage(image: ImageSpec, auth?: AuthConfig[]): Promise<string>;
  imageStatus(image: ImageSpec): Promise<Image | undefined>;
  listImages(): Promise<Image[]>;
  removeImage(image: ImageSpec): Promise<void>;
}
