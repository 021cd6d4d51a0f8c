// The CronJob controller, as kube-controller-manager's pkg/controller/cronjob (ControllerV2,
// utils.go; v1.32 with CronJobsScheduledAnnotation on): each CronJob is synced when it or one of
// its Jobs changes and again at its next scheduled time. A sync drops finished Jobs from
// status.active (lastSuccessfulTime follows completed ones), deletes finished Jobs beyond the
// history limits, and, when the most recent unmet schedule time is within startingDeadlineSeconds,
// creates the Job NAME-<minutes since the epoch> (Forbid skips while a Job is active, Replace
// deletes the active ones first), with the scheduled-timestamp annotation. The schedule is
// robfig/cron's standard syntax evaluated by src/api/cron.ts in the CronJob's time zone.

import { parseSchedule, type Schedule, timeZoneError } from '../api/cron.js';
import { asError, errorMessage } from '../api/errors.js';
import { deepCopy, type KObject, nowRFC3339 } from '../api/object.js';
import { CRONJOBS, type CronJob, JOBS, type Job } from '../api/types.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import { type Informer, NAMESPACE_INDEX, objectKey, type SharedInformerFactory } from '../client/informer.js';
import { isAlreadyExists, isNotFound, type RestClient } from '../client/rest.js';
import { findCondition } from './job-util.js';
import { controllerOf, isNamespaceTerminating, newControllerRef } from './podutil.js';
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** nextScheduleDelta: a little after the scheduled time, for clocks that drift. */
const NEXT_SCHEDULE_DELTA_MS = 100;

export type CronJobControllerOptions = ControllerOptions;

/** getFinishedStatus: Complete or Failed, True. */
function finishedStatus(job: Job): string | undefined {
  for (const c of job.status?.conditions ?? []) if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return undefined;
}
const isJobFinished = (j: Job): boolean => finishedStatus(j) !== undefined;
const isJobSucceeded = (j: Job): boolean => findCondition(j.status?.conditions, 'Complete')?.status === 'True';

const inActiveList = (cj: CronJob, uid: string | undefined): boolean => (cj.status?.active ?? []).some((r) => r.uid === uid);

function deleteFromActiveList(cj: CronJob, uid: string | undefined): void {
  cj.status ??= {};
  cj.status.active = (cj.status.active ?? []).filter((r) => r.uid !== uid);
}

/** Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(t: number): string {
  const d = new Date(t);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** time.Format(time.RFC3339) of t in a zone: the zone's wall clock and offset ("Z" when the offset is zero). */
export function rfc3339InZone(t: number, tz: string | undefined): string {
  if (!tz || tz === 'UTC') return nowRFC3339(new Date(t));
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(t));
  const get = (type: string): string => parts.find((x) => x.type === type)?.value ?? '';
  const off = get('timeZoneName').replace(/^GMT/, '');
  const offset = off === '' || off === '+00:00' || off === '-00:00' ? 'Z' : off;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${offset}`;
}

type Missed = 'none' | 'few' | 'many';

/**
 * mostRecentScheduleTime: the earliest time considered (last schedule or creation, or the
 * starting deadline), the most recent schedule time not after now, and how many were missed.
 */
export function mostRecentScheduleTime(
  cj: CronJob,
  now: number,
  sched: Schedule,
  includeStartingDeadline: boolean,
): { earliest: number; mostRecent?: number; missed: Missed; error?: string } {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || 0;
  let missed: Missed = 'none';
  const sds = cj.spec.startingDeadlineSeconds;
  if (includeStartingDeadline && typeof sds === 'number') {
    const deadline = now - sds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = sched.next(new Date(earliest)).getTime();
  const t2 = sched.next(new Date(t1)).getTime();
  if (now < t1) return { earliest, missed };
  if (now < t2) return { earliest, mostRecent: t1, missed };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed, error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.trunc((now - t1) / 1000);
  const n = Math.trunc(elapsed / between) + 1;
  // Jump close to now, then let the schedule find the exact most recent time.
  const potentialEarliest = t1 + (n - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = sched.next(new Date(potentialEarliest)).getTime(); t <= now; t = sched.next(new Date(t)).getTime()) mostRecent = t;
  if (n > 100) missed = 'many';
  else if (n > 0) missed = 'few';
  return { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: how long until the next schedule time after the most recent one (plus a little). */
export function nextScheduleDelay(cj: CronJob, now: number, sched: Schedule): number {
  const r = mostRecentScheduleTime(cj, now, sched, false);
  let from: number;
  if (r.error) from = now;
  else if (r.mostRecent === undefined) from = r.missed === 'none' ? r.earliest : now;
  else from = r.mostRecent;
  return sched.next(new Date(from)).getTime() + NEXT_SCHEDULE_DELTA_MS - now;
}

/** getTimeHashInMinutes: the Job's name suffix for a scheduled time. */
export const jobNameFor = (cj: CronJob, scheduled: number): string => `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;

export class CronJobController extends Controller {
  private readonly cjInf: Informer<CronJob>;
  private readonly jobInf: Informer<Job>;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: CronJobControllerOptions = {},
  ) {
    super('cronjob', client, 'cronjob-controller', opts);
    this.cjInf = factory.informerFor<CronJob>({ ...CRONJOBS });
    this.jobInf = factory.informerFor<Job>({ ...JOBS });
    this.cjInf.addEventHandler({
      onAdd: (cj) => this.loop.enqueue(objectKey(cj)),
      onUpdate: (old, cur) => this.updateCronJob(old, cur),
      onDelete: (cj) => this.loop.enqueue(objectKey(cj)),
    });
    this.jobInf.addEventHandler({
      onAdd: (j) => this.jobChanged(j),
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        const oldRef = controllerOf(old),
          curRef = controllerOf(cur);
        if (oldRef && JSON.stringify(oldRef) !== JSON.stringify(curRef ?? null)) this.enqueueOwner(old.metadata.namespace, oldRef);
        this.jobChanged(cur);
      },
      onDelete: (j) => this.jobChanged(j),
    });
  }

  private cjRef(cj: KObject): KObject {
    return { ...cj, apiVersion: 'batch/v1', kind: 'CronJob' };
  }

  private enqueueOwner(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): void {
    if (ref.kind !== 'CronJob') return;
    const cj = this.cjInf.getByName(namespace, ref.name);
    if (cj && cj.metadata.uid === ref.uid) this.loop.enqueue(objectKey(cj));
  }

  private jobChanged(job: Job): void {
    const ref = controllerOf(job);
    if (ref) this.enqueueOwner(job.metadata.namespace, ref);
  }

  /** A changed schedule or zone: look again at the new next time; any other change: now. */
  private updateCronJob(old: CronJob, cur: CronJob): void {
    const key = objectKey(cur);
    if (old.spec?.schedule !== cur.spec?.schedule || old.spec?.timeZone !== cur.spec?.timeZone) {
      let sched: Schedule;
      try {
        sched = this.scheduleOf(cur);
      } catch {
        this.recorder.event(
          this.cjRef(cur),
          'Warning',
          'UnParseableCronJobSchedule',
          `unparseable schedule for cronjob: ${cur.spec?.schedule}`,
        );
        return;
      }
      this.loop.queue.addAfter(key, nextScheduleDelay(cur, this.now(), sched));
      return;
    }
    this.loop.enqueue(key);
  }

  private scheduleOf(cj: CronJob): Schedule {
    return parseSchedule(cj.spec.schedule, cj.spec.timeZone ?? undefined);
  }

  async reconcile(key: string): Promise<number | void> {
    const cached = this.cjInf.get(key);
    if (!cached) return;
    const ns = cached.metadata.namespace ?? '';
    // Jobs whose controller reference names this CronJob, whatever their labels now.
    const jobs = this.jobInf.byIndex(NAMESPACE_INDEX, ns).filter((j) => controllerOf(j)?.name === cached.metadata.name);
    const cj = deepCopy(cached) as CronJob;
    cj.spec ??= { schedule: '', jobTemplate: {} };
    cj.status ??= {};
    const cleanupChanged = await this.cleanupFinishedJobs(cj, jobs);
    let requeueAfter: number | undefined;
    let syncChanged = false;
    let syncErr: unknown;
    try {
      const r = await this.syncCronJob(cj, jobs);
      requeueAfter = r.requeueAfter;
      syncChanged = r.changed;
    } catch (e) {
      syncErr = e;
      syncChanged = (e as { changed?: boolean }).changed ?? false;
    }
    if (cleanupChanged || syncChanged) {
      const body = deepCopy(cj);
      const st = body.status ?? {};
      body.status = {};
      if (st.active?.length) body.status.active = st.active;
      if (st.lastScheduleTime) body.status.lastScheduleTime = st.lastScheduleTime;
      if (st.lastSuccessfulTime) body.status.lastSuccessfulTime = st.lastSuccessfulTime;
      await this.client.update({ ...CRONJOBS, namespace: ns, name: cj.metadata.name, subresource: 'status' }, body);
    }
    if (requeueAfter !== undefined) return Math.max(0, requeueAfter);
    if (syncErr) throw syncErr;
  }

  /** syncCronJob: the active list, then (unless suspended or deleting) the Job of the most recent unmet schedule time. */
  private async syncCronJob(cj: CronJob, jobs: Job[]): Promise<{ requeueAfter?: number; changed: boolean }> {
    const now = this.now();
    let changed = false;
    const fail = (e: unknown): never => {
      const err = asError(e);
      (err as { changed?: boolean }).changed = changed;
      throw err;
    };
    const children = new Set<string>();
    for (const j of jobs) {
      children.add(j.metadata.uid ?? '');
      const found = inActiveList(cj, j.metadata.uid);
      if (!found && !isJobFinished(j)) {
        const fresh = await this.client.get<CronJob>({ ...CRONJOBS, namespace: cj.metadata.namespace, name: cj.metadata.name }).catch(fail);
        if (inActiveList(fresh, j.metadata.uid)) {
          // The cached CronJob was older than its Jobs: carry on with the live one.
          Object.assign(cj, { metadata: fresh.metadata, spec: fresh.spec, status: fresh.status ?? {} });
          continue;
        }
        this.recorder.event(
          this.cjRef(cj),
          'Warning',
          'UnexpectedJob',
          `Saw a job that the controller did not create or forgot: ${j.metadata.name}`,
        );
      } else if (found && isJobFinished(j)) {
        deleteFromActiveList(cj, j.metadata.uid);
        this.recorder.event(
          this.cjRef(cj),
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${j.metadata.name}, status: ${finishedStatus(j)}`,
        );
        changed = true;
      } else if (isJobSucceeded(j)) {
        // Not in the active list, but completed: its completion time still counts.
        const ct = j.status?.completionTime;
        if (!cj.status!.lastSuccessfulTime && ct) {
          cj.status!.lastSuccessfulTime = ct;
          changed = true;
        }
        if (ct && cj.status!.lastSuccessfulTime && Date.parse(ct) > Date.parse(cj.status!.lastSuccessfulTime)) {
          cj.status!.lastSuccessfulTime = ct;
          changed = true;
        }
      }
    }
    // Active Jobs that are gone (read live: the informer may lag) leave the list.
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        await this.client.get({ ...JOBS, namespace: ref.namespace, name: ref.name });
      } catch (e) {
        if (!isNotFound(e)) fail(e);
        this.recorder.event(this.cjRef(cj), 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        deleteFromActiveList(cj, ref.uid);
        changed = true;
      }
    }
    if (cj.metadata.deletionTimestamp) return { changed };
    const tz = cj.spec.timeZone;
    if (typeof tz === 'string') {
      const e = timeZoneError(tz);
      if (e) {
        this.recorder.event(this.cjRef(cj), 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: ${e}`);
        return { changed };
      }
    }
    if (cj.spec.suspend === true) return { changed };
    if (cj.spec.schedule.includes('TZ')) {
      this.recorder.event(
        this.cjRef(cj),
        'Warning',
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule ${JSON.stringify(cj.spec.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    let sched: Schedule;
    try {
      sched = this.scheduleOf(cj);
    } catch (e) {
      this.recorder.event(
        this.cjRef(cj),
        'Warning',
        'UnparseableSchedule',
        `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${errorMessage(e)}`,
      );
      return { changed };
    }
    const mr = mostRecentScheduleTime(cj, now, sched, true);
    if (mr.error) {
      this.recorder.event(this.cjRef(cj), 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${mr.error}`);
      return { changed };
    }
    const scheduled = mr.mostRecent;
    if (scheduled === undefined || scheduled > now) return { requeueAfter: nextScheduleDelay(cj, now, sched), changed };
    if (mr.missed === 'many') {
      this.recorder.event(
        this.cjRef(cj),
        'Warning',
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      );
    }
    const sds = cj.spec.startingDeadlineSeconds;
    if (typeof sds === 'number' && scheduled + sds * 1000 < now) {
      this.recorder.event(this.cjRef(cj), 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return { requeueAfter: nextScheduleDelay(cj, now, sched), changed };
    }
    const name = jobNameFor(cj, scheduled);
    const lastSchedule = cj.status?.lastScheduleTime ? Date.parse(cj.status.lastScheduleTime) : undefined;
    if (
      (cj.status?.active ?? []).some((r) => r.name === name && r.namespace === cj.metadata.namespace) ||
      lastSchedule === Math.floor(scheduled / 1000) * 1000
    ) {
      return { requeueAfter: nextScheduleDelay(cj, now, sched), changed };
    }
    if (cj.spec.concurrencyPolicy === 'Forbid' && (cj.status?.active ?? []).length > 0) {
      // The active list may miss a Job now and then, so Forbid can rarely overlap, as in Kubernetes.
      this.recorder.event(
        this.cjRef(cj),
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return { requeueAfter: nextScheduleDelay(cj, now, sched), changed };
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: Job;
        try {
          job = await this.client.get<Job>({ ...JOBS, namespace: ref.namespace, name: ref.name });
        } catch (e) {
          this.recorder.event(this.cjRef(cj), 'Warning', 'FailedGet', `Get job: ${errorMessage(e)}`);
          return fail(e);
        }
        if (!(await this.deleteJob(cj, job))) fail(new Error(`could not replace job ${job.metadata.namespace}/${job.metadata.name}`));
        changed = true;
      }
    }
    const req = this.jobFromTemplate(cj, scheduled, name);
    let created: Job;
    try {
      created = await this.client.create<Job>({ ...JOBS, namespace: cj.metadata.namespace }, req);
      this.recorder.event(this.cjRef(cj), 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (e) {
      if (isNamespaceTerminating(e)) fail(e);
      if (!isAlreadyExists(e)) {
        this.recorder.event(this.cjRef(cj), 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(e)}`);
        fail(e);
      }
      // Made by an earlier sync whose status update was lost: record it, if it is ours.
      created = await this.client.get<Job>({ ...JOBS, namespace: cj.metadata.namespace, name }).catch(fail);
      const ref = controllerOf(created);
      if (!ref || ref.uid !== cj.metadata.uid) return { changed };
      if (inActiveList(cj, created.metadata.uid)) return { changed };
      this.log(`cronjob: ${objectKey(cj)}: job ${name} already exists`);
    }
    cj.status ??= {};
    cj.status.active = [
      ...(cj.status.active ?? []),
      {
        kind: 'Job',
        namespace: created.metadata.namespace,
        name: created.metadata.name,
        uid: created.metadata.uid,
        apiVersion: 'batch/v1',
        resourceVersion: created.metadata.resourceVersion,
      },
    ];
    cj.status.lastScheduleTime = nowRFC3339(new Date(scheduled));
    changed = true;
    return { requeueAfter: nextScheduleDelay(cj, now, sched), changed };
  }

  /** getJobFromTemplate2: the template's labels, annotations and spec, owned by the CronJob. */
  private jobFromTemplate(cj: CronJob, scheduled: number, name: string): Job {
    const jt = cj.spec.jobTemplate ?? {};
    const annotations: Record<string, string> = { ...(jt.metadata?.annotations ?? {}) };
    annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = rfc3339InZone(scheduled, cj.spec.timeZone ?? undefined);
    const metadata: Job['metadata'] = {
      name,
      namespace: cj.metadata.namespace,
      labels: { ...(jt.metadata?.labels ?? {}) },
      annotations,
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    };
    return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: deepCopy(jt.spec ?? { template: {} }) };
  }

  /** cleanupFinishedJobs: finished Jobs beyond the history limits go, oldest start first. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<boolean> {
    const sl = cj.spec.successfulJobsHistoryLimit,
      fl = cj.spec.failedJobsHistoryLimit;
    if (typeof sl !== 'number' && typeof fl !== 'number') return false;
    const succeeded = jobs.filter((j) => finishedStatus(j) === 'Complete');
    const failed = jobs.filter((j) => finishedStatus(j) === 'Failed');
    let changed = false;
    if (typeof sl === 'number' && (await this.removeOldestJobs(cj, succeeded, sl))) changed = true;
    if (typeof fl === 'number' && (await this.removeOldestJobs(cj, failed, fl))) changed = true;
    return changed;
  }

  private async removeOldestJobs(cj: CronJob, jobs: Job[], max: number): Promise<boolean> {
    const n = jobs.length - max;
    if (n <= 0) return false;
    const sorted = [...jobs].sort(byJobStartTime);
    let changed = false;
    for (let i = 0; i < n; i++) if (await this.deleteJob(cj, sorted[i])) changed = true;
    return changed;
  }

  /** deleteJob: the Job and its pods (background), and its reference in the active list. */
  private async deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await this.client.delete(
        { ...JOBS, namespace: job.metadata.namespace, name: job.metadata.name },
        { propagationPolicy: 'Background' },
      );
    } catch (e) {
      this.recorder.event(this.cjRef(cj), 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(e)}`);
      this.log(`cronjob: deleting job ${objectKey(job)}: ${errorMessage(e)}`);
      return false;
    }
    deleteFromActiveList(cj, job.metadata.uid);
    this.recorder.event(this.cjRef(cj), 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
    return true;
  }
}

/** byJobStartTime: Jobs that started before those that did not, then by start time, then by name. */
function byJobStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime,
    sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa === sb || (!sa && !sb))
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
  return Date.parse(sa!) - Date.parse(sb!);
}
