// The versioned defaulters of batch/v1 (pkg/apis/batch/v1/defaults.go, with the feature gates
// of v1.32: JobPodReplacementPolicy on), plus the pod template defaults the generated
// SetObjectDefaults_Job / SetObjectDefaults_CronJob apply to the templates they hold.

import { defaultPodSpec } from './defaults.js';
import { isObject, type KObject } from './object.js';

type Obj = Record<string, unknown>;
const unset = (v: unknown): boolean => v === undefined || v === null;
const MAX_INT32 = 2147483647;

function defaultTemplateOf(jobSpec: Obj): void {
  const t = jobSpec.template;
  if (!isObject(t)) return;
  if (isObject(t.spec)) defaultPodSpec(t.spec);
}

/** The defaults of a JobSpec that do not need the Job's own metadata (Job and CronJob templates share them). */
function defaultJobSpecFields(spec: Obj): void {
  // A non-parallel job may leave both unset: both become 1.
  if (unset(spec.completions) && unset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (unset(spec.parallelism)) spec.parallelism = 1;
  if (unset(spec.backoffLimit)) spec.backoffLimit = unset(spec.backoffLimitPerIndex) ? 6 : MAX_INT32;
  if (unset(spec.completionMode)) spec.completionMode = 'NonIndexed';
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.manualSelector)) spec.manualSelector = false;
  const pfp = isObject(spec.podFailurePolicy) ? spec.podFailurePolicy : undefined;
  if (pfp && Array.isArray(pfp.rules)) {
    for (const rule of pfp.rules) {
      if (!isObject(rule) || !Array.isArray(rule.onPodConditions)) continue;
      for (const pattern of rule.onPodConditions)
        if (isObject(pattern) && (unset(pattern.status) || pattern.status === '')) pattern.status = 'True';
    }
  }
  if (unset(spec.podReplacementPolicy)) spec.podReplacementPolicy = pfp ? 'Failed' : 'TerminatingOrFailed';
}

/** SetDefaults_Job: counts, back-off limit, completion mode, suspend, replacement policy; labels from the template. */
export function defaultJob(job: KObject): void {
  if (!isObject(job.spec)) job.spec = {};
  const spec = job.spec as Obj;
  defaultJobSpecFields(spec);
  const labels = isObject(spec.template) && isObject(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isObject(labels) && Object.keys(job.metadata.labels ?? {}).length === 0)
    job.metadata.labels = { ...(labels as Record<string, string>) };
  defaultTemplateOf(spec);
}

/**
 * SetDefaults_CronJob: concurrency Allow, not suspended, history limits 3 and 1. The job
 * template's spec gets only its pod template's defaults: SetDefaults_Job runs on Jobs, so a
 * CronJob's jobTemplate keeps completions and the rest unset until a Job is made from it.
 */
export function defaultCronJob(cj: KObject): void {
  if (!isObject(cj.spec)) cj.spec = {};
  const spec = cj.spec as Obj;
  if (unset(spec.concurrencyPolicy) || spec.concurrencyPolicy === '') spec.concurrencyPolicy = 'Allow';
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
  if (unset(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
  const jt = isObject(spec.jobTemplate) ? spec.jobTemplate : undefined;
  if (jt && isObject(jt.spec)) defaultTemplateOf(jt.spec);
}
