// When watch events reach the watchers' connections. kube-apiserver's watch handler
// (k8s.io/apiserver/pkg/endpoints/handlers/watch.go) writes each event into a buffered writer
// and flushes only when no other event waits in the watcher's channel, and the cacher hands
// events to watchers apart from the write that made them. Here, in one thread: a watch with
// events waiting is queued, and the queue is drained a slice of time at a time, yielding to the
// event loop between slices. A write that reaches a thousand watchers is acknowledged without
// waiting for a thousand socket writes (each a system call that wakes a reader: ~0.1 ms on a
// loaded machine), and events that arrive while a watcher waits its turn leave in the same
// write as those before them. Order within a watch is unchanged; every watch is flushed in
// the order its first waiting event arrived.

/** How long one turn of the event loop may spend writing to watchers. */
const SLICE_MS = 1;
/**
 * After a slice that used its whole time, while requests are coming in, the next slice
 * waits this long: requests (the writes themselves) keep most of the thread however many
 * watchers there are, and watchers still waiting collect more events for their one write.
 * When requests have stopped coming the next slice follows at once.
 */
const BUSY_GAP_MS = 8;
/**
 * Requests are "coming in" while one is in hand or one ended less than this long ago. A
 * client writing one object after another has no request in hand between its answer and its
 * next request (a round trip): were the queue drained at full speed in that gap, a thousand
 * watchers' socket writes (one event each) would take the thread from the next request, and
 * the writer would go at the pace of the fan-out with no event ever coalesced.
 */
const BUSY_WINDOW_MS = 20;

export class WatchFlushQueue {
  private queue: (() => void)[] = [];
  private head = 0;
  private scheduled = false;
  private requests = 0;
  private lastRequestEnd = Number.NEGATIVE_INFINITY;

  /** A request is being handled until the returned function is called. */
  requestStarted(): () => void {
    this.requests++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.requests--;
      this.lastRequestEnd = performance.now();
    };
  }

  /** Whether requests are coming in (see BUSY_WINDOW_MS). */
  private busy(now: number): boolean {
    return this.requests > 0 || now - this.lastRequestEnd < BUSY_WINDOW_MS;
  }

  /** flush is called once, in a later turn of the event loop; it writes what the watch has waiting. */
  add(flush: () => void): void {
    this.queue.push(flush);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  /** Watches waiting for their turn (for tests and metrics). */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private readonly drain = (): void => {
    const deadline = performance.now() + SLICE_MS;
    let n = 0;
    while (this.head < this.queue.length) {
      const flush = this.queue[this.head];
      this.queue[this.head++] = noop;
      try {
        flush();
      } catch (e) {
        // A watch's flush has its own error boundary; this one only keeps the others going.
        console.error(`k8ts apiserver: flushing a watch: ${(e as Error)?.stack ?? String(e)}`);
      }
      if ((++n & 7) === 0 && performance.now() >= deadline) break;
    }
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.scheduled = false;
      return;
    }
    if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.busy(performance.now())) setTimeout(this.drain, BUSY_GAP_MS);
    else setImmediate(this.drain);
  };
}

function noop(): void {
  /* a flushed slot */
}

/** The process's one queue: every API server in it shares the event loop it paces. */
export const watchFlushes = new WatchFlushQueue();
