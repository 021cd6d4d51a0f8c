// metrics-server's scraper and storage (sigs.k8s.io/metrics-server pkg/scraper, pkg/storage),
// inside k8ts: every resolution period (--metric-resolution, 15 s) each node's kubelet
// /metrics/resource is read, and the last two samples of each node and container are kept, so
// CPU usage is the rate between them (cores) over their window, and memory the last working set.

import http from 'node:http';
import https from 'node:https';
import { errorMessage } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { Node } from '../../api/types.js';
import { type KubeletClientTLS, kubeletTLSOptions } from '../kubeletclient.js';
import { DEFAULT_KUBELET_PORT } from '../locations.js';

/** One cumulative CPU reading and one working-set reading, taken at timestamp (Unix ms). */
export interface Sample {
  cpuSeconds: number;
  memoryBytes: number;
  timestamp: number;
  startTime?: number;
}

export interface Usage {
  cpuCores: number;
  memoryBytes: number;
  timestamp: number;
  windowMs: number;
}

interface Points {
  prev?: Sample;
  last: Sample;
}

/** A scrape's figures: the node, and each container by "namespace/pod" then container name. */
export interface NodeBatch {
  node?: Sample;
  pods: Map<string, Map<string, Sample>>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(\d+))?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Decodes the kubelet's /metrics/resource text (the series metrics-server decodes). */
export function parseResourceMetrics(text: string, now = Date.now()): NodeBatch {
  const batch: NodeBatch = { pods: new Map() };
  const node: Partial<Sample> = {};
  const container = (labels: Record<string, string>): Partial<Sample> | undefined => {
    if (!labels.namespace || !labels.pod || !labels.container) return undefined;
    const key = `${labels.namespace}/${labels.pod}`;
    if (!batch.pods.has(key)) batch.pods.set(key, new Map());
    const pod = batch.pods.get(key)!;
    if (!pod.has(labels.container)) pod.set(labels.container, { cpuSeconds: NaN, memoryBytes: NaN, timestamp: 0 });
    return pod.get(labels.container)!;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, labelText = '', valueText, tsText] = m;
    const value = Number(valueText);
    if (!Number.isFinite(value)) continue;
    const ts = tsText ? Number(tsText) : now;
    const labels: Record<string, string> = {};
    for (const l of labelText.matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, (_a, c: string) => (c === 'n' ? '\n' : c));
    switch (name) {
      case 'node_cpu_usage_seconds_total':
        node.cpuSeconds = value;
        node.timestamp = ts;
        break;
      case 'node_memory_working_set_bytes':
        node.memoryBytes = value;
        break;
      case 'container_cpu_usage_seconds_total': {
        const c = container(labels);
        if (c) {
          c.cpuSeconds = value;
          c.timestamp = ts;
        }
        break;
      }
      case 'container_memory_working_set_bytes': {
        const c = container(labels);
        if (c) c.memoryBytes = value;
        break;
      }
      case 'container_start_time_seconds': {
        const c = container(labels);
        if (c) c.startTime = value;
        break;
      }
    }
  }
  if (node.cpuSeconds !== undefined && node.memoryBytes !== undefined) batch.node = node as Sample;
  // A container without both figures is left out, as metrics-server's decoder does.
  for (const [key, pod] of batch.pods) {
    for (const [c, s] of pod) if (!Number.isFinite(s.cpuSeconds) || !Number.isFinite(s.memoryBytes) || !s.timestamp) pod.delete(c);
    if (pod.size === 0) batch.pods.delete(key);
  }
  return batch;
}

function rate(p: Points): Usage | undefined {
  if (!p.prev) return undefined;
  const windowMs = p.last.timestamp - p.prev.timestamp;
  const cpu = p.last.cpuSeconds - p.prev.cpuSeconds;
  if (windowMs <= 0 || cpu < 0) return undefined;
  return { cpuCores: cpu / (windowMs / 1000), memoryBytes: p.last.memoryBytes, timestamp: p.last.timestamp, windowMs };
}

/** The storage: two points per node and per container; a pod has usage once all its containers have. */
export class MetricsStorage {
  private nodes = new Map<string, Points>();
  private pods = new Map<string, { node: string; containers: Map<string, Points> }>();

  store(nodeName: string, batch: NodeBatch): void {
    if (batch.node) this.nodes.set(nodeName, advance(this.nodes.get(nodeName), batch.node));
    // Pods of this node that the batch no longer has are gone.
    for (const [key, pod] of this.pods) if (pod.node === nodeName && !batch.pods.has(key)) this.pods.delete(key);
    for (const [key, containers] of batch.pods) {
      const prev = this.pods.get(key);
      const next = new Map<string, Points>();
      for (const [c, s] of containers) next.set(c, advance(prev?.containers.get(c), s));
      this.pods.set(key, { node: nodeName, containers: next });
    }
  }

  forgetNode(nodeName: string): void {
    this.nodes.delete(nodeName);
    for (const [key, pod] of this.pods) if (pod.node === nodeName) this.pods.delete(key);
  }

  nodeUsage(name: string): Usage | undefined {
    const p = this.nodes.get(name);
    return p ? rate(p) : undefined;
  }

  podUsage(namespace: string, name: string): Map<string, Usage> | undefined {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod?.containers.size) return undefined;
    const out = new Map<string, Usage>();
    for (const [c, p] of pod.containers) {
      const u = rate(p);
      if (!u) return undefined;
      out.set(c, u);
    }
    return out;
  }
}

/** The new sample becomes last; the old last becomes prev unless the container restarted (its counter went back). */
function advance(old: Points | undefined, s: Sample): Points {
  if (!old) return { last: s };
  if (s.timestamp <= old.last.timestamp) return old;
  const restarted =
    s.cpuSeconds < old.last.cpuSeconds ||
    (s.startTime !== undefined && old.last.startTime !== undefined && s.startTime !== old.last.startTime);
  return restarted ? { last: s } : { prev: old.last, last: s };
}

export interface ScraperOptions {
  nodes(): KObject[];
  /** The bearer token node agents accept from the API server (one for all: tests' single node). */
  nodeToken?: string;
  /** Or TLS to each node, verified as that node, with the API server's kubelet client certificate (apiserver/kubeletclient.ts). */
  kubeletTLS?: KubeletClientTLS;
  /** The node agents' CA (TLS) when they serve TLS. */
  caData?: string;
  /** --metric-resolution (default 15 s). */
  resolutionMs?: number;
  /** --kubelet-request-timeout (default 10 s). */
  timeoutMs?: number;
  log?: (m: string) => void;
}

/**
 * The first scrape, this long after start (or the resolution, if shorter). Not at once, as
 * metrics-server does: here the scraper starts with the API server, when there is nothing to
 * scrape yet (no node on a new cluster; on a restart, the last run's node, whose endpoint is gone:
 * a refused connection logged), and building its TLS request took the API server's start ~20 ms of
 * its one thread (#13). Two seconds on, the node has registered: on a new cluster the first
 * figures come then rather than a whole resolution (15 s) later.
 */
const FIRST_SCRAPE_MS = 2_000;

export class MetricsScraper {
  readonly storage = new MetricsStorage();
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private busy = false;
  readonly resolutionMs: number;

  constructor(private readonly opts: ScraperOptions) {
    this.resolutionMs = opts.resolutionMs ?? 15_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.scrapeAll(), this.resolutionMs);
    this.timer.unref();
    this.first = setTimeout(() => void this.scrapeAll(), Math.min(this.resolutionMs, FIRST_SCRAPE_MS));
    this.first.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearTimeout(this.first);
    this.timer = undefined;
    this.first = undefined;
  }

  async scrapeAll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const nodes = this.opts.nodes() as unknown as Node[];
      await Promise.all(
        nodes.map(async (n) => {
          const name = n.metadata.name ?? '';
          try {
            const text = await this.fetch(n);
            if (text !== undefined) this.storage.store(name, parseResourceMetrics(text));
          } catch (e) {
            this.opts.log?.(`metrics-server: scraping node ${name}: ${errorMessage(e)}`);
          }
        }),
      );
    } finally {
      this.busy = false;
    }
  }

  /** GET /metrics/resource from the node's kubelet endpoint; undefined for a node that has none (simulated). */
  private fetch(node: Node): Promise<string | undefined> {
    const addrs = node.status?.addresses ?? [];
    const addr = addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'Hostname');
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT;
    // Simulated nodes run no kubelet endpoint (kwok's, likewise): they have no metrics.
    if (!addr || node.metadata.annotations?.['kwok.x-k8s.io/node'] !== undefined) return Promise.resolve(undefined);
    const kt = this.opts.kubeletTLS;
    const secure = kt !== undefined || this.opts.caData !== undefined;
    const get = secure ? https.get : http.get;
    const token = kt ? undefined : this.opts.nodeToken;
    return new Promise((resolve, reject) => {
      const req = get(
        {
          host: addr.address,
          port,
          path: '/metrics/resource',
          headers: token ? { Authorization: `Bearer ${token}` } : {},
          timeout: this.opts.timeoutMs ?? 10_000,
          ...(kt ? { ...kubeletTLSOptions(kt, node.metadata.name ?? ''), agent: false } : secure ? { ca: this.opts.caData } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            // A node's answer is bounded: a hostile or broken agent cannot exhaust the API server.
            if (size > 16 << 20) {
              req.destroy(new Error('response too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
            else resolve(Buffer.concat(chunks).toString('utf8'));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }
}
