// The pod garbage collector (pkg/controller/podgc): force-deletes pods no kubelet will ever
// finish. Pods bound to a Node that no longer exists (after a quarantine, and a GET to be sure),
// terminating pods on a not-ready node tainted node.kubernetes.io/out-of-service, terminating
// pods never scheduled, and terminated pods beyond a threshold. Each is first marked Failed, as
// no kubelet is left to do it, then deleted with grace period 0.

import { type Condition, isNodeReady, podNodeName, podPhase, withPodCondition } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { type KObject, nowRFC3339 } from '../api/object.js';
import { nodeTaints } from '../api/taints.js';
import { NODES, PODS, TAINT_NODE_OUT_OF_SERVICE } from '../api/types.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import { until } from '../client/wait.js';
import { parallelize } from './nodelifecycle.js';

export interface PodGCOptions {
  /** How often pods are looked at (20 s). */
  gcCheckPeriodMs?: number;
  /** How long a node must stay missing before its pods go (40 s). */
  quarantineMs?: number;
  /** Terminated pods kept before the oldest are deleted (kube-controller-manager: 12500; 0 = never). */
  terminatedPodThreshold?: number;
  log?: (msg: string) => void;
}

export class PodGCController {
  readonly name = 'pod-garbage-collector';
  private readonly nodes: Informer;
  private readonly pods: Informer;
  private readonly log: (msg: string) => void;
  /** The options, with kube-controller-manager's defaults where unset. */
  private readonly cfg: Required<Omit<PodGCOptions, 'log'>>;
  /** Node names pods point at that the cache lacks, with when that was first seen. */
  private readonly missingSince = new Map<string, number>();
  private stopPasses?: () => Promise<void>;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: PodGCOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.cfg = {
      gcCheckPeriodMs: opts.gcCheckPeriodMs ?? 20_000,
      quarantineMs: opts.quarantineMs ?? 40_000,
      terminatedPodThreshold: opts.terminatedPodThreshold ?? 12_500,
    };
    this.nodes = factory.informerFor(NODES);
    this.pods = factory.informerFor(PODS);
  }

  start(): void {
    this.stopPasses = until(
      () => this.gc(),
      this.cfg.gcCheckPeriodMs,
      (e) => this.log(`${this.name}: ${errorMessage(e)}`),
    );
  }

  async stop(): Promise<void> {
    await this.stopPasses?.();
  }

  /** One pass; exported for tests that do not want to wait for the period. */
  async gc(): Promise<void> {
    if (!this.nodes.hasSynced() || !this.pods.hasSynced()) return;
    const pods = this.pods.list();
    const nodes = this.nodes.list();
    if (this.cfg.terminatedPodThreshold > 0) await this.gcTerminated(pods);
    await this.gcTerminating(pods);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: KObject[]): Promise<void> {
    const terminated = pods.filter((p) => {
      const ph = podPhase(p);
      return ph !== '' && ph !== 'Pending' && ph !== 'Running' && ph !== 'Unknown';
    });
    const n = terminated.length - this.cfg.terminatedPodThreshold;
    if (n <= 0) return;
    terminated.sort(byEvictionAndCreation);
    await parallelize(terminated.slice(0, n), 16, (p) => this.markFailedAndDelete(p));
  }

  private async gcTerminating(pods: KObject[]): Promise<void> {
    const victims = pods.filter((p) => {
      if (!p.metadata.deletionTimestamp) return false;
      const node = this.nodes.get(podNodeName(p));
      return !!node && !isNodeReady(node) && nodeTaints(node).some((t) => t.key === TAINT_NODE_OUT_OF_SERVICE);
    });
    victims.sort(byEvictionAndCreation);
    await parallelize(victims, 16, (p) => this.markFailedAndDelete(p));
  }

  private async gcOrphaned(pods: KObject[], nodes: KObject[]): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata.name!));
    const now = Date.now();
    const referenced = new Set<string>();
    for (const p of pods) {
      const n = podNodeName(p);
      if (!n || existing.has(n)) continue;
      referenced.add(n);
      if (!this.missingSince.has(n)) this.missingSince.set(n, now);
    }
    const deleted = new Set<string>();
    for (const [name, since] of [...this.missingSince]) {
      if (existing.has(name) || !referenced.has(name)) {
        this.missingSince.delete(name);
        continue;
      }
      if (now - since < this.cfg.quarantineMs) continue;
      // The cache may lag: only the server's word that the node is gone counts.
      try {
        await this.client.get({ ...NODES, name });
        this.missingSince.delete(name);
      } catch (e) {
        if (isNotFound(e)) {
          deleted.add(name);
          this.missingSince.delete(name);
        } else this.log(`${this.name}: getting node ${name}: ${errorMessage(e)}`);
      }
    }
    if (deleted.size === 0) return;
    const orphans = pods.filter((p) => deleted.has(podNodeName(p)));
    await parallelize(orphans, 16, async (p) => {
      this.log(
        `${this.name}: found orphaned pod ${p.metadata.namespace}/${p.metadata.name} assigned to the node ${podNodeName(p)}, deleting`,
      );
      await this.markFailedAndDelete(p, {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByPodGC',
        message: 'PodGC: node no longer exists',
      });
    });
  }

  private async gcUnscheduledTerminating(pods: KObject[]): Promise<void> {
    const victims = pods.filter((p) => p.metadata.deletionTimestamp && !podNodeName(p));
    await parallelize(victims, 16, (p) => this.markFailedAndDelete(p));
  }

  private async markFailedAndDelete(pod: KObject, condition?: Condition): Promise<void> {
    const ref = { ...PODS, namespace: pod.metadata.namespace, name: pod.metadata.name! };
    try {
      const phase = podPhase(pod);
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        const status: Record<string, unknown> = { phase: 'Failed' };
        if (condition) {
          const conditions = (pod.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
          const next = withPodCondition(conditions, condition, nowRFC3339());
          if (next) status.conditions = next;
        }
        await this.client.patch({ ...ref, subresource: 'status' }, { metadata: { uid: pod.metadata.uid }, status }, 'merge');
      }
      await this.client.delete(ref, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (isNotFound(e)) return;
      this.log(`${this.name}: deleting pod ${ref.namespace}/${ref.name}: ${errorMessage(e)}`);
    }
  }
}

/** Evicted pods first, then the oldest, then by name. */
function byEvictionAndCreation(a: KObject, b: KObject): number {
  const ev = (p: KObject) => podPhase(p) === 'Failed' && (p.status as { reason?: string } | undefined)?.reason === 'Evicted';
  if (ev(a) !== ev(b)) return ev(a) ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? '',
    tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}
