// The metrics.k8s.io/v1beta1 API, as metrics-server serves it (pkg/api: node.go, pod.go) behind
// kube-apiserver's aggregation layer: NodeMetrics and PodMetrics, read-only (get, list), made at
// request time from the scraper's storage and the nodes and pods the API server stores (their
// labels select, as metrics-server's listers do). k8ts serves it itself: the group is listed in
// discovery like an aggregated API (ServedResources.setAggregated), and requests for it are
// answered here instead of by a registry.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { goDuration } from '../../api/duration.js';
import { errors } from '../../api/errors.js';
import { matchesFields, parseFieldSelector, parseSelector } from '../../api/labels.js';
import type { KObject } from '../../api/object.js';
import { Quantity } from '../../api/quantity.js';
import { col, nameCol } from '../../api/schema/columns.js';
import { writeJSON } from '../http.js';
import { negotiateOutput } from '../negotiation.js';
import { defineResource, type ResourceDefinition } from '../registry/rest.js';
import type { RequestInfo } from '../request.js';
import { buildTable, type Printer, s } from '../tables.js';
import type { MetricsScraper, Usage } from './scraper.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** cpu in nanocores and memory in bytes (binary), as metrics-server writes them. */
function usageList(cpuCores: number, memoryBytes: number): Record<string, string> {
  return {
    cpu: `${Math.max(0, Math.round(cpuCores * 1e9))}n`,
    memory: Quantity.fromInt(Math.max(0, Math.round(memoryBytes)), 'BinarySI').toString(),
  };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

const usageCell = (m: KObject, r: 'cpu' | 'memory'): string => {
  const u = m as { usage?: Record<string, string>; containers?: { usage?: Record<string, string> }[] };
  if (u.usage) return u.usage[r] ?? '';
  let total: Quantity | undefined;
  for (const c of u.containers ?? []) {
    const q = Quantity.tryParse(c.usage?.[r]);
    if (q) total = total ? total.add(q) : q;
  }
  return total?.toString() ?? '';
};

/** metrics-server's table: name, CPU, memory, window. */
function metricsPrinter(): Printer {
  return {
    columns: [
      nameCol,
      col('CPU', 'string', 'CPU usage'),
      col('Memory', 'string', 'Memory usage'),
      col('Window', 'string', 'Interval over which the usage was averaged'),
    ],
    row: (m) => ({ cells: [s(m.metadata.name), usageCell(m, 'cpu'), usageCell(m, 'memory'), s(m.window)] }),
  };
}

/** The two resources, for discovery and OpenAPI (not stored: this handler answers for them). */
export const METRICS_DEFINITIONS: ResourceDefinition[] = [
  defineResource({
    info: {
      group: METRICS_GROUP,
      version: METRICS_VERSION,
      resource: 'nodes',
      kind: 'NodeMetrics',
      namespaced: false,
      schema: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics',
      verbs: ['get', 'list'],
    },
    printer: metricsPrinter(),
  }),
  defineResource({
    info: {
      group: METRICS_GROUP,
      version: METRICS_VERSION,
      resource: 'pods',
      kind: 'PodMetrics',
      namespaced: true,
      schema: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics',
      verbs: ['get', 'list'],
    },
    printer: metricsPrinter(),
  }),
];

export interface MetricsAPIContext {
  listObjects(group: string, resource: string, namespace?: string): KObject[];
}

export class MetricsAPI {
  constructor(
    readonly scraper: MetricsScraper,
    private readonly api: MetricsAPIContext,
  ) {}

  private nodeMetrics(node: KObject, u: Usage): KObject {
    return {
      apiVersion: API_VERSION,
      kind: 'NodeMetrics',
      metadata: {
        name: node.metadata.name,
        creationTimestamp: iso(Date.now()),
        ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
      },
      timestamp: iso(u.timestamp),
      window: goDuration(u.windowMs),
      usage: usageList(u.cpuCores, u.memoryBytes),
    };
  }

  private podMetrics(pod: KObject, containers: Map<string, Usage>): KObject {
    const first = [...containers.values()][0];
    return {
      apiVersion: API_VERSION,
      kind: 'PodMetrics',
      metadata: {
        name: pod.metadata.name,
        namespace: pod.metadata.namespace,
        creationTimestamp: iso(Date.now()),
        ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
      },
      timestamp: iso(first.timestamp),
      window: goDuration(first.windowMs),
      containers: [...containers]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, u]) => ({ name, usage: usageList(u.cpuCores, u.memoryBytes) })),
    };
  }

  /** GET (one or a list) of nodes or pods; other verbs are not served, as metrics-server's REST is read-only. */
  handle(info: RequestInfo, req: IncomingMessage, res: ServerResponse, q: URLSearchParams): void {
    const def = METRICS_DEFINITIONS.find((d) => d.info.resource === info.resource && info.version === METRICS_VERSION);
    if (!def || info.subresource) throw errors.notFound(info.resource ?? '', METRICS_GROUP, info.name ?? '');
    if (info.verb !== 'get' && info.verb !== 'list') throw errors.methodNotAllowed();
    const labels = parseSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'));
    const items: KObject[] = [];
    if (info.resource === 'nodes') {
      for (const node of this.api.listObjects('', 'nodes')) {
        if (info.name && node.metadata.name !== info.name) continue;
        const u = this.scraper.storage.nodeUsage(node.metadata.name ?? '');
        if (u) items.push(this.nodeMetrics(node, u));
      }
    } else {
      for (const pod of this.api.listObjects('', 'pods', info.namespace)) {
        if (info.name && pod.metadata.name !== info.name) continue;
        const u = this.scraper.storage.podUsage(pod.metadata.namespace ?? '', pod.metadata.name ?? '');
        if (u) items.push(this.podMetrics(pod, u));
      }
    }
    const selected = items.filter((m) => labels.matches(m.metadata.labels) && matchesFields(m, fields));
    const out = negotiateOutput(req.headers.accept, q);
    if (info.name) {
      const one = selected[0];
      if (!one) throw errors.notFound(info.resource ?? '', METRICS_GROUP, info.name);
      writeJSON(
        res,
        200,
        out.kind === 'table'
          ? buildTable(def.printer, def.info, [one], { includeObject: out.includeObject ?? 'Metadata', listMeta: {} })
          : one,
      );
      return;
    }
    selected.sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`),
    );
    if (out.kind === 'table') {
      writeJSON(res, 200, buildTable(def.printer, def.info, selected, { includeObject: out.includeObject ?? 'Metadata', listMeta: {} }));
      return;
    }
    writeJSON(res, 200, { apiVersion: API_VERSION, kind: `${def.info.kind}List`, metadata: {}, items: selected });
  }
}
