// The controller manager (kube-controller-manager): shared informers and the controllers that
// run on them, talking to the cluster only through the API server. They act only while this
// process holds the kube-controller-manager Lease in kube-system, so two control planes sharing
// a store never both act. The scheduler is a component of its own (src/scheduler/server.ts).

import { type ComponentConnection, componentClient, componentInformerFactory } from '../client/component.js';
import { serverPreferredResources } from '../client/discovery.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { type Runnable, runLeaderElected } from '../client/leaderelection.js';
import type { RestClient } from '../client/rest.js';
import { setQueueMetricsProvider } from '../client/workqueue.js';
import { prometheusQueueMetrics } from '../client/workqueue-metrics.js';
import type { KeyPairPEM } from '../pki/certs.js';
import type { ServiceAccountKeyPair } from '../pki/serviceaccount.js';
import { appsControllers } from './apps.js';
import { batchControllers } from './batch.js';
import { BootstrapSigner } from './bootstrapsigner.js';
import { type ControllerClientBuilder, ServiceAccountClientBuilder, SimpleControllerClientBuilder } from './clientbuilder.js';
import { ClusterRoleAggregationController } from './clusterroleaggregation.js';
import { CSRApprovingController } from './csrapproving.js';
import { CSRSigningController } from './csrsigning.js';
import { DeploymentController } from './deployment.js';
import { DisruptionController } from './disruption.js';
import { EndpointsController } from './endpoints.js';
import { EndpointSliceController } from './endpointslice.js';
import { GarbageCollector } from './garbagecollector.js';
import { NamespaceController } from './namespace.js';
import { NodeIPAMController, type NodeIPAMOptions } from './nodeipam.js';
import { NodeLifecycleController } from './nodelifecycle.js';
import { PodGCController } from './podgc.js';
import { type PolicyControllerOptions, policyControllers } from './policy.js';
import { ReplicaSetController } from './replicaset.js';
import { RootCACertPublisher } from './rootcacertpublisher.js';
import { ServiceAccountController } from './serviceaccount.js';
import { ServiceAccountTokensController } from './serviceaccounttokens.js';
import { defaultLoadBalancerPool, parseAddressPool, ServiceLBController } from './servicelb.js';
import { storageControllers } from './storage.js';
import { TaintEvictionController } from './tainteviction.js';
import { TokenCleaner } from './tokencleaner.js';

/**
 * The controllers' names, as kube-controller-manager names their service accounts (and the
 * system:controller:<name> roles of the bootstrap policy); local-path-provisioner is k3s's.
 */
const CONTROLLER_CLIENTS = [
  'certificate-controller',
  'bootstrap-signer',
  'token-cleaner',
  'generic-garbage-collector',
  'namespace-controller',
  'service-account-controller',
  'root-ca-cert-publisher',
  'replicaset-controller',
  'deployment-controller',
  'endpoint-controller',
  'endpointslice-controller',
  'service-controller',
  'node-controller',
  'pod-garbage-collector',
  'persistent-volume-binder',
  'pvc-protection-controller',
  'pv-protection-controller',
  'local-path-provisioner',
  'disruption-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'clusterrole-aggregation-controller',
  'daemon-set-controller',
  'statefulset-controller',
  'replication-controller',
  'resourcequota-controller',
  'horizontal-pod-autoscaler',
];

/** How long a controller waits for its informers before the manager logs that it still does. */
const CACHE_SYNC_WARN_MS = 30_000;

/** The manager's own credential is a bearer token or a client certificate (system:kube-controller-manager). */
export interface ControllerManagerOptions extends ComponentConnection {
  /**
   * --use-service-account-credentials: each controller acts as the service account
   * kube-system/<controller name> (its system:controller:<name> role); else all act as the manager.
   */
  useServiceAccountCredentials?: boolean;
  /** The client the extra controllers act with (simulated nodes play kubelets); the manager's own when absent. */
  extraClient?: RestClient;
  /** The cluster CA's certificate and key (--cluster-signing-cert-file/--cluster-signing-key-file): csrsigning issues with it. */
  signingCA?: KeyPairPEM;
  /** The service-account signing key (--service-account-private-key-file): legacy token Secrets are filled with it. */
  serviceAccountKey?: ServiceAccountKeyPair;
  log?: (msg: string) => void;
  /** Node lifecycle timings (grace period before a silent node is Unknown, ...). */
  nodeLifecycle?: { nodeMonitorGracePeriodMs?: number; monitorPeriodMs?: number };
  /** --allocate-node-cidrs with --cluster-cidr and --node-cidr-mask-size: Nodes get a podCIDR; unset: off. */
  nodeIPAM?: Omit<NodeIPAMOptions, 'log'>;
  /** Quota and autoscaling settings (kube-controller-manager's --resource-quota-sync-period, --horizontal-pod-autoscaler-*). */
  policy?: Omit<PolicyControllerOptions, 'log'>;
  /** Addresses for LoadBalancer services (parseAddressPool's format); default defaultLoadBalancerPool(). */
  loadBalancerPool?: string;
  /** Extra controllers built on the same informers (node lifecycle, simulated nodes...). */
  extra?: (client: RestClient, factory: SharedInformerFactory) => Runnable[];
  /**
   * How often served resources are read again from discovery, so that the garbage collector and
   * the namespace controller follow custom resources (kube-controller-manager's GC sync period: 30 s).
   */
  discoveryResyncMs?: number;
}

export type { Runnable };

/** The client a named controller acts with (see clientbuilder.ts). */
export type ClientFor = (controllerName: string) => RestClient;

export interface ControllerManager {
  client: RestClient;
  /** Whether this manager's controllers hold the kube-controller-manager Lease now. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

export async function startControllers(opts: ControllerManagerOptions): Promise<ControllerManager> {
  // Its queues report workqueue_* metrics, as kube-controller-manager's do.
  setQueueMetricsProvider(prometheusQueueMetrics);
  const client = componentClient(opts, 'kube-controller-manager/v1.32.0 (k8ts)');
  const builder: ControllerClientBuilder = opts.useServiceAccountCredentials
    ? new ServiceAccountClientBuilder(client, { server: opts.server, caData: opts.caData, transport: opts.transport }, opts.log)
    : new SimpleControllerClientBuilder(client);
  // Fail early (as the binary does) when the API server cannot be reached at all.
  await serverPreferredResources(client);
  // One term per Lease held: fresh informers and controllers each time (see runLeaderElected).
  const term = async (): Promise<Runnable> => {
    // The shared informers read with the manager's own identity (list/watch of everything).
    const factory = componentInformerFactory(client, opts.log);
    const resources = await serverPreferredResources(client);
    // Each controller's client, made (and its service account's token asked for) up front, all at
    // once: one after another they were ~80 requests in turn before any controller could start.
    const pending = new Map(CONTROLLER_CLIENTS.map((name) => [name, builder.clientFor(name)] as const));
    // Awaited below; a failure of one is the term's failure, not an unhandled rejection of the others.
    for (const c of pending.values()) c.catch(() => undefined);
    // Each controller with the informers it asked for: it starts once those have synced (start()
    // below), not once every informer of every controller has, as kube-controller-manager's
    // controllers each wait for their own caches. The service-account controller (namespaces,
    // service accounts) then makes default/default without waiting for the garbage collector's
    // informers of every resource (#13: what a new cluster's first pod waits for).
    const built: { controller: Runnable; informers: Informer[] }[] = [];
    const make = <T extends Runnable | Runnable[]>(build: () => T): T => {
      const { value, informers } = factory.recordInformers(build);
      for (const controller of [value].flat()) built.push({ controller, informers });
      return value;
    };
    // Stopped before its caches synced: a controller waiting for them does not start.
    const stopping = new AbortController();
    // One wait per informer, however many controllers share it.
    const waits = new Map<Informer, Promise<void>>();
    const synced = (i: Informer): Promise<void> => {
      let w = waits.get(i);
      if (!w) {
        w = i.waitForSync(CACHE_SYNC_WARN_MS).catch((e: Error) => {
          if (stopping.signal.aborted) throw e;
          opts.log?.(`kube-controller-manager: ${e.message}; its controllers wait for it`);
          return i.waitForSync();
        });
        // Handled by each controller's wait; a stop before the sync is not an error.
        w.catch(() => undefined);
        waits.set(i, w);
      }
      return w;
    };
    const startWhenSynced = async (controller: Runnable, informers: Informer[]): Promise<void> => {
      try {
        await Promise.all(informers.map(synced));
      } catch {
        return; // stopped first
      }
      if (!stopping.signal.aborted) controller.start();
    };
    // The service-account controller, and the tokens controller (which acts as the manager itself,
    // as kube-controller-manager's does: its root client), start first, on their own clients: a
    // new cluster's default/default, which its first pod needs, does not wait for the other
    // controllers' service accounts and tokens (#13). The rest start when theirs are made.
    const saClient = await pending.get('service-account-controller')!;
    make(() => new ServiceAccountController(saClient, factory, opts.log));
    if (opts.serviceAccountKey) {
      const keys = opts.serviceAccountKey;
      make(() => new ServiceAccountTokensController(client, factory, { keys, rootCA: opts.caData, log: opts.log }));
    }
    factory.start();
    const first = built.length;
    for (const { controller, informers } of built) void startWhenSynced(controller, informers);
    const stopAll = async () => {
      stopping.abort();
      await Promise.all(built.map(({ controller }) => controller.stop().catch(() => undefined)));
      await factory.stop();
    };
    // The rest; should any of it fail (a token refused, a bad option), what started first stops too.
    let gc: GarbageCollector;
    let nsc: NamespaceController;
    try {
      const named = new Map(await Promise.all([...pending].map(async ([name, c]) => [name, await c] as const)));
      const clients: ClientFor = (name) => {
        const c = named.get(name);
        if (!c) throw new Error(`controller ${name} has no client (add it to CONTROLLER_CLIENTS)`);
        return c;
      };
      gc = make(() => new GarbageCollector(clients('generic-garbage-collector'), factory, resources, opts.log));
      nsc = make(() => new NamespaceController(clients('namespace-controller'), factory, resources, opts.log));
      // kube-controller-manager's --root-ca-file: the CA pods verify the API server with.
      const caData = opts.caData;
      if (caData) make(() => new RootCACertPublisher(clients('root-ca-cert-publisher'), factory, caData, opts.log));
      make(() => new ReplicaSetController(clients('replicaset-controller'), factory, { log: opts.log }));
      make(() => new DeploymentController(clients('deployment-controller'), factory, { log: opts.log }));
      make(() => new EndpointsController(clients('endpoint-controller'), factory, { log: opts.log }));
      make(() => new EndpointSliceController(clients('endpointslice-controller'), factory, { log: opts.log }));
      make(
        () =>
          new ServiceLBController(clients('service-controller'), factory, {
            log: opts.log,
            pool: parseAddressPool(opts.loadBalancerPool ?? defaultLoadBalancerPool(undefined)),
          }),
      );
      make(() => new NodeLifecycleController(clients('node-controller'), factory, { log: opts.log, ...opts.nodeLifecycle }));
      make(() => new TaintEvictionController(clients('node-controller'), factory, { log: opts.log }));
      // kube-controller-manager runs the node IPAM controller with the node-controller's credentials.
      const nodeIPAM = opts.nodeIPAM;
      if (nodeIPAM) make(() => new NodeIPAMController(clients('node-controller'), factory, { ...nodeIPAM, log: opts.log }));
      make(() => new PodGCController(clients('pod-garbage-collector'), factory, { log: opts.log }));
      make(() => storageControllers(clients, factory, opts.log));
      make(() => new DisruptionController(clients('disruption-controller'), factory, { log: opts.log }));
      make(() => batchControllers(clients, factory, opts.log));
      make(() => new ClusterRoleAggregationController(clients('clusterrole-aggregation-controller'), factory, opts.log));
      // TLS bootstrap: node CSRs approved and signed; bootstrap tokens sign cluster-info and expire
      // (kubeadm runs kube-controller-manager with --controllers=*,bootstrapsigner,tokencleaner).
      make(() => new CSRApprovingController(clients('certificate-controller'), factory, opts.log));
      const signingCA = opts.signingCA;
      if (signingCA) make(() => new CSRSigningController(clients('certificate-controller'), factory, signingCA, opts.log));
      make(() => new BootstrapSigner(clients('bootstrap-signer'), factory, opts.log));
      make(() => new TokenCleaner(clients('token-cleaner'), factory, opts.log));
      make(() => appsControllers(clients, factory, opts.log));
      make(() => policyControllers(clients, factory, resources, { log: opts.log, ...opts.policy }));
      make(() => opts.extra?.(opts.extraClient ?? client, factory) ?? []);
    } catch (e) {
      await stopAll();
      throw e;
    }
    // (The informers asked for since factory.start() started as they were asked for.)
    // GarbageCollector.Sync: CRDs come and go, the collector and the namespace controller follow.
    let known = JSON.stringify(resources);
    let resync: NodeJS.Timeout | undefined;
    const rediscover = async () => {
      const now = await serverPreferredResources(client).catch(() => undefined);
      if (!now || JSON.stringify(now) === known) return;
      known = JSON.stringify(now);
      gc.sync(now);
      nsc.sync(now);
    };
    return {
      start() {
        for (const { controller, informers } of built.slice(first)) void startWhenSynced(controller, informers);
        resync = setInterval(() => {
          void rediscover();
        }, opts.discoveryResyncMs ?? 30_000);
        resync.unref();
      },
      async stop() {
        if (resync) clearInterval(resync);
        await stopAll();
      },
    };
  };
  const elector = runLeaderElected(client, 'kube-controller-manager', term, opts.log);
  return {
    client,
    isLeader: () => elector.isLeader(),
    async stop() {
      await elector.stop();
      builder.stop();
      client.close();
    },
  };
}
