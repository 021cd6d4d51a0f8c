// The embedded default store: MVCC on one SQLite file, <dataDir>/state.db.
//
// history holds one row per revision (the value written, or a tombstone for a delete), so a
// read at a past revision is "each key's newest row at or below it" and a watch replay is a
// scan of the revision primary key. kv maps each live key to its newest row, which keeps the
// common reads (get, list) to one index lookup plus a primary-key join.
//
// Durability: a write's promise resolves only once the WAL holding it is fsynced. Writes of one
// tick share one fsync (group commit): SQLite commits each in WAL mode with synchronous=NORMAL
// (no fsync of its own), then one fsync of the WAL file acknowledges them all, so an
// acknowledged write survives kill -9 and power loss alike, at a fraction of the fsyncs.
// The connection holds an exclusive lock: one process owns the data directory, which is also
// what lets the revision counter live in memory between writes.

import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase, type SqliteStatement } from './sqlite-driver.js';
import { prefixEnd } from './keyrange.js';
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError,
  type KeyValue, type RangeOptions, type RangeResult, type Store, type WatchEvent, type Watcher,
} from './types.js';
import { WatchHub } from './watchhub.js';

export interface SqliteStoreOptions {
  /** How often automatic compaction runs, in ms (0: never). Default 60 s. */
  compactEvery?: number;
  /** Revisions of history automatic compaction keeps. Default 10,000. */
  keepRevisions?: number;
}

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

interface CurrentRow { c: number; m: number; v: string }
interface KvRow { key: string; value: string; c: number; m: number }
interface HistoryRow { revision: number; key: string; value: string; deleted: number; c: number; pc: number | null; pm: number | null; pv: string | null }

export class SqliteStore implements Store {
  readonly name = 'sqlite';
  readonly path: string;
  private db: SqliteDatabase;
  private revision: number;
  private compacted: number;
  private hub = new WatchHub();
  private timer?: NodeJS.Timeout;
  private closed = false;

  private stmt: {
    current: SqliteStatement<[string], CurrentRow>;
    insertHistory: SqliteStatement<[number, string, string, number, number, number | null]>;
    insertKv: SqliteStatement<[string, number, number]>;
    updateKv: SqliteStatement<[number, string]>;
    deleteKv: SqliteStatement<[string]>;
    rangeNow: SqliteStatement<[string, string | Buffer, number], KvRow>;
    countNow: SqliteStatement<[string, string | Buffer], { n: number }>;
    rangeAt: SqliteStatement<[string, string | Buffer, number, number], KvRow>;
    countAt: SqliteStatement<[string, string | Buffer, number], { n: number }>;
    replay: SqliteStatement<[number, string, string | Buffer], HistoryRow>;
    compact: SqliteStatement<[{ revision: number }]>;
    setMeta: SqliteStatement<[string, number]>;
  };
  private txCreate: (key: string, value: string) => KeyValue;
  private txUpdate: (key: string, value: string, expected: number) => [KeyValue, KeyValue];
  private txDelete: (key: string, expected: number | undefined) => [KeyValue, KeyValue];
  private txCompact: (revision: number) => void;
  /** Group commit: writes waiting for the next fsync of the WAL, and whether one runs. */
  private syncWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private syncing = false;
  private walFd?: number;

  constructor(dataDir: string, opts: SqliteStoreOptions = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'state.db');
    // A short busy timeout: the only contender is another process owning this directory.
    this.db = openDatabase(this.path, { busyTimeoutMs: 1000 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    } catch (e) {
      this.db.close();
      throw new Error(`cannot open ${this.path}: ${(e as Error).message} (is another process using this data directory?)`);
    }
    const meta = (name: string): number | undefined =>
      (this.db.prepare('SELECT value FROM meta WHERE name = ?').pluck().get(name) as number | undefined);
    const version = meta('schema_version');
    if (version === undefined) this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run('schema_version', SCHEMA_VERSION);
    else if (version !== SCHEMA_VERSION) throw new Error(`${this.path}: unknown schema version ${version}`);
    this.compacted = meta('compacted_revision') ?? 0;
    // Every revision above the compacted one still has its history row, and compaction
    // records how far it went, so together they give the counter without a write per op.
    const newest = (this.db.prepare('SELECT max(revision) FROM history').pluck().get() as number | null) ?? 0;
    this.revision = Math.max(newest, this.compacted);

    const p = <B extends unknown[], R = unknown>(sql: string) => this.db.prepare<B, R>(sql);
    const kvCols = 'k.key AS key, h.value AS value, k.create_revision AS c, k.mod_revision AS m';
    this.stmt = {
      current: p('SELECT k.create_revision AS c, k.mod_revision AS m, h.value AS v FROM kv k JOIN history h ON h.revision = k.mod_revision WHERE k.key = ?'),
      insertHistory: p('INSERT INTO history (revision, key, value, deleted, create_revision, prev_revision) VALUES (?, ?, ?, ?, ?, ?)'),
      insertKv: p('INSERT INTO kv (key, create_revision, mod_revision) VALUES (?, ?, ?)'),
      updateKv: p('UPDATE kv SET mod_revision = ? WHERE key = ?'),
      deleteKv: p('DELETE FROM kv WHERE key = ?'),
      rangeNow: p(`SELECT ${kvCols} FROM kv k JOIN history h ON h.revision = k.mod_revision WHERE k.key >= ? AND k.key < ? ORDER BY k.key LIMIT ?`),
      countNow: p('SELECT count(*) AS n FROM kv WHERE key >= ? AND key < ?'),
      // SQLite takes the bare columns of a max() aggregate from the row holding the max.
      rangeAt: p(`SELECT key, value, c, m FROM (
          SELECT key, value, deleted, create_revision AS c, max(revision) AS m FROM history
          WHERE key >= ? AND key < ? AND revision <= ? GROUP BY key)
        WHERE deleted = 0 ORDER BY key LIMIT ?`),
      countAt: p(`SELECT count(*) AS n FROM (
          SELECT deleted, max(revision) FROM history WHERE key >= ? AND key < ? AND revision <= ? GROUP BY key)
        WHERE deleted = 0`),
      replay: p(`SELECT h.revision AS revision, h.key AS key, h.value AS value, h.deleted AS deleted, h.create_revision AS c,
          p.create_revision AS pc, p.revision AS pm, p.value AS pv
        FROM history h LEFT JOIN history p ON p.revision = h.prev_revision
        WHERE h.revision > ? AND h.key >= ? AND h.key < ? ORDER BY h.revision`),
      // A row goes when it is a tombstone, or when a newer row of its key is also at or below
      // the compaction revision; what stays is each live key's value as of that revision.
      compact: p(`DELETE FROM history WHERE revision <= :revision AND (deleted = 1 OR EXISTS (
          SELECT 1 FROM history n WHERE n.key = history.key AND n.revision > history.revision AND n.revision <= :revision))`),
      setMeta: p('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };
    const s = this.stmt;

    this.txCreate = this.db.transaction((key: string, value: string): KeyValue => {
      if (s.current.get(key)) throw new KeyExistsError(key);
      const revision = this.revision + 1;
      s.insertHistory.run(revision, key, value, 0, revision, null);
      s.insertKv.run(key, revision, revision);
      return { key, value, createRevision: revision, modRevision: revision };
    });
    this.txUpdate = this.db.transaction((key: string, value: string, expected: number): [KeyValue, KeyValue] => {
      const cur = s.current.get(key);
      if (!cur) throw new KeyNotFoundError(key);
      const prev: KeyValue = { key, value: cur.v, createRevision: cur.c, modRevision: cur.m };
      if (cur.m !== expected) throw new RevisionMismatchError(key, prev);
      const revision = this.revision + 1;
      s.insertHistory.run(revision, key, value, 0, cur.c, cur.m);
      s.updateKv.run(revision, key);
      return [{ key, value, createRevision: cur.c, modRevision: revision }, prev];
    });
    this.txDelete = this.db.transaction((key: string, expected: number | undefined): [KeyValue, KeyValue] => {
      const cur = s.current.get(key);
      if (!cur) throw new KeyNotFoundError(key);
      const prev: KeyValue = { key, value: cur.v, createRevision: cur.c, modRevision: cur.m };
      if (expected !== undefined && cur.m !== expected) throw new RevisionMismatchError(key, prev);
      const revision = this.revision + 1;
      s.insertHistory.run(revision, key, cur.v, 1, cur.c, cur.m);
      s.deleteKv.run(key);
      return [{ key, value: cur.v, createRevision: cur.c, modRevision: revision }, prev];
    });
    this.txCompact = this.db.transaction((revision: number) => {
      s.compact.run({ revision });
      s.setMeta.run('compacted_revision', revision);
    });

    const every = opts.compactEvery ?? 60_000;
    const keep = opts.keepRevisions ?? 10_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        const target = this.revision - keep;
        if (target > this.compacted) {
          this.compact(target).catch((e) => console.error('sqlite store: automatic compaction failed:', e));
        }
      }, every);
      this.timer.unref();
    }
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    const row = this.stmt.current.get(key);
    return row && { key, value: row.v, createRevision: row.c, modRevision: row.m };
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    this.checkOpen();
    const revision = this.readRevision(opts.revision);
    const from = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix;
    const end = prefixEnd(prefix) ?? NO_END;
    const now = revision === this.revision;
    const countRows = () => (now ? this.stmt.countNow.get(from, end) : this.stmt.countAt.get(from, end, revision))!.n;
    if (opts.countOnly) return { kvs: [], revision, more: false, count: countRows() };
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    // One row past the limit tells whether there is more without counting.
    const fetch = limit > 0 ? limit + 1 : -1;
    const rows = now ? this.stmt.rangeNow.all(from, end, fetch) : this.stmt.rangeAt.all(from, end, revision, fetch);
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const kvs = rows.map((r): KeyValue => ({ key: r.key, value: r.value, createRevision: r.c, modRevision: r.m }));
    return { kvs, revision, more, count: more ? countRows() : kvs.length };
  }

  /** Resolves once everything committed so far is on disk; one fsync serves every waiter. */
  private durable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.syncWaiters.push({ resolve, reject });
      if (!this.syncing) { this.syncing = true; setImmediate(() => this.flush()); }
    });
  }

  private flush(): void {
    const batch = this.syncWaiters;
    this.syncWaiters = [];
    const done = (err: Error | null) => {
      for (const w of batch) err ? w.reject(err) : w.resolve();
      if (this.syncWaiters.length) setImmediate(() => this.flush());
      else this.syncing = false;
    };
    try {
      // The WAL file exists once a write has committed; the fd follows it across checkpoints.
      this.walFd ??= openSync(`${this.path}-wal`, 'r');
    } catch (e) {
      done(e as Error);
      return;
    }
    fsync(this.walFd, (err) => done(err ? new Error(`sqlite store: fsync of the WAL failed: ${err.message}`) : null));
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen();
    const kv = this.txCreate(key, value);
    // Only a committed transaction moves the counter.
    this.revision = kv.modRevision;
    this.hub.publish({ type: 'put', kv: { ...kv } });
    await this.durable();
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.checkOpen();
    const [kv, prevKv] = this.txUpdate(key, value, expectedModRevision);
    this.revision = kv.modRevision;
    this.hub.publish({ type: 'put', kv: { ...kv }, prevKv });
    await this.durable();
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    const [kv, prevKv] = this.txDelete(key, expectedModRevision);
    this.revision = kv.modRevision;
    this.hub.publish({ type: 'delete', kv: { ...kv }, prevKv });
    await this.durable();
    return kv;
  }

  async watch(prefix: string, fromRevision: number, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void): Promise<Watcher> {
    this.checkOpen();
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    const replay: WatchEvent[] = [];
    if (fromRevision < this.revision) {
      for (const r of this.stmt.replay.iterate(fromRevision, prefix, prefixEnd(prefix) ?? NO_END)) {
        const prevKv = r.pm === null ? undefined : { key: r.key, value: r.pv!, createRevision: r.pc!, modRevision: r.pm };
        const kv: KeyValue = { key: r.key, value: r.value, createRevision: r.c, modRevision: r.revision };
        replay.push(r.deleted ? { type: 'delete', kv, prevKv } : { type: 'put', kv, prevKv });
      }
    }
    // Replay read and registration happen in one synchronous step: no write falls between.
    return this.hub.add(prefix, Math.max(fromRevision, this.revision), replay, onEvent, onError);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.revision) throw new Error(`cannot compact at future revision ${revision} (current ${this.revision})`);
    if (revision <= this.compacted) return;
    this.txCompact(revision);
    this.compacted = revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    // Acknowledge what is in flight before the file goes.
    while (this.syncing) await new Promise((r) => setTimeout(r, 1));
    this.hub.closeAll(new Error('store closed'));
    this.db.close();
    if (this.walFd !== undefined) { try { closeSync(this.walFd); } catch { /* already closed */ } this.walFd = undefined; }
  }

  private readRevision(requested: number | undefined): number {
    if (!requested) return this.revision;
    if (requested < this.compacted) throw new CompactedError(requested, this.compacted);
    if (requested > this.revision) throw new Error(`required revision ${requested} is a future revision (current ${this.revision})`);
    return requested;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('store closed');
  }
}
