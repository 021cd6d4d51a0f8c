// The node agent: what the kubelet is to Kubernetes. It registers its Node and keeps it and its
// Lease fresh, watches the pods bound to its node, and runs each through a pod worker that turns
// it into a sandbox and containers through the CRI-shaped RuntimeService and ImageService, then
// reports their status. A restarted agent adopts what still runs (by the pod uid on the runtime's
// sandboxes and containers) instead of starting it again, and removes what belongs to no pod.

import fs from 'node:fs/promises';
import { errorMessage } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { NODES as NODE_RES, type NodeStatus, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, PODS as POD_RES, SERVICES } from '../api/types.js';
import { EventRecorder, Informer, isNotFound, type RestClient } from '../client/index.js';
import { Backoff } from './kubelet/backoff.js';
import { EvictionManager } from './kubelet/eviction.js';
import { ImageGCManager, type ImageGCPolicy, ImagePuller } from './kubelet/images.js';
import { instrumentedRuntime } from './kubelet/instrumented.js';
import { LocalPathNode } from './kubelet/localpath.js';
import { addPodStatusSource } from './kubelet/metrics.js';
import { type NodeFacts, nodeStatus, patchNodeStatus, registerNode, renewLease, statusFingerprint } from './kubelet/nodestatus.js';
import { PodWorker, type WorkerContext } from './kubelet/podworker.js';
import { ProbeManager } from './kubelet/probes.js';
import { type DNSSettings, hostResolvConf } from './kubelet/sandbox.js';
import { StatusManager } from './kubelet/statusmanager.js';
import { ServiceAccountTokenManager, tokenRequester } from './kubelet/token.js';
import {
  ANNOTATION_TERMINATION_GRACE,
  DependencyNotFound,
  LABEL_POD_UID,
  type ObjectSource,
  type PodObject,
  type ServiceObject,
} from './kubelet/types.js';
import { VolumeManager } from './kubelet/volumes.js';
import type { ImageService, RuntimeService } from './runtime/types.js';

export interface NodeAgentOptions {
  client: RestClient;
  /** The client the local-path part watches and deletes PersistentVolumes with (the node's own may not); default client. */
  localPathClient?: RestClient;
  nodeName: string;
  runtime: RuntimeService;
  images: ImageService;
  podCIDR?: string;
  /** The node's address (InternalIP, status.hostIP of its pods). */
  nodeIP: string;
  /** Where pods' volumes (pods/<uid>/volumes) and logs (logs/<ns>_<name>_<uid>) live. */
  rootDir: string;
  /** Where this node keeps local-path volumes (one directory each); none: it keeps none. */
  localPathDir?: string;
  /** The streaming server's port (logs, exec, attach, port-forward): Node daemonEndpoints.kubeletEndpoint.Port. */
  kubeletPort?: number;
  /** Crash-loop back-off: 10 s doubling to 300 s by default. Also used for image pulls unless imagePullBackoff is given. */
  crashBackoff?: { initialMs: number; maxMs: number };
  imagePullBackoff?: { initialMs: number; maxMs: number };
  /** The cluster DNS service IPs for dnsPolicy ClusterFirst; none: pods get the host's resolv.conf. */
  clusterDNS?: string[];
  clusterDomain?: string;
  /** The node's resolv.conf (kubelet's --resolv-conf; default /etc/resolv.conf): search domains of ClusterFirst pods, the whole of Default. */
  resolvConf?: string;
  /** How often the runtime is relisted for container changes (the kubelet's PLEG), ms (default 1000). */
  plegPeriodMs?: number;
  /** Orphan clean-up and resync of every pod, ms (default 10 000). */
  housekeepingMs?: number;
  /** Node status computed every (default 10 s), written when changed or every report period (default 5 min). */
  nodeStatusUpdateMs?: number;
  nodeStatusReportMs?: number;
  leaseRenewMs?: number;
  /** The bound on each container's processes (pids cgroup) where the runtime enforces it (default 4096). */
  pidsLimit?: number;
  /** Image garbage collection: thresholds (85/80 %, 2 min) and how often it runs (ms, default 5 min). */
  imageGC?: Partial<ImageGCPolicy> & { periodMs?: number };
  /** Pull one image at a time (kubelet's serializeImagePulls, default true). */
  serializeImagePulls?: boolean;
  /**
   * The local service proxy: resolves once the given pod IPs no longer receive new connections
   * through any service (false after timeoutMs). A deleted pod's containers get SIGTERM after it.
   */
  endpointsDrained?: (ips: string[], timeoutMs: number) => Promise<boolean>;
  /** How often pods' local storage is checked against their limits (kubelet's evictionMonitoringPeriod, ms, default 10 000). */
  evictionMonitoringPeriodMs?: number;
  log?: (msg: string) => void;
}

export class NodeAgent {
  private readonly workers = new Map<string, PodWorker>();
  private readonly recorder: EventRecorder;
  private readonly probes: ProbeManager;
  private readonly volumes: VolumeManager;
  private readonly tokens: ServiceAccountTokenManager;
  private readonly localPath?: LocalPathNode;
  private readonly statuses: StatusManager;
  private readonly crashBackoff: Backoff;
  private readonly imageBackoff: Backoff;
  private readonly pulls: ImagePuller;
  readonly imageGC: ImageGCManager;
  private readonly podInformer: Informer<PodObject>;
  private readonly svcInformer: Informer<ServiceObject>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: (msg: string) => void;
  private ctx?: WorkerContext;
  private allocatable: Record<string, string> = {};
  private lastNodeStatus?: NodeStatus;
  private lastNodeWrite = 0;
  private nodeUid?: string;
  private plegSeen = new Map<string, string>();
  private started = false;
  private stopping = false;
  private busy = { pleg: false, housekeeping: false, node: false, lease: false, imageGC: false, eviction: false };
  private readonly eviction: EvictionManager;

  private readonly opts: NodeAgentOptions;

  constructor(options: NodeAgentOptions) {
    // Every runtime call the agent makes is counted and timed, as kubelet's instrumented service.
    const opts = { ...options, runtime: instrumentedRuntime(options.runtime) };
    this.opts = opts;
    this.log = opts.log ?? (() => {});
    const c = opts.client;
    const onError = (e: unknown) => this.log(`informer: ${errorMessage(e)}`);
    this.recorder = new EventRecorder(c, { component: 'kubelet', host: opts.nodeName, onError });
    this.crashBackoff = new Backoff(opts.crashBackoff ?? { initialMs: 10_000, maxMs: 300_000 });
    this.imageBackoff = new Backoff(opts.imagePullBackoff ?? opts.crashBackoff ?? { initialMs: 10_000, maxMs: 300_000 });
    this.statuses = new StatusManager(c);
    this.pulls = new ImagePuller(opts.serializeImagePulls ?? true);
    this.imageGC = new ImageGCManager({
      images: opts.images,
      runtime: opts.runtime,
      recorder: this.recorder,
      nodeName: opts.nodeName,
      policy: opts.imageGC,
      log: this.log,
    });
    this.probes = new ProbeManager({
      runtime: opts.runtime,
      event: (pod, container, type, reason, message) =>
        this.recorder.event(pod, type, reason, message, `spec.containers{${container.name}}`),
      onChange: (uid) => this.workers.get(uid)?.probeResultChanged(),
    });
    this.podInformer = new Informer<PodObject>(c, {
      ...POD_RES,
      fieldSelector: `spec.nodeName=${opts.nodeName}`,
      onError,
      backoffInitialMs: 200,
    });
    this.svcInformer = new Informer<ServiceObject>(c, { ...SERVICES, onError, backoffInitialMs: 200 });
    if (opts.localPathDir) {
      this.localPath = new LocalPathNode({
        client: c,
        pvClient: opts.localPathClient,
        nodeName: opts.nodeName,
        root: opts.localPathDir,
        inUse: (p) => this.volumes.claimVolumeInUse(p),
        log: this.log,
      });
    }
    this.tokens = new ServiceAccountTokenManager(tokenRequester(c), Date.now, this.log);
    this.volumes = new VolumeManager(opts.rootDir, this.objectSource(), this.log, this.localPath);
    this.eviction = new EvictionManager({
      runtime: opts.runtime,
      log: this.log,
      activePods: () =>
        [...this.workers.values()]
          .map((w) => w.pod)
          .filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(this.statuses.current(p).phase ?? '')),
      emptyDirPath: (uid, volume) => this.volumes.emptyDirPath(uid, volume),
      evict: (pod, message) => this.workers.get(pod.metadata.uid!)?.evict(message),
    });
  }

  get nodeName(): string {
    return this.opts.nodeName;
  }

  /** Registers the node, starts the watches and loops; resolves once the node is registered and pods are syncing. */
  private removeMetricsSource?: () => void;

  async start(): Promise<void> {
    this.removeMetricsSource ??= addPodStatusSource(this.opts.nodeName, () => this.statuses.statuses());
    if (this.started) return;
    this.started = true;
    const o = this.opts;
    await fs.mkdir(o.rootDir, { recursive: true });
    const version = await o.runtime.version();
    for (const l of o.runtime.limitations()) this.log(`runtime: ${l}`);
    const facts = this.facts(version);
    const status = await nodeStatus(facts, await o.images.listImages().catch(() => []));
    this.allocatable = status.allocatable ?? {};
    const nodeRef = { kind: 'Node', apiVersion: 'v1', name: o.nodeName, uid: o.nodeName };
    this.recorder.event(nodeRef, 'Normal', 'Starting', 'Starting kubelet.');
    const { node, created } = await registerNode(o.client, facts, status);
    this.nodeUid = node.metadata.uid;
    const oldReady = created ? undefined : ((node.status as NodeStatus | undefined)?.conditions ?? []).find((c) => c.type === 'Ready');
    for (const r of ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID']) {
      this.recorder.event(nodeRef, 'Normal', r, `Node ${o.nodeName} status is now: ${r}`);
    }
    this.recorder.event(nodeRef, 'Normal', 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
    if (oldReady?.status !== 'True') this.recorder.event(nodeRef, 'Normal', 'NodeReady', `Node ${o.nodeName} status is now: NodeReady`);
    this.lastNodeStatus = status;
    this.lastNodeWrite = Date.now();
    await renewLease(o.client, o.nodeName, this.nodeUid).catch((e) => this.log(`lease: ${String(e)}`));
    await this.localPath?.start();

    const dns: DNSSettings = {
      clusterDNS: o.clusterDNS ?? [],
      clusterDomain: o.clusterDomain ?? 'cluster.local',
      host: hostResolvConf(o.resolvConf),
    };
    this.ctx = {
      client: o.client,
      nodeName: o.nodeName,
      runtime: o.runtime,
      images: o.images,
      runtimeName: version.runtimeName,
      recorder: this.recorder,
      volumes: this.volumes,
      probes: this.probes,
      statuses: this.statuses,
      source: this.objectSource(),
      crashBackoff: this.crashBackoff,
      imageBackoff: this.imageBackoff,
      pulls: this.pulls,
      rootDir: o.rootDir,
      dns,
      hostIPs: [o.nodeIP],
      allocatable: () => this.allocatable,
      pidsLimit: o.pidsLimit ?? 4096,
      log: this.log,
      endpointsDrained: o.endpointsDrained,
      onFinished: (uid) => this.workers.delete(uid),
    };

    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (old, pod) => {
        if (old.metadata.uid !== pod.metadata.uid) this.workers.get(old.metadata.uid!)?.remove(old);
        this.podChanged(pod);
      },
      onDelete: (pod) => this.workers.get(pod.metadata.uid!)?.remove(pod),
    });
    // Services first, so that a pod's first sync finds them for its environment.
    this.svcInformer.start();
    await this.svcInformer.waitForSync(30_000);
    this.podInformer.start();
    await this.podInformer.waitForSync(30_000);
    await this.housekeeping();

    this.every(o.plegPeriodMs ?? 1000, 'pleg', () => this.relist());
    this.every(o.housekeepingMs ?? 10_000, 'housekeeping', () => this.housekeeping());
    this.every(o.nodeStatusUpdateMs ?? 10_000, 'node', () => this.updateNodeStatus(facts));
    this.every(o.leaseRenewMs ?? 10_000, 'lease', () => this.heartbeat(o.leaseRenewMs ?? 10_000));
    await this.imageGC.detectImages().catch((e) => this.log(`image GC: ${(e as Error).message}`));
    this.every(o.imageGC?.periodMs ?? 5 * 60_000, 'imageGC', () => this.imageGC.garbageCollect());
    this.every(o.evictionMonitoringPeriodMs ?? 10_000, 'eviction', () => this.eviction.synchronize());
  }

  /**
   * Stops the agent. killPods (k8ts down): every pod's containers are stopped and sandboxes removed.
   * Otherwise (an agent restart) containers keep running, to be adopted by the next agent.
   */
  async stop(opts: { killPods: boolean } = { killPods: false }): Promise<void> {
    this.stopping = true;
    this.removeMetricsSource?.();
    this.removeMetricsSource = undefined;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await Promise.all([this.podInformer.stop(), this.svcInformer.stop(), this.localPath?.stop()]);
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.probes.stop();
    if (opts.killPods) await this.killAll();
    await this.recorder.stop();
  }

  /** Pods this agent is running (by uid); for tests and `k8ts status`. */
  podUids(): string[] {
    return [...this.workers.keys()];
  }

  private facts(version: { runtimeName: string; runtimeVersion: string }): NodeFacts {
    const o = this.opts;
    return {
      nodeName: o.nodeName,
      nodeIP: o.nodeIP,
      podCIDR: o.podCIDR,
      kubeletPort: o.kubeletPort ?? 10250,
      rootDir: o.rootDir,
      runtime: version,
      limitations: o.runtime.limitations(),
    };
  }

  /**
   * Renews the node's Lease. A renewal that fails, or hangs past the renew interval, drops every
   * connection of the node's client (kubelet's heartbeat failure: closeAllConns), so that after a
   * network outage the watches re-list at once and the node hears what happened meanwhile (its
   * pods evicted) instead of waiting on dead sockets for TCP to time out.
   */
  private async heartbeat(intervalMs: number): Promise<void> {
    const o = this.opts;
    // kubelet's heartbeat client times out after nodeStatusUpdateFrequency (10 s); never less, a
    // loaded machine's fresh TLS connection may take seconds.
    const hung = setTimeout(() => o.client.closeAllConnections(), Math.max(4 * intervalMs, 10_000));
    try {
      await renewLease(o.client, o.nodeName, this.nodeUid);
    } catch (e) {
      o.client.closeAllConnections();
      throw e;
    } finally {
      clearTimeout(hung);
    }
  }

  private every(ms: number, name: keyof NodeAgent['busy'], fn: () => Promise<unknown>): void {
    const t = setInterval(() => {
      if (this.busy[name] || this.stopping) return;
      this.busy[name] = true;
      fn()
        .catch((e) => this.log(`${name}: ${errorMessage(e)}`))
        .finally(() => {
          this.busy[name] = false;
        });
    }, ms);
    this.timers.push(t);
  }

  private podChanged(pod: PodObject): void {
    if (this.stopping || !this.ctx) return;
    if (pod.spec?.nodeName !== this.opts.nodeName) return;
    const uid = pod.metadata.uid!;
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(this.ctx, pod);
      this.workers.set(uid, w);
    }
    w.update(pod);
  }

  private objectSource(): ObjectSource {
    const c = this.opts.client;
    // Kubelet's configMapAndSecretChangeDetectionStrategy Get: each pod sync reads the ConfigMaps
    // and Secrets it uses from the API server. The node may read only those its pods use (the Node
    // authorizer), so it cannot watch them all; the housekeeping resync (10 s) picks up changes.
    const fetch = async <T extends KObject>(resource: string, kind: 'configmap' | 'secret', ns: string, name: string): Promise<T> => {
      try {
        return await c.get<T>({ group: '', version: 'v1', resource, namespace: ns, name });
      } catch (e) {
        if (isNotFound(e)) throw new DependencyNotFound(kind, name);
        throw e;
      }
    };
    const getOrMissing = async (ref: {
      group: string;
      version: string;
      resource: string;
      namespace?: string;
      name: string;
    }): Promise<KObject | undefined> => {
      try {
        return await c.get(ref);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    };
    return {
      configMap: (ns, name) => fetch('configmaps', 'configmap', ns, name),
      secret: (ns, name) => fetch('secrets', 'secret', ns, name),
      services: (ns) => this.svcInformer.byIndex('namespace', ns),
      persistentVolumeClaim: (ns, name) => getOrMissing({ ...PERSISTENTVOLUMECLAIMS, namespace: ns, name }),
      persistentVolume: (name) => getOrMissing({ ...PERSISTENTVOLUMES, name }),
      serviceAccountToken: (ns, sa, spec) => this.tokens.get(ns, sa, spec),
      forgetServiceAccountTokens: (uid) => this.tokens.forgetPod(uid),
    };
  }

  /** The PLEG: a pod whose containers changed state gets a sync. */
  private async relist(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([this.opts.runtime.listPodSandbox(), this.opts.runtime.listContainers()]);
    const sbUid = new Map(sandboxes.map((s) => [s.id, s.metadata.uid]));
    const prints = new Map<string, string[]>();
    for (const s of sandboxes) {
      if (!prints.has(s.metadata.uid)) prints.set(s.metadata.uid, []);
      prints.get(s.metadata.uid)!.push(`${s.id}:${s.state}`);
    }
    for (const ct of containers) {
      const uid = ct.labels?.[LABEL_POD_UID] ?? sbUid.get(ct.podSandboxId) ?? '';
      if (!prints.has(uid)) prints.set(uid, []);
      prints.get(uid)!.push(`${ct.id}:${ct.state}`);
    }
    const next = new Map<string, string>();
    for (const [uid, p] of prints) next.set(uid, p.sort().join(','));
    for (const [uid, p] of next) if (this.plegSeen.get(uid) !== p) this.workers.get(uid)?.trigger();
    for (const uid of this.plegSeen.keys()) if (!next.has(uid)) this.workers.get(uid)?.trigger();
    this.plegSeen = next;
  }

  /** Resyncs every pod and removes what the runtime runs for pods that no longer exist here. */
  private async housekeeping(): Promise<void> {
    for (const w of this.workers.values()) w.trigger();
    if (!this.podInformer.hasSynced()) return;
    const sandboxes = await this.opts.runtime.listPodSandbox();
    const containers = await this.opts.runtime.listContainers();
    const orphanUids = new Set<string>();
    for (const s of sandboxes) if (!this.workers.has(s.metadata.uid)) orphanUids.add(s.metadata.uid);
    for (const ct of containers) {
      const uid = ct.labels?.[LABEL_POD_UID];
      if (uid && !this.workers.has(uid)) orphanUids.add(uid);
    }
    for (const uid of orphanUids) {
      this.log(`removing the containers of pod ${uid}, which no longer exists`);
      const mine = containers.filter(
        (ct) => ct.labels?.[LABEL_POD_UID] === uid || sandboxes.some((s) => s.id === ct.podSandboxId && s.metadata.uid === uid),
      );
      await Promise.all(
        mine
          .filter((ct) => ct.state === 'CONTAINER_RUNNING')
          .map((ct) => {
            const grace = Number(ct.annotations?.[ANNOTATION_TERMINATION_GRACE] ?? 30);
            return this.opts.runtime.stopContainer(ct.id, Math.max(2, Number.isFinite(grace) ? grace : 30));
          }),
      );
      for (const ct of mine) await this.opts.runtime.removeContainer(ct.id);
      for (const s of sandboxes.filter((x) => x.metadata.uid === uid)) {
        await this.opts.runtime.stopPodSandbox(s.id);
        await this.opts.runtime.removePodSandbox(s.id);
      }
      await this.volumes.tearDown(uid);
    }
  }

  private async updateNodeStatus(facts: NodeFacts): Promise<void> {
    const images = await this.opts.images.listImages().catch(() => []);
    const status = await nodeStatus(facts, images, this.lastNodeStatus);
    this.allocatable = status.allocatable ?? this.allocatable;
    let changed = statusFingerprint(status) !== statusFingerprint(this.lastNodeStatus);
    // As kubelet's tryUpdateNodeStatus, against the Node the API holds: the node lifecycle
    // controller sets the conditions Unknown while this node was unreachable, and only a write
    // from here makes it Ready again.
    if (!changed) changed = conditionsDiffer(await this.opts.client.get({ ...NODE_RES, name: this.opts.nodeName }), status);
    if (!changed && Date.now() - this.lastNodeWrite < (this.opts.nodeStatusReportMs ?? 300_000)) return;
    await patchNodeStatus(this.opts.client, this.opts.nodeName, status);
    this.lastNodeStatus = status;
    this.lastNodeWrite = Date.now();
  }

  /** k8ts down: every container stopped, every sandbox removed. */
  private async killAll(): Promise<void> {
    const rt = this.opts.runtime;
    const containers = await rt.listContainers();
    await Promise.all(
      containers
        .filter((c) => c.state === 'CONTAINER_RUNNING')
        .map((c) => {
          const grace = Number(c.annotations?.[ANNOTATION_TERMINATION_GRACE] ?? 30);
          return rt
            .stopContainer(c.id, Math.min(10, Number.isFinite(grace) ? grace : 30))
            .catch((e) => this.log(`stop ${c.id}: ${String(e)}`));
        }),
    );
    await Promise.all(containers.map((c) => rt.removeContainer(c.id).catch((e) => this.log(`remove ${c.id}: ${String(e)}`))));
    for (const s of await rt.listPodSandbox()) {
      await rt.stopPodSandbox(s.id).catch(() => {});
      await rt.removePodSandbox(s.id).catch((e) => this.log(`remove sandbox ${s.id}: ${String(e)}`));
    }
    await this.volumes.unmountAll();
  }
}

/** For the lead: the pods' log directory of a pod, as the agent gives it to the runtime. */
export { podLogDirectory } from './kubelet/sandbox.js';

/** Whether the Node in the API has a condition whose status is not the one this node reports. */
function conditionsDiffer(node: KObject, status: NodeStatus): boolean {
  const api = new Map((((node.status ?? {}) as NodeStatus).conditions ?? []).map((c) => [c.type, c.status]));
  return (status.conditions ?? []).some((c) => api.get(c.type) !== c.status);
}
