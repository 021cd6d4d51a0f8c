// The scheduler: kube-scheduler's default profile for pods with schedulerName "default-scheduler"
// and no spec.nodeName. It knows the cluster only through informers (pods, nodes, and the
// Services / ReplicaSets / StatefulSets / ReplicationControllers that spreading reads) and acts
// only through the API (pods/binding, pods/status, events), so it can run in its own process.
//
// One pod at a time goes through the scheduling cycle (synchronous: filter, score, assume); the
// binding cycle (PreBind plugins' writes, then POST pods/binding) runs asynchronously, many in flight, the pod already counted
// on its node in the cache so the next decisions see it.

import { withPodCondition } from '../api/conditions.js';
import type { KObject } from '../api/object.js';
import {
  DEFAULT_SCHEDULER_NAME,
  NODES,
  type Node,
  PODS,
  type Pod,
  REPLICASETS,
  REPLICATIONCONTROLLERS,
  SERVICES,
  STATEFULSETS,
} from '../api/types.js';
import { EventRecorder } from '../client/events.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { effectiveTaints, type NodeInfo, newPodInfo, type PodInfo, podKey, SchedulerCache } from './cache.js';
import { compactPod } from './compactpod.js';
import {
  Code,
  CycleState,
  type Diagnosis,
  fitErrorMessage,
  type Handle,
  type Listers,
  NO_NODES_AVAILABLE,
  newDiagnosis,
  type Profile,
  runFilter,
  runPreFilter,
  runScore,
  Status,
} from './framework.js';
import { addPendingPodsSource, observeAlgorithm, observeAttempt, observePreemption } from './metrics.js';
import { type Candidate, DefaultPreemption, disruptionTargetPatch, victimRef } from './plugins/defaultpreemption.js';
import { defaultProfile } from './plugins/index.js';
import { type ClusterEvent, type QueuedPodInfo, SchedulingQueue, type SchedulingQueueOptions } from './queue.js';

export interface SchedulerOptions {
  log?: (m: string) => void;
  /** 0 or unset: adaptive, as kube-scheduler (50% - nodes/125, at least 5%, at least 100 nodes). */
  percentageOfNodesToScore?: number;
  /** Queue timings (tests shorten them). */
  queue?: SchedulingQueueOptions;
  /**
   * Bindings in flight at once (default 50). kube-scheduler's client paces them with its rate
   * limiter; here the bound keeps a burst of decisions under the API server's
   * --max-mutating-requests-inflight (200), shared with the controllers and kubelets, past which
   * each refused binding waits a second (Retry-After) to be tried again.
   */
  maxConcurrentBinds?: number;
}

/**
 * kube-scheduler's pod informer (newPodInformer) leaves finished pods out: they hold no resources
 * and are never scheduled. A pod that finishes leaves the selection, which the watch reports as
 * a deletion, so its node's resources are freed as for a deleted pod.
 */
export const NON_TERMINAL_PODS = 'status.phase!=Succeeded,status.phase!=Failed';

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** Event notes are cut to this length (validation.NoteLengthLimit). */
const NOTE_LENGTH_LIMIT = 1024;

// Which rejections each kind of cluster change may resolve (the plugins' EventsToRegister).
const EVENT_NODE_ADD: ClusterEvent = { label: 'NodeAdd' };
const EVENT_ASSIGNED_POD_DELETE: ClusterEvent = {
  label: 'AssignedPodDelete',
  plugins: new Set(['NodeResourcesFit', 'NodePorts', 'PodTopologySpread', 'InterPodAffinity']),
};
const EVENT_ASSIGNED_POD_UPDATE: ClusterEvent = {
  label: 'AssignedPodUpdate',
  plugins: new Set(['NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity']),
};

function isAssigned(p: Pod): boolean {
  return !!p.spec?.nodeName;
}

function isTerminal(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function responsibleFor(p: Pod): boolean {
  return (p.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) === DEFAULT_SCHEDULER_NAME;
}

function truncateMessage(m: string): string {
  return m.length <= NOTE_LENGTH_LIMIT ? m : `${m.slice(0, NOTE_LENGTH_LIMIT - 3)}...`;
}

function sameJSON(a: unknown, b: unknown): boolean {
  // In-process informers share unchanged parts between versions: most comparisons end here.
  if (a === b) return true;
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The node changes that may make a pod fit, as the plugins that rejected it would care about. */
function nodeUpdateEvent(oldNode: Node, newNode: Node): ClusterEvent | undefined {
  const plugins = new Set<string>();
  if (!sameJSON(oldNode.status?.allocatable, newNode.status?.allocatable)) plugins.add('NodeResourcesFit');
  if (!sameJSON(oldNode.metadata.labels, newNode.metadata.labels)) {
    for (const p of ['NodeAffinity', 'PodTopologySpread', 'InterPodAffinity']) plugins.add(p);
  }
  if (!sameJSON(effectiveTaints(oldNode), effectiveTaints(newNode))) plugins.add('TaintToleration');
  if (!!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable) plugins.add('NodeUnschedulable');
  return plugins.size ? { label: 'NodeUpdate', plugins } : undefined;
}

type Outcome = { nodeName: string; evaluated: number; feasible: number } | { status: Status; diagnosis?: Diagnosis; numAllNodes: number };

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  private readonly profile: Profile;
  private readonly preemption = new DefaultPreemption();
  private readonly recorder: EventRecorder;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly services: Informer;
  private readonly replicaSets: Informer;
  private readonly pdbs: Informer;
  /** Pods nominated to a node by preemption, waiting for their victims to go (the nominator). */
  private readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNodeOf = new Map<string, string>();
  private statefulSets?: Informer;
  private replicationControllers?: Informer;
  private readonly registrations: { remove(): void }[] = [];
  private readonly log: (m: string) => void;
  private nextStartNodeIndex = 0;
  private running?: Promise<void>;
  private stopped = false;
  private signalStop!: () => void;
  private readonly stopping = new Promise<void>((r) => {
    this.signalStop = r;
  });
  private readonly binds = new Set<Promise<void>>();
  private readonly bindWaiters: (() => void)[] = [];
  private readonly maxConcurrentBinds: number;
  /** When each pod's current attempt began (scheduler_scheduling_attempt_duration_seconds). */
  private readonly attemptStart = new Map<string, number>();
  /** Decisions made (assumed pods); for benchmarks and tests. */
  scheduledCount = 0;

  constructor(
    private readonly client: RestClient,
    private readonly factory: SharedInformerFactory,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.maxConcurrentBinds = opts.maxConcurrentBinds ?? 50;
    this.queue = new SchedulingQueue(opts.queue);
    this.recorder = new EventRecorder(client, {
      component: DEFAULT_SCHEDULER_NAME,
      // kube-scheduler's events broadcaster (tools/events) writes each event from a goroutine of
      // its own: one Scheduled event per pod must not queue behind the one before (bounded, as
      // the bindings are, under the API server's in-flight limit). With 16, events fell 2,300
      // behind 17,000 bindings at 95 pods/s, past the recorder's queue of 1,000.
      maxInFlight: 32,
      onError: (e) => this.log(`event: ${(e as Error)?.message ?? e}`),
    });
    // Its own decoded pods (a thread's, a process's) keep only what scheduling reads (compactpod.ts).
    this.pods = factory.informerFor<Pod>({ ...PODS, fieldSelector: NON_TERMINAL_PODS, transform: compactPod });
    this.nodes = factory.informerFor<Node>(NODES);
    this.services = factory.informerFor(SERVICES);
    this.replicaSets = factory.informerFor(REPLICASETS);
    this.pdbs = factory.informerFor({ group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' });
    const listers: Listers = {
      services: (ns) => this.services.byIndex('namespace', ns),
      replicaSet: (ns, name) => this.replicaSets.getByName(ns, name),
      statefulSet: (ns, name) => this.statefulSets?.getByName(ns, name),
      replicationController: (ns, name) => this.replicationControllers?.getByName(ns, name),
    };
    const handle: Handle = {
      cache: this.cache,
      listers,
      client,
      informers: factory,
      requeue: (ev) => this.queue.moveAllToActiveOrBackoffQueue(ev),
    };
    this.profile = defaultProfile(handle);

    this.registrations.push(
      this.nodes.addEventHandler({
        onAdd: (n) => this.onNodeAdd(n),
        onUpdate: (o, n) => this.onNodeUpdate(o, n),
        onDelete: (n) => this.cache.removeNode(n.metadata.name ?? ''),
      }),
    );
    this.registrations.push(
      this.pods.addEventHandler({
        onAdd: (p) => this.onPodAdd(p),
        onUpdate: (o, n) => this.onPodUpdate(o, n),
        onDelete: (p) => this.onPodDelete(p),
      }),
    );
  }

  private removePendingSource?: () => void;

  start(): void {
    if (this.running) return;
    this.removePendingSource = addPendingPodsSource(() => this.queue.pendingCount);
    this.running = this.run().catch((e) => this.log(`scheduler stopped on error: ${(e as Error)?.stack ?? e}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.removePendingSource?.();
    this.signalStop();
    this.queue.close();
    await this.running;
    await Promise.allSettled([...this.binds]);
    for (const r of this.registrations) r.remove();
    await this.recorder.stop();
  }

  // ---- informer events ----

  private onNodeAdd(n: Node): void {
    this.cache.setNode(n);
    this.queue.moveAllToActiveOrBackoffQueue(EVENT_NODE_ADD);
  }

  private onNodeUpdate(o: Node, n: Node): void {
    this.cache.setNode(n);
    const ev = nodeUpdateEvent(o, n);
    if (ev) this.queue.moveAllToActiveOrBackoffQueue(ev);
  }

  /** The nominator: an unassigned pod with status.nominatedNodeName holds room on that node for itself. */
  private updateNominated(p: Pod | undefined, uid: string, nodeName?: string): void {
    const prev = this.nominatedNodeOf.get(uid);
    if (prev) {
      this.nominated.get(prev)?.delete(uid);
      if (this.nominated.get(prev)?.size === 0) this.nominated.delete(prev);
      this.nominatedNodeOf.delete(uid);
    }
    if (!p || !nodeName) return;
    if (!this.nominated.has(nodeName)) this.nominated.set(nodeName, new Map());
    this.nominated.get(nodeName)!.set(uid, newPodInfo(p));
    this.nominatedNodeOf.set(uid, nodeName);
  }

  private nominatedFromStatus(p: Pod): void {
    const uid = p.metadata.uid ?? podKey(p as KObject);
    const node = !isAssigned(p) && !p.metadata.deletionTimestamp && !isTerminal(p) ? p.status?.nominatedNodeName : undefined;
    // A nomination made by this scheduler stands until the pod's status says otherwise.
    if (!node && !isAssigned(p) && !p.metadata.deletionTimestamp && this.nominatedNodeOf.has(uid) && !p.status?.nominatedNodeName) return;
    this.updateNominated(p, uid, node);
  }

  private onPodAdd(p: Pod): void {
    this.nominatedFromStatus(p);
    if (isAssigned(p)) {
      if (!isTerminal(p)) this.cache.addPod(p);
      return;
    }
    if (responsibleFor(p) && !isTerminal(p) && !p.metadata.deletionTimestamp) this.queue.add(p);
  }

  private onPodUpdate(o: Pod, n: Pod): void {
    this.nominatedFromStatus(n);
    if (isAssigned(n)) {
      if (!isAssigned(o)) this.queue.delete(n);
      if (isTerminal(n)) {
        // A finished pod frees its node's resources, as a deleted one does.
        if (this.cache.removePod(n)) this.queue.moveAllToActiveOrBackoffQueue(EVENT_ASSIGNED_POD_DELETE);
        return;
      }
      this.cache.updatePod(n);
      if (isAssigned(o) && (!sameJSON(o.metadata.labels, n.metadata.labels) || !sameJSON(o.spec?.containers, n.spec?.containers))) {
        this.queue.moveAllToActiveOrBackoffQueue(EVENT_ASSIGNED_POD_UPDATE);
      }
      return;
    }
    if (!responsibleFor(n)) return;
    if (isTerminal(n) || n.metadata.deletionTimestamp) {
      this.queue.delete(n);
      return;
    }
    this.queue.update(o, n);
  }

  private onPodDelete(p: Pod): void {
    this.updateNominated(undefined, p.metadata.uid ?? podKey(p as KObject));
    if (isAssigned(p)) {
      if (this.cache.removePod(p)) this.queue.moveAllToActiveOrBackoffQueue(EVENT_ASSIGNED_POD_DELETE);
      return;
    }
    this.queue.delete(p);
  }

  // ---- the scheduling loop ----

  private async run(): Promise<void> {
    void this.watchOptionalWorkloads();
    try {
      // stop() must not wait on informers that never sync (an unreachable API server).
      await Promise.race([Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]), this.stopping]);
      if (this.stopped) return;
    } catch (e) {
      if (this.stopped) return;
      throw e;
    }
    let lastYield = performance.now();
    while (!this.stopped) {
      const q = await this.queue.pop();
      if (!q) break;
      try {
        this.scheduleOne(q);
      } catch (e) {
        this.log(`scheduling ${q.key}: ${(e as Error)?.stack ?? e}`);
        this.queue.addUnschedulableIfNotPresent(q, this.queue.schedulingCycle);
      }
      // Decisions are synchronous; let watches and bindings through every few milliseconds.
      if (performance.now() - lastYield > 5) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = performance.now();
      }
      if (this.binds.size >= this.maxConcurrentBinds)
        await Promise.race([new Promise<void>((r) => this.bindWaiters.push(r)), this.stopping]);
    }
  }

  /** StatefulSets and ReplicationControllers feed spreading when the API server serves them. */
  private async watchOptionalWorkloads(): Promise<void> {
    const served = async (path: string, resource: string): Promise<boolean> => {
      try {
        const list = await this.client.request<{ resources?: { name: string }[] }>('GET', path);
        return (list.resources ?? []).some((r) => r.name === resource);
      } catch {
        return false;
      }
    };
    if (await served('/apis/apps/v1', 'statefulsets')) this.statefulSets = this.factory.informerFor(STATEFULSETS);
    if (await served('/api/v1', 'replicationcontrollers')) this.replicationControllers = this.factory.informerFor(REPLICATIONCONTROLLERS);
  }

  private scheduleOne(q: QueuedPodInfo): void {
    // The informer's copy is the freshest; a pod deleted, bound or assumed meanwhile is skipped.
    const cur = this.pods.get(q.key);
    if (
      !cur ||
      cur.metadata.uid !== q.pod.metadata.uid ||
      isAssigned(cur) ||
      cur.metadata.deletionTimestamp ||
      this.cache.isAssumed(cur.metadata.uid ?? '')
    ) {
      this.queue.done(q.key);
      return;
    }
    q.pod = cur;
    this.attemptStart.set(q.key, performance.now());
    const pi = newPodInfo(cur);
    const cycle = this.queue.schedulingCycle;
    const state = new CycleState();
    const algorithmStart = performance.now();
    const outcome = this.schedulePod(state, pi);
    observeAlgorithm(algorithmStart);
    if ('nodeName' in outcome) {
      this.cache.assumePod(pi, outcome.nodeName);
      const reserved = this.runReserve(state, pi, outcome.nodeName);
      if (reserved) {
        this.cache.forgetPod(pi.uid);
        this.handleSchedulingFailure(
          q,
          cycle,
          'SchedulerError',
          `running Reserve plugin "${reserved.plugin}": ${reserved.message()}`,
          new Set(),
        );
        return;
      }
      this.scheduledCount++;
      this.bind(q, pi, outcome.nodeName, cycle, state);
      return;
    }
    let message = outcome.status.message();
    const plugins = new Set<string>();
    if (outcome.diagnosis) {
      for (const p of outcome.diagnosis.unschedulablePlugins) plugins.add(p);
      const post = this.preemption.postFilter(
        state,
        pi,
        outcome.diagnosis,
        this.cache.nodeList(),
        this.filterWithNominated,
        this.pdbs.byIndex('namespace', pi.namespace),
      );
      outcome.diagnosis.postFilterMsg = post.message;
      if (cur.spec?.preemptionPolicy !== 'Never') observePreemption(post.candidate?.victims.length ?? 0);
      message = fitErrorMessage(outcome.numAllNodes, outcome.diagnosis);
      if (post.candidate) {
        // Room is held on the node at once, so pods of lower priority do not take it meanwhile.
        this.updateNominated(cur, pi.uid, post.candidate.node);
        this.evictVictims(cur, post.candidate);
        this.handleSchedulingFailure(q, cycle, 'Unschedulable', message, plugins, post.candidate.node);
        return;
      }
    }
    this.handleSchedulingFailure(q, cycle, outcome.status.isRejected() ? 'Unschedulable' : 'SchedulerError', message, plugins);
  }

  /** Filters (a sample of the nodes in big clusters), scores the feasible ones, picks the best. */
  private schedulePod(state: CycleState, pi: PodInfo): Outcome {
    const all = this.cache.nodeList();
    if (all.length === 0) return { status: new Status(Code.UnschedulableAndUnresolvable, [NO_NODES_AVAILABLE]), numAllNodes: 0 };
    const diagnosis = newDiagnosis();
    const pre = runPreFilter(this.profile, state, pi);
    if (pre.status) {
      diagnosis.preFilterMsg = pre.status.message();
      diagnosis.absentNodesStatus = pre.status;
      diagnosis.unschedulablePlugins.add(pre.status.plugin);
      return { status: pre.status, diagnosis, numAllNodes: all.length };
    }
    let nodes = all;
    if (pre.nodeNames) {
      nodes = [];
      for (const name of pre.nodeNames) {
        const n = this.cache.getNode(name);
        if (n) nodes.push(n);
      }
      const names = [...pre.pluginsWithNodes].sort();
      diagnosis.absentNodesStatus = new Status(Code.UnschedulableAndUnresolvable, [
        `node(s) didn't satisfy plugin(s) [${names.join(' ')}]`,
      ]);
      for (const p of names) diagnosis.unschedulablePlugins.add(p);
    }
    const feasible = this.findNodesThatPassFilters(state, pi, diagnosis, nodes);
    const processed = feasible.length + diagnosis.nodeToStatus.size;
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % all.length;
    if (feasible.length === 0) {
      return { status: new Status(Code.Unschedulable, ['no fit']), diagnosis, numAllNodes: all.length };
    }
    if (feasible.length === 1) return { nodeName: feasible[0].name, evaluated: processed, feasible: 1 };
    const scores = runScore(this.profile, state, pi, feasible);
    return { nodeName: feasible[selectHost(scores)].name, evaluated: processed, feasible: feasible.length };
  }

  /**
   * RunFilterPluginsWithNominatedPods: pods nominated to the node with at least this pod's
   * priority count as if they ran there, so the room preemption made stays theirs.
   */
  private readonly filterWithNominated = (state: CycleState, pi: PodInfo, node: NodeInfo): Status | undefined => {
    // Nominations are rare (preemption): most cycles need no lookup per node.
    if (this.nominated.size === 0) return runFilter(this.profile, state, pi, node);
    const noms = this.nominated.get(node.name);
    if (noms?.size) {
      let withNominated: NodeInfo | undefined;
      for (const np of noms.values()) {
        if (np.uid === pi.uid || np.priority < pi.priority || node.hasPod(np.uid)) continue;
        withNominated ??= node.clone();
        withNominated.addPod(np);
      }
      if (withNominated) return runFilter(this.profile, state, pi, withNominated);
    }
    return runFilter(this.profile, state, pi, node);
  };

  private observe(key: string, result: 'scheduled' | 'unschedulable' | 'error'): void {
    const t = this.attemptStart.get(key);
    this.attemptStart.delete(key);
    if (t !== undefined) observeAttempt(result, t);
  }

  /** prepareCandidate: each victim gets DisruptionTarget and is deleted gracefully; an event says why. */
  private evictVictims(preemptor: Pod, c: Candidate): void {
    for (const v of c.victims) {
      const victim = v.pod;
      void (async () => {
        try {
          await this.client.patch(
            { ...victimRef(victim), subresource: 'status' },
            disruptionTargetPatch(DEFAULT_SCHEDULER_NAME, victim.metadata.uid),
            'strategic',
          );
          await this.client.delete(victimRef(victim), { preconditions: { uid: victim.metadata.uid } });
          this.recorder.event(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata.uid} on node ${c.node}`);
        } catch (e) {
          this.log(`preempting ${podKey(victim as KObject)}: ${(e as Error)?.message ?? e}`);
        }
      })();
    }
    this.log(`pod ${podKey(preemptor as KObject)} preempts ${c.victims.map((v) => v.key).join(', ')} on ${c.node}`);
  }

  private findNodesThatPassFilters(state: CycleState, pi: PodInfo, diagnosis: Diagnosis, nodes: NodeInfo[]): NodeInfo[] {
    const want = this.numFeasibleNodesToFind(nodes.length);
    const feasible: NodeInfo[] = [];
    const n = nodes.length;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const node = nodes[(this.nextStartNodeIndex + i) % n];
      const st = this.filterWithNominated(state, pi, node);
      if (!st) {
        feasible.push(node);
      } else {
        diagnosis.nodeToStatus.set(node.name, st);
        if (st.isRejected()) diagnosis.unschedulablePlugins.add(st.plugin);
      }
    }
    return feasible;
  }

  /** How many feasible nodes are enough to stop filtering (numFeasibleNodesToFind). */
  numFeasibleNodesToFind(numAllNodes: number): number {
    if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
    let pct = this.opts.percentageOfNodesToScore ?? 0;
    if (pct >= 100) return numAllNodes;
    if (pct <= 0) {
      pct = 50 - Math.trunc(numAllNodes / 125);
      if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
    }
    const num = Math.trunc((numAllNodes * pct) / 100);
    return Math.max(num, MIN_FEASIBLE_NODES_TO_FIND);
  }

  // ---- reserve and binding ----

  /** Reserve plugins in order; the first failure unreserves those before it and is returned. */
  private runReserve(state: CycleState, pi: PodInfo, nodeName: string): Status | undefined {
    const done: NonNullable<Profile['reserve']> = [];
    for (const pl of this.profile.reserve ?? []) {
      const st = pl.reserve(state, pi, nodeName);
      if (st && !st.isSuccess()) {
        for (const d of done.reverse()) d.unreserve(state, pi, nodeName);
        return st.withPlugin(pl.name);
      }
      done.push(pl);
    }
    return undefined;
  }

  /** The binding cycle: PreBind plugins (volume bindings), then the pod's binding. */
  private bind(q: QueuedPodInfo, pi: PodInfo, nodeName: string, cycle: number, state: CycleState): void {
    const { namespace, name, uid } = q.pod.metadata;
    const p = (async () => {
      for (const pl of this.profile.preBind ?? []) {
        const st = await pl.preBind(state, pi, nodeName);
        if (st && !st.isSuccess()) throw new PreBindError(pl.name, st.message());
      }
      await this.client.create(
        { ...PODS, namespace, name, subresource: 'binding' },
        {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid },
          target: { kind: 'Node', name: nodeName },
        },
      );
    })()
      .then(
        () => {
          this.recorder.event(q.pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
          this.observe(q.key, 'scheduled');
          this.queue.done(q.key);
        },
        (e: unknown) => {
          for (const pl of [...(this.profile.reserve ?? [])].reverse()) pl.unreserve(state, pi, nodeName);
          // The node's resources are free again: pods waiting for them may fit now.
          if (this.cache.forgetPod(pi.uid)) this.queue.moveAllToActiveOrBackoffQueue(EVENT_ASSIGNED_POD_DELETE);
          const msg =
            e instanceof PreBindError
              ? `running PreBind plugin "${e.plugin}": ${e.message}`
              : `running Bind plugin "DefaultBinder": ${(e as Error)?.message ?? String(e)}`;
          this.log(`binding ${q.key} to ${nodeName}: ${msg}`);
          this.handleSchedulingFailure(q, cycle, 'SchedulerError', msg, new Set());
        },
      )
      .finally(() => {
        this.binds.delete(p);
        this.bindWaiters.shift()?.();
      });
    this.binds.add(p);
  }

  // ---- failures ----

  /**
   * Requeues the pod (unless it is gone or was bound meanwhile), records FailedScheduling and
   * sets PodScheduled=False with the reason and message, if the condition changes.
   */
  private handleSchedulingFailure(
    q: QueuedPodInfo,
    cycle: number,
    reason: 'Unschedulable' | 'SchedulerError',
    message: string,
    plugins: Set<string>,
    nominatedNodeName?: string,
  ): void {
    q.unschedulablePlugins = plugins;
    this.observe(q.key, reason === 'Unschedulable' ? 'unschedulable' : 'error');
    const cached = this.pods.get(q.key);
    if (!cached || cached.metadata.uid !== q.pod.metadata.uid) {
      this.queue.done(q.key);
      return;
    }
    this.recorder.event(cached, 'Warning', 'FailedScheduling', truncateMessage(message));
    if (isAssigned(cached)) {
      this.queue.done(q.key);
      return;
    }
    q.pod = cached;
    this.queue.addUnschedulableIfNotPresent(q, cycle);
    void this.updatePodScheduledCondition(cached, reason, message, nominatedNodeName);
  }

  private async updatePodScheduledCondition(pod: Pod, reason: string, message: string, nominatedNodeName?: string): Promise<void> {
    const next = withPodCondition(pod.status?.conditions ?? [], {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null,
    });
    const cond = next?.find((c) => c.type === 'PodScheduled');
    const nominate = nominatedNodeName !== undefined && pod.status?.nominatedNodeName !== nominatedNodeName;
    if (!cond && !nominate) return;
    const { namespace, name, uid } = pod.metadata;
    const status: Record<string, unknown> = {};
    if (cond) status.conditions = [cond];
    if (nominate) status.nominatedNodeName = nominatedNodeName;
    try {
      await this.client.patch({ ...PODS, namespace, name, subresource: 'status' }, { metadata: { uid }, status }, 'strategic');
    } catch (e) {
      this.log(`updating PodScheduled of ${podKey(pod as KObject)}: ${(e as Error)?.message ?? e}`);
    }
  }
}

/** A PreBind plugin's failure, named in the FailedScheduling message. */
class PreBindError extends Error {
  constructor(
    readonly plugin: string,
    message: string,
  ) {
    super(message);
  }
}

/** The highest total; ties broken uniformly at random (reservoir sampling, as selectHost). */
export function selectHost(scores: number[]): number {
  let best = -Infinity,
    idx = -1,
    count = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s > best) {
      best = s;
      idx = i;
      count = 1;
    } else if (s === best) {
      count++;
      if (Math.random() * count < 1) idx = i;
    }
  }
  return idx;
}
