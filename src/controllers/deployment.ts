// The Deployment controller, as kube-controller-manager's pkg/controller/deployment: owns
// ReplicaSets (one per pod template, named '<deployment>-<pod-template-hash>'), rolls a new
// template out by RollingUpdate or Recreate, scales proportionally mid-rollout, keeps
// revisionHistoryLimit old ReplicaSets, honours paused and progressDeadlineSeconds, and reports
// status and conditions with Kubernetes' reasons and messages, so that `kubectl rollout` works.

import { errorMessage } from '../api/errors.js';
import { deepCopy, type KObject } from '../api/object.js';
import { DEPLOYMENTS, type Deployment, PODS, type Pod, REPLICASETS, type ReplicaSet } from '../api/types.js';
import { Controller } from '../client/controller.js';
import { type Informer, NAMESPACE_INDEX, OWNER_UID_INDEX, OWNER_UID_INDEXERS, type SharedInformerFactory } from '../client/informer.js';
import { isAlreadyExists, isNotFound, type RestClient } from '../client/rest.js';
import { type Requeue, type RolloutOps, rolloutRecreate, rolloutRolling } from './deployment-rollout.js';
import {
  byRevision,
  bySizeNewer,
  bySizeOlder,
  calculateStatus,
  computeHash,
  DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY,
  desiredReplicasAnnotation,
  FailedRSCreateReason,
  FoundNewRSReason,
  filterActiveReplicaSets,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  NewReplicaSetReason,
  newCondition,
  newRSNewReplicas,
  normalizeStatus,
  PausedDeployReason,
  REVISION_ANNOTATION,
  ResumedDeployReason,
  replicaCount,
  replicaSetProportion,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  statusEqual,
  TimedOutReason,
} from './deployment-util.js';
import {
  claimObjects,
  controllerOf,
  controllerUpdate,
  labelsChanged,
  newControllerRef,
  ownersSelecting,
  POD_CONTROLLER_UID_INDEX,
  podControllerUidIndexFunc,
  resolveControllerRef,
  safeSelector,
} from './podutil.js';
import type { ControllerOptions } from './replicaset.js';

export class DeploymentController extends Controller implements RolloutOps {
  private readonly dInf: Informer<Deployment>;
  private readonly rsInf: Informer<ReplicaSet>;
  private readonly podInf: Informer<Pod>;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: ControllerOptions = {},
  ) {
    super('deployment', client, 'deployment-controller', opts);
    this.dInf = factory.informerFor<Deployment>({ ...DEPLOYMENTS });
    this.rsInf = factory.informerFor<ReplicaSet>({ ...REPLICASETS, indexers: OWNER_UID_INDEXERS });
    this.podInf = factory.informerFor<Pod>({ ...PODS, indexers: { [POD_CONTROLLER_UID_INDEX]: podControllerUidIndexFunc } });
    this.dInf.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_o, d) => this.enqueue(d),
      onDelete: (d) => this.enqueue(d),
    });
    this.rsInf.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (o, n) => this.updateReplicaSet(o, n),
      onDelete: (rs) => this.deleteReplicaSet(rs),
    });
    this.podInf.addEventHandler({ onDelete: (p) => this.deletePod(p) });
  }

  // ---- event handlers ----

  private resolveControllerRef(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): Deployment | undefined {
    return resolveControllerRef(this.dInf, 'Deployment', namespace, ref);
  }

  /** Deployments whose selector matches an orphan ReplicaSet (an empty selector matches nothing here). */
  private deploymentsForReplicaSet(rs: ReplicaSet): Deployment[] {
    const out = ownersSelecting(this.dInf, NAMESPACE_INDEX, rs, (d) => safeSelector(d.spec?.selector));
    if (out.length > 1)
      this.log(
        `deployment: more than one deployment is selecting replica set ${rs.metadata.namespace}/${rs.metadata.name} with labels ${JSON.stringify(rs.metadata.labels ?? {})}`,
      );
    return out;
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) {
      this.deleteReplicaSet(rs);
      return;
    }
    const ref = controllerOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata.namespace, ref);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsForReplicaSet(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const u = controllerUpdate(old, cur, (ns, ref) => this.resolveControllerRef(ns, ref));
    if (u.previous) this.enqueue(u.previous);
    if (!u.orphan) {
      if (u.current) this.enqueue(u.current);
      return;
    }
    if (labelsChanged(old, cur) || u.refChanged) for (const d of this.deploymentsForReplicaSet(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(rs: ReplicaSet): void {
    const ref = controllerOf(rs);
    if (!ref) return;
    const d = this.resolveControllerRef(rs.metadata.namespace, ref);
    if (d) this.enqueue(d);
  }

  /** Recreate waits for old pods to be gone: the last one going wakes the deployment. */
  private deletePod(pod: Pod): void {
    const ref = controllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.rsInf.getByName(pod.metadata.namespace, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const dref = controllerOf(rs);
    const d = dref && this.resolveControllerRef(rs.metadata.namespace, dref);
    if (d?.spec?.strategy?.type !== 'Recreate') return;
    const owned = this.rsInf.byIndex(OWNER_UID_INDEX, d.metadata.uid!).filter((r) => controllerOf(r)?.uid === d.metadata.uid);
    let n = 0;
    for (const pods of this.podMap(d, owned).values()) n += pods.length;
    if (n === 0) this.enqueue(d);
  }

  // ---- sync ----

  async reconcile(key: string): Promise<Requeue> {
    const cached = this.dInf.get(key);
    if (!cached) return;
    const d = deepCopy(cached);
    const sel = d.spec.selector;
    if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) {
      this.recorder.event(
        this.ref(d),
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
        await this.updateDeploymentStatus(d);
      }
      return;
    }
    const rsList = await this.getReplicaSetsForDeployment(d);
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    await this.checkPausedConditions(d);
    if (d.spec.paused) return this.sync(d, rsList);
    if (await this.isScalingEvent(d, rsList)) return this.sync(d, rsList);
    // The pod map (getPodMapForDeployment) only Recreate reads: a pure read of the cache, made
    // only for it, since it walks every pod of the Deployment and syncs come with pod events.
    if (d.spec.strategy?.type === 'Recreate') return rolloutRecreate(this, d, rsList, this.podMap(d, rsList));
    if (isRollingUpdate(d)) return rolloutRolling(this, d, rsList);
    throw new Error(`unexpected deployment strategy type: ${d.spec.strategy?.type}`);
  }

  private ref(d: Deployment): KObject {
    return { ...d, apiVersion: 'apps/v1', kind: 'Deployment' };
  }

  /** ClaimReplicaSets: adopt orphans the selector matches, release owned ones it no longer does. */
  private async getReplicaSetsForDeployment(d: Deployment): Promise<ReplicaSet[]> {
    const selector = safeSelector(d.spec.selector);
    if (!selector) throw new Error(`deployment ${d.metadata.namespace}/${d.metadata.name} has invalid label selector`);
    const all = this.rsInf.byIndex(NAMESPACE_INDEX, d.metadata.namespace ?? '');
    return claimObjects(all, {
      client: this.client,
      resource: REPLICASETS,
      owner: d,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'Deployment',
      selector,
      ownerResource: DEPLOYMENTS,
    });
  }

  /** Pods by the uid of their ReplicaSet, inactive ones included (Recreate must see them go). */
  private podMap(d: Deployment, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const m = new Map<string, Pod[]>();
    for (const rs of rsList) m.set(rs.metadata.uid!, []);
    const sel = safeSelector(d.spec?.selector);
    if (!sel) return m;
    // Each ReplicaSet's own pods through the controller index, not every pod of the namespace.
    for (const [uid, pods] of m) {
      for (const p of this.podInf.byIndex(POD_CONTROLLER_UID_INDEX, uid)) {
        if (p.metadata.namespace === d.metadata.namespace && sel.matches(p.metadata.labels)) pods.push(p);
      }
    }
    return m;
  }

  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    // A reported lack of progress is not overwritten by a pause.
    if (cond?.reason === TimedOutReason) return;
    const pausedExists = cond?.reason === PausedDeployReason;
    d.status ??= {};
    if (d.spec.paused && !pausedExists)
      setCondition(d.status, newCondition('Progressing', 'Unknown', PausedDeployReason, 'Deployment is paused'));
    else if (!d.spec.paused && pausedExists)
      setCondition(d.status, newCondition('Progressing', 'Unknown', ResumedDeployReason, 'Deployment is resumed'));
    else return;
    await this.updateDeploymentStatus(d);
  }

  /** A change of replicas only (no new template): the desired-replicas annotation tells. */
  private async isScalingEvent(d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== replicasOf(d)) return true;
    }
    return false;
  }

  /** sync: scaling and, for a paused deployment, history clean-up; no rollout progress. */
  private async sync(d: Deployment, rsList: ReplicaSet[]): Promise<Requeue> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec.paused) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  private async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<Requeue> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  private async syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const status = calculateStatus(allRSs, newRS, d);
    if (statusEqual(d.status, status)) return;
    d.status = status;
    await this.updateDeploymentStatus(d);
  }

  async getAllReplicaSetsAndSyncRevision(
    d: Deployment,
    rsList: ReplicaSet[],
    createIfNotExisted: boolean,
  ): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const { all: oldRSs } = findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  /**
   * The ReplicaSet running the deployment's template: the existing one brought up to date
   * (revision, annotations, minReadySeconds), or, when asked, a new one.
   */
  private async getNewReplicaSet(
    d: Deployment,
    rsList: ReplicaSet[],
    oldRSs: ReplicaSet[],
    create: boolean,
  ): Promise<ReplicaSet | undefined> {
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);
    d.status ??= {};
    if (existing) {
      const rs = deepCopy(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rs, newRevision, true);
      const minReadyNeedsUpdate = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        return this.client.update<ReplicaSet>({ ...REPLICASETS, namespace: rs.metadata.namespace, name: rs.metadata.name }, rs);
      }
      let needsUpdate = this.setDeploymentRevision(d, rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        setCondition(d.status, newCondition('Progressing', 'True', FoundNewRSReason, `Found new replica set "${rs.metadata.name}"`));
        needsUpdate = true;
      }
      if (needsUpdate) await this.updateDeploymentStatus(d);
      return rs;
    }
    if (!create) return undefined;

    const template = deepCopy(d.spec.template ?? {});
    const hash = computeHash(template, d.status.collisionCount);
    template.metadata ??= {};
    template.metadata.labels = { ...(d.spec.template?.metadata?.labels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    const selector = deepCopy(d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    const newReplicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec.replicas = newReplicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);
    let createdRS: ReplicaSet;
    let alreadyExists = false;
    try {
      createdRS = await this.client.create<ReplicaSet>({ ...REPLICASETS, namespace: d.metadata.namespace }, newRS);
    } catch (e) {
      if (isAlreadyExists(e)) {
        alreadyExists = true;
        const rs =
          this.rsInf.getByName(d.metadata.namespace, newRS.metadata.name!) ??
          (await this.client.get<ReplicaSet>({ ...REPLICASETS, namespace: d.metadata.namespace, name: newRS.metadata.name }));
        const ref = controllerOf(rs);
        if (ref && ref.uid === d.metadata.uid && findNewReplicaSet(d, [rs])) {
          createdRS = rs;
        } else {
          // A hash collision: the next hash includes a bumped collisionCount.
          d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
          try {
            await this.updateDeploymentStatus(d);
            this.log(
              `deployment: found a hash collision for deployment ${d.metadata.namespace}/${d.metadata.name} - bumping collisionCount to ${d.status.collisionCount}`,
            );
          } catch {
            /* retried with the sync */
          }
          throw e;
        }
      } else {
        const msg = `Failed to create new replica set "${newRS.metadata.name}": ${errorMessage(e)}`;
        if (hasProgressDeadline(d)) {
          setCondition(d.status, newCondition('Progressing', 'False', FailedRSCreateReason, msg));
          await this.updateDeploymentStatus(d).catch(() => undefined);
        }
        this.recorder.event(this.ref(d), 'Warning', FailedRSCreateReason, msg);
        throw e;
      }
    }
    if (!alreadyExists && newReplicas > 0) {
      this.recorder.event(
        this.ref(d),
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${createdRS.metadata.name} from 0 to ${newReplicas}`,
      );
    }
    let needsUpdate = this.setDeploymentRevision(d, newRevision);
    if (!alreadyExists && hasProgressDeadline(d)) {
      setCondition(
        d.status,
        newCondition('Progressing', 'True', NewReplicaSetReason, `Created new replica set "${createdRS.metadata.name}"`),
      );
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateDeploymentStatus(d);
    return createdRS;
  }

  private setDeploymentRevision(d: Deployment, revision: string): boolean {
    const ann = (d.metadata.annotations ??= {});
    if (ann[REVISION_ANNOTATION] === revision) return false;
    ann[REVISION_ANNOTATION] = revision;
    return true;
  }

  /**
   * UpdateStatus. Kubernetes' deployments/status also takes metadata.annotations (the
   * controller records the revision that way); when this API server keeps the stored
   * annotations instead, the revision is patched onto the deployment itself.
   */
  async updateDeploymentStatus(d: Deployment): Promise<void> {
    const body = { ...d, status: normalizeStatus(d.status) };
    const ref = { ...DEPLOYMENTS, namespace: d.metadata.namespace, name: d.metadata.name };
    const updated = await this.client.update<Deployment>({ ...ref, subresource: 'status' }, body);
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
    const want = d.metadata.annotations?.[REVISION_ANNOTATION];
    if (want !== undefined && updated.metadata.annotations?.[REVISION_ANNOTATION] !== want) {
      // An update, as the deployment controller's role allows (no patch of deployments).
      const patched = await this.client.update<Deployment>(ref, {
        ...updated,
        metadata: { ...updated.metadata, annotations: { ...updated.metadata.annotations, [REVISION_ANNOTATION]: want } },
      });
      d.metadata.resourceVersion = patched.metadata.resourceVersion;
      d.metadata.generation = patched.metadata.generation;
    }
  }

  /** Proportional scaling of every active ReplicaSet when the deployment's replicas change. */
  private async scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const single = findActiveOrLatest(newRS, oldRSs);
    if (single) {
      if (replicasOf(single) === replicasOf(d)) return;
      await this.scaleReplicaSetAndRecordEvent(single, replicasOf(d), d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActiveReplicaSets(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allRSs = filterActiveReplicaSets([...oldRSs, newRS]);
    const allowedSize = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowedSize - replicaCount(allRSs);
    let operation = '';
    if (toAdd > 0) {
      allRSs.sort(bySizeNewer);
      operation = 'up';
    } else if (toAdd < 0) {
      allRSs.sort(bySizeOlder);
      operation = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of allRSs) {
      if (toAdd !== 0) {
        const p = replicaSetProportion(rs, d, toAdd, added);
        sizes.set(rs.metadata.name!, replicasOf(rs) + p);
        added += p;
      } else {
        sizes.set(rs.metadata.name!, replicasOf(rs));
      }
    }
    for (let i = 0; i < allRSs.length; i++) {
      const rs = allRSs[i];
      // The leftover of rounding goes to the largest ReplicaSet.
      if (i === 0 && toAdd !== 0) sizes.set(rs.metadata.name!, Math.max(0, sizes.get(rs.metadata.name!)! + toAdd - added));
      await this.scaleReplicaSet(rs, sizes.get(rs.metadata.name!)!, d, operation);
    }
  }

  async scaleReplicaSetAndRecordEvent(rs: ReplicaSet, newScale: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (replicasOf(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, d, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  private async scaleReplicaSet(
    rs: ReplicaSet,
    newScale: number,
    d: Deployment,
    operation: string,
  ): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const sizeNeedsUpdate = replicasOf(rs) !== newScale;
    const desired = replicasOf(d),
      max = replicasOf(d) + maxSurge(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const oldScale = replicasOf(rs);
    const copy = deepCopy(rs);
    copy.spec.replicas = newScale;
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.client.update<ReplicaSet>(
      { ...REPLICASETS, namespace: rs.metadata.namespace, name: rs.metadata.name },
      copy,
    );
    if (sizeNeedsUpdate) {
      this.recorder.event(
        this.ref(d),
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${operation} replica set ${updated.metadata.name} from ${oldScale} to ${newScale}`,
      );
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** Deletes the oldest ReplicaSets beyond revisionHistoryLimit that are fully scaled down. */
  async cleanupDeployment(oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => rs && !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - (d.spec.revisionHistoryLimit ?? 0);
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      // Never a ReplicaSet that still has pods, or whose scale-down is not yet observed.
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        replicasOf(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) ||
        rs.metadata.deletionTimestamp
      )
        continue;
      try {
        await this.client.delete({ ...REPLICASETS, namespace: rs.metadata.namespace, name: rs.metadata.name });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
}
