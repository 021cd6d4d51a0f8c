// The node lifecycle controller (pkg/controller/nodelifecycle): it watches the heartbeats kubelets
// post (the Lease in kube-node-lease and the node's Ready condition) and, when a node falls
// silent for longer than the grace period, sets its conditions to Unknown, marks its pods not
// ready and taints it unreachable:NoExecute, which the taint eviction controller turns into pod
// deletions. It also keeps the NoSchedule taints in step with the node's conditions and
// spec.unschedulable (TaintNodesByCondition), and stops tainting when a whole zone goes dark
// (most likely the control plane's own network, not the nodes).

import { type Condition, getCondition, podNodeName, withPodCondition } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { deepCopy, type KObject, nowRFC3339 } from '../api/object.js';
import { matchTaint, nodeTaints, taintExists } from '../api/taints.js';
import * as v1 from '../api/types.js';
import { ControllerLoop } from '../client/controller.js';
import { EventRecorder } from '../client/events.js';
import { TokenBucket } from '../client/flowcontrol.js';
import { type Informer, POD_NODE_NAME_INDEX, podNodeNameIndexFunc, type SharedInformerFactory } from '../client/informer.js';
import { isConflict, isNotFound, type RestClient } from '../client/rest.js';
import { until } from '../client/wait.js';

export interface NodeLifecycleOptions {
  /** How long a node may go without renewing its lease or status before it is Unknown (v1.32: 50 s). */
  nodeMonitorGracePeriodMs?: number;
  /** The same for a node that never posted a Ready condition (60 s). */
  nodeStartupGracePeriodMs?: number;
  /** How often node health is checked (5 s). */
  monitorPeriodMs?: number;
  /** Nodes per second tainted NoExecute in a healthy zone (0.1, burst 1). */
  evictionLimiterQPS?: number;
  /** The same in a partially disrupted zone of a large cluster (0.01). */
  secondaryEvictionLimiterQPS?: number;
  /** Zones of at most this many nodes stop tainting when partially disrupted (50). */
  largeClusterThreshold?: number;
  /** The share of not-ready nodes (with at least 3) that makes a zone partially disrupted (0.55). */
  unhealthyZoneThreshold?: number;
  log?: (msg: string) => void;
}

export const UNREACHABLE_TAINT: v1.Taint = { key: v1.TAINT_NODE_UNREACHABLE, effect: 'NoExecute' };
export const NOT_READY_TAINT: v1.Taint = { key: v1.TAINT_NODE_NOT_READY, effect: 'NoExecute' };

/** Which condition status means which NoSchedule taint (nodeConditionToTaintKeyStatusMap). */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: v1.TAINT_NODE_NOT_READY, Unknown: v1.TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: v1.TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: v1.TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: v1.TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: v1.TAINT_NODE_PID_PRESSURE },
};
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)));

/** The conditions a silent kubelet no longer vouches for (NetworkUnavailable is the network's). */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

const LABEL_EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';
/** Beta labels kept equal to the stable ones (reconcileNodeLabels). */
const LABEL_RECONCILE: [string, string][] = [
  ['kubernetes.io/os', 'beta.kubernetes.io/os'],
  ['kubernetes.io/arch', 'beta.kubernetes.io/arch'],
];

/** Attempts at a node write that loses races (NodeHealthUpdateRetry / MaxRetries). */
const UPDATE_RETRIES = 5;
/** How often the NoExecute tainting queue is worked (scheduler.NodeEvictionPeriod). */
const NODE_EVICTION_PERIOD_MS = 100;
const NODE_UPDATE_WORKERS = 8;

type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption';

interface NodeHealth {
  /** When the controller last saw a sign of life (local clock, ms). */
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** The Ready condition as last seen, or undefined when the node had none. */
  ready?: Condition;
  /** The node's Ready condition status as the controller last left it. */
  status: Condition[];
  leaseRenewTime?: string;
}

/** The zone a node counts in (GetZoneKey): region and zone labels, '' when it has neither. */
export function zoneKey(node: KObject): string {
  const l = node.metadata.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}

function microTimeMs(t: string | undefined): number {
  if (!t) return NaN;
  return Date.parse(t);
}

/**
 * RateLimitedTimedQueue: nodes waiting to be tainted NoExecute, worked at the zone's rate. A node
 * stays a member after it is tainted (so it is not tainted again) until remove() drops it.
 */
class ZoneTainter {
  private readonly members = new Set<string>();
  private readonly pending = new Map<string, { uid: string; processAt: number }>();
  readonly limiter: TokenBucket;
  constructor(qps: number) {
    this.limiter = new TokenBucket(qps, 1);
  }

  add(name: string, uid: string): boolean {
    if (this.members.has(name)) return false;
    this.members.add(name);
    this.pending.set(name, { uid, processAt: Date.now() });
    return true;
  }
  remove(name: string): boolean {
    this.pending.delete(name);
    return this.members.delete(name);
  }
  /** Items due now, oldest first. */
  due(): string[] {
    const now = Date.now();
    return [...this.pending].filter(([, v]) => v.processAt <= now).map(([k]) => k);
  }
  done(name: string): void {
    this.pending.delete(name);
  }
  retryAfter(name: string, ms: number): void {
    const p = this.pending.get(name);
    if (p) {
      this.pending.delete(name);
      this.pending.set(name, { ...p, processAt: Date.now() + ms });
    }
  }
}

export class NodeLifecycleController {
  readonly name = 'node-lifecycle-controller';
  private readonly nodes: Informer;
  private readonly leases: Informer;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  private readonly nodeLoop: ControllerLoop;
  private readonly podLoop: ControllerLoop;
  private readonly log: (msg: string) => void;

  /** The options, with kube-controller-manager's defaults where unset. */
  private readonly cfg: Required<Omit<NodeLifecycleOptions, 'log'>>;

  private readonly knownNodes = new Map<string, KObject>();
  private readonly health = new Map<string, NodeHealth>();
  private readonly nodesToRetry = new Set<string>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly tainters = new Map<string, ZoneTainter>();
  /** Stop the node health monitoring and the NoExecute tainting passes. */
  private stopPasses: (() => Promise<void>)[] = [];
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: NodeLifecycleOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.cfg = {
      nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs ?? 50_000,
      nodeStartupGracePeriodMs: opts.nodeStartupGracePeriodMs ?? 60_000,
      monitorPeriodMs: opts.monitorPeriodMs ?? 5_000,
      evictionLimiterQPS: opts.evictionLimiterQPS ?? 0.1,
      secondaryEvictionLimiterQPS: opts.secondaryEvictionLimiterQPS ?? 0.01,
      largeClusterThreshold: opts.largeClusterThreshold ?? 50,
      unhealthyZoneThreshold: opts.unhealthyZoneThreshold ?? 0.55,
    };

    this.recorder = new EventRecorder(client, {
      component: 'node-controller',
      onError: (e) => this.log(`node-controller events: ${errorMessage(e)}`),
    });
    this.nodes = factory.informerFor(v1.NODES);
    this.leases = factory.informerFor({ ...v1.LEASES, namespace: v1.NODE_LEASE_NAMESPACE });
    this.pods = factory.informerFor({ ...v1.PODS, indexers: { [POD_NODE_NAME_INDEX]: podNodeNameIndexFunc } });

    this.nodeLoop = new ControllerLoop(
      { name: 'node_lifecycle_controller', reconcile: (name) => this.processNode(name) },
      NODE_UPDATE_WORKERS,
      this.log,
    );
    this.podLoop = new ControllerLoop({ name: 'node_lifecycle_controller_pods', reconcile: (key) => this.processPod(key) }, 4, this.log);

    this.nodes.addEventHandler({
      onAdd: (n) => this.nodeLoop.enqueue(n.metadata.name!),
      onUpdate: (_o, n) => this.nodeLoop.enqueue(n.metadata.name!),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.podUpdated(undefined, p),
      onUpdate: (o, p) => this.podUpdated(o, p),
    });
  }

  start(): void {
    this.stopped = false;
    this.nodeLoop.start();
    this.podLoop.start();
    this.stopPasses = [
      until(
        () => this.monitorNodeHealth(),
        this.cfg.monitorPeriodMs,
        (e) => this.log(`node-lifecycle: monitoring node health: ${errorMessage(e)}`),
      ),
      until(
        () => this.doNoExecuteTaintingPass(),
        NODE_EVICTION_PERIOD_MS,
        (e) => this.log(`node-lifecycle: tainting: ${errorMessage(e)}`),
      ),
    ];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.stopPasses.map((stop) => stop()), this.nodeLoop.stop(), this.podLoop.stop()]);
    await this.recorder.stop();
  }

  // ---- NoSchedule taints and labels, on every node change ----

  private async processNode(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node) return;
    await this.doNoScheduleTaintingPass(node);
    await this.reconcileNodeLabels(node);
  }

  /** TaintNodesByCondition: NoSchedule taints that mirror conditions and spec.unschedulable. */
  private async doNoScheduleTaintingPass(node: KObject): Promise<void> {
    const want: v1.Taint[] = [];
    for (const c of (node.status as { conditions?: Condition[] } | undefined)?.conditions ?? []) {
      const key = CONDITION_TAINTS[c.type]?.[c.status];
      if (key) want.push({ key, effect: 'NoSchedule' });
    }
    if ((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable)
      want.push({ key: v1.TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
    const have = nodeTaints(node).filter(
      (t) => t.effect === 'NoSchedule' && (t.key === v1.TAINT_NODE_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)),
    );
    const toAdd = want.filter((w) => !have.some((h) => matchTaint(h, w)));
    const toDel = have.filter((h) => !want.some((w) => matchTaint(h, w)));
    if (toAdd.length === 0 && toDel.length === 0) return;
    await this.swapNodeControllerTaint(node.metadata.name!, toAdd, toDel);
  }

  private async reconcileNodeLabels(node: KObject): Promise<void> {
    const labels = node.metadata.labels;
    if (!labels) return;
    const update: Record<string, string> = {};
    for (const [primary, secondary] of LABEL_RECONCILE) {
      if (labels[primary] !== undefined && labels[secondary] !== labels[primary]) update[secondary] = labels[primary];
    }
    if (Object.keys(update).length === 0) return;
    await this.client.patch({ ...v1.NODES, name: node.metadata.name! }, { metadata: { labels: update } }, 'merge').catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  }

  // ---- taint writes (SwapNodeControllerTaint, AddOrUpdateTaintOnNode, RemoveTaintOffNode) ----

  /** Adds taints (timeAdded now) and removes others, in one compare-and-swap write per attempt. */
  async swapNodeControllerTaint(name: string, add: v1.Taint[], remove: v1.Taint[]): Promise<boolean> {
    const now = nowRFC3339();
    const adding = add.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect, timeAdded: now }));
    return this.updateTaints(name, (taints) => {
      let out = taints.filter((t) => !remove.some((r) => matchTaint(r, t)));
      for (const t of adding) {
        const i = out.findIndex((o) => matchTaint(o, t));
        if (i < 0) out = [...out, t];
        else if ((out[i].value ?? '') !== (t.value ?? '')) {
          out = [...out];
          out[i] = t;
        }
      }
      return out;
    });
  }

  private async removeTaintOffNode(node: KObject, ...taints: v1.Taint[]): Promise<void> {
    // Nothing to do (and no request) unless the cached node has one of them.
    if (!taints.some((t) => taintExists(nodeTaints(node), t))) return;
    await this.updateTaints(node.metadata.name!, (cur) => cur.filter((t) => !taints.some((r) => matchTaint(r, t))));
  }

  private async updateTaints(name: string, mutate: (taints: v1.Taint[]) => v1.Taint[]): Promise<boolean> {
    for (let attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
      // The cache first; after a lost race, the server's copy.
      let node = attempt === 0 ? this.nodes.get(name) : undefined;
      if (!node) {
        try {
          node = await this.client.get({ ...v1.NODES, name });
        } catch (e) {
          if (isNotFound(e)) return false;
          throw e;
        }
      }
      const before = nodeTaints(node);
      const after = mutate(before);
      if (JSON.stringify(before) === JSON.stringify(after)) return true;
      try {
        await this.client.patch(
          { ...v1.NODES, name },
          { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: after.length ? after : null } },
          'merge',
        );
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        if (!isConflict(e)) throw e;
      }
    }
    this.log(`node-lifecycle: could not update taints of node ${name}: too many conflicts`);
    return false;
  }

  // ---- node health ----

  private async monitorNodeHealth(): Promise<void> {
    if (!this.nodes.hasSynced() || !this.leases.hasSynced() || !this.pods.hasSynced()) return;
    const nodes = this.nodes.list();
    const seen = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata.name!;
      seen.add(name);
      if (this.knownNodes.has(name)) {
        this.addZone(node);
        continue;
      }
      this.recorder.event(
        { kind: 'Node', apiVersion: 'v1', name, uid: node.metadata.uid },
        'Normal',
        'RegisteredNode',
        `Node ${name} event: Registered Node ${name} in Controller`,
      );
      this.knownNodes.set(name, node);
      this.addZone(node);
      await this.markNodeAsReachable(node).catch((e) => this.log(`node-lifecycle: ${name}: ${errorMessage(e)}`));
    }
    for (const [name, node] of [...this.knownNodes]) {
      if (seen.has(name)) continue;
      this.recorder.event(
        { kind: 'Node', apiVersion: 'v1', name, uid: node.metadata.uid },
        'Normal',
        'RemovingNode',
        `Node ${name} event: Removing Node ${name} from Controller`,
      );
      this.knownNodes.delete(name);
      this.health.delete(name);
      this.nodesToRetry.delete(name);
    }

    const zoneConditions = new Map<string, (Condition | undefined)[]>();
    await parallelize(nodes, NODE_UPDATE_WORKERS, async (cached) => {
      if (this.stopped) return;
      let result: { observed: Condition; current?: Condition; node: KObject } | undefined;
      let node: KObject = cached;
      for (let attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
        try {
          result = await this.tryUpdateNodeHealth(node);
          break;
        } catch (e) {
          if (!isConflict(e)) this.log(`node-lifecycle: updating health of node ${node.metadata.name}: ${errorMessage(e)}`);
          try {
            node = await this.client.get({ ...v1.NODES, name: node.metadata.name! });
          } catch {
            return;
          }
        }
      }
      if (!result) return;
      node = result.node;
      if (!node.metadata.labels?.[LABEL_EXCLUDE_DISRUPTION]) {
        const z = zoneKey(node);
        (zoneConditions.get(z) ?? zoneConditions.set(z, []).get(z)!).push(result.current);
      }
      if (!result.current) return;
      const name = node.metadata.name!;
      await this.processTaintBaseEviction(node, result.observed);
      const needsRetry = this.nodesToRetry.has(name);
      const wentNotReady = result.current.status !== 'True' && result.observed.status === 'True';
      if (wentNotReady) {
        this.recorder.event(
          { kind: 'Node', apiVersion: 'v1', name, uid: node.metadata.uid },
          'Normal',
          'NodeNotReady',
          `Node ${name} status is now: NodeNotReady`,
        );
      }
      if (wentNotReady || (needsRetry && result.observed.status !== 'True')) {
        const ok = await this.markPodsNotReady(this.pods.byIndex(POD_NODE_NAME_INDEX, name), name);
        if (!ok) {
          this.nodesToRetry.add(name);
          return;
        }
      }
      this.nodesToRetry.delete(name);
    });
    if (!this.stopped) await this.handleDisruption(zoneConditions, nodes);
  }

  /**
   * Compares the node's heartbeats (Ready's lastHeartbeatTime and its Lease's renewTime) with
   * what was seen before; past the grace period, marks the kubelet's conditions Unknown.
   * Returns the Ready condition as observed on entry and as it is now.
   */
  private async tryUpdateNodeHealth(node: KObject): Promise<{ observed: Condition; current?: Condition; node: KObject }> {
    const name = node.metadata.name!;
    const now = Date.now();
    const created = Date.parse(node.metadata.creationTimestamp ?? '') || now;
    let health = this.health.get(name);
    const currentReady = getCondition(node, 'Ready');
    let observed: Condition;
    let gracePeriod: number;
    if (!currentReady) {
      observed = {
        type: 'Ready',
        status: 'Unknown',
        lastHeartbeatTime: node.metadata.creationTimestamp,
        lastTransitionTime: node.metadata.creationTimestamp,
      };
      gracePeriod = this.cfg.nodeStartupGracePeriodMs;
      health = health ? { ...health, ready: undefined } : { probeTimestamp: created, readyTransitionTimestamp: created, status: [] };
    } else {
      observed = { ...currentReady };
      gracePeriod = this.cfg.nodeMonitorGracePeriodMs;
    }
    const saved = health?.ready;
    if (!health) {
      health = { probeTimestamp: now, readyTransitionTimestamp: now, ready: currentReady, status: [] };
    } else if (!saved && currentReady) {
      health = {
        probeTimestamp: now,
        readyTransitionTimestamp: now,
        ready: currentReady,
        status: [],
        leaseRenewTime: health.leaseRenewTime,
      };
    } else if (saved && currentReady && saved.lastHeartbeatTime !== currentReady.lastHeartbeatTime) {
      const transition = saved.lastTransitionTime !== currentReady.lastTransitionTime ? now : health.readyTransitionTimestamp;
      health = {
        probeTimestamp: now,
        readyTransitionTimestamp: transition,
        ready: currentReady,
        status: [],
        leaseRenewTime: health.leaseRenewTime,
      };
    }
    // A renewed lease is a heartbeat too (the usual one: status is posted only every few minutes).
    const lease = this.leases.getByName(v1.NODE_LEASE_NAMESPACE, name);
    const renew = (lease?.spec as { renewTime?: string } | undefined)?.renewTime;
    if (
      renew &&
      (health.leaseRenewTime === undefined ||
        microTimeMs(health.leaseRenewTime) < microTimeMs(renew) ||
        (Number.isNaN(microTimeMs(renew)) && renew !== health.leaseRenewTime))
    ) {
      health = { ...health, leaseRenewTime: renew, probeTimestamp: now };
    }
    this.health.set(name, health);

    if (now <= health.probeTimestamp + gracePeriod) return { observed, current: currentReady, node };

    const next = deepCopy(node);
    const status = (next.status ??= {}) as { conditions?: Condition[] };
    const conditions = (status.conditions ??= []);
    const stamp = nowRFC3339();
    for (const type of KUBELET_CONDITIONS) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        conditions.push({
          type,
          status: 'Unknown',
          reason: 'NodeStatusNeverUpdated',
          message: 'Kubelet never posted node status.',
          lastHeartbeatTime: node.metadata.creationTimestamp ?? stamp,
          lastTransitionTime: stamp,
        });
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = stamp;
      }
    }
    const current = conditions.find((c) => c.type === 'Ready');
    if (JSON.stringify(current) === JSON.stringify(observed)) return { observed, current, node };
    const written = await this.client.update({ ...v1.NODES, name, subresource: 'status' }, next);
    this.health.set(name, { ...health, ready: getCondition(written, 'Ready'), readyTransitionTimestamp: Date.now() });
    return { observed, current: getCondition(written, 'Ready') ?? current, node: written };
  }

  private async processTaintBaseEviction(node: KObject, observed: Condition): Promise<void> {
    const name = node.metadata.name!;
    switch (observed.status) {
      case 'False':
        if (taintExists(nodeTaints(node), UNREACHABLE_TAINT)) {
          if (!(await this.swapNodeControllerTaint(name, [NOT_READY_TAINT], [UNREACHABLE_TAINT])))
            this.log(`node-lifecycle: failed to swap the unreachable taint of ${name} for not-ready`);
        } else this.markNodeForTainting(node, 'False');
        break;
      case 'Unknown':
        if (taintExists(nodeTaints(node), NOT_READY_TAINT)) {
          if (!(await this.swapNodeControllerTaint(name, [UNREACHABLE_TAINT], [NOT_READY_TAINT])))
            this.log(`node-lifecycle: failed to swap the not-ready taint of ${name} for unreachable`);
        } else this.markNodeForTainting(node, 'Unknown');
        break;
      case 'True':
        await this.markNodeAsReachable(node).catch((e) => this.log(`node-lifecycle: removing taints of ${name}: ${errorMessage(e)}`));
        break;
    }
  }

  private addZone(node: KObject): ZoneTainter {
    const z = zoneKey(node);
    let t = this.tainters.get(z);
    if (!t) {
      t = new ZoneTainter(this.cfg.evictionLimiterQPS);
      this.tainters.set(z, t);
      this.zoneStates.set(z, 'Initial');
    }
    return t;
  }

  private markNodeForTainting(node: KObject, status: 'False' | 'Unknown'): boolean {
    const t = this.addZone(node);
    const name = node.metadata.name!;
    if (status === 'False' && !taintExists(nodeTaints(node), NOT_READY_TAINT)) t.remove(name);
    if (status === 'Unknown' && !taintExists(nodeTaints(node), UNREACHABLE_TAINT)) t.remove(name);
    return t.add(name, node.metadata.uid ?? '');
  }

  private async markNodeAsReachable(node: KObject): Promise<boolean> {
    await this.removeTaintOffNode(node, UNREACHABLE_TAINT);
    await this.removeTaintOffNode(this.nodes.get(node.metadata.name!) ?? node, NOT_READY_TAINT);
    return this.addZone(node).remove(node.metadata.name!);
  }

  /** Works the zones' tainting queues at their rates: unreachable or not-ready, NoExecute. */
  private async doNoExecuteTaintingPass(): Promise<void> {
    for (const tainter of this.tainters.values()) {
      for (const name of tainter.due()) {
        if (this.stopped || !tainter.limiter.tryAccept()) break;
        const node = this.nodes.get(name);
        if (!node) {
          tainter.done(name);
          continue;
        }
        const ready = getCondition(node, 'Ready');
        if (!ready) {
          tainter.retryAfter(name, 50);
          continue;
        }
        let add: v1.Taint, opposite: v1.Taint;
        if (ready.status === 'False') {
          add = NOT_READY_TAINT;
          opposite = UNREACHABLE_TAINT;
        } else if (ready.status === 'Unknown') {
          add = UNREACHABLE_TAINT;
          opposite = NOT_READY_TAINT;
        } else {
          tainter.done(name);
          continue;
        }
        const ok = await this.swapNodeControllerTaint(name, [add], [opposite]).catch((e) => {
          this.log(`node-lifecycle: tainting ${name}: ${errorMessage(e)}`);
          return false;
        });
        if (ok) tainter.done(name);
        else tainter.retryAfter(name, 0);
      }
    }
  }

  private computeZoneState(conditions: (Condition | undefined)[]): ZoneState {
    let ready = 0,
      notReady = 0;
    for (const c of conditions) {
      if (c?.status === 'True') ready++;
      else notReady++;
    }
    if (ready === 0 && notReady > 0) return 'FullDisruption';
    if (notReady > 2 && notReady / (notReady + ready) >= this.cfg.unhealthyZoneThreshold) return 'PartialDisruption';
    return 'Normal';
  }

  private setLimiterInZone(zone: string, size: number, state: ZoneState): void {
    const t = this.tainters.get(zone);
    if (!t) return;
    if (state === 'Normal' || state === 'FullDisruption') t.limiter.setQPS(this.cfg.evictionLimiterQPS);
    else if (state === 'PartialDisruption')
      t.limiter.setQPS(size > this.cfg.largeClusterThreshold ? this.cfg.secondaryEvictionLimiterQPS : 0);
  }

  /** When every zone has lost every node, the fault is most likely ours: untaint all and stop tainting. */
  private async handleDisruption(zoneConditions: Map<string, (Condition | undefined)[]>, nodes: KObject[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conds] of zoneConditions) {
      const s = this.computeZoneState(conds);
      if (s !== 'FullDisruption') allAreFullyDisrupted = false;
      newStates.set(zone, s);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    let allWasFullyDisrupted = true;
    for (const [zone, s] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (s !== 'FullDisruption') {
        allWasFullyDisrupted = false;
        break;
      }
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    if (allAreFullyDisrupted) {
      this.log('node-lifecycle: all nodes are not ready; entering master disruption mode');
      for (const n of nodes) await this.markNodeAsReachable(this.nodes.get(n.metadata.name!) ?? n).catch(() => undefined);
      for (const zone of this.zoneStates.keys()) {
        this.tainters.get(zone)?.limiter.setQPS(0);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWasFullyDisrupted) {
      this.log('node-lifecycle: some nodes are ready; exiting master disruption mode');
      const now = Date.now();
      for (const n of nodes) {
        const h = this.health.get(n.metadata.name!);
        if (h) this.health.set(n.metadata.name!, { ...h, probeTimestamp: now, readyTransitionTimestamp: now });
      }
      for (const zone of [...this.zoneStates.keys()]) {
        const s = newStates.get(zone) ?? 'Normal';
        this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, s);
        this.zoneStates.set(zone, s);
      }
      return;
    }
    for (const [zone, old] of [...this.zoneStates]) {
      const s = newStates.get(zone);
      if (!s || s === old) continue;
      this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, s);
      this.zoneStates.set(zone, s);
    }
  }

  // ---- pods ----

  private podUpdated(old: KObject | undefined, pod: KObject): void {
    const node = podNodeName(pod);
    if (node && (!old || podNodeName(old) !== node)) this.podLoop.enqueue(`${pod.metadata.namespace}/${pod.metadata.name}`);
  }

  /** A pod newly bound to a node that is not ready is marked not ready at once. */
  private async processPod(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod) return;
    const nodeName = podNodeName(pod);
    const health = this.health.get(nodeName);
    if (!health || !this.nodes.get(nodeName)) return;
    const ready = getCondition(this.nodes.get(nodeName)!, 'Ready');
    if (!ready || ready.status === 'True') return;
    if (!(await this.markPodsNotReady([pod], nodeName))) throw new Error(`unable to mark pod ${key} not ready`);
  }

  /** MarkPodsNotReady: each pod's Ready condition to False, and a NodeNotReady event about it. */
  private async markPodsNotReady(pods: KObject[], nodeName: string): Promise<boolean> {
    let ok = true;
    for (const pod of pods) {
      if (podNodeName(pod) !== nodeName) continue;
      const conditions = (pod.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready');
      if (!ready) continue;
      const next = withPodCondition(conditions, { type: 'Ready', status: 'False' });
      if (!next) continue;
      try {
        await this.client.update(
          { ...v1.PODS, namespace: pod.metadata.namespace, name: pod.metadata.name!, subresource: 'status' },
          { ...pod, status: { ...(pod.status as object), conditions: next } },
        );
        this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (e) {
        if (isNotFound(e)) continue;
        this.log(`node-lifecycle: marking pod ${pod.metadata.namespace}/${pod.metadata.name} not ready: ${errorMessage(e)}`);
        ok = false;
      }
    }
    return ok;
  }
}

/** workqueue.ParallelizeUntil: fn over items with at most `workers` at once. */
export async function parallelize<T>(items: readonly T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, items.length) }, run));
}
