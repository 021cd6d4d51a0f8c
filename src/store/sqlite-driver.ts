// The SQLite driver under the embedded store: Node's built-in node:sqlite where the running Node
// has it unflagged (22.13+, also 22.5+ when started with --experimental-sqlite), else the
// better-sqlite3 package (Node 20). Both are the same SQLite library; this module gives the
// store the small part of better-sqlite3's shape it uses (prepare, exec, pragma, transaction,
// pluck), so the store's SQL and tests are one for both. It has no Kubernetes counterpart:
// etcd links bbolt directly.
//
// K8TS_SQLITE_DRIVER=node:sqlite|better-sqlite3 picks one (tests run the store on each).
// The database file and its WAL are created 0600: the store holds every Secret.

import { chmodSync, closeSync, fchmodSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export interface SqliteStatement<P extends unknown[] = unknown[], R = unknown> {
  run(...params: P): { changes: number | bigint };
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
  /** Rows become their first column's value. */
  pluck(): SqliteStatement<P, unknown>;
}

export interface SqliteDatabase {
  readonly driver: SqliteDriverName;
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): SqliteStatement<P, R>;
  exec(sql: string): void;
  /** `PRAGMA <text>`, e.g. pragma('journal_mode = WAL'). */
  pragma(text: string): void;
  /**
   * fn in BEGIN/COMMIT, rolled back when it throws (as better-sqlite3's transaction()). Inside
   * an open transaction (begin(), or another transaction()) it is a savepoint: a throw undoes
   * fn's changes alone.
   */
  transaction<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T;
  /** Opens a transaction that spans calls (and turns of the event loop) until commit() or rollback(). */
  begin(): void;
  commit(): void;
  rollback(): void;
  /** True between begin() and commit()/rollback() (or inside a transaction() call). */
  readonly inTransaction: boolean;
  close(): void;
}

export interface OpenOptions {
  /** How long a statement waits for another connection's lock, in ms. */
  busyTimeoutMs?: number;
}

const require = createRequire(import.meta.url);

// The subset of node:sqlite used here (@types/node 20 does not describe the module).
interface NodeStatementSync {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate?(...params: unknown[]): IterableIterator<unknown>;
}
interface NodeDatabaseSync {
  prepare(sql: string): NodeStatementSync;
  exec(sql: string): void;
  close(): void;
}
interface NodeSqliteModule {
  DatabaseSync: new (file: string) => NodeDatabaseSync;
}

let nodeSqlite: NodeSqliteModule | null | undefined;

function loadNodeSqlite(): NodeSqliteModule | null {
  if (nodeSqlite !== undefined) return nodeSqlite;
  // Node 22/23 print an ExperimentalWarning when the module loads; the store is not experimental
  // to the person running `k8ts up`, so that one warning is dropped.
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    nodeSqlite = require('node:sqlite') as NodeSqliteModule;
  } catch {
    nodeSqlite = null;
  } finally {
    process.emitWarning = emit;
  }
  return nodeSqlite;
}

/** Which driver openDatabase uses in this process. */
export function sqliteDriver(): SqliteDriverName {
  const wanted = process.env.K8TS_SQLITE_DRIVER;
  if (wanted === 'better-sqlite3') return 'better-sqlite3';
  if (wanted === 'node:sqlite') {
    if (!loadNodeSqlite())
      throw new Error(`K8TS_SQLITE_DRIVER=node:sqlite, but Node.js ${process.version} has no node:sqlite (22.13 or newer has it)`);
    return 'node:sqlite';
  }
  if (wanted) throw new Error(`K8TS_SQLITE_DRIVER must be node:sqlite or better-sqlite3, got ${JSON.stringify(wanted)}`);
  return loadNodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

/**
 * Creates the database file 0600 before SQLite opens it: SQLite gives its WAL and shared-memory
 * files the database file's permissions, so they are private too. An existing file (and its
 * WAL) made looser by an older k8ts is tightened.
 */
function createPrivate(file: string): void {
  const fd = openSync(file, 'a', 0o600);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  for (const side of ['-wal', '-shm', '-journal']) {
    try {
      chmodSync(`${file}${side}`, 0o600);
    } catch {
      /* not there */
    }
  }
}

export function openDatabase(file: string, opts: OpenOptions = {}): SqliteDatabase {
  const driver = sqliteDriver();
  createPrivate(file);
  return driver === 'node:sqlite' ? openNode(file, opts) : openBetter(file, opts);
}

function openBetter(file: string, opts: OpenOptions): SqliteDatabase {
  let Database: typeof BetterSqlite3;
  try {
    Database = require('better-sqlite3') as typeof BetterSqlite3;
  } catch (e) {
    throw new Error(
      `the SQLite store needs Node.js 22.13 or newer (node:sqlite), or the better-sqlite3 package on Node.js ${process.version}: npm install better-sqlite3 (${(e as Error).message})`,
    );
  }
  const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 });
  const [begin, commit, rollback] = ['BEGIN', 'COMMIT', 'ROLLBACK'].map((sql) => db.prepare(sql));
  return {
    driver: 'better-sqlite3',
    prepare: <P extends unknown[], R>(sql: string) => db.prepare(sql) as unknown as SqliteStatement<P, R>,
    exec: (sql) => {
      db.exec(sql);
    },
    pragma: (text) => {
      db.pragma(text);
    },
    transaction: (fn) => db.transaction(fn) as unknown as typeof fn,
    begin: () => {
      begin.run();
    },
    commit: () => {
      commit.run();
    },
    rollback: () => {
      rollback.run();
    },
    get inTransaction() {
      return db.inTransaction;
    },
    close: () => {
      db.close();
    },
  };
}

function openNode(file: string, opts: OpenOptions): SqliteDatabase {
  const { DatabaseSync } = loadNodeSqlite()!;
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  let depth = 0;
  const wrap = <P extends unknown[], R>(s: NodeStatementSync, pluck: boolean): SqliteStatement<P, R> => {
    const first = (row: unknown): unknown => (row && typeof row === 'object' ? Object.values(row)[0] : row);
    const out = (row: unknown) => (pluck ? first(row) : row) as R;
    return {
      run: (...p) => s.run(...p),
      get: (...p) => {
        const r = s.get(...p);
        return r === undefined ? undefined : out(r);
      },
      all: (...p) => s.all(...p).map(out),
      // StatementSync.iterate arrived in 22.13; before it, all() gives the same rows.
      iterate: (...p) => {
        const it = s.iterate ? s.iterate(...p) : s.all(...p)[Symbol.iterator]();
        return pluck
          ? (function* () {
              for (const r of it) yield out(r);
            })()
          : (it as IterableIterator<R>);
      },
      pluck: () => wrap<P, unknown>(s, true),
    };
  };
  return {
    driver: 'node:sqlite',
    prepare: <P extends unknown[], R>(sql: string) => wrap<P, R>(db.prepare(sql), false),
    exec: (sql) => {
      db.exec(sql);
    },
    pragma: (text) => {
      db.exec(`PRAGMA ${text}`);
    },
    transaction:
      <A extends unknown[], T>(fn: (...args: A) => T) =>
      (...args: A): T => {
        // Nested calls join the outer transaction through a savepoint, as better-sqlite3 does.
        const sp = `k8ts_tx_${depth}`;
        db.exec(depth === 0 ? 'BEGIN' : `SAVEPOINT ${sp}`);
        depth++;
        try {
          const r = fn(...args);
          depth--;
          db.exec(depth === 0 ? 'COMMIT' : `RELEASE ${sp}`);
          return r;
        } catch (e) {
          depth--;
          db.exec(depth === 0 ? 'ROLLBACK' : `ROLLBACK TO ${sp}; RELEASE ${sp}`);
          throw e;
        }
      },
    begin: () => {
      if (depth > 0) throw new Error('cannot begin a transaction within a transaction');
      db.exec('BEGIN');
      depth = 1;
    },
    commit: () => {
      if (depth !== 1) throw new Error('no transaction opened by begin() to commit');
      db.exec('COMMIT');
      depth = 0;
    },
    rollback: () => {
      if (depth !== 1) throw new Error('no transaction opened by begin() to roll back');
      depth = 0;
      try {
        db.exec('ROLLBACK');
      } catch (e) {
        // A COMMIT that failed on an I/O error has already rolled the transaction back.
        if (!/no transaction is active/.test((e as Error).message)) throw e;
      }
    },
    get inTransaction() {
      return depth > 0;
    },
    close: () => {
      db.close();
    },
  };
}
