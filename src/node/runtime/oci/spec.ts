// The OCI runtime spec (a bundle's config.json) of one container, as containerd's CRI plugin
// writes it: containerd's default Linux spec (oci/spec.go populateDefaultUnixSpec) without its
// /run mount and default security settings, then the CRI options (pkg/cri/opts/spec_linux.go,
// the CRI server's containerSpec): the sandbox's namespaces, the pod's /etc files and /dev/shm,
// volume mounts, the user, capabilities, no_new_privs, masked and read-only paths, seccomp and
// the cgroup resources kubelet asked for.

import { readFileSync } from 'node:fs';
import type { ContainerConfig, LinuxContainerResources, LinuxContainerSecurityContext, Mount } from '../types.js';
import { runtimeDefaultSeccomp, type SeccompProfile } from './seccomp.js';

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}
export interface OciNamespace {
  type: 'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup' | 'user';
  path?: string;
}
export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
  umask?: number;
}
export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
}
export interface OciDeviceCgroup {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciResources {
  devices: OciDeviceCgroup[];
  memory?: { limit?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: OciUser;
    args: string[];
    env: string[];
    cwd: string;
    capabilities: OciCapabilities;
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    resources: OciResources;
    cgroupsPath: string;
    namespaces: OciNamespace[];
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: SeccompProfile;
    devices?: { path: string; type: string; major: number; minor: number; fileMode: number; uid: number; gid: number }[];
  };
}

/** containerd's default capability set (oci/spec.go defaultUnixCaps). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability the kernel knows (for privileged containers and `add: [ALL]`). */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** The capabilities this process may hand on (its bounding set), in kernel bit order: containerd's
 *  WithAllCurrentCapabilities for privileged containers and `add: [ALL]`. */
export function currentCapabilities(): string[] {
  let bnd: bigint | undefined;
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) bnd = BigInt(`0x${m[1]}`);
  } catch {
    /* not Linux */
  }
  if (bnd === undefined) return [...ALL_CAPABILITIES];
  return ALL_CAPABILITIES.filter((_, bit) => (bnd! >> BigInt(bit)) & 1n);
}

/** kubelet's default masked paths (securitycontext.DefaultMaskedPaths, procMount Default). */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** kubelet's default read-only paths (securitycontext.DefaultReadonlyPaths). */
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** CAP_ prefixed and upper case, as containerd normalises what kubelet passes ("NET_ADMIN", "net_admin"). */
export function normalizeCapability(cap: string): string {
  const c = cap.toUpperCase();
  return c === 'ALL' ? c : c.startsWith('CAP_') ? c : `CAP_${c}`;
}

/** containerd's WithCapabilities + WithAddedCapabilities/WithDroppedCapabilities order: add, then drop (ALL aware). */
export function containerCapabilities(sc: LinuxContainerSecurityContext | undefined): string[] {
  if (sc?.privileged) return currentCapabilities();
  let caps = [...DEFAULT_CAPABILITIES];
  const add = (sc?.capabilities?.addCapabilities ?? []).map(normalizeCapability);
  const drop = (sc?.capabilities?.dropCapabilities ?? []).map(normalizeCapability);
  if (add.includes('ALL')) caps = currentCapabilities();
  for (const c of add) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  if (drop.includes('ALL')) caps = add.filter((c) => c !== 'ALL' && !drop.includes(c));
  caps = caps.filter((c) => !drop.includes(c));
  return caps;
}

/** The mounts of containerd's default Linux spec, less /run (CRI's WithoutRunMount). */
function defaultMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
}

/** The device cgroup rules of containerd's default spec: deny all, allow the standard character devices. */
function defaultDeviceRules(): OciDeviceCgroup[] {
  const c = (major: number, minor: number | undefined): OciDeviceCgroup => ({
    allow: true,
    type: 'c',
    major,
    ...(minor === undefined ? {} : { minor }),
    access: 'rwm',
  });
  return [
    { allow: false, access: 'rwm' },
    c(1, 3),
    c(1, 5),
    c(1, 7),
    c(1, 8),
    c(1, 9),
    c(5, 0),
    c(5, 1),
    c(5, 2),
    c(136, undefined),
    c(10, 200),
  ];
}

export interface SandboxPaths {
  /** Namespace files of the sandbox (net absent with hostNetwork). */
  net?: string;
  ipc: string;
  uts?: string;
  /** The sandbox's PID namespace when the pod shares one (a /proc/<pid>/ns/pid path). */
  pid?: string;
  hosts: string;
  resolvConf: string;
  hostname: string;
  shm: string;
}

export interface SpecInput {
  config: ContainerConfig;
  /** Final argv and environment (image config merged by the agent and the runtime). */
  args: string[];
  env: string[];
  cwd: string;
  user: OciUser;
  sandbox: SandboxPaths;
  hostNetwork: boolean;
  cgroupsPath: string;
  /** cgroup v2 hosts get a cgroup namespace, as containerd gives them. */
  cgroupV2: boolean;
  /** Another container's PID namespace (CRI's NamespaceMode TARGET: ephemeral containers). */
  targetPidNs?: string;
  annotations?: Record<string, string>;
  /** The lowest oom_score_adj the runtime may give (restrictOOMScoreAdj); undefined: no floor. */
  oomScoreAdjFloor?: number;
}

/**
 * containerd's restrict_oom_score_adj: lowering a process's oom_score_adj needs CAP_SYS_RESOURCE,
 * and runc fails the whole container ("failed to update /proc/self/oom_score_adj") when asked for
 * a value it may not set. Where this process lacks that capability (some container hosts drop it),
 * the floor is its own oom_score_adj, as containerd computes it for rootless and reduced hosts.
 */
export function oomScoreAdjFloor(
  status = readProcFile('/proc/self/status'),
  own = readProcFile('/proc/self/oom_score_adj'),
): number | undefined {
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(status ?? '')?.[1];
  const CAP_SYS_RESOURCE = 24n;
  if (capEff && (BigInt(`0x${capEff}`) >> CAP_SYS_RESOURCE) & 1n) return undefined;
  const n = Number((own ?? '0').trim());
  return Number.isInteger(n) ? n : 0;
}

function readProcFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const isAbs = (p: string) => p.startsWith('/');

/** CRI's WithMounts: the pod's /etc files and shm unless a volume is mounted there, then the volumes. */
function criMounts(inp: SpecInput, sc: LinuxContainerSecurityContext | undefined): OciMount[] {
  const volumes = inp.config.mounts;
  const has = (dst: string) => volumes.some((m) => normalizeDest(m.containerPath) === dst);
  const out = defaultMounts();
  const privileged = !!sc?.privileged;
  if (!privileged)
    out.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] });
  else {
    // A privileged container sees /sys read-write, as containerd's WithPrivileged gives it.
    for (const m of out) if (m.destination === '/sys') m.options = m.options.filter((o) => o !== 'ro');
    out.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime'] });
  }
  const etc = (dst: string, src: string) => {
    if (!has(dst))
      out.push({ destination: dst, type: 'bind', source: src, options: ['rbind', 'rprivate', ...(sc?.readonlyRootfs ? ['ro'] : ['rw'])] });
  };
  etc('/etc/hostname', inp.sandbox.hostname);
  etc('/etc/hosts', inp.sandbox.hosts);
  etc('/etc/resolv.conf', inp.sandbox.resolvConf);
  if (!has('/dev/shm')) {
    const i = out.findIndex((m) => m.destination === '/dev/shm');
    out[i] = { destination: '/dev/shm', type: 'bind', source: inp.sandbox.shm, options: ['rbind', 'rw', 'rprivate'] };
  }
  for (const m of volumes) out.push(volumeMount(m));
  // Mounts are made in order: a parent before what is mounted inside it (containerd sorts them the same way).
  return sortMounts(out);
}

function normalizeDest(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

function volumeMount(m: Mount): OciMount {
  return {
    destination: normalizeDest(m.containerPath),
    type: 'bind',
    source: m.hostPath,
    options: ['rbind', 'rprivate', m.readonly ? 'ro' : 'rw'],
  };
}

/** Stable sort by depth of the destination (containerd's sortMounts). */
function sortMounts(mounts: OciMount[]): OciMount[] {
  const depth = (m: OciMount) => normalizeDest(m.destination).split('/').filter(Boolean).length;
  return mounts
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m) - depth(b.m) || a.i - b.i)
    .map((x) => x.m);
}

function ociResources(r: LinuxContainerResources | undefined, privileged: boolean): OciResources {
  const res: OciResources = { devices: privileged ? [{ allow: true, access: 'rwm' }] : defaultDeviceRules() };
  if (!r) return res;
  if (r.memoryLimitInBytes && r.memoryLimitInBytes > 0) res.memory = { limit: r.memoryLimitInBytes };
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (r.cpuShares) cpu.shares = r.cpuShares;
  if (r.cpuQuota) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod) cpu.period = r.cpuPeriod;
  if (Object.keys(cpu).length) res.cpu = cpu;
  if (r.pidsLimit && r.pidsLimit > 0) res.pids = { limit: r.pidsLimit };
  return res;
}

export function generateSpec(inp: SpecInput): OciSpec {
  const sc = inp.config.linux?.securityContext;
  const privileged = !!sc?.privileged;
  const caps = containerCapabilities(sc);
  const ns: OciNamespace[] = [];
  const pidMode = sc?.namespaceOptions?.pid;
  if (pidMode === 'TARGET' && inp.targetPidNs) ns.push({ type: 'pid', path: inp.targetPidNs });
  else if (pidMode === 'POD' && inp.sandbox.pid) ns.push({ type: 'pid', path: inp.sandbox.pid });
  else if (pidMode !== 'NODE') ns.push({ type: 'pid' });
  if (!inp.hostNetwork && inp.sandbox.net) ns.push({ type: 'network', path: inp.sandbox.net });
  ns.push({ type: 'ipc', path: inp.sandbox.ipc });
  if (!inp.hostNetwork && inp.sandbox.uts) ns.push({ type: 'uts', path: inp.sandbox.uts });
  ns.push({ type: 'mount' });
  if (inp.cgroupV2) ns.push({ type: 'cgroup' });

  const seccompType = sc?.seccomp?.profileType ?? 'Unconfined';
  if (seccompType === 'Localhost')
    throw new Error(`seccomp profile "localhost/${sc?.seccomp?.localhostRef ?? ''}": Localhost profiles are not supported on this node`);
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: !!inp.config.tty,
      user: inp.user,
      args: inp.args,
      env: inp.env,
      cwd: isAbs(inp.cwd) ? normalizeDest(inp.cwd) : '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: !!sc?.noNewPrivs && !privileged,
      ...(inp.config.linux?.resources?.oomScoreAdj !== undefined
        ? { oomScoreAdj: Math.max(inp.config.linux.resources.oomScoreAdj, inp.oomScoreAdjFloor ?? -1000) }
        : {}),
    },
    root: { path: 'rootfs', readonly: !!sc?.readonlyRootfs },
    mounts: criMounts(inp, sc),
    annotations: { ...(inp.annotations ?? {}) },
    linux: {
      resources: ociResources(inp.config.linux?.resources, privileged),
      cgroupsPath: inp.cgroupsPath,
      namespaces: ns,
      // A privileged container sees everything (containerd's WithPrivileged clears both lists).
      maskedPaths: privileged ? [] : [...(sc?.maskedPaths ?? DEFAULT_MASKED_PATHS)],
      readonlyPaths: privileged ? [] : [...(sc?.readonlyPaths ?? DEFAULT_READONLY_PATHS)],
    },
  };
  if (seccompType === 'RuntimeDefault' && !privileged) spec.linux.seccomp = runtimeDefaultSeccomp(caps);
  return spec;
}
