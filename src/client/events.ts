// An EventRecorder as client-go's record package: core/v1 Events about an object, written in the
// background so a controller never waits on them, and a repeat of the same event (same object,
// type, reason, message, source) bumps count and lastTimestamp of the existing Event instead of
// creating another one.

import { type KObject, nowRFC3339 } from '../api/object.js';
import { EVENTS } from '../api/types.js';
import { ApiError, isAlreadyExists, isNotFound, type RestClient } from './rest.js';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

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
  onError?(err: unknown): void;
}

/** Recorded-but-unwritten events beyond this are dropped, as client-go's full broadcaster channel does. */
const MAX_PENDING = 1000;
/** Events remembered for aggregation (client-go's maxLruCacheEntries). */
const MAX_CACHE = 4096;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

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
  private readonly seen = new Map<string, Seen>();
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    private readonly opts: EventRecorderOptions,
  ) {}

  /** Records an event about obj (fire and forget; see flush()). */
  event(obj: KObject | ObjectReference, type: EventType, reason: string, message: string, fieldPath?: string): void {
    if (this.stopped) return;
    if (this.pending >= MAX_PENDING) {
      this.opts.onError?.(new Error(`event queue full, dropping event ${reason} for ${referenceTo(obj).name}`));
      return;
    }
    const involvedObject = referenceTo(obj, fieldPath);
    const at = nowRFC3339();
    this.pending++;
    this.chain = this.chain
      .then(() => this.write(involvedObject, type, reason, message, at))
      .catch((e) => this.opts.onError?.(e))
      .finally(() => {
        this.pending--;
      });
  }

  /** Resolves when every event recorded so far has been written (or given up on). */
  flush(): Promise<void> {
    return this.chain;
  }

  /** Drops events recorded from now on; resolves when those already recorded are written. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.chain;
  }

  private async write(involvedObject: ObjectReference, type: EventType, reason: string, message: string, at: string): Promise<void> {
    const source: EventSource = { component: this.opts.component };
    if (this.opts.host) source.host = this.opts.host;
    const key = JSON.stringify([
      source.component,
      source.host ?? '',
      involvedObject.kind,
      involvedObject.namespace,
      involvedObject.name,
      involvedObject.fieldPath,
      involvedObject.uid,
      involvedObject.apiVersion,
      type,
      reason,
      message,
    ]);
    const namespace = involvedObject.namespace || 'default';
    const prev = this.seen.get(key);

    if (prev) {
      const count = prev.count + 1;
      try {
        await this.withRetries(() =>
          this.client.patch({ ...EVENTS, namespace: prev.namespace, name: prev.name }, { count, lastTimestamp: at, message }, 'strategic'),
        );
        this.remember(key, { ...prev, count });
        return;
      } catch (e) {
        // The event was deleted (say, by its TTL): create it afresh below.
        if (!isNotFound(e)) throw e;
      }
    }

    const ev: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involvedObject.name ?? 'unknown'}.${uniqueSuffix()}`, namespace },
      involvedObject,
      reason,
      message,
      type,
      source,
      firstTimestamp: prev?.firstTimestamp ?? at,
      lastTimestamp: at,
      count: prev ? prev.count + 1 : 1,
      eventTime: null,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    };
    try {
      const created = await this.withRetries(() => this.client.create<CoreEvent>({ ...EVENTS, namespace }, ev));
      this.remember(key, {
        name: created.metadata.name ?? ev.metadata.name!,
        namespace,
        count: ev.count,
        firstTimestamp: ev.firstTimestamp,
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  private remember(key: string, s: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, s);
    if (this.seen.size > MAX_CACHE) this.seen.delete(this.seen.keys().next().value as string);
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
