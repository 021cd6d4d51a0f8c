// The ReplicaSet controller, as kube-controller-manager's pkg/controller/replicaset: keeps
// spec.replicas active pods matching the selector, adopting orphans and releasing pods that no
// longer match; creates in slow-start batches and deletes in Kubernetes' ranking order; uses
// expectations so that a burst of creates or deletes is never repeated while the informer lags;
// and reports replicas, fullyLabeled/ready/available replicas and a ReplicaFailure condition.

import { isPodReady } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { type Selector, selectorFromMap } from '../api/labels.js';
import { deepCopy, type KObject, nowRFC3339 } from '../api/object.js';
import {
  type GroupVersionResource,
  PODS,
  type Pod,
  REPLICASETS,
  REPLICATIONCONTROLLERS,
  type ReplicaSet,
  type ReplicaSetCondition,
  type ReplicaSetStatus,
} from '../api/types.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import { Limiter } from '../client/flowcontrol.js';
import * as cache from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import { type OwnedPodCounts, OwnedPods } from './ownedpods.js';
import {
  claimObjects,
  controllerOf,
  isNamespaceTerminating,
  isPodActive,
  isPodAvailable,
  labelsChanged,
  newControllerRef,
  orphanPodIndexKey,
  ownerEvents,
  ownersSelecting,
  POD_CONTROLLER_UID_INDEX,
  type PodOwnerHandlers,
  podControllerUidIndexFunc,
  podDeleted,
  podEvents,
  podsByOwner,
  podsToDelete,
  resolveControllerRef,
  safeSelector,
} from './podutil.js';

/** Pods created or deleted in one sync at most (burstReplicas). */
export const BURST_REPLICAS = 500;
/**
 * Pod creates and deletes in flight at once, per controller. kube-controller-manager's client
 * paces a burst with its rate limiter (--kube-api-qps, --kube-api-burst); here the bound keeps a
 * 500-pod sync (slow-start batches up to 256) under the API server's
 * --max-mutating-requests-inflight (200), shared with the scheduler and kubelets, past which each
 * refused create waits a second (Retry-After) to be tried again.
 */
export const POD_WRITES_IN_FLIGHT = 50;
/** Expectations older than this are given up on (ExpectationsTimeout). */
const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation {
  add: number;
  del: number;
  at: number;
  deleteKeys: Set<string>;
}

/**
 * ControllerExpectations with UID tracking of deletes: how many pod creations and which pod
 * deletions a ReplicaSet still waits to see in its informer before it may act again.
 */
export class ControllerExpectations {
  private readonly m = new Map<string, Expectation>();

  satisfied(key: string): boolean {
    const e = this.m.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return Date.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }
  expectCreations(key: string, n: number): void {
    this.m.set(key, { add: n, del: 0, at: Date.now(), deleteKeys: new Set() });
  }
  expectDeletions(key: string, podKeys: string[]): void {
    this.m.set(key, { add: 0, del: podKeys.length, at: Date.now(), deleteKeys: new Set(podKeys) });
  }
  /** SetExpectations: creations and deletions at once (the DaemonSet controller's sync does both). */
  expect(key: string, adds: number, podKeys: string[]): void {
    this.m.set(key, { add: adds, del: podKeys.length, at: Date.now(), deleteKeys: new Set(podKeys) });
  }
  creationObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.add--;
  }
  deletionObserved(key: string, podKey: string): void {
    const e = this.m.get(key);
    if (e?.deleteKeys.delete(podKey)) e.del--;
  }
  delete(key: string): void {
    this.m.delete(key);
  }
  /** For tests: the outstanding creates and deletes. */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.m.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }
}

/** Runs fn count times in batches of 1, 2, 4 ...; a batch with an error stops the rest. */
export async function slowStartBatch(
  count: number,
  initial: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count,
    successes = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length) return { successes, error: failed[0].reason };
    remaining -= batch;
  }
  return { successes };
}

export type { ControllerOptions };

/**
 * The kind a ReplicaSetController manages: ReplicaSets, or ReplicationControllers, which
 * kube-controller-manager's replication manager runs through the same controller (their map
 * selector read as a set-based one).
 */
export interface ReplicatedKind {
  resource: GroupVersionResource;
  apiVersion: string;
  kind: string;
  /** The controller's name and the component its events report. */
  name: string;
  component: string;
  selectorOf(obj: ReplicaSet): Selector | undefined;
}

export const REPLICASET_KIND: ReplicatedKind = {
  resource: REPLICASETS,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: 'replicaset',
  component: 'replicaset-controller',
  selectorOf: (rs) => safeSelector(rs.spec?.selector),
};

export const REPLICATIONCONTROLLER_KIND: ReplicatedKind = {
  resource: REPLICATIONCONTROLLERS,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  name: 'replicationcontroller',
  component: 'replication-controller',
  // An empty map selects nothing here (validation requires one).
  selectorOf: (rc) => {
    const m = rc.spec?.selector as unknown as Record<string, string> | undefined;
    return m && Object.keys(m).length ? selectorFromMap(m) : undefined;
  },
};

export interface ReplicaSetControllerOptions extends ControllerOptions {
  /** ReplicaSets (the default) or ReplicationControllers. */
  kind?: ReplicatedKind;
}

export class ReplicaSetController extends Controller {
  readonly expectations = new ControllerExpectations();
  private readonly rsInf: cache.Informer<ReplicaSet>;
  private readonly podInf: cache.Informer<Pod>;

  private readonly k: ReplicatedKind;
  private readonly podWrites: Limiter;
  private readonly owned: OwnedPods;

  constructor(
    private readonly client: RestClient,
    factory: cache.SharedInformerFactory,
    opts: ReplicaSetControllerOptions = {},
  ) {
    const k = opts.kind ?? REPLICASET_KIND;
    super(k.name, client, k.component, opts);
    this.k = k;
    this.podWrites = new Limiter(POD_WRITES_IN_FLIGHT);
    this.rsInf = factory.informerFor<ReplicaSet>({ ...k.resource, indexers: cache.OWNER_UID_INDEXERS });
    this.podInf = factory.informerFor<Pod>({ ...PODS, indexers: { [POD_CONTROLLER_UID_INDEX]: podControllerUidIndexFunc } });
    this.owned = new OwnedPods(this.podInf);
    this.rsInf.addEventHandler(ownerEvents(this.expectations, (rs) => this.enqueue(rs)));
    this.podInf.addEventHandler(podEvents(this.podHandlers, (old, cur) => this.podDeleting(old, cur)));
  }

  private resolveControllerRef(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): ReplicaSet | undefined {
    return resolveControllerRef(this.rsInf, this.k.kind, namespace, ref);
  }

  /** ReplicaSets whose selector matches an orphan pod (an empty selector matches nothing here). */
  private podReplicaSets(pod: Pod): ReplicaSet[] {
    const out = ownersSelecting(this.rsInf, cache.NAMESPACE_INDEX, pod, (rs) => this.k.selectorOf(rs));
    if (out.length > 1)
      this.log(
        `replicaset: user error! more than one ReplicaSet is selecting pods with labels: ${JSON.stringify(pod.metadata.labels ?? {})}`,
      );
    return out;
  }

  /** The pod event handlers shared with the DaemonSet controller (podutil). */
  private readonly podHandlers: PodOwnerHandlers<ReplicaSet> = {
    resolve: (ns, ref) => this.resolveControllerRef(ns, ref),
    selecting: (pod) => this.podReplicaSets(pod),
    expectations: this.expectations,
    enqueue: (rs, afterMs) => this.enqueue(rs, afterMs),
    minReadySeconds: (rs) => rs.spec?.minReadySeconds ?? 0,
  };

  /** updatePod's graceful-delete case: replace the pod now, not once the kubelet has finished with it. */
  private podDeleting(old: Pod, cur: Pod): boolean {
    if (!cur.metadata.deletionTimestamp) return false;
    podDeleted(this.podHandlers, cur);
    if (labelsChanged(old, cur)) podDeleted(this.podHandlers, old);
    return true;
  }

  async reconcile(key: string): Promise<number | void> {
    const cached = this.rsInf.get(key);
    if (!cached) {
      this.expectations.delete(key);
      this.owned.forgetKey(key);
      return;
    }
    const rsNeedsSync = this.expectations.satisfied(key);
    const selector = this.k.selectorOf(cached);
    if (!selector) {
      this.log(`replicaset: ${key}: invalid selector`);
      return;
    }
    const counted = this.countOnly(cached, selector, rsNeedsSync);
    let pods: Pod[] | undefined;
    if (!counted) {
      // Its own pods (those whose labels no longer match are released) and the orphans it may adopt.
      const active = podsByOwner(this.podInf, cached, true).filter(isPodActive);
      pods = await this.claimPods(cached, selector, active);
    }
    let manageErr: unknown;
    if (rsNeedsSync && !cached.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(counted ? counted.matching : pods!.length, cached, () => pods!);
      } catch (e) {
        manageErr = e;
      }
    }
    const rs = deepCopy(cached);
    const status = counted
      ? replicaSetStatusFromCounts(
          rs,
          { replicas: counted.matching, fullyLabeled: counted.fullyLabeled, ready: counted.ready, available: counted.ready },
          manageErr,
        )
      : calculateReplicaSetStatus(rs, pods!, manageErr);
    const updated = await this.updateStatus(rs, status);
    const minReady = updated.spec?.minReadySeconds ?? 0;
    const want = updated.spec?.replicas ?? 1;
    if (manageErr) throw manageErr;
    // A last line of defence against clock skew: look again once pods should be available.
    if (minReady > 0 && (updated.status?.readyReplicas ?? 0) === want && (updated.status?.availableReplicas ?? 0) !== want)
      return minReady * 1000;
  }

  /**
   * The sync's figures from the counts kept as pod events arrive (OwnedPods), when counting is all
   * the sync needs: no orphan in the namespace to adopt, no pod of its own to release, no pod to
   * delete, and ready is available (minReadySeconds 0). Otherwise undefined: the sync walks the
   * pods as kube's does. With tens of thousands of pods a sync otherwise costs milliseconds, and
   * a ReplicaSet syncs again and again while its pods are created, bound and become Ready.
   */
  private countOnly(rs: ReplicaSet, selector: Selector, rsNeedsSync: boolean): OwnedPodCounts | undefined {
    const uid = rs.metadata.uid;
    if (!uid || rs.metadata.deletionTimestamp || (rs.spec?.minReadySeconds ?? 0) > 0) return undefined;
    if (this.podInf.byIndex(POD_CONTROLLER_UID_INDEX, orphanPodIndexKey(rs.metadata.namespace ?? '')).length > 0) return undefined;
    const labels = rs.spec?.template?.metadata?.labels;
    const c = this.owned.counts(
      cache.objectKey(rs),
      uid,
      selector,
      JSON.stringify(rs.spec?.selector ?? null),
      selectorFromMap(labels),
      JSON.stringify(labels ?? null),
    );
    if (c.mismatched > 0 || (rsNeedsSync && c.matching > (rs.spec?.replicas ?? 1))) return undefined;
    return c;
  }

  private async claimPods(rs: ReplicaSet, selector: Selector, pods: Pod[]): Promise<Pod[]> {
    return claimObjects(pods, {
      client: this.client,
      resource: PODS,
      owner: rs,
      ownerApiVersion: this.k.apiVersion,
      ownerKind: this.k.kind,
      selector,
      ownerResource: this.k.resource,
    });
  }

  /** count is how many pods it has (claimed); pods() lists them, needed only to choose whom to delete. */
  private async manageReplicas(count: number, rs: ReplicaSet, pods: () => Pod[]): Promise<void> {
    const key = cache.objectKey(rs);
    let diff = count - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      diff = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, diff);
      const { successes, error } = await slowStartBatch(diff, 1, () => this.createPod(rs));
      // Pods never attempted will not be observed: stop waiting for them.
      for (let i = successes; i < diff; i++) this.expectations.creationObserved(key);
      if (error) throw error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(pods(), this.indirectlyRelatedPods(rs), diff);
      this.expectations.expectDeletions(
        key,
        victims.map((p) => cache.objectKey(p)),
      );
      const errs: unknown[] = [];
      await Promise.all(
        victims.map(async (p) => {
          try {
            await this.deletePodOf(rs, p);
          } catch (e) {
            // The informer will never see this deletion: stop waiting for it.
            this.expectations.deletionObserved(key, cache.objectKey(p));
            if (!isNotFound(e)) errs.push(e);
          }
        }),
      );
      if (errs.length) throw errs[0];
    }
  }

  /** Pods of every ReplicaSet with the same controller (the Deployment's other revisions). */
  private indirectlyRelatedPods(rs: ReplicaSet): Pod[] {
    const ref = controllerOf(rs);
    if (!ref) return [];
    const seen = new Set<string>();
    const out: Pod[] = [];
    for (const sib of this.rsInf.byIndex(cache.OWNER_UID_INDEX, ref.uid)) {
      if (controllerOf(sib)?.uid !== ref.uid) continue;
      const sel = this.k.selectorOf(sib);
      if (!sel) continue;
      for (const p of this.podInf.byIndex(cache.NAMESPACE_INDEX, sib.metadata.namespace ?? '')) {
        if (seen.has(p.metadata.uid ?? '') || !sel.matches(p.metadata.labels)) continue;
        seen.add(p.metadata.uid ?? '');
        out.push(p);
      }
    }
    return out;
  }

  private rsRef(rs: ReplicaSet): KObject {
    return { ...rs, apiVersion: this.k.apiVersion, kind: this.k.kind };
  }

  /** RealPodControl.CreatePods: a pod from the template, named '<rs>-xxxxx' by the API server. */
  private async createPod(rs: ReplicaSet): Promise<void> {
    const t = rs.spec?.template ?? {};
    const labels = { ...(t.metadata?.labels ?? {}) };
    if (Object.keys(labels).length === 0) throw new Error('unable to create pods, no labels');
    const prefix = `${rs.metadata.name}-`;
    const metadata: Record<string, unknown> = {
      generateName: prefix.length <= 253 ? prefix : rs.metadata.name,
      namespace: rs.metadata.namespace,
      labels,
    };
    if (t.metadata?.annotations) metadata.annotations = { ...t.metadata.annotations };
    if (t.metadata?.finalizers?.length) metadata.finalizers = [...t.metadata.finalizers];
    metadata.ownerReferences = [newControllerRef(rs, this.k.apiVersion, this.k.kind)];
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec: deepCopy(t.spec ?? {}) };
    try {
      const created = await this.podWrites.run(() => this.client.create<Pod>({ ...PODS, namespace: rs.metadata.namespace }, pod));
      this.recorder.event(this.rsRef(rs), 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (e) {
      if (!isNamespaceTerminating(e)) this.recorder.event(this.rsRef(rs), 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`);
      // A terminating namespace will take this ReplicaSet with it: nothing to retry.
      if (isNamespaceTerminating(e)) return;
      throw e;
    }
  }

  private async deletePodOf(rs: ReplicaSet, pod: Pod): Promise<void> {
    try {
      await this.podWrites.run(() => this.client.delete({ ...PODS, namespace: rs.metadata.namespace, name: pod.metadata.name }));
    } catch (e) {
      if (isNotFound(e)) throw e;
      this.recorder.event(this.rsRef(rs), 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(e)}`);
      throw new Error(`unable to delete pods: ${errorMessage(e)}`);
    }
    this.recorder.event(this.rsRef(rs), 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }

  /** updateReplicaSetStatus: written only when something changed, with one retry on a fresh copy. */
  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
    const cur = rs.status ?? { replicas: 0 };
    if (
      (cur.replicas ?? 0) === status.replicas &&
      (cur.fullyLabeledReplicas ?? 0) === (status.fullyLabeledReplicas ?? 0) &&
      (cur.readyReplicas ?? 0) === (status.readyReplicas ?? 0) &&
      (cur.availableReplicas ?? 0) === (status.availableReplicas ?? 0) &&
      (rs.metadata.generation ?? 0) === (cur.observedGeneration ?? 0) &&
      JSON.stringify(cur.conditions ?? []) === JSON.stringify(status.conditions ?? [])
    )
      return rs;
    status.observedGeneration = rs.metadata.generation;
    let target = rs;
    for (let i = 0; ; i++) {
      target = { ...target, status: omitZeroStatus(status) };
      try {
        return await this.client.update<ReplicaSet>(
          { ...this.k.resource, namespace: rs.metadata.namespace, name: rs.metadata.name, subresource: 'status' },
          target,
        );
      } catch (e) {
        if (i >= 1) throw e;
        target = await this.client.get<ReplicaSet>({ ...this.k.resource, namespace: rs.metadata.namespace, name: rs.metadata.name });
      }
    }
  }
}

/** Go's omitempty on ReplicaSetStatus: replicas is always written, the rest only when set. */
function omitZeroStatus(s: ReplicaSetStatus): ReplicaSetStatus {
  const out: ReplicaSetStatus = { replicas: s.replicas };
  if (s.fullyLabeledReplicas) out.fullyLabeledReplicas = s.fullyLabeledReplicas;
  if (s.readyReplicas) out.readyReplicas = s.readyReplicas;
  if (s.availableReplicas) out.availableReplicas = s.availableReplicas;
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.conditions?.length) out.conditions = s.conditions;
  return out;
}

/** calculateStatus of the ReplicaSet controller. */
export function calculateReplicaSetStatus(rs: ReplicaSet, pods: Pod[], manageErr: unknown, now = Date.now()): ReplicaSetStatus {
  const templateSel = selectorFromMap(rs.spec?.template?.metadata?.labels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fully = 0,
    ready = 0,
    available = 0;
  for (const p of pods) {
    if (templateSel.matches(p.metadata.labels)) fully++;
    if (isPodReady(p)) {
      ready++;
      // Ready is available when minReadySeconds is 0: no second look at the conditions.
      if (minReady === 0 || isPodAvailable(p, minReady, now)) available++;
    }
  }
  return replicaSetStatusFromCounts(rs, { replicas: pods.length, fullyLabeled: fully, ready, available }, manageErr);
}

/** The rest of calculateStatus, from the counts of the pods: the ReplicaFailure condition. */
export function replicaSetStatusFromCounts(
  rs: ReplicaSet,
  n: { replicas: number; fullyLabeled: number; ready: number; available: number },
  manageErr: unknown,
): ReplicaSetStatus {
  const prev = rs.status ?? { replicas: 0 };
  let conditions = [...(prev.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageErr && !failure) {
    const diff = n.replicas - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const cond: ReplicaSetCondition = {
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: nowRFC3339(),
      reason,
      message: errorMessage(manageErr),
    };
    if (!reason) delete cond.reason;
    conditions.push(cond);
  } else if (!manageErr && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const out: ReplicaSetStatus = {
    replicas: n.replicas,
    fullyLabeledReplicas: n.fullyLabeled,
    readyReplicas: n.ready,
    availableReplicas: n.available,
  };
  if (prev.observedGeneration) out.observedGeneration = prev.observedGeneration;
  if (conditions.length) out.conditions = conditions;
  return out;
}
