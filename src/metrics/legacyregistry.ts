// k8s.io/component-base/metrics/legacyregistry: the one registry every component's metrics go
// in (prom-client's default), so the API server's /metrics shows the scheduler's, the
// controllers' work queues', the kubelet's and the node DNS's beside its own, as k3s's does.

import client from 'prom-client';

export const registry = client.register;

/** What a registry of another thread holds (its getMetricsAsJSON()). */
export type MetricsJSON = Awaited<ReturnType<typeof registry.getMetricsAsJSON>>;

/** The registries of this process's component threads (the scheduler's), asked at each scrape. */
const threadSources = new Set<() => Promise<MetricsJSON>>();

/**
 * Adds a thread's registry to what /metrics shows (a worker thread has a prom-client of its own);
 * returns the function that takes it out (when the thread ends).
 */
export function addThreadMetrics(source: () => Promise<MetricsJSON>): () => void {
  threadSources.add(source);
  return () => threadSources.delete(source);
}

/**
 * This process's metrics in Prometheus' text format: this thread's registry and its component
 * threads', a metric in several summed (prom-client's AggregatorRegistry, made for a cluster's
 * workers): the families this thread registered for a component running elsewhere read 0 here.
 */
export async function processMetrics(): Promise<string> {
  if (!threadSources.size) return registry.metrics();
  const others = await Promise.all([...threadSources].map((s) => s().catch(() => [] as MetricsJSON)));
  return client.AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), ...others]).metrics();
}

/**
 * The metric of that name, made by make the first time: registration is get-or-create, as several
 * API servers, node agents or DNS servers in one process (tests, the one-process cluster) share one.
 */
export function metric<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
