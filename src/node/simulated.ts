// Simulated nodes, as kwok makes them: Node objects with a kubelet's labels, capacity and
// conditions, kept alive by Lease renewals in kube-node-lease, whose "kubelet" runs no
// containers but reports every pod bound to it Running and Ready after a short delay, and
// confirms pod deletions. Pods of a Job end, as kwok's pod-complete stage ends them: a while
// after they run, their containers terminate with exit code 0 (Completed, phase Succeeded), or
// with the code the pod's k8ts.io/simulated-exit-code annotation names (Error: phase Failed under
// restartPolicy Never; under OnFailure the container restarts, as a kubelet would). kwok's own
// pod-complete.stage.kwok.x-k8s.io/delay annotation (a Go duration) sets how long a pod runs. Thousands of them are cheap: one pod informer (shared) for all, one
// heartbeat timer for all, and API writes through two bounded pools: the nodes' own (registration,
// leases, node status) and their pods' (status, deletion confirmations), so that a backlog of
// lease renewals never holds up pods turning Ready (real kubelets do not wait for each other).

import { createHash } from 'node:crypto';
import { type Condition, podNodeName, podPhase, transitionTime } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { type KObject, nowMicro, nowRFC3339 } from '../api/object.js';
import { LEASES, NODE_LEASE_NAMESPACE, NODES, PODS } from '../api/types.js';
import { ControllerLoop } from '../client/controller.js';
import { Limiter } from '../client/flowcontrol.js';
import { type Informer, POD_NODE_NAME_INDEX, podNodeNameIndexFunc, type SharedInformerFactory } from '../client/informer.js';
import { isAlreadyExists, isConflict, isNotFound, type ResourceRef, type RestClient } from '../client/rest.js';

export interface SimulatedNodesOptions {
  /** Node names are prefix + a number (default 'sim-node-'). */
  prefix?: string;
  /** How long after a pod is bound its containers are "started" and it turns Running and Ready (default 500 ms). */
  readyDelayMs?: number;
  /** Lease renewal period (kubelet: 10 s). */
  heartbeatMs?: number;
  /** How often node status is posted when nothing changed (kubelet's nodeStatusReportFrequency: 5 min). */
  statusReportMs?: number;
  /** How long the "kubelet" takes to confirm a pod's deletion (default 100 ms). */
  deleteDelayMs?: number;
  /** How long a Job's pod runs before its containers terminate (default 500 ms). */
  jobPodRunMs?: number;
  /** Capacity (and allocatable) of each node (default 32 cpu, 256Gi, 110 pods). */
  capacity?: { cpu: string; memory: string; pods: string };
  /** API requests in flight at once for all the nodes together, in each of the two pools (node writes, default 64; pod writes, default 32). */
  concurrency?: number;
  /**
   * A pod informer of their own instead of sharing the factory's of every pod: only pods bound to
   * a node (fieldSelector spec.nodeName!=, as kwok's pod informer), each cached as the simulated
   * kubelet reads it (simulatedKubeletPod). For nodes whose informers are their own (a thread of
   * their own): pending pods are neither sent to them nor cached, and their copies are small.
   * Default false (in-process they share the API server's frozen pods through the factory).
   */
  ownPodInformer?: boolean;
  /** Take over simulated nodes of this prefix that already exist (from an earlier run), default true. */
  adoptExisting?: boolean;
  log?: (msg: string) => void;
}

/** Marks a node as simulated (kwok's own marker, so kwok-style selectors work too). */
export const SIMULATED_ANNOTATION = 'kwok.x-k8s.io/node';
export const KUBELET_VERSION = 'v1.32.0-k8ts-sim';
/** The exit code a simulated Job pod's containers end with (default 0). */
export const SIMULATED_EXIT_CODE_ANNOTATION = 'k8ts.io/simulated-exit-code';
/** kwok's per-pod run time of the pod-complete stage, a Go duration ("2s", "1m30s"). */
export const POD_COMPLETE_DELAY_ANNOTATION = 'pod-complete.stage.kwok.x-k8s.io/delay';
const LEASE_DURATION_SECONDS = 40;
/** The pods a kubelet has anything to do with: those bound to a node. */
const BOUND_PODS = 'spec.nodeName!=';

interface SimNode {
  name: string;
  uid?: string;
  podCIDR: string;
  /** The /24's first three octets, "10.244.7". */
  podNet: string;
  internalIP: string;
  silent: boolean;
  nextLeaseAt: number;
  nextStatusAt: number;
  lease?: KObject;
  busy: boolean;
  /** Host octets of pod IPs in use -> pod uid. */
  usedIPs: Map<number, string>;
  nextIP: number;
}

/** The k-th /24 of pod addresses: 10.244.0.0/24 upward to 10.255.255.0/24, then 10.128.0.0/24 upward. */
export function podCIDRFor(k: number): string {
  if (k < 0 || k >= 3072 + 116 * 256) throw new Error('no pod CIDRs left for simulated nodes');
  const blocks = k < 3072 ? 244 * 256 + k : 128 * 256 + (k - 3072);
  return `10.${blocks >> 8}.${blocks & 255}.0/24`;
}

/** A node address on a fake node network, 172.20.0.0/14, never inside the pod network. */
export function nodeIPFor(k: number): string {
  const n = k + 2;
  return `172.${20 + ((n >> 16) & 3)}.${(n >> 8) & 255}.${n & 255}`;
}

function hex(s: string, len = 64): string {
  return createHash('sha256').update(s).digest('hex').slice(0, len);
}

/** containerd's normalised image reference: docker.io/library/nginx:latest. */
export function normalizeImage(image: string): string {
  let ref = image;
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  if (slash < 0) ref = `docker.io/library/${ref}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${ref}`;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) ref += ':latest';
  return ref;
}

function isRunningReady(pod: KObject): boolean {
  const st = pod.status as { phase?: string; podIP?: string; conditions?: Condition[]; containerStatuses?: unknown[] } | undefined;
  if (st?.phase !== 'Running' || !st.podIP) return false;
  const ready = st.conditions?.find((c) => c.type === 'Ready');
  const containers = (pod.spec as { containers?: unknown[] } | undefined)?.containers ?? [];
  return ready?.status === 'True' && (st.containerStatuses?.length ?? 0) === containers.length;
}

/**
 * A pod as the simulated kubelet reads it, for an informer of its own (informers.WithTransform,
 * as kwok trims what it caches): metadata's identity, deletion, owners and the two annotations
 * it reads; of the spec the node, the containers' names and images, hostNetwork and
 * restartPolicy; the status whole (its conditions and container statuses are carried into the
 * status it writes).
 */
export function simulatedKubeletPod(pod: KObject): KObject {
  // The API server's own (frozen, shared in-process) pods cost nothing more kept whole.
  if (Object.isFrozen(pod)) return pod;
  const m = pod.metadata;
  const metadata: KObject['metadata'] = { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion };
  if (m.deletionTimestamp) metadata.deletionTimestamp = m.deletionTimestamp;
  if (m.ownerReferences) metadata.ownerReferences = m.ownerReferences;
  const exit = m.annotations?.[SIMULATED_EXIT_CODE_ANNOTATION];
  const delay = m.annotations?.[POD_COMPLETE_DELAY_ANNOTATION];
  if (exit !== undefined || delay !== undefined) {
    metadata.annotations = {};
    if (exit !== undefined) metadata.annotations[SIMULATED_EXIT_CODE_ANNOTATION] = exit;
    if (delay !== undefined) metadata.annotations[POD_COMPLETE_DELAY_ANNOTATION] = delay;
  }
  type C = { name: string; image?: string; restartPolicy?: string };
  const spec = (pod.spec ?? {}) as {
    nodeName?: string;
    hostNetwork?: boolean;
    restartPolicy?: string;
    containers?: C[];
    initContainers?: C[];
  };
  const slim: Record<string, unknown> = {
    nodeName: spec.nodeName,
    containers: (spec.containers ?? []).map((c) => ({ name: c.name, image: c.image })),
    restartPolicy: spec.restartPolicy,
  };
  if (spec.hostNetwork) slim.hostNetwork = true;
  if (spec.initContainers)
    slim.initContainers = spec.initContainers.map((c) => ({ name: c.name, image: c.image, restartPolicy: c.restartPolicy }));
  return { apiVersion: pod.apiVersion, kind: pod.kind, metadata, spec: slim, status: pod.status };
}

export class SimulatedNodes {
  private readonly prefix: string;
  private readonly readyDelayMs: number;
  private readonly heartbeatMs: number;
  private readonly statusReportMs: number;
  private readonly deleteDelayMs: number;
  private readonly jobPodRunMs: number;
  /** Pod key -> when its containers (last) started running, for a Job's pods. */
  private readonly runningAt = new Map<string, number>();
  private readonly capacity: { cpu: string; memory: string; pods: string };
  private readonly adoptExisting: boolean;
  private readonly log: (msg: string) => void;
  private readonly limiter: Limiter;
  private readonly podLimiter: Limiter;
  private readonly nodesInformer: Informer;
  private readonly podsInformer: Informer;
  private readonly loop: ControllerLoop;
  private readonly sims = new Map<string, SimNode>();
  /** Pod key -> when it was first seen bound here (for readyDelayMs) or terminating (for deleteDelayMs). */
  private readonly boundAt = new Map<string, number>();
  private readonly deletingAt = new Map<string, number>();
  /** Pod key -> the node and host octet of the IP it was given. */
  private readonly podIPs = new Map<string, { node: string; host: number; uid: string }>();
  private nextIndex = 0;
  private timer?: NodeJS.Timeout;
  private started = false;
  private readonly background = new Set<Promise<unknown>>();
  /** Writes made, by kind; for benchmarks. */
  readonly writes = { nodes: 0, leases: 0, nodeStatus: 0, podStatus: 0, podDeletes: 0 };

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: SimulatedNodesOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'sim-node-';
    this.readyDelayMs = opts.readyDelayMs ?? 500;
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
    this.statusReportMs = opts.statusReportMs ?? 300_000;
    this.deleteDelayMs = opts.deleteDelayMs ?? 100;
    this.jobPodRunMs = opts.jobPodRunMs ?? 500;
    this.capacity = opts.capacity ?? { cpu: '32', memory: '256Gi', pods: '110' };
    this.adoptExisting = opts.adoptExisting ?? true;
    this.log = opts.log ?? (() => {});
    this.limiter = new Limiter(opts.concurrency ?? 64);
    // Pod writes come in bursts (a node's pods bound together); 32 keep them under the API
    // server's mutating in-flight limit with the scheduler's and controllers' writes.
    this.podLimiter = new Limiter(opts.concurrency ?? 32);
    this.nodesInformer = factory.informerFor(NODES);
    this.podsInformer = factory.informerFor({
      ...PODS,
      ...(opts.ownPodInformer ? { fieldSelector: BOUND_PODS, transform: simulatedKubeletPod } : {}),
      indexers: { [POD_NODE_NAME_INDEX]: podNodeNameIndexFunc },
    });
    this.loop = new ControllerLoop({ name: 'simulated-kubelet', reconcile: (key) => this.syncPod(key) }, opts.concurrency ?? 64, this.log);
    this.podsInformer.addEventHandler({
      onAdd: (p) => this.podChanged(p),
      onUpdate: (_o, p) => this.podChanged(p),
      onDelete: (p) => this.forgetPod(`${p.metadata.namespace}/${p.metadata.name}`, p.metadata.uid),
    });
  }

  /** Pods in this instance's pod informer (every pod, or the bound ones with ownPodInformer). */
  get podsCached(): number {
    return this.podsInformer.listKeys().length;
  }

  /** Names of the simulated nodes this instance runs. */
  get names(): string[] {
    return [...this.sims.keys()];
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop.start();
    const tick = Math.max(20, Math.min(1000, Math.floor(this.heartbeatMs / 20)));
    this.timer = setInterval(() => this.heartbeat(), tick);
    if (this.adoptExisting) this.track(this.adopt().catch((e) => this.log(`simulated nodes: adopting: ${errorMessage(e)}`)));
  }

  /** Stops heartbeats and pod handling; the Node objects stay (they go Unknown, as a stopped kubelet's). */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    await this.loop.stop();
    while (this.background.size) await Promise.all([...this.background]);
  }

  /** Registers n more simulated nodes (Node, then its Lease); resolves with their names. */
  async add(n: number): Promise<string[]> {
    if (this.nodesInformer.isStarted) await this.nodesInformer.waitForSync();
    const usedNames = new Set(this.nodesInformer.listKeys());
    const usedCIDRs = new Set(
      this.nodesInformer
        .list()
        .map((o) => (o.spec as { podCIDR?: string } | undefined)?.podCIDR)
        .filter(Boolean),
    );
    for (const s of this.sims.values()) usedCIDRs.add(s.podCIDR);
    const planned: SimNode[] = [];
    while (planned.length < n) {
      const k = this.nextIndex++;
      const name = `${this.prefix}${k}`;
      const podCIDR = podCIDRFor(k);
      if (usedNames.has(name) || this.sims.has(name) || usedCIDRs.has(podCIDR)) continue;
      planned.push(this.newSim(name, podCIDR, nodeIPFor(k)));
    }
    const created: string[] = [];
    await Promise.all(
      planned.map(async (sim) => {
        try {
          const node = await this.limiter.run(() => this.client.create({ ...NODES }, this.nodeObject(sim)));
          this.writes.nodes++;
          sim.uid = node.metadata.uid;
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
          this.log(`simulated nodes: node ${sim.name} exists already; skipped`);
          return;
        }
        this.sims.set(sim.name, sim);
        await this.renewLease(sim);
        created.push(sim.name);
      }),
    );
    return planned.map((s) => s.name).filter((name) => created.includes(name));
  }

  /** Deletes simulated nodes (all, the named ones, or the last n added) with their Leases; their pods stay, for pod GC. */
  async remove(names?: string[] | number): Promise<void> {
    let victims: string[];
    if (names === undefined) victims = [...this.sims.keys()];
    else if (typeof names === 'number') victims = [...this.sims.keys()].slice(-names);
    else victims = names.filter((n) => this.sims.has(n));
    await Promise.all(
      victims.map(async (name) => {
        this.sims.delete(name);
        for (const [key, ip] of [...this.podIPs]) if (ip.node === name) this.podIPs.delete(key);
        await this.limiter.run(async () => {
          await this.client.delete({ ...NODES, name }).catch((e) => {
            if (!isNotFound(e)) throw e;
          });
          await this.client.delete({ ...LEASES, namespace: NODE_LEASE_NAMESPACE, name }).catch((e) => {
            if (!isNotFound(e)) throw e;
          });
        });
      }),
    );
  }

  /** The node's kubelet goes silent: no lease renewals, no status, its pods left as they are. */
  stopHeartbeat(name: string): void {
    const sim = this.mustGet(name);
    sim.silent = true;
  }

  /** The kubelet is back: it renews its lease and posts status at once, and resyncs its pods. */
  resumeHeartbeat(name: string): void {
    const sim = this.mustGet(name);
    if (!sim.silent) return;
    sim.silent = false;
    sim.nextLeaseAt = 0;
    sim.nextStatusAt = 0;
    this.heartbeat();
    for (const p of this.podsInformer.byIndex(POD_NODE_NAME_INDEX, name)) this.loop.enqueue(`${p.metadata.namespace}/${p.metadata.name}`);
  }

  isSilent(name: string): boolean {
    return this.mustGet(name).silent;
  }

  private mustGet(name: string): SimNode {
    const sim = this.sims.get(name);
    if (!sim) throw new Error(`${name} is not a simulated node of this instance`);
    return sim;
  }

  private track<T>(p: Promise<T>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  private newSim(name: string, podCIDR: string, internalIP: string): SimNode {
    const now = Date.now();
    return {
      name,
      podCIDR,
      podNet: podCIDR.replace(/\.0\/24$/, ''),
      internalIP,
      silent: false,
      // Spread over the period, so that a thousand nodes added together do not renew together.
      nextLeaseAt: now + Math.random() * this.heartbeatMs,
      nextStatusAt: now + this.statusReportMs * (0.5 + Math.random() * 0.5),
      busy: false,
      usedIPs: new Map(),
      nextIP: 2,
    };
  }

  /** Simulated nodes of our prefix left from an earlier run get their kubelet back. */
  private async adopt(): Promise<void> {
    await this.nodesInformer.waitForSync();
    await this.podsInformer.waitForSync();
    for (const node of this.nodesInformer.list()) {
      const name = node.metadata.name!;
      if (!this.started || this.sims.has(name) || !name.startsWith(this.prefix)) continue;
      if (node.metadata.annotations?.[SIMULATED_ANNOTATION] !== 'fake') continue;
      const podCIDR = (node.spec as { podCIDR?: string } | undefined)?.podCIDR;
      const ip = ((node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? []).find(
        (a) => a.type === 'InternalIP',
      )?.address;
      if (!podCIDR || !/\.0\/24$/.test(podCIDR) || !ip) continue;
      const sim = this.newSim(name, podCIDR, ip);
      sim.uid = node.metadata.uid;
      sim.nextLeaseAt = 0;
      sim.nextStatusAt = 0;
      const k = Number(name.slice(this.prefix.length));
      if (Number.isInteger(k) && k >= this.nextIndex) this.nextIndex = k + 1;
      this.sims.set(name, sim);
      for (const p of this.podsInformer.byIndex(POD_NODE_NAME_INDEX, name)) {
        const podIP = (p.status as { podIP?: string } | undefined)?.podIP;
        if (podIP?.startsWith(`${sim.podNet}.`))
          this.recordIP(
            sim,
            `${p.metadata.namespace}/${p.metadata.name}`,
            p.metadata.uid ?? '',
            Number(podIP.slice(sim.podNet.length + 1)),
          );
        this.loop.enqueue(`${p.metadata.namespace}/${p.metadata.name}`);
      }
      this.log(`simulated nodes: adopted ${name}`);
    }
  }

  // ---- the Node object ----

  private nodeObject(sim: SimNode): KObject {
    const now = nowRFC3339();
    const resources = { ...this.capacity, 'ephemeral-storage': '1Ti', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: sim.name,
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': sim.name,
          'kubernetes.io/os': 'linux',
          'node.kubernetes.io/instance-type': 'k8ts-simulated',
          type: 'kwok',
        },
        annotations: {
          [SIMULATED_ANNOTATION]: 'fake',
          'node.alpha.kubernetes.io/ttl': '0',
          'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        },
      },
      spec: { podCIDR: sim.podCIDR, podCIDRs: [sim.podCIDR] },
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: this.conditions([], now),
        addresses: [
          { type: 'InternalIP', address: sim.internalIP },
          { type: 'Hostname', address: sim.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: hex(`machine/${sim.name}`, 32),
          systemUUID: hex(`uuid/${sim.name}`, 32),
          bootID: hex(`boot/${sim.name}/${Date.now()}`, 32),
          kernelVersion: '6.1.0-k8ts-sim',
          osImage: 'k8ts simulated node',
          containerRuntimeVersion: 'k8ts-sim://1.0.0',
          kubeletVersion: KUBELET_VERSION,
          kubeProxyVersion: KUBELET_VERSION,
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    };
  }

  /** A healthy kubelet's conditions; transition times kept from `old` where the status is unchanged. */
  private conditions(old: Condition[], now: string): Condition[] {
    const want: [string, string, string, string][] = [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ];
    const mine = new Set(want.map((w) => w[0]));
    const out: Condition[] = want.map(([type, status, reason, message]) => ({
      type,
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: transitionTime(old, type, status, now),
      reason,
      message,
    }));
    // Conditions others own (NetworkUnavailable) stay as they are.
    return [...old.filter((c) => !mine.has(c.type)), ...out];
  }

  // ---- heartbeats ----

  private heartbeat(): void {
    if (!this.started) return;
    const now = Date.now();
    for (const sim of this.sims.values()) {
      if (sim.silent || sim.busy) continue;
      const lease = now >= sim.nextLeaseAt;
      const status = now >= sim.nextStatusAt;
      if (!lease && !status) continue;
      sim.busy = true;
      if (lease) sim.nextLeaseAt = now + this.heartbeatMs;
      if (status) sim.nextStatusAt = now + this.statusReportMs;
      this.track(
        (async () => {
          try {
            if (lease) await this.renewLease(sim);
            if (status) await this.postStatus(sim);
          } catch (e) {
            this.log(`simulated nodes: heartbeat of ${sim.name}: ${errorMessage(e)}`);
          } finally {
            sim.busy = false;
          }
        })(),
      );
    }
  }

  /** The kubelet's node lease controller: update the lease it holds, or create it. */
  private async renewLease(sim: SimNode): Promise<void> {
    const ref = { ...LEASES, namespace: NODE_LEASE_NAMESPACE, name: sim.name };
    const spec = { holderIdentity: sim.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: nowMicro() };
    await this.limiter.run(async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (!this.sims.has(sim.name) || sim.silent) return;
        try {
          if (sim.lease) {
            sim.lease = await this.client.update(ref, { ...sim.lease, spec: { ...(sim.lease.spec as object), ...spec } });
          } else {
            const owner = sim.uid ? [{ apiVersion: 'v1', kind: 'Node', name: sim.name, uid: sim.uid }] : undefined;
            sim.lease = await this.client.create(ref, {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name: sim.name, namespace: NODE_LEASE_NAMESPACE, ownerReferences: owner },
              spec,
            });
          }
          this.writes.leases++;
          return;
        } catch (e) {
          if (isConflict(e) || isAlreadyExists(e)) {
            sim.lease = await this.client.get(ref).catch(() => undefined);
          } else if (isNotFound(e)) {
            sim.lease = undefined;
          } else throw e;
        }
      }
    });
  }

  /** The kubelet's node status: healthy conditions with a fresh lastHeartbeatTime. */
  private async postStatus(sim: SimNode): Promise<void> {
    const cached = this.nodesInformer.get(sim.name);
    const old = (cached?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
    const conditions = this.conditions(old, nowRFC3339());
    await this.limiter
      .run(async () => {
        if (!this.sims.has(sim.name) || sim.silent) return;
        await this.client.patch({ ...NODES, name: sim.name, subresource: 'status' }, { status: { conditions } }, 'merge');
        this.writes.nodeStatus++;
      })
      .catch((e) => {
        if (!isNotFound(e)) throw e;
      });
  }

  // ---- pods ----

  private podChanged(pod: KObject): void {
    const sim = this.sims.get(podNodeName(pod));
    if (!sim || sim.silent) return;
    // Nothing to do for a pod already as we would leave it: skip the queue (30,000 pods churn a lot).
    if (
      !pod.metadata.deletionTimestamp &&
      ((isRunningReady(pod) && !isJobPod(pod)) || podPhase(pod) === 'Succeeded' || podPhase(pod) === 'Failed')
    )
      return;
    this.loop.enqueue(`${pod.metadata.namespace}/${pod.metadata.name}`);
  }

  private forgetPod(key: string, uid: string | undefined): void {
    this.boundAt.delete(key);
    this.deletingAt.delete(key);
    this.runningAt.delete(key);
    const ip = this.podIPs.get(key);
    if (ip && (!uid || ip.uid === uid)) {
      this.podIPs.delete(key);
      const sim = this.sims.get(ip.node);
      if (sim?.usedIPs.get(ip.host) === ip.uid) sim.usedIPs.delete(ip.host);
    }
  }

  private async syncPod(key: string): Promise<number | void> {
    const pod = this.podsInformer.get(key);
    if (!pod) {
      this.forgetPod(key, undefined);
      return;
    }
    const sim = this.sims.get(podNodeName(pod));
    if (!sim || sim.silent || !this.started) return;
    const now = Date.now();
    const i = key.indexOf('/');
    const ref = { ...PODS, namespace: key.slice(0, i), name: key.slice(i + 1) };

    if (pod.metadata.deletionTimestamp) {
      let since = this.deletingAt.get(key);
      if (since === undefined) this.deletingAt.set(key, (since = now));
      const wait = since + this.deleteDelayMs - now;
      if (wait > 0) return wait;
      // The containers are gone: confirm, as a kubelet does once the pod has terminated.
      await this.podLimiter
        .run(() => this.client.delete(ref, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }))
        .then(() => {
          this.writes.podDeletes++;
        })
        .catch((e) => {
          if (!isNotFound(e) && !isConflict(e)) throw e;
        });
      return;
    }
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (isRunningReady(pod)) {
      if (!isJobPod(pod)) return;
      let ran = this.runningAt.get(key);
      if (ran === undefined) this.runningAt.set(key, (ran = now));
      const left = ran + (runTimeOf(pod) ?? this.jobPodRunMs) - now;
      if (left > 0) return left;
      const status = terminatedStatus(pod);
      if (status.phase === 'Running') this.runningAt.set(key, now);
      await this.patchPodStatus(ref, pod, status);
      return;
    }
    let since = this.boundAt.get(key);
    if (since === undefined) this.boundAt.set(key, (since = now));
    const wait = since + this.readyDelayMs - now;
    if (wait > 0) return wait;
    const status = this.runningStatus(pod, sim, key);
    await this.patchPodStatus(ref, pod, status);
  }

  /** Writes a pod's status (only to the pod of that uid), within the write limit; a pod gone meanwhile is not an error. */
  private async patchPodStatus(ref: ResourceRef, pod: KObject, status: unknown): Promise<void> {
    try {
      await this.podLimiter.run(() =>
        this.client.patch({ ...ref, subresource: 'status' }, { metadata: { uid: pod.metadata.uid }, status }, 'merge'),
      );
      this.writes.podStatus++;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private recordIP(sim: SimNode, key: string, uid: string, host: number): void {
    sim.usedIPs.set(host, uid);
    this.podIPs.set(key, { node: sim.name, host, uid });
  }

  /** A free address in the node's /24 (.2 to .254), or the one the pod has already. */
  private podIP(sim: SimNode, key: string, uid: string, current: string | undefined): string {
    if (current?.startsWith(`${sim.podNet}.`)) {
      const host = Number(current.slice(sim.podNet.length + 1));
      if (!sim.usedIPs.has(host) || sim.usedIPs.get(host) === uid) {
        this.recordIP(sim, key, uid, host);
        return current;
      }
    }
    const had = this.podIPs.get(key);
    if (had && had.uid === uid && had.node === sim.name) return `${sim.podNet}.${had.host}`;
    for (let n = 0; n < 253; n++) {
      const host = 2 + ((sim.nextIP - 2 + n) % 253);
      if (sim.usedIPs.has(host)) continue;
      sim.nextIP = host + 1 > 254 ? 2 : host + 1;
      this.recordIP(sim, key, uid, host);
      return `${sim.podNet}.${host}`;
    }
    throw new Error(`no pod IPs left on ${sim.name}`);
  }

  /** What a kubelet reports for a pod whose containers all started and are ready. */
  private runningStatus(pod: KObject, sim: SimNode, key: string): Record<string, unknown> {
    const now = nowRFC3339();
    const uid = pod.metadata.uid ?? '';
    const spec = pod.spec as {
      hostNetwork?: boolean;
      containers?: { name: string; image?: string }[];
      initContainers?: { name: string; image?: string; restartPolicy?: string }[];
    };
    const st = (pod.status ?? {}) as {
      startTime?: string;
      podIP?: string;
      conditions?: Condition[];
      containerStatuses?: { name: string; containerID?: string; state?: { running?: { startedAt?: string } }; restartCount?: number }[];
    };
    const startTime = st.startTime ?? now;
    const ip = spec.hostNetwork ? sim.internalIP : this.podIP(sim, key, uid, st.podIP);
    const old = st.conditions ?? [];
    const cond = (type: string): Condition => ({
      type,
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: transitionTime(old, type, 'True', now),
    });
    const scheduled = old.find((c) => c.type === 'PodScheduled' && c.status === 'True') ?? cond('PodScheduled');
    const image = (img: string | undefined) => normalizeImage(img ?? 'unknown');
    const imageID = (img: string | undefined) => `${image(img).replace(/:[^:/@]+$/, '')}@sha256:${hex(image(img))}`;
    const containerID = (name: string) => `k8ts-sim://${hex(`${uid}/${name}`)}`;
    const containerStatuses = (spec.containers ?? []).map((c) => {
      const o = st.containerStatuses?.find((s) => s.name === c.name);
      return {
        name: c.name,
        state: { running: { startedAt: o?.state?.running?.startedAt ?? startTime } },
        lastState: {},
        ready: true,
        restartCount: o?.restartCount ?? 0,
        image: image(c.image),
        imageID: imageID(c.image),
        containerID: o?.containerID ?? containerID(c.name),
        started: true,
      };
    });
    const initContainerStatuses = (spec.initContainers ?? []).map((c) => {
      const sidecar = c.restartPolicy === 'Always';
      return {
        name: c.name,
        state: sidecar
          ? { running: { startedAt: startTime } }
          : {
              terminated: {
                exitCode: 0,
                reason: 'Completed',
                startedAt: startTime,
                finishedAt: startTime,
                containerID: containerID(c.name),
              },
            },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: image(c.image),
        imageID: imageID(c.image),
        containerID: containerID(c.name),
        started: sidecar,
      };
    });
    const status: Record<string, unknown> = {
      phase: 'Running',
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), scheduled],
      hostIP: sim.internalIP,
      hostIPs: [{ ip: sim.internalIP }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime,
      containerStatuses,
    };
    if (initContainerStatuses.length) status.initContainerStatuses = initContainerStatuses;
    return status;
  }
}

/** A pod whose controller is a Job: kwok's pod-complete stage ends those. */
function isJobPod(pod: KObject): boolean {
  return (pod.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.kind === 'Job' && r.apiVersion === 'batch/v1');
}

/** Go's time.ParseDuration for the units a delay uses (h, m, s, ms); undefined when it is not one. */
function runTimeOf(pod: KObject): number | undefined {
  const v = pod.metadata.annotations?.[POD_COMPLETE_DELAY_ANNOTATION];
  if (!v) return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0,
    at = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * unit[m[2]];
    at = re.lastIndex;
  }
  return at === v.length && at > 0 ? total : undefined;
}

/**
 * What a kubelet reports when a Job pod's containers have all exited: Succeeded with exit code 0,
 * Failed with another code under restartPolicy Never, and under OnFailure the container running
 * again with one more restart and the failed run as its lastState.
 */
function terminatedStatus(pod: KObject): Record<string, unknown> {
  const now = nowRFC3339();
  const raw = pod.metadata.annotations?.[SIMULATED_EXIT_CODE_ANNOTATION];
  const code = raw !== undefined && /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
  const st = (pod.status ?? {}) as { conditions?: Condition[]; containerStatuses?: Record<string, unknown>[] };
  const restartPolicy = (pod.spec as { restartPolicy?: string } | undefined)?.restartPolicy;
  const containers: Record<string, unknown>[] = (st.containerStatuses ?? []).map((c) => {
    const running = (c.state as { running?: { startedAt?: string } } | undefined)?.running;
    const terminated = {
      exitCode: code,
      reason: code === 0 ? 'Completed' : 'Error',
      startedAt: running?.startedAt ?? now,
      finishedAt: now,
      containerID: c.containerID,
    };
    if (code !== 0 && restartPolicy === 'OnFailure') {
      return { ...c, state: { running: { startedAt: now } }, lastState: { terminated }, restartCount: Number(c.restartCount ?? 0) + 1 };
    }
    return { ...c, state: { terminated }, ready: false, started: false };
  });
  if (code !== 0 && restartPolicy === 'OnFailure') return { phase: 'Running', containerStatuses: containers };
  const phase = code === 0 ? 'Succeeded' : 'Failed';
  const names = containers.map((c) => String(c.name)).join(' ');
  const cond = (type: string, status: string, reason?: string, message?: string): Condition => {
    const o = (st.conditions ?? []).find((c) => c.type === type);
    const c: Condition = {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: o && o.status === status && o.lastTransitionTime ? o.lastTransitionTime : now,
    };
    if (reason) c.reason = reason;
    if (message) c.message = message;
    return c;
  };
  const notReady =
    phase === 'Succeeded' ? ['PodCompleted', undefined] : ['ContainersNotReady', `containers with unready status: [${names}]`];
  const scheduled = (st.conditions ?? []).find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled', 'True');
  return {
    phase,
    conditions: [
      cond('PodReadyToStartContainers', 'False'),
      cond('Initialized', 'True', phase === 'Succeeded' ? 'PodCompleted' : undefined),
      cond('Ready', 'False', notReady[0], notReady[1]),
      cond('ContainersReady', 'False', notReady[0], notReady[1]),
      scheduled,
    ],
    containerStatuses: containers,
  };
}
