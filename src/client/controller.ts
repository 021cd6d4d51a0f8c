// The shape every controller shares, as client-go controllers are built: informers feed keys
// into a rate-limited work queue; workers reconcile one key at a time, level-triggered, and
// requeue with back-off on error.

import { WorkQueue } from './workqueue.js';

export interface Reconciler {
  readonly name: string;
  /** Makes one step of progress for key; throws to be retried with back-off. May return a delay to look again. */
  reconcile(key: string): Promise<number | void>;
}

export class ControllerLoop {
  readonly queue: WorkQueue<string>;
  private running: Promise<void>[] = [];

  constructor(private readonly r: Reconciler, private readonly workers = 1, private readonly log: (msg: string) => void = () => {}) {
    this.queue = new WorkQueue<string>({ name: r.name });
  }

  enqueue(key: string): void { this.queue.add(key); }

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
        this.log(`${this.r.name}: ${key}: ${(e as Error)?.message ?? String(e)}`);
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
