// An EventRecorder as client-go's record package: core/v1 Events about an object, written in the
// background so a controller never waits on them. Each event first goes through the
// EventCorrelator (./eventcorrelator.ts): a repeat of the same event (same object, type, reason,
// message, source) bumps count and lastTimestamp of the existing Event instead of creating
// another one, many similar events about one object are combined into one, and what one source
// says about one object is rate-limited, as client-go does.

import { type KObject, nowRFC3339 } from '../api/object.js';
import { EVENTS, type ObjectReference } from '../api/types.js';
import { type CorrelateResult, EventCorrelator } from './eventcorrelator.js';
import { ApiError, isAlreadyExists, isNotFound, type RestClient } from './rest.js';

export type EventType = 'Normal' | 'Warning';

export type { ObjectReference };

export interface EventSource {
  component?: string;
  host?: string;
}

export interface CoreEvent extends KObject {
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: EventType;
  source: EventSource;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  eventTime: null;
  reportingComponent: string;
  reportingInstance: string;
}

export interface EventRecorderOptions {
  /** source.component: "deployment-controller", "default-scheduler", "kubelet". */
  component: string;
  /** source.host: the node, for node agents. */
  host?: string;
  /** Writes tried per event before it is dropped (default 3). */
  maxAttempts?: number;
  /** First delay between attempts, ms (default 500, doubling). */
  retryDelayMs?: number;
  /**
   * Event writes in flight at once (default 1: client-go's record package writes from one sink
   * goroutine; kube-scheduler's events broadcaster starts a goroutine per event).
   */
  maxInFlight?: number;
  /** Milliseconds since the epoch, for timestamps and the correlator (tests move it). */
  clock?: () => number;
  onError?(err: unknown): void;
}

/** Recorded-but-unwritten events beyond this are dropped, as client-go's full broadcaster channel does. */
const MAX_PENDING = 1000;

export function referenceTo(obj: KObject | ObjectReference, fieldPath?: string): ObjectReference {
  const ref: ObjectReference =
    'metadata' in obj && obj.metadata && typeof obj.metadata === 'object'
      ? {
          kind: (obj as KObject).kind,
          apiVersion: (obj as KObject).apiVersion,
          namespace: (obj as KObject).metadata.namespace,
          name: (obj as KObject).metadata.name,
          uid: (obj as KObject).metadata.uid,
          resourceVersion: (obj as KObject).metadata.resourceVersion,
        }
      : { ...(obj as ObjectReference) };
  if (fieldPath) ref.fieldPath = fieldPath;
  for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === undefined || ref[k] === '') delete ref[k];
  return ref;
}

let lastNanos = 0n;
/** client-go names events "<object>.<UnixNano in hex>"; the guard keeps names unique within a process. */
function uniqueSuffix(): string {
  let n = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (n <= lastNanos) n = lastNanos + 1n;
  lastNanos = n;
  return n.toString(16);
}

export class EventRecorder {
  private readonly correlator: EventCorrelator;
  /** Writes waiting for a slot, oldest first. */
  private readonly queue: (() => Promise<void>)[] = [];
  /** The last write of each Event name: a repeat's patch waits for the write before it. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly idle: (() => void)[] = [];
  private inFlight = 0;
  private pending = 0;
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    private readonly opts: EventRecorderOptions,
  ) {
    this.correlator = new EventCorrelator({ clock: opts.clock, newName: (n) => `${n}.${uniqueSuffix()}` });
  }

  /** Records an event about obj (fire and forget; see flush()). */
  event(obj: KObject | ObjectReference, type: EventType, reason: string, message: string, fieldPath?: string): void {
    if (this.stopped) return;
    if (this.pending >= MAX_PENDING) {
      this.opts.onError?.(new Error(`event queue full, dropping event ${reason} for ${referenceTo(obj).name}`));
      return;
    }
    const involvedObject = referenceTo(obj, fieldPath);
    const at = nowRFC3339(new Date((this.opts.clock ?? Date.now)()));
    const source: EventSource = { component: this.opts.component };
    if (this.opts.host) source.host = this.opts.host;
    const recorded: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involvedObject.name ?? 'unknown'}.${uniqueSuffix()}`, namespace: involvedObject.namespace || 'default' },
      involvedObject,
      reason,
      message,
      type,
      source,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      eventTime: null,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    };
    // Decided now, in the order events are recorded (client-go correlates in its one sink goroutine).
    const result = this.correlator.correlate(recorded);
    if (result.skip) return;
    this.pending++;
    const name = result.event.metadata.name!;
    const before = this.tails.get(name);
    const mine: Promise<void> = new Promise<void>((resolve) => {
      const run = () =>
        this.write(result)
          .catch((e) => this.opts.onError?.(e))
          .finally(() => {
            this.pending--;
            if (this.tails.get(name) === mine) this.tails.delete(name);
            resolve();
          });
      // A repeat of an Event being written waits for that write: counts reach the server in order.
      if (before) void before.then(() => this.enqueue(run));
      else this.enqueue(run);
    });
    this.tails.set(name, mine);
  }

  /** Resolves when every event recorded so far has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.pending > 0) await new Promise<void>((r) => this.idle.push(r));
  }

  /** Drops events recorded from now on; resolves when those already recorded are written. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.flush();
  }

  private enqueue(run: () => Promise<void>): void {
    this.queue.push(run);
    this.pump();
  }

  private pump(): void {
    const max = this.opts.maxInFlight ?? 1;
    while (this.inFlight < max && this.queue.length) {
      const run = this.queue.shift()!;
      this.inFlight++;
      void run().finally(() => {
        this.inFlight--;
        this.pump();
        if (this.pending === 0) for (const r of this.idle.splice(0)) r();
      });
    }
  }

  /** recordEvent: the patch of an Event that exists, or a create (also when the patch finds it deleted). */
  private async write({ event, patch }: CorrelateResult): Promise<void> {
    const namespace = event.metadata.namespace!;
    if (patch) {
      try {
        const patched = await this.withRetries(() =>
          this.client.patch<CoreEvent>({ ...EVENTS, namespace, name: event.metadata.name! }, patch, 'strategic'),
        );
        this.correlator.updateState(patched);
        return;
      } catch (e) {
        // The event was deleted (say, by its TTL): create it afresh below.
        if (!isNotFound(e)) throw e;
      }
    }
    try {
      const created = await this.withRetries(() => this.client.create<CoreEvent>({ ...EVENTS, namespace }, event));
      this.correlator.updateState(created);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  /** Retries network errors and 5xx/429; API answers about the request itself are final. */
  private async withRetries<R>(fn: () => Promise<R>): Promise<R> {
    const max = this.opts.maxAttempts ?? 3;
    let delay = this.opts.retryDelayMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const retriable = !(e instanceof ApiError) || e.code >= 500 || e.code === 429;
        if (!retriable || attempt >= max) throw e;
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
  }
}
