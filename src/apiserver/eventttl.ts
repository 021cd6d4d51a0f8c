// Events expire, as kube-apiserver's --event-ttl (1 h) does with etcd leases: without it a busy
// cluster's events would grow without bound. A periodic sweep deletes those past their TTL.

import type { KObject } from '../api/object.js';
import type { GenericRegistry } from './registry/generic.js';
import { apiserverContext } from './registry/strategy.js';

export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;

/** When an event was last written: its series, last timestamp or creation. */
function lastSeen(ev: KObject): number {
  const e = ev as KObject & { lastTimestamp?: string; eventTime?: string; series?: { lastObservedTime?: string } };
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? ev.metadata.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

export async function sweepEvents(events: GenericRegistry, ttlMs: number, now = Date.now()): Promise<number> {
  const ctx = apiserverContext();
  let n = 0;
  for (const ev of events.cache.list().items) {
    if (now - lastSeen(ev) < ttlMs) continue;
    try {
      await events.delete(ev.metadata.namespace, ev.metadata.name!, { preconditions: { uid: ev.metadata.uid } }, ctx);
      n++;
    } catch {
      /* gone or changed meanwhile: the next sweep looks again */
    }
  }
  return n;
}
