// client-go's workqueue metrics (k8s.io/component-base/metrics/prometheus/workqueue), with
// prom-client in its default registry: workqueue_depth, workqueue_adds_total,
// workqueue_queue_duration_seconds, workqueue_work_duration_seconds and workqueue_retries_total,
// labelled by queue name. kube-controller-manager installs this provider for its queues.

import client from 'prom-client';
import { metric } from '../metrics/legacyregistry.js';
import type { QueueMetrics, QueueMetricsProvider } from './workqueue.js';

const BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10];

export const prometheusQueueMetrics: QueueMetricsProvider = (name: string): QueueMetrics => {
  const depth = metric(
    'workqueue_depth',
    () => new client.Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'] }),
  );
  const adds = metric(
    'workqueue_adds_total',
    () => new client.Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'] }),
  );
  const latency = metric(
    'workqueue_queue_duration_seconds',
    () =>
      new client.Histogram({
        name: 'workqueue_queue_duration_seconds',
        help: 'How long in seconds an item stays in workqueue before being requested.',
        labelNames: ['name'],
        buckets: BUCKETS,
      }),
  );
  const work = metric(
    'workqueue_work_duration_seconds',
    () =>
      new client.Histogram({
        name: 'workqueue_work_duration_seconds',
        help: 'How long in seconds processing an item from workqueue takes.',
        labelNames: ['name'],
        buckets: BUCKETS,
      }),
  );
  const retries = metric(
    'workqueue_retries_total',
    () =>
      new client.Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'] }),
  );
  const l = { name };
  // Present from the start, at zero, as client-go's are.
  depth.inc(l, 0);
  adds.inc(l, 0);
  retries.inc(l, 0);
  return {
    add: () => adds.inc(l),
    depth: (d) => depth.inc(l, d),
    latency: (s) => latency.observe(l, s),
    workDuration: (s) => work.observe(l, s),
    retry: () => retries.inc(l),
  };
};
