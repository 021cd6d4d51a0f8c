// k8s.io/component-base/metrics/legacyregistry: the one registry every component's metrics go
// in (prom-client's default), so the API server's /metrics shows the scheduler's, the
// controllers' work queues', the kubelet's and the node DNS's beside its own, as k3s's does.

import client from 'prom-client';

export const registry = client.register;

/**
 * The metric of that name, made by make the first time: registration is get-or-create, as several
 * API servers, node agents or DNS servers in one process (tests, the one-process cluster) share one.
 */
export function metric<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
