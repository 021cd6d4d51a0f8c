// client-go's EventCorrelator (tools/record/events_cache.go), which every core/v1 event goes
// through before it is written: it aggregates similar events, counts exact repeats into one
// Event, and rate-limits what one source says about one object. It runs synchronously when an
// event is recorded, so the event's fate (create, patch, or skip) is known before any write.
//
// - Aggregation: when one source records more than 10 events about one object with the same
//   type and reason but different messages within 10 minutes, the rest go into a single Event
//   whose message is "(combined from similar events): <latest message>" and whose count grows.
// - Repeats of an identical event (same source, object, type, reason, message) patch count and
//   lastTimestamp of the Event already written instead of creating another.
// - Spam filter: a source may say 25 things about one object at once, then one every 5 minutes
//   (a token bucket per source + object); the rest are dropped, as kube-controller-manager's
//   and the kubelet's are. A ReplicaSet that creates 30,000 pods records a few dozen events.

import type { CoreEvent } from './events.js';

/** maxLruCacheEntries: each of the three caches remembers this many keys. */
const LRU_SIZE = 4096;
/** defaultAggregateMaxEvents / defaultAggregateIntervalInSeconds. */
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
/** defaultSpamBurst / defaultSpamQPS: 25 events, then one per 5 minutes, per source and object. */
const SPAM_BURST = 25;
const SPAM_QPS = 1 / 300;

export interface EventCorrelatorOptions {
  /** Milliseconds since the epoch (tests move it). */
  clock?: () => number;
  burst?: number;
  qps?: number;
  maxEvents?: number;
  maxIntervalMs?: number;
  cacheSize?: number;
  /** A name for an aggregate event (client-go: "<object>.<UnixNano in hex>"). */
  newName?: (involvedName: string) => string;
}

export interface CorrelateResult {
  /** The Event to write: the one recorded, a repeat with its count raised, or the aggregate. */
  event: CoreEvent;
  /** Set when an Event of this name exists already: the strategic merge patch to apply to it. */
  patch?: { count: number; lastTimestamp: string; message: string };
  /** Dropped by the spam filter: nothing is written. */
  skip: boolean;
}

/** A map that forgets its least recently used key past size (groupcache's lru.Cache). */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  add(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.size) this.m.delete(this.m.keys().next().value as string);
  }
}

/** flowcontrol's token bucket: starts full (burst), refills at qps, TryAccept takes one if there is one. */
class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly qps: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  tryAccept(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface EventLog {
  count: number;
  firstTimestamp: string;
  name: string;
}

interface AggregateRecord {
  localKeys: Set<string>;
  last: number;
}

const SEP = '\u0000';

function objectPart(e: CoreEvent): string[] {
  const o = e.involvedObject;
  return [e.source.component ?? '', e.source.host ?? '', o.kind ?? '', o.namespace ?? '', o.name ?? ''];
}

/** getEventKey: source, object (with fieldPath), type, reason, message. */
export function eventKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return [...objectPart(e), o.fieldPath ?? '', o.uid ?? '', o.apiVersion ?? '', e.type, e.reason, e.message].join(SEP);
}

/** getSpamKey: source and object. */
function spamKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return [...objectPart(e), o.uid ?? '', o.apiVersion ?? ''].join(SEP);
}

/** EventAggregatorByReasonFunc: source, object, type, reason, reporting controller and instance; the message is the local key. */
function aggregateKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return [...objectPart(e), o.uid ?? '', o.apiVersion ?? '', e.type, e.reason, e.reportingComponent, e.reportingInstance].join(SEP);
}

function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export class EventCorrelator {
  private readonly clock: () => number;
  private readonly burst: number;
  private readonly qps: number;
  private readonly maxEvents: number;
  private readonly maxIntervalMs: number;
  private readonly newName: (involvedName: string) => string;
  private readonly spam: Lru<TokenBucket>;
  private readonly aggregates: Lru<AggregateRecord>;
  private readonly logs: Lru<EventLog>;

  constructor(opts: EventCorrelatorOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.burst = opts.burst ?? SPAM_BURST;
    this.qps = opts.qps ?? SPAM_QPS;
    this.maxEvents = opts.maxEvents ?? AGGREGATE_MAX_EVENTS;
    this.maxIntervalMs = opts.maxIntervalMs ?? AGGREGATE_INTERVAL_MS;
    this.newName = opts.newName ?? ((n) => `${n}.${(BigInt(this.clock()) * 1_000_000n).toString(16)}`);
    const size = opts.cacheSize ?? LRU_SIZE;
    this.spam = new Lru(size);
    this.aggregates = new Lru(size);
    this.logs = new Lru(size);
  }

  /** EventCorrelate: aggregate, then count repeats, then the spam filter (which counts every event, written or not). */
  correlate(recorded: CoreEvent): CorrelateResult {
    const now = this.clock();
    const [aggregated, key] = this.aggregate(recorded, now);
    const { event, patch } = this.observe(aggregated, key);
    return { event, patch, skip: !this.allow(event, now) };
  }

  /** UpdateState: what the server answered (its name, count) is what the next repeat patches. */
  updateState(written: CoreEvent): void {
    this.logs.add(eventKey(written), {
      count: written.count,
      firstTimestamp: written.firstTimestamp,
      name: written.metadata.name ?? '',
    });
  }

  private aggregate(e: CoreEvent, now: number): [CoreEvent, string] {
    const aKey = aggregateKey(e);
    let rec = this.aggregates.get(aKey);
    if (!rec || now - rec.last > this.maxIntervalMs) rec = { localKeys: new Set(), last: now };
    rec.localKeys.add(e.message);
    rec.last = now;
    this.aggregates.add(aKey, rec);
    if (rec.localKeys.size < this.maxEvents) return [e, eventKey(e)];
    // Keep the set at its maximum: drop any one message (sets.String's PopAny).
    rec.localKeys.delete(rec.localKeys.values().next().value as string);
    const at = rfc3339(now);
    const combined: CoreEvent = {
      ...e,
      metadata: { name: this.newName(e.involvedObject.name ?? 'unknown'), namespace: e.metadata.namespace },
      count: 1,
      firstTimestamp: at,
      lastTimestamp: at,
      message: `(combined from similar events): ${e.message}`,
    };
    return [combined, aKey];
  }

  private observe(e: CoreEvent, key: string): { event: CoreEvent; patch?: CorrelateResult['patch'] } {
    const last = this.logs.get(key);
    let event = e;
    let patch: CorrelateResult['patch'];
    if (last && last.count > 0) {
      event = {
        ...e,
        metadata: { ...e.metadata, name: last.name },
        firstTimestamp: last.firstTimestamp,
        count: last.count + 1,
      };
      // CreateTwoWayMergePatch of the event against itself with count, lastTimestamp and message cleared.
      patch = { count: event.count, lastTimestamp: event.lastTimestamp, message: event.message };
    }
    this.logs.add(key, { count: event.count, firstTimestamp: event.firstTimestamp, name: event.metadata.name ?? '' });
    return { event, patch };
  }

  /** EventSourceObjectSpamFilter.Filter, inverted: true when the event may be written. */
  private allow(e: CoreEvent, now: number): boolean {
    const k = spamKey(e);
    let bucket = this.spam.get(k);
    if (!bucket) bucket = new TokenBucket(this.qps, this.burst, now);
    const ok = bucket.tryAccept(now);
    this.spam.add(k, bucket);
    return ok;
  }
}
