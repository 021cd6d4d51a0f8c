// The API server's metrics, as kube-apiserver's k8s.io/apiserver/pkg/endpoints/metrics and
// storage metrics name them (apiserver_request_total, apiserver_request_duration_seconds,
// apiserver_longrunning_requests, apiserver_registered_watchers, apiserver_storage_objects),
// kept with prom-client in its default registry and served at /metrics in Prometheus' text
// format. Every component of the one-process cluster registers there too (scheduler_*,
// workqueue_*, kubelet_*), so the API server's /metrics shows them all, as k3s's does.

import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';
import { metric, processMetrics, registry } from '../metrics/legacyregistry.js';
import type { RequestInfo } from './request.js';

const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

export const requestTotal = metric(
  'apiserver_request_total',
  () =>
    new client.Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...REQUEST_LABELS, 'code'],
    }),
);

export const requestDuration = metric(
  'apiserver_request_duration_seconds',
  () =>
    new client.Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: [...REQUEST_LABELS],
      // kube-apiserver's buckets.
      buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
    }),
);

export const longrunningRequests = metric(
  'apiserver_longrunning_requests',
  () =>
    new client.Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
    }),
);

export const registeredWatchers = metric(
  'apiserver_registered_watchers',
  () =>
    new client.Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Number of currently registered watchers for a given resources',
      labelNames: ['group', 'version', 'kind'],
    }),
);

/** What counts objects per resource at scrape time (each running API server's watch caches). */
const storageCounters = new Set<() => Map<string, number>>();

metric(
  'apiserver_storage_objects',
  () =>
    new client.Gauge({
      name: 'apiserver_storage_objects',
      help: 'Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
      labelNames: ['resource'],
      collect() {
        this.reset();
        const totals = new Map<string, number>();
        for (const count of storageCounters) for (const [r, n] of count()) totals.set(r, (totals.get(r) ?? 0) + n);
        for (const [resource, n] of totals) this.set({ resource }, n);
      },
    }),
);

/** Registers a source of per-resource object counts; returns its removal. */
export function addStorageCounter(count: () => Map<string, number>): () => void {
  storageCounters.add(count);
  return () => storageCounters.delete(count);
}

/** The metrics verb: LIST, GET, WATCH, POST, PUT, PATCH, APPLY, DELETE, CONNECT (as CleanVerb). */
function cleanVerb(req: IncomingMessage, info: RequestInfo): string {
  switch (info.verb) {
    case 'list':
      return 'LIST';
    case 'watch':
      return 'WATCH';
    case 'get':
      return 'GET';
    case 'create':
      return 'POST';
    case 'update':
      return 'PUT';
    case 'patch':
      return String(req.headers['content-type'] ?? '').startsWith('application/apply-patch') ? 'APPLY' : 'PATCH';
    case 'delete':
    case 'deletecollection':
      return 'DELETE';
    case 'connect':
      return 'CONNECT';
    default:
      return String(req.method ?? 'GET').toUpperCase();
  }
}

function scopeOf(info: RequestInfo): string {
  if (info.name) return 'resource';
  if (info.namespace) return 'namespace';
  return 'cluster';
}

/** Counts and times a request when its response ends (watches and other long-running ones at their end); query is its URL's. */
export function instrumentRequest(
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo | undefined,
  kindOf: (info: RequestInfo) => string | undefined,
  query: URLSearchParams,
): void {
  const start = process.hrtime.bigint();
  const base =
    info?.isResourceRequest && info.resource
      ? {
          verb: cleanVerb(req, info),
          group: info.group,
          version: info.version,
          resource: info.resource,
          subresource: info.subresource ?? '',
          scope: scopeOf(info),
          component: 'apiserver',
        }
      : {
          verb: String(req.method ?? 'GET').toUpperCase(),
          group: '',
          version: '',
          resource: '',
          subresource: '',
          scope: '',
          component: 'apiserver',
        };
  // The request's query as the server parsed it (parsing the URL again cost ~4 us a request).
  const dryRun = query.getAll('dryRun').join(',');
  const longRunning = base.verb === 'WATCH' || base.verb === 'CONNECT';
  const watchKind = base.verb === 'WATCH' && info ? kindOf(info) : undefined;
  if (longRunning) longrunningRequests.inc(base);
  if (watchKind) registeredWatchers.inc({ group: base.group, version: base.version, kind: watchKind });
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    if (longRunning) longrunningRequests.dec(base);
    if (watchKind) registeredWatchers.dec({ group: base.group, version: base.version, kind: watchKind });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    requestTotal.inc({ ...base, dry_run: dryRun, code: String(res.statusCode) });
    requestDuration.observe({ ...base, dry_run: dryRun }, seconds);
  };
  res.once('finish', finish);
  res.once('close', finish);
}

/** GET /metrics: the registry in Prometheus' text exposition format. */
export async function serveMetrics(res: ServerResponse): Promise<void> {
  const text = await processMetrics();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
