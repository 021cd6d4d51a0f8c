// How a bench follows the objects it times (pods turning Ready, Jobs completing): through an
// informer from src/client, as client-go's reflector follows a resource for every controller:
// list, watch from the list's resourceVersion, and when the watch drops, watch again from the
// last resourceVersion seen (list again if the server no longer has it: 410). A bare watch is
// not enough: the API server closes a watch whose client falls behind (kube-apiserver's
// cacheWatcher does the same), and a bench that followed one watch then saw nothing more and
// waited on events that had long happened. The drops are counted, so that a figure taken
// across one can say so.

import type { KObject } from '../src/api/object.js';
import { type EventHandlers, Informer, type TransformFunc } from '../src/client/informer.js';
import type { ResourceRef, RestClient } from '../src/client/rest.js';
import { cleanup } from './util.js';

export interface Follower<T extends KObject = KObject> {
  readonly informer: Informer<T>;
  /** Watches (or lists) that failed and were tried again, and the last reason given. */
  readonly drops: number;
  readonly lastError: string | undefined;
  /** Lists after the first one: the last resourceVersion seen had left the server's history (410). */
  readonly relists: number;
  /** '' while the watch never dropped; else a clause saying how often and why, for a figure's line. */
  note(): string;
  stop(): Promise<void>;
}

export interface FollowOptions<T extends KObject> {
  /** What is followed, for messages ("the pod watch"). */
  what: string;
  /** Applied to each object before it is kept (keep only what the bench reads: 150,000 pods are many). */
  transform?: TransformFunc<T>;
  /** Time allowed for the first list (default 60 s). */
  syncTimeoutMs?: number;
}

/**
 * Starts following ref (handlers get every object: those listed first with isInInitialList, then
 * each change) and resolves once the first list is in. Stopped by the result's stop() or, at the
 * latest, by the bench's cleanup.
 */
export async function follow<T extends KObject = KObject>(
  client: RestClient,
  ref: ResourceRef,
  handlers: EventHandlers<T>,
  opts: FollowOptions<T>,
): Promise<Follower<T>> {
  let drops = 0;
  let lastError: string | undefined;
  const informer = new Informer<T>(client, {
    group: ref.group,
    version: ref.version,
    resource: ref.resource,
    namespace: ref.namespace,
    transform: opts.transform,
    // A bench wants its view back at once, not after a controller's 0.8 .. 30 s back-off.
    backoffInitialMs: 100,
    backoffMaxMs: 2_000,
    onError: (e) => {
      drops++;
      lastError = (e as Error)?.message ?? String(e);
    },
  });
  informer.addEventHandler(handlers);
  const stop = cleanup.add(opts.what, () => informer.stop());
  informer.start();
  try {
    await informer.waitForSync(opts.syncTimeoutMs ?? 60_000);
  } catch (e) {
    await stop();
    throw new Error(`${opts.what}: ${(e as Error).message}${lastError ? ` (last error: ${lastError})` : ''}`);
  }
  return {
    informer,
    get drops() {
      return drops;
    },
    get lastError() {
      return lastError;
    },
    get relists() {
      return informer.listCount - 1;
    },
    note() {
      if (drops === 0 && informer.listCount <= 1) return '';
      const relisted = informer.listCount > 1 ? `, listed again ${informer.listCount - 1} time(s) (410)` : '';
      return `${opts.what} dropped ${drops} time(s) and was resumed from the last resourceVersion${relisted}; last error: ${lastError ?? 'none'}`;
    },
    stop,
  };
}
