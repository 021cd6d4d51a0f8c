// CronJobs, as kube-apiserver's pkg/registry/batch/cronjob: generation counts spec changes,
// status (active jobs, last schedule and success times) is the cronjob controller's to write.
// The printer is printCronJob.

import { defaultCronJob } from '../../../api/defaults-batch.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateCronJobCreate, validateCronJobStatusUpdate, validateCronJobUpdate } from '../../../api/validation/batch.js';
import { a, formatLabelSelector, o, type Printer, parseTime, podTemplateCells, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { generationStrategy, statusStrategy as statusOf } from '../strategy.js';

export const strategy = generationStrategy({
  defaults: defaultCronJob,
  initialStatus: () => ({}),
  validate: validateCronJobCreate,
  validateUpdate: validateCronJobUpdate,
});

export const statusStrategy = statusOf(validateCronJobStatusUpdate);

/** printBoolPtr. */
const boolPtr = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : '<unset>');

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.batch.v1.CronJob'),
  row(cj, now) {
    const spec = o(cj.spec),
      status = o(cj.status);
    const jobSpec = o(o(spec.jobTemplate).spec);
    const last = parseTime(status.lastScheduleTime) === undefined ? '<none>' : timestampSince(status.lastScheduleTime, now);
    const tz = typeof spec.timeZone === 'string' ? spec.timeZone : '<none>';
    return {
      cells: [
        s(cj.metadata.name),
        s(spec.schedule),
        tz,
        boolPtr(spec.suspend),
        a(status.active).length,
        last,
        ...podTemplateCells(cj, now, jobSpec.template, [formatLabelSelector(jobSpec.selector)]),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    kind: 'CronJob',
    namespaced: true,
    schema: 'io.k8s.api.batch.v1.CronJob',
    shortNames: ['cj'],
    categories: ['all'],
  },
  strategy,
  subresources: {
    status: { kind: 'CronJob', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
