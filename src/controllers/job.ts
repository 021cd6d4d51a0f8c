// The Job controller, as kube-controller-manager's pkg/controller/job (v1.32, with its default
// feature gates: JobPodReplacementPolicy, JobManagedBy, JobSuccessPolicy, JobBackoffLimitPerIndex,
// PodIndexLabel). It runs pods until completions succeed, parallelism at a time; Indexed Jobs
// give each pod its completion index (annotation, label, JOB_COMPLETION_INDEX, hostname
// NAME-INDEX). Pods carry the batch.kubernetes.io/job-tracking finalizer until their end is
// counted: a finished pod's UID goes to status.uncountedTerminatedPods, its finalizer is removed,
// then the counters move. Failures count against backoffLimit (or backoffLimitPerIndex), replaced
// after Kubernetes' exponential back-off (10 s doubling to 6 min), unless the podFailurePolicy
// says Ignore, FailIndex or FailJob; activeDeadlineSeconds and suspend are honoured; the
// successPolicy can end an Indexed Job early. A Job ends in two steps, as v1.32 does: the interim
// SuccessCriteriaMet or FailureTarget condition while its pods go, then Complete or Failed.

import { isPodReady } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { deepCopy, type KObject, nowRFC3339, sameJSON } from '../api/object.js';
import { JOBS, type Job, type JobCondition, PODS, type Pod } from '../api/types.js';
import { Controller, type ControllerLoop, type ControllerOptions } from '../client/controller.js';
import { type Informer, NAMESPACE_INDEX, objectKey, type SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import {
  type BackoffRecord,
  COMPLETION_INDEX_ENV,
  completionIndexOf,
  findCondition,
  hasBackoffLimitPerIndex,
  hasJobTrackingFinalizer,
  indexAbsoluteFailureCount,
  indexFailureCount,
  indexIgnoredFailureCount,
  intervalsHas,
  intervalsString,
  intervalsTotal,
  isIndexedJob,
  isJobFinished,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  JOB_TRACKING_FINALIZER,
  matchPodFailurePolicy,
  matchSuccessPolicy,
  mergeIntervals,
  nextBackoffRecord,
  type OrderedIntervals,
  parseIndexes,
  podFinishedTime,
  podGenerateNameWithIndex,
  remainingBackoff,
  UNKNOWN_INDEX,
  withIndexes,
} from './job-util.js';
import {
  claimObjects,
  controllerOf,
  isNamespaceTerminating,
  isPodActive,
  newControllerRef,
  ownersSelecting,
  podsToDelete,
  resolveControllerRef,
  safeSelector,
} from './podutil.js';
import { ControllerExpectations } from './replicaset.js';

const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

/** Its clock (ControllerOptions.now) times back-off, deadlines and conditions. */
export interface JobControllerOptions extends ControllerOptions {
  /** syncJobBatchPeriod: pod events wait this long so that a burst makes one sync (1 s). */
  syncBatchMs?: number;
  /** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff (10 s, 10 min). */
  podFailureBackoffMs?: number;
  maxPodFailureBackoffMs?: number;
}

/** MaxUncountedPods and MaxPodCreateDeletePerSync. */
const MAX_UNCOUNTED_PODS = 500;
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

interface SyncCtx {
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  finishedCondition?: JobCondition;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: OrderedIntervals;
  succeededIndexes: OrderedIntervals;
  failedIndexes?: OrderedIntervals;
  newBackoffRecord: BackoffRecord;
  expectedRmFinalizers: Set<string>;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  podsWithDelayedDeletionPerIndex: Map<number, Pod>;
  terminating: number;
  ready: number;
}

const isPodTerminating = (p: Pod): boolean =>
  !!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** onlyReplaceFailedPods: podReplacementPolicy Failed (implied by a podFailurePolicy). */
const onlyReplaceFailedPods = (job: Job): boolean => job.spec.podReplacementPolicy === 'Failed' || !!job.spec.podFailurePolicy;

/** isPodFailed: phase Failed, or (when terminating pods are replaced) deleted before it succeeded. */
function isPodFailed(p: Pod, job: Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

export class JobController extends Controller {
  readonly orphanLoop: ControllerLoop;
  readonly expectations = new ControllerExpectations();
  /** Job key -> UIDs of pods whose finalizer removal is not yet seen in the informer. */
  private readonly finalizerExpectations = new Map<string, Set<string>>();
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly jobInf: Informer<Job>;
  private readonly podInf: Informer<Pod>;
  private readonly syncBatchMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: JobControllerOptions = {},
  ) {
    super('job', client, 'job-controller', opts);
    this.syncBatchMs = opts.syncBatchMs ?? 1000;
    this.backoffBaseMs = opts.podFailureBackoffMs ?? 10_000;
    this.backoffMaxMs = opts.maxPodFailureBackoffMs ?? 600_000;
    this.orphanLoop = this.addLoop('job-orphan-pod', (key) => this.syncOrphanPod(key));
    this.jobInf = factory.informerFor<Job>({ ...JOBS });
    this.podInf = factory.informerFor<Pod>({ ...PODS });
    this.jobInf.addEventHandler({
      onAdd: (j) => this.enqueue(j, 0),
      onUpdate: (old, cur) => this.updateJob(old, cur),
      onDelete: (j) => {
        this.enqueue(j, 0);
        this.cleanupPodFinalizers(j);
      },
    });
    this.podInf.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (o, n) => this.updatePod(o, n),
      onDelete: (p) => this.deletePod(p, true),
    });
  }

  private enqueueBatched(job: KObject): void {
    this.enqueue(job, this.syncBatchMs);
  }

  private jobRef(job: KObject): KObject {
    return { ...job, apiVersion: 'batch/v1', kind: 'Job' };
  }

  // ---- event handlers ----

  private resolve(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): Job | undefined {
    return resolveControllerRef(this.jobInf, 'Job', namespace, ref);
  }

  /** Jobs whose selector matches an orphan pod (it may be adopted). */
  private podJobs(pod: Pod): Job[] {
    return ownersSelecting(this.jobInf, NAMESPACE_INDEX, pod, (j) => safeSelector(j.spec?.selector));
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // Already being deleted when first seen (a controller restart): not a creation to observe.
      this.deletePod(pod, false);
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      const job = this.resolve(pod.metadata.namespace, ref);
      if (!job) return;
      this.expectations.creationObserved(objectKey(job));
      this.enqueueBatched(job);
      return;
    }
    if (hasJobTrackingFinalizer(pod)) this.orphanLoop.enqueue(objectKey(pod));
    for (const job of this.podJobs(pod)) this.enqueueBatched(job);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur, false);
      return;
    }
    const finalizerRemoved = !hasJobTrackingFinalizer(cur);
    const curRef = controllerOf(cur),
      oldRef = controllerOf(old);
    const refChanged = !sameJSON(curRef ?? null, oldRef ?? null);
    if (refChanged && oldRef) {
      const job = this.resolve(old.metadata.namespace, oldRef);
      if (job) {
        if (finalizerRemoved) this.finalizerRemovalObserved(objectKey(job), cur.metadata.uid ?? '');
        this.enqueueBatched(job);
      }
    }
    if (curRef) {
      const job = this.resolve(cur.metadata.namespace, curRef);
      if (!job) return;
      if (finalizerRemoved) this.finalizerRemovalObserved(objectKey(job), cur.metadata.uid ?? '');
      this.enqueueBatched(job);
      return;
    }
    if (hasJobTrackingFinalizer(cur)) this.orphanLoop.enqueue(objectKey(cur));
    const labelChanged = !sameJSON(cur.metadata.labels ?? {}, old.metadata.labels ?? {});
    if (labelChanged || refChanged) for (const job of this.podJobs(cur)) this.enqueueBatched(job);
  }

  private deletePod(pod: Pod, final: boolean): void {
    const ref = controllerOf(pod);
    const hasFinalizer = hasJobTrackingFinalizer(pod);
    if (!ref) {
      // The garbage collector may have taken the reference of a Job's pod away: clean its finalizer.
      if (hasFinalizer) this.orphanLoop.enqueue(objectKey(pod));
      return;
    }
    const job = this.resolve(pod.metadata.namespace, ref);
    if (!job || isJobFinished(job)) {
      if (hasFinalizer) this.orphanLoop.enqueue(objectKey(pod));
      return;
    }
    const key = objectKey(job);
    this.expectations.deletionObserved(key, objectKey(pod));
    if (final || !hasFinalizer) this.finalizerRemovalObserved(key, pod.metadata.uid ?? '');
    this.enqueueBatched(job);
  }

  private updateJob(old: Job, cur: Job): void {
    if (cur.metadata.uid !== old.metadata.uid) this.expectations.delete(objectKey(old));
    // A spec change syncs at once; status updates (mostly from pod events) are batched.
    if ((cur.metadata.generation ?? 0) === (old.metadata.generation ?? 0)) this.enqueueBatched(cur);
    else this.enqueue(cur, 0);
    // Backup: a finished Job's pods must not keep their finalizers.
    if (isJobFinished(cur)) this.cleanupPodFinalizers(cur);
    const start = cur.status?.startTime;
    const ads = cur.spec?.activeDeadlineSeconds;
    if (start && typeof ads === 'number' && ads !== old.spec?.activeDeadlineSeconds) {
      const remaining = ads * 1000 - (this.now() - Date.parse(start));
      this.enqueue(cur, Math.max(0, remaining));
    }
  }

  private cleanupPodFinalizers(job: Job): void {
    const sel = safeSelector(job.spec?.selector);
    if (!sel) return;
    for (const pod of this.podInf.byIndex(NAMESPACE_INDEX, job.metadata.namespace ?? '')) {
      if (!sel.matches(pod.metadata.labels)) continue;
      if (controllerOf(pod)?.uid === job.metadata.uid && hasJobTrackingFinalizer(pod)) this.orphanLoop.enqueue(objectKey(pod));
    }
  }

  // ---- finalizer expectations (uidTrackingExpectations) ----

  private expectFinalizersRemoved(key: string, uids: string[]): void {
    let set = this.finalizerExpectations.get(key);
    if (!set) this.finalizerExpectations.set(key, (set = new Set()));
    for (const u of uids) set.add(u);
  }

  private finalizerRemovalObserved(key: string, uid: string): void {
    this.finalizerExpectations.get(key)?.delete(uid);
  }

  // ---- orphan pods ----

  /** syncOrphanPod: a pod with the tracking finalizer that no unfinished Job owns loses the finalizer. */
  private async syncOrphanPod(key: string): Promise<void> {
    const pod = this.podInf.get(key);
    if (!pod) return;
    const ref = controllerOf(pod);
    if (ref) {
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = this.resolve(pod.metadata.namespace, ref);
      if (job && managedByOther(job)) return;
      if (job && !isJobFinished(job)) return;
    }
    await this.removeTrackingFinalizer(pod).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  }

  private removeTrackingFinalizer(pod: Pod): Promise<unknown> {
    if (!hasJobTrackingFinalizer(pod)) return Promise.resolve();
    return this.client.patch(
      { ...PODS, namespace: pod.metadata.namespace, name: pod.metadata.name },
      { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } },
      'strategic',
    );
  }

  // ---- the sync ----

  private async getPodsForJob(job: Job): Promise<Pod[]> {
    const selector = selectorFromLabelSelector(job.spec.selector);
    const pods = this.podInf.byIndex(NAMESPACE_INDEX, job.metadata.namespace ?? '');
    const claimed = await claimObjects(pods, {
      client: this.client,
      resource: PODS,
      owner: job,
      ownerResource: JOBS,
      ownerApiVersion: 'batch/v1',
      ownerKind: 'Job',
      selector,
      finalizers: [JOB_TRACKING_FINALIZER],
    });
    return claimed;
  }

  async reconcile(key: string): Promise<number | void> {
    const shared = this.jobInf.get(key);
    if (!shared) {
      this.expectations.delete(key);
      this.finalizerExpectations.delete(key);
      this.backoff.delete(key);
      return;
    }
    if (managedByOther(shared)) return;
    const job = deepCopy(shared) as Job;
    job.spec ??= { template: {} };
    job.status ??= {};
    if (isJobFinished(job)) {
      this.backoff.delete(key);
      return;
    }
    const mode = job.spec.completionMode;
    if (mode !== undefined && mode !== null && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.recorder.event(this.jobRef(job), 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    job.status.uncountedTerminatedPods ??= {};
    // Expectations first: a pod created after this check is seen by the next sync.
    const satisfied = this.expectations.satisfied(key);
    const pods = await this.getPodsForJob(job);
    const activePods = pods.filter(isPodActive);
    const uncounted = job.status.uncountedTerminatedPods;
    const ctx: SyncCtx = {
      job,
      pods,
      activePods,
      ready: activePods.filter(isPodReady).length,
      uncounted: { succeeded: new Set(uncounted.succeeded ?? []), failed: new Set(uncounted.failed ?? []) },
      expectedRmFinalizers: new Set(this.finalizerExpectations.get(key) ?? []),
      terminating: pods.filter(isPodTerminating).length,
      succeeded: 0,
      failed: 0,
      prevSucceededIndexes: [],
      succeededIndexes: [],
      newBackoffRecord: { failuresAfterLastSuccess: 0 },
      podsWithDelayedDeletionPerIndex: new Map(),
    };
    let active = activePods.length;
    const newSucceeded = this.validPods(ctx, ctx.uncounted.succeeded, (p) => p.status?.phase === 'Succeeded');
    const newFailed = this.validPods(ctx, ctx.uncounted.failed, (p) => isPodFailed(p, job));
    ctx.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + ctx.uncounted.succeeded.size;
    const nonIgnoredFailed = job.spec.podFailurePolicy
      ? newFailed.filter((p) => matchPodFailurePolicy(job.spec.podFailurePolicy, p).countFailed).length
      : newFailed.length;
    ctx.failed = (job.status.failed ?? 0) + nonIgnoredFailed + ctx.uncounted.failed.size;

    // First start: startTime, unless the Job is created suspended.
    if (!job.status.startTime && job.spec.suspend !== true) job.status.startTime = nowRFC3339(new Date(this.now()));

    ctx.newBackoffRecord = nextBackoffRecord(this.backoff.get(key), newSucceeded, newFailed);
    let requeueAfter: number | undefined;
    const exceedsBackoffLimit = ctx.failed > (job.spec.backoffLimit ?? 6);
    const scm = findCondition(job.status.conditions, 'SuccessCriteriaMet');
    if (scm?.status === 'True') ctx.finishedCondition = scm;
    if (!ctx.finishedCondition) {
      const ft = findCondition(job.status.conditions, 'FailureTarget');
      if (ft?.status === 'True') ctx.finishedCondition = this.newCondition('Failed', 'True', ft.reason ?? '', ft.message ?? '');
      else {
        const msg = failJobMessage(job, pods);
        if (msg) ctx.finishedCondition = this.newCondition('FailureTarget', 'True', 'PodFailurePolicy', msg);
      }
    }
    if (!ctx.finishedCondition) {
      if (exceedsBackoffLimit || pastBackoffLimitOnFailure(job, pods)) {
        ctx.finishedCondition = this.newCondition(
          'FailureTarget',
          'True',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
        );
      } else if (this.pastActiveDeadline(job)) {
        ctx.finishedCondition = this.newCondition(
          'FailureTarget',
          'True',
          'DeadlineExceeded',
          'Job was active longer than specified deadline',
        );
      } else if (typeof job.spec.activeDeadlineSeconds === 'number' && job.spec.suspend !== true && job.status.startTime) {
        requeueAfter = Math.max(0, job.spec.activeDeadlineSeconds * 1000 - (this.now() - Date.parse(job.status.startTime)));
      }
    }
    if (isIndexedJob(job)) {
      const completions = job.spec.completions ?? 0;
      ctx.prevSucceededIndexes = parseIndexes(job.status.completedIndexes, completions);
      const fresh = new Set<number>();
      for (const p of pods) {
        const ix = completionIndexOf(p);
        if (p.status?.phase === 'Succeeded' && ix !== UNKNOWN_INDEX && ix < completions && hasJobTrackingFinalizer(p)) fresh.add(ix);
      }
      ctx.succeededIndexes = withIndexes(
        ctx.prevSucceededIndexes,
        [...fresh].sort((a, b) => a - b),
      );
      ctx.succeeded = intervalsTotal(ctx.succeededIndexes);
      if (hasBackoffLimitPerIndex(job)) {
        ctx.failedIndexes = this.calculateFailedIndexes(job, pods);
        if (!ctx.finishedCondition) {
          const failedTotal = intervalsTotal(ctx.failedIndexes);
          if (typeof job.spec.maxFailedIndexes === 'number' && failedTotal > job.spec.maxFailedIndexes) {
            ctx.finishedCondition = this.newCondition(
              'FailureTarget',
              'True',
              'MaxFailedIndexesExceeded',
              'Job has exceeded the specified maximal number of failed indexes',
            );
          } else if (failedTotal > 0 && failedTotal + intervalsTotal(ctx.succeededIndexes) >= completions) {
            ctx.finishedCondition = this.newCondition('FailureTarget', 'True', 'FailedIndexes', 'Job has failed indexes');
          }
        }
        ctx.podsWithDelayedDeletionPerIndex = this.podsWithDelayedDeletionPerIndex(ctx);
      }
      if (!ctx.finishedCondition) {
        const msg = matchSuccessPolicy(job.spec.successPolicy, completions, ctx.succeededIndexes);
        if (msg) ctx.finishedCondition = this.newCondition('SuccessCriteriaMet', 'True', 'SuccessPolicy', msg);
      }
    }

    let suspendCondChanged = false;
    let manageErr: unknown;
    if (ctx.finishedCondition) {
      const { deletedReady, deleted, error } = await this.deleteActivePods(job, ctx.activePods);
      // Not finished yet while pods remain or may still appear in the informer.
      if (deleted !== active || !satisfied) ctx.finishedCondition = undefined;
      active -= deleted;
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      manageErr = error;
    } else {
      let manageCalled = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        try {
          const r = await this.manageJob(job, ctx);
          active = r.active;
          if (r.requeueAfter !== undefined)
            requeueAfter = requeueAfter === undefined ? r.requeueAfter : Math.min(requeueAfter, r.requeueAfter);
          manageErr = r.error;
        } catch (e) {
          manageErr = e;
        }
        manageCalled = true;
      }
      const complete =
        typeof job.spec.completions === 'number'
          ? ctx.succeeded >= job.spec.completions && active === 0
          : ctx.succeeded > 0 && active === 0;
      if (complete) {
        ctx.finishedCondition = this.newCondition(
          'SuccessCriteriaMet',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
        );
      } else if (manageCalled) {
        if (job.spec.suspend === true) {
          if (this.ensureCondition(job, 'Suspended', 'True', 'JobSuspended', 'Job suspended')) {
            suspendCondChanged = true;
            this.recorder.event(this.jobRef(job), 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (this.ensureCondition(job, 'Suspended', 'False', 'JobResumed', 'Job resumed')) {
          suspendCondChanged = true;
          this.recorder.event(this.jobRef(job), 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts the time a Job is continuously active: it starts again.
          job.status.startTime = nowRFC3339(new Date(this.now()));
        }
      }
    }

    const needsStatusUpdate =
      suspendCondChanged ||
      active !== (job.status.active ?? 0) ||
      ctx.ready !== job.status.ready ||
      ctx.terminating !== job.status.terminating;
    job.status.active = active;
    job.status.ready = ctx.ready;
    job.status.terminating = ctx.terminating;
    try {
      await this.trackJobStatusAndRemoveFinalizers(key, ctx, needsStatusUpdate);
    } catch (e) {
      throw new Error(`tracking status: ${errorMessage(e)}`);
    }
    if (manageErr) throw manageErr;
    return requeueAfter;
  }

  /** getValidPodsWithFilter: pods not yet counted (they hold the finalizer) with a valid index. */
  private validPods(ctx: SyncCtx, uncounted: Set<string> | undefined, filter: (p: Pod) => boolean): Pod[] {
    const out: Pod[] = [];
    const indexed = isIndexedJob(ctx.job);
    const completions = ctx.job.spec.completions ?? 0;
    for (const p of ctx.pods) {
      const uid = p.metadata.uid ?? '';
      if (!hasJobTrackingFinalizer(p) || uncounted?.has(uid) || ctx.expectedRmFinalizers.has(uid)) continue;
      if (indexed) {
        const ix = completionIndexOf(p);
        if (ix === UNKNOWN_INDEX || ix >= completions) continue;
      }
      if (filter(p)) out.push(p);
    }
    return out;
  }

  private isIndexFailed(job: Job, pod: Pod): boolean {
    let counted = false;
    if (isPodFailed(pod, job)) {
      if (job.spec.podFailurePolicy) {
        const m = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
        if (m.action === 'FailIndex') return true;
        counted = m.countFailed;
      } else counted = true;
    }
    return counted && indexFailureCount(pod) >= (job.spec.backoffLimitPerIndex ?? 0);
  }

  private calculateFailedIndexes(job: Job, pods: Pod[]): OrderedIntervals {
    const completions = job.spec.completions ?? 0;
    const prev = typeof job.status?.failedIndexes === 'string' ? parseIndexes(job.status.failedIndexes, completions) : [];
    const fresh = new Set<number>();
    for (const p of pods) {
      const ix = completionIndexOf(p);
      if (ix !== UNKNOWN_INDEX && ix < completions && hasJobTrackingFinalizer(p) && this.isIndexFailed(job, p)) fresh.add(ix);
    }
    return withIndexes(
      prev,
      [...fresh].sort((a, b) => a - b),
    );
  }

  /** getPodsWithDelayedDeletionPerIndex: per index, the failed pod kept until its replacement carries the failure count. */
  private podsWithDelayedDeletionPerIndex(ctx: SyncCtx): Map<number, Pod> {
    const activeIndexes = new Set(ctx.activePods.map(completionIndexOf).filter((i) => i !== UNKNOWN_INDEX));
    const out = new Map<number, Pod>();
    const completions = ctx.job.spec.completions ?? 0;
    this.validPods(ctx, undefined, (p) => {
      if (!isPodFailed(p, ctx.job)) return false;
      const ix = completionIndexOf(p);
      if (ix === UNKNOWN_INDEX || ix >= completions) return false;
      if (intervalsHas(ctx.succeededIndexes, ix) || intervalsHas(ctx.failedIndexes ?? [], ix) || activeIndexes.has(ix)) return false;
      const last = out.get(ix);
      if (!last || (indexAbsoluteFailureCount(last) <= indexAbsoluteFailureCount(p) && podFinishedTime(p) >= podFinishedTime(last)))
        out.set(ix, p);
      return false;
    });
    return out;
  }

  private newCondition(type: string, status: string, reason: string, message: string): JobCondition {
    const t = nowRFC3339(new Date(this.now()));
    const c: JobCondition = { type, status, lastProbeTime: t, lastTransitionTime: t };
    if (reason) c.reason = reason;
    if (message) c.message = message;
    return c;
  }

  /** ensureJobConditionStatus: sets the condition, or adds it unless it would be added as False. */
  private ensureCondition(job: Job, type: string, status: string, reason: string, message: string): boolean {
    const list = (job.status!.conditions ??= []);
    const i = list.findIndex((c) => c.type === type);
    if (i >= 0) {
      const c = list[i];
      if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return false;
      list[i] = this.newCondition(type, status, reason, message);
      return true;
    }
    if (status === 'False') return false;
    list.push(this.newCondition(type, status, reason, message));
    return true;
  }

  private pastActiveDeadline(job: Job): boolean {
    const ads = job.spec.activeDeadlineSeconds;
    if (typeof ads !== 'number' || !job.status?.startTime || job.spec.suspend === true) return false;
    return this.now() - Date.parse(job.status.startTime) >= ads * 1000;
  }

  /** deleteActivePods: the Job is done; its active pods go (keeping the finalizer, removed once counted). */
  private async deleteActivePods(job: Job, pods: Pod[]): Promise<{ deletedReady: number; deleted: number; error?: unknown }> {
    let deleted = pods.length,
      deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.deletePodOf(job, p);
        } catch (e) {
          if (!isNotFound(e)) {
            deleted--;
            error = e;
          }
        }
        if (isPodReady(p)) deletedReady++;
      }),
    );
    return { deletedReady, deleted, error };
  }

  /** deleteJobPods: surplus or suspended pods go, their finalizer first (they are not counted as failures). */
  private async deleteJobPods(job: Job, key: string, pods: Pod[]): Promise<{ deletedReady: number; deleted: number; error?: unknown }> {
    let deleted = pods.length,
      deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (p) => {
        const fail = (e: unknown) => {
          // The informer will not see this deletion.
          this.expectations.deletionObserved(key, objectKey(p));
          if (!isNotFound(e)) {
            deleted--;
            error = e;
          }
        };
        try {
          await this.removeTrackingFinalizer(p);
        } catch (e) {
          fail(new Error(`removing completion finalizer: ${errorMessage(e)}`));
          return;
        }
        try {
          await this.deletePodOf(job, p);
        } catch (e) {
          fail(e);
        }
        if (isPodReady(p)) deletedReady++;
      }),
    );
    return { deletedReady, deleted, error };
  }

  private async deletePodOf(job: Job, pod: Pod): Promise<void> {
    try {
      await this.client.delete({ ...PODS, namespace: job.metadata.namespace, name: pod.metadata.name });
    } catch (e) {
      if (isNotFound(e)) throw e;
      this.recorder.event(this.jobRef(job), 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(e)}`);
      throw new Error(`unable to delete pods: ${errorMessage(e)}`);
    }
    this.recorder.event(this.jobRef(job), 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }

  /** Deletes active pods (expecting their deletions), which then count as terminating and no longer ready. */
  private async removeActivePods(job: Job, key: string, ctx: SyncCtx, victims: Pod[]): Promise<{ deleted: number; error?: unknown }> {
    this.expectations.expectDeletions(
      key,
      victims.map((p) => objectKey(p)),
    );
    const r = await this.deleteJobPods(job, key, victims);
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    return r;
  }

  /** manageJob: as many active pods as parallelism and the remaining completions want, after the back-off. */
  private async manageJob(job: Job, ctx: SyncCtx): Promise<{ active: number; requeueAfter?: number; error?: unknown }> {
    const key = objectKey(job);
    let active = ctx.activePods.length;
    const parallelism = job.spec.parallelism ?? 1;
    if (job.spec.suspend === true) {
      const r = await this.removeActivePods(job, key, ctx, activePodsForRemoval(job, ctx.activePods, active));
      return { active: active - r.deleted, error: r.error };
    }
    let wantActive: number;
    if (typeof job.spec.completions !== 'number') {
      // Without completions, once one pod succeeded the rest are left to finish.
      wantActive = ctx.succeeded > 0 ? active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(job.spec.completions - ctx.succeeded, parallelism));
    }
    const rmAtLeast = Math.max(0, active - wantActive);
    let victims = activePodsForRemoval(job, ctx.activePods, rmAtLeast);
    if (victims.length > MAX_POD_CREATE_DELETE_PER_SYNC) victims = victims.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (victims.length > 0) {
      const r = await this.removeActivePods(job, key, ctx, victims);
      // Deletions and creations never happen in the same sync; deletions first.
      return { active: active - r.deleted, error: r.error };
    }
    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return { active };
    if (!hasBackoffLimitPerIndex(job)) {
      const remaining = remainingBackoff(
        this.now(),
        this.backoffBaseMs,
        this.backoffMaxMs,
        ctx.newBackoffRecord.failuresAfterLastSuccess,
        ctx.newBackoffRecord.lastFailureTime,
      );
      if (remaining > 0) return { active: 0, requeueAfter: Math.max(remaining, this.syncBatchMs) };
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (isIndexedJob(job)) {
      indexes = firstPendingIndexes(ctx, diff, job.spec.completions ?? 0);
      if (hasBackoffLimitPerIndex(job)) {
        const now: number[] = [];
        let minRemaining: number | undefined;
        for (const ix of indexes) {
          const last = ctx.podsWithDelayedDeletionPerIndex.get(ix);
          const remaining = last
            ? remainingBackoff(
                this.now(),
                this.backoffBaseMs,
                this.backoffMaxMs,
                indexAbsoluteFailureCount(last) + 1,
                podFinishedTime(last),
              )
            : 0;
          if (remaining === 0) now.push(ix);
          else if (minRemaining === undefined || remaining < minRemaining) minRemaining = remaining;
        }
        if (now.length === 0 && minRemaining !== undefined) return { active: 0, requeueAfter: Math.max(minRemaining, this.syncBatchMs) };
        indexes = now;
      }
      diff = indexes.length;
    }
    if (diff <= 0) return { active };
    this.expectations.expectCreations(key, diff);
    const template = deepCopy(job.spec.template ?? {});
    if (isIndexedJob(job)) addCompletionIndexEnv(template);
    template.metadata ??= {};
    const fins = template.metadata.finalizers ?? [];
    if (!fins.includes(JOB_TRACKING_FINALIZER)) template.metadata.finalizers = [...fins, JOB_TRACKING_FINALIZER];
    active += diff;
    let error: unknown;
    // Slow start: batches of 1, 2, 4, ...; a batch with a failure stops the rest.
    let remaining = diff;
    for (let batch = Math.min(remaining, 1); remaining > 0; batch = Math.min(2 * batch, remaining)) {
      const results = await Promise.all(
        Array.from({ length: batch }, () => {
          const ix = indexes.length ? indexes.shift()! : UNKNOWN_INDEX;
          return this.createPod(job, template, ix, ctx).then(
            () => true,
            (e) => {
              this.expectations.creationObserved(key);
              active--;
              error ??= e;
              return false;
            },
          );
        }),
      );
      remaining -= batch;
      if (results.some((ok) => !ok) && remaining > 0) {
        active -= remaining;
        for (let i = 0; i < remaining; i++) this.expectations.creationObserved(key);
        break;
      }
    }
    return { active, error };
  }

  /** RealPodControl.CreatePodsWithGenerateName, with an index's annotation, label, hostname and failure count. */
  private async createPod(job: Job, base: NonNullable<Job['spec']['template']>, ix: number, ctx: SyncCtx): Promise<void> {
    const t = ix === UNKNOWN_INDEX ? base : deepCopy(base);
    let generateName = `${job.metadata.name}-`;
    t.metadata ??= {};
    if (ix !== UNKNOWN_INDEX) {
      t.metadata.annotations = { ...(t.metadata.annotations ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(ix) };
      t.metadata.labels = { ...(t.metadata.labels ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(ix) };
      t.spec = { ...(t.spec ?? { containers: [] }), hostname: `${job.metadata.name}-${ix}` };
      generateName = podGenerateNameWithIndex(job.metadata.name ?? '', ix);
      if (hasBackoffLimitPerIndex(job)) {
        const replaced = ctx.podsWithDelayedDeletionPerIndex.get(ix);
        let failures = 0,
          ignored = 0;
        if (replaced) {
          failures = indexFailureCount(replaced);
          ignored = indexIgnoredFailureCount(replaced);
          if (job.spec.podFailurePolicy && !matchPodFailurePolicy(job.spec.podFailurePolicy, replaced).countFailed) ignored++;
          else failures++;
        }
        t.metadata.annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(failures);
        if (ignored > 0) t.metadata.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ignored);
      }
    }
    const labels = { ...(t.metadata.labels ?? {}) };
    if (Object.keys(labels).length === 0) throw new Error('unable to create pods, no labels');
    const metadata: Record<string, unknown> = { generateName, namespace: job.metadata.namespace, labels };
    if (t.metadata.annotations) metadata.annotations = { ...t.metadata.annotations };
    if (t.metadata.finalizers?.length) metadata.finalizers = [...t.metadata.finalizers];
    metadata.ownerReferences = [newControllerRef(job, 'batch/v1', 'Job')];
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec: deepCopy(t.spec ?? {}) };
    try {
      const created = await this.client.create<Pod>({ ...PODS, namespace: job.metadata.namespace }, pod);
      this.recorder.event(this.jobRef(job), 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (e) {
      // A terminating namespace takes the Job with it: nothing to retry.
      if (isNamespaceTerminating(e)) return;
      this.recorder.event(this.jobRef(job), 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`);
      throw e;
    }
  }

  // ---- status and finalizers ----

  /**
   * trackJobStatusAndRemoveFinalizers: finished pods go to uncountedTerminatedPods (flushed),
   * their finalizers are removed, then the counters move; the terminal condition comes last,
   * once nothing is uncounted and no pod is terminating.
   */
  private async trackJobStatusAndRemoveFinalizers(key: string, ctx: SyncCtx, needsFlushIn: boolean): Promise<void> {
    let needsFlush = needsFlushIn;
    const job = ctx.job;
    const indexed = isIndexedJob(job);
    const completions = job.spec.completions ?? 0;
    if (indexed) ctx.pods.sort((a, b) => completionIndexOf(a) - completionIndexOf(b));
    const uidsWithFinalizer = new Set<string>();
    for (const p of ctx.pods) {
      const uid = p.metadata.uid ?? '';
      if (hasJobTrackingFinalizer(p) && !ctx.expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
    }
    const uncounted = job.status!.uncountedTerminatedPods!;
    uncounted.succeeded ??= [];
    uncounted.failed ??= [];
    if (cleanUncountedPodsWithoutFinalizers(job, uidsWithFinalizer)) needsFlush = true;
    const toRemove: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    for (const pod of ctx.pods) {
      const uid = pod.metadata.uid ?? '';
      if (!hasJobTrackingFinalizer(pod) || ctx.expectedRmFinalizers.has(uid)) continue;
      const failed = isPodFailed(pod, job);
      if (!this.canRemoveFinalizer(ctx, pod, failed)) continue;
      toRemove.push(pod);
      if (pod.status?.phase === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
        if (indexed) {
          const ix = completionIndexOf(pod);
          if (ix !== UNKNOWN_INDEX && ix < completions && !intervalsHas(ctx.prevSucceededIndexes, ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!ctx.uncounted.succeeded.has(uid)) {
          needsFlush = true;
          uncounted.succeeded.push(uid);
        }
      } else if (failed || (ctx.finishedCondition && ctx.finishedCondition.type !== 'SuccessCriteriaMet')) {
        // A finished Job counts every pod that did not succeed as failed.
        const ix = completionIndexOf(pod);
        if (!ctx.uncounted.failed.has(uid) && (!indexed || (ix !== UNKNOWN_INDEX && ix < completions))) {
          if (!job.spec.podFailurePolicy || matchPodFailurePolicy(job.spec.podFailurePolicy, pod).countFailed) {
            needsFlush = true;
            uncounted.failed.push(uid);
          }
        }
      }
      if (newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
        // Keeps the status small and lets other Jobs have their turn; the updates bring this one back.
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      ctx.succeededIndexes = withIndexes(
        ctx.succeededIndexes,
        [...new Set(newSucceededIndexes)].sort((a, b) => a - b),
      );
      const s = intervalsString(ctx.succeededIndexes);
      if (s !== (job.status!.completedIndexes ?? '')) needsFlush = true;
      job.status!.succeeded = intervalsTotal(ctx.succeededIndexes);
      job.status!.completedIndexes = s;
      const failedStr = ctx.failedIndexes ? intervalsString(ctx.failedIndexes) : undefined;
      if (failedStr !== job.status!.failedIndexes) {
        if (failedStr === undefined) delete job.status!.failedIndexes;
        else job.status!.failedIndexes = failedStr;
        needsFlush = true;
      }
    }
    if (ctx.finishedCondition?.type === 'FailureTarget') {
      // The interim FailureTarget goes out before the finalizers (and so the pods) go.
      (job.status!.conditions ??= []).push(ctx.finishedCondition);
      needsFlush = true;
      ctx.finishedCondition = this.newCondition('Failed', 'True', ctx.finishedCondition.reason ?? '', ctx.finishedCondition.message ?? '');
    }
    if (ctx.finishedCondition?.type === 'SuccessCriteriaMet' && ctx.finishedCondition.status === 'True') {
      if (findCondition(job.status!.conditions, 'SuccessCriteriaMet')?.status !== 'True') {
        (job.status!.conditions ??= []).push(ctx.finishedCondition);
        needsFlush = true;
      }
      ctx.finishedCondition = this.newCondition(
        'Complete',
        'True',
        ctx.finishedCondition.reason ?? '',
        ctx.finishedCondition.message ?? '',
      );
    }
    needsFlush = await this.flushUncountedAndRemoveFinalizers(key, ctx, toRemove, uidsWithFinalizer, needsFlush);
    const finished = !reachedMax && this.enactJobFinished(ctx);
    if (finished) needsFlush = true;
    if (needsFlush) {
      ctx.job = await this.updateStatus(ctx.job);
      if (finished) this.recordJobFinished(ctx.job, ctx.finishedCondition!);
    }
  }

  /** canRemoveFinalizer: the Job is going or done, the pod succeeded, or it failed (unless its index waits for a replacement). */
  private canRemoveFinalizer(ctx: SyncCtx, pod: Pod, failed: boolean): boolean {
    if (ctx.job.metadata.deletionTimestamp || ctx.finishedCondition || pod.status?.phase === 'Succeeded') return true;
    if (!failed) return false;
    if (hasBackoffLimitPerIndex(ctx.job)) {
      const ix = completionIndexOf(pod);
      if (ix !== UNKNOWN_INDEX && ctx.podsWithDelayedDeletionPerIndex.get(ix)?.metadata.uid === pod.metadata.uid) return false;
    }
    return true;
  }

  private async flushUncountedAndRemoveFinalizers(
    key: string,
    ctx: SyncCtx,
    toRemove: Pod[],
    uidsWithFinalizer: Set<string>,
    needsFlushIn: boolean,
  ): Promise<boolean> {
    let needsFlush = needsFlushIn;
    if (needsFlush) {
      ctx.job = await this.updateStatus(ctx.job).catch((e) => {
        throw new Error(`adding uncounted pods to status: ${errorMessage(e)}`);
      });
      this.backoff.set(key, ctx.newBackoffRecord);
      needsFlush = false;
    }
    let rmErr: unknown;
    if (toRemove.length > 0) {
      this.expectFinalizersRemoved(
        key,
        toRemove.map((p) => p.metadata.uid ?? ''),
      );
      await Promise.all(
        toRemove.map(async (pod) => {
          try {
            await this.removeTrackingFinalizer(pod);
            uidsWithFinalizer.delete(pod.metadata.uid ?? '');
          } catch (e) {
            // No update will show this removal: stop expecting it.
            this.finalizerRemovalObserved(key, pod.metadata.uid ?? '');
            if (isNotFound(e)) uidsWithFinalizer.delete(pod.metadata.uid ?? '');
            else rmErr ??= e;
          }
        }),
      );
    }
    if (cleanUncountedPodsWithoutFinalizers(ctx.job, uidsWithFinalizer)) needsFlush = true;
    if (rmErr && needsFlush) {
      ctx.job = await this.updateStatus(ctx.job).catch((e) => {
        throw new Error(`removing uncounted pods from status: ${errorMessage(e)}`);
      });
    }
    if (rmErr) throw rmErr;
    return needsFlush;
  }

  /** enactJobFinished: Complete or Failed, once nothing is uncounted and no pod is terminating. */
  private enactJobFinished(ctx: SyncCtx): boolean {
    const cond = ctx.finishedCondition;
    if (!cond) return false;
    const job = ctx.job;
    const u = job.status?.uncountedTerminatedPods;
    if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false;
    if (ctx.terminating > 0) return false;
    this.ensureCondition(job, cond.type, cond.status, cond.reason ?? '', cond.message ?? '');
    if (cond.type === 'Complete') job.status!.completionTime = findCondition(job.status!.conditions, 'Complete')!.lastTransitionTime;
    return true;
  }

  private recordJobFinished(job: Job, cond: JobCondition): void {
    if (cond.type === 'Complete') {
      if (typeof job.spec.completions === 'number' && (job.status?.succeeded ?? 0) > job.spec.completions) {
        this.recorder.event(
          this.jobRef(job),
          'Warning',
          'TooManySucceededPods',
          'Too many succeeded pods running after completion count reached',
        );
      }
      this.recorder.event(this.jobRef(job), 'Normal', 'Completed', 'Job completed');
    } else {
      this.recorder.event(this.jobRef(job), 'Warning', cond.reason ?? '', cond.message ?? '');
    }
  }

  private async updateStatus(job: Job): Promise<Job> {
    const body = deepCopy(job);
    body.status = omitEmptyStatus(body.status ?? {});
    const updated = await this.client.update<Job>(
      { ...JOBS, namespace: job.metadata.namespace, name: job.metadata.name, subresource: 'status' },
      body,
    );
    updated.spec ??= { template: {} };
    updated.status ??= {};
    updated.status.uncountedTerminatedPods ??= {};
    return updated;
  }
}

function managedByOther(job: Job): boolean {
  const m = job.spec?.managedBy;
  return typeof m === 'string' && m !== JOB_CONTROLLER_NAME;
}

/** getFailJobMessage: a failed pod that matches a FailJob rule fails the Job. */
function failJobMessage(job: Job, pods: Pod[]): string | undefined {
  if (!job.spec.podFailurePolicy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p).failJobMessage;
    if (m) return m;
  }
  return undefined;
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, the container restarts count against the limit. */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if ((job.spec.template?.spec as { restartPolicy?: string } | undefined)?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const s of p.status?.initContainerStatuses ?? []) restarts += s.restartCount ?? 0;
    for (const s of p.status?.containerStatuses ?? []) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** cleanUncountedPodsWithoutFinalizers: UIDs whose finalizer is gone move into the counters. */
function cleanUncountedPodsWithoutFinalizers(job: Job, uidsWithFinalizer: Set<string>): boolean {
  const st = job.status!;
  const u = (st.uncountedTerminatedPods ??= {});
  let changed = false;
  const keepS = (u.succeeded ?? []).filter((x) => uidsWithFinalizer.has(x));
  if (keepS.length !== (u.succeeded ?? []).length) {
    changed = true;
    st.succeeded = (st.succeeded ?? 0) + (u.succeeded ?? []).length - keepS.length;
    u.succeeded = keepS;
  }
  const keepF = (u.failed ?? []).filter((x) => uidsWithFinalizer.has(x));
  if (keepF.length !== (u.failed ?? []).length) {
    changed = true;
    st.failed = (st.failed ?? 0) + (u.failed ?? []).length - keepF.length;
    u.failed = keepF;
  }
  return changed;
}

/** activePodsForRemoval: duplicate or out-of-range indexes first, then the least advanced pods. */
function activePodsForRemoval(job: Job, pods: Pod[], rmAtLeast: number): Pod[] {
  let rm: Pod[] = [];
  let left: Pod[] = pods;
  if (isIndexedJob(job)) {
    rm = [];
    left = [];
    const completions = job.spec.completions ?? 0;
    const byIndex = new Map<number, Pod[]>();
    for (const p of pods) {
      const ix = completionIndexOf(p);
      if (ix === UNKNOWN_INDEX || ix >= completions) {
        rm.push(p);
        continue;
      }
      const l = byIndex.get(ix) ?? [];
      l.push(p);
      byIndex.set(ix, l);
    }
    for (const group of byIndex.values()) {
      if (group.length === 1) {
        left.push(group[0]);
        continue;
      }
      const extra = podsToDelete(group, [], group.length - 1);
      rm.push(...extra);
      left.push(...group.filter((p) => !extra.includes(p)));
    }
  }
  if (rm.length < rmAtLeast) rm.push(...podsToDelete(left, [], rmAtLeast - rm.length));
  return rm;
}

/** firstPendingIndexes: the lowest indexes neither succeeded, active, failed (nor terminating, when only failed pods are replaced). */
function firstPendingIndexes(ctx: SyncCtx, count: number, completions: number): number[] {
  if (count === 0) return [];
  const active = [...new Set(ctx.activePods.map(completionIndexOf).filter((i) => i !== UNKNOWN_INDEX))].sort((a, b) => a - b);
  let nonPending = withIndexes(ctx.succeededIndexes, active);
  if (onlyReplaceFailedPods(ctx.job)) {
    const terminating = [
      ...new Set(
        ctx.pods
          .filter(isPodTerminating)
          .map(completionIndexOf)
          .filter((i) => i !== UNKNOWN_INDEX),
      ),
    ].sort((a, b) => a - b);
    nonPending = withIndexes(nonPending, terminating);
  }
  if (ctx.failedIndexes) nonPending = mergeIntervals(nonPending, ctx.failedIndexes);
  const out: number[] = [];
  let candidate = 0;
  for (const iv of nonPending) {
    for (; candidate < completions && out.length < count && candidate < iv.first; candidate++) out.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && out.length < count; candidate++) out.push(candidate);
  return out;
}

/** addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the pod's index label (PodIndexLabel). */
function addCompletionIndexEnv(template: NonNullable<Job['spec']['template']>): void {
  const spec = (template.spec ??= { containers: [] }) as { containers?: { env?: unknown[] }[]; initContainers?: { env?: unknown[] }[] };
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const env = (c.env ??= []) as { name?: string }[];
    if (env.some((e) => e.name === COMPLETION_INDEX_ENV)) continue;
    env.push({
      name: COMPLETION_INDEX_ENV,
      valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
    } as { name: string });
  }
}

/** JobStatus as Go's encoding/json writes it: zero counters and empty lists left out. */
function omitEmptyStatus(s: Job['status'] & object): NonNullable<Job['status']> {
  const out: NonNullable<Job['status']> = {};
  if (s.conditions?.length) out.conditions = s.conditions;
  if (s.startTime) out.startTime = s.startTime;
  if (s.completionTime) out.completionTime = s.completionTime;
  if (s.active) out.active = s.active;
  if (s.succeeded) out.succeeded = s.succeeded;
  if (s.failed) out.failed = s.failed;
  if (typeof s.terminating === 'number') out.terminating = s.terminating;
  if (s.completedIndexes) out.completedIndexes = s.completedIndexes;
  if (typeof s.failedIndexes === 'string') out.failedIndexes = s.failedIndexes;
  const u = s.uncountedTerminatedPods;
  if (u) {
    const uo: { succeeded?: string[]; failed?: string[] } = {};
    if (u.succeeded?.length) uo.succeeded = u.succeeded;
    if (u.failed?.length) uo.failed = u.failed;
    out.uncountedTerminatedPods = uo;
  }
  if (typeof s.ready === 'number') out.ready = s.ready;
  return out;
}
