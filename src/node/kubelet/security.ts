// What kubelet hands the runtime about a container's isolation and resources (kuberuntime's
// security_context.go, kuberuntime_container_linux.go, qos/policy.go): the effective security
// context (the container's fields over the pod's), runAsNonRoot checked against the image's
// user before anything is created, cgroup values from requests and limits, the OOM score from
// the pod's QoS class, and seccomp: Unconfined unless RuntimeDefault (or Localhost) is asked for.

import { Quantity } from '../../api/quantity.js';
import type { Container, PodSecurityContext, SecurityContext } from '../../api/types.js';
import type { LinuxContainerConfig, LinuxContainerResources, LinuxContainerSecurityContext, SecurityProfile } from '../runtime/types.js';
import { formatPod, type PodObject } from './types.js';

/** securitycontext.DetermineEffectiveSecurityContext: the pod's defaults, overridden by the container's own. */
export function effectiveSecurityContext(pod: PodObject, container: Container): SecurityContext {
  const p: PodSecurityContext = pod.spec?.securityContext ?? {};
  const c: SecurityContext = container.securityContext ?? {};
  const out: SecurityContext = { ...c };
  if (out.runAsUser === undefined && p.runAsUser !== undefined) out.runAsUser = p.runAsUser;
  if (out.runAsGroup === undefined && p.runAsGroup !== undefined) out.runAsGroup = p.runAsGroup;
  if (out.runAsNonRoot === undefined && p.runAsNonRoot !== undefined) out.runAsNonRoot = p.runAsNonRoot;
  if (out.seccompProfile === undefined && p.seccompProfile !== undefined) out.seccompProfile = p.seccompProfile;
  if (out.seLinuxOptions === undefined && p.seLinuxOptions !== undefined) out.seLinuxOptions = p.seLinuxOptions;
  return out;
}

/** The image's USER as kubelet reads it: a numeric uid, or a name it cannot check. */
export function imageUser(user: string | undefined): { uid?: number; username: string } {
  const u = (user ?? '').split(':')[0];
  if (u === '') return { uid: 0, username: '' };
  if (/^\d+$/.test(u)) return { uid: Number(u), username: '' };
  return { username: u };
}

/** kubelet's verifyRunAsNonRoot, word for word: the error that keeps the container from being created. */
export function verifyRunAsNonRoot(pod: PodObject, container: Container, user: string | undefined): string | undefined {
  const sc = effectiveSecurityContext(pod, container);
  if (!sc.runAsNonRoot) return undefined;
  const where = `(pod: "${formatPod(pod)}", container: ${container.name})`;
  if (sc.runAsUser !== undefined) return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${where}` : undefined;
  const img = imageUser(user);
  if (img.uid === undefined && img.username)
    return `container has runAsNonRoot and image has non-numeric user (${img.username}), cannot verify user is non-root ${where}`;
  if (img.uid === 0) return `container has runAsNonRoot and image will run as root ${where}`;
  return undefined;
}

const CPU_PERIOD = 100_000;
const MIN_SHARES = 2;
const MIN_QUOTA = 1000;

function milliCPU(q: string | number | undefined): number | undefined {
  return Quantity.tryParse(q)?.milliValue();
}

/** Whether two quantities are equal as values (Quantity.Equal), missing ones being unequal to any. */
function sameQuantity(a: unknown, b: unknown): boolean {
  const qa = Quantity.tryParse(a);
  const qb = Quantity.tryParse(b);
  return qa !== undefined && qb !== undefined && qa.cmp(qb) === 0;
}

/** qos.GetPodQOS: Guaranteed when every container's requests equal its limits for cpu and memory, BestEffort when none has any. */
export function podQOS(pod: PodObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const set = (pod.status as { qosClass?: string } | undefined)?.qosClass;
  if (set === 'Guaranteed' || set === 'Burstable' || set === 'BestEffort') return set;
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && !sameQuantity(req[r], lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** kubelet's calculateLinuxResources and GetContainerOOMScoreAdjust. */
export function containerResources(
  pod: PodObject,
  container: Container,
  memoryCapacity: number,
  pidsLimit?: number,
): LinuxContainerResources {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const out: LinuxContainerResources = {};
  const cpuReq = milliCPU(requests.cpu ?? limits.cpu);
  const cpuLim = milliCPU(limits.cpu);
  out.cpuShares = Math.max(MIN_SHARES, cpuReq ? Math.floor((cpuReq * 1024) / 1000) : MIN_SHARES);
  if (cpuLim) {
    out.cpuQuota = Math.max(MIN_QUOTA, Math.floor((cpuLim * CPU_PERIOD) / 1000));
    out.cpuPeriod = CPU_PERIOD;
  }
  const mem = Quantity.tryParse(limits.memory)?.value();
  if (mem) out.memoryLimitInBytes = mem;
  const qos = podQOS(pod);
  if (qos === 'Guaranteed') out.oomScoreAdj = -997;
  else if (qos === 'BestEffort') out.oomScoreAdj = 1000;
  else {
    const memReq = Quantity.tryParse(requests.memory)?.value() ?? 0;
    let adj = memoryCapacity > 0 ? 1000 - Math.floor((1000 * memReq) / memoryCapacity) : 1000;
    if (adj < 3) adj = 3;
    if (adj >= 1000) adj = 999;
    out.oomScoreAdj = adj;
  }
  if (pidsLimit && pidsLimit > 0) out.pidsLimit = pidsLimit;
  return out;
}

function seccompOf(sc: SecurityContext): SecurityProfile {
  const p = sc.seccompProfile;
  if (p?.type === 'RuntimeDefault') return { profileType: 'RuntimeDefault' };
  if (p?.type === 'Localhost') return { profileType: 'Localhost', localhostRef: p.localhostProfile ?? '' };
  return { profileType: 'Unconfined' };
}

export interface LinuxConfigInput {
  pod: PodObject;
  container: Container;
  /** The image's USER. */
  imageUser?: string;
  memoryCapacity: number;
  pidsLimit?: number;
  /** An ephemeral container's target: the runtime id of the container whose PID namespace it joins. */
  targetContainerId?: string;
}

/** The CRI LinuxContainerConfig kubelet generates (generateLinuxContainerConfig). */
export function linuxContainerConfig(inp: LinuxConfigInput): LinuxContainerConfig {
  const { pod, container } = inp;
  const sc = effectiveSecurityContext(pod, container);
  const psc = pod.spec?.securityContext ?? {};
  const out: LinuxContainerSecurityContext = {
    privileged: sc.privileged === true,
    readonlyRootfs: sc.readOnlyRootFilesystem === true,
    seccomp: seccompOf(sc),
    // securitycontext.AddNoNewPrivileges: only an explicit allowPrivilegeEscalation: false sets it.
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    namespaceOptions: {
      pid: pod.spec?.hostPID ? 'NODE' : inp.targetContainerId ? 'TARGET' : pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
      ipc: pod.spec?.hostIPC ? 'NODE' : 'POD',
      network: pod.spec?.hostNetwork ? 'NODE' : 'POD',
      ...(inp.targetContainerId ? { targetId: inp.targetContainerId } : {}),
    },
  };
  if (sc.capabilities)
    out.capabilities = { addCapabilities: [...(sc.capabilities.add ?? [])], dropCapabilities: [...(sc.capabilities.drop ?? [])] };
  if (sc.runAsUser !== undefined) out.runAsUser = sc.runAsUser;
  else {
    const img = imageUser(inp.imageUser);
    if (img.uid !== undefined) out.runAsUser = img.uid;
    else out.runAsUsername = img.username;
  }
  if (sc.runAsGroup !== undefined) out.runAsGroup = sc.runAsGroup;
  const groups: number[] = [];
  if (psc.fsGroup !== undefined) groups.push(psc.fsGroup);
  for (const g of psc.supplementalGroups ?? []) groups.push(g);
  if (groups.length) out.supplementalGroups = groups;
  if (sc.procMount === 'Unmasked') {
    out.maskedPaths = [];
    out.readonlyPaths = [];
  }
  return { resources: containerResources(pod, container, inp.memoryCapacity, inp.pidsLimit), securityContext: out };
}
