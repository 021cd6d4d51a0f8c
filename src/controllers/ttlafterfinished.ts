// The TTL-after-finished controller, as kube-controller-manager's pkg/controller/ttlafterfinished:
// a finished Job (Complete or Failed) with spec.ttlSecondsAfterFinished is deleted, with its pods
// (propagation Foreground), that many seconds after the condition that finished it. Before the
// delete the Job is read again from the API server: its TTL may have changed meanwhile, and the
// uid precondition keeps a new Job of the same name safe.

import { JOBS, type Job } from '../api/types.js';
import { QueueController } from '../client/controller.js';
import { type Informer, objectKey, type SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { isNotFound } from '../client/rest.js';
import { finishedCondition } from './job-util.js';

export interface TTLAfterFinishedOptions {
  log?: (m: string) => void;
  workers?: number;
  now?: () => number;
}

const needsCleanup = (j: Job): boolean => typeof j.spec?.ttlSecondsAfterFinished === 'number' && !!finishedCondition(j);

export class TTLAfterFinishedController extends QueueController {
  private readonly jobInf: Informer<Job>;
  private readonly log: (m: string) => void;
  private readonly now: () => number;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: TTLAfterFinishedOptions = {},
  ) {
    super('ttl-after-finished', opts.workers ?? 5, opts.log);
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
    this.jobInf = factory.informerFor<Job>({ ...JOBS });
    const consider = (j: Job): void => {
      if (!j.metadata.deletionTimestamp && needsCleanup(j)) this.loop.enqueue(objectKey(j));
    };
    this.jobInf.addEventHandler({ onAdd: consider, onUpdate: (_o, j) => consider(j) });
  }

  /** timeLeft: ms until the Job's TTL runs out (negative once it has), or undefined when it has none. */
  private timeLeft(job: Job): number | undefined {
    if (!needsCleanup(job)) return undefined;
    const finishedAt = Date.parse(finishedCondition(job)?.lastTransitionTime ?? '');
    if (Number.isNaN(finishedAt)) return undefined;
    if (finishedAt > this.now())
      this.log(`ttl-after-finished: ${objectKey(job)} finished in the future; likely clock skew: its cleanup waits`);
    return finishedAt + job.spec.ttlSecondsAfterFinished! * 1000 - this.now();
  }

  async reconcile(key: string): Promise<number | void> {
    const cached = this.jobInf.get(key);
    if (!cached || cached.metadata.deletionTimestamp) return;
    const left = this.timeLeft(cached);
    if (left === undefined) return;
    if (left > 0) return left;
    // The cache may be stale: decide again on the live Job.
    let fresh: Job;
    try {
      fresh = await this.client.get<Job>({ ...JOBS, namespace: cached.metadata.namespace, name: cached.metadata.name });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (fresh.metadata.deletionTimestamp) return;
    const again = this.timeLeft(fresh);
    if (again === undefined) return;
    if (again > 0) return again;
    try {
      await this.client.delete(
        { ...JOBS, namespace: fresh.metadata.namespace, name: fresh.metadata.name },
        { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid } },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
