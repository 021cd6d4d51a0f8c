// The batch/v1 controllers of kube-controller-manager, built on the shared informers: job,
// cronjob (v2) and ttl-after-finished.

import type { SharedInformerFactory } from '../client/informer.js';
import { CronJobController } from './cronjob.js';
import { JobController } from './job.js';
import type { ClientFor, Runnable } from './manager.js';
import { TTLAfterFinishedController } from './ttlafterfinished.js';

export function batchControllers(clients: ClientFor, factory: SharedInformerFactory, log?: (m: string) => void): Runnable[] {
  return [
    new JobController(clients('job-controller'), factory, { log }),
    new CronJobController(clients('cronjob-controller'), factory, { log }),
    new TTLAfterFinishedController(clients('ttl-after-finished-controller'), factory, { log }),
  ];
}
