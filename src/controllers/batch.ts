// The batch/v1 controllers of kube-controller-manager, built on the shared informers: job,
// cronjob (v2) and ttl-after-finished.

import type { RestClient } from '../client/rest.js';
import type { SharedInformerFactory } from '../client/informer.js';
import { CronJobController } from './cronjob.js';
import { JobController } from './job.js';
import { TTLAfterFinishedController } from './ttlafterfinished.js';
import type { Runnable } from './manager.js';

export function batchControllers(client: RestClient, factory: SharedInformerFactory, log?: (m: string) => void): Runnable[] {
  return [
    new JobController(client, factory, { log }),
    new CronJobController(client, factory, { log }),
    new TTLAfterFinishedController(client, factory, { log }),
  ];
}
