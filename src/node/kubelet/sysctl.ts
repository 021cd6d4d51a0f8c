// The kubelet's sysctl admission, as pkg/kubelet/sysctl (allowlist.go, safe_sysctls.go): a pod
// may ask only for the sysctls known to be namespaced and isolated from other pods (the safe
// set; this node has no --allowed-unsafe-sysctls), and not for a network one with hostNetwork
// nor an IPC one with hostIPC. Any other is refused before anything of the pod starts: the pod
// is Failed, reason SysctlForbidden. The admitted ones are set in the pod sandbox's namespaces
// (PodSandboxConfig.sysctls), as the CRI runtime sets them.

import type { PodObject } from './types.js';

/** safeSysctls (every kernel this node runs on has them namespaced), with the namespace each belongs to. */
export const SAFE_SYSCTLS: Readonly<Record<string, 'ipc' | 'net'>> = {
  'kernel.shm_rmid_forced': 'ipc',
  'net.ipv4.ip_local_port_range': 'net',
  'net.ipv4.tcp_syncookies': 'net',
  'net.ipv4.ping_group_range': 'net',
  'net.ipv4.ip_unprivileged_port_start': 'net',
  'net.ipv4.ip_local_reserved_ports': 'net',
  'net.ipv4.tcp_keepalive_time': 'net',
  'net.ipv4.tcp_fin_timeout': 'net',
  'net.ipv4.tcp_keepalive_intvl': 'net',
  'net.ipv4.tcp_keepalive_probes': 'net',
  'net.ipv4.tcp_rmem': 'net',
  'net.ipv4.tcp_wmem': 'net',
};

export const SYSCTL_FORBIDDEN_REASON = 'SysctlForbidden';

/** ConvertSysctlVariableToDotsSeparator: "net/ipv4/ip_local_port_range" is net.ipv4.ip_local_port_range. */
export function sysctlName(name: string): string {
  const i = name.search(/[./]/);
  if (i < 0 || name[i] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/** The pod's sysctls, names converted, in order. */
export function podSysctls(pod: PodObject): { name: string; value: string }[] {
  const list = (pod.spec?.securityContext as { sysctls?: { name?: string; value?: string }[] } | undefined)?.sysctls ?? [];
  return list.map((s) => ({ name: sysctlName(String(s.name ?? '')), value: String(s.value ?? '') }));
}

/** patternAllowlist.Admit: why the pod is refused (kubelet's message), or undefined. */
export function sysctlRefusal(pod: PodObject): { reason: string; message: string } | undefined {
  for (const { name } of podSysctls(pod)) {
    const ns = Object.hasOwn(SAFE_SYSCTLS, name) ? SAFE_SYSCTLS[name] : undefined;
    let why: string | undefined;
    if (!ns) why = `${JSON.stringify(name)} not allowlisted`;
    else if (ns === 'net' && pod.spec?.hostNetwork) why = `${JSON.stringify(name)} not allowed with host net enabled`;
    else if (ns === 'ipc' && (pod.spec as { hostIPC?: boolean } | undefined)?.hostIPC)
      why = `${JSON.stringify(name)} not allowed with host ipc enabled`;
    if (why) return { reason: SYSCTL_FORBIDDEN_REASON, message: `forbidden sysctl: ${why}` };
  }
  return undefined;
}
