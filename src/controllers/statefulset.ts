// The StatefulSet controller, as kube-controller-manager's pkg/controller/statefulset
// (stateful_set.go, stateful_set_control.go, stateful_pod_control.go): pods NAME-0..NAME-(n-1)
// with stable identities (hostname NAME-i, subdomain = serviceName, so the cluster DNS answers
// NAME-i.SERVICE.NS.svc.cluster.local once the EndpointSlice names them), one claim per
// volumeClaimTemplate and ordinal that outlives its pod, OrderedReady (each pod waits for its
// predecessors to be Running and Ready, scale-down from the highest ordinal) or Parallel;
// RollingUpdate from the highest ordinal down to the partition (within maxUnavailable when it is
// set) or OnDelete; revisions as ControllerRevisions named in status.currentRevision/
// updateRevision, rollbacks reusing the equal revision; the claim retention policy; status.

import { errorMessage } from '../api/errors.js';
import { deepCopy, type KObject } from '../api/object.js';
import * as v1 from '../api/types.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import { type Informer, NAMESPACE_INDEX, OWNER_UID_INDEXERS, type SharedInformerFactory } from '../client/informer.js';
import { isAlreadyExists, isConflict, isNotFound, type RestClient } from '../client/rest.js';
import {
  claimControllerRevisions,
  createControllerRevision,
  equalRevision,
  newControllerRevision,
  sortControllerRevisions,
} from './history.js';
import {
  claimObjects,
  controllerIn,
  controllerOf,
  controllerUpdate,
  labelsChanged,
  ownersSelecting,
  resolveControllerRef,
  safeSelector,
} from './podutil.js';
import { BURST_REPLICAS, slowStartBatch } from './replicaset.js';
import {
  allowsBurst,
  applyRevision,
  claimIsStale,
  countReplicas,
  identityMatches,
  isCreated,
  isFailed,
  isHealthy,
  isMemberOf,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  maxUnavailable,
  newVersionedPod,
  ordinalOf,
  POD_INDEX_LABEL,
  podClaims,
  podInOrdinalRange,
  podRevision,
  replicasOf,
  STATEFULSET_POD_NAME_LABEL,
  startOrdinal,
  statefulSetPatch,
  updateClaimOwnerRefs,
} from './statefulset-util.js';

/** processReplica / processCondemned's answer: stop this sync here (monotonic mode waits). */
type Step = boolean;

/** The replicas by index from 0: existing pods, else the pod to create. */
interface Replicas {
  get(i: number): v1.Pod;
  set(i: number, pod: v1.Pod): void;
}

/** The status fields written only when set (replicas and collisionCount always are). */
const STATUS_OPTIONAL_FIELDS = [
  'observedGeneration',
  'readyReplicas',
  'currentReplicas',
  'updatedReplicas',
  'currentRevision',
  'updateRevision',
  'availableReplicas',
] as const;

export class StatefulSetController extends Controller {
  private readonly setInf: Informer<v1.StatefulSet>;
  private readonly podInf: Informer<v1.Pod>;
  private readonly pvcInf: Informer<v1.PersistentVolumeClaim>;
  private readonly revInf: Informer<v1.ControllerRevision>;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: ControllerOptions = {},
  ) {
    super('statefulset', client, 'statefulset-controller', opts);
    this.setInf = factory.informerFor<v1.StatefulSet>({ ...v1.STATEFULSETS });
    this.podInf = factory.informerFor<v1.Pod>({ ...v1.PODS, indexers: OWNER_UID_INDEXERS });
    this.pvcInf = factory.informerFor<v1.PersistentVolumeClaim>({ ...v1.PERSISTENTVOLUMECLAIMS });
    this.revInf = factory.informerFor<v1.ControllerRevision>({ ...v1.CONTROLLERREVISIONS, indexers: OWNER_UID_INDEXERS });
    this.setInf.addEventHandler({ onAdd: (s) => this.enqueue(s), onUpdate: (_o, s) => this.enqueue(s), onDelete: (s) => this.enqueue(s) });
    this.podInf.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (o, n) => this.updatePod(o, n),
      onDelete: (p) => this.enqueueOwner(p),
    });
    this.revInf.addEventHandler({ onAdd: (r) => this.enqueueOwner(r), onDelete: (r) => this.enqueueOwner(r) });
  }

  private resolve(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): v1.StatefulSet | undefined {
    return resolveControllerRef(this.setInf, 'StatefulSet', namespace, ref);
  }

  private enqueueOwner(obj: KObject): void {
    const owner = controllerIn(this.setInf, 'StatefulSet', obj);
    if (owner) this.enqueue(owner);
  }

  private selecting(pod: v1.Pod): v1.StatefulSet[] {
    return ownersSelecting(this.setInf, NAMESPACE_INDEX, pod, (s) => safeSelector(s.spec?.selector)).filter((s) => isMemberOf(s, pod));
  }

  private addPod(pod: v1.Pod): void {
    if (controllerOf(pod)) this.enqueueOwner(pod);
    else for (const s of this.selecting(pod)) this.enqueue(s);
  }

  private updatePod(old: v1.Pod, cur: v1.Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const u = controllerUpdate(old, cur, (ns, ref) => this.resolve(ns, ref));
    if (u.previous) this.enqueue(u.previous);
    if (!u.orphan) {
      if (!u.current) return;
      this.enqueue(u.current);
      const minReady = u.current.spec.minReadySeconds ?? 0;
      // Availability comes minReadySeconds after readiness: look again then.
      if (minReady > 0 && !isRunningAndReady(old) && isRunningAndReady(cur)) this.enqueue(u.current, minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged(old, cur) || u.refChanged) for (const s of this.selecting(cur)) this.enqueue(s);
  }

  private setRef(set: v1.StatefulSet): KObject {
    return { ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' };
  }

  async reconcile(key: string): Promise<number | void> {
    const cached = this.setInf.get(key);
    if (!cached) return;
    const set = deepCopy(cached);
    const selector = safeSelector(set.spec.selector);
    if (!selector) {
      this.recorder.event(this.setRef(set), 'Warning', 'InvalidSelector', 'invalid label selector');
      return;
    }
    const ns = set.metadata.namespace ?? '';
    // adoptOrphanRevisions and ListRevisions: the set's revisions, claimed by selector.
    const revisions = sortControllerRevisions(
      await claimControllerRevisions(
        this.client,
        set,
        v1.STATEFULSETS,
        'apps/v1',
        'StatefulSet',
        selector,
        this.revInf.byIndex(NAMESPACE_INDEX, ns),
      ),
    );
    // getPodsForStatefulSet: only pods named as members are adopted.
    const candidates = this.podInf
      .byIndex(NAMESPACE_INDEX, ns)
      .filter((p) => controllerOf(p)?.uid === set.metadata.uid || isMemberOf(set, p));
    const pods = await claimObjects(candidates, {
      client: this.client,
      resource: v1.PODS,
      owner: set,
      ownerResource: v1.STATEFULSETS,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'StatefulSet',
      selector,
    });
    const { current, update, collisionCount } = await this.revisions(set, revisions);
    let status: v1.StatefulSetStatus | undefined;
    let err: unknown;
    try {
      status = await this.updateStatefulSet(set, current, update, collisionCount, pods);
    } catch (e) {
      err = e;
    }
    if (status) await this.updateStatus(set, status);
    if (err) throw err;
    await this.truncateHistory(set, pods, revisions, current, update);
    const minReady = set.spec.minReadySeconds ?? 0;
    // One more sync for the clock's sake once pods should be available.
    if (minReady > 0 && status && status.availableReplicas !== replicasOf(set)) return minReady * 1000;
  }

  // ---- revisions ----

  /** getStatefulSetRevisions: the update revision (reused when equal to an old one: a rollback), and the current one. */
  private async revisions(
    set: v1.StatefulSet,
    revisions: v1.ControllerRevision[],
  ): Promise<{ current: v1.ControllerRevision; update: v1.ControllerRevision; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const next = (revisions.length ? revisions[revisions.length - 1].revision : 0) + 1;
    // The revision of the set as it is now, named by its hash and the collisions counted so far.
    const revisionOf = (collisions: number) => {
      const cr = newControllerRevision(
        set,
        'apps/v1',
        'StatefulSet',
        set.spec.template?.metadata?.labels,
        statefulSetPatch(set),
        next,
        collisions,
      );
      if (set.metadata.annotations && Object.keys(set.metadata.annotations).length)
        cr.metadata.annotations = { ...set.metadata.annotations };
      return cr;
    };
    const candidate = revisionOf(collisionCount);
    const equal = revisions.filter((r) => equalRevision(r, candidate));
    let update: v1.ControllerRevision;
    if (equal.length && equalRevision(revisions[revisions.length - 1], equal[equal.length - 1])) {
      update = revisions[revisions.length - 1];
    } else if (equal.length) {
      // A rollback: the equal revision becomes the newest by taking the next number.
      const e = equal[equal.length - 1];
      update = await this.client.update<v1.ControllerRevision>(
        { ...v1.CONTROLLERREVISIONS, namespace: e.metadata.namespace, name: e.metadata.name },
        { ...e, revision: next },
      );
    } else {
      for (let tries = 0; ; tries++) {
        const r = await createControllerRevision(this.client, revisionOf(collisionCount));
        if (r.created) {
          update = r.created;
          break;
        }
        // A hash collision with another revision's name: count it and hash again.
        collisionCount++;
        if (tries > 10) throw new Error(`too many revision name collisions for StatefulSet ${set.metadata.name}`);
      }
    }
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  /** truncateHistory: revisions no pod, current or update revision uses, beyond revisionHistoryLimit, oldest first. */
  private async truncateHistory(
    set: v1.StatefulSet,
    pods: v1.Pod[],
    revisions: v1.ControllerRevision[],
    current: v1.ControllerRevision,
    update: v1.ControllerRevision,
  ): Promise<void> {
    const live = new Set([current.metadata.name, update.metadata.name, ...pods.map(podRevision)]);
    const history = revisions.filter((r) => !live.has(r.metadata.name));
    const limit = set.spec.revisionHistoryLimit ?? 10;
    for (const r of history.slice(0, Math.max(0, history.length - limit))) {
      await this.client.delete({ ...v1.CONTROLLERREVISIONS, namespace: r.metadata.namespace, name: r.metadata.name }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
  }

  // ---- the sync ----

  private async updateStatefulSet(
    set: v1.StatefulSet,
    currentRevision: v1.ControllerRevision,
    updateRevision: v1.ControllerRevision,
    collisionCount: number,
    pods: v1.Pod[],
  ): Promise<v1.StatefulSetStatus> {
    const currentSet = applyRevision(set, currentRevision);
    const updateSet = applyRevision(set, updateRevision);
    const status: v1.StatefulSetStatus = {
      observedGeneration: set.metadata.generation,
      currentRevision: currentRevision.metadata.name,
      updateRevision: updateRevision.metadata.name,
      collisionCount,
      replicas: 0,
    };
    const minReady = set.spec.minReadySeconds ?? 0;
    const n = replicasOf(set),
      start = startOrdinal(set);
    // The replicas by index: the pods that exist, and the ones still to create made when first
    // asked for. Kubernetes fills a slice of spec.replicas entries; a map keeps a StatefulSet of
    // 2^31-1 replicas (valid input) from costing the controller that much memory or time.
    const existing = new Map<number, v1.Pod>();
    const made = new Map<number, v1.Pod>();
    const condemned: v1.Pod[] = [];
    for (const p of pods) {
      if (podInOrdinalRange(p, set)) existing.set(ordinalOf(p) - start, p);
      else if (ordinalOf(p) >= 0) condemned.push(p);
    }
    // The current revision's replica count decides, without a partition, which new pods get the current template.
    const currentReplicas = set.status?.currentReplicas ?? 0;
    const reps: Replicas = {
      get: (i) => {
        let p = existing.get(i) ?? made.get(i);
        if (!p) {
          p = newVersionedPod(
            currentSet,
            updateSet,
            currentRevision.metadata.name ?? '',
            updateRevision.metadata.name ?? '',
            start + i,
            currentReplicas,
          );
          made.set(i, p);
        }
        return p;
      },
      set: (i, p) => {
        existing.delete(i);
        made.set(i, p);
      },
    };
    const count = () =>
      countReplicas(status, minReady, currentRevision.metadata.name ?? '', updateRevision.metadata.name ?? '', [
        [...existing.values()],
        [...made.values()],
        condemned,
      ]);
    count();
    condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
    // The first unhealthy replica (a replica not created yet is unhealthy), else condemned pod.
    let firstUnhealthy: v1.Pod | undefined;
    for (let i = 0; i < n && !firstUnhealthy; i++) if (!isHealthy(reps.get(i))) firstUnhealthy = reps.get(i);
    for (let i = condemned.length - 1; i >= 0 && !firstUnhealthy; i--) if (!isHealthy(condemned[i])) firstUnhealthy = condemned[i];
    if (set.metadata.deletionTimestamp) return status;
    const monotonic = !allowsBurst(set);
    const ctx = { set, currentSet, updateSet, currentRevision, updateRevision, reps, currentReplicas };
    // Monotonic: every index in order, stopping at the first that is not ready (so at most the
    // existing pods and one more). Parallel: the existing pods and up to BURST_REPLICAS missing ones
    // per sync (Kubernetes creates them all in one sync; the next sync here makes the rest).
    let indices: number[] | undefined;
    if (!monotonic) {
      const missing: number[] = [];
      for (let i = 0; i < n && missing.length < BURST_REPLICAS; i++) if (!existing.has(i)) missing.push(i);
      indices = [...existing.keys(), ...missing].sort((a, b) => a - b);
    }
    const replicaStep = (k: number) => this.processReplica(ctx, indices ? indices[k] : k);
    if (await this.runForAll(indices ? indices.length : n, replicaStep, monotonic)) {
      count();
      return status;
    }
    // Condemned pods' claims get the owners their retention policy wants before the pods go.
    if (await this.runForAll(condemned.length, (i) => this.fixClaimOwners(updateSet, condemned[i]).then(() => false), monotonic)) {
      count();
      return status;
    }
    if (await this.runForAll(condemned.length, (i) => this.processCondemned(set, firstUnhealthy, monotonic, condemned[i]), monotonic)) {
      count();
      return status;
    }
    count();
    if (set.spec.updateStrategy?.type === 'OnDelete') return status;
    const updateMin = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const highestFirst = [...existing.keys()].sort((a, b) => b - a);
    if (set.spec.updateStrategy?.rollingUpdate?.maxUnavailable !== undefined) {
      // MaxUnavailableStatefulSet: up to maxUnavailable pods at once, highest ordinals first; a
      // replica not created yet counts as unavailable.
      const unavailable = n - existing.size + [...existing.values()].filter((p) => !isHealthy(p)).length;
      let toDelete = maxUnavailable(set) - unavailable;
      for (const t of highestFirst) {
        if (t < updateMin || toDelete <= 0) break;
        const p = existing.get(t)!;
        if (podRevision(p) !== updateRevision.metadata.name && !isTerminating(p)) {
          await this.deletePod(set, p, 'update');
          toDelete--;
          status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        }
      }
      return status;
    }
    // One pod at a time: the highest ordinal not of the update revision, once everything above it
    // is healthy (a replica not created yet is not: wait).
    for (let t = n - 1; t >= updateMin; t--) {
      const p = existing.get(t);
      if (!p) return status;
      if (podRevision(p) !== updateRevision.metadata.name && !isTerminating(p)) {
        await this.deletePod(set, p, 'update');
        status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        return status;
      }
      if (!isHealthy(p)) return status;
    }
    return status;
  }

  /** runForAll: in order, stopping at the first step that says stop (monotonic); else all at once in slow-start batches. */
  private async runForAll(count: number, fn: (i: number) => Promise<Step>, monotonic: boolean): Promise<boolean> {
    if (monotonic) {
      for (let i = 0; i < count; i++) if (await fn(i)) return true;
      return false;
    }
    let i = 0;
    const { error } = await slowStartBatch(count, 1, async () => {
      await fn(i++);
    });
    if (error) throw error;
    return false;
  }

  private async processReplica(
    ctx: {
      set: v1.StatefulSet;
      currentSet: v1.StatefulSet;
      updateSet: v1.StatefulSet;
      currentRevision: v1.ControllerRevision;
      updateRevision: v1.ControllerRevision;
      reps: Replicas;
      currentReplicas: number;
    },
    i: number,
  ): Promise<Step> {
    const { set, updateSet } = ctx;
    const monotonic = !allowsBurst(set);
    let pod = ctx.reps.get(i);
    if (isFailed(pod) || isSucceeded(pod)) {
      // A pod stopped for good (evicted, node rebooted) is recreated whatever its exit code.
      if (isFailed(pod))
        this.recorder.event(
          this.setRef(set),
          'Warning',
          'RecreatingFailedPod',
          `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating failed Pod ${pod.metadata.name}`,
        );
      else
        this.recorder.event(
          this.setRef(set),
          'Normal',
          'RecreatingTerminatedPod',
          `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating terminated Pod ${pod.metadata.name}`,
        );
      await this.deletePod(set, pod);
      pod = newVersionedPod(
        ctx.currentSet,
        updateSet,
        ctx.currentRevision.metadata.name ?? '',
        ctx.updateRevision.metadata.name ?? '',
        startOrdinal(set) + i,
        ctx.currentReplicas,
      );
      ctx.reps.set(i, pod);
    }
    if (!isCreated(pod)) {
      // A claim still owned by an earlier pod of this name (whenScaled=Delete) is about to go: wait for it.
      for (const c of podClaims(set, pod).values()) {
        const existing = this.pvcInf.getByName(c.metadata.namespace, c.metadata.name!);
        if (existing && claimIsStale(existing, pod)) return true;
      }
      await this.createPod(set, pod);
      if (monotonic) return true;
    }
    if (isPending(pod)) await this.createMissingClaims(set, pod);
    if (isTerminating(pod) && monotonic) return true;
    if (!isRunningAndReady(pod) && monotonic) return true;
    if (!isRunningAndAvailable(pod, set.spec.minReadySeconds ?? 0) && monotonic) return true;
    await this.fixClaimOwners(updateSet, pod);
    if (!identityMatches(set, pod)) {
      // The identity labels are all that may change on a running pod.
      await this.client
        .patch(
          { ...v1.PODS, namespace: pod.metadata.namespace, name: pod.metadata.name },
          {
            metadata: { labels: { [STATEFULSET_POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinalOf(pod)) } },
          },
          'strategic',
        )
        .catch((e) => {
          if (!isNotFound(e)) throw e;
        });
    }
    return false;
  }

  private async processCondemned(set: v1.StatefulSet, firstUnhealthy: v1.Pod | undefined, monotonic: boolean, pod: v1.Pod): Promise<Step> {
    if (isTerminating(pod)) return monotonic;
    // Scale down waits for its predecessors to be healthy, except for the first unhealthy pod itself.
    if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) return true;
    if (!isRunningAndAvailable(pod, set.spec.minReadySeconds ?? 0) && monotonic && pod !== firstUnhealthy) return true;
    await this.deletePod(set, pod);
    return true;
  }

  // ---- pods and claims ----

  /** createPersistentVolumeClaims: the pod's claims that do not exist yet, with the retention policy's owners. */
  private async createMissingClaims(set: v1.StatefulSet, pod: v1.Pod): Promise<void> {
    for (const claim of podClaims(set, pod).values()) {
      const existing = this.pvcInf.getByName(claim.metadata.namespace, claim.metadata.name!);
      if (existing) {
        if (existing.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
        continue;
      }
      updateClaimOwnerRefs(claim, set, pod);
      try {
        await this.client.create({ ...v1.PERSISTENTVOLUMECLAIMS, namespace: claim.metadata.namespace }, claim);
        this.recorder.event(
          this.setRef(set),
          'Normal',
          'SuccessfulCreate',
          `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`,
        );
      } catch (e) {
        if (isAlreadyExists(e)) continue;
        this.recorder.event(
          this.setRef(set),
          'Warning',
          'FailedCreate',
          `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errorMessage(e)}`,
        );
        throw e;
      }
    }
  }

  /** CreateStatefulPod: its claims first, then the pod. */
  private async createPod(set: v1.StatefulSet, pod: v1.Pod): Promise<void> {
    await this.createMissingClaims(set, pod);
    try {
      await this.client.create({ ...v1.PODS, namespace: pod.metadata.namespace }, pod);
      this.podEvent(set, 'create', pod);
    } catch (e) {
      // The informer has not shown us the pod yet: it is there, the next sync sees it.
      if (isAlreadyExists(e)) return;
      this.podEvent(set, 'create', pod, e);
      throw e;
    }
  }

  /** recordPodEvent (stateful_pod_control.go): Successful<Verb> or, given the error, Failed<Verb>. */
  private podEvent(set: v1.StatefulSet, verb: 'create' | 'delete', pod: v1.Pod, err?: unknown): void {
    const reason = verb === 'create' ? 'Create' : 'Delete';
    const what = `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name}`;
    if (err === undefined) this.recorder.event(this.setRef(set), 'Normal', `Successful${reason}`, `${what} successful`);
    else this.recorder.event(this.setRef(set), 'Warning', `Failed${reason}`, `${what} failed error: ${errorMessage(err)}`);
  }

  private async deletePod(set: v1.StatefulSet, pod: v1.Pod, why?: 'update'): Promise<void> {
    try {
      await this.client.delete(
        { ...v1.PODS, namespace: pod.metadata.namespace, name: pod.metadata.name },
        { preconditions: { uid: pod.metadata.uid } },
      );
      this.podEvent(set, 'delete', pod);
      if (why) this.log(`statefulset: ${set.metadata.namespace}/${set.metadata.name}: pod ${pod.metadata.name} terminating for update`);
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return;
      this.podEvent(set, 'delete', pod, e);
      throw e;
    }
  }

  /** UpdatePodClaimForRetentionPolicy: the pod's existing claims get (or lose) the set or the pod as owner. */
  private async fixClaimOwners(set: v1.StatefulSet, pod: v1.Pod): Promise<void> {
    if (!pod.metadata.uid) return;
    for (const want of podClaims(set, pod).values()) {
      const existing = this.pvcInf.getByName(want.metadata.namespace, want.metadata.name!);
      if (!existing || existing.metadata.deletionTimestamp) continue;
      const claim = deepCopy(existing);
      if (!updateClaimOwnerRefs(claim, set, pod)) continue;
      try {
        await this.client.update({ ...v1.PERSISTENTVOLUMECLAIMS, namespace: claim.metadata.namespace, name: claim.metadata.name }, claim);
      } catch (e) {
        // A stale copy: the next sync sees the fresh claim.
        if (!isConflict(e) && !isNotFound(e)) throw e;
      }
    }
  }

  // ---- status ----

  /** updateStatefulSetStatus: completes a finished rolling update, then writes the status if it changed. */
  private async updateStatus(set: v1.StatefulSet, status: v1.StatefulSetStatus): Promise<void> {
    if (
      set.spec.updateStrategy?.type === 'RollingUpdate' &&
      status.updatedReplicas === status.replicas &&
      status.readyReplicas === status.replicas
    ) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    const out: v1.StatefulSetStatus = { replicas: status.replicas };
    for (const k of STATUS_OPTIONAL_FIELDS) {
      if (status[k]) (out as unknown as Record<string, unknown>)[k] = status[k];
    }
    out.collisionCount = status.collisionCount ?? 0;
    if (set.status?.conditions?.length) out.conditions = set.status.conditions;
    const prev = set.status ?? { replicas: 0 };
    const keys = ['replicas', ...STATUS_OPTIONAL_FIELDS, 'collisionCount'] as const;
    if (keys.every((k) => (prev[k] ?? 0) === (out[k] ?? 0))) return;
    let target: v1.StatefulSet = { ...set, status: out };
    for (let i = 0; ; i++) {
      try {
        await this.client.update(
          { ...v1.STATEFULSETS, namespace: set.metadata.namespace, name: set.metadata.name, subresource: 'status' },
          target,
        );
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (i >= 1 || !isConflict(e)) throw e;
        const fresh = await this.client.get<v1.StatefulSet>({
          ...v1.STATEFULSETS,
          namespace: set.metadata.namespace,
          name: set.metadata.name,
        });
        target = { ...fresh, status: out };
      }
    }
  }
}
