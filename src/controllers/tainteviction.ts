// The taint eviction controller (pkg/controller/tainteviction, a separate controller since v1.29):
// a pod on a node with a NoExecute taint it does not tolerate is deleted at once; one that
// tolerates it for tolerationSeconds is deleted when that runs out, unless the taint goes first.
// Every pod gets tolerations for the not-ready and unreachable taints (300 s, from the API
// server's DefaultTolerationSeconds admission), which is how pods leave a dead node.

import { type Condition, podNodeName, withPodCondition } from '../api/conditions.js';
import { errorMessage } from '../api/errors.js';
import { type KObject, nowRFC3339, sameJSON } from '../api/object.js';
import { matchingTolerations, minTolerationMs, noExecuteTaints, podTolerations } from '../api/taints.js';
import { NODES, PODS } from '../api/types.js';
import { ControllerLoop } from '../client/controller.js';
import { EventRecorder } from '../client/events.js';
import { Limiter } from '../client/flowcontrol.js';
import { type Informer, POD_NODE_NAME_INDEX, podNodeNameIndexFunc, type SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';

export interface TaintEvictionOptions {
  /** Pod deletions in flight at once (default 16). */
  concurrency?: number;
  log?: (msg: string) => void;
}

interface ScheduledEviction {
  createdAt: number;
  fireAt: number;
  timer: NodeJS.Timeout;
}

const RETRIES = 5;

export class TaintEvictionController {
  readonly name = 'taint-eviction-controller';
  private readonly nodes: Informer;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  private readonly loop: ControllerLoop;
  private readonly limiter: Limiter;
  private readonly log: (msg: string) => void;
  /** Pod key -> its pending deletion (the TimedWorkerQueue). */
  private readonly scheduled = new Map<string, ScheduledEviction>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: TaintEvictionOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.limiter = new Limiter(opts.concurrency ?? 16);
    this.recorder = new EventRecorder(client, {
      component: this.name,
      onError: (e) => this.log(`${this.name} events: ${errorMessage(e)}`),
    });
    this.nodes = factory.informerFor(NODES);
    this.pods = factory.informerFor({ ...PODS, indexers: { [POD_NODE_NAME_INDEX]: podNodeNameIndexFunc } });
    this.loop = new ControllerLoop({ name: 'noexec_taint', reconcile: (key) => this.reconcile(key) }, 8, this.log);

    this.nodes.addEventHandler({
      onAdd: (n) => this.loop.enqueue(`node:${n.metadata.name}`),
      onUpdate: (o, n) => {
        if (!sameJSON(noExecuteTaints(o), noExecuteTaints(n))) this.loop.enqueue(`node:${n.metadata.name}`);
      },
      onDelete: (n) => this.loop.enqueue(`node:${n.metadata.name}`),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.loop.enqueue(`pod:${p.metadata.namespace}/${p.metadata.name}`),
      onUpdate: (o, p) => {
        if (podNodeName(o) === podNodeName(p) && sameJSON(podTolerations(o), podTolerations(p))) return;
        this.loop.enqueue(`pod:${p.metadata.namespace}/${p.metadata.name}`);
      },
      onDelete: (p) => this.cancel(`${p.metadata.namespace}/${p.metadata.name}`, false),
    });
  }

  start(): void {
    this.stopped = false;
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.scheduled.values()) clearTimeout(s.timer);
    this.scheduled.clear();
    await this.loop.stop();
    await Promise.all([...this.inFlight]);
    await this.recorder.stop();
  }

  /** Pods with an eviction pending, for tests and status. */
  get pendingEvictions(): string[] {
    return [...this.scheduled.keys()];
  }

  private async reconcile(key: string): Promise<void> {
    const now = Date.now();
    if (key.startsWith('node:')) {
      const name = key.slice(5);
      const node = this.nodes.get(name);
      const pods = this.pods.byIndex(POD_NODE_NAME_INDEX, name);
      const taints = node ? noExecuteTaints(node) : [];
      if (taints.length === 0) {
        // Taints gone (or the node): every pending eviction there is cancelled.
        for (const p of pods) this.cancel(`${p.metadata.namespace}/${p.metadata.name}`, true);
        return;
      }
      for (const p of pods) this.processPodOnNode(p, taints, now);
      return;
    }
    const podKey = key.slice(4);
    const pod = this.pods.get(podKey);
    if (!pod) {
      this.cancel(podKey, true);
      return;
    }
    const nodeName = podNodeName(pod);
    if (!nodeName) return;
    const node = this.nodes.get(nodeName);
    if (!node) return;
    const taints = noExecuteTaints(node);
    if (taints.length === 0) return;
    this.processPodOnNode(pod, taints, now);
  }

  private processPodOnNode(pod: KObject, taints: ReturnType<typeof noExecuteTaints>, now: number): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    // A pod already on its way out needs no second deletion (nor a second event).
    if (pod.metadata.deletionTimestamp) {
      this.cancel(key, false);
      return;
    }
    const { allTolerated, used } = matchingTolerations(taints, podTolerations(pod));
    if (!allTolerated) {
      this.cancel(key, true);
      this.schedule(key, pod.metadata.uid, now, now);
      return;
    }
    const min = minTolerationMs(used);
    if (min < 0) {
      this.cancel(key, true);
      return;
    }
    let createdAt = now;
    const existing = this.scheduled.get(key);
    if (existing) {
      createdAt = existing.createdAt;
      // As Kubernetes: a schedule made earlier stands (createdAt + min < now + min).
      if (createdAt < now) return;
      this.cancel(key, true);
    }
    this.schedule(key, pod.metadata.uid, createdAt, createdAt + min);
  }

  private schedule(key: string, uid: string | undefined, createdAt: number, fireAt: number): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.scheduled.delete(key);
        const p = this.limiter
          .run(() => this.deletePod(key, uid))
          .catch((e) => this.log(`${this.name}: deleting pod ${key}: ${errorMessage(e)}`));
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      },
      Math.max(0, fireAt - Date.now()),
    );
    this.scheduled.set(key, { createdAt, fireAt, timer });
  }

  private cancel(key: string, withEvent: boolean): void {
    const s = this.scheduled.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    this.scheduled.delete(key);
    if (withEvent) this.podEvent(key, 'Cancelling deletion of Pod');
  }

  private podEvent(key: string, verb: string): void {
    const i = key.indexOf('/');
    this.recorder.event(
      { apiVersion: 'v1', kind: 'Pod', namespace: key.slice(0, i), name: key.slice(i + 1) },
      'Normal',
      'TaintManagerEviction',
      `${verb} ${key}`,
    );
  }

  /** addConditionAndDeletePod: a DisruptionTarget condition says why, then the (graceful) delete. */
  private async deletePod(key: string, uid: string | undefined): Promise<void> {
    if (this.stopped) return;
    this.log(`${this.name}: deleting pod ${key}`);
    this.podEvent(key, 'Marking for deletion Pod');
    const i = key.indexOf('/');
    const ref = { ...PODS, namespace: key.slice(0, i), name: key.slice(i + 1) };
    let last: unknown;
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      try {
        const pod = await this.client.get(ref);
        if (uid && pod.metadata.uid !== uid) return;
        const conditions = (pod.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
        const next = withPodCondition(
          conditions,
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'DeletionByTaintManager',
            message: 'Taint manager: deleting due to NoExecute taint',
          },
          nowRFC3339(),
        );
        if (next) {
          await this.client.patch(
            { ...ref, subresource: 'status' },
            { metadata: { uid: pod.metadata.uid }, status: { conditions: next } },
            'merge',
          );
        }
        await this.client.delete(ref, { preconditions: { uid: pod.metadata.uid } });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        last = e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    throw last;
  }
}
