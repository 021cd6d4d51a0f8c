// The SQLite store with its connection on a worker thread (issue #13). No Kubernetes counterpart:
// kube-apiserver talks to etcd, another process; this is the embedded store's equivalent of
// keeping the database's work off the thread that serves requests.
//
// The event loop serves requests, the watch cache, the controllers; SQLite's statements, its
// COMMIT and the fsync's submission took ~75-85 us of it a create (NOTES.md, apicreate3 and
// schedrate5) while the second core sat partly idle. Here a worker thread runs the SqliteStore
// of sqlite.ts unchanged (its group commit, two fsyncs in flight, undo on a failed fsync, its
// epochs) and this Store forwards calls to it:
// - Calls made in one turn of the event loop cross in one message (setImmediate), and the
//   worker's answers and events of one turn of its loop come back in one message: a batch of
//   writes costs one message each way, not one per call.
// - The worker holds one watch of everything; its events come back in revision order, in the
//   same stream as the answers and in the order they happened there (an event before the
//   answer of the write, or the read, that follows it), and are published to this thread's
//   WatchHub before anything after them in the stream is handled. So the contract of
//   watchhub.ts holds here as in process: once a call resolves, every event at or below the
//   revision it saw has reached every watcher, and `currentRevision()` (the newest event
//   received) is answered without a message.
// - What this thread already has does not cross back: a write's event names the call it came
//   from and carries only its revisions and the previous value; the key and the new value are
//   the call's own.
// - A watch from a revision this thread has not seen yet registers here alone; one from an
//   older revision asks the worker for the replay, which answers with the events up to the
//   revision it has published, in the stream after every event up to it: the watcher joins the
//   hub right there, so no event is missed or delivered twice.
// - Errors come back as the same classes with their fields (types.ts).
// Durability is the worker's SqliteStore's: a write's promise resolves only after its fsync,
// events only once durable. The fsync test hook (SqliteStoreOptions.fsync), a function, cannot
// cross to a thread: the durability tests test SqliteStore in process.

import { Worker } from 'node:worker_threads';
import type { SqliteStoreOptions } from './sqlite.js';
import * as storage from './types.js';
import { WatchHub } from './watchhub.js';

/** The calls, as small numbers in the messages. */
export enum Op {
  Get,
  Range,
  Create,
  Update,
  Delete,
  Replay,
  Compact,
  CompactedRevision,
  Close,
}

/** One call: [id, op, args...]. A message to the worker is an array of them. */
export type Call = [id: number, op: Op, a?: unknown, b?: unknown, c?: unknown];

/** What the worker sends, in the order it happened there. A message from the worker is an array of them. */
export enum ItemKind {
  /** A write of call `id`: [kind, id, deleted, createRevision, modRevision, prev modRevision or 0, prev value or null]. */
  Event,
  /** An event whose call is unknown: [kind, event] (kept for safety; every write is a call). */
  FullEvent,
  /** [kind, id, answer]. */
  Ok,
  /** [kind, id, error as ErrorInfo]. */
  Err,
}
export type Item =
  | [ItemKind.Event, number, 0 | 1, number, number, number, string | null]
  | [ItemKind.FullEvent, storage.WatchEvent]
  | [ItemKind.Ok, number, unknown]
  | [ItemKind.Err, number, ErrorInfo];

/** A store error across the thread boundary, with the fields its class carries. */
export type ErrorInfo =
  | ['exists', string]
  | ['notfound', string]
  | ['mismatch', string, storage.KeyValue]
  | ['compacted', number, number]
  | ['error', string];

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof storage.KeyExistsError) return ['exists', e.key];
  if (e instanceof storage.KeyNotFoundError) return ['notfound', e.key];
  if (e instanceof storage.RevisionMismatchError) return ['mismatch', e.key, e.current];
  if (e instanceof storage.CompactedError) return ['compacted', e.requested, e.compacted];
  return ['error', e instanceof Error ? e.message : String(e)];
}

function toError(i: ErrorInfo): Error {
  switch (i[0]) {
    case 'exists':
      return new storage.KeyExistsError(i[1]);
    case 'notfound':
      return new storage.KeyNotFoundError(i[1]);
    case 'mismatch':
      return new storage.RevisionMismatchError(i[1], i[2]);
    case 'compacted':
      return new storage.CompactedError(i[1], i[2]);
    default:
      return new Error(i[1]);
  }
}

/** What the worker is started with: the options that can cross (not the fsync hook). */
export interface ThreadData {
  dataDir: string;
  opts: Omit<SqliteStoreOptions, 'fsync'>;
  /** The worker thread's nice (sqlite-thread.ts says why); 0 leaves it as the process's. */
  nice: number;
}
/** The worker's first message: the store is open at this revision, or could not be opened. */
export type Ready = { published: number } | { failed: string };

interface Pending {
  op: Op;
  key?: string;
  value?: string;
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  /** A replay's watcher, registered with the hub when the answer arrives. */
  watch?: { prefix: string; onEvent: storage.EventHandler; onError?: storage.ErrorHandler };
}

const THREAD = new URL('./sqlite-thread.js', import.meta.url);
/** The store thread's nice (K8TS_SQLITE_THREAD_NICE; sqlite-thread.ts says why 0). */
const THREAD_NICE = 0;

export class SqliteWorkerStore implements storage.Store {
  readonly name = 'sqlite';
  private hub = new WatchHub();
  /** The newest revision whose event has been received (and published to the hub). */
  private published: number;
  private calls = new Map<number, Pending>();
  private nextId = 1;
  private outbox: Call[] = [];
  private sendQueued = false;
  private closed = false;
  private closing?: Promise<void>;
  /** The worker died: every call fails with this. */
  private broken?: Error;

  /** Starts the worker and opens the store in it (an error opening it, e.g. a data directory in use, is thrown here). */
  static async open(dataDir: string, opts: SqliteStoreOptions = {}): Promise<SqliteWorkerStore> {
    if (opts.fsync) throw new Error('the sqlite store on a worker thread takes no fsync hook (test SqliteStore in process)');
    const nice = Number(process.env.K8TS_SQLITE_THREAD_NICE ?? THREAD_NICE);
    const data: ThreadData = { dataDir, opts: { compactEvery: opts.compactEvery, keepRevisions: opts.keepRevisions }, nice };
    const worker = new Worker(THREAD, { workerData: data });
    let onError!: (e: Error) => void;
    let onExit!: (code: number) => void;
    try {
      const ready = await new Promise<Ready>((resolve, reject) => {
        onError = reject;
        onExit = (code) => reject(new Error(`the sqlite store's worker exited (${code}) before the store opened`));
        worker.once('message', resolve);
        worker.on('error', onError);
        worker.on('exit', onExit);
      });
      if ('failed' in ready) throw new Error(ready.failed);
      return new SqliteWorkerStore(worker, ready.published);
    } catch (e) {
      await worker.terminate();
      throw e;
    } finally {
      worker.off('error', onError);
      worker.off('exit', onExit);
    }
  }

  private constructor(
    private worker: Worker,
    published: number,
  ) {
    this.published = published;
    worker.on('message', (items: Item[]) => this.receive(items));
    worker.on('error', (e) => this.die(new Error(`sqlite store: its worker thread failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed || this.calls.size) this.die(new Error(`sqlite store: its worker thread exited (${code})`));
    });
    // Like the in-process store, an idle one keeps no process alive; a call in flight does (call()).
    worker.unref();
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.published;
  }

  compactedRevision(): Promise<number> {
    return this.call(Op.CompactedRevision);
  }

  get(key: string): Promise<storage.KeyValue | undefined> {
    return this.call(Op.Get, key);
  }

  range(prefix: string, opts?: storage.RangeOptions): Promise<storage.RangeResult> {
    return this.call(Op.Range, prefix, undefined, opts);
  }

  create(key: string, value: string): Promise<storage.KeyValue> {
    return this.call(Op.Create, key, value);
  }

  update(key: string, value: string, expectedModRevision: number): Promise<storage.KeyValue> {
    return this.call(Op.Update, key, value, expectedModRevision);
  }

  delete(key: string, expectedModRevision?: number): Promise<storage.KeyValue> {
    return this.call(Op.Delete, key, undefined, expectedModRevision);
  }

  async watch(
    prefix: string,
    fromRevision: number,
    onEvent: storage.EventHandler,
    onError?: storage.ErrorHandler,
  ): Promise<storage.Watcher> {
    this.checkOpen();
    // Nothing to replay: every later event is still to reach the hub.
    if (fromRevision >= this.published) return this.hub.add(prefix, fromRevision, [], onEvent, onError);
    return this.call(Op.Replay, prefix, undefined, fromRevision, { prefix, onEvent, onError });
  }

  compact(revision: number): Promise<void> {
    return this.call(Op.Compact, undefined, undefined, revision);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      try {
        // After every call made before it: the worker's store acknowledges what is in flight first.
        await this.send(Op.Close);
      } catch {
        /* the worker is gone already: nothing more to wait for */
      }
      this.hub.closeAll(new Error('store closed'));
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('store closed');
    if (this.broken) throw this.broken;
  }

  private call<T>(op: Op, key?: string, value?: string, c?: unknown, watch?: Pending['watch']): Promise<T> {
    try {
      this.checkOpen();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.send(op, key, value, c, watch);
  }

  private send<T>(op: Op, key?: string, value?: string, c?: unknown, watch?: Pending['watch']): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.calls.set(id, { op, key, value, resolve: resolve as (v: never) => void, reject, watch });
      if (this.calls.size === 1) this.worker.ref();
      this.outbox.push([id, op, key, value, c]);
      if (!this.sendQueued) {
        this.sendQueued = true;
        setImmediate(this.flushOutbox);
      }
    });
  }

  /** Every call of this turn of the loop, in one message. */
  private flushOutbox = (): void => {
    this.sendQueued = false;
    const calls = this.outbox;
    this.outbox = [];
    if (!this.broken) this.worker.postMessage(calls);
  };

  /** One message from the worker: its events and answers, handled in the order they happened there. */
  private receive(items: Item[]): void {
    for (const item of items) {
      switch (item[0]) {
        case ItemKind.Event: {
          const [, id, deleted, c, m, pm, pv] = item;
          const call = this.calls.get(id)!;
          const key = call.key!;
          const kv: storage.KeyValue = { key, value: deleted ? pv! : call.value!, createRevision: c, modRevision: m };
          const prevKv = pm ? { key, value: pv!, createRevision: c, modRevision: pm } : undefined;
          this.published = m;
          this.hub.publish({ type: deleted ? 'delete' : 'put', kv, prevKv });
          break;
        }
        case ItemKind.FullEvent:
          this.published = item[1].kv.modRevision;
          this.hub.publish(item[1]);
          break;
        case ItemKind.Ok: {
          const call = this.calls.get(item[1])!;
          this.calls.delete(item[1]);
          call.resolve(this.answer(call, item[2]) as never);
          break;
        }
        case ItemKind.Err: {
          const call = this.calls.get(item[1])!;
          this.calls.delete(item[1]);
          call.reject(toError(item[2]));
          break;
        }
      }
    }
    if (this.calls.size === 0) this.worker.unref();
  }

  /** A call's answer as the Store's method returns it. */
  private answer(call: Pending, a: unknown): unknown {
    switch (call.op) {
      case Op.Create:
      case Op.Update: {
        const [c, m] = a as [number, number];
        return { key: call.key!, value: call.value!, createRevision: c, modRevision: m };
      }
      case Op.Delete: {
        const [c, m, v] = a as [number, number, string];
        return { key: call.key!, value: v, createRevision: c, modRevision: m };
      }
      case Op.Replay: {
        // Here, in the stream's order: every event up to `upTo` has reached the hub, none after it.
        const { events, upTo } = a as { events: storage.WatchEvent[]; upTo: number };
        const w = call.watch!;
        return this.hub.add(w.prefix, upTo, events, w.onEvent, w.onError);
      }
      default:
        return a;
    }
  }

  /** The worker failed: every call in flight and every later one fails, and the watches end. */
  private die(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    console.error(err.message);
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
    this.hub.closeAll(err);
  }
}
