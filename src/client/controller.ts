// The shape every controller shares, as client-go controllers are built: informers feed keys
// into a rate-limited work queue; workers reconcile one key at a time, level-triggered, and
// requeue with back-off on error.

import { errorMessage } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { EventRecorder } from './events.js';
import { objectKey } from './informer.js';
import type { RestClient } from './rest.js';
import { WorkQueue } from './workqueue.js';

export interface Reconciler {
  readonly name: string;
  /** Makes one step of progress for key; throws to be retried with back-off. May return a delay to look again. */
  reconcile(key: string): Promise<number | void>;
}

export class ControllerLoop {
  readonly queue: WorkQueue<string>;
  private running: Promise<void>[] = [];

  constructor(
    private readonly r: Reconciler,
    private readonly workers = 1,
    private readonly log: (msg: string) => void = () => {},
  ) {
    this.queue = new WorkQueue<string>({ name: r.name });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    for (let i = 0; i < this.workers; i++) this.running.push(this.worker());
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const again = await this.r.reconcile(key);
        this.queue.forget(key);
        if (typeof again === 'number' && again >= 0) this.queue.addAfter(key, again);
      } catch (e) {
        this.log(`${this.r.name}: ${key}: ${errorMessage(e)}`);
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.running);
    this.running = [];
  }
}

export interface ControllerOptions {
  log?: (m: string) => void;
  /** Workers reconciling keys at once (default 5, as kube-controller-manager's --concurrent-*-syncs). */
  workers?: number;
  /** The clock (ms since the epoch), as a controller takes a clock.Clock: tests that move time pass their own. */
  now?: () => number;
}

/**
 * What every controller shares, as each of kube-controller-manager's Run starts its workers on
 * its queue: the loop (named as the controller, so its queue's metrics are), start and stop.
 * Subclasses set up their informers and reconcile keys.
 */
export abstract class QueueController implements Reconciler {
  readonly loop: ControllerLoop;
  /** The controller's further queues (addLoop), started and stopped with loop. */
  private readonly otherLoops: ControllerLoop[] = [];

  constructor(
    readonly name: string,
    workers: number,
    private readonly loopLog?: (msg: string) => void,
  ) {
    this.loop = new ControllerLoop(this, workers, loopLog);
  }

  abstract reconcile(key: string): Promise<number | void>;

  /**
   * A further queue with a name and workers of its own, started and stopped with the controller's
   * loop, as a controller's Run starts the workers of each of its queues (the job controller's
   * orphan pods, the disruption controller's stale pod disruptions).
   */
  protected addLoop(name: string, reconcile: (key: string) => Promise<number | void>, workers = 1): ControllerLoop {
    const loop = new ControllerLoop({ name, reconcile }, workers, this.loopLog);
    this.otherLoops.push(loop);
    return loop;
  }

  start(): void {
    this.loop.start();
    for (const loop of this.otherLoops) loop.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.loop.stop(), ...this.otherLoops.map((loop) => loop.stop())]);
  }
}

/**
 * What a controller that records events adds: its event recorder (reporting as its component)
 * and its log; the workers default to 5.
 */
export abstract class Controller extends QueueController {
  protected readonly recorder: EventRecorder;
  protected readonly log: (msg: string) => void;
  protected readonly now: () => number;

  constructor(name: string, client: RestClient, component: string, opts: ControllerOptions = {}) {
    const log = opts.log ?? (() => {});
    super(name, opts.workers ?? 5, log);
    this.log = log;
    this.now = opts.now ?? Date.now;
    this.recorder = new EventRecorder(client, {
      component,
      onError: (e) => this.log(`${name} events: ${errorMessage(e)}`),
    });
  }

  /** Queues obj's key now, or after afterMs (a look again at a known time, a batch of events). */
  protected enqueue(obj: KObject, afterMs = 0): void {
    if (afterMs > 0) this.loop.queue.addAfter(objectKey(obj), afterMs);
    else this.loop.enqueue(objectKey(obj));
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.recorder.stop();
  }
}
