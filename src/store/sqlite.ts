// The embedded default store: MVCC on one SQLite file, <dataDir>/state.db.
//
// history holds one row per revision (the value written, or a tombstone for a delete), so a
// read at a past revision is "each key's newest row at or below it" and a watch replay is a
// scan of the revision primary key. kv maps each live key to its newest row, which keeps the
// common reads (get, list) to one index lookup plus a primary-key join.
//
// Durability: a write's promise resolves only once the WAL holding it is fsynced. Writes of one
// tick share one transaction and one fsync (group commit, as etcd's backend batches a round of
// writes into one bbolt transaction): the first write of a tick opens the batch transaction,
// each write runs in it as two statements (a refused write is refused before it changes
// anything; one that fails between them fails its batch), and the
// flush commits the batch in WAL mode with synchronous=NORMAL (no fsync of its own on commit;
// it fsyncs at checkpoints), then one fsync of the WAL file acknowledges them all, so an
// acknowledged write survives kill -9 and power loss alike, at a fraction of the fsyncs. One
// commit per batch rather than per write matters more than the commits' CPU: each commit
// writes every page it touched to the WAL, and a tick's writes touch the same few pages (the
// history table's last leaf, the indexes' leaves), so the WAL, and what each fsync must carry
// to the disk, shrinks several times.
// Nothing is seen before it is durable, as etcd applies an entry only after its WAL fsync:
// watchers get a write's event only after its fsync, and reads are served at the newest
// durable revision (`published`; rows above it are read past through the history table). If
// the fsync fails, every write above `published` is undone in one transaction and refused:
// nobody has seen them, so their revisions can be used again.
// Compaction runs in slices of COMPACT_SLICE revisions, one transaction each, yielding to the
// event loop between them.
// The connection holds an exclusive lock: one process owns the data directory, which is also
// what lets the revision counter live in memory between writes.

import { closeSync, fsync as fsFsync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { prefixEnd } from './keyrange.js';
import { openDatabase, type SqliteDatabase, type SqliteStatement } from './sqlite-driver.js';
import * as storage from './types.js';
import { WatchHub } from './watchhub.js';

export interface SqliteStoreOptions {
  /** How often automatic compaction runs, in ms (0: never). Default 60 s. */
  compactEvery?: number;
  /** Revisions of history automatic compaction keeps. Default 10,000. */
  keepRevisions?: number;
  /** The fsync of the WAL (tests put a failing or slow one here). Default fs.fsync. */
  fsync?: (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void;
  /** The fsync of the database file after a checkpoint at a quiet moment (see checkpointIfQuiet). Default fs.fsync. */
  fsyncDb?: (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void;
  /** Writes after which a quiet moment checkpoints the WAL (see checkpointIfQuiet). Default 1,000. */
  quietCheckpointWrites?: number;
}

/** Revisions compacted per transaction: bounded work between two turns of the event loop. */
const COMPACT_SLICE = 1000;

/**
 * WAL pages after which a commit checkpoints them into the database file (SQLite's default is
 * 1,000, 4 MiB). The checkpoint runs inside that COMMIT, on the event loop's thread, with two
 * fsyncs of its own (WAL, then the database file): every request waits behind it. A store's
 * writes rewrite the same few leaf pages (history's last leaf, the indexes' leaves), so a
 * bigger WAL holds several versions of each and a checkpoint copies each page once: 16 MiB
 * made these stalls 4x rarer and their total 1.5-2x smaller (NOTES.md, apicreate).
 * Since the store checkpoints at quiet moments itself (checkpointIfQuiet), without an fsync on
 * the event loop, this one is the backstop for a store that is never quiet: 32 MiB.
 */
const WAL_AUTOCHECKPOINT_PAGES = 8000;

/** Writes after which the next quiet moment checkpoints the WAL (see checkpointIfQuiet). */
const QUIET_CHECKPOINT_WRITES = 1000;

/**
 * fsyncs of the WAL in flight at once (see flush()): the next batch is committed and its
 * fsync asked for while the last one's runs, instead of waiting for it.
 */
const MAX_FSYNCS_IN_FLIGHT = 2;

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  value TEXT NOT NULL,            -- for a tombstone: the value the key had
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER           -- the key's previous row, for prevKv
);
CREATE INDEX IF NOT EXISTS history_key_revision ON history (key, revision);
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  create_revision INTEGER NOT NULL,
  mod_revision INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Every TEXT sorts below every BLOB in SQLite, so this bounds a range with no end key. */
const NO_END = Buffer.from([0xff]);

interface CurrentRow {
  c: number;
  m: number;
  v: string;
}
interface KvRow {
  key: string;
  value: string;
  c: number;
  m: number;
}
interface PendingWrite {
  revision: number;
  event: storage.WatchEvent;
  resolve: () => void;
  reject: (e: Error) => void;
}
interface HistoryRow {
  revision: number;
  key: string;
  value: string;
  deleted: number;
  c: number;
  pc: number | null;
  pm: number | null;
  pv: string | null;
}

export class SqliteStore implements storage.Store {
  readonly name = 'sqlite';
  readonly path: string;
  private db: SqliteDatabase;
  /** The newest committed revision (durable or not). */
  private revision: number;
  /** The newest durable revision: what reads see and watchers have been told of. */
  private published: number;
  private compacted: number;
  private hub = new WatchHub();
  private timer?: NodeJS.Timeout;
  private closed = false;

  private stmt: {
    current: SqliteStatement<[string], CurrentRow>;
    insertHistory: SqliteStatement<[number, string, string, number, number, number | null]>;
    insertKvIfAbsent: SqliteStatement<[string, number, number]>;
    updateKv: SqliteStatement<[number, string]>;
    deleteKv: SqliteStatement<[string]>;
    rangeNow: SqliteStatement<[string, string | Buffer, number], KvRow>;
    countNow: SqliteStatement<[string, string | Buffer], { n: number }>;
    rangeAt: SqliteStatement<[string, string | Buffer, number, number], KvRow>;
    getAt: SqliteStatement<[string, number], { v: string; c: number; m: number; deleted: number }>;
    undo: SqliteStatement<[number], { revision: number; key: string; deleted: number; c: number; prev: number | null }>;
    undoInsertKv: SqliteStatement<[string, number, number]>;
    dropAbove: SqliteStatement<[number]>;
    compactSuperseded: SqliteStatement<[number, number]>;
    compactTombstones: SqliteStatement<[number, number]>;
    countAt: SqliteStatement<[string, string | Buffer, number], { n: number }>;
    replay: SqliteStatement<[number, number, string, string | Buffer], HistoryRow>;
    setMeta: SqliteStatement<[string, number]>;
  };
  private txCreate: (key: string, value: string) => storage.KeyValue;
  private txUpdate: (key: string, value: string, expected: number) => [storage.KeyValue, storage.KeyValue];
  private txDelete: (key: string, expected: number | undefined) => [storage.KeyValue, storage.KeyValue];
  private txCompactSlice: (lo: number, hi: number) => void;
  private txUndo: (above: number) => void;
  /** The batch transaction this tick's writes run in is open (committed by flush()). */
  private batchOpen = false;
  /** Why the open batch must not be committed: a write in it failed between its two statements. */
  private halfDone?: Error;
  /** Group commit: written writes waiting for the next commit and fsync of the WAL, in revision order. */
  private pending: PendingWrite[] = [];
  /** Reads waiting for a revision to be published (or undone). */
  private settleWaiters: { revision: number; resolve: () => void }[] = [];
  /** fsyncs of the WAL asked for and not yet published, oldest first: the revision each covers. */
  private inflight: { upTo: number; done: boolean }[] = [];
  /** A flush is queued for the next turn of the event loop. */
  private flushQueued = false;
  /** Moves when a failure refuses what is not published: the fsyncs asked for before it no longer count. */
  private epoch = 0;
  /** Compaction waiting for the batch transaction to be committed (its slices run outside it). */
  private commitWaiters: (() => void)[] = [];
  private walFd?: number;
  private dbFd?: number;
  private readonly fsync: NonNullable<SqliteStoreOptions['fsync']>;
  private readonly fsyncDb: NonNullable<SqliteStoreOptions['fsyncDb']>;
  private readonly quietCheckpointWrites: number;
  /**
   * Commits made (batches, compaction slices, undos; the open's schema and meta rows count as
   * one), and how many of them an fsync of the WAL has since covered.
   */
  private commits = 1;
  private commitsSynced = 0;
  /** Writes since the last checkpoint at a quiet moment. */
  private writesSinceCheckpoint = 0;
  /** A checkpoint's fsync of the database file is in flight: nothing is committed until it is done (checkpointIfQuiet). */
  private checkpointing = false;
  /** That fsync failed: the database file may not hold what the WAL does (see close()). */
  private dbUnsynced = false;
  /** Set when the store can no longer vouch for its file (an undo failed): every call fails. */
  private broken?: Error;
  private compacting?: Promise<void>;

  constructor(dataDir: string, opts: SqliteStoreOptions = {}) {
    // The store holds every Secret: its directory is the owner's alone (the db files are 0600, sqlite-driver.ts).
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.path = join(dataDir, 'state.db');
    // A short busy timeout: the only contender is another process owning this directory.
    this.db = openDatabase(this.path, { busyTimeoutMs: 1000 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      this.db.exec(SCHEMA);
    } catch (e) {
      this.db.close();
      throw new Error(`cannot open ${this.path}: ${(e as Error).message} (is another process using this data directory?)`);
    }
    const meta = (name: string): number | undefined =>
      this.db.prepare('SELECT value FROM meta WHERE name = ?').pluck().get(name) as number | undefined;
    const version = meta('schema_version');
    if (version === undefined) this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run('schema_version', SCHEMA_VERSION);
    else if (version !== SCHEMA_VERSION) throw new Error(`${this.path}: unknown schema version ${version}`);
    this.compacted = meta('compacted_revision') ?? 0;
    // Every revision above the compacted one still has its history row, and compaction
    // records how far it went, so together they give the counter without a write per op.
    const newest = (this.db.prepare('SELECT max(revision) FROM history').pluck().get() as number | null) ?? 0;
    this.revision = Math.max(newest, this.compacted);
    this.published = this.revision;
    this.fsync = opts.fsync ?? fsFsync;
    this.fsyncDb = opts.fsyncDb ?? fsFsync;
    this.quietCheckpointWrites = opts.quietCheckpointWrites ?? QUIET_CHECKPOINT_WRITES;

    const p = <B extends unknown[], R = unknown>(sql: string) => this.db.prepare<B, R>(sql);
    const kvCols = 'k.key AS key, h.value AS value, k.create_revision AS c, k.mod_revision AS m';
    this.stmt = {
      current: p(
        'SELECT k.create_revision AS c, k.mod_revision AS m, h.value AS v FROM kv k JOIN history h ON h.revision = k.mod_revision WHERE k.key = ?',
      ),
      insertHistory: p('INSERT INTO history (revision, key, value, deleted, create_revision, prev_revision) VALUES (?, ?, ?, ?, ?, ?)'),
      insertKvIfAbsent: p('INSERT INTO kv (key, create_revision, mod_revision) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING'),
      updateKv: p('UPDATE kv SET mod_revision = ? WHERE key = ?'),
      deleteKv: p('DELETE FROM kv WHERE key = ?'),
      rangeNow: p(
        `SELECT ${kvCols} FROM kv k JOIN history h ON h.revision = k.mod_revision WHERE k.key >= ? AND k.key < ? ORDER BY k.key LIMIT ?`,
      ),
      countNow: p('SELECT count(*) AS n FROM kv WHERE key >= ? AND key < ?'),
      // SQLite takes the bare columns of a max() aggregate from the row holding the max.
      rangeAt: p(`SELECT key, value, c, m FROM (
          SELECT key, value, deleted, create_revision AS c, max(revision) AS m FROM history
          WHERE key >= ? AND key < ? AND revision <= ? GROUP BY key)
        WHERE deleted = 0 ORDER BY key LIMIT ?`),
      getAt: p(
        'SELECT value AS v, create_revision AS c, revision AS m, deleted FROM history WHERE key = ? AND revision <= ? ORDER BY revision DESC LIMIT 1',
      ),
      undo: p(
        'SELECT revision, key, deleted, create_revision AS c, prev_revision AS prev FROM history WHERE revision > ? ORDER BY revision DESC',
      ),
      undoInsertKv: p('INSERT OR REPLACE INTO kv (key, create_revision, mod_revision) VALUES (?, ?, ?)'),
      dropAbove: p('DELETE FROM history WHERE revision > ?'),
      countAt: p(`SELECT count(*) AS n FROM (
          SELECT deleted, max(revision) FROM history WHERE key >= ? AND key < ? AND revision <= ? GROUP BY key)
        WHERE deleted = 0`),
      replay: p(`SELECT h.revision AS revision, h.key AS key, h.value AS value, h.deleted AS deleted, h.create_revision AS c,
          p.create_revision AS pc, p.revision AS pm, p.value AS pv
        FROM history h LEFT JOIN history p ON p.revision = h.prev_revision
        WHERE h.revision > ? AND h.revision <= ? AND h.key >= ? AND h.key < ? ORDER BY h.revision`),
      // Compacting up to R drops every tombstone at or below R and every row that a row at or
      // below R supersedes; what stays is each live key's value as of R. A row's successor
      // names it in prev_revision, so a slice (lo, hi] finds what it supersedes by primary key.
      compactSuperseded: p(`DELETE FROM history WHERE revision IN (
          SELECT prev_revision FROM history WHERE revision > ? AND revision <= ? AND prev_revision IS NOT NULL)`),
      compactTombstones: p('DELETE FROM history WHERE revision > ? AND revision <= ? AND deleted = 1'),
      setMeta: p('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };
    const s = this.stmt;

    // A write is two statements in the batch transaction, not a savepoint of its own (SAVEPOINT
    // and RELEASE cost ~5-7 us a write, a tenth of the store's share of a create). Each
    // statement is atomic by itself, and a write is refused (exists, not found, stale revision)
    // before its first one, so a refused write leaves nothing. If the second statement fails
    // (an I/O error, a full disk) the first one's change cannot be taken back alone: the
    // batch is marked and rolled back whole at the flush, its writes refused as a failed
    // commit's are.
    this.txCreate = (key: string, value: string): storage.KeyValue => {
      const revision = this.revision + 1;
      // The kv row is the existence test: a key that has one refuses it and nothing is written
      // (one statement a create instead of a lookup and an insert).
      if (Number(s.insertKvIfAbsent.run(key, revision, revision).changes) === 0) throw new storage.KeyExistsError(key);
      this.second(() => s.insertHistory.run(revision, key, value, 0, revision, null));
      return { key, value, createRevision: revision, modRevision: revision };
    };
    this.txUpdate = (key: string, value: string, expected: number): [storage.KeyValue, storage.KeyValue] => {
      const cur = s.current.get(key);
      if (!cur) throw new storage.KeyNotFoundError(key);
      const prev: storage.KeyValue = { key, value: cur.v, createRevision: cur.c, modRevision: cur.m };
      if (cur.m !== expected) throw new storage.RevisionMismatchError(key, prev);
      const revision = this.revision + 1;
      s.insertHistory.run(revision, key, value, 0, cur.c, cur.m);
      this.second(() => s.updateKv.run(revision, key));
      return [{ key, value, createRevision: cur.c, modRevision: revision }, prev];
    };
    this.txDelete = (key: string, expected: number | undefined): [storage.KeyValue, storage.KeyValue] => {
      const cur = s.current.get(key);
      if (!cur) throw new storage.KeyNotFoundError(key);
      const prev: storage.KeyValue = { key, value: cur.v, createRevision: cur.c, modRevision: cur.m };
      if (expected !== undefined && cur.m !== expected) throw new storage.RevisionMismatchError(key, prev);
      const revision = this.revision + 1;
      s.insertHistory.run(revision, key, cur.v, 1, cur.c, cur.m);
      this.second(() => s.deleteKv.run(key));
      return [{ key, value: cur.v, createRevision: cur.c, modRevision: revision }, prev];
    };
    const compactSlice = this.db.transaction((lo: number, hi: number) => {
      // Superseded rows first: a tombstone is itself the successor of the key's last value.
      s.compactSuperseded.run(lo, hi);
      s.compactTombstones.run(lo, hi);
      s.setMeta.run('compacted_revision', hi);
    });
    this.txCompactSlice = (lo, hi) => {
      compactSlice(lo, hi);
      // Its frames are in the WAL, not yet covered by an fsync of ours.
      this.commits++;
    };
    // Undoes every write above a revision, newest first, from what each history row records.
    const undo = this.db.transaction((above: number) => {
      for (const r of s.undo.all(above)) {
        if (r.deleted) s.undoInsertKv.run(r.key, r.c, r.prev!);
        else if (r.prev === null) s.deleteKv.run(r.key);
        else s.updateKv.run(r.prev, r.key);
      }
      s.dropAbove.run(above);
    });
    this.txUndo = (above) => {
      undo(above);
      this.commits++;
    };

    const every = opts.compactEvery ?? 60_000;
    const keep = opts.keepRevisions ?? 10_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        const target = this.published - keep;
        if (target > this.compacted) {
          this.compact(target).catch((e) => console.error('sqlite store: automatic compaction failed:', e));
        }
      }, every);
      this.timer.unref();
    }
  }

  /** The newest durable revision: every event at or below it has reached the watchers. */
  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.published;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string): Promise<storage.KeyValue | undefined> {
    this.checkOpen();
    // The key's newest write is not durable yet: wait for its fsync (a few ms) rather than
    // answer with the value it replaces, which a compare-and-swap would only lose against.
    for (let waits = 0; waits < 3; waits++) {
      const row = this.stmt.current.get(key);
      if (!row || row.m <= this.published) return row && { key, value: row.v, createRevision: row.c, modRevision: row.m };
      await this.settled(row.m);
      this.checkOpen();
    }
    // Still newer writes after three fsyncs: answer as of the newest durable revision.
    const at = this.stmt.getAt.get(key, this.published);
    return at && !at.deleted ? { key, value: at.v, createRevision: at.c, modRevision: at.m } : undefined;
  }

  async range(prefix: string, opts: storage.RangeOptions = {}): Promise<storage.RangeResult> {
    this.checkOpen();
    const revision = storage.readRevision(opts.revision, this.published, this.compacted);
    const from = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix;
    const end = prefixEnd(prefix) ?? NO_END;
    // The kv table holds the newest rows; while some are not durable, read through history.
    const now = revision === this.revision && revision === this.published;
    const countRows = () => (now ? this.stmt.countNow.get(from, end) : this.stmt.countAt.get(from, end, revision))!.n;
    if (opts.countOnly) return { kvs: [], revision, more: false, count: countRows() };
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    // One row past the limit tells whether there is more without counting.
    const fetch = limit > 0 ? limit + 1 : -1;
    const rows = now ? this.stmt.rangeNow.all(from, end, fetch) : this.stmt.rangeAt.all(from, end, revision, fetch);
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const kvs = rows.map((r): storage.KeyValue => ({ key: r.key, value: r.value, createRevision: r.c, modRevision: r.m }));
    return { kvs, revision, more, count: more ? countRows() : kvs.length };
  }

  /**
   * Queues a committed write; it is published to watchers and its promise resolved once the
   * WAL holding it is fsynced. One fsync serves every write committed before it started.
   */
  private durable(revision: number, event: storage.WatchEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ revision, event, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Opens the tick's batch transaction if no write has yet (see the header). */
  private openBatch(): void {
    if (this.batchOpen) return;
    this.db.begin();
    this.batchOpen = true;
    // Committed by the next flush, even if every write in it is refused.
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    // With the most fsyncs in flight, the oldest one's completion flushes (synced()).
    if (this.flushQueued || this.inflight.length >= MAX_FSYNCS_IN_FLIGHT) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** A flush is queued or an fsync is in flight: what is committed is not all published yet. */
  private get syncing(): boolean {
    return this.flushQueued || this.inflight.length > 0 || this.checkpointing;
  }

  /**
   * Commits the batch transaction, if open. A commit that fails leaves nothing of the batch:
   * it is rolled back and the writes in it are refused as a failed fsync's are (fail()).
   */
  private commitBatch(): Error | undefined {
    if (!this.batchOpen) return undefined;
    this.batchOpen = false;
    const halfDone = this.halfDone;
    this.halfDone = undefined;
    // Not committed: fail() rolls it back.
    if (halfDone) return new Error(`sqlite store: a write in the batch failed halfway, the batch is undone: ${halfDone.message}`);
    try {
      this.db.commit();
      this.commits++;
      return undefined;
    } catch (e) {
      return new Error(`sqlite store: commit failed: ${(e as Error).message}`);
    }
  }

  /** The second statement of a write: if it fails, the batch is not committed (see the write functions). */
  private second(run: () => unknown): void {
    try {
      run();
    } catch (e) {
      this.halfDone ??= e as Error;
      throw e;
    }
  }

  /** Resolves once revision is published or undone (a failed fsync). */
  private settled(revision: number): Promise<void> {
    if (revision <= this.published || !this.syncing) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push({ revision, resolve }));
  }

  /**
   * Commits the batch and asks for the fsync that makes it durable, while the last batch's
   * may still be running (at most MAX_FSYNCS_IN_FLIGHT): with few clients the event loop
   * otherwise sat idle through each fsync, the next batch held back until it ended. An fsync
   * covers every write made to the file before it began, but a batch is published (its
   * events sent, its writers answered) only once its own fsync and every earlier one have
   * succeeded, in revision order; one that fails refuses every write not published, and the
   * fsyncs asked for before that no longer count (epoch).
   */
  private flush(): void {
    // The WAL was checkpointed and the database file's fsync is running: a commit now could
    // start the WAL over (see checkpointIfQuiet). The batch stays open; the fsync's end flushes.
    if (this.checkpointing) return;
    const failed = this.commitBatch();
    for (const w of this.commitWaiters.splice(0)) w();
    if (failed) {
      this.failInFlight(failed);
      return;
    }
    // What is committed now is what this fsync covers.
    const upTo = this.revision;
    const asked = this.inflight.length ? this.inflight[this.inflight.length - 1].upTo : this.published;
    if (upTo <= asked) {
      // A batch whose every write was refused: nothing more to make durable.
      this.wakeSettled(false);
      return;
    }
    try {
      // The WAL file exists once a write has committed; the fd follows it across checkpoints.
      this.walFd ??= openSync(`${this.path}-wal`, 'r');
    } catch (e) {
      this.failInFlight(e as Error);
      return;
    }
    const sync = { upTo, done: false };
    this.inflight.push(sync);
    const epoch = this.epoch;
    const commits = this.commits;
    this.fsync(this.walFd, (err) => {
      // Its writes were refused already, when an earlier one failed.
      if (epoch !== this.epoch) return;
      if (err) this.failInFlight(new Error(`sqlite store: fsync of the WAL failed: ${err.message}`));
      else {
        sync.done = true;
        this.commitsSynced = Math.max(this.commitsSynced, commits);
        this.synced();
      }
    });
  }

  /** An fsync succeeded: publishes every batch whose fsync and all earlier ones have. */
  private synced(): void {
    let upTo = this.published;
    while (this.inflight.length && this.inflight[0].done) upTo = this.inflight.shift()!.upTo;
    // A later fsync ended first: its batch waits for the earlier one's.
    if (upTo === this.published) return;
    let n = 0;
    while (n < this.pending.length && this.pending[n].revision <= upTo) n++;
    const batch = this.pending.splice(0, n);
    this.published = upTo;
    // The writes made meanwhile go to the disk now, before this batch's events and answers
    // are handled, so that their fsync overlaps that work. This batch is out of `pending` and
    // published, so a failure of a later one (which refuses what is above `published`)
    // cannot touch it.
    if (this.batchOpen) this.flush();
    // In revision order, before any writer hears back (see watchhub.ts).
    for (const w of batch) this.hub.publish(w.event);
    for (const w of batch) w.resolve();
    this.wakeSettled(false);
    this.writesSinceCheckpoint += batch.length;
    this.checkpointIfQuiet();
  }

  /**
   * Checkpoints the WAL into the database file at a quiet moment, without an fsync on the event
   * loop. SQLite's own checkpoint (WAL_AUTOCHECKPOINT_PAGES) runs inside a COMMIT, which then
   * waits on the event loop for two fsyncs (the WAL, so that no page reaches the database file
   * before the commit holding it is durable; then the database file, before the WAL may start
   * over). Here, when no batch is open and every commit is covered by an fsync of ours, the WAL
   * is durable already: the checkpoint runs with synchronous=OFF (it copies the pages, no
   * fsync), and the database file's fsync goes to the thread pool. Until it is done nothing is
   * committed (flush() waits; writes join the open batch; cache_spill is off so that no page
   * reaches the WAL either; compaction waits), as SQLite starts the WAL over at the first commit
   * after a complete checkpoint: an acknowledged write is always in the WAL or in a durable
   * database file, as with SQLite's own checkpoint.
   */
  private checkpointIfQuiet(): void {
    if (this.writesSinceCheckpoint < this.quietCheckpointWrites || this.checkpointing || this.closed || this.broken) return;
    if (this.batchOpen || this.flushQueued || this.inflight.length > 0 || this.commitsSynced !== this.commits) return;
    this.writesSinceCheckpoint = 0;
    try {
      this.dbFd ??= openSync(this.path, 'r');
      this.db.pragma('cache_spill = OFF');
      this.db.pragma('synchronous = OFF');
      try {
        this.db.pragma('wal_checkpoint(PASSIVE)');
      } finally {
        this.db.pragma('synchronous = NORMAL');
      }
    } catch (e) {
      // Nothing copied yet counts: SQLite's own checkpoint takes over.
      this.db.pragma('cache_spill = ON');
      console.error(`sqlite store: checkpoint failed: ${(e as Error).message}`);
      return;
    }
    this.checkpointing = true;
    this.fsyncDb(this.dbFd, (err) => {
      if (err) {
        // The WAL still holds every commit (it has not started over); a store that went on
        // would start it over on a database file that may not hold them. It stops instead:
        // opened again, SQLite recovers from the WAL.
        const broken = new Error(`sqlite store: fsync of the database file after a checkpoint failed: ${err.message}`);
        this.broken = broken;
        this.dbUnsynced = true;
        console.error(broken.message);
        this.checkpointing = false;
        // The open batch was never committed: rolled back, its writes refused.
        const refused = this.pending.splice(0);
        this.batchOpen = false;
        this.halfDone = undefined;
        try {
          if (this.db.inTransaction) this.db.rollback();
        } catch {
          /* the store is stopped either way */
        }
        this.revision = this.published;
        for (const w of refused) w.reject(broken);
        this.wakeSettled(true);
        for (const w of this.commitWaiters.splice(0)) w();
        return;
      }
      this.checkpointing = false;
      this.db.pragma('cache_spill = ON');
      for (const w of this.commitWaiters.splice(0)) w();
      if (this.batchOpen) this.scheduleFlush();
      else this.wakeSettled(false);
    });
  }

  /** A commit or an fsync failed: every write not published is undone and refused (fail()). */
  private failInFlight(err: Error): void {
    this.epoch++;
    this.inflight = [];
    this.fail(err);
    this.wakeSettled(true);
  }

  private wakeSettled(all: boolean): void {
    const still = [];
    for (const w of this.settleWaiters) {
      if (all || w.revision <= this.published) w.resolve();
      else still.push(w);
    }
    this.settleWaiters = still;
  }

  /**
   * The WAL could not be made durable: undo every write nobody has seen (all above
   * `published`, including those committed while the fsync ran) and refuse them. If even the
   * undo fails, the store stops: its file no longer says what it told anyone.
   */
  private fail(err: Error): void {
    const refused = this.pending.splice(0);
    try {
      // A batch still open (writes made while the fsync ran) goes first, whole.
      this.batchOpen = false;
      if (this.db.inTransaction) this.db.rollback();
      this.txUndo(this.published);
      this.revision = this.published;
    } catch (e) {
      this.broken = new Error(`sqlite store: ${err.message}; undoing the writes not made durable failed too: ${(e as Error).message}`);
      console.error(this.broken.message);
    }
    console.error(`${err.message}: ${refused.length} write(s) above revision ${this.published} undone and refused`);
    for (const w of refused) w.reject(err);
  }

  async create(key: string, value: string): Promise<storage.KeyValue> {
    this.checkOpen();
    this.openBatch();
    const kv = this.txCreate(key, value);
    // Only a committed transaction moves the counter.
    this.revision = kv.modRevision;
    await this.durable(kv.modRevision, { type: 'put', kv: { ...kv } });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<storage.KeyValue> {
    this.checkOpen();
    this.openBatch();
    const [kv, prevKv] = this.txUpdate(key, value, expectedModRevision);
    this.revision = kv.modRevision;
    await this.durable(kv.modRevision, { type: 'put', kv: { ...kv }, prevKv });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<storage.KeyValue> {
    this.checkOpen();
    this.openBatch();
    const [kv, prevKv] = this.txDelete(key, expectedModRevision);
    this.revision = kv.modRevision;
    await this.durable(kv.modRevision, { type: 'delete', kv: { ...kv }, prevKv });
    return kv;
  }

  async watch(prefix: string, after: number, onEvent: storage.EventHandler, onError?: storage.ErrorHandler): Promise<storage.Watcher> {
    this.checkOpen();
    const { events, upTo } = this.replay(prefix, after);
    // Replay read and registration happen in one synchronous step: no write falls between.
    return this.hub.add(prefix, upTo, events, onEvent, onError);
  }

  /**
   * The durable events under prefix above `after`, and the revision they run to (the newest
   * durable one, or `after` if later): what a watch from `after` replays before live events.
   * A watch's replay for a store on a worker thread (sqliteworker.ts), whose live events come
   * from one watch of everything.
   */
  replay(prefix: string, after: number): { events: storage.WatchEvent[]; upTo: number } {
    this.checkOpen();
    if (after < this.compacted) throw new storage.CompactedError(after, this.compacted);
    const events: storage.WatchEvent[] = [];
    // Replay what is durable; later writes reach the watcher when they are (published after).
    if (after < this.published) {
      for (const r of this.stmt.replay.iterate(after, this.published, prefix, prefixEnd(prefix) ?? NO_END)) {
        const prevKv = r.pm === null ? undefined : { key: r.key, value: r.pv!, createRevision: r.pc!, modRevision: r.pm };
        const kv: storage.KeyValue = { key: r.key, value: r.value, createRevision: r.c, modRevision: r.revision };
        events.push(r.deleted ? { type: 'delete', kv, prevKv } : { type: 'put', kv, prevKv });
      }
    }
    return { events, upTo: Math.max(after, this.published) };
  }

  /** The newest revision written (durable or not): a write's own revision once its call has returned its promise. */
  get committedRevision(): number {
    return this.revision;
  }

  /** The newest durable revision (what currentRevision() answers), synchronously. */
  get publishedRevision(): number {
    return this.published;
  }

  /**
   * Compacts up to revision in slices of COMPACT_SLICE revisions, each its own transaction,
   * with a turn of the event loop between them: a long history never stalls requests.
   * Reads and watches below the compacted revision fail as each slice lands.
   */
  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.published) throw new Error(`cannot compact at future revision ${revision} (current ${this.published})`);
    // One compaction at a time; a later call continues from where the running one ends.
    while (this.compacting) await this.compacting;
    if (revision <= this.compacted) return;
    this.compacting = (async () => {
      while (this.compacted < revision && !this.closed) {
        this.checkOpen();
        // A slice is its own transaction, never part of a batch of writes that may yet be undone,
        // nor committed while a checkpoint's fsync runs (checkpointIfQuiet).
        if (this.batchOpen || this.checkpointing) {
          await new Promise<void>((r) => this.commitWaiters.push(r));
          continue;
        }
        const hi = Math.min(revision, this.compacted + COMPACT_SLICE);
        this.txCompactSlice(this.compacted, hi);
        this.compacted = hi;
        if (hi < revision) await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      await this.compacting;
    } finally {
      this.compacting = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    // Acknowledge what is in flight before the file goes; let a compaction slice finish.
    while (this.syncing) await new Promise((r) => setTimeout(r, 1));
    await this.compacting?.catch(() => undefined);
    this.hub.closeAll(new Error('store closed'));
    if (this.dbUnsynced) {
      // SQLite's close would find the WAL checkpointed and delete it: only once the database
      // file is durable. Else the connection is left open and the WAL stays for the next open.
      try {
        fsyncSync(this.dbFd!);
        this.dbUnsynced = false;
      } catch (e) {
        console.error(`sqlite store: the database file still cannot be fsynced (${(e as Error).message}): its WAL is kept`);
        return;
      }
    }
    this.db.close();
    for (const fd of [this.walFd, this.dbFd]) {
      if (fd === undefined) continue;
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.walFd = undefined;
    this.dbFd = undefined;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('store closed');
    if (this.broken) throw this.broken;
  }
}
