// The kubelet's instrumented runtime service (pkg/kubelet/kuberuntime/instrumented_services.go):
// every call the kubelet makes to the container runtime counted and timed by operation, as
// kubelet_runtime_operations_total, kubelet_runtime_operations_duration_seconds and
// kubelet_runtime_operations_errors_total. The durations are what a pod start is made of on the
// node (sandbox, container create, start), beside the control plane's side of it.

import client from 'prom-client';
import { metric } from '../../metrics/legacyregistry.js';
import type { RuntimeService } from '../runtime/types.js';

const operations = metric(
  'kubelet_runtime_operations_total',
  () =>
    new client.Counter({
      name: 'kubelet_runtime_operations_total',
      help: 'Cumulative number of runtime operations by operation type.',
      labelNames: ['operation_type'],
    }),
);
const durations = metric(
  'kubelet_runtime_operations_duration_seconds',
  () =>
    new client.Histogram({
      name: 'kubelet_runtime_operations_duration_seconds',
      help: 'Duration in seconds of runtime operations. Broken down by operation type.',
      labelNames: ['operation_type'],
      // kubelet's: metrics.ExponentialBuckets(.005, 2.5, 14).
      buckets: Array.from({ length: 14 }, (_, i) => 0.005 * 2.5 ** i),
    }),
);
const errors = metric(
  'kubelet_runtime_operations_errors_total',
  () =>
    new client.Counter({
      name: 'kubelet_runtime_operations_errors_total',
      help: 'Cumulative number of runtime operation errors by operation type.',
      labelNames: ['operation_type'],
    }),
);

/** The CRI calls timed, by the operation_type kubelet gives each. */
const OPERATIONS: Partial<Record<keyof RuntimeService, string>> = {
  version: 'version',
  runPodSandbox: 'run_podsandbox',
  stopPodSandbox: 'stop_podsandbox',
  removePodSandbox: 'remove_podsandbox',
  podSandboxStatus: 'podsandbox_status',
  listPodSandbox: 'list_podsandbox',
  createContainer: 'create_container',
  startContainer: 'start_container',
  stopContainer: 'stop_container',
  removeContainer: 'remove_container',
  containerStatus: 'container_status',
  listContainers: 'list_containers',
  exec: 'exec',
  attach: 'attach',
  portForward: 'port_forward',
  execSync: 'exec_sync',
  containerStats: 'container_stats',
};

/** The runtime with each CRI call counted and timed; everything else passes through. */
export function instrumentedRuntime(runtime: RuntimeService): RuntimeService {
  return new Proxy(runtime, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const op = OPERATIONS[prop as keyof RuntimeService];
      if (!op) return value.bind(target);
      return (...args: unknown[]) => {
        const end = durations.startTimer({ operation_type: op });
        operations.inc({ operation_type: op });
        const failed = (e: unknown) => {
          end();
          errors.inc({ operation_type: op });
          throw e;
        };
        try {
          return Promise.resolve(value.apply(target, args)).then((r) => {
            end();
            return r;
          }, failed);
        } catch (e) {
          return failed(e);
        }
      };
    },
  });
}

/** Mean duration (ms) and count of each operation so far in this process (benches print them). */
export async function runtimeOperationTimes(): Promise<Map<string, { count: number; meanMs: number }>> {
  const out = new Map<string, { count: number; sumS: number }>();
  for (const v of (await durations.get()).values) {
    const op = String(v.labels.operation_type);
    const cur = out.get(op) ?? { count: 0, sumS: 0 };
    if (v.metricName === 'kubelet_runtime_operations_duration_seconds_sum') cur.sumS = v.value;
    else if (v.metricName === 'kubelet_runtime_operations_duration_seconds_count') cur.count = v.value;
    out.set(op, cur);
  }
  return new Map([...out].map(([op, { count, sumS }]) => [op, { count, meanMs: count ? (sumS * 1000) / count : 0 }]));
}
