// The runtime configs of a pod's sandbox and containers, as kuberuntime's generatePodSandboxConfig
// and generateContainerConfig make them: names, labels for adoption, DNS from the pod's dnsPolicy.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Quantity } from '../../api/quantity.js';
import type { Container } from '../../api/types.js';
import type { ContainerConfig, DNSConfig, KeyValue, LinuxContainerConfig, Mount, PodSandboxConfig, PortMapping } from '../runtime/types.js';
import { podSysctls } from './sysctl.js';
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_EPHEMERAL_CONTAINER,
  ANNOTATION_INIT_CONTAINER,
  ANNOTATION_RESTART_COUNT,
  ANNOTATION_TERMINATION_GRACE,
  ANNOTATION_TERMINATION_MESSAGE_HOST_PATH,
  ANNOTATION_TERMINATION_MESSAGE_PATH,
  ANNOTATION_TERMINATION_MESSAGE_POLICY,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type PodObject,
} from './types.js';

export interface DNSSettings {
  /** The cluster DNS service's IPs; empty: ClusterFirst falls back to the host's resolv.conf. */
  clusterDNS: string[];
  clusterDomain: string;
  host: DNSConfig;
}

/** The host's resolv.conf (what dnsPolicy Default gives a pod). */
export function hostResolvConf(file = '/etc/resolv.conf'): DNSConfig {
  const out: DNSConfig = { servers: [], searches: [], options: [] };
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) out.servers.push(f[1]);
    else if ((f[0] === 'search' || f[0] === 'domain') && f.length > 1) out.searches = f.slice(1);
    else if (f[0] === 'options') out.options.push(...f.slice(1));
  }
  return out;
}

/** kubelet's limits (validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_CHARS = 2048;

export function podDNSConfig(pod: PodObject, dns: DNSSettings): DNSConfig {
  return podDNSConfigChecked(pod, dns).config;
}

/**
 * The pod's DNS config within resolv.conf's limits, as kubelet's dns.go forms it, and the
 * DNSConfigForming warnings kubelet records when it had to leave nameservers or search paths out.
 */
export function podDNSConfigChecked(pod: PodObject, dns: DNSSettings): { config: DNSConfig; warnings: string[] } {
  const cfg = formPodDNSConfig(pod, dns);
  const warnings: string[] = [];
  if (cfg.servers.length > MAX_NAMESERVERS) {
    cfg.servers = cfg.servers.slice(0, MAX_NAMESERVERS);
    warnings.push(
      `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${cfg.servers.join(' ')}`,
    );
  }
  // kubelet's order: the first 32, without any longer than a DNS name (glibc aborts on them), then
  // whole domains off the end until the line fits 2048 characters.
  let searches = cfg.searches.slice(0, MAX_SEARCH_PATHS).filter((d) => d.length <= 253);
  while (searches.join(' ').length > MAX_SEARCH_CHARS) searches = searches.slice(0, -1);
  if (searches.length !== cfg.searches.length) {
    cfg.searches = searches;
    warnings.push(
      `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`,
    );
  }
  return { config: cfg, warnings };
}

function formPodDNSConfig(pod: PodObject, dns: DNSSettings): DNSConfig {
  const spec = pod.spec ?? { containers: [] };
  let policy = spec.dnsPolicy ?? 'ClusterFirst';
  // ClusterFirst on the host network means the host's DNS, unless asked for explicitly.
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  let cfg: DNSConfig;
  if ((policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') && dns.clusterDNS.length) {
    const ns = pod.metadata.namespace ?? 'default';
    const d = dns.clusterDomain;
    cfg = { servers: [...dns.clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...dns.host.searches], options: ['ndots:5'] };
  } else if (policy === 'None') {
    cfg = { servers: [], searches: [], options: [] };
  } else {
    cfg = { servers: [...dns.host.servers], searches: [...dns.host.searches], options: [...dns.host.options] };
  }
  const extra = spec.dnsConfig;
  if (extra) {
    cfg.servers.push(...(extra.nameservers ?? []).filter((s) => !cfg.servers.includes(s)));
    cfg.searches.push(...(extra.searches ?? []).filter((s) => !cfg.searches.includes(s)));
    for (const o of extra.options ?? []) {
      const name = o.name ?? '';
      cfg.options = cfg.options.filter((x) => x.split(':')[0] !== name);
      cfg.options.push(o.value !== undefined ? `${name}:${o.value}` : name);
    }
  }
  return cfg;
}

export function podLogDirectory(rootDir: string, pod: PodObject): string {
  return path.join(rootDir, 'logs', `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
}

export function sandboxConfig(pod: PodObject, attempt: number, rootDir: string, dns: DNSSettings): PodSandboxConfig {
  const spec = pod.spec!;
  const ports: PortMapping[] = [];
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      ports.push({
        protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'],
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        ...(p.hostIP ? { hostIp: p.hostIP } : {}),
      });
    }
  }
  const sysctls = podSysctls(pod);
  return {
    metadata: { name: pod.metadata.name!, namespace: pod.metadata.namespace!, uid: pod.metadata.uid!, attempt },
    hostname: (spec.hostname || pod.metadata.name!).slice(0, 63).replace(/[.-]+$/, ''),
    ...(spec.subdomain ? { hostDomain: `${spec.subdomain}.${pod.metadata.namespace}.svc.${dns.clusterDomain}` } : {}),
    logDirectory: podLogDirectory(rootDir, pod),
    dnsConfig: podDNSConfig(pod, dns),
    hostAliases: (spec.hostAliases ?? []).map((h) => ({ ip: h.ip ?? '', hostnames: h.hostnames ?? [] })),
    portMappings: ports,
    labels: {
      ...(pod.metadata.labels ?? {}),
      [LABEL_POD_NAME]: pod.metadata.name!,
      [LABEL_POD_NAMESPACE]: pod.metadata.namespace!,
      [LABEL_POD_UID]: pod.metadata.uid!,
    },
    annotations: { ...(pod.metadata.annotations ?? {}) },
    hostNetwork: spec.hostNetwork === true,
    sharePid: spec.shareProcessNamespace === true,
    // Admitted (sysctl.ts) before the sandbox is asked for: only the safe set reaches the runtime.
    ...(sysctls.length ? { sysctls: Object.fromEntries(sysctls.map((x) => [x.name, x.value])) } : {}),
  };
}

/** The container's definition hash (kubelet's io.kubernetes.container.hash): what, when changed on a
 *  running pod (its image), makes kubelet restart the container with the new definition. */
export function containerHash(container: Container): string {
  return createHash('sha256')
    .update(JSON.stringify({ name: container.name, image: container.image ?? '' }))
    .digest('hex')
    .slice(0, 8);
}

export interface ContainerConfigInput {
  pod: PodObject;
  container: Container;
  init: boolean;
  restartCount: number;
  command: string[];
  args: string[];
  workingDir: string;
  envs: KeyValue[];
  mounts: Mount[];
  linux?: LinuxContainerConfig;
  ephemeral?: boolean;
  /** The host file mounted at the container's terminationMessagePath. */
  terminationMessageHostPath?: string;
}

export function containerConfig(inp: ContainerConfigInput): ContainerConfig {
  const { pod, container } = inp;
  const mem = Quantity.tryParse(container.resources?.limits?.memory)?.value();
  const disk = Quantity.tryParse(container.resources?.limits?.['ephemeral-storage'])?.value();
  const annotations: Record<string, string> = {
    [ANNOTATION_RESTART_COUNT]: String(inp.restartCount),
    [ANNOTATION_TERMINATION_GRACE]: String(pod.spec?.terminationGracePeriodSeconds ?? 30),
  };
  if (inp.init) annotations[ANNOTATION_INIT_CONTAINER] = 'true';
  if (inp.ephemeral) annotations[ANNOTATION_EPHEMERAL_CONTAINER] = 'true';
  annotations[ANNOTATION_CONTAINER_HASH] = containerHash(container);
  annotations[ANNOTATION_TERMINATION_MESSAGE_PATH] = container.terminationMessagePath ?? '/dev/termination-log';
  annotations[ANNOTATION_TERMINATION_MESSAGE_POLICY] = container.terminationMessagePolicy ?? 'File';
  if (inp.terminationMessageHostPath) annotations[ANNOTATION_TERMINATION_MESSAGE_HOST_PATH] = inp.terminationMessageHostPath;
  return {
    metadata: { name: container.name, attempt: inp.restartCount },
    image: container.image ?? '',
    command: inp.command,
    args: inp.args,
    ...(inp.workingDir ? { workingDir: inp.workingDir } : {}),
    envs: inp.envs,
    mounts: inp.mounts,
    logPath: `${container.name}/${inp.restartCount}.log`,
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    labels: {
      [LABEL_CONTAINER_NAME]: container.name,
      [LABEL_POD_NAME]: pod.metadata.name!,
      [LABEL_POD_NAMESPACE]: pod.metadata.namespace!,
      [LABEL_POD_UID]: pod.metadata.uid!,
    },
    annotations,
    ...(mem ? { memoryLimitBytes: mem } : {}),
    ...(inp.linux ? { linux: inp.linux } : {}),
    ...(disk ? { ephemeralStorageLimitBytes: disk } : {}),
  };
}
