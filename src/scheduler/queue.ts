// The scheduling queue, as kube-scheduler's PriorityQueue: activeQ (highest priority first, then
// first come), backoffQ (pods that failed wait 1 s, doubling per attempt up to 10 s) and
// unschedulablePods (parked until a cluster event that may help them, or 5 minutes). A pod
// being scheduled is "in flight"; if an event that may help arrives meanwhile, a failure sends
// it to backoff rather than parking it (the moveRequestCycle rule).

import type { Pod } from '../api/types.js';
import { podKey } from './cache.js';
import { KeyedHeap } from './heap.js';

export interface QueuedPodInfo {
  pod: Pod;
  key: string;
  /** When it last entered the queue: FIFO order within a priority, and the start of its back-off. */
  timestamp: number;
  initialAttemptTimestamp?: number;
  attempts: number;
  /** Plugins that rejected it last time: which cluster events may make it schedulable. */
  unschedulablePlugins: Set<string>;
  seq: number;
}

/** A change in the cluster; plugins: the rejections it may resolve (undefined: any). */
export interface ClusterEvent {
  label: string;
  plugins?: ReadonlySet<string>;
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Parked pods go back to the queue after this long regardless (podMaxInUnschedulablePodsDuration). */
  maxInUnschedulableMs?: number;
  /** How often parked pods are checked against maxInUnschedulableMs. */
  unschedulableFlushIntervalMs?: number;
  now?: () => number;
}

export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'gated';

function priorityOf(p: Pod): number {
  return p.spec?.priority ?? 0;
}

function gated(p: Pod): boolean {
  return (p.spec?.schedulingGates ?? []).length > 0;
}

/** Changes that might make a parked pod schedulable (isPodUpdated: anything but status and bookkeeping). */
function podUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod) =>
    JSON.stringify({
      ...p,
      status: undefined,
      metadata: { ...p.metadata, resourceVersion: undefined, generation: undefined, managedFields: undefined },
    });
  return strip(oldPod) !== strip(newPod);
}

export class SchedulingQueue {
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly active = new KeyedHeap<QueuedPodInfo>(
    (q) => q.key,
    (a, b) => {
      const pa = priorityOf(a.pod),
        pb = priorityOf(b.pod);
      if (pa !== pb) return pa > pb;
      if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
      return a.seq < b.seq;
    },
  );
  private readonly backoff = new KeyedHeap<QueuedPodInfo>(
    (q) => q.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly gatedPods = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private seq = 0;
  private backoffTimer?: NodeJS.Timeout;
  private backoffTimerAt = Infinity;
  private flushTimer?: NodeJS.Timeout;
  /** Incremented per pop; a failure in a cycle older than the last move request is retried. */
  schedulingCycle = 0;
  private moveRequestCycle = -1;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
    const every = opts.unschedulableFlushIntervalMs ?? 30_000;
    this.flushTimer = setInterval(() => this.flushUnschedulablePodsLeftover(), every);
    this.flushTimer.unref();
  }

  /** Where the pod is waiting, or 'inFlight' / undefined. */
  whereIs(key: string): QueueName | 'inFlight' | undefined {
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.gatedPods.has(key)) return 'gated';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  get pendingCount(): { active: number; backoff: number; unschedulable: number; gated: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, gated: this.gatedPods.size };
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.closed || this.whereIs(key)) return;
    const q: QueuedPodInfo = { pod, key, timestamp: this.now(), attempts: 0, unschedulablePlugins: new Set(), seq: this.seq++ };
    if (gated(pod)) this.gatedPods.set(key, q);
    else this.pushActive(q);
  }

  update(oldPod: Pod | undefined, newPod: Pod): void {
    const key = podKey(newPod);
    if (this.closed) return;
    const inFlight = this.inFlight.get(key);
    if (inFlight) {
      inFlight.pod = newPod;
      // The attempt under way saw the old pod: should it fail, it is retried, not parked.
      if (!oldPod || podUpdated(oldPod, newPod)) this.moveRequestCycle = this.schedulingCycle;
      return;
    }
    const g = this.gatedPods.get(key);
    if (g) {
      g.pod = newPod;
      if (!gated(newPod)) {
        this.gatedPods.delete(key);
        this.pushActive(g);
      }
      return;
    }
    const a = this.active.get(key);
    if (a) {
      a.pod = newPod;
      this.active.push(a);
      return;
    }
    const b = this.backoff.get(key);
    if (b) {
      b.pod = newPod;
      this.backoff.push(b);
      return;
    }
    const u = this.unschedulable.get(key);
    if (u) {
      u.pod = newPod;
      if (!oldPod || podUpdated(oldPod, newPod)) {
        this.unschedulable.delete(key);
        this.requeueAfterBackoff(u);
      }
      return;
    }
    this.add(newPod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.active.remove(key);
    this.backoff.remove(key);
    this.unschedulable.delete(key);
    this.gatedPods.delete(key);
    this.scheduleBackoffFlush();
  }

  /** The next pod to schedule; waits while activeQ is empty; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const q = this.active.pop();
    if (q) return Promise.resolve(this.startAttempt(q));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends the attempt that pop() started (after binding, or after the pod was requeued). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * After a failed attempt: park the pod in unschedulablePods, unless a move request came after
   * its attempt began (or nothing specific rejected it), in which case it retries after back-off.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo, podSchedulingCycle: number): void {
    this.inFlight.delete(q.key);
    if (this.closed || this.whereIs(q.key)) return;
    q.timestamp = this.now();
    if (this.moveRequestCycle >= podSchedulingCycle || q.unschedulablePlugins.size === 0) this.requeueAfterBackoff(q);
    else this.unschedulable.set(q.key, q);
  }

  /** A cluster event: parked pods it may help go to backoffQ (still backing off) or activeQ. */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent): void {
    for (const [key, q] of this.unschedulable) {
      if (event.plugins && q.unschedulablePlugins.size > 0 && ![...q.unschedulablePlugins].some((p) => event.plugins!.has(p))) continue;
      this.unschedulable.delete(key);
      this.requeueAfterBackoff(q);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** Parked pods older than maxInUnschedulableMs go back to the queue. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.now();
    for (const [key, q] of this.unschedulable) {
      if (now - q.timestamp <= this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.requeueAfterBackoff(q);
    }
  }

  /** Pods whose back-off has ended move to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.now();
    for (;;) {
      const head = this.backoff.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.backoff.pop();
      this.pushActive(head);
    }
    this.scheduleBackoffFlush();
  }

  /** 1 s doubling per attempt, at most 10 s (calculateBackoffDuration). */
  backoffDuration(q: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      if (d > this.maxBackoffMs - d) return this.maxBackoffMs;
      d += d;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  close(): void {
    this.closed = true;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private startAttempt(q: QueuedPodInfo): QueuedPodInfo {
    this.schedulingCycle++;
    q.attempts++;
    q.initialAttemptTimestamp ??= this.now();
    this.inFlight.set(q.key, q);
    return q;
  }

  private pushActive(q: QueuedPodInfo): void {
    const w = this.waiters.shift();
    if (w) w(this.startAttempt(q));
    else this.active.push(q);
  }

  private requeueAfterBackoff(q: QueuedPodInfo): void {
    if (q.attempts > 0 && this.backoffExpiry(q) > this.now()) {
      this.backoff.push(q);
      this.scheduleBackoffFlush();
    } else {
      this.pushActive(q);
    }
  }

  /** A timer for the earliest back-off expiry (kube-scheduler polls each second; this is sooner). */
  private scheduleBackoffFlush(): void {
    const head = this.backoff.peek();
    if (!head || this.closed) {
      if (this.backoffTimer) clearTimeout(this.backoffTimer);
      this.backoffTimer = undefined;
      this.backoffTimerAt = Infinity;
      return;
    }
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && this.backoffTimerAt <= at) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = setTimeout(
      () => {
        this.backoffTimer = undefined;
        this.backoffTimerAt = Infinity;
        this.flushBackoffQCompleted();
      },
      Math.max(0, at - this.now()) + 1,
    );
  }
}
