// Jobs, as kube-apiserver's pkg/registry/batch/job: the selector and the pod labels are
// generated from the Job's uid and name unless manualSelector is set, generation counts spec
// changes, status is the job controller's to write (with the v1.32 status transition rules), and
// a delete that names no propagation policy orphans the pods, with kube-apiserver's warning. The
// printer is printJob.

import { defaultJob } from '../../../api/defaults-batch.js';
import { isObject, type KObject } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  validateJobCreate,
  validateJobStatusUpdate,
  validateJobUpdate,
} from '../../../api/validation/batch.js';
import { a, formatLabelSelector, humanDuration, n, o, type Printer, parseTime, podTemplateCells, s } from '../../tables.js';
import { defineResource } from '../rest.js';
import { bumpGeneration, clearStatus, keepStatus, type Strategy, statusStrategy as statusOf } from '../strategy.js';

type Obj = Record<string, unknown>;

/**
 * generateSelector: the pods get job-name and controller-uid labels (legacy and
 * batch.kubernetes.io/ forms) unless the user set them, and the selector is the new uid label.
 */
export function generateSelector(job: KObject): void {
  const spec = job.spec as Obj;
  if (!isObject(spec.template)) spec.template = {};
  const t = spec.template as Obj;
  if (!isObject(t.metadata)) t.metadata = {};
  const tm = t.metadata as Obj;
  if (!isObject(tm.labels)) tm.labels = {};
  const labels = tm.labels as Record<string, string>;
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = job.metadata.name ?? '';
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = job.metadata.uid ?? '';
  if (!isObject(spec.selector)) spec.selector = {};
  const sel = spec.selector as Obj;
  if (!isObject(sel.matchLabels)) sel.matchLabels = {};
  const ml = sel.matchLabels as Record<string, string>;
  if (!(CONTROLLER_UID_LABEL in ml)) ml[CONTROLLER_UID_LABEL] = job.metadata.uid ?? '';
}

export const DELETE_WARNING =
  'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning';

export const strategy: Strategy = {
  fieldLabels: ['status.successful'],
  defaults: defaultJob,
  defaultDeletePropagation: { policy: 'Orphan', warning: DELETE_WARNING },
  prepareForCreate(job) {
    clearStatus(job);
    job.status = {};
    job.metadata.generation = 1;
    if (!isObject(job.spec)) job.spec = {};
    if ((job.spec as Obj).manualSelector !== true) generateSelector(job);
  },
  prepareForUpdate(job, old) {
    keepStatus(job, old);
    bumpGeneration(job, old);
  },
  validate: validateJobCreate,
  validateUpdate: validateJobUpdate,
};

export const statusStrategy = statusOf(validateJobStatusUpdate);

const conditionTrue = (status: Obj, type: string): boolean =>
  a(status.conditions)
    .map(o)
    .some((c) => c.type === type && c.status === 'True');

/** printJob's STATUS: the terminal condition, else what holds the Job back, else Running. */
function jobStatus(job: KObject, status: Obj): string {
  if (conditionTrue(status, 'Complete')) return 'Complete';
  if (conditionTrue(status, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (conditionTrue(status, 'Suspended')) return 'Suspended';
  if (conditionTrue(status, 'FailureTarget')) return 'FailureTarget';
  if (conditionTrue(status, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.batch.v1.Job'),
  row(job, now) {
    const spec = o(job.spec),
      status = o(job.status);
    const succeeded = n(status.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') completions = `${succeeded}/${n(spec.completions)}`;
    else if (n(spec.parallelism) > 1) completions = `${succeeded}/1 of ${n(spec.parallelism)}`;
    else completions = `${succeeded}/1`;
    const start = parseTime(status.startTime),
      end = parseTime(status.completionTime);
    let duration = '';
    if (start !== undefined) duration = humanDuration((end ?? now.getTime()) - start);
    return {
      cells: [
        s(job.metadata.name),
        jobStatus(job, status),
        completions,
        duration,
        ...podTemplateCells(job, now, spec.template, [formatLabelSelector(spec.selector)]),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    kind: 'Job',
    namespaced: true,
    schema: 'io.k8s.api.batch.v1.Job',
    categories: ['all'],
  },
  strategy,
  subresources: {
    status: { kind: 'Job', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
