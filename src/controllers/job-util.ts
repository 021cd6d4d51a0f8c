// What the Job controller computes from pods, as kube-controller-manager's pkg/controller/job
// (indexed_job_utils.go, pod_failure_policy.go, success_policy.go, backoff_utils.go): sets of
// completion indexes in the "1,3-5,7" form, a failed pod against the podFailurePolicy, the
// successPolicy against the succeeded indexes, and the exponential back-off before a failed pod
// is replaced.

import { type Condition, getCondition } from '../api/conditions.js';
import type { Job, JobCondition, JobSpec, Pod } from '../api/types.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const UNKNOWN_INDEX = -1;
const MAX_INT32 = 2147483647;

export type { Job, JobCondition, JobSpec };

/** names.MaxGeneratedNameLength: 63 minus the 5 random characters. */
const MAX_GENERATED_NAME_LENGTH = 58;

export const isIndexedJob = (job: Job): boolean => job.spec.completionMode === 'Indexed';
export const hasBackoffLimitPerIndex = (job: Job): boolean => typeof job.spec.backoffLimitPerIndex === 'number';
export const hasJobTrackingFinalizer = (pod: Pod): boolean => (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

export function findCondition(list: JobCondition[] | undefined, type: string): JobCondition | undefined {
  return (list ?? []).find((c) => c.type === type);
}

const conditionTrue = (job: Job, type: string): boolean => findCondition(job.status?.conditions, type)?.status === 'True';
/** util.IsJobFinished: Complete or Failed, True. */
export const isJobFinished = (job: Job): boolean => conditionTrue(job, 'Complete') || conditionTrue(job, 'Failed');
export const isJobComplete = (job: Job): boolean => conditionTrue(job, 'Complete');
export const isJobFailed = (job: Job): boolean => conditionTrue(job, 'Failed');

/** The condition whose LastTransitionTime says when the Job finished (Complete or Failed, True). */
export function finishedCondition(job: Job): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

// ---- ordered intervals of indexes ----

export interface Interval {
  first: number;
  last: number;
}
export type OrderedIntervals = Interval[];

export function intervalsTotal(oi: OrderedIntervals): number {
  let n = 0;
  for (const iv of oi) n += iv.last - iv.first + 1;
  return n;
}

/** "1,3-5,7": runs of three or more are ranges, two in a row are listed. */
export function intervalsString(oi: OrderedIntervals): string {
  const parts: string[] = [];
  for (const v of oi) {
    if (v.last === v.first) parts.push(String(v.first));
    else if (v.last === v.first + 1) parts.push(`${v.first},${v.last}`);
    else parts.push(`${v.first}-${v.last}`);
  }
  return parts.join(',');
}

export function intervalsHas(oi: OrderedIntervals, ix: number): boolean {
  let lo = 0,
    hi = oi.length;
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    if (oi[mid].last >= ix) hi = mid;
    else lo = mid + 1;
  }
  return hi < oi.length && oi[hi].first <= ix;
}

export function mergeIntervals(a: OrderedIntervals, b: OrderedIntervals): OrderedIntervals {
  const out: OrderedIntervals = [];
  let i = 0,
    j = 0;
  const push = (iv: Interval) => {
    const last = out[out.length - 1];
    if (!last || iv.first > last.last + 1) out.push({ ...iv });
    else if (last.last < iv.last) last.last = iv.last;
  };
  while (i < a.length && j < b.length) push(a[i].first < b[j].first ? a[i++] : b[j++]);
  while (i < a.length) push(a[i++]);
  while (j < b.length) push(b[j++]);
  return out;
}

/** withOrderedIndexes: the intervals plus these indexes (given in increasing order). */
export function withIndexes(oi: OrderedIntervals, indexes: number[]): OrderedIntervals {
  return mergeIntervals(
    oi,
    indexes.map((x) => ({ first: x, last: x })),
  );
}

/** parseIndexesFromString: intervals below completions; corrupted parts are skipped, as the controller does. */
export function parseIndexes(s: string | undefined, completions: number): OrderedIntervals {
  if (!s) return [];
  const out: OrderedIntervals = [];
  for (const part of s.split(',')) {
    const limits = part.split('-');
    if (!/^\d+$/.test(limits[0])) continue;
    const first = Number(limits[0]);
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      if (!/^\d+$/.test(limits[1])) continue;
      last = Math.min(Number(limits[1]), completions - 1);
    }
    const prev = out[out.length - 1];
    if (prev && prev.last === first - 1) prev.last = last;
    else out.push({ first, last });
  }
  return out;
}

// ---- completion indexes of pods ----

export function completionIndexOf(pod: Pod): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\+?\d+$/.test(v)) return UNKNOWN_INDEX;
  const i = Number(v);
  return Number.isSafeInteger(i) ? i : UNKNOWN_INDEX;
}

/** The job's name and the index, cut to fit a generated name: NAME-INDEX-. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > MAX_GENERATED_NAME_LENGTH ? prefix.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix : prefix;
}

function parseInt32(v: string | undefined): number {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n < 0 || n > MAX_INT32 ? 0 : n;
}

export const indexFailureCount = (pod: Pod): number => parseInt32(pod.metadata.annotations?.[JOB_INDEX_FAILURE_COUNT_ANNOTATION]);
export const indexIgnoredFailureCount = (pod: Pod): number =>
  parseInt32(pod.metadata.annotations?.[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]);
export const indexAbsoluteFailureCount = (pod: Pod): number => indexFailureCount(pod) + indexIgnoredFailureCount(pod);

// ---- pod failure policy ----

interface TerminatedState {
  exitCode?: number;
}
interface ContainerStatusLike {
  name?: string;
  state?: { terminated?: TerminatedState };
}

type OnExitCodes = NonNullable<NonNullable<JobSpec['podFailurePolicy']>['rules'][number]['onExitCodes']>;

function matchingContainer(statuses: unknown, req: OnExitCodes): ContainerStatusLike | undefined {
  for (const cs of (Array.isArray(statuses) ? statuses : []) as ContainerStatusLike[]) {
    const t = cs.state?.terminated;
    if (!t) continue;
    if (req.containerName !== undefined && req.containerName !== null && req.containerName !== cs.name) continue;
    const code = t.exitCode ?? 0;
    if (code === 0) continue;
    const inValues = (req.values ?? []).includes(code);
    if ((req.operator === 'In' && inValues) || (req.operator === 'NotIn' && !inValues)) return cs;
  }
  return undefined;
}

function matchingCondition(conditions: Condition[] | undefined, patterns: { type: string; status: string }[]): Condition | undefined {
  for (const c of conditions ?? []) for (const p of patterns) if (c.type === p.type && c.status === p.status) return c;
  return undefined;
}

export interface PolicyMatch {
  /** A FailJob rule matched: the Job's failure message. */
  failJobMessage?: string;
  /** Whether the failure counts towards backoffLimit (and backoffLimitPerIndex): false for Ignore. */
  countFailed: boolean;
  action?: string;
}

/** matchPodFailurePolicy: the first rule that matches the failed pod decides. */
export function matchPodFailurePolicy(policy: JobSpec['podFailurePolicy'], pod: Pod): PolicyMatch {
  if (!policy) return { countFailed: true };
  const st = pod.status ?? {};
  const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [i, rule] of (policy.rules ?? []).entries()) {
    // What matched, as the FailJob message tells it (undefined: the rule does not match).
    let matched: string | undefined;
    if (rule.onExitCodes) {
      const cs = matchingContainer(st.containerStatuses, rule.onExitCodes) ?? matchingContainer(st.initContainerStatuses, rule.onExitCodes);
      if (cs) matched = `Container ${cs.name} for pod ${where} failed with exit code ${cs.state?.terminated?.exitCode ?? 0}`;
    } else if (rule.onPodConditions) {
      const c = matchingCondition(st.conditions, rule.onPodConditions);
      if (c) matched = `Pod ${where} has condition ${c.type}`;
    }
    if (matched === undefined) continue;
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'FailIndex':
        return { countFailed: true, action: 'FailIndex' };
      case 'Count':
        return { countFailed: true, action: 'Count' };
      case 'FailJob':
        return { countFailed: true, action: 'FailJob', failJobMessage: `${matched} matching FailJob rule at index ${i}` };
    }
  }
  return { countFailed: true };
}

// ---- success policy ----

function matchSucceededIndexesRule(rule: OrderedIntervals, succeeded: OrderedIntervals, count: number | undefined): boolean {
  let contains = 0,
    si = 0,
    ri = 0;
  while (ri < rule.length && si < succeeded.length) {
    const overlap = Math.min(rule[ri].last, succeeded[si].last) - Math.max(rule[ri].first, succeeded[si].first) + 1;
    if (overlap > 0) contains += overlap;
    if (succeeded[si].last < rule[ri].last) si++;
    else if (succeeded[si].last > rule[ri].last) ri++;
    else {
      si++;
      ri++;
    }
  }
  return contains === intervalsTotal(rule) || (count !== undefined && contains >= count);
}

/** matchSuccessPolicy: the message of the first rule the succeeded indexes meet. */
export function matchSuccessPolicy(policy: JobSpec['successPolicy'], completions: number, succeeded: OrderedIntervals): string | undefined {
  if (!policy || succeeded.length === 0) return undefined;
  for (const [i, rule] of (policy.rules ?? []).entries()) {
    if (typeof rule.succeededIndexes === 'string') {
      const required = parseIndexes(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, rule.succeededCount ?? undefined)) return `Matched rules at index ${i}`;
    } else if (typeof rule.succeededCount === 'number' && intervalsTotal(succeeded) >= rule.succeededCount) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}

// ---- back-off ----

const time = (s: string | undefined): number | undefined => {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
};

/**
 * getFinishedTime: when the pod's last container ended; else when it turned not Ready; else its
 * deletion time less the grace period; else its creation.
 */
export function podFinishedTime(pod: Pod): number {
  let fromContainers: number | undefined;
  const statuses = (pod.status?.containerStatuses ?? []) as { state?: { terminated?: { finishedAt?: string } } }[];
  let all = statuses.length > 0;
  for (const cs of statuses) {
    const t = time(cs.state?.terminated?.finishedAt);
    if (t === undefined) {
      all = false;
      break;
    }
    if (fromContainers === undefined || t > fromContainers) fromContainers = t;
  }
  if (all && fromContainers !== undefined) return fromContainers;
  const ready = getCondition(pod, 'Ready');
  const rt = ready?.status === 'False' ? time(ready.lastTransitionTime ?? undefined) : undefined;
  if (rt !== undefined) return rt;
  const dt = time(pod.metadata.deletionTimestamp);
  if (dt !== undefined) return dt - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return time(pod.metadata.creationTimestamp) ?? 0;
}

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** newBackoffRecord: failures since the last success, and when the last of them happened. */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: Pod[], newFailed: Pod[]): BackoffRecord {
  const rec: BackoffRecord = { failuresAfterLastSuccess: prev?.failuresAfterLastSuccess ?? 0, lastFailureTime: prev?.lastFailureTime };
  const succ = newSucceeded.map(podFinishedTime).sort((a, b) => a - b);
  const fail = newFailed.map(podFinishedTime).sort((a, b) => a - b);
  if (succ.length === 0) {
    if (fail.length === 0) return rec;
    return { failuresAfterLastSuccess: rec.failuresAfterLastSuccess + fail.length, lastFailureTime: fail[fail.length - 1] };
  }
  const out: BackoffRecord = { failuresAfterLastSuccess: 0 };
  const lastSuccess = succ[succ.length - 1];
  for (let i = fail.length - 1; i >= 0; i--) {
    if (fail[i] <= lastSuccess) break;
    if (out.lastFailureTime === undefined) out.lastFailureTime = fail[i];
    out.failuresAfterLastSuccess++;
  }
  return out;
}

/** getRemainingTimeForFailuresCount: base * 2^(failures-1), capped, less the time since the last failure. */
export function remainingBackoff(
  now: number,
  baseMs: number,
  maxMs: number,
  failures: number,
  lastFailureTime: number | undefined,
): number {
  if (failures === 0 || lastFailureTime === undefined) return 0;
  let d = baseMs;
  for (let i = 1; i < failures; i++) {
    d *= 2;
    if (d >= maxMs) {
      d = maxMs;
      break;
    }
  }
  const elapsed = now - lastFailureTime;
  return d < elapsed ? 0 : d - elapsed;
}
