// Draining a node before it reboots, as `kubectl drain` does it (k8s.io/kubectl/pkg/drain):
// cordon (spec.unschedulable), then evict its pods through the eviction API so that
// PodDisruptionBudgets hold, leaving DaemonSet pods (their controller would put them back) and
// mirror pods, and pods already finished. A drain is not waited for here: each call does what it
// can and says whether the node is empty yet, so the FleetLock client's retries drive it on.

import type { KObject } from '../api/object.js';
import { NODES, PODS } from '../api/types.js';
import { isNotFound, type RestClient } from '../client/rest.js';

/** Set on a node this server cordoned, so that steady-state uncordons only what it cordoned. */
export const CORDONED_BY_ANNOTATION = 'fleetlock.k8ts.io/cordoned';

interface PodObject extends KObject {
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export interface DrainProgress {
  /** The pods that still keep the node from being empty. */
  remaining: string[];
  /** Why an eviction was refused (a disruption budget), for the client's message. */
  refused: string[];
}

/** Pods a drain must move: not DaemonSet pods, not mirror pods, not already finished. */
function mustMove(pod: PodObject): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  if (pod.metadata.annotations?.['kubernetes.io/config.mirror']) return false;
  if (pod.metadata.ownerReferences?.some((o) => o.controller && o.kind === 'DaemonSet')) return false;
  return true;
}

export async function cordon(client: RestClient, node: string): Promise<void> {
  const n = await client.get<KObject & { spec?: { unschedulable?: boolean } }>({ ...NODES, name: node });
  if (n.spec?.unschedulable) return;
  await client.patch(
    { ...NODES, name: node },
    { metadata: { annotations: { [CORDONED_BY_ANNOTATION]: 'true' } }, spec: { unschedulable: true } },
    'merge',
  );
}

/** Uncordons the node if this server cordoned it (an administrator's cordon stays). */
export async function uncordon(client: RestClient, node: string): Promise<void> {
  let n: KObject & { spec?: { unschedulable?: boolean } };
  try {
    n = await client.get({ ...NODES, name: node });
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
  if (!n.metadata.annotations?.[CORDONED_BY_ANNOTATION]) return;
  await client.patch(
    { ...NODES, name: node },
    { metadata: { annotations: { [CORDONED_BY_ANNOTATION]: null } }, spec: { unschedulable: null } },
    'merge',
  );
}

/** One pass of a drain: evicts what may go now; `remaining` empty means the node is drained. */
export async function drainStep(client: RestClient, node: string): Promise<DrainProgress> {
  const pods = (await client.list<PodObject>({ ...PODS }, { fieldSelector: `spec.nodeName=${node}` })).items.filter(mustMove);
  const refused: string[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue; // already going
    try {
      await client.create(
        { ...PODS, namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'eviction' },
        {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
        },
      );
    } catch (e) {
      if (isNotFound(e)) continue;
      const code = (e as { code?: number }).code;
      if (code === 429) {
        refused.push(`${pod.metadata.namespace}/${pod.metadata.name}: ${(e as Error).message}`);
        continue;
      }
      throw e;
    }
  }
  const left = (await client.list<PodObject>({ ...PODS }, { fieldSelector: `spec.nodeName=${node}` })).items.filter(mustMove);
  return { remaining: left.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), refused };
}
