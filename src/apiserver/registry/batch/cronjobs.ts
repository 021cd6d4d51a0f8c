// CronJobs, as kube-apiserver's pkg/registry/batch/cronjob: generation counts spec changes,
// status (active jobs, last schedule and success times) is the cronjob controller's to write.
// The printer is printCronJob.

import { defaultCronJob } from '../../../api/defaults-batch.js';
import { validateCronJobCreate, validateCronJobStatusUpdate, validateCronJobUpdate } from '../../../api/validation/batch.js';
import { a, ageCol, col, containerCells, D, formatLabelSelector, nameCol, o, parseTime, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import { bumpGeneration, clearStatus, keepStatus, statusStrategy as statusOf, type Strategy } from '../strategy.js';

export const strategy: Strategy = {
  defaults: defaultCronJob,
  prepareForCreate(cj) {
    clearStatus(cj);
    cj.status = {};
    cj.metadata.generation = 1;
  },
  prepareForUpdate(cj, old) {
    keepStatus(cj, old);
    bumpGeneration(cj, old);
  },
  validate: validateCronJobCreate,
  validateUpdate: validateCronJobUpdate,
};

export const statusStrategy = statusOf(validateCronJobStatusUpdate);

/** printBoolPtr. */
const boolPtr = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : '<unset>');

export const printer: Printer = {
  columns: [
    nameCol,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
  ],
  row(cj, now) {
    const spec = o(cj.spec), status = o(cj.status);
    const jobSpec = o(o(spec.jobTemplate).spec);
    const last = parseTime(status.lastScheduleTime) === undefined ? '<none>' : timestampSince(status.lastScheduleTime, now);
    const tz = typeof spec.timeZone === 'string' ? spec.timeZone : '<none>';
    const [names, images] = containerCells(o(jobSpec.template).spec);
    return {
      cells: [
        s(cj.metadata.name), s(spec.schedule), tz, boolPtr(spec.suspend), a(status.active).length, last,
        timestampSince(cj.metadata.creationTimestamp, now), names, images, formatLabelSelector(jobSpec.selector),
      ],
    };
  },
};

export const resource = defineResource({
  info: { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true, schema: 'io.k8s.api.batch.v1.CronJob', shortNames: ['cj'], categories: ['all'] },
  strategy,
  subresources: {
    status: { kind: 'CronJob', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
