// Watch fan-out shared by the in-process stores.
//
// Events are delivered synchronously after the write commits, before the write's promise
// settles: once any later store call resolves, every event at or below the revision it saw
// has reached every watcher. The watch cache relies on that to treat the store's current
// revision as a progress notification. A callback that writes to the store (re-entrancy)
// only enqueues; the outermost delivery loop drains the one FIFO queue, so each watcher
// still sees its events strictly in revision order.

import type { ErrorHandler, EventHandler, WatchEvent, Watcher } from './types.js';

interface Subscription {
  prefix: string;
  /** Live events at or below this revision were already covered by the replay. */
  after: number;
  onEvent: EventHandler;
  onError?: ErrorHandler;
  active: boolean;
}

export class WatchHub {
  private subs = new Set<Subscription>();
  private queue: Array<[Subscription, WatchEvent]> = [];
  private head = 0;
  private draining = false;

  get size(): number {
    return this.subs.size;
  }

  /**
   * Registers a watcher and queues its replay ahead of any live event. The caller must
   * compute replay and call this in the same synchronous step as it reads the store's
   * revision, so that no write falls between them.
   */
  add(prefix: string, after: number, replay: WatchEvent[], onEvent: EventHandler, onError?: ErrorHandler): Watcher {
    const sub: Subscription = { prefix, after, onEvent, onError, active: true };
    this.subs.add(sub);
    for (const ev of replay) this.queue.push([sub, ev]);
    this.drain();
    return { cancel: () => this.end(sub) };
  }

  /** Delivers an event of a committed write to every matching watcher. */
  publish(ev: WatchEvent): void {
    if (this.subs.size === 0) return;
    const key = ev.kv.key;
    const rev = ev.kv.modRevision;
    for (const sub of this.subs) {
      if (rev > sub.after && key.startsWith(sub.prefix)) this.queue.push([sub, ev]);
    }
    this.drain();
  }

  /** Ends every watch with err (the store is closing). */
  closeAll(err: Error): void {
    for (const sub of [...this.subs]) this.end(sub, err);
  }

  private end(sub: Subscription, err?: Error): void {
    if (!sub.active) return;
    sub.active = false;
    this.subs.delete(sub);
    if (err) {
      if (sub.onError) {
        try {
          sub.onError(err);
        } catch (e) {
          console.error('store watch: onError threw', e);
        }
      } else {
        console.error('store watch ended:', err);
      }
    }
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.head < this.queue.length) {
        const [sub, ev] = this.queue[this.head];
        this.queue[this.head++] = undefined as unknown as [Subscription, WatchEvent];
        if (!sub.active) continue;
        try {
          sub.onEvent(ev);
        } catch (e) {
          // A consumer that cannot take an event has lost its place in the stream: end its
          // watch (it re-lists), and keep the others going.
          this.end(sub, e instanceof Error ? e : new Error(String(e)));
        }
      }
    } finally {
      this.queue = [];
      this.head = 0;
      this.draining = false;
    }
  }
}
