// The kubelet's metrics (pkg/kubelet/metrics), with prom-client in its default registry:
// kubelet_running_pods and kubelet_running_containers (read from each node agent's pod
// statuses at scrape time), kubelet_pod_start_duration_seconds (from the agent first seeing a
// pod to its phase Running) and kubelet_node_name.

import client from 'prom-client';
import type { PodStatus } from '../../api/types.js';
import { metric } from '../../metrics/legacyregistry.js';

/** Each running agent's pod statuses (the status manager's last written ones), read at scrape time. */
const sources = new Set<() => Iterable<PodStatus>>();

metric(
  'kubelet_running_pods',
  () =>
    new client.Gauge({
      name: 'kubelet_running_pods',
      help: 'Number of pods that have a running pod sandbox',
      collect() {
        let n = 0;
        for (const s of sources) for (const st of s()) if (st.phase === 'Running') n++;
        this.set(n);
      },
    }),
);

metric(
  'kubelet_running_containers',
  () =>
    new client.Gauge({
      name: 'kubelet_running_containers',
      help: 'Number of containers currently running',
      labelNames: ['container_state'],
      collect() {
        const counts = { running: 0, exited: 0, created: 0 };
        for (const s of sources) {
          for (const st of s()) {
            for (const c of [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? [])]) {
              if (c.state?.running) counts.running++;
              else if (c.state?.terminated) counts.exited++;
              else counts.created++;
            }
          }
        }
        for (const [container_state, v] of Object.entries(counts)) this.set({ container_state }, v);
      },
    }),
);

const podStartDuration = metric(
  'kubelet_pod_start_duration_seconds',
  () =>
    new client.Histogram({
      name: 'kubelet_pod_start_duration_seconds',
      help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
      buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600],
    }),
);

const nodeNameGauge = metric(
  'kubelet_node_name',
  () => new client.Gauge({ name: 'kubelet_node_name', help: "The node's name. The count is always 1.", labelNames: ['node'] }),
);

export function addPodStatusSource(nodeName: string, statuses: () => Iterable<PodStatus>): () => void {
  sources.add(statuses);
  nodeNameGauge.set({ node: nodeName }, 1);
  return () => {
    sources.delete(statuses);
    nodeNameGauge.remove({ node: nodeName });
  };
}

export function observePodStart(seconds: number): void {
  podStartDuration.observe(seconds);
}

/**
 * prober_probe_total (pkg/kubelet/prober: ProberResults): each probe run counted by type and
 * result ("successful", "failed", "unknown"), labelled with its container and pod; a probe
 * worker removes its series when it stops, as kubelet's does.
 */
const proberResults = metric(
  'prober_probe_total',
  () =>
    new client.Counter({
      name: 'prober_probe_total',
      help: 'Cumulative number of a liveness, readiness or startup probe for a container by result.',
      labelNames: ['probe_type', 'result', 'container', 'pod', 'namespace', 'pod_uid'],
    }),
);

export interface ProbeLabels {
  probe_type: 'Liveness' | 'Readiness' | 'Startup';
  container: string;
  pod: string;
  namespace: string;
  pod_uid: string;
}

export function countProbe(labels: ProbeLabels, result: 'successful' | 'failed' | 'unknown'): void {
  proberResults.inc({ ...labels, result });
}

export function forgetProbe(labels: ProbeLabels): void {
  for (const result of ['successful', 'failed', 'unknown']) proberResults.remove({ ...labels, result });
}

/** Probe runs counted so far by this process's agents (benches read it beside the CPU they used). */
export async function probeRuns(): Promise<number> {
  let n = 0;
  for (const v of (await proberResults.get()).values) n += v.value;
  return n;
}
