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
export type RequestLabels = Record<(typeof REQUEST_LABELS)[number], string>;

/** kube-apiserver's buckets for apiserver_request_duration_seconds. */
export const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/**
 * One label set of the request metrics, found by one string key, counted here as requests end:
 * prom-client's Counter.inc and Histogram.observe validate and hash the labels object on every
 * call (~5-10 us a request with the objects spread for them). The counts reach prom-client when
 * the metrics are read (the counter's collect; the histogram below is read from here).
 */
export interface RequestSeries {
  labels: RequestLabels;
  /** Requests by HTTP code not yet added to apiserver_request_total. */
  pending: Map<number, number>;
  /** Observations per bucket (not cumulative; the last one past every bound), their sum and count. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

const requestSeries = new Map<string, RequestSeries>();

export function seriesFor(labels: RequestLabels): RequestSeries {
  // Each value after its length: any text may come in a request's path or query, and no two
  // label sets may share a key.
  const { verb: a, dry_run: b, group: c, version: d, resource: e, subresource: f, scope: g, component: h } = labels;
  const key = `${a.length}:${a}${b.length}:${b}${c.length}:${c}${d.length}:${d}${e.length}:${e}${f.length}:${f}${g.length}:${g}${h.length}:${h}`;
  let s = requestSeries.get(key);
  if (s === undefined) {
    s = { labels, pending: new Map(), buckets: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0 };
    requestSeries.set(key, s);
  }
  return s;
}

/** Counts a finished request of series s: its code, and its duration in its bucket. */
export function observeRequest(s: RequestSeries, code: number, seconds: number): void {
  s.pending.set(code, (s.pending.get(code) ?? 0) + 1);
  let b = 0;
  while (b < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[b]) b++;
  s.buckets[b]++;
  s.sum += seconds;
  s.count++;
}

export const requestTotal = metric(
  'apiserver_request_total',
  () =>
    new client.Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...REQUEST_LABELS, 'code'],
      // What was counted since the last read, added once per label set and code.
      collect() {
        for (const s of requestSeries.values()) {
          for (const [code, n] of s.pending) this.inc({ ...s.labels, code: String(code) }, n);
          s.pending.clear();
        }
      },
    }),
);

/**
 * apiserver_request_duration_seconds read from the request series, in the form prom-client's
 * Histogram gives the registry (get / getForPromString: the same lines, buckets cumulative, the
 * series' labels after le).
 */
class RequestDurationHistogram {
  readonly name = 'apiserver_request_duration_seconds';
  readonly help =
    'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  getForPromString() {
    const values: { labels: Record<string, string | number>; sharedLabels?: RequestLabels; value: number; metricName: string }[] = [];
    for (const s of requestSeries.values()) {
      if (s.count === 0) continue;
      let acc = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        acc += s.buckets[i];
        values.push({ labels: { le: DURATION_BUCKETS[i] }, sharedLabels: s.labels, value: acc, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  async get() {
    const m = this.getForPromString();
    return { ...m, values: m.values.map(({ labels, sharedLabels, ...v }) => ({ ...v, labels: { ...labels, ...sharedLabels } })) };
  }

  /** As Registry.resetMetrics resets a histogram: its observations gone. */
  reset(): void {
    for (const s of requestSeries.values()) {
      s.buckets.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

export const requestDuration = metric('apiserver_request_duration_seconds', () => {
  const h = new RequestDurationHistogram();
  registry.registerMetric(h as unknown as client.Metric);
  return h;
});

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
  const start = performance.now();
  const base: RequestLabels =
    info?.isResourceRequest && info.resource
      ? {
          verb: cleanVerb(req, info),
          // The request's query as the server parsed it (parsing the URL again cost ~4 us a request).
          dry_run: query.getAll('dryRun').join(','),
          group: info.group,
          version: info.version,
          resource: info.resource,
          subresource: info.subresource ?? '',
          scope: scopeOf(info),
          component: 'apiserver',
        }
      : {
          verb: String(req.method ?? 'GET').toUpperCase(),
          dry_run: query.getAll('dryRun').join(','),
          group: '',
          version: '',
          resource: '',
          subresource: '',
          scope: '',
          component: 'apiserver',
        };
  const series = seriesFor(base);
  const longRunning = base.verb === 'WATCH' || base.verb === 'CONNECT';
  const watchKind = base.verb === 'WATCH' && info ? kindOf(info) : undefined;
  const gaugeLabels = longRunning
    ? {
        verb: base.verb,
        group: base.group,
        version: base.version,
        resource: base.resource,
        subresource: base.subresource,
        scope: base.scope,
        component: base.component,
      }
    : undefined;
  if (gaugeLabels) longrunningRequests.inc(gaugeLabels);
  if (watchKind) registeredWatchers.inc({ group: base.group, version: base.version, kind: watchKind });
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    if (gaugeLabels) longrunningRequests.dec(gaugeLabels);
    if (watchKind) registeredWatchers.dec({ group: base.group, version: base.version, kind: watchKind });
    observeRequest(series, res.statusCode, (performance.now() - start) / 1000);
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
