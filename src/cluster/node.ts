// A node on this machine: a container runtime, the node agent (kubelet) and its streaming
// server. `k8ts up` runs one for its own machine; `k8ts agent` runs one that joins a cluster
// over the network. The runtime is the OCI runtime (runc or crun, containers isolated as
// containerd isolates them) where this host can run it and the image service has layer
// snapshots; otherwise the built-in process runtime, and the node says what it cannot isolate.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RestClient } from '../client/rest.js';
import { IngressController } from '../ingress/controller.js';
import { NetworkPolicyAgent } from '../netpol/controller.js';
import { NodeAgent } from '../node/agent.js';
import { nodePodCIDR } from '../node/kubelet/podcidr.js';
import { resourceMetricsText } from '../node/kubelet/resourcemetrics.js';
import type { NodeNetwork } from '../node/network/bridge.js';
import { RouteManager } from '../node/network/routes.js';
import { LocalImageStore } from '../node/runtime/images.js';
import { OciRuntime, ociUnavailableReason } from '../node/runtime/oci/runtime.js';
import { ProcessRuntime } from '../node/runtime/process.js';
import type { ContainerStatus, ImageService, RuntimeService, Snapshotter } from '../node/runtime/types.js';
import { type StreamingPod, StreamingServer } from '../node/streaming/server.js';
import { type KeyPairPEM, makeCA } from '../pki/certs.js';
import { NodeDNS } from '../proxy/dns/nodedns.js';
import { type ProxyModeChoice, ProxyServer } from '../proxy/server.js';
import { podNetworkFor } from './podnetwork.js';
import { parseRuntimeChoice, type RuntimeChoice } from './runtimechoice.js';
import { StepTimer } from './steptimer.js';

export interface LocalNodeOptions {
  client: RestClient;
  /** The service proxy's own client (its own identity, system:kube-proxy); the node's client when absent. */
  proxyClient?: RestClient;
  /**
   * The client of the node's add-ons (cluster DNS, ingress controller, NetworkPolicy agent,
   * local-path volume cleanup): system:k8ts:node-addons:NAME, with the rights of those services
   * that the node's own credential (system:node:NAME) does not have; the node's client when absent.
   */
  addonsClient?: RestClient;
  nodeName?: string;
  /** Where the runtime, volumes and logs live. */
  dir: string;
  /** kubelet's --pod-cidr: unset, the Node's spec.podCIDR as the node IPAM controller sets it. */
  podCIDR?: string;
  bridgeName?: string;
  /**
   * TLS of the node's streaming server: the CA of the API server's client certificate (kubelet's
   * --client-ca-file), and the node's serving certificate for its name and address, asked for
   * once the Node is registered (the kubelet-serving CSR is approved against its addresses);
   * or, where it can be had at once (the control plane's own node, whose CA is at hand, as
   * kubeadm init issues it), servingNow's, served from the start.
   */
  streamingTLS: {
    clientCA: string;
    servingCertificate(nodeName: string, ip: string): Promise<KeyPairPEM>;
    servingNow?(nodeName: string, ip: string): KeyPairPEM;
  };
  /**
   * The pod network made (and its bridge begun) before this start, over the --pod-cidr given
   * (podnetwork.ts): the control plane's own node begins it while the API server starts.
   */
  network?: NodeNetwork | null;
  /** Port of the streaming server (0: any free one). */
  kubeletPort?: number;
  log?: (msg: string) => void;
  crashBackoff?: { initialMs: number; maxMs: number };
  /** Node lease renewal period (default 10 s). */
  leaseRenewMs?: number;
  /** The node's address (InternalIP, where its streaming server listens); default its bridge gateway. */
  nodeIP?: string;
  /** 'auto' (default, or $K8TS_RUNTIME): the OCI runtime where it can be used, else the process runtime. */
  runtime?: RuntimeChoice;
  /** The service proxy's mode: auto (default: nftables where it can run), nftables, userspace. */
  proxyMode?: ProxyModeChoice;
  /** Run the cluster DNS server on this node (default true; needs the pod bridge, i.e. root). */
  clusterDNS?: boolean;
  /** The node's resolv.conf (kubelet's --resolv-conf): cluster DNS forwards to its nameservers, dnsPolicy Default pods get it. */
  resolvConf?: string;
  /** The ingress controller's ports on the node's address (default 80 and 443; 0 disables one, both 0: no controller). */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
}

export { parseRuntimeChoice, type RuntimeChoice };

/** The image service's layer snapshots, when it has them (the image store built for the OCI runtime). */
function snapshotterOf(images: ImageService): Snapshotter | undefined {
  const s = (images as { snapshotter?: Snapshotter }).snapshotter;
  return s && typeof s.prepare === 'function' ? s : undefined;
}

/** Picks the runtime as the options say; throws when 'oci' is asked for and cannot be had. */
export function chooseRuntime(
  choice: RuntimeChoice,
  dir: string,
  images: LocalImageStore,
  network: NodeNetwork | null,
  log: (m: string) => void,
): ProcessRuntime | OciRuntime {
  const stateDir = path.join(dir, 'runtime');
  const process_ = () => new ProcessRuntime({ stateDir, node: network, images, log });
  if (choice === 'process') return process_();
  const why = ociUnavailableReason();
  const snapshotter = snapshotterOf(images);
  if (choice === 'oci' && (why || !snapshotter))
    throw new Error(`cannot use the OCI runtime here: ${why ?? 'the image store has no layer snapshots'}`);
  if (why || !snapshotter) {
    log(`OCI runtime not used: ${why ?? 'the image store has no layer snapshots'}; containers run with the built-in process runtime`);
    return process_();
  }
  return new OciRuntime({ stateDir, node: network, images, snapshotter, log });
}

export interface LocalNode {
  name: string;
  ip: string;
  podCIDR: string;
  agent: NodeAgent;
  runtime: ProcessRuntime | OciRuntime;
  network: NodeNetwork | null;
  /** Routes to other nodes' podCIDRs, when the node has its bridge. */
  routes?: RouteManager;
  proxy: ProxyServer;
  /** The bundled ingress controller (class k8ts), when it could listen. */
  ingress?: IngressController;
  /** NetworkPolicy enforcement (nftables), when the node has its bridge and nft. */
  netpol?: NetworkPolicyAgent;
  limitations: string[];
  /** killPods: for `k8ts down` (nothing of the node is left); false for an agent restart. */
  stop(opts: { killPods: boolean }): Promise<void>;
}

/** The streaming server finds a pod's sandbox and current containers through the runtime. */
export async function lookupPodInRuntime(runtime: RuntimeService, namespace: string, name: string): Promise<StreamingPod | undefined> {
  const sandboxes = (await runtime.listPodSandbox())
    .filter((s) => s.metadata.namespace === namespace && s.metadata.name === name)
    .sort((a, b) => (a.state === b.state ? b.createdAt - a.createdAt : a.state === 'SANDBOX_READY' ? -1 : 1));
  const sb = sandboxes[0];
  if (!sb) return undefined;
  const containers: Record<string, string> = {};
  const best = new Map<string, ContainerStatus>();
  for (const c of await runtime.listContainers({ podSandboxId: sb.id })) {
    const cur = best.get(c.metadata.name);
    const rank = (x: ContainerStatus) => (x.state === 'CONTAINER_RUNNING' ? 1e15 : 0) + x.metadata.attempt * 1e6 + x.createdAt / 1e7;
    if (!cur || rank(c) > rank(cur)) best.set(c.metadata.name, c);
  }
  for (const [n, c] of best) containers[n] = c.id;
  return { sandboxId: sb.id, containers, podIP: sb.ip, uid: sb.metadata.uid };
}

/** A node's default name: the hostname, lower-cased, as a DNS subdomain. */
export function defaultNodeName(): string {
  return os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-');
}

export async function startLocalNode(opts: LocalNodeOptions): Promise<LocalNode> {
  const name = opts.nodeName ?? defaultNodeName();
  const log = opts.log ?? (() => undefined);
  const timer = new StepTimer();
  const step = (what: string) => timer.step(what);
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  // The Node's podCIDR (the node IPAM controller's), unless one is given (kubelet's --pod-cidr).
  const podCIDR = await nodePodCIDR(opts.client, name, { override: opts.podCIDR, log });
  step('podCIDR');
  if (opts.network && opts.network.podCIDR !== podCIDR)
    throw new Error(`node ${name}: its pod network is over ${opts.network.podCIDR}, not ${podCIDR}`);
  const network = opts.network !== undefined ? opts.network : podNetworkFor({ bridgeName: opts.bridgeName, podCIDR, dir: opts.dir });
  // registries.yaml beside the store: mirrors, plain-http registries and credentials (images/hosts.ts).
  const images = new LocalImageStore({
    dir: path.join(opts.dir, 'images'),
    registryConfigFile: path.join(opts.dir, 'registries.yaml'),
    log,
  });
  // The bridge (ip and nft commands) and the image store's clean-up (files) at once.
  await Promise.all([network?.ensureBridge(), images.cleanup().catch((e) => log(`image store cleanup: ${(e as Error).message}`))]);
  step('bridge');
  const runtime = chooseRuntime(opts.runtime ?? parseRuntimeChoice(process.env.K8TS_RUNTIME), opts.dir, images, network, log);
  const limitations = runtime.limitations();
  for (const l of limitations) log(`node ${name}: ${l}`);
  // The node's address is its bridge gateway: local to this host and reachable from its pods.
  const ip = opts.nodeIP ?? (network ? network.gateway : '127.0.0.1');
  // The service proxy (kube-proxy) of this node: its rules are named after the node's bridge,
  // which is distinct per cluster and agent on a host.
  const proxy = new ProxyServer({
    client: opts.proxyClient ?? opts.client,
    nodeName: name,
    mode: opts.proxyMode ?? 'auto',
    instance: network?.bridgeName ?? name,
    addressDevice: network?.bridgeName,
    podCIDR,
    log,
  });
  log(`node ${name}: service proxy: ${proxy.describe()}`);
  step('runtime, proxy mode');
  // Until its serving certificate is issued the node serves a self-signed one no API server
  // trusts (kubelet without a certificate does the same): streams wait for the real one.
  const servingNow = opts.streamingTLS.servingNow?.(name, ip);
  const streaming = new StreamingServer({
    runtime,
    clientCA: opts.streamingTLS.clientCA,
    tls: servingNow ?? makeCA(`system:node:${name} (not yet certified)`, 1),
    lookupPod: (ns, n) => lookupPodInRuntime(runtime, ns, n),
    resourceMetrics: () => resourceMetricsText(runtime),
  });
  // Cluster DNS listens on the bridge gateway, which every pod of this node reaches.
  let dns: NodeDNS | undefined;
  const startDNS = async (): Promise<void> => {
    if (!network || opts.clusterDNS === false) {
      if (!network) log("cluster DNS not run on this node: it needs the pod bridge (root); pods get the node's resolv.conf");
      return;
    }
    const d = new NodeDNS({
      client: opts.addonsClient ?? opts.client,
      nodeName: name,
      listenAddress: network.gateway,
      resolvConf: opts.resolvConf,
      log,
    });
    try {
      await d.start();
      dns = d;
    } catch (e) {
      log(`cluster DNS not started on ${network.gateway}:53: ${(e as Error).message}; pods get the node's resolv.conf`);
      await d.stop().catch(() => undefined);
    }
  };
  // The bundled ingress controller (k3s's traefik) on the node's address; a port it cannot
  // bind leaves the node without it rather than without the node.
  const httpPort = opts.ingressHttpPort ?? 80;
  const httpsPort = opts.ingressHttpsPort ?? 443;
  let ingress: IngressController | undefined;
  const startIngress = async (): Promise<void> => {
    if (httpPort <= 0 && httpsPort <= 0) return;
    const i = new IngressController({ client: opts.addonsClient ?? opts.client, nodeName: name, address: ip, httpPort, httpsPort, log });
    try {
      await i.start();
      ingress = i;
      log(`node ${name}: ingress controller on ${ip} (http ${i.httpPort || 'off'}, https ${i.httpsPort || 'off'})`);
    } catch (e) {
      log(`node ${name}: ingress controller not started: ${(e as Error).message}`);
      await i.stop().catch(() => undefined);
    }
  };
  // NetworkPolicy in the kernel (a table of its own beside the proxy's), where nft runs.
  let netpol: NetworkPolicyAgent | undefined;
  const startNetpol = async (): Promise<void> => {
    if (!network || proxy.mode !== 'nftables') {
      log(`node ${name}: NetworkPolicy not enforced: it needs the pod bridge and nftables`);
      return;
    }
    const n = new NetworkPolicyAgent({ client: opts.addonsClient ?? opts.client, nodeName: name, instance: network.bridgeName, log });
    try {
      await n.start();
      netpol = n;
      log(`node ${name}: NetworkPolicy enforced in nftables table ip ${n.table}`);
    } catch (e) {
      log(`node ${name}: NetworkPolicy not enforced: ${(e as Error).message}`);
      await n.stop({ cleanup: true }).catch(() => undefined);
    }
  };
  // The streaming server, cluster DNS, the service proxy, the ingress controller and NetworkPolicy
  // need nothing of each other's, nor the Node registered: started together (kubelet's servers,
  // kube-proxy and the network policy agents start independently too; each waits on nft runs and
  // listens of its own, #13), the agent after them, as before (its pods find the service rules,
  // DNS and their NetworkPolicy in place).
  let proxyStarted = false;
  const [listening, , proxying] = await Promise.allSettled([
    streaming.listen(opts.kubeletPort ?? 0, ip),
    startDNS(),
    proxy.start().then(() => {
      proxyStarted = true;
    }),
    startIngress(),
    startNetpol(),
  ]);
  // What started is stopped, its kernel rules kept (as an agent restart keeps them) for the pods that may run.
  const stopAddons = async () => {
    await netpol?.stop({ cleanup: false }).catch(() => undefined);
    await ingress?.stop().catch(() => undefined);
  };
  const failed = [listening, proxying].find((r) => r.status === 'rejected');
  if (failed || listening.status !== 'fulfilled') {
    await stopAddons();
    if (proxyStarted) await proxy.stop({ cleanup: false }).catch(() => undefined);
    await dns?.stop().catch(() => undefined);
    await streaming.close().catch(() => undefined);
    await runtime.close();
    throw (failed as PromiseRejectedResult | undefined)?.reason ?? new Error('streaming server did not start');
  }
  const port = listening.value;
  step('streaming, DNS, proxy, ingress, NetworkPolicy');
  const clusterDNS = dns?.serviceIP ? [dns.serviceIP] : [];
  const agent = new NodeAgent({
    client: opts.client,
    localPathClient: opts.addonsClient,
    nodeName: name,
    runtime,
    images,
    podCIDR,
    nodeIP: ip,
    clusterDNS,
    resolvConf: opts.resolvConf,
    rootDir: path.join(opts.dir, 'kubelet'),
    localPathDir: path.join(opts.dir, 'storage'),
    kubeletPort: port,
    log,
    crashBackoff: opts.crashBackoff,
    leaseRenewMs: opts.leaseRenewMs,
    endpointsDrained: (ips, timeoutMs) => proxy.waitForEndpointsGone(ips, timeoutMs),
  });
  try {
    await agent.start();
    step('agent');
  } catch (e) {
    await stopAddons();
    await proxy.stop({ cleanup: false }).catch(() => undefined);
    await dns?.stop().catch(() => undefined);
    await streaming.close();
    await runtime.close();
    throw e;
  }
  try {
    if (!servingNow) streaming.setServingCertificate(await opts.streamingTLS.servingCertificate(name, ip));
  } catch (e) {
    log(`node ${name}: no serving certificate (${(e as Error).message}): logs, exec and port-forward to this node will be refused`);
  }
  // Routes to the other nodes' pods (flannel's host-gw / vxlan), once this Node is registered;
  // beside them, at once (they share nothing but the API server), DNS's endpoint.
  let routes: RouteManager | undefined;
  const startRoutes = async (): Promise<void> => {
    if (!network) return;
    const r = new RouteManager({
      client: opts.client,
      nodeName: name,
      nodeIP: ip,
      podCIDR,
      network,
      stateDir: path.join(opts.dir, 'network'),
      log,
    });
    try {
      await r.start();
      routes = r;
    } catch (e) {
      log(`node ${name}: pod routes to other nodes not set up: ${(e as Error).message}`);
      await r.stop({ cleanup: false }).catch(() => undefined);
    }
  };
  // Each logs its own failure and leaves the node without it: none rejects.
  await Promise.all([startRoutes(), dns?.publish().catch((e) => log(`cluster DNS: publishing its endpoint: ${(e as Error).message}`))]);
  step('routes, DNS endpoint');
  log(`node ${name} started in ${timer.elapsedMs()} ms (ms per step: ${timer.steps.join(', ')})`);
  return {
    name,
    ip,
    podCIDR,
    agent,
    runtime,
    network,
    routes,
    proxy,
    ingress,
    netpol,
    limitations,
    async stop({ killPods }) {
      await netpol?.stop({ cleanup: killPods }).catch((e) => log(`netpol stop: ${(e as Error).message}`));
      await ingress?.stop().catch((e) => log(`ingress stop: ${(e as Error).message}`));
      await agent.stop({ killPods });
      await routes?.stop({ cleanup: killPods }).catch((e) => log(`routes stop: ${(e as Error).message}`));
      await proxy.stop({ cleanup: killPods }).catch((e) => log(`proxy stop: ${(e as Error).message}`));
      await dns?.stop().catch((e) => log(`cluster DNS stop: ${(e as Error).message}`));
      await streaming.close();
      if (killPods) await runtime.cleanupAll();
      await runtime.close();
      if (killPods && network) await network.teardown();
    },
  };
}
