// The kubelet's eviction manager, its local-storage part (pkg/kubelet/eviction/eviction_manager.go,
// localStorageEviction): every monitoring period, each pod's disk use is compared with what its
// spec allows, and a pod over its bounds is evicted at once (grace period 1 s) with kubelet's
// reason and message:
// - a disk-backed emptyDir over its sizeLimit ("Usage of EmptyDir volume "x" exceeds the limit "y". ");
//   memory-backed ones are tmpfs mounts sized by their limit, so they cannot pass it;
// - the pod's ephemeral storage (containers' writable layers and logs, disk emptyDirs) over the sum of
//   the ephemeral-storage limits its containers set (if any sets one);
// - a container's writable layer and logs over its own ephemeral-storage limit.
// Node-pressure eviction (thresholds on the node's free disk or memory) is not done.

import path from 'node:path';
import { Quantity } from '../../api/quantity.js';
import { diskUsage } from '../fs/usage.js';
import type { ContainerStatus, RuntimeService } from '../runtime/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, type PodObject } from './types.js';

export const EVICTION_REASON = 'Evicted';
/** immediateEvictionGracePeriodSeconds: local-storage evictions do not wait out the pod's grace. */
export const EVICTION_GRACE_SECONDS = 1;

export const emptyDirMessage = (volume: string, limit: string) =>
  `Usage of EmptyDir volume ${JSON.stringify(volume)} exceeds the limit ${JSON.stringify(limit)}. `;
export const podEphemeralStorageMessage = (limit: string) =>
  `Pod ephemeral local storage usage exceeds the total limit of containers ${limit}. `;
export const containerEphemeralStorageMessage = (container: string, limit: string) =>
  `Container ${container} exceeded its local ephemeral storage limit ${JSON.stringify(limit)}. `;

export interface EvictionManagerOptions {
  runtime: RuntimeService;
  /** The pods this node runs now (not terminal, not being deleted). */
  activePods(): PodObject[];
  /** Where a pod's emptyDir volume lives on disk (VolumeManager's layout). */
  emptyDirPath(uid: string, volume: string): string;
  /** Evicts the pod: kill it and report it Failed with reason Evicted and the message. */
  evict(pod: PodObject, message: string): void;
  log(msg: string): void;
}

export class EvictionManager {
  constructor(private readonly o: EvictionManagerOptions) {}

  /** One monitoring pass (kubelet's synchronize); returns the pods it evicted. */
  async synchronize(): Promise<PodObject[]> {
    const pods = this.o.activePods();
    if (pods.length === 0) return [];
    const containers = await this.o.runtime.listContainers();
    const evicted: PodObject[] = [];
    for (const pod of pods) {
      const mine = containers.filter((c) => c.labels?.[LABEL_POD_UID] === pod.metadata.uid && c.state !== 'CONTAINER_EXITED');
      const message = await this.localStorageViolation(pod, mine);
      if (!message) continue;
      this.o.log(`evicting pod ${pod.metadata.namespace}/${pod.metadata.name}: ${message}`);
      this.o.evict(pod, message);
      evicted.push(pod);
    }
    return evicted;
  }

  /** The first of kubelet's three local-storage checks that the pod fails, as its message. */
  private async localStorageViolation(pod: PodObject, containers: ContainerStatus[]): Promise<string | undefined> {
    const uid = pod.metadata.uid!;
    let emptyDirTotal = 0;
    for (const v of pod.spec?.volumes ?? []) {
      if (!v.emptyDir || v.emptyDir.medium === 'Memory') continue;
      const used = await diskUsage(this.o.emptyDirPath(uid, v.name));
      if (used === undefined) continue;
      emptyDirTotal += used;
      const limit = Quantity.tryParse(v.emptyDir.sizeLimit);
      if (limit && limit.sign() > 0 && Quantity.fromInt(used).cmp(limit) > 0) return emptyDirMessage(v.name, limit.toString());
    }

    const usage = new Map<string, number>();
    for (const c of containers) {
      const name = c.labels?.[LABEL_CONTAINER_NAME] ?? c.metadata.name;
      const logs = c.logPath ? ((await diskUsage(path.dirname(c.logPath))) ?? 0) : 0;
      const rootfs = (await this.o.runtime.containerStats?.(c.id))?.writableLayerBytes ?? 0;
      usage.set(name, (usage.get(name) ?? 0) + logs + rootfs);
    }

    // resourcehelper.PodLimits: the limits the containers set, summed; checked if any sets one.
    const specs = pod.spec?.containers ?? [];
    const limits = specs
      .map((c) => Quantity.tryParse(c.resources?.limits?.['ephemeral-storage']))
      .filter((l): l is Quantity => l !== undefined);
    if (limits.length > 0) {
      const total = limits.slice(1).reduce((a, b) => a.add(b), limits[0]);
      let used = emptyDirTotal;
      for (const n of usage.values()) used += n;
      if (Quantity.fromInt(used).cmp(total) > 0) return podEphemeralStorageMessage(total.toString());
    }

    for (const c of specs) {
      const limit = Quantity.tryParse(c.resources?.limits?.['ephemeral-storage']);
      if (!limit || limit.sign() === 0) continue;
      if (Quantity.fromInt(usage.get(c.name) ?? 0).cmp(limit) > 0) return containerEphemeralStorageMessage(c.name, limit.toString());
    }
    return undefined;
  }
}
