// The DaemonSet controller, as kube-controller-manager's pkg/controller/daemon: one daemon pod on
// every node that should run it (nodeSelector, required node affinity, taints against the
// template's tolerations plus the ones every daemon pod gets), each pod created with a node
// affinity on metadata.name so that the scheduler binds it to its node; pods removed from nodes
// that no longer qualify, failed pods replaced with back-off, extra pods pruned; a rolling update
// within maxUnavailable or maxSurge, or OnDelete; one ControllerRevision per template (what
// `kubectl rollout history/undo daemonset` read), old ones pruned to revisionHistoryLimit; and
// the status counters `kubectl get ds` and `kubectl rollout status` show.

import { isPodReady } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { deepCopy, type KObject } from '../api/object.js';
import {
  CONTROLLERREVISIONS,
  type ControllerRevision,
  DAEMONSETS,
  type DaemonSet,
  type DaemonSetStatus,
  NODES,
  type Node,
  PODS,
  type Pod,
} from '../api/types.js';
import { DAEMONSET_STATUS_COUNTS } from '../api/validation/apps-sets.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import * as cache from '../client/informer.js';
import { isAlreadyExists, isConflict, isNotFound, type RestClient } from '../client/rest.js';
import {
  allowsSurge,
  createPodTemplate,
  daemonPodAvailable,
  daemonSetPatch,
  findUpdatedPodsOnNode,
  isPodUpdated,
  nodeNameAffinity,
  nodeShouldRunDaemonPod,
  templateGeneration,
  updateBudgets,
} from './daemonset-util.js';
import { computeHash } from './deployment-util.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  claimControllerRevisions,
  equalRevision,
  maxRevision,
  revisionOf,
  sortControllerRevisions,
} from './history.js';
import {
  claimObjects,
  controllerIn,
  labelsChanged,
  newControllerRef,
  ownerEvents,
  ownersSelecting,
  type PodOwnerHandlers,
  podEvents,
  resolveControllerRef,
  safeSelector,
} from './podutil.js';
import { BURST_REPLICAS, ControllerExpectations, slowStartBatch } from './replicaset.js';

export interface DaemonSetControllerOptions extends ControllerOptions {
  /** The first back-off before a failed daemon pod on a node is replaced again (Kubernetes: 1 s, doubling to 15 min). */
  failedPodBackoffMs?: number;
  maxFailedPodBackoffMs?: number;
}

/** Where a daemon pod is meant to run: spec.nodeName, else its metadata.name node affinity (util.GetTargetNodeName). */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

const created = (p: KObject): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
/** podByCreationTimestampAndPhase: scheduled before pending, then older first, then by name. */
function byCreationAndPhase(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 0 : 1,
    sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  return created(a) - created(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

export class DaemonSetController extends Controller {
  readonly expectations = new ControllerExpectations();
  private readonly dsInf: cache.Informer<DaemonSet>;
  private readonly podInf: cache.Informer<Pod>;
  private readonly nodeInf: cache.Informer<Node>;
  private readonly revInf: cache.Informer<ControllerRevision>;
  /** failedPodsBackoff: per DaemonSet and node, the next delay and when it was last taken. */
  private readonly backoff = new Map<string, { delay: number; at: number }>();
  private readonly backoffInitial: number;
  private readonly backoffMax: number;

  constructor(
    private readonly client: RestClient,
    factory: cache.SharedInformerFactory,
    opts: DaemonSetControllerOptions = {},
  ) {
    super('daemonset', client, 'daemonset-controller', opts);
    this.backoffInitial = opts.failedPodBackoffMs ?? 1000;
    this.backoffMax = opts.maxFailedPodBackoffMs ?? 15 * 60_000;
    this.dsInf = factory.informerFor<DaemonSet>({ ...DAEMONSETS });
    this.podInf = factory.informerFor<Pod>({ ...PODS, indexers: cache.OWNER_UID_INDEXERS });
    this.nodeInf = factory.informerFor<Node>({ ...NODES });
    this.revInf = factory.informerFor<ControllerRevision>({ ...CONTROLLERREVISIONS, indexers: cache.OWNER_UID_INDEXERS });
    this.dsInf.addEventHandler(ownerEvents(this.expectations, (ds) => this.enqueue(ds)));
    this.podInf.addEventHandler(podEvents(this.podHandlers));
    this.nodeInf.addEventHandler({
      onAdd: () => this.enqueueAll(),
      onUpdate: (o, n) => {
        // shouldIgnoreNodeUpdate: only labels, taints and the rest of the spec decide where daemons run.
        if (labelsChanged(o, n) || JSON.stringify(o.spec ?? {}) !== JSON.stringify(n.spec ?? {})) this.enqueueAll();
      },
      onDelete: () => this.enqueueAll(),
    });
    this.revInf.addEventHandler({
      onAdd: (r) => this.enqueueOwner(r),
      onUpdate: (_o, r) => this.enqueueOwner(r),
      onDelete: (r) => this.enqueueOwner(r),
    });
  }

  private enqueueAll(): void {
    for (const ds of this.dsInf.list()) this.enqueue(ds);
  }

  private resolve(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): DaemonSet | undefined {
    return resolveControllerRef(this.dsInf, 'DaemonSet', namespace, ref);
  }

  private enqueueOwner(obj: KObject): void {
    const owner = controllerIn(this.dsInf, 'DaemonSet', obj);
    if (owner) this.enqueue(owner);
  }

  private selecting(pod: Pod): DaemonSet[] {
    return ownersSelecting(this.dsInf, cache.NAMESPACE_INDEX, pod, (ds) => safeSelector(ds.spec?.selector));
  }

  /** The pod event handlers shared with the ReplicaSet controller (podutil). */
  private readonly podHandlers: PodOwnerHandlers<DaemonSet> = {
    resolve: (ns, ref) => this.resolve(ns, ref),
    selecting: (pod) => this.selecting(pod),
    expectations: this.expectations,
    enqueue: (ds, afterMs) => this.enqueue(ds, afterMs),
    minReadySeconds: (ds) => ds.spec.minReadySeconds ?? 0,
  };

  private dsRef(ds: DaemonSet): KObject {
    return { ...ds, apiVersion: 'apps/v1', kind: 'DaemonSet' };
  }

  async reconcile(key: string): Promise<number | void> {
    const cached = this.dsInf.get(key);
    if (!cached) {
      this.expectations.delete(key);
      for (const k of this.backoff.keys()) if (k.startsWith(`${key}/`)) this.backoff.delete(k);
      return;
    }
    const ds = deepCopy(cached);
    const selector = safeSelector(ds.spec.selector);
    if (!selector || selector.empty()) {
      this.recorder.event(
        this.dsRef(ds),
        'Warning',
        'SelectingAll',
        'This daemon set is selecting all pods. A non-empty selector is required.',
      );
      return;
    }
    // A DaemonSet being deleted is left to the garbage collector.
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.nodeInf.list();
    const { cur, old } = await this.constructHistory(ds);
    const hash = cur.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    let requeue: number | undefined;
    if (!this.expectations.satisfied(key)) return this.updateStatus(ds, nodes, hash, false);
    let err: unknown;
    try {
      requeue = await this.manage(ds, nodes, hash);
      if (this.expectations.satisfied(key) && ds.spec.updateStrategy?.type === 'RollingUpdate') await this.rollingUpdate(ds, nodes, hash);
      await this.cleanupHistory(ds, old);
    } catch (e) {
      err = e;
    }
    const again = await this.updateStatus(ds, nodes, hash, true);
    if (err) throw err;
    if (requeue !== undefined && (again === undefined || requeue < again)) return requeue;
    return again;
  }

  // ---- pods by node ----

  /** getNodesToDaemonPods: the DaemonSet's pods (claimed), by the node each is meant for. */
  private async nodesToDaemonPods(ds: DaemonSet, includeDeletedTerminal: boolean): Promise<Map<string, Pod[]>> {
    const selector = safeSelector(ds.spec.selector)!;
    const candidates = this.podInf.byIndex(cache.NAMESPACE_INDEX, ds.metadata.namespace ?? '').filter((p) => {
      if (includeDeletedTerminal) return true;
      const terminal = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
      return !(p.metadata.deletionTimestamp && terminal);
    });
    const claimed = await claimObjects(candidates, {
      client: this.client,
      resource: PODS,
      owner: ds,
      ownerResource: DAEMONSETS,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector,
    });
    const out = new Map<string, Pod[]>();
    for (const p of claimed) {
      const node = targetNodeName(p);
      if (!node) continue;
      const list = out.get(node) ?? [];
      list.push(p);
      out.set(node, list);
    }
    return out;
  }

  /** manage: the pods to create and delete so that each node has what it should; returns a delay to look again. */
  private async manage(ds: DaemonSet, nodes: Node[], hash: string): Promise<number | undefined> {
    const byNode = await this.nodesToDaemonPods(ds, false);
    const create: string[] = [];
    const del: Pod[] = [];
    let requeue: number | undefined;
    const now = Date.now();
    const nodeNames = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata.name ?? '';
      nodeNames.add(name);
      const r = this.podsShouldBeOnNode(node, byNode.get(name), ds, hash, now);
      if (r.create) create.push(name);
      del.push(...r.del);
      if (r.retryAfter !== undefined) requeue = Math.min(requeue ?? Infinity, r.retryAfter);
    }
    // getUnscheduledPodsWithoutNode: pods meant for a node that is gone and never bound.
    for (const [name, pods] of byNode) {
      if (nodeNames.has(name)) continue;
      for (const p of pods) if (!p.spec?.nodeName && !p.metadata.deletionTimestamp) del.push(p);
    }
    await this.syncNodes(ds, del, create, hash);
    return requeue;
  }

  private podsShouldBeOnNode(
    node: Node,
    pods: Pod[] | undefined,
    ds: DaemonSet,
    hash: string,
    now: number,
  ): { create: boolean; del: Pod[]; retryAfter?: number } {
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const del: Pod[] = [];
    let retryAfter: number | undefined;
    const nodeName = node.metadata.name ?? '';
    if (shouldRun && !pods) return { create: true, del };
    if (shouldContinueRunning && pods) {
      const running: Pod[] = [];
      for (const p of pods) {
        if (p.metadata.deletionTimestamp) continue;
        if (p.status?.phase === 'Failed') {
          // Replace a failed pod, but no faster than the back-off allows, so a crashing daemon cannot hot-loop.
          const bkey = `${cache.objectKey(ds)}/${nodeName}`;
          const b = this.backoff.get(bkey);
          if (b && now - b.at < b.delay) {
            retryAfter = b.delay - (now - b.at);
            continue;
          }
          this.backoff.set(bkey, { delay: b ? Math.min(b.delay * 2, this.backoffMax) : this.backoffInitial, at: now });
          this.recorder.event(
            this.dsRef(ds),
            'Warning',
            'FailedDaemonPod',
            `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${nodeName}, will try to kill it`,
          );
          del.push(p);
        } else if (p.status?.phase === 'Succeeded') {
          del.push(p);
        } else {
          running.push(p);
        }
      }
      running.sort(byCreationAndPhase);
      if (!allowsSurge(ds)) {
        // Without surge, at most one pod per node: the oldest stays.
        del.push(...running.slice(1));
      } else if (running.length > 1) {
        // With surge, two pods only while the new one is not yet available and the old one is ready.
        let oldestNew: Pod | undefined, oldestOld: Pod | undefined;
        for (const p of running) {
          if (p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) {
            if (!oldestNew) {
              oldestNew = p;
              continue;
            }
          } else if (!oldestOld) {
            oldestOld = p;
            continue;
          }
          del.push(p);
        }
        if (oldestNew && oldestOld && (!isPodReady(oldestOld) || daemonPodAvailable(ds, oldestNew, now))) del.push(oldestOld);
      }
      return { create: false, del, retryAfter };
    }
    if (!shouldContinueRunning && pods) for (const p of pods) if (!p.metadata.deletionTimestamp) del.push(p);
    return { create: false, del, retryAfter };
  }

  /** syncNodes: creates pods for nodes and deletes pods, at most BURST_REPLICAS of each, with expectations. */
  private async syncNodes(ds: DaemonSet, podsToDelete: Pod[], nodesNeedingPods: string[], hash: string): Promise<void> {
    const key = cache.objectKey(ds);
    const create = nodesNeedingPods.slice(0, BURST_REPLICAS);
    const del = podsToDelete.slice(0, BURST_REPLICAS);
    this.expectations.expect(
      key,
      create.length,
      del.map((p) => cache.objectKey(p)),
    );
    const errs: unknown[] = [];
    const template = createPodTemplate(ds, hash);
    let i = 0;
    const { successes, error } = await slowStartBatch(create.length, 1, async () => {
      const node = create[i++];
      try {
        await this.createPod(ds, template, node);
      } catch (e) {
        this.expectations.creationObserved(key);
        throw e;
      }
    });
    // Pods never attempted will not be observed: stop waiting for them.
    for (let k = successes + (error ? 1 : 0); k < create.length; k++) this.expectations.creationObserved(key);
    if (error) errs.push(error);
    await Promise.all(
      del.map(async (p) => {
        try {
          await this.client.delete({ ...PODS, namespace: p.metadata.namespace, name: p.metadata.name });
          this.recorder.event(this.dsRef(ds), 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, cache.objectKey(p));
          if (!isNotFound(e)) {
            this.recorder.event(this.dsRef(ds), 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(e)}`);
            errs.push(e);
          }
        }
      }),
    );
    if (errs.length) throw errs[0];
  }

  private async createPod(ds: DaemonSet, template: ReturnType<typeof createPodTemplate>, nodeName: string): Promise<void> {
    const t = deepCopy(template);
    const spec = t.spec!;
    spec.affinity = nodeNameAffinity(spec.affinity, nodeName);
    const metadata: Record<string, unknown> = {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: t.metadata?.labels,
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    };
    if (t.metadata?.annotations) metadata.annotations = t.metadata.annotations;
    if (t.metadata?.finalizers?.length) metadata.finalizers = t.metadata.finalizers;
    try {
      const pod = await this.client.create<Pod>(
        { ...PODS, namespace: ds.metadata.namespace },
        { apiVersion: 'v1', kind: 'Pod', metadata, spec },
      );
      this.recorder.event(this.dsRef(ds), 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (e) {
      const causes = (e as { details?: { causes?: { reason?: string }[] } })?.details?.causes ?? [];
      // A terminating namespace takes the DaemonSet with it: nothing to retry.
      if (causes.some((c) => c.reason === 'NamespaceTerminating')) return;
      this.recorder.event(this.dsRef(ds), 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`);
      throw e;
    }
  }

  // ---- rolling update ----

  /** rollingUpdate: replaces old pods within maxUnavailable (delete first) or maxSurge (create first). */
  private async rollingUpdate(ds: DaemonSet, nodes: Node[], hash: string): Promise<void> {
    const byNode = await this.nodesToDaemonPods(ds, false);
    let desired = 0;
    const wanted = new Set<string>();
    for (const n of nodes)
      if (nodeShouldRunDaemonPod(n, ds).shouldRun) {
        desired++;
        wanted.add(n.metadata.name ?? '');
      }
    const { maxSurge, maxUnavailable } = updateBudgets(ds, desired);
    const now = Date.now();
    if (maxSurge === 0) {
      let numUnavailable = 0;
      const allowedReplacement: Pod[] = [],
        candidates: Pod[] = [];
      for (const [, pods] of byNode) {
        const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
        if (!ok) {
          numUnavailable++;
          continue;
        }
        if ((!oldPod && !newPod) || (oldPod && newPod)) {
          numUnavailable++;
          continue;
        }
        if (newPod) {
          if (!daemonPodAvailable(ds, newPod, now)) numUnavailable++;
          continue;
        }
        if (!daemonPodAvailable(ds, oldPod!, now)) allowedReplacement.push(oldPod!);
        else if (numUnavailable < maxUnavailable) candidates.push(oldPod!);
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      await this.syncNodes(ds, [...allowedReplacement, ...candidates.slice(0, remaining)], [], hash);
      return;
    }
    let numSurge = 0;
    const allowedNew: string[] = [],
      candidateNew: string[] = [],
      oldToDelete: Pod[] = [];
    for (const [nodeName, pods] of byNode) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
      if (!ok) {
        numSurge++;
        continue;
      }
      if (!oldPod) continue;
      if (!newPod) {
        if (!wanted.has(nodeName)) continue;
        if (!daemonPodAvailable(ds, oldPod, now)) allowedNew.push(nodeName);
        else if (numSurge < maxSurge) candidateNew.push(nodeName);
        continue;
      }
      if (!daemonPodAvailable(ds, newPod, now)) {
        numSurge++;
        continue;
      }
      oldToDelete.push(oldPod);
    }
    const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNew.length);
    await this.syncNodes(ds, oldToDelete, [...allowedNew, ...candidateNew.slice(0, remaining)], hash);
  }

  // ---- history ----

  /** constructHistory: the current revision (created when missing, renumbered when older) and the others. */
  private async constructHistory(ds: DaemonSet): Promise<{ cur: ControllerRevision; old: ControllerRevision[] }> {
    const selector = safeSelector(ds.spec.selector)!;
    const inNs = this.revInf.list().filter((r) => r.metadata.namespace === ds.metadata.namespace);
    const revs = await claimControllerRevisions(this.client, ds, DAEMONSETS, 'apps/v1', 'DaemonSet', selector, inNs);
    const patch = daemonSetPatch(ds);
    const current: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let r of revs) {
      if (!r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]) {
        // Older revisions without the hash label get their name as the hash.
        r = await this.client.update<ControllerRevision>(
          { ...CONTROLLERREVISIONS, namespace: r.metadata.namespace, name: r.metadata.name },
          {
            ...r,
            metadata: { ...r.metadata, labels: { ...(r.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: r.metadata.name ?? '' } },
          },
        );
      }
      if (equalRevision(r, { data: patch } as unknown as ControllerRevision)) current.push(r);
      else old.push(r);
    }
    const next = maxRevision(old) + 1;
    let cur: ControllerRevision;
    if (current.length === 0) cur = await this.snapshot(ds, next, patch);
    else {
      cur = await this.dedupCurrent(ds, current);
      if (revisionOf(cur) < next) {
        cur = await this.client.update<ControllerRevision>(
          { ...CONTROLLERREVISIONS, namespace: cur.metadata.namespace, name: cur.metadata.name },
          { ...cur, revision: next },
        );
      }
    }
    return { cur, old };
  }

  /** snapshot: the revision named NAME-HASH (ComputeHash of the template and collisionCount); a collision bumps collisionCount. */
  private async snapshot(ds: DaemonSet, revision: number, patch: Record<string, unknown>): Promise<ControllerRevision> {
    const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
    const name = `${ds.metadata.name}-${hash}`;
    const cr: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ds.metadata.namespace,
        labels: { ...(ds.spec.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
        ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
      },
      data: patch as ControllerRevision['data'],
      revision,
    };
    // The DaemonSet's annotations travel with the revision: rollout history shows kubernetes.io/change-cause.
    if (ds.metadata.annotations && Object.keys(ds.metadata.annotations).length) cr.metadata.annotations = { ...ds.metadata.annotations };
    const ref = { ...CONTROLLERREVISIONS, namespace: ds.metadata.namespace };
    try {
      return await this.client.create<ControllerRevision>(ref, cr);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await this.client.get<ControllerRevision>({ ...ref, name });
      if (equalRevision(existing, cr)) return existing;
      const fresh = await this.client.get<DaemonSet>({ ...DAEMONSETS, namespace: ds.metadata.namespace, name: ds.metadata.name });
      if ((fresh.status?.collisionCount ?? undefined) !== (ds.status?.collisionCount ?? undefined)) {
        throw new Error(
          `found a stale collision count (${ds.status?.collisionCount}, expected ${fresh.status?.collisionCount}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`,
        );
      }
      const bumped = {
        ...fresh,
        status: { ...(fresh.status ?? {}), collisionCount: (fresh.status?.collisionCount ?? 0) + 1 } as DaemonSetStatus,
      };
      await this.client.update({ ...DAEMONSETS, namespace: ds.metadata.namespace, name: ds.metadata.name, subresource: 'status' }, bumped);
      throw e;
    }
  }

  /** dedupCurHistories: several revisions with the current data: keep the highest, move pods to its hash. */
  private async dedupCurrent(ds: DaemonSet, current: ControllerRevision[]): Promise<ControllerRevision> {
    if (current.length === 1) return current[0];
    const sorted = sortControllerRevisions(current);
    const keep = sorted[sorted.length - 1];
    const keepHash = keep.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    for (const dup of sorted.slice(0, -1)) {
      const dupHash = dup.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      for (const p of this.podInf.byIndex(cache.OWNER_UID_INDEX, ds.metadata.uid ?? '')) {
        if (p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== dupHash) continue;
        await this.client.patch(
          { ...PODS, namespace: p.metadata.namespace, name: p.metadata.name },
          { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } },
          'strategic',
        );
      }
      await this.client.delete({ ...CONTROLLERREVISIONS, namespace: dup.metadata.namespace, name: dup.metadata.name }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
    return keep;
  }

  /** cleanupHistory: old revisions beyond revisionHistoryLimit, oldest first, unless a live pod still uses them. */
  private async cleanupHistory(ds: DaemonSet, old: ControllerRevision[]): Promise<void> {
    let toKill = old.length - (ds.spec.revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const pods of (await this.nodesToDaemonPods(ds, false)).values()) {
      for (const p of pods) {
        const h = p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
        if (h) live.add(h);
      }
    }
    for (const r of sortControllerRevisions(old)) {
      if (toKill <= 0) break;
      if (live.has(r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')) continue;
      await this.client.delete({ ...CONTROLLERREVISIONS, namespace: r.metadata.namespace, name: r.metadata.name }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      toKill--;
    }
  }

  // ---- status ----

  /** updateDaemonSetStatus: the counters, written when they changed; returns a delay when availability is pending. */
  private async updateStatus(ds: DaemonSet, nodes: Node[], hash: string, observed: boolean): Promise<number | undefined> {
    const byNode = await this.nodesToDaemonPods(ds, false);
    const now = Date.now();
    const gen = templateGeneration(ds);
    let desired = 0,
      current = 0,
      misscheduled = 0,
      ready = 0,
      available = 0,
      updated = 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata.name ?? '') ?? [];
      const scheduled = pods.length > 0;
      if (shouldRun) {
        desired++;
        if (!scheduled) continue;
        current++;
        const pod = [...pods].sort((a, b) => created(a) - created(b))[0];
        if (isPodReady(pod)) {
          ready++;
          if (daemonPodAvailable(ds, pod, now)) available++;
        }
        if (isPodUpdated(pod, hash, gen)) updated++;
      } else if (scheduled) {
        misscheduled++;
      }
    }
    const status: DaemonSetStatus = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: observed ? ds.metadata.generation : ds.status?.observedGeneration,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
    };
    if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
    if (ds.status?.conditions?.length) status.conditions = ds.status.conditions;
    if (status.observedGeneration === undefined) delete status.observedGeneration;
    const prev = ds.status ?? ({} as DaemonSetStatus);
    const same = DAEMONSET_STATUS_COUNTS.every((k) => (prev[k] ?? 0) === (status[k] ?? 0));
    if (!same) {
      // storeDaemonSetStatus: once more on a fresh copy after a conflict.
      let target: DaemonSet = { ...ds, status };
      for (let i = 0; ; i++) {
        try {
          await this.client.update<DaemonSet>(
            { ...DAEMONSETS, namespace: ds.metadata.namespace, name: ds.metadata.name, subresource: 'status' },
            target,
          );
          break;
        } catch (e) {
          if (isNotFound(e)) return undefined;
          if (i >= 1 || !isConflict(e)) throw e;
          const fresh = await this.client.get<DaemonSet>({ ...DAEMONSETS, namespace: ds.metadata.namespace, name: ds.metadata.name });
          if (fresh.metadata.uid !== ds.metadata.uid) return undefined;
          target = { ...fresh, status: { ...status, collisionCount: fresh.status?.collisionCount, conditions: fresh.status?.conditions } };
        }
      }
    }
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0 && ready !== available) return minReady * 1000;
    return undefined;
  }
}
