// The kubelet's /metrics/resource endpoint (pkg/kubelet/metrics/collectors/resource_metrics.go),
// what metrics-server scrapes: cumulative CPU seconds and memory working set of the node, of
// each pod and of each running container, each sample with the time it was read, in
// Prometheus' text format. Containers are read through the runtime's ContainerStats (their
// cgroup on the OCI runtime, their process tree on the process runtime); the node from the root
// cgroup as cAdvisor does, or /proc where the root cgroup does not account memory (v2).

import { readFileSync } from 'node:fs';
import { cgroupUsage } from '../runtime/oci/cgroups.js';
import type { RuntimeService } from '../runtime/types.js';

export interface UsageSample {
  cpuSeconds?: number;
  workingSetBytes?: number;
  timestamp: number;
}

/** The whole machine: the root cgroup's CPU and working set, /proc's when the cgroup has none. */
export function nodeUsage(): UsageSample {
  const root = cgroupUsage('');
  let cpuNanos = root.cpuNanos;
  if (cpuNanos === undefined) {
    try {
      // /proc/stat's first line: user nice system idle iowait irq softirq steal, in USER_HZ ticks.
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      cpuNanos = ((f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) * 1e9) / 100;
    } catch {
      /* not Linux */
    }
  }
  let ws = root.workingSetBytes;
  if (ws === undefined) {
    try {
      const mi = readFileSync('/proc/meminfo', 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, 'm').exec(mi)?.[1] ?? NaN);
      const v = (kb('MemTotal') - kb('MemAvailable')) * 1024;
      if (Number.isFinite(v)) ws = v;
    } catch {
      /* not Linux */
    }
  }
  return { cpuSeconds: cpuNanos === undefined ? undefined : cpuNanos / 1e9, workingSetBytes: ws, timestamp: Date.now() };
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export async function resourceMetricsText(runtime: RuntimeService, node: () => UsageSample = nodeUsage): Promise<string> {
  const out: Record<string, string[]> = {
    container_cpu_usage_seconds_total: [],
    container_memory_working_set_bytes: [],
    container_start_time_seconds: [],
    node_cpu_usage_seconds_total: [],
    node_memory_working_set_bytes: [],
    pod_cpu_usage_seconds_total: [],
    pod_memory_working_set_bytes: [],
  };
  const n = node();
  if (n.cpuSeconds !== undefined) out.node_cpu_usage_seconds_total.push(`node_cpu_usage_seconds_total ${n.cpuSeconds} ${n.timestamp}`);
  if (n.workingSetBytes !== undefined)
    out.node_memory_working_set_bytes.push(`node_memory_working_set_bytes ${n.workingSetBytes} ${n.timestamp}`);
  let errors = 0;
  if (runtime.containerStats) {
    const sandboxes = (await runtime.listPodSandbox()).filter((s) => s.state === 'SANDBOX_READY');
    for (const sb of sandboxes) {
      const pod = `namespace="${esc(sb.metadata.namespace)}",pod="${esc(sb.metadata.name)}"`;
      let podCpu = 0,
        podMem = 0,
        ts = 0,
        any = false;
      for (const c of await runtime.listContainers({ podSandboxId: sb.id, state: 'CONTAINER_RUNNING' })) {
        const st = await runtime.containerStats(c.id).catch(() => {
          errors++;
          return undefined;
        });
        if (!st || st.cpuUsageCoreNanoSeconds === undefined) continue;
        const t = st.timestamp ?? Date.now();
        const labels = `container="${esc(c.metadata.name)}",${pod}`;
        out.container_cpu_usage_seconds_total.push(`container_cpu_usage_seconds_total{${labels}} ${st.cpuUsageCoreNanoSeconds / 1e9} ${t}`);
        out.container_memory_working_set_bytes.push(`container_memory_working_set_bytes{${labels}} ${st.memoryWorkingSetBytes ?? 0} ${t}`);
        if (c.startedAt) out.container_start_time_seconds.push(`container_start_time_seconds{${labels}} ${c.startedAt / 1000} ${t}`);
        podCpu += st.cpuUsageCoreNanoSeconds / 1e9;
        podMem += st.memoryWorkingSetBytes ?? 0;
        ts = Math.max(ts, t);
        any = true;
      }
      if (any) {
        out.pod_cpu_usage_seconds_total.push(`pod_cpu_usage_seconds_total{${pod}} ${podCpu} ${ts}`);
        out.pod_memory_working_set_bytes.push(`pod_memory_working_set_bytes{${pod}} ${podMem} ${ts}`);
      }
    }
  }
  const help: Record<string, [string, string]> = {
    container_cpu_usage_seconds_total: ['counter', '[STABLE] Cumulative cpu time consumed by the container in core-seconds'],
    container_memory_working_set_bytes: ['gauge', '[STABLE] Current working set of the container in bytes'],
    container_start_time_seconds: ['gauge', '[STABLE] Start time of the container since unix epoch in seconds'],
    node_cpu_usage_seconds_total: ['counter', '[STABLE] Cumulative cpu time consumed by the node in core-seconds'],
    node_memory_working_set_bytes: ['gauge', '[STABLE] Current working set of the node in bytes'],
    pod_cpu_usage_seconds_total: ['counter', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds'],
    pod_memory_working_set_bytes: ['gauge', '[STABLE] Current working set of the pod in bytes'],
  };
  let text = '';
  for (const [name, lines] of Object.entries(out)) {
    text += `# HELP ${name} ${help[name][1]}\n# TYPE ${name} ${help[name][0]}\n`;
    for (const l of lines) text += `${l}\n`;
  }
  text += `# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE scrape_error gauge\nscrape_error ${errors ? 1 : 0}\n`;
  return text;
}
