// The work queue of client-go's controllers: an item is queued at most once however often it
// is added, is never handed to two workers at once (added while processing, it comes back after
// done()), and can be re-added after a delay or with per-item back-off.

import { TokenBucket } from './flowcontrol.js';

/** Decides how long an item waits before its next retry. */
export interface RateLimiter<T> {
  when(item: T): number;
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** base * 2^failures ms, capped: 5 ms, 10 ms, 20 ms, ... up to 1000 s by default. */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private failures = new Map<T, number>();
  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 1_000_000,
  ) {}

  when(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity well before it matters; the cap handles that too.
    return Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs);
  }
  forget(item: T): void {
    this.failures.delete(item);
  }
  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** An overall token bucket (qps, burst): each call reserves a token and waits until it is due. */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private readonly bucket: TokenBucket;
  constructor(qps = 10, burst = 100, now: () => number = Date.now) {
    this.bucket = new TokenBucket(qps, burst, now);
  }

  when(): number {
    return this.bucket.reserve();
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
}

/** The longest delay any of the limiters asks for. */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];
  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }
  when(item: T): number {
    let d = 0;
    for (const l of this.limiters) d = Math.max(d, l.when(item));
    return d;
  }
  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }
  numRequeues(item: T): number {
    let n = 0;
    for (const l of this.limiters) n = Math.max(n, l.numRequeues(item));
    return n;
  }
}

/** client-go's DefaultControllerRateLimiter: per-item 5 ms..1000 s back-off, overall 10 qps / burst 100. */
export function defaultControllerRateLimiter<T>(): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ItemExponentialFailureRateLimiter<T>(5, 1_000_000), new BucketRateLimiter<T>(10, 100));
}

/** What a queue reports, as client-go's workqueue.MetricsProvider (depth, adds, latency, work duration, retries). */
export interface QueueMetrics {
  add(): void;
  /** An item entered (+1) or left (-1) the queue. */
  depth(delta: number): void;
  /** Seconds an item waited in the queue before a worker took it. */
  latency(seconds: number): void;
  /** Seconds a worker spent on an item. */
  workDuration(seconds: number): void;
  retry(): void;
}

export type QueueMetricsProvider = (name: string) => QueueMetrics;

const noMetrics: QueueMetrics = { add() {}, depth() {}, latency() {}, workDuration() {}, retry() {} };
let metricsProvider: QueueMetricsProvider | undefined;

/** workqueue.SetProvider: queues made from now on (with a name) report through it; kube-controller-manager sets one. */
export function setQueueMetricsProvider(p: QueueMetricsProvider | undefined): void {
  metricsProvider = p;
}

export interface WorkQueueOptions<T> {
  name?: string;
  rateLimiter?: RateLimiter<T>;
}

/** A de-duplicating, delaying, rate-limited queue (client-go's TypedRateLimitingInterface). */
export class WorkQueue<T = string> {
  readonly name: string;
  private readonly queue: T[] = [];
  /** Items that need processing: queued, or added again while being processed. */
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  /** Workers blocked in get(). */
  private readonly waiters: ((item: T | undefined) => void)[] = [];
  /** Items waiting out a delay, with the time they become ready (the earliest request wins). */
  private readonly waiting = new Map<T, { readyAt: number; timer: NodeJS.Timeout }>();
  private readonly rateLimiter: RateLimiter<T>;
  private shuttingDown = false;
  private drainWaiters: (() => void)[] = [];

  private readonly metrics: QueueMetrics;
  /** When each queued item was added, and when each item being processed was taken (for the metrics). */
  private readonly addedAt = new Map<T, number>();
  private readonly startedAt = new Map<T, number>();

  constructor(opts: WorkQueueOptions<T> = {}) {
    this.name = opts.name ?? '';
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>();
    this.metrics = this.name && metricsProvider ? metricsProvider(this.name) : noMetrics;
  }

  private taken(item: T): void {
    if (this.metrics === noMetrics) return;
    const now = performance.now();
    const added = this.addedAt.get(item);
    this.addedAt.delete(item);
    this.metrics.latency(added === undefined ? 0 : (now - added) / 1000);
    this.startedAt.set(item, now);
  }

  /** Items queued and not yet handed out (neither processing nor delayed ones count). */
  get length(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(item: T): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    this.metrics.add();
    if (this.metrics !== noMetrics) this.addedAt.set(item, performance.now());
    if (this.processing.has(item)) return;
    const w = this.waiters.shift();
    if (w) {
      // Hand it straight to a blocked worker: it is now processing, no longer dirty.
      this.dirty.delete(item);
      this.processing.add(item);
      this.taken(item);
      w(item);
    } else {
      this.queue.push(item);
      this.metrics.depth(1);
    }
  }

  /**
   * The next item, marked processing until done(item). Undefined once the queue is shut down
   * and empty (items queued before the shutdown are still handed out).
   */
  get(): Promise<T | undefined> {
    if (this.queue.length > 0) {
      const item = this.queue.shift() as T;
      this.dirty.delete(item);
      this.processing.add(item);
      this.metrics.depth(-1);
      this.taken(item);
      return Promise.resolve(item);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of item; if it was added meanwhile, it is queued again now. */
  done(item: T): void {
    this.processing.delete(item);
    const started = this.startedAt.get(item);
    if (started !== undefined) {
      this.startedAt.delete(item);
      this.metrics.workDuration((performance.now() - started) / 1000);
    }
    if (this.dirty.has(item)) {
      this.dirty.delete(item);
      this.add(item);
    }
    if (this.processing.size === 0) for (const d of this.drainWaiters.splice(0)) d();
  }

  /** Adds item after delayMs; of several pending delays for one item the earliest wins. */
  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const readyAt = Date.now() + delayMs;
    const pending = this.waiting.get(item);
    if (pending) {
      if (pending.readyAt <= readyAt) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, delayMs);
    this.waiting.set(item, { readyAt, timer });
  }

  /** Re-adds item after the rate limiter's delay for it (its back-off grows with each call). */
  addRateLimited(item: T): void {
    this.metrics.retry();
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Clears item's back-off: call when it was processed successfully. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** Stops accepting items; blocked get() calls answer undefined; delayed items are dropped. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** shutdown(), then resolves when no item is being processed any more. */
  shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}
