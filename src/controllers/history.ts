// ControllerRevision helpers the DaemonSet and StatefulSet controllers share, as
// kube-controller-manager's pkg/controller/history: a revision's name and hash, building one,
// ordering, and the controller's own revisions (claimed through their selector, as the
// ControllerRefManager claims pods). The revisions are what `kubectl rollout history/undo` read.

import type { Selector } from '../api/labels.js';
import { deepCopy, type KObject } from '../api/object.js';
import { CONTROLLERREVISIONS, type ControllerRevision, type GroupVersionResource } from '../api/types.js';
import { isAlreadyExists, type RestClient } from '../client/rest.js';
import { fnv32a, safeEncodeString, stableStringify } from './deployment-util.js';
import { claimObjects, newControllerRef } from './podutil.js';

/** The label that carries a revision's hash, on the revision and on the pods made from it. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/**
 * HashControllerRevision: FNV-32a of the revision's data (and the collision count, when set),
 * safe-encoded. Not byte-identical to Kubernetes' (whose hash runs over Go's encoding), but as
 * stable and as sensitive to the data.
 */
export function hashControllerRevision(data: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(stableStringify(data ?? null)));
  if (typeof collisionCount === 'number') {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** ControllerRevisionName: prefix-hash, the prefix cut so that the name stays within 223 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  const p = prefix.length > 223 ? prefix.slice(0, 223) : prefix;
  return `${p}-${hash}`;
}

/** NewControllerRevision: owned by the parent, labelled with the template's labels and its hash. */
export function newControllerRevision(
  parent: KObject,
  apiVersion: string,
  kind: string,
  templateLabels: Record<string, string> | undefined,
  data: unknown,
  revision: number,
  collisionCount?: number,
): ControllerRevision {
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata.name ?? '', hash),
      namespace: parent.metadata.namespace,
      labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(parent, apiVersion, kind)],
    },
    data: deepCopy(data) as ControllerRevision['data'],
    revision,
  };
}

/** The revision number (0 when unset). */
export const revisionOf = (cr: ControllerRevision): number => (typeof cr.revision === 'number' ? cr.revision : 0);

/** history.SortControllerRevisions: by revision, then creation time, then name. */
export function sortControllerRevisions(revs: ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort(
    (a, b) =>
      revisionOf(a) - revisionOf(b) ||
      Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** The highest revision number among revs (0 for none). */
export function maxRevision(revs: ControllerRevision[]): number {
  return revs.reduce((m, r) => Math.max(m, revisionOf(r)), 0);
}

/** history.EqualRevision: the same data (the hash label is a shortcut Kubernetes also takes). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return stableStringify(a.data ?? null) === stableStringify(b.data ?? null);
}

/** The revisions of a parent among those of its namespace: claimed (adopted or released) by selector. */
export function claimControllerRevisions(
  client: RestClient,
  parent: KObject,
  parentResource: GroupVersionResource,
  apiVersion: string,
  kind: string,
  selector: Selector,
  inNamespace: ControllerRevision[],
): Promise<ControllerRevision[]> {
  return claimObjects(inNamespace, {
    client,
    resource: CONTROLLERREVISIONS,
    owner: parent,
    ownerResource: parentResource,
    ownerApiVersion: apiVersion,
    ownerKind: kind,
    selector,
  });
}

/**
 * history.CreateControllerRevision: creates the revision; when its name is taken by a revision
 * with other data (a hash collision), the caller must bump collisionCount and try again.
 */
export async function createControllerRevision(
  client: RestClient,
  cr: ControllerRevision,
): Promise<{ created?: ControllerRevision; collision?: boolean }> {
  try {
    return { created: await client.create<ControllerRevision>({ ...CONTROLLERREVISIONS, namespace: cr.metadata.namespace }, cr) };
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const existing = await client.get<ControllerRevision>({
      ...CONTROLLERREVISIONS,
      namespace: cr.metadata.namespace,
      name: cr.metadata.name,
    });
    if (equalRevision(existing, cr)) return { created: existing };
    return { collision: true };
  }
}
