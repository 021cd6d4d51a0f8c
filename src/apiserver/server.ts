// The API server: authentication, health, discovery and resource routing over the Store,
// with one watch cache per resource. Everything else in k8ts is a client of this.

import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { errors, StatusError } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { prettyParam } from '../api/queryparams.js';
import { storeKey, storePrefix } from '../api/resources.js';
import { newServiceAccountKeyPair } from '../pki/serviceaccount.js';
import type { Store } from '../store/types.js';
import { type AdmissionChain, defaultAdmissionChain } from './admission/chain.js';
import { newServiceAllocators, type ServiceAllocators } from './allocators.js';
import { CRDHandler } from './apiextensions/crdhandler.js';
import { anonymousAllowed, anonymousUser } from './authn/anonymous.js';
import { type Authenticator, UnionAuthenticator } from './authn/authenticator.js';
import { BootstrapTokenAuthenticator } from './authn/bootstraptoken.js';
import { impersonate } from './authn/impersonation.js';
import { withUser } from './authn/request.js';
import { TokenFileAuthenticator } from './authn/tokenfile.js';
import type { UserInfo } from './authn/user.js';
import { X509Authenticator } from './authn/x509.js';
import {
  AlwaysAllowAuthorizer,
  type Authorizer,
  type RuleResolver as AuthzRuleResolver,
  PrivilegedGroupAuthorizer,
  UnionAuthorizer,
} from './authz/authorizer.js';
import { forbidden, newForbidden } from './authz/forbidden.js';
import { NodeAuthorizer } from './authz/node/authorizer.js';
import { NodeGraph } from './authz/node/graph.js';
import { NodeAddonsAuthorizer } from './authz/nodeaddons.js';
import { RBACAuthorizer } from './authz/rbac/authorizer.js';
import type { EscalationChecker } from './authz/rbac/escalation.js';
import { reconcileBootstrapPolicy, reconcileNamespacedPolicy } from './authz/rbac/reconcile.js';
import type { ClusterRole, PolicyLister, Role, RoleBinding } from './authz/rbac/types.js';
import { requestAttributes } from './authz/requestinfo.js';
import { bootstrapCluster, SYSTEM_NAMESPACES } from './bootstrap.js';
import { handleDiscovery } from './discovery-handler.js';
import { DEFAULT_EVENT_TTL_MS, sweepEvents } from './eventttl.js';
import { type HandlerEnv, handleResource } from './handlers.js';
import { markPretty, writeError, writeText } from './http.js';
import type { KubeletClientTLS } from './kubeletclient.js';
import { KubernetesServiceController } from './kubernetesservice.js';
import { MaxInFlightLimit } from './maxinflight.js';
import { addStorageCounter, instrumentRequest, serveMetrics } from './metrics.js';
import { METRICS_DEFINITIONS, METRICS_GROUP, MetricsAPI } from './metrics-server/api.js';
import { MetricsScraper } from './metrics-server/scraper.js';
import { handleV1HPA, isV1HPARequest, V1_DEFINITION } from './registry/autoscaling/horizontalpodautoscalers-v1.js';
import type { ApiServerContext } from './registry/context.js';
import { ServiceRangeRepair } from './registry/core/services.js';
import { GenericRegistry } from './registry/generic.js';
import { DEFINITIONS } from './registry/index.js';
import { setCreateAuthorization } from './registry/strategy.js';
import { parseRequestInfo, type RequestInfo } from './request.js';
import { ServedResources } from './served.js';
import { ServiceAccountTokenAuthenticator } from './serviceaccount/authenticator.js';
import { JWKS_PATH, serveIssuerDiscovery } from './serviceaccount/discovery.js';
import { ServiceAccountTokens, type ServiceAccountTokensOptions } from './serviceaccount/token.js';
import { SystemNamespacesController } from './systemnamespaces.js';
import { WatchCache } from './watchcache.js';
import { watchFlushes } from './watchflush.js';

export interface ApiServerOptions {
  store: Store;
  /** Static bearer tokens (--token-auth-file), each naming a user. */
  tokens: Map<string, UserInfo>;
  /** PEM CA that signs client certificates (--client-ca-file); requests' certificates are then authenticated. */
  clientCA?: string;
  /** More authenticators, tried after client certificates and static tokens (service-account tokens). */
  authenticators?: Authenticator[];
  /**
   * --authorization-mode: RBAC (the default; system:masters is always allowed, as kube-apiserver's
   * privileged-group authorizer) or AlwaysAllow.
   */
  authorization?: 'RBAC' | 'AlwaysAllow';
  serviceCIDR?: string;
  nodePortRange?: string;
  /** The address pods and nodes reach the API server at (the kubernetes service's endpoint). */
  advertiseAddress?: string;
  /** Listen on the advertise address too (same port), so that pods reach the API server there. */
  serveOnAdvertiseAddress?: boolean;
  /** With serveOnAdvertiseAddress: listen here instead of the advertise address (kube-apiserver's --bind-address; 0.0.0.0: everywhere). */
  bindAddress?: string;
  /** Handler for log/exec/attach/portforward/proxy, set by the node-agent layer. */
  connect?: HandlerEnv['connect'];
  /** Compact store history older than this many revisions, every compactIntervalMs. */
  compactKeepRevisions?: number;
  compactIntervalMs?: number;
  /** Events each resource's watch cache keeps for watches that resume (default 10,000). */
  watchCacheSize?: number;
  /** How long events live (kube-apiserver's --event-ttl, 1 h). */
  eventTTLMs?: number;
  /** How often the service ranges are repaired from the stored services (kube-apiserver: 3 minutes). */
  serviceRangeRepairIntervalMs?: number;
  /**
   * Serve metrics.k8s.io as metrics-server does, from the node agents' /metrics/resource: the
   * token and CA the API server dials nodes with, and --metric-resolution.
   */
  metricsServer?: { nodeToken?: string; kubeletTLS?: KubeletClientTLS; caData?: string; resolutionMs?: number };
  /** Serve HTTPS with this certificate (kubectl sends bearer tokens only over TLS). */
  tls?: { cert: string; key: string };
  /** --max-requests-inflight: non-mutating requests served at once (default 400; 0: no limit). */
  maxRequestsInflight?: number;
  /** --max-mutating-requests-inflight: mutating requests served at once (default 200; 0: no limit). */
  maxMutatingRequestsInflight?: number;
  /** How long a request may wait for a slot when its pool is full (default 15 s, APF's queue wait; maxinflight.ts). */
  requestQueueWaitMs?: number;
  /** A watch whose unread output passes this many bytes is closed (default 16 MiB). */
  watchBufferBytes?: number;
  /** Service-account tokens: the signing key (default: one made in memory, for tests) and kube-apiserver's flags. */
  serviceAccounts?: Partial<
    Pick<ServiceAccountTokensOptions, 'keys' | 'issuer' | 'audiences' | 'extendExpiration' | 'maxExpirationSeconds'>
  >;
  /** Where the API server logs what clients are not told (refused tokens). */
  log?: (msg: string) => void;
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

/**
 * What the watch caches keep as decoded rather than share through the interner (watchcache.ts
 * unsharedFields): the user's payload of ConfigMaps and Secrets, whose values are rarely the
 * same from one object to the next (and, past 256 characters, never interned anyway).
 */
const UNSHARED_FIELDS: Record<string, readonly string[] | undefined> = {
  '/configmaps': ['data', 'binaryData'],
  '/secrets': ['data', 'stringData'],
};

/** Go's http.DefaultMaxHeaderBytes (1 MiB): what kube-apiserver's server accepts of a request line and headers. */
const MAX_HEADER_BYTES = 1 << 20;

export class ApiServer implements ApiServerContext {
  readonly allocators: ServiceAllocators;
  readonly advertiseAddress: string;
  readonly admission: AdmissionChain = defaultAdmissionChain();
  private registries = new Map<string, GenericRegistry>();
  /** What is served now: the built-in resources and those of established CRDs. */
  readonly served = new ServedResources();
  private crdHandler?: CRDHandler;
  private caches: WatchCache[] = [];
  private server?: http.Server | https.Server;
  private extraServers: (http.Server | https.Server)[] = [];
  private kubernetesService?: KubernetesServiceController;
  private systemNamespaces?: SystemNamespacesController;
  private sockets = new Set<import('node:net').Socket>();
  private compactTimer?: NodeJS.Timeout;
  private readonly authenticator: Authenticator;
  /** The authorizer chain (set at start, once the RBAC objects' caches run). */
  authorizer: Authorizer = new AlwaysAllowAuthorizer();
  /** What SelfSubjectRulesReview asks (RBAC's rules for a user), when RBAC authorizes. */
  ruleResolver?: AuthzRuleResolver;
  escalation?: EscalationChecker;
  private saTokens?: ServiceAccountTokens;
  private eventTimer?: NodeJS.Timeout;
  private repairTimer?: NodeJS.Timeout;
  /** Repairs the stored service ranges from the stored services (also run by hand in tests). */
  serviceRepair?: ServiceRangeRepair;
  private readonly inflight: MaxInFlightLimit;
  private removeStorageCounter?: () => void;
  /** metrics.k8s.io, when opts.metricsServer is set. */
  metricsAPI?: MetricsAPI;
  port = 0;
  ready = false;

  constructor(private readonly opts: ApiServerOptions) {
    this.allocators = newServiceAllocators(opts.serviceCIDR, opts.nodePortRange, opts.store);
    this.inflight = new MaxInFlightLimit(opts.maxRequestsInflight ?? 400, opts.maxMutatingRequestsInflight ?? 200, opts.requestQueueWaitMs);
    this.advertiseAddress = opts.advertiseAddress ?? hostAddress();
    // kube-apiserver's order: client certificates, then the token file, then service-account tokens.
    this.authenticator = new UnionAuthenticator([
      ...(opts.clientCA ? [new X509Authenticator()] : []),
      new TokenFileAuthenticator(opts.tokens),
      new ServiceAccountTokenAuthenticator(() => this.serviceAccountTokens, opts.log),
      new BootstrapTokenAuthenticator((ns, n) => this.getObject('', 'secrets', ns, n), opts.log),
      ...(opts.authenticators ?? []),
    ]);
  }

  /** What resource handlers reach (the token issuer only when a TokenRequest asks for it). */
  private readonly handlerEnv: HandlerEnv = (() => {
    const self = this;
    return {
      registry: (g: string, r: string, v?: string) => self.registry(g, r, v),
      definition: (g: string, v: string, r: string) => self.served.find(g, v, r),
      get connect() {
        return self.opts.connect;
      },
      get serviceAccountTokens() {
        return self.serviceAccountTokens;
      },
      get authorizer() {
        return self.authorizer;
      },
      get ruleResolver() {
        return self.ruleResolver;
      },
      get watchBufferBytes() {
        return self.opts.watchBufferBytes;
      },
    };
  })();

  /** The service-account token issuer and verifier (made on first use: a key costs a few ms to make). */
  get serviceAccountTokens(): ServiceAccountTokens {
    if (!this.saTokens) {
      const sa = this.opts.serviceAccounts ?? {};
      this.saTokens = new ServiceAccountTokens({
        ...sa,
        keys: sa.keys ?? newServiceAccountKeyPair(),
        // Read from the store, not the watch cache: a pod deleted a moment ago must not vouch for its token.
        getter: {
          serviceAccount: (ns, n) => this.getObject('', 'serviceaccounts', ns, n),
          pod: (ns, n) => this.getObject('', 'pods', ns, n),
          secret: (ns, n) => this.getObject('', 'secrets', ns, n),
          node: (n) => this.getObject('', 'nodes', undefined, n),
        },
      });
    }
    return this.saTokens;
  }

  get store(): Store {
    return this.opts.store;
  }

  /** Requests counted by the in-flight limits now, and those waiting for a slot (for metrics and tests). */
  get inFlight(): { readOnly: number; mutating: number; waiting: number } {
    return this.inflight.inFlight;
  }

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
      const cache = new WatchCache(this.opts.store, storePrefix(ri), {
        historySize: this.opts.watchCacheSize,
        unsharedFields: UNSHARED_FIELDS[`${ri.group}/${ri.resource}`],
      });
      this.caches.push(cache);
      this.registries.set(`${ri.group}/${ri.resource}`, new GenericRegistry(def, this.opts.store, cache, this));
    }
    await Promise.all(this.caches.map((c) => c.start()));
    // autoscaling/v1 HorizontalPodAutoscalers: the v2 objects, converted (v2 stays the preferred version).
    this.served.setAggregated('v1.autoscaling', [V1_DEFINITION]);
    if (this.opts.metricsServer) {
      const ms = this.opts.metricsServer;
      const scraper = new MetricsScraper({
        nodes: () => this.listObjects('', 'nodes'),
        nodeToken: ms.nodeToken,
        kubeletTLS: ms.kubeletTLS,
        caData: ms.caData,
        resolutionMs: ms.resolutionMs,
        log: this.opts.log,
      });
      this.metricsAPI = new MetricsAPI(scraper, this);
      this.served.setAggregated('v1beta1.metrics.k8s.io', METRICS_DEFINITIONS);
      scraper.start();
    }
    // apiserver_storage_objects, counted from the watch caches at scrape time.
    this.removeStorageCounter = addStorageCounter(
      () => new Map([...this.registries.values()].map((r) => [r.qualifiedResource, r.cache.list().items.length])),
    );
    // What stored objects hold (cluster IPs, node ports) is taken again before any write.
    for (const reg of this.registries.values()) {
      const claim = reg.strategy.claimStored;
      if (claim) await claim(reg.cache.list().items, this);
    }
    // The authorizer is in place before the first request can arrive; the default policy is
    // reconciled before any client can read it (the rbac/bootstrap-roles hook).
    if ((this.opts.authorization ?? 'RBAC') === 'RBAC') {
      const rbac = new RBACAuthorizer(this.policyLister());
      // --authorization-mode=Node,RBAC, after the system:masters short cut.
      const pods = this.registry('', 'pods')!;
      const pvcs = this.registry('', 'persistentvolumeclaims')!;
      const graph = new NodeGraph({ pods: () => pods.cache.list().items, pvc: (ns, n) => pvcs.cache.get(`${pvcs.prefix(ns)}${n}`) });
      const ingresses = this.registry('networking.k8s.io', 'ingresses')!;
      const pvs = this.registry('', 'persistentvolumes')!;
      const addons = new NodeAddonsAuthorizer(
        (ns) => ingresses.cache.list(ingresses.prefix(ns)).items,
        (name) => pvs.cache.get(`${pvs.prefix()}${name}`),
      );
      this.authorizer = new UnionAuthorizer([new PrivilegedGroupAuthorizer(), new NodeAuthorizer(graph), addons, rbac]);
      this.ruleResolver = rbac;
      this.escalation = { authorizer: this.authorizer, resolver: rbac.resolver };
      await reconcileBootstrapPolicy((g, r) => this.registry(g, r));
    }
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.serveRequest(req, res);
    };
    // Pods and other machines reach the API server at its advertised address (the kubernetes
    // service's endpoint), as kube-apiserver serves on --bind-address: it listens there too.
    const extraAddress = this.opts.bindAddress ?? this.advertiseAddress;
    // Clients on this machine keep using the address asked for (127.0.0.1); 0.0.0.0 serves it too.
    const urlHost = host;
    if (this.opts.serveOnAdvertiseAddress && extraAddress === '0.0.0.0') host = '0.0.0.0';
    const advertised =
      this.opts.serveOnAdvertiseAddress && extraAddress && extraAddress !== host && host !== '0.0.0.0' ? [extraAddress] : [];
    for (let attempt = 0; ; attempt++) {
      try {
        this.server = this.makeServer(handler);
        await listen(this.server, port, host);
        this.port = (this.server.address() as AddressInfo).port;
        for (const a of advertised) {
          const extra = this.makeServer(handler);
          this.extraServers.push(extra);
          await listen(extra, this.port, a);
        }
        break;
      } catch (e) {
        await this.closeServers();
        // A free port on one address may be taken on the other: with any port allowed, try another.
        if (port !== 0 || attempt >= 4 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      }
    }
    await bootstrapCluster(this);
    if ((this.opts.authorization ?? 'RBAC') === 'RBAC') await reconcileNamespacedPolicy((g, r) => this.registry(g, r));
    this.kubernetesService = new KubernetesServiceController(this, this.opts.log);
    await this.kubernetesService.start();
    this.systemNamespaces = new SystemNamespacesController(this, SYSTEM_NAMESPACES, this.opts.log);
    this.systemNamespaces.start();
    // Established CRDs are served before the server says it is ready.
    this.crdHandler = new CRDHandler({
      store: this.opts.store,
      api: this,
      served: this.served,
      crds: this.registry('apiextensions.k8s.io', 'customresourcedefinitions')!,
      watchCacheSize: this.opts.watchCacheSize,
      log: (m) => console.error(`k8ts apiserver: ${m}`),
    });
    await this.crdHandler.start();
    if (this.opts.compactKeepRevisions) {
      const keep = this.opts.compactKeepRevisions;
      const store = this.opts.store;
      // On a store several API servers share, one of them compacts per round (compact_rev_key).
      let round = 0;
      this.compactTimer = setInterval(() => {
        void (async () => {
          const rev = await store.currentRevision();
          if (rev <= keep) return;
          if (store.compactRound) round = (await store.compactRound(round, rev - keep)).round;
          else await store.compact(rev - keep);
        })().catch(() => {
          /* compaction is best effort; the next tick tries again */
        });
      }, this.opts.compactIntervalMs ?? 60_000);
      this.compactTimer.unref();
    }
    const ttl = this.opts.eventTTLMs ?? DEFAULT_EVENT_TTL_MS;
    this.eventTimer = setInterval(
      () => {
        void sweepEvents(this.registry('', 'events')!, ttl).catch(() => undefined);
      },
      Math.min(ttl, 5 * 60_000),
    );
    this.eventTimer.unref();
    // The service ranges' repair controllers (kube-apiserver runs them every 3 minutes).
    const services = this.registry('', 'services')!;
    this.serviceRepair = new ServiceRangeRepair(this.allocators, async () =>
      (await this.opts.store.range(services.prefix())).kvs.map((kv) => JSON.parse(kv.value) as KObject),
    );
    this.repairTimer = setInterval(() => {
      void this.serviceRepair?.runOnce().catch((e: Error) => this.opts.log?.(`service range repair: ${e.message}`));
    }, this.opts.serviceRangeRepairIntervalMs ?? 180_000);
    this.repairTimer.unref();
    this.ready = true;
    return `${this.opts.tls ? 'https' : 'http'}://${urlHost}:${this.port}`;
  }

  /** WithAuthorization: the request's attributes must be allowed, or it is answered 403. */
  private authorize(req: IncomingMessage, user: UserInfo, path: string, query: URLSearchParams): void {
    const attrs = requestAttributes(user, req.method ?? 'GET', path, query);
    const r = this.authorizer.authorize(attrs);
    if (r.decision !== 'Allow') throw forbidden(attrs, r.reason);
    // An update or patch of an object that is not there creates it (create-on-update, apply):
    // asked then, and only then, with kube-apiserver's words (withAuthorization: the reason alone).
    if (attrs.isResourceRequest && (attrs.verb === 'update' || attrs.verb === 'patch') && !attrs.subresource) {
      const authorizer = this.authorizer;
      setCreateAuthorization(req, () => {
        const c = authorizer.authorize({ ...attrs, verb: 'create' });
        if (c.decision !== 'Allow') throw newForbidden(attrs.apiGroup ?? '', attrs.resource ?? '', attrs.name, c.reason);
      });
    }
    // A websocket upgrade of exec, attach or portforward is a GET, but it starts a process or
    // a tunnel: it needs "create" too (AuthorizePodWebsocketUpgradeCreatePermission).
    if (
      attrs.isResourceRequest &&
      attrs.verb === 'get' &&
      attrs.resource === 'pods' &&
      ['exec', 'attach', 'portforward'].includes(attrs.subresource ?? '') &&
      /websocket/i.test(String(req.headers.upgrade ?? ''))
    ) {
      const create = { ...attrs, verb: 'create' };
      const c = this.authorizer.authorize(create);
      if (c.decision !== 'Allow') throw forbidden(create, c.reason);
    }
  }

  /** RBAC's listers: roles and bindings straight from the watch caches (shared, never mutated). */
  private policyLister(): PolicyLister {
    const G = 'rbac.authorization.k8s.io';
    const reg = (r: string) => this.registry(G, r)!;
    return {
      getRole: (ns, name) => reg('roles').cache.get(`${reg('roles').prefix(ns)}${name}`) as Role | undefined,
      getClusterRole: (name) => reg('clusterroles').cache.get(`${reg('clusterroles').prefix()}${name}`) as ClusterRole | undefined,
      listRoleBindings: (ns) => reg('rolebindings').cache.list(reg('rolebindings').prefix(ns)).items as RoleBinding[],
      listClusterRoleBindings: () => reg('clusterrolebindings').cache.list().items as RoleBinding[],
    };
  }

  async stop(): Promise<void> {
    this.ready = false;
    this.removeStorageCounter?.();
    this.metricsAPI?.scraper.stop();
    if (this.compactTimer) clearInterval(this.compactTimer);
    if (this.eventTimer) clearInterval(this.eventTimer);
    if (this.repairTimer) clearInterval(this.repairTimer);
    await this.kubernetesService?.stop();
    await this.systemNamespaces?.stop();
    this.crdHandler?.stop();
    for (const c of this.caches) c.stop();
    await this.closeServers();
  }

  private makeServer(handler: (req: IncomingMessage, res: ServerResponse) => void): http.Server | https.Server {
    // Client certificates are asked for, not required: a request may still carry a bearer token.
    const clientAuth = this.opts.clientCA ? { ca: this.opts.clientCA, requestCert: true, rejectUnauthorized: false } : {};
    // A request without Host is answered by the handlers (a Status), not by Node's bare 400.
    // Request line and headers up to 1 MiB, as Go's http.Server (DefaultMaxHeaderBytes) under
    // kube-apiserver: Node's 16 KiB answered 431 to a GET of an object whose long name (RBAC
    // names are path segments, with no length limit) a POST had stored.
    const common = { requireHostHeader: false, maxHeaderSize: MAX_HEADER_BYTES };
    const server = this.opts.tls
      ? https.createServer({ cert: this.opts.tls.cert, key: this.opts.tls.key, ...common, ...clientAuth }, handler)
      : http.createServer(common, handler);
    server.keepAliveTimeout = 60_000;
    server.on(this.opts.tls ? 'secureConnection' : 'connection', (s: import('node:net').Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      clientError(err, socket);
    });
    return server;
  }

  private async closeServers(): Promise<void> {
    const servers = [this.server, ...this.extraServers].filter((x): x is http.Server | https.Server => x?.listening === true);
    this.server = undefined;
    this.extraServers = [];
    const closed = servers.map((srv) => new Promise<void>((r) => srv.close(() => r())));
    for (const s of this.sockets) s.destroy();
    await Promise.all(closed);
  }

  /** The CA client certificates are verified against (the in-process transport checks them as TLS would). */
  get clientCA(): string | undefined {
    return this.opts.clientCA;
  }

  /**
   * A request from a component in this process (inprocess.ts): served as a socket's request
   * is, through the same chain, with no socket under it.
   */
  serveInProcess(req: IncomingMessage, res: ServerResponse): void {
    this.serveRequest(req, res);
  }

  /**
   * The error boundary of one request (kube-apiserver's WithPanicRecovery): whatever this
   * request's handling throws, or its streams emit, ends this request alone, never the process.
   */
  private serveRequest(req: IncomingMessage, res: ServerResponse): void {
    // A client that resets mid-body or mid-response makes these streams emit 'error'; with no
    // listener that would be an uncaught exception. The request's own code sees the reset anyway.
    req.on('error', ignore);
    res.on('error', ignore);
    // While requests are being handled, large watch fan-outs yield to them (watchflush.ts).
    const handled = watchFlushes.requestStarted();
    this.handle(req, res)
      .catch((e: unknown) => abandon(req, res, e))
      .finally(handled);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestURL(req.url);
      const path = url.pathname;
      if (
        path === '/healthz' ||
        path === '/livez' ||
        path === '/readyz' ||
        path.startsWith('/healthz/') ||
        path.startsWith('/livez/') ||
        path.startsWith('/readyz/')
      ) {
        if (path.startsWith('/readyz') && !this.ready) return writeText(res, 500, '[-]ready failed: not started\nreadyz check failed\n');
        if (url.searchParams.has('verbose'))
          return writeText(res, 200, `[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\n${path.slice(1).split('/')[0]} check passed\n`);
        return writeText(res, 200, 'ok');
      }
      if (prettyParam(url.searchParams, req.headers['user-agent'])) markPretty(res);
      const requester = (await this.authenticator.authenticate(req)) ?? (anonymousAllowed(req.method, path) ? anonymousUser() : undefined);
      if (!requester) throw errors.unauthorized();
      const user = impersonate(req, requester, this.authorizer);
      withUser(req, user);
      const info: RequestInfo | undefined = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
      instrumentRequest(req, res, info, (i) => this.served.find(i.group, i.version, i.resource ?? '')?.info.kind, url.searchParams);
      // After authentication, as WithMaxInFlightLimit sits in kube-apiserver's chain.
      const waiting = this.inflight.admit(req, res, info, user);
      if (waiting) await waiting;
      this.authorize(req, user, path, url.searchParams);
      // A non-resource URL: RBAC's `get` on /metrics (system:monitoring, cluster-admin) was checked above.
      if (path === '/metrics') {
        if (req.method !== 'GET') throw errors.methodNotAllowed();
        return await serveMetrics(res);
      }
      // Service account issuer discovery: non-resource URLs too (every service account may get them).
      if (path.startsWith('/.well-known/') || path.startsWith('/openid/')) {
        const sa = this.serviceAccountTokens;
        // jwks_uri defaults to the API server's external address (--service-account-jwks-uri unset).
        const jwksURI = this.advertiseAddress && this.opts.tls ? `https://${this.advertiseAddress}:${this.port}${JWKS_PATH}` : undefined;
        if (await serveIssuerDiscovery(path, req.method ?? 'GET', res, sa.issuer, sa.keys, jwksURI)) return;
      }
      if (handleDiscovery(req, res, this.served, url)) return;
      if (info?.resource && isV1HPARequest(info)) {
        await handleV1HPA(this.registry('autoscaling', 'horizontalpodautoscalers')!, info, req, res, url.searchParams, user);
        return;
      }
      if (info?.resource && info.group === METRICS_GROUP && this.metricsAPI) {
        this.metricsAPI.handle(info, req, res, url.searchParams);
        return;
      }
      if (!info?.resource) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      if (!this.served.find(info.group, info.version, info.resource))
        throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      await handleResource(this.handlerEnv, info, req, res, url.searchParams, user);
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

function ignore(): void {
  /* see serveRequest */
}

/**
 * A request Node's parser refused (malformed, headers too large, too slow to send them): Go's
 * server answers such a request 400 (431 for oversized headers, 408 for a timeout) and closes;
 * here the answer carries a Status body too, as every other answer of this server does.
 */
function clientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [code, reason, text] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'RequestHeaderFieldsTooLarge', 'Request Header Fields Too Large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Timeout', 'Request Timeout']
        : [400, 'BadRequest', 'Bad Request'];
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${text}: ${err.code ?? err.message}`,
    reason,
    code,
  });
  socket.end(
    `HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

async function listen(server: http.Server | https.Server, port: number, host: string): Promise<void> {
  server.listen(port, host);
  await once(server, 'listening');
}

/** The last resort when even writing an error failed: log it and drop the connection. */
function abandon(req: IncomingMessage, res: ServerResponse, e: unknown): void {
  console.error(`k8ts apiserver: ${req.method} ${req.url}: error while answering: ${(e as Error)?.stack ?? String(e)}`);
  res.destroy();
}

/**
 * The request target as a URL. Origin-form (`/api/...`) is taken as a path even when it
 * starts with `//` (no authority); absolute-form (`http://host/api/...`) is parsed as one.
 */
function requestURL(target: string | undefined): URL {
  const t = target ?? '/';
  try {
    return t.startsWith('/') ? new URL(`http://localhost${t}`) : new URL(t);
  } catch {
    throw errors.badRequest(`parse ${JSON.stringify(t)}: invalid URI for request`);
  }
}
