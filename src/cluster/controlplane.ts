// What `k8ts up` runs in its process: the store, the API server, and the components that are
// clients of it (controller manager, scheduler, node agent as their issues land). They share
// a process today but talk to each other only through the API, so they can be split later.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
// Only types and light modules at the top: the `up` command and every other verb import this
// file for readyz/runningCluster, and the control plane's modules (API server, controllers,
// scheduler, node) are loaded by startControlPlane alone (#13: time to ready).
import type { ApiServer } from '../apiserver/server.js';
import type { RestClient } from '../client/rest.js';
import type { ControllerManager } from '../controllers/manager.js';
import type { FleetLockServer } from '../fleetlock/server.js';
import type { NodeNetwork } from '../node/network/bridge.js';
import { ensureClientCert, ensurePKI, ensureServingCert, readAdminCert } from '../pki/certs.js';
import type { ProxyModeChoice } from '../proxy/server.js';
import type { SchedulerServer } from '../scheduler/server.js';
import type { SpawnedSchedulerThread } from '../scheduler/thread.js';
import type { StoreKind } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { LocalNode, RuntimeChoice } from './node.js';
import { type ClusterInfo, clusterFiles, ensurePrivateDir } from './paths.js';
import { processAlive, processStartTime } from './process.js';
import { StepTimer } from './steptimer.js';

export interface ControlPlaneOptions {
  dataDir: string;
  port: number;
  host?: string;
  store: StoreKind;
  /** TLS to etcd (with an etcd:// store). */
  etcdTLS?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Run the controllers in-process (on by default). */
  controllers?: boolean;
  /** Run a node (agent + runtime) for this machine (on by default). */
  node?: boolean;
  /** The local node's pod network: podCIDR and bridge name (several clusters on one machine need distinct ones). */
  podCIDR?: string;
  bridgeName?: string;
  nodeName?: string;
  /** Node IPAM (kube-controller-manager's --cluster-cidr, --node-cidr-mask-size, --allocate-node-cidrs). */
  clusterCIDR?: string;
  nodeCIDRMaskSize?: number;
  allocateNodeCIDRs?: boolean;
  /** Where the API server listens besides 127.0.0.1 (--bind-address; default the advertise address). */
  bindAddress?: string;
  /** The API server's address for nodes and pods (--advertise-address; default the host's first IPv4). */
  advertiseAddress?: string;
  /** Extra DNS names / IPv4 addresses in the serving certificate (--tls-san). */
  tlsSANs?: string[];
  /** The local node's container runtime (default auto). */
  runtime?: RuntimeChoice;
  /** The local node's service proxy mode (default auto). */
  proxyMode?: ProxyModeChoice;
  /** Addresses for LoadBalancer services; default 198.18.<pod CIDR's third octet>.0/24. */
  loadBalancerPool?: string;
  /** The local node's resolv.conf (kubelet's --resolv-conf). */
  resolvConf?: string;
  /** The node's ingress controller ports (default 80, 443; 0 disables). */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
  /** Simulated nodes to ask for at start (they heartbeat and run pods without processes). */
  simulatedNodes?: number;
  /** Seconds a node may stay silent before it is Unknown (Kubernetes v1.32: 50). */
  nodeGracePeriodSeconds?: number;
  /** metrics.k8s.io's scrape period (metrics-server's --metric-resolution, 15). */
  metricResolutionSeconds?: number;
  /** --horizontal-pod-autoscaler-sync-period (15) and --horizontal-pod-autoscaler-downscale-stabilization (300). */
  hpaSyncPeriodSeconds?: number;
  hpaDownscaleStabilizationSeconds?: number;
  /** Serve the FleetLock protocol at address (HOST:PORT), `slots` reboots per group, HTTPS if tls. */
  fleetlock?: { address: string; slots?: number; tls?: boolean };
  log?: (msg: string) => void;
  /**
   * The components this process runs (controllers, scheduler, simulated nodes, the local node
   * agent, FleetLock) reach the API server in-process (src/apiserver/inprocess.ts) instead of
   * over HTTPS to 127.0.0.1: same chain, each with its own identity, no TLS or JSON, and the
   * watch cache's objects shared with their informers. Default: on, unless
   * K8TS_INPROCESS_CLIENTS=0 (HTTPS, as separate processes would talk: for comparing the two).
   */
  inProcessClients?: boolean;
  /**
   * Run the scheduler in a worker thread of this process (src/scheduler/thread.ts), its
   * requests served through a port (or HTTPS without in-process clients), as kube-scheduler is
   * a process of its own. Default: on, unless K8TS_SCHEDULER_THREAD=0 (#13, measured on a
   * shared 2-core machine against the in-process scheduler: at 1,000 nodes as many pods bound a
   * second for less of the main thread a pod, at 5,000 more; its own copy of every pod kept
   * compact; NOTES.md, schedrate6 of session 11 and schedthread7 of session 12).
   */
  schedulerThread?: boolean;
  /**
   * Run the simulated nodes in a worker thread of this process (src/cluster/simulatedthread.ts):
   * their informers, queue and status writes off the API server's thread, their requests
   * served through a port (or HTTPS without in-process clients), as kwok runs its kubelets in a
   * process of its own. Default: off, unless K8TS_SIMULATED_NODES_THREAD=1 (#13, measured on a
   * shared 2-core machine: no more pods bound a second at 1,000 or 5,000 nodes, with or without
   * the scheduler's thread; serving the thread's requests (their bodies decoded, their answers
   * encoded) costs the API server's thread about what the in-process kubelets cost it; +170 MiB
   * RSS at 10,000 pods, +400-490 MiB at 30,000; NOTES.md, simnodes, session 12).
   */
  simulatedNodesThread?: boolean;
  /** Called once the API server answers, before the controllers, scheduler and node start. */
  onServing?: (url: string) => void;
}

export interface ControlPlane {
  url: string;
  token: string;
  /** The cluster CA (PEM) clients verify the API server with. */
  caPEM: string;
  api: ApiServer;
  store: Store;
  controllers?: ControllerManager;
  scheduler?: SchedulerServer;
  node?: LocalNode;
  fleetlock?: FleetLockServer;
  stop(): Promise<void>;
}

/** kube-controller-manager has no default; flannel's and k3s's is 10.244.0.0/16 / 10.42.0.0/16: ours holds the /24s k8ts' nodes always had. */
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';

/** The admin token: made once per data dir, reused by every later `up`. */
export function ensureToken(dataDir: string): string {
  const files = clusterFiles(dataDir);
  ensurePrivateDir(files.dir);
  try {
    const t = fs.readFileSync(files.token, 'utf8').trim();
    if (t) return t;
  } catch {
    /* first start */
  }
  const t = randomBytes(24).toString('hex');
  fs.writeFileSync(files.token, `${t}\n`, { mode: 0o600 });
  return t;
}

/** What a kubeconfig for the admin holds: the client certificate (once the cluster's PKI is made) and the token. */
export function adminCredentials(dataDir: string): { token: string; cert?: string; key?: string } {
  const token = ensureToken(dataDir);
  const admin = readAdminCert(clusterFiles(dataDir).dir);
  return { token, cert: admin?.cert, key: admin?.key };
}

/** The API server's address for other machines (its advertise address, which it also serves on), else its URL. */
export function joinServerURL(advertiseAddress: string | undefined, port: number, url: string): string {
  return advertiseAddress ? `https://${advertiseAddress}:${port}` : url;
}

/** Kubelet renews its lease every 10 s against a 50 s grace period; keep that ratio when the grace is shortened. */
function heartbeatMs(graceSeconds: number | undefined): number | undefined {
  return graceSeconds ? Math.min(10_000, Math.max(200, (graceSeconds * 1000) / 5)) : undefined;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  // This machine's node runs its commands (ip, nft, mount) through the spawner's helper, a Node
  // process of its own: started now, it comes up while the control plane loads, not on the node's
  // path to ready.
  if (opts.node !== false) void import('../node/runtime/spawner.js').then(({ spawner }) => spawner.warm());
  // The node's pod network needs no API server: its bridge (ip and nft commands, run by the
  // helper in processes of their own) is begun now, beside the control plane's module loading
  // and start on this thread, instead of being the first ~0.2 s of the node's start. Only over
  // a podCIDR given (`up` always gives one): one from the node IPAM controller is known only
  // through the API. A pod network that cannot be made is left to the node's start, which
  // fails on it as before.
  const podNetwork =
    opts.node !== false && opts.podCIDR
      ? import('./podnetwork.js')
          .then(({ podNetworkFor }) => {
            const n = podNetworkFor({ bridgeName: opts.bridgeName, podCIDR: opts.podCIDR!, dir: nodeDir(opts.dataDir) });
            void n?.ensureBridge().catch(() => undefined);
            return n;
          })
          .catch(() => undefined)
      : undefined;
  // The scheduler's thread, spawned now: it loads its modules on the other core while this one
  // starts the store and API server, and is given its connection once they serve.
  const schedulerThread =
    opts.controllers !== false && (opts.schedulerThread ?? process.env.K8TS_SCHEDULER_THREAD !== '0')
      ? import('../scheduler/thread.js').then(({ spawnSchedulerThread }) => spawnSchedulerThread())
      : undefined;
  const begun: { node?: LocalNode; schedulerThread?: Promise<SpawnedSchedulerThread> } = { schedulerThread };
  try {
    return await startControlPlaneWith(opts, podNetwork, begun);
  } catch (e) {
    // A thread spawned for a scheduler that did not start (or failed starting) is ended.
    void schedulerThread?.then((t) => t.cancel()).catch(() => undefined);
    // The node never started (or failed starting): what was begun for it is undone, so that a
    // failed start leaves the host as it was.
    if (!begun.node) await (await podNetwork)?.abandon().catch(() => undefined);
    throw e;
  }
}

/** Where this machine's node keeps its runtime, volumes and logs. */
function nodeDir(dataDir: string): string {
  return `${clusterFiles(dataDir).dir}/node`;
}

async function startControlPlaneWith(
  opts: ControlPlaneOptions,
  podNetwork: Promise<NodeNetwork | null | undefined> | undefined,
  begun: { node?: LocalNode; schedulerThread?: Promise<SpawnedSchedulerThread> },
): Promise<ControlPlane> {
  const timer = new StepTimer();
  const phases = timer.steps;
  const phase = (name: string) => timer.step(name);
  // What serving needs comes first; the components that are clients of the API (controllers,
  // scheduler, node) are loaded while it already answers (#13: `k8ts up` is ready when the API
  // server is, as kubeadm's control plane is, before the controllers have synced).
  const [{ ApiServer }, { ensureServiceAccountKey }, { adminUser }, { openStore }, { makeConnectHandler }] = await Promise.all([
    import('../apiserver/server.js'),
    import('../pki/serviceaccount.js'),
    import('../apiserver/authn/user.js'),
    import('../store/index.js'),
    import('../apiserver/connect.js'),
  ]);
  phase('modules');
  const files = clusterFiles(opts.dataDir);
  const token = ensureToken(opts.dataDir);
  const isIP = (x: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(x);
  const sans = [
    ...(opts.tlsSANs ?? []),
    ...(opts.advertiseAddress ? [opts.advertiseAddress] : []),
    ...(opts.bindAddress && opts.bindAddress !== '0.0.0.0' ? [opts.bindAddress] : []),
  ];
  const pki = ensurePKI(files.dir, { ips: sans.filter(isIP), dns: sans.filter((x) => !isIP(x)) });
  const saKeys = ensureServiceAccountKey(files.dir);
  phase('pki');
  const store = await openStore(opts.store, files.dir, undefined, opts.etcdTLS);
  phase('store');
  const log = opts.log ?? ((m: string) => console.error(m));
  // Pod log/exec/attach/port-forward/proxy requests are relayed to the pod's node, over TLS that
  // verifies the node and shows the API server's own kubelet client certificate (kubeadm's
  // apiserver-kubelet-client), never the admin's credential.
  const kubeletClient = ensureClientCert(files.dir, pki.ca, 'apiserver-kubelet-client', 'kube-apiserver-kubelet-client', [
    'kubeadm:cluster-admins',
  ]);
  const kubeletTLS = { caData: pki.ca.cert, certData: kubeletClient.cert, keyData: kubeletClient.key };
  let apiRef: ApiServer | undefined;
  const connect = makeConnectHandler({
    getPod: (ns, n) => apiRef!.getObject('', 'pods', ns, n),
    getNode: (n) => apiRef!.getObject('', 'nodes', undefined, n),
    getService: (ns, n) => apiRef!.getObject('', 'services', ns, n),
    getEndpoints: (ns, n) => apiRef!.getObject('', 'endpoints', ns, n),
    kubeletTLS,
  });
  const api = new ApiServer({
    store,
    tls: pki.apiserver,
    clientCA: pki.ca.cert,
    tokens: new Map([[token, adminUser()]]),
    compactKeepRevisions: 10_000,
    connect,
    // Tokens issued before a restart keep verifying after it: the key lives in the data dir.
    serviceAccounts: { keys: saKeys },
    // Pods reach the API server through the kubernetes service's endpoint: the host's address.
    serveOnAdvertiseAddress: true,
    ...(opts.advertiseAddress ? { advertiseAddress: opts.advertiseAddress } : {}),
    ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
    // metrics.k8s.io from the node agents' /metrics/resource, dialled as pod streams are.
    metricsServer: {
      kubeletTLS,
      resolutionMs: opts.metricResolutionSeconds ? opts.metricResolutionSeconds * 1000 : undefined,
    },
    log,
  });
  apiRef = api;
  let url: string;
  try {
    url = await api.start(opts.port, opts.host ?? '127.0.0.1');
    // kubeadm init's cluster-info: where joining nodes reach this API server, and its CA.
    const { ensureClusterInfo } = await import('../apiserver/bootstrap.js');
    await ensureClusterInfo(api, joinServerURL(api.advertiseAddress, api.port, url), pki.ca.cert);
  } catch (e) {
    await api.stop().catch(() => undefined);
    await store.close();
    throw e;
  }
  phase('api');
  opts.onServing?.(url);
  let controllers: ControllerManager | undefined;
  let scheduler: SchedulerServer | undefined;
  let node: LocalNode | undefined;
  let proxyClient: RestClient | undefined;
  const nodeClients: RestClient[] = [];
  let simulatorClient: RestClient | undefined;
  let fleetlock: FleetLockServer | undefined;
  const inProcess = opts.inProcessClients ?? process.env.K8TS_INPROCESS_CLIENTS !== '0';
  try {
    // The node agent's modules (runtime, network, proxy, DNS, ingress: about half of what this step loads)
    // and FleetLock's only when they run: `up --no-node` loads no node agent at all.
    const [
      { startControllers },
      { startScheduler },
      nodeModule,
      { RestClient },
      { requestSimulatedNodes, SimulatedNodesFollower },
      fleetlockModule,
      { defaultLoadBalancerPool },
      { inProcessTransport },
    ] = await Promise.all([
      import('../controllers/manager.js'),
      import('../scheduler/server.js'),
      opts.node === false ? undefined : import('./node.js'),
      import('../client/rest.js'),
      import('./simulated.js'),
      opts.fleetlock ? import('../fleetlock/server.js') : undefined,
      import('../api/addresspool.js'),
      import('../apiserver/inprocess.js'),
    ]);
    phase('component modules');
    // What the components' clients travel by: in-process to this API server, or HTTPS.
    const transport = inProcess ? inProcessTransport(api) : undefined;
    // The controller manager and scheduler, and this machine's node, are clients of the API
    // server and of nothing else of each other's (as on kubeadm's control-plane node, whose kubelet
    // registers while kube-controller-manager starts): started together, the node's waits
    // (its bridge, nft and ip commands, its registration) overlap the controllers'.
    const took = (name: string, t: number) => `${name} ${Math.round(performance.now() - t)}`;
    const startControllersAndScheduler = async (): Promise<string | undefined> => {
      if (opts.controllers === false) return undefined;
      const t = performance.now();
      // The manager acts as system:kube-controller-manager, each controller as its service
      // account in kube-system (--use-service-account-credentials, as kubeadm sets it). Simulated
      // nodes play kubelets of no identity of their own: they keep the admin's client.
      const kcm = ensureClientCert(files.dir, pki.ca, 'controller-manager', 'system:kube-controller-manager');
      const simulatorConnection = { server: url, token, caData: pki.ca.cert, userAgent: 'k8ts-simulated-nodes/v0.1.0 (k8ts)' };
      simulatorClient = new RestClient({ ...simulatorConnection, transport });
      // On a thread of their own, the simulated nodes keep that identity (the admin's token)
      // on a client of the thread's, through a port to this API server.
      const simulatedNodesThread =
        (opts.simulatedNodesThread ?? process.env.K8TS_SIMULATED_NODES_THREAD === '1')
          ? (await import('./simulatedthread.js')).SimulatedNodesThread
          : undefined;
      controllers = await startControllers({
        server: url,
        certData: kcm.cert,
        keyData: kcm.key,
        caData: pki.ca.cert,
        transport,
        log,
        useServiceAccountCredentials: true,
        extraClient: simulatorClient,
        serviceAccountKey: saKeys,
        signingCA: pki.ca,
        loadBalancerPool: opts.loadBalancerPool ?? defaultLoadBalancerPool(opts.podCIDR),
        policy: {
          hpaSyncPeriodMs: opts.hpaSyncPeriodSeconds ? opts.hpaSyncPeriodSeconds * 1000 : undefined,
          hpaDownscaleStabilizationMs:
            opts.hpaDownscaleStabilizationSeconds !== undefined ? opts.hpaDownscaleStabilizationSeconds * 1000 : undefined,
        },
        nodeIPAM:
          opts.allocateNodeCIDRs === false
            ? undefined
            : { clusterCIDR: opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, nodeCIDRMaskSize: opts.nodeCIDRMaskSize ?? 24 },
        nodeLifecycle: opts.nodeGracePeriodSeconds
          ? {
              nodeMonitorGracePeriodMs: opts.nodeGracePeriodSeconds * 1000,
              monitorPeriodMs: Math.min(5000, opts.nodeGracePeriodSeconds * 250),
            }
          : undefined,
        // Simulated nodes follow a ConfigMap, so `k8ts nodes simulate N` can change their number.
        // With a shortened grace period, nodes must heartbeat well within it.
        extra: (client, factory) => [
          simulatedNodesThread
            ? new simulatedNodesThread({
                connection: simulatorConnection,
                heartbeatMs: heartbeatMs(opts.nodeGracePeriodSeconds),
                server: inProcess ? api : undefined,
                log,
              })
            : new SimulatedNodesFollower(client, factory, log, { heartbeatMs: heartbeatMs(opts.nodeGracePeriodSeconds) }),
        ],
      });
      if (opts.simulatedNodes !== undefined) await requestSimulatedNodes(simulatorClient, opts.simulatedNodes);
      // The scheduler acts as system:kube-scheduler, with only the bootstrap policy's rights for it.
      const sched = ensureClientCert(files.dir, pki.ca, 'kube-scheduler', 'system:kube-scheduler');
      const schedConnection = { server: url, certData: sched.cert, keyData: sched.key, caData: pki.ca.cert, log };
      scheduler = begun.schedulerThread
        ? await (await begun.schedulerThread).start(schedConnection, inProcess ? api : undefined)
        : await startScheduler({ ...schedConnection, transport });
      return took('controllers and scheduler', t);
    };
    const startNode = async (): Promise<string | undefined> => {
      if (!nodeModule) return undefined;
      const { startLocalNode, defaultNodeName } = nodeModule;
      const t = performance.now();
      // This machine's node is system:node:NAME like any other (kubeadm init writes the
      // control-plane node's kubelet.conf from the CA the same way), its add-ons
      // system:k8ts:node-addons:NAME, kube-proxy system:kube-proxy: never the admin.
      const nodeName = opts.nodeName ?? defaultNodeName();
      const servingCert = (name: string, ip: string) =>
        ensureServingCert(files.dir, pki.ca, 'kubelet-serving', `system:node:${name}`, [name], [ip]);
      const kubelet = ensureClientCert(files.dir, pki.ca, 'kubelet-client', `system:node:${nodeName}`, ['system:nodes']);
      const client = new RestClient({
        server: url,
        certData: kubelet.cert,
        keyData: kubelet.key,
        caData: pki.ca.cert,
        userAgent: 'kubelet/v1.32.0 (k8ts)',
        transport,
      });
      nodeClients.push(client);
      const addons = ensureClientCert(files.dir, pki.ca, 'node-addons', `system:k8ts:node-addons:${nodeName}`, ['system:k8ts:node-addons']);
      const addonsClient = new RestClient({
        server: url,
        certData: addons.cert,
        keyData: addons.key,
        caData: pki.ca.cert,
        userAgent: 'k8ts-node-addons/v0.1.0 (k8ts)',
        transport,
      });
      nodeClients.push(addonsClient);
      // kube-proxy acts as system:kube-proxy (the system:node-proxier binding), not as the node or the admin.
      const proxyCert = ensureClientCert(files.dir, pki.ca, 'kube-proxy', 'system:kube-proxy');
      proxyClient = new RestClient({
        server: url,
        certData: proxyCert.cert,
        keyData: proxyCert.key,
        caData: pki.ca.cert,
        userAgent: 'kube-proxy/v1.32.0 (k8ts)',
        transport,
      });
      const network = await podNetwork;
      node = await startLocalNode({
        client,
        proxyClient,
        addonsClient,
        dir: nodeDir(opts.dataDir),
        ...(network !== undefined ? { network } : {}),
        streamingTLS: {
          clientCA: pki.ca.cert,
          // Issued here by the CA, as kubeadm init does for the control plane's own node, and
          // kept in the data dir while it still names the node (no X.509 writer loaded at a restart).
          servingCertificate: async (name, ip) => servingCert(name, ip),
          servingNow: (name, ip) => servingCert(name, ip),
        },
        podCIDR: opts.podCIDR,
        bridgeName: opts.bridgeName,
        nodeName,
        // Other nodes reach this one (its streaming server, its pods' VXLAN/host-gw routes) at the advertised address.
        ...(opts.advertiseAddress ? { nodeIP: opts.advertiseAddress } : {}),
        runtime: opts.runtime,
        resolvConf: opts.resolvConf,
        proxyMode: opts.proxyMode,
        ingressHttpPort: opts.ingressHttpPort,
        ingressHttpsPort: opts.ingressHttpsPort,
        log,
        leaseRenewMs: heartbeatMs(opts.nodeGracePeriodSeconds),
      });
      begun.node = node;
      return took('node', t);
    };
    // Both run to their end before a failure is thrown, so that the clean-up below finds what either started.
    const started = await Promise.allSettled([startControllersAndScheduler(), startNode()]);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    for (const r of started) if (r.status === 'fulfilled' && r.value) phases.push(r.value);
    phase('all components');
    if (opts.fleetlock && fleetlockModule) {
      const { FleetLockServer } = fleetlockModule;
      // A client of the cluster like the controllers, as system:k8ts:fleetlock (kured's rights),
      // with the API server's certificate for HTTPS.
      const fl = ensureClientCert(files.dir, pki.ca, 'fleetlock', 'system:k8ts:fleetlock');
      const client = new RestClient({
        server: url,
        certData: fl.cert,
        keyData: fl.key,
        caData: pki.ca.cert,
        userAgent: 'fleetlock/v0.1.0 (k8ts)',
        transport,
      });
      nodeClients.push(client);
      fleetlock = new FleetLockServer({ client, slots: opts.fleetlock.slots, tls: opts.fleetlock.tls ? pki.apiserver : undefined, log });
      const i = opts.fleetlock.address.lastIndexOf(':');
      await fleetlock.start(opts.fleetlock.address.slice(0, i).replace(/^\[|\]$/g, ''), Number(opts.fleetlock.address.slice(i + 1)));
    }
  } catch (e) {
    await fleetlock?.stop().catch(() => undefined);
    await node?.stop({ killPods: true }).catch(() => undefined);
    proxyClient?.close();
    for (const c of nodeClients) c.close();
    await scheduler?.stop().catch(() => undefined);
    await controllers?.stop().catch(() => undefined);
    simulatorClient?.close();
    await api.stop().catch(() => undefined);
    await store.close();
    throw e;
  }
  // Where a start's time went, for whoever wonders why it was slow.
  log(
    `control plane started in ${timer.elapsedMs()} ms (ms per phase: ${phases.join(', ')}; components' clients: ${inProcess ? 'in-process' : 'HTTPS'})`,
  );
  return {
    url,
    token,
    caPEM: pki.ca.cert,
    api,
    store,
    controllers,
    scheduler,
    node,
    fleetlock,
    async stop() {
      await fleetlock?.stop().catch(() => undefined);
      // The node first: its pods are stopped and its network removed while the API is still up.
      await node?.stop({ killPods: true }).catch((e) => log(`node stop: ${(e as Error).message}`));
      proxyClient?.close();
      for (const c of nodeClients) c.close();
      await scheduler?.stop();
      await controllers?.stop();
      simulatorClient?.close();
      await api.stop();
      await store.close();
    },
  };
}

/**
 * Records the serving control plane in DATA_DIR/cluster.json: first when its API server answers
 * (`starting`: the controllers, scheduler and node are on their way), again once all is started.
 */
export function writeClusterInfo(
  dataDir: string,
  cp: { url: string; port: number; node?: LocalNode; fleetlock?: FleetLockServer; starting?: boolean },
  storeKind: string,
): ClusterInfo {
  const files = clusterFiles(dataDir);
  const info: ClusterInfo = {
    url: cp.url,
    pid: process.pid,
    port: cp.port,
    store: storeKind,
    dataDir: files.dir,
    startedAt: new Date().toISOString(),
  };
  const start = processStartTime(process.pid);
  if (start) info.pidStart = start;
  if (process.env.K8TS_SUPERVISED) {
    info.supervisorPid = process.ppid;
    info.supervisorStart = processStartTime(process.ppid);
  }
  if (cp.starting) info.starting = true;
  if (cp.fleetlock) info.fleetlockURL = cp.fleetlock.url;
  if (cp.node) info.node = { name: cp.node.name, ip: cp.node.ip, limitations: cp.node.limitations, proxy: cp.node.proxy.describe() };
  // Written whole or not at all: `up` and `down` read it while this process may be writing.
  fs.writeFileSync(`${files.info}.tmp`, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.renameSync(`${files.info}.tmp`, files.info);
  fs.writeFileSync(files.pid, `${process.pid}${start ? ` ${start}` : ''}\n`);
  return info;
}

export function readClusterInfo(dataDir: string): ClusterInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(clusterFiles(dataDir).info, 'utf8')) as ClusterInfo;
  } catch {
    return undefined;
  }
}

export { processAlive, processStartTime } from './process.js';

/**
 * Whether pid is still the cluster's process, not whatever process reuses a stale pid: its start
 * time must be the one recorded; with none recorded (older files), its command line must be this
 * data dir's control plane (`up --foreground`, or `serve` under the supervisor). Off Linux only
 * liveness can be checked.
 */
export function isClusterProcess(pid: number, pidStart: string | undefined, dataDir: string): boolean {
  if (process.platform !== 'linux') return processAlive(pid);
  const start = processStartTime(pid);
  if (start === undefined) return false;
  if (pidStart) return start === pidStart;
  let cmdline: string[] = [];
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  return (cmdline.includes('--foreground') || cmdline.includes('serve')) && cmdline.includes(clusterFiles(dataDir).dir);
}

/** The cluster recorded in dataDir, if its process still runs and answers /readyz. */
export async function runningCluster(dataDir: string): Promise<ClusterInfo | undefined> {
  const info = readClusterInfo(dataDir);
  if (!info || !isClusterProcess(info.pid, info.pidStart, dataDir)) return undefined;
  return (await readyz(info.url, caOf(dataDir))) ? info : undefined;
}

export function caOf(dataDir: string): string | undefined {
  try {
    return fs.readFileSync(`${clusterFiles(dataDir).dir}/pki/ca.crt`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whether the API server at url answers /readyz (verifying it with the cluster CA). With an
 * agent (keep-alive), a later call reuses the connection an earlier one made.
 */
export function readyz(url: string, ca: string | undefined, timeoutMs = 2000, agent?: http.Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(`${url}/readyz`, { ca, timeout: timeoutMs, ...(agent ? { agent } : {}) } as https.RequestOptions, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
  });
}
