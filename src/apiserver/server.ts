// The API server: authentication, health, discovery and resource routing over the Store,
// with one watch cache per resource. Everything else in k8ts is a client of this.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { errors, StatusError } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { storeKey, storePrefix } from '../api/resources.js';
import type { Store } from '../store/types.js';
import { newServiceAllocators, type ServiceAllocators } from './allocators.js';
import { bootstrapCluster } from './bootstrap.js';
import { DEFAULT_EVENT_TTL_MS, sweepEvents } from './eventttl.js';
import { handleDiscovery } from './discovery-handler.js';
import { handleResource, type HandlerEnv } from './handlers.js';
import { markPretty, writeError, writeText } from './http.js';
import { prettyParam } from '../api/queryparams.js';
import { GenericRegistry } from './registry/generic.js';
import type { ApiServerContext } from './registry/context.js';
import { DEFINITIONS } from './registry/index.js';
import { CRDHandler } from './apiextensions/crdhandler.js';
import { ServedResources } from './served.js';
import { parseRequestInfo, type RequestInfo } from './request.js';
import { WatchCache } from './watchcache.js';

export interface ApiServerOptions {
  store: Store;
  /** Bearer tokens accepted, each naming a user. */
  tokens: Map<string, string>;
  serviceCIDR?: string;
  nodePortRange?: string;
  /** The address pods and nodes reach the API server at (the kubernetes service's endpoint). */
  advertiseAddress?: string;
  /** Handler for log/exec/attach/portforward/proxy, set by the node-agent layer. */
  connect?: HandlerEnv['connect'];
  /** Compact store history older than this many revisions, every compactIntervalMs. */
  compactKeepRevisions?: number;
  compactIntervalMs?: number;
  /** Events each resource's watch cache keeps for watches that resume (default 10,000). */
  watchCacheSize?: number;
  /** How long events live (kube-apiserver's --event-ttl, 1 h). */
  eventTTLMs?: number;
  /** Serve HTTPS with this certificate (kubectl sends bearer tokens only over TLS). */
  tls?: { cert: string; key: string };
}

/**
 * The address the kubernetes service's endpoints name, as kube-apiserver's --advertise-address
 * defaults to the host's first non-loopback IPv4 (Endpoints may not hold loopback addresses).
 */
export function hostAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '';
}

export class ApiServer implements ApiServerContext {
  readonly allocators: ServiceAllocators;
  readonly advertiseAddress: string;
  private registries = new Map<string, GenericRegistry>();
  /** What is served now: the built-in resources and those of established CRDs. */
  readonly served = new ServedResources();
  private crdHandler?: CRDHandler;
  private caches: WatchCache[] = [];
  private server?: http.Server | https.Server;
  private sockets = new Set<import('node:net').Socket>();
  private compactTimer?: NodeJS.Timeout;
  private eventTimer?: NodeJS.Timeout;
  port = 0;
  ready = false;

  constructor(private readonly opts: ApiServerOptions) {
    this.allocators = newServiceAllocators(opts.serviceCIDR, opts.nodePortRange);
    this.advertiseAddress = opts.advertiseAddress ?? hostAddress();
  }

  get store(): Store { return this.opts.store; }

  /** A resource's store; custom resources have one per served version (any, when version is not given). */
  registry(group: string, resource: string, version?: string): GenericRegistry | undefined {
    return this.registries.get(`${group}/${resource}`) ?? this.crdHandler?.registry(group, resource, version);
  }

  async getObject(group: string, resource: string, namespace: string | undefined, name: string): Promise<KObject | undefined> {
    const ri = this.registry(group, resource)?.ri;
    if (!ri) return undefined;
    const kv = await this.opts.store.get(storeKey(ri, namespace, name));
    if (!kv) return undefined;
    const o = JSON.parse(kv.value) as KObject;
    o.metadata.resourceVersion = String(kv.modRevision);
    return o;
  }

  listObjects(group: string, resource: string, namespace?: string): KObject[] {
    const reg = this.registry(group, resource);
    return reg ? reg.cache.list(reg.prefix(namespace)).items : [];
  }

  /** Starts caches and registries, claims stored allocations, creates the default objects, then listens. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    for (const def of DEFINITIONS) {
      if (!def.strategy) continue; // never stored (bindings)
      const ri = def.info;
      const cache = new WatchCache(this.opts.store, storePrefix(ri), { historySize: this.opts.watchCacheSize });
      this.caches.push(cache);
      this.registries.set(`${ri.group}/${ri.resource}`, new GenericRegistry(def, this.opts.store, cache, this));
    }
    await Promise.all(this.caches.map((c) => c.start()));
    // What stored objects hold (cluster IPs, node ports) is taken again before any write.
    for (const reg of this.registries.values()) {
      const claim = reg.strategy.claimStored;
      if (claim) for (const o of reg.cache.list().items) claim(o, this);
    }
    const handler = (req: IncomingMessage, res: ServerResponse) => { void this.handle(req, res); };
    this.server = this.opts.tls ? https.createServer({ cert: this.opts.tls.cert, key: this.opts.tls.key }, handler) : http.createServer(handler);
    this.server.keepAliveTimeout = 60_000;
    this.server.on(this.opts.tls ? 'secureConnection' : 'connection', (s: import('node:net').Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    this.server.on('clientError', (_err, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'); else socket.destroy(); });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    await bootstrapCluster(this);
    // Established CRDs are served before the server says it is ready.
    this.crdHandler = new CRDHandler({
      store: this.opts.store, api: this, served: this.served, crds: this.registry('apiextensions.k8s.io', 'customresourcedefinitions')!,
      watchCacheSize: this.opts.watchCacheSize, log: (m) => console.error(`k8ts apiserver: ${m}`),
    });
    await this.crdHandler.start();
    if (this.opts.compactKeepRevisions) {
      const keep = this.opts.compactKeepRevisions;
      this.compactTimer = setInterval(() => {
        void (async () => {
          const rev = await this.opts.store.currentRevision();
          if (rev > keep) await this.opts.store.compact(rev - keep);
        })().catch(() => { /* compaction is best effort; the next tick tries again */ });
      }, this.opts.compactIntervalMs ?? 60_000);
      this.compactTimer.unref();
    }
    const ttl = this.opts.eventTTLMs ?? DEFAULT_EVENT_TTL_MS;
    this.eventTimer = setInterval(() => { void sweepEvents(this.registry('', 'events')!, ttl).catch(() => undefined); }, Math.min(ttl, 5 * 60_000));
    this.eventTimer.unref();
    this.ready = true;
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${this.port}`;
  }

  async stop(): Promise<void> {
    this.ready = false;
    if (this.compactTimer) clearInterval(this.compactTimer);
    if (this.eventTimer) clearInterval(this.eventTimer);
    this.crdHandler?.stop();
    for (const c of this.caches) c.stop();
    if (this.server) {
      const closed = new Promise<void>((r) => this.server!.close(() => r()));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
  }

  private authenticate(req: IncomingMessage): string | undefined {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const m = /^Bearer\s+(.+)$/i.exec(h);
    if (!m) return undefined;
    return this.opts.tokens.get(m[1].trim());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      if (path === '/healthz' || path === '/livez' || path === '/readyz' || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) {
        if (path.startsWith('/readyz') && !this.ready) return writeText(res, 500, '[-]ready failed: not started\nreadyz check failed\n');
        if (url.searchParams.has('verbose')) return writeText(res, 200, `[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\n${path.slice(1).split('/')[0]} check passed\n`);
        return writeText(res, 200, 'ok');
      }
      if (prettyParam(url.searchParams, req.headers['user-agent'])) markPretty(res);
      const user = this.authenticate(req);
      if (!user) throw errors.unauthorized();
      if (handleDiscovery(req, res, this.served)) return;
      const info: RequestInfo | undefined = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
      if (!info?.resource) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      if (!this.served.find(info.group, info.version, info.resource)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      await handleResource({ registry: (g, r, v) => this.registry(g, r, v), definition: (g, v, r) => this.served.find(g, v, r), connect: this.opts.connect }, info, req, res, url.searchParams, user);
    } catch (e) {
      if (!(e instanceof StatusError)) {
        // Unexpected failures are bugs: report them as a Status, keep serving.
        console.error(`k8ts apiserver: ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
      }
      // The body may not have been read: drain it so the connection stays usable.
      req.resume();
      writeError(res, e);
    }
  }
}
