// What a ReplicaSet's sync counts of its pods, kept per owner as the pod informer's events
// arrive, so that a sync of a ReplicaSet with tens of thousands of pods costs what changed since
// the last one instead of a walk over all of them. kube-controller-manager's
// syncReplicaSet walks them all (FilterActivePods, ClaimPods, calculateStatus); the counts here
// are the same numbers, and the controller falls back to that walk whenever more than counting is
// needed (orphans to adopt, pods to release, pods to delete, minReadySeconds): see
// ReplicaSetController.reconcile.

import { isPodReady } from '../api/conditions.js';
import type { Selector } from '../api/labels.js';
import type { Pod } from '../api/types.js';
import { type Informer, objectKey } from '../client/informer.js';
import { controllerOf, isPodActive, POD_CONTROLLER_UID_INDEX } from './podutil.js';

/** Bits of what one pod counts for. */
const ACTIVE = 1,
  MATCHES = 2,
  FULLY = 4,
  READY = 8;

/** The counts of one owner's active pods, with the selectors they were made with. */
export interface OwnedPodCounts {
  /** Active pods the owner controls that its selector matches (the claimed pods, when none is an orphan or to be released). */
  matching: number;
  /** Of those, the ones the template's labels match (fullyLabeledReplicas). */
  fullyLabeled: number;
  /** Of those, the Ready ones. */
  ready: number;
  /** Active pods the owner controls that its selector no longer matches (to be released). */
  mismatched: number;
}

interface Owner {
  selectorKey: string;
  templateKey: string;
  /** Pod key -> its bits, for the pods this owner controlled when last looked at. */
  bits: Map<string, number>;
  /** Pods with an event since they were last looked at. */
  dirty: Set<string>;
  counts: OwnedPodCounts;
}

function add(c: OwnedPodCounts, bits: number, sign: 1 | -1): void {
  if (!(bits & ACTIVE)) return;
  if (!(bits & MATCHES)) {
    c.mismatched += sign;
    return;
  }
  c.matching += sign;
  if (bits & FULLY) c.fullyLabeled += sign;
  if (bits & READY) c.ready += sign;
}

export class OwnedPods {
  private readonly owners = new Map<string, Owner>();
  /** Owner namespace/name -> the uid its counts are kept under. */
  private readonly uidOf = new Map<string, string>();

  constructor(private readonly pods: Informer<Pod>) {
    // Registered before the controller's own pod handlers: a pod's change is marked before the
    // owner is queued for it.
    const mark = (p: Pod) => {
      const uid = controllerOf(p)?.uid;
      if (uid) this.owners.get(uid)?.dirty.add(objectKey(p));
    };
    pods.addEventHandler({
      onAdd: mark,
      onUpdate: (old, cur) => {
        mark(old);
        mark(cur);
      },
      onDelete: mark,
    });
  }

  /**
   * The counts for owner uid with this selector and template selector, brought up to date with
   * the pods that changed since the last call (all of its pods the first time, or when either
   * selector changed: selectorKey and templateKey name them).
   */
  counts(ownerKey: string, uid: string, selector: Selector, selectorKey: string, template: Selector, templateKey: string): OwnedPodCounts {
    const was = this.uidOf.get(ownerKey);
    if (was !== uid) {
      // A new object under the same name: the old one's counts go.
      if (was !== undefined) this.owners.delete(was);
      this.uidOf.set(ownerKey, uid);
    }
    let o = this.owners.get(uid);
    if (!o || o.selectorKey !== selectorKey || o.templateKey !== templateKey) {
      o = {
        selectorKey,
        templateKey,
        bits: new Map(),
        dirty: new Set(),
        counts: { matching: 0, fullyLabeled: 0, ready: 0, mismatched: 0 },
      };
      this.owners.set(uid, o);
      for (const p of this.pods.byIndex(POD_CONTROLLER_UID_INDEX, uid)) o.dirty.add(objectKey(p));
    }
    for (const key of o.dirty) {
      const before = o.bits.get(key);
      if (before !== undefined) add(o.counts, before, -1);
      const p = this.pods.get(key);
      if (p && controllerOf(p)?.uid === uid) {
        const bits =
          (isPodActive(p) ? ACTIVE : 0) |
          (selector.matches(p.metadata.labels) ? MATCHES : 0) |
          (template.matches(p.metadata.labels) ? FULLY : 0) |
          (isPodReady(p) ? READY : 0);
        o.bits.set(key, bits);
        add(o.counts, bits, 1);
      } else {
        o.bits.delete(key);
      }
    }
    o.dirty.clear();
    return { ...o.counts };
  }

  /** The owner (namespace/name) is gone: forget its counts. */
  forgetKey(ownerKey: string): void {
    const uid = this.uidOf.get(ownerKey);
    if (uid === undefined) return;
    this.uidOf.delete(ownerKey);
    this.owners.delete(uid);
  }
}
