// The columns `kubectl get` shows for Jobs and CronJobs, as kube-apiserver v1.32's printJob and
// printCronJob declare them (pkg/printers/internalversion); columns.ts looks here for them (a
// function: the two modules import each other, so nothing is built until first asked for).

import { ageCol, col, D, nameCol, type PrinterColumn } from './columns.js';

const SELECTOR = 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';

let built: Record<string, PrinterColumn[]> | undefined;

export const batchColumns = (): Record<string, PrinterColumn[]> => (built ??= {
  'io.k8s.api.batch.v1.Job': [
    nameCol,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', SELECTOR, 1),
  ],
  'io.k8s.api.batch.v1.CronJob': [
    nameCol,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', SELECTOR, 1),
  ],
});
