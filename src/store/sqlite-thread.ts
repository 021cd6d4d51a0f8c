// The worker thread of SqliteWorkerStore (sqliteworker.ts, which says why and how): it owns the
// SqliteStore (sqlite.ts) and its connection, runs the calls each message brings, and sends back
// its events and answers, in the order they happen here, one message per turn of its loop.
// Loaded by path (new Worker), not from the serve bundle: it needs only the store's modules.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from './sqlite.js';
import { type Call, errorInfo, type Item, ItemKind, Op, type Ready, type ThreadData } from './sqliteworker.js';
import type * as storage from './types.js';

const port = parentPort!;
const { dataDir, opts, nice } = workerData as ThreadData;

// K8TS_SQLITE_THREAD_NICE=n puts this thread below the event loop's in the scheduler's eyes:
// waking it (every message sent to it) otherwise preempts the sender on its own core when the
// other core is busy (a postMessage measured at ~100 us of the sender's wall time under load,
// ~3 us with this thread at nice 19). Not the default: at nice 10 the event loop's
// postMessage fell from 87 to 17 us a create but this thread's own rose to ~200 (the event
// loop it wakes preempts it in turn) and creates/s were no higher (NOTES.md, storeworker).
// Linux: setpriority() on a thread id sets that thread's nice; elsewhere this is skipped.
if (nice) {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), nice);
  } catch {
    /* not Linux, or not allowed: the thread runs at the process's priority */
  }
}

let out: Item[] = [];
let sendQueued = false;
function send(item: Item): void {
  out.push(item);
  if (!sendQueued) {
    sendQueued = true;
    // After this turn's fsync callbacks have published their batches and their writers'
    // promises have settled: one message carries them all.
    setImmediate(flush);
  }
}
function flush(): void {
  sendQueued = false;
  const items = out;
  out = [];
  port.postMessage(items);
}

/** The call each revision written and not yet published came from: its event crosses without the call's key and value. */
const callOf = new Map<number, number>();

let store!: SqliteStore;
try {
  store = new SqliteStore(dataDir, opts);
} catch (e) {
  // The thread then has nothing to wait for and ends; the opener throws this.
  port.postMessage({ failed: (e as Error).message } satisfies Ready);
}
if (store) await start();

async function start(): Promise<void> {
  // One watch of everything, from the start: every event, in revision order, before any answer
  // that follows it here (watchhub.ts delivers before the writers' promises settle).
  const watching = (ev: storage.WatchEvent): void => {
    const m = ev.kv.modRevision;
    const id = callOf.get(m);
    if (id === undefined) {
      send([ItemKind.FullEvent, ev]);
      return;
    }
    callOf.delete(m);
    const prev = ev.prevKv;
    send([
      ItemKind.Event,
      id,
      ev.type === 'delete' ? 1 : 0,
      ev.kv.createRevision,
      m,
      prev ? prev.modRevision : 0,
      prev ? prev.value : null,
    ]);
  };
  // It ends only when the store closes (the other thread's watches end then, sqliteworker.ts).
  await store.watch('', store.publishedRevision, watching, () => undefined);

  port.postMessage({ published: store.publishedRevision } satisfies Ready);

  port.on('message', (calls: Call[]) => {
    for (const call of calls) run(call);
  });
}

function answer(id: number, p: Promise<unknown>): void {
  p.then(
    (v) => send([ItemKind.Ok, id, v]),
    (e) => send([ItemKind.Err, id, errorInfo(e)]),
  );
}

/** A write: its revision is assigned when the call returns its promise (sqlite.ts), so its event can name the call. */
function write(id: number, p: Promise<storage.KeyValue>, before: number, withValue: boolean): void {
  const revision = store.committedRevision;
  if (revision !== before) callOf.set(revision, id);
  p.then(
    (kv) => send([ItemKind.Ok, id, withValue ? [kv.createRevision, kv.modRevision, kv.value] : [kv.createRevision, kv.modRevision]]),
    (e) => {
      // Refused, or undone with its batch (its revision may be written again by a later call).
      if (callOf.get(revision) === id) callOf.delete(revision);
      send([ItemKind.Err, id, errorInfo(e)]);
    },
  );
}

function run([id, op, a, b, c]: Call): void {
  const before = store.committedRevision;
  switch (op) {
    case Op.Get:
      answer(id, store.get(a as string));
      return;
    case Op.Range:
      answer(id, store.range(a as string, c as storage.RangeOptions | undefined));
      return;
    case Op.Create:
      write(id, store.create(a as string, b as string), before, false);
      return;
    case Op.Update:
      write(id, store.update(a as string, b as string, c as number), before, false);
      return;
    case Op.Delete:
      write(id, store.delete(a as string, c as number | undefined), before, true);
      return;
    case Op.Replay:
      try {
        // Synchronous: the replay runs to the revision published here, and its answer follows
        // every event up to it in the stream.
        send([ItemKind.Ok, id, store.replay(a as string, c as number)]);
      } catch (e) {
        send([ItemKind.Err, id, errorInfo(e)]);
      }
      return;
    case Op.Compact:
      answer(id, store.compact(c as number));
      return;
    case Op.CompactedRevision:
      answer(id, store.compactedRevision());
      return;
    case Op.Close:
      answer(id, store.close());
      return;
  }
}
