// The Node object as the kubelet keeps it: registered on start (labels, podCIDR, capacity,
// addresses, nodeInfo), its status written when it changes and at least every report period,
// and the node's Lease in kube-node-lease renewed every 10 s (the heartbeat the node lifecycle
// controller reads).

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import { transitionTime } from '../../api/conditions.js';
import { type KObject, nowMicro, nowRFC3339 } from '../../api/object.js';
import { LEASES, NODES, type NodeCondition, type NodeStatus } from '../../api/types.js';
import { isAlreadyExists, isConflict, isNotFound, type RestClient } from '../../client/index.js';
import type { Image } from '../runtime/types.js';

export const KUBELET_VERSION = 'v1.32.0-k8ts';
export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;

export interface NodeFacts {
  nodeName: string;
  nodeIP: string;
  podCIDR?: string;
  kubeletPort: number;
  rootDir: string;
  runtime: { runtimeName: string; runtimeVersion: string };
  /** What the node's runtime cannot isolate (RuntimeService.limitations()); empty: containers are isolated. */
  limitations?: string[];
}

/** The condition that says plainly whether this node isolates its containers (k8ts' own, as node-problem-detector adds its own). */
export const ISOLATION_CONDITION = 'ContainersIsolated';

function goArch(): string {
  const m: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return m[process.arch] ?? process.arch;
}

function readTrim(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const text = readTrim('/etc/os-release');
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  return m ? m[1].replace(/^"|"$/g, '') : `${os.type()} ${os.release()}`;
}

export function nodeLabels(nodeName: string): Record<string, string> {
  const arch = goArch();
  const osName = process.platform === 'win32' ? 'windows' : process.platform;
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': osName,
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': osName,
  };
}

/** cpu, memory, pods, ephemeral-storage of the host, and what is left for pods after the eviction reserves. */
export async function nodeResources(rootDir: string): Promise<{ capacity: Record<string, string>; allocatable: Record<string, string> }> {
  const memKi = Math.floor(os.totalmem() / 1024);
  let storageBytes = 0;
  try {
    const st = await fsp.statfs(rootDir);
    storageBytes = st.blocks * st.bsize;
  } catch {
    /* no statfs here */
  }
  const capacity: Record<string, string> = {
    cpu: String(os.cpus().length || 1),
    'ephemeral-storage': `${Math.floor(storageBytes / 1024)}Ki`,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${memKi}Ki`,
    pods: '110',
  };
  // The kubelet's default hard eviction thresholds: memory.available<100Mi, nodefs.available<10%.
  const allocatable = {
    ...capacity,
    'ephemeral-storage': String(Math.floor(storageBytes * 0.9)),
    memory: `${Math.max(0, memKi - 100 * 1024)}Ki`,
  };
  return { capacity, allocatable };
}

const CONDITIONS: [string, string, string, string][] = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

/** The node's status now; conditions keep their lastTransitionTime when unchanged. */
export async function nodeStatus(facts: NodeFacts, images: Image[], old?: NodeStatus): Promise<NodeStatus> {
  const { capacity, allocatable } = await nodeResources(facts.rootDir);
  const now = nowRFC3339();
  const conditions: NodeCondition[] = CONDITIONS.map(([type, status, reason, message]) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: transitionTime(old?.conditions, type, status, now),
  }));
  if (facts.limitations) {
    const ok = facts.limitations.length === 0;
    const status = ok ? 'True' : 'False';
    conditions.push({
      type: ISOLATION_CONDITION,
      status,
      reason: ok ? 'OCIRuntime' : 'RuntimeLimited',
      message: ok
        ? `containers run isolated by an OCI runtime (${facts.runtime.runtimeName}://${facts.runtime.runtimeVersion})`
        : facts.limitations.join('; '),
      lastHeartbeatTime: now,
      lastTransitionTime: transitionTime(old?.conditions, ISOLATION_CONDITION, status, now),
    });
  }
  const machineID = readTrim('/etc/machine-id');
  return {
    capacity,
    allocatable,
    conditions,
    addresses: [
      { type: 'InternalIP', address: facts.nodeIP },
      { type: 'Hostname', address: facts.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: facts.kubeletPort } },
    nodeInfo: {
      machineID,
      systemUUID: readTrim('/sys/class/dmi/id/product_uuid') || machineID,
      bootID: readTrim('/proc/sys/kernel/random/boot_id'),
      kernelVersion: os.release(),
      osImage: osImage(),
      containerRuntimeVersion: `${facts.runtime.runtimeName}://${facts.runtime.runtimeVersion}`,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: process.platform === 'win32' ? 'windows' : process.platform,
      architecture: goArch(),
    },
    images: images
      // kubelet's setters.Images: repo digests, then repo tags.
      .map((i) => ({ names: [...new Set([...(i.repoDigests ?? []), ...(i.repoTags.length ? i.repoTags : [i.id])])], sizeBytes: i.size }))
      .sort((a, b) => b.sizeBytes - a.sizeBytes)
      .slice(0, 50),
  };
}

/** Status without heartbeat times: what decides whether a write is due before the report period. */
export function statusFingerprint(s: NodeStatus | undefined): string {
  if (!s) return '';
  return JSON.stringify({ ...s, conditions: (s.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined })) });
}

/** Creates the Node, or brings an existing one's labels and podCIDR in line; returns it. */
export async function registerNode(client: RestClient, facts: NodeFacts, status: NodeStatus): Promise<{ node: KObject; created: boolean }> {
  const labels = nodeLabels(facts.nodeName);
  const spec: Record<string, unknown> = {};
  if (facts.podCIDR) {
    spec.podCIDR = facts.podCIDR;
    spec.podCIDRs = [facts.podCIDR];
  }
  const body = { apiVersion: 'v1', kind: 'Node', metadata: { name: facts.nodeName, labels }, spec, status };
  try {
    const node = await client.create(NODES, body);
    // Servers that drop status on create get it through the subresource.
    await client.patch({ ...NODES, name: facts.nodeName, subresource: 'status' }, { status }, 'merge');
    return { node, created: true };
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  const existing = await client.get({ ...NODES, name: facts.nodeName });
  const patch: Record<string, unknown> = { metadata: { labels } };
  const exSpec = (existing.spec ?? {}) as { podCIDR?: string };
  if (facts.podCIDR && !exSpec.podCIDR) patch.spec = spec;
  const node = await client.patch({ ...NODES, name: facts.nodeName }, patch, 'merge');
  await client.patch({ ...NODES, name: facts.nodeName, subresource: 'status' }, { status }, 'merge');
  return { node, created: false };
}

export async function patchNodeStatus(client: RestClient, nodeName: string, status: NodeStatus): Promise<void> {
  await client.patch({ ...NODES, name: nodeName, subresource: 'status' }, { status }, 'merge');
}

/** Creates or renews the node's Lease. */
export async function renewLease(client: RestClient, nodeName: string, nodeUid: string | undefined): Promise<void> {
  const ref = { ...LEASES, namespace: LEASE_NAMESPACE, name: nodeName };
  for (let attempt = 0; attempt < 3; attempt++) {
    let lease: KObject | undefined;
    try {
      lease = await client.get(ref);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: nowMicro() };
    try {
      if (!lease) {
        await client.create(
          { ...LEASES, namespace: LEASE_NAMESPACE },
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name: nodeName,
              namespace: LEASE_NAMESPACE,
              ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
            },
            spec,
          },
        );
      } else {
        await client.update(ref, { ...lease, spec: { ...(lease.spec as object), ...spec } });
      }
      return;
    } catch (e) {
      if (!isConflict(e) && !isAlreadyExists(e)) throw e;
    }
  }
}
