// The reboot semaphore of one FleetLock group, kept in the cluster as ConfigMap
// kube-system/fleetlock-<group> (poseidon/fleetlock keeps a Lease per group; a ConfigMap holds the
// several holders that more than one slot needs): `data.slots` and `data.holders` (a JSON list of
// machine ids). Every change is a compare-and-swap on the ConfigMap's resourceVersion, so two
// servers (two API servers over one etcd, or a server and `k8ts fleetlock release`) never hand
// out more slots than there are: a conflict re-reads and decides again.

import type { KObject } from '../api/object.js';
import { CONFIGMAPS } from '../api/types.js';
import { isAlreadyExists, isConflict, isNotFound, type RestClient } from '../client/rest.js';

export const NAMESPACE = 'kube-system';
export const GROUP_LABEL = 'fleetlock.k8ts.io/group';
const CAS_ATTEMPTS = 20;

interface ConfigMapObject extends KObject {
  data?: Record<string, string>;
}

export interface SemaphoreState {
  group: string;
  slots: number;
  holders: string[];
}

export type LockResult = 'acquired' | 'retained' | 'full';

function nameOf(group: string): string {
  return `fleetlock-${group}`;
}

function stateOf(group: string, cm: ConfigMapObject, defaultSlots: number): SemaphoreState {
  const slots = Number(cm.data?.slots);
  let holders: string[] = [];
  try {
    const h = JSON.parse(cm.data?.holders ?? '[]') as unknown;
    if (Array.isArray(h)) holders = h.filter((x): x is string => typeof x === 'string');
  } catch {
    /* an edited, unreadable list counts as empty: an administrator's release */
  }
  return { group, slots: Number.isInteger(slots) && slots >= 0 ? slots : defaultSlots, holders };
}

export class RebootSemaphore {
  /**
   * slots: the number of machines of a group that may reboot at once, written on each change (the
   * server's --fleetlock-slots); undefined keeps each group's own (an administrator's tool).
   */
  constructor(
    private readonly client: RestClient,
    private readonly slots?: number,
  ) {}

  private ref(group?: string) {
    return { ...CONFIGMAPS, namespace: NAMESPACE, ...(group ? { name: nameOf(group) } : {}) };
  }

  /** Reads a group's semaphore, creating it empty on first use. */
  private async getOrCreate(group: string): Promise<ConfigMapObject> {
    try {
      return await this.client.get<ConfigMapObject>(this.ref(group));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      return await this.client.create<ConfigMapObject>(this.ref(), {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: nameOf(group), namespace: NAMESPACE, labels: { [GROUP_LABEL]: group } },
        data: { slots: String(this.slots ?? 1), holders: '[]' },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      return this.client.get<ConfigMapObject>(this.ref(group));
    }
  }

  /** Runs decide() on the current state and writes what it returns, retrying on conflicts. */
  private async change<T>(group: string, decide: (s: SemaphoreState) => { holders?: string[]; result: T }): Promise<T> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cm = await this.getOrCreate(group);
      const state = stateOf(group, cm, this.slots ?? 1);
      if (this.slots !== undefined) state.slots = this.slots;
      const { holders, result } = decide(state);
      const unchanged = holders === undefined && cm.data?.slots === String(state.slots);
      if (unchanged) return result;
      try {
        // update carries metadata.resourceVersion: the API server refuses it if anyone wrote meanwhile.
        await this.client.update(this.ref(group), {
          ...cm,
          data: { ...cm.data, slots: String(state.slots), holders: JSON.stringify(holders ?? state.holders) },
        });
        return result;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new Error(`fleetlock group ${group}: the semaphore kept changing under ${CAS_ATTEMPTS} attempts`);
  }

  /** RecursiveLock: a holder keeps its slot; otherwise it takes a free one if there is one. */
  lock(group: string, id: string): Promise<LockResult> {
    return this.change(group, (s) => {
      if (s.holders.includes(id)) return { result: 'retained' as LockResult };
      if (s.holders.length >= s.slots) return { result: 'full' as LockResult };
      return { holders: [...s.holders, id], result: 'acquired' as LockResult };
    });
  }

  /** UnlockIfHeld: true when id held a slot (now freed). */
  unlock(group: string, id: string): Promise<boolean> {
    return this.change(group, (s) =>
      s.holders.includes(id) ? { holders: s.holders.filter((h) => h !== id), result: true } : { result: false },
    );
  }

  /** Writes the configured number of slots into every group's semaphore (at the server's start). */
  async applySlots(): Promise<void> {
    for (const g of await this.list())
      if (this.slots !== undefined && g.slots !== this.slots) await this.change(g.group, () => ({ result: undefined }));
  }

  async state(group: string): Promise<SemaphoreState> {
    return stateOf(group, await this.getOrCreate(group), this.slots ?? 1);
  }

  /** Every group's semaphore (the ConfigMaps carrying the group label). */
  async list(): Promise<SemaphoreState[]> {
    const cms = await this.client.list<ConfigMapObject>(this.ref(), { labelSelector: GROUP_LABEL });
    return cms.items
      .map((cm) => stateOf(cm.metadata.labels?.[GROUP_LABEL] ?? (cm.metadata.name ?? '').replace(/^fleetlock-/, ''), cm, this.slots ?? 1))
      .sort((a, b) => a.group.localeCompare(b.group));
  }
}

/** Frees every slot `id` holds, in any group, with the same compare-and-swap (`k8ts fleetlock release`). */
export async function releaseEverywhere(client: RestClient, id: string): Promise<string[]> {
  const sem = new RebootSemaphore(client);
  const freed: string[] = [];
  for (const g of await sem.list()) if (g.holders.includes(id) && (await sem.unlock(g.group, id))) freed.push(g.group);
  return freed;
}
