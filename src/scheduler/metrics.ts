// kube-scheduler's metrics (pkg/scheduler/metrics), with prom-client in its default registry:
// scheduler_schedule_attempts_total and scheduler_scheduling_attempt_duration_seconds by result
// (scheduled, unschedulable, error) and profile, scheduler_pending_pods by queue,
// scheduler_preemption_attempts_total and scheduler_preemption_victims, and
// scheduler_scheduling_algorithm_duration_seconds (filter and score of one pod, without binding).

import client from 'prom-client';

function metric<T>(name: string, make: () => T): T {
  return (client.register.getSingleMetric(name) as T | undefined) ?? make();
}

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

const attempts = metric(
  'scheduler_schedule_attempts_total',
  () =>
    new client.Counter({
      name: 'scheduler_schedule_attempts_total',
      help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
      labelNames: ['result', 'profile'],
    }),
);

const attemptDuration = metric(
  'scheduler_scheduling_attempt_duration_seconds',
  () =>
    new client.Histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: client.exponentialBuckets(0.001, 2, 15),
    }),
);

/** The name bench/scheduler.ts reads the algorithm's own time from. */
export const ALGORITHM_DURATION = 'scheduler_scheduling_algorithm_duration_seconds';

const algorithmDuration = metric(
  ALGORITHM_DURATION,
  () =>
    new client.Histogram({
      name: ALGORITHM_DURATION,
      help: 'Scheduling algorithm latency in seconds',
      buckets: client.exponentialBuckets(0.001, 2, 15),
    }),
);

const preemptionAttempts = metric(
  'scheduler_preemption_attempts_total',
  () =>
    new client.Counter({
      name: 'scheduler_preemption_attempts_total',
      help: 'Total preemption attempts in the cluster till now',
    }),
);

const preemptionVictims = metric(
  'scheduler_preemption_victims',
  () =>
    new client.Histogram({
      name: 'scheduler_preemption_victims',
      help: 'Number of selected preemption victims',
      buckets: client.exponentialBuckets(1, 2, 7),
    }),
);

/** Each running scheduler's queue sizes, read at scrape time. */
const queues = new Set<() => { active: number; backoff: number; unschedulable: number; gated: number }>();

metric(
  'scheduler_pending_pods',
  () =>
    new client.Gauge({
      name: 'scheduler_pending_pods',
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
      labelNames: ['queue'],
      collect() {
        const sum = { active: 0, backoff: 0, unschedulable: 0, gated: 0 };
        for (const q of queues) {
          const c = q();
          sum.active += c.active;
          sum.backoff += c.backoff;
          sum.unschedulable += c.unschedulable;
          sum.gated += c.gated;
        }
        for (const [queue, n] of Object.entries(sum)) this.set({ queue }, n);
      },
    }),
);

export function addPendingPodsSource(count: () => { active: number; backoff: number; unschedulable: number; gated: number }): () => void {
  queues.add(count);
  return () => queues.delete(count);
}

export function observeAttempt(result: AttemptResult, startedAt: number, profile = 'default-scheduler'): void {
  attempts.inc({ result, profile });
  attemptDuration.observe({ result, profile }, (performance.now() - startedAt) / 1000);
}

export function observeAlgorithm(startedAt: number): void {
  algorithmDuration.observe((performance.now() - startedAt) / 1000);
}

export function observePreemption(victims: number): void {
  preemptionAttempts.inc();
  if (victims > 0) preemptionVictims.observe(victims);
}
