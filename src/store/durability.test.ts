// An acknowledged write survives kill -9: a child process writes and reports each key the
// store acknowledged; we SIGKILL it mid-stream and look for every one of them.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fsync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { SqliteStore } from './sqlite.js';

const ACKS_BEFORE_KILL = 300;

test('sqlite: every acknowledged write survives SIGKILL of the writer', () => killedWriter('continuous'));

// Rounds of eight writes, each round's end a quiet moment: the WAL is checkpointed every 50
// writes (checkpointIfQuiet), so the kill may land in one, or in its fsync of the database file.
test('sqlite: every acknowledged write survives SIGKILL of the writer with checkpoints at quiet moments', () => killedWriter('rounds'));

async function killedWriter(mode: 'continuous' | 'rounds'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-durability-'));
  const dataDir = join(dir, 'data');
  const script = join(dir, 'writer.mjs');
  // The writer imports the compiled store beside this compiled test.
  writeFileSync(
    script,
    `
import { SqliteStore } from ${JSON.stringify(new URL('./sqlite.js', import.meta.url).href)};
const rounds = process.argv[3] === 'rounds';
const store = new SqliteStore(process.argv[2], { compactEvery: 0, ...(rounds ? { quietCheckpointWrites: 50 } : {}) });
const body = JSON.stringify({ kind: 'Pod', metadata: { name: 'x' }, spec: { pad: 'x'.repeat(512) } });
let next = 0;
const write = async () => {
  const key = '/registry/pods/default/p' + next++;
  await store.create(key, body);
  process.stdout.write(key + '\\n');
};
if (rounds) for (;;) await Promise.all(Array.from({ length: 8 }, write));
// Eight writers at once, so that each batch transaction and fsync holds several writes.
await Promise.all(Array.from({ length: 8 }, async () => {
  for (;;) await write();
}));
`,
  );
  const child = spawn(process.execPath, [script, dataDir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const acked: string[] = [];
  try {
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    for await (const line of createInterface({ input: child.stdout })) {
      acked.push(line);
      if (acked.length === ACKS_BEFORE_KILL) child.kill('SIGKILL');
    }
    clearTimeout(deadline);
    assert.equal(await exited, 'SIGKILL', `writer ended on its own: ${stderr}`);
    assert.ok(acked.length >= ACKS_BEFORE_KILL, `only ${acked.length} acks before the writer ended: ${stderr}`);
    // Checkpoints ran: the database file holds pages beyond its schema's (~120 KiB of values acknowledged).
    if (mode === 'rounds') assert.ok(statSync(join(dataDir, 'state.db')).size > 64 * 1024, 'no checkpoint reached the database file');

    const store = new SqliteStore(dataDir, { compactEvery: 0 });
    try {
      const missing: string[] = [];
      for (const key of acked) if (!(await store.get(key))) missing.push(key);
      assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged keys lost`);
      const stored = await store.range('/registry/pods/default/', { countOnly: true });
      assert.ok(stored.count >= acked.length);
      assert.ok((await store.currentRevision()) >= acked.length);
      // And the store goes on from where it was.
      const next = await store.create('/registry/pods/default/after-crash', '{}');
      assert.equal(next.modRevision, stored.count + 1);
    } finally {
      await store.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- what watchers and readers see of a write whose fsync is slow or fails (issue #7, 11) ----

type FsyncCallback = (err: NodeJS.ErrnoException | null) => void;

/** A store whose WAL fsyncs wait until the test answers them. */
function heldFsyncStore(dir: string): { store: SqliteStore; held: FsyncCallback[] } {
  const held: FsyncCallback[] = [];
  const store = new SqliteStore(dir, {
    compactEvery: 0,
    fsync: (_fd, cb) => {
      held.push(cb);
    },
  });
  return { store, held };
}

/**
 * Runs a test against a heldFsyncStore in a temporary directory; afterwards answers the fsyncs
 * still held, closes the store and removes the directory, pass or fail.
 */
async function withHeldFsyncStore(run: (t: { store: SqliteStore; held: FsyncCallback[]; dir: string }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-durable-'));
  const { store, held } = heldFsyncStore(dir);
  try {
    await run({ store, held, dir });
  } finally {
    for (const cb of held) cb(null);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What is on disk under /r/ as key=value@modRevision, read by a store opened afresh on dir. */
async function onDisk(dir: string): Promise<string[]> {
  const again = new SqliteStore(dir, { compactEvery: 0 });
  try {
    return (await again.range('/r/')).kvs.map((k) => `${k.key}=${k.value}@${k.modRevision}`);
  } finally {
    await again.close();
  }
}

const until = async (what: string, cond: () => boolean) => {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

test('sqlite: a write is seen (watch, get, list, revision) only once its fsync is done', () =>
  withHeldFsyncStore(async ({ store, held }) => {
    const events: string[] = [];
    await store.watch('/r/', 0, (ev) => events.push(`${ev.type} ${ev.kv.key}`));
    let acked = false;
    const write = store.create('/r/a', '{"v":1}').then((kv) => {
      acked = true;
      return kv;
    });
    await until('the fsync to be asked for', () => held.length === 1);
    assert.deepEqual(events, [], 'no watcher hears of a write before its fsync');
    // A get of that key waits for the fsync instead of answering with what is not durable.
    const pendingGet = store.get('/r/a');
    assert.equal(await Promise.race([pendingGet, new Promise((r) => setTimeout(() => r('waiting'), 50))]), 'waiting');
    assert.equal((await store.range('/r/')).kvs.length, 0, 'a list does not show it');
    assert.equal(await store.currentRevision(), 0);
    assert.equal(acked, false);
    held.shift()!(null);
    const kv = await write;
    assert.equal(kv.modRevision, 1);
    assert.deepEqual(events, ['put /r/a']);
    assert.equal((await pendingGet)?.value, '{"v":1}');
    assert.equal(await store.currentRevision(), 1);
  }));

test('sqlite: a failed fsync undoes every write it covered (create, update, delete) and refuses them; nobody saw them', () =>
  withHeldFsyncStore(async ({ store, held, dir }) => {
    const settle = async <T>(p: Promise<T>) => {
      await until('an fsync', () => held.length > 0);
      held.shift()!(null);
      return p;
    };
    await settle(store.create('/r/keep', 'k1'));
    await settle(store.create('/r/gone', 'g1'));
    const events: string[] = [];
    await store.watch('/r/', 2, (ev) => events.push(`${ev.type} ${ev.kv.key}`));
    const writes = [store.update('/r/keep', 'k2', 1), store.delete('/r/gone'), store.create('/r/new', 'n1')];
    const outcomes = Promise.allSettled(writes);
    await until('the fsync', () => held.length === 1);
    const eio = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    held.shift()!(eio);
    const results = await outcomes;
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    );
    assert.match(String((results[0] as PromiseRejectedResult).reason), /fsync of the WAL failed/);
    assert.deepEqual(events, [], 'no watcher heard of the undone writes');
    assert.equal((await store.get('/r/keep'))?.value, 'k1');
    assert.equal((await store.get('/r/keep'))?.modRevision, 1);
    assert.equal((await store.get('/r/gone'))?.value, 'g1');
    assert.equal(await store.get('/r/new'), undefined);
    assert.deepEqual(
      (await store.range('/r/')).kvs.map((k) => k.key),
      ['/r/gone', '/r/keep'],
    );
    assert.equal(await store.currentRevision(), 2);
    // The store goes on: the next write takes revision 3 (nobody saw the undone ones).
    const next = await settle(store.update('/r/keep', 'k3', 1));
    assert.equal(next.modRevision, 3);
    assert.deepEqual(events, ['put /r/keep']);
    await store.close();
    // And what is on disk agrees.
    assert.deepEqual(await onDisk(dir), ['/r/gone=g1@2', '/r/keep=k3@3']);
  }));

test('sqlite: the writes of one tick share one transaction and one fsync; a refused write undoes only itself', () =>
  withHeldFsyncStore(async ({ store, held, dir }) => {
    const first = store.create('/r/a', 'a0');
    await until('an fsync', () => held.length === 1);
    held.shift()!(null);
    await first;
    const outcomes = Promise.allSettled([
      store.create('/r/b', 'b'),
      store.create('/r/a', 'dup'),
      store.update('/r/a', 'a1', 99),
      store.create('/r/c', 'c'),
      store.delete('/r/none'),
    ]);
    await until('the fsync', () => held.length === 1);
    held.shift()!(null);
    assert.deepEqual(
      (await outcomes).map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected'],
    );
    assert.equal(held.length, 0, 'one fsync for the whole tick');
    // A tick of refused writes only: its (empty) batch is committed too, so compaction, which
    // runs outside batches, is not left waiting, and nothing stays open.
    await assert.rejects(store.create('/r/b', 'again'));
    await store.compact(await store.currentRevision());
    await store.close();
    assert.deepEqual(await onDisk(dir), ['/r/a=a0@1', '/r/b=b@2', '/r/c=c@3']);
  }));

test('sqlite: when an fsync fails, the writes made while it ran (the next batch) are undone and refused too', () =>
  withHeldFsyncStore(async ({ store, held, dir }) => {
    const covered = store.create('/r/a', 'a');
    await until('an fsync', () => held.length === 1);
    const meanwhile = [store.create('/r/b', 'b'), store.create('/r/a', 'dup')];
    const outcomes = Promise.allSettled([covered, ...meanwhile]);
    held.shift()!(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    const results = await outcomes;
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /fsync of the WAL failed/);
    assert.equal(await store.currentRevision(), 0);
    assert.deepEqual((await store.range('/r/')).kvs, []);
    const next = store.create('/r/c', 'c');
    await until('an fsync', () => held.length === 1);
    held.shift()!(null);
    assert.equal((await next).modRevision, 1);
    await store.close();
    assert.deepEqual(await onDisk(dir), ['/r/c=c@1']);
  }));

test('sqlite: the next batch is committed and its fsync asked for before the last batch is answered; its failure leaves that batch acknowledged', () =>
  withHeldFsyncStore(async ({ store, held, dir }) => {
    const events: string[] = [];
    await store.watch('/r/', 0, (ev) => events.push(`${ev.kv.key}@${ev.kv.modRevision}`));
    const first = store.create('/r/a', 'a');
    await until('an fsync', () => held.length === 1);
    const second = store.create('/r/b', 'b');
    // When the first write is acknowledged, the second is already on its way to the disk.
    let fsyncsAsked = -1;
    let seenByWatchers: string[] = [];
    const acked = first.then((kv) => {
      fsyncsAsked = held.length;
      seenByWatchers = [...events];
      return kv;
    });
    held.shift()!(null);
    assert.equal((await acked).modRevision, 1);
    await until('the second fsync', () => held.length === 1);
    assert.equal(fsyncsAsked, 1, "the second batch's fsync was asked for before the first write was answered");
    assert.deepEqual(seenByWatchers, ['/r/a@1'], 'watchers have the first write, not the second');
    assert.equal(await store.currentRevision(), 1);
    // The second batch's fsync fails: it alone is undone and refused.
    held.shift()!(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await assert.rejects(second, /fsync of the WAL failed/);
    assert.deepEqual(events, ['/r/a@1']);
    assert.deepEqual(
      (await store.range('/r/')).kvs.map((k) => k.key),
      ['/r/a'],
    );
    await store.close();
    assert.deepEqual(await onDisk(dir), ['/r/a=a@1']);
  }));

test('sqlite: two fsyncs in flight: the next batch goes to the disk while the last one is synced; batches are published in order, each only once every earlier fsync succeeded', () =>
  withHeldFsyncStore(async ({ store, held, dir }) => {
    const events: string[] = [];
    await store.watch('/r/', 0, (ev) => events.push(`${ev.kv.key}@${ev.kv.modRevision}`));
    const acked: string[] = [];
    const write = (k: string) => store.create(`/r/${k}`, k).then((kv) => acked.push(`${k}@${kv.modRevision}`));
    const a = write('a');
    await until('the first fsync', () => held.length === 1);
    const b = write('b');
    await until('the second fsync, while the first is held', () => held.length === 2);
    // A third batch waits: two fsyncs in flight at most.
    const c = write('c');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(held.length, 2, 'no third fsync while two are in flight');
    // The second ends first: nothing is published before the first has ended too.
    const [first, second] = held.splice(0, 2);
    second(null);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([events, acked], [[], []], 'the second batch waits for the first fsync');
    assert.equal(await store.currentRevision(), 0);
    first(null);
    await Promise.all([a, b]);
    assert.deepEqual(events, ['/r/a@1', '/r/b@2']);
    assert.deepEqual(acked, ['a@1', 'b@2']);
    // The third batch was committed and its fsync asked for as the first ended.
    await until("the third batch's fsync", () => held.length === 1);
    const d = write('d');
    await until('the fourth fsync', () => held.length === 2);
    const outcomes = Promise.allSettled([c, d]);
    // The third's fsync fails while the fourth's is in flight: both are refused, and the
    // fourth's late success counts for nothing.
    const [third, fourth] = held.splice(0, 2);
    third(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    fourth(null);
    assert.deepEqual(
      (await outcomes).map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.deepEqual(events, ['/r/a@1', '/r/b@2']);
    assert.equal(await store.currentRevision(), 2);
    assert.deepEqual(
      (await store.range('/r/')).kvs.map((k) => k.key),
      ['/r/a', '/r/b'],
    );
    // The store goes on from the last published revision.
    const e = write('e');
    await until('an fsync', () => held.length === 1);
    held.shift()!(null);
    await e;
    assert.deepEqual(acked, ['a@1', 'b@2', 'e@3']);
    await store.close();
    assert.deepEqual(await onDisk(dir), ['/r/a=a@1', '/r/b=b@2', '/r/e=e@3']);
  }));

// ---- the checkpoint at a quiet moment: the database file's fsync off the event loop (issue #13) ----

/**
 * A store that checkpoints after 20 writes at a quiet moment, its WAL fsyncs real and its
 * database file's fsyncs held until the test answers them; closed and removed afterwards.
 */
async function withHeldCheckpointStore(
  run: (t: { store: SqliteStore; heldDb: FsyncCallback[]; walFsyncs: () => number; dir: string }) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-ckpt-'));
  const heldDb: FsyncCallback[] = [];
  let walFsyncs = 0;
  const store = new SqliteStore(dir, {
    compactEvery: 0,
    quietCheckpointWrites: 20,
    fsync: (fd, cb) => {
      walFsyncs++;
      fsync(fd, cb);
    },
    fsyncDb: (_fd, cb) => {
      heldDb.push(cb);
    },
  });
  try {
    await run({ store, heldDb, walFsyncs: () => walFsyncs, dir });
  } finally {
    for (const cb of heldDb.splice(0)) cb(null);
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

test('sqlite: a quiet moment checkpoints the WAL into the database file and fsyncs it off the event loop; nothing is committed until that fsync is done', () =>
  withHeldCheckpointStore(async ({ store, heldDb, walFsyncs, dir }) => {
    const dbFile = join(dir, 'state.db');
    const sizeBefore = statSync(dbFile).size;
    const value = 'v'.repeat(2000);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(`/r/k${String(i).padStart(2, '0')}`, value)));
    // Every write is durable and no batch is open: the checkpoint ran, its fsync was asked for.
    await until('the database file fsync', () => heldDb.length === 1);
    assert.ok(statSync(dbFile).size > sizeBefore + 20 * 2000, 'the pages are in the database file');
    // A write while that fsync runs joins a batch that is not committed: a commit would let
    // SQLite start the WAL over before the database file holding its pages is durable.
    const fsyncsBefore = walFsyncs();
    let done = false;
    const late = store.create('/r/late', 'late').then((kv) => {
      done = true;
      return kv;
    });
    await turns(5);
    assert.equal(walFsyncs(), fsyncsBefore, 'nothing committed, so no fsync of the WAL asked for');
    assert.equal(done, false);
    assert.equal(await store.currentRevision(), 20);
    // Reads go on meanwhile.
    assert.equal((await store.get('/r/k07'))?.value, value);
    heldDb.shift()!(null);
    assert.equal((await late).modRevision, 21);
    assert.equal((await store.get('/r/late'))?.value, 'late');
    await store.close();
    const again = await onDisk(dir);
    assert.equal(again.length, 21);
    assert.ok(again.includes('/r/late=late@21'));
  }));

test('sqlite: a failed fsync of the database file after a checkpoint refuses the writes waiting on it and stops the store; opened again, every acknowledged write is there', () =>
  withHeldCheckpointStore(async ({ store, heldDb, dir }) => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(`/r/k${String(i).padStart(2, '0')}`, `v${i}`)));
    await until('the database file fsync', () => heldDb.length === 1);
    const late = store.create('/r/late', 'late');
    const errors: string[] = [];
    const origError = console.error;
    console.error = (m: unknown) => errors.push(String(m));
    try {
      heldDb.shift()!(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
      await assert.rejects(late, /fsync of the database file after a checkpoint failed/);
    } finally {
      console.error = origError;
    }
    assert.ok(errors.some((m) => /after a checkpoint failed/.test(m)));
    // The store no longer vouches for its file.
    await assert.rejects(store.create('/r/later', 'x'), /after a checkpoint failed/);
    await assert.rejects(store.get('/r/k00'), /after a checkpoint failed/);
    await store.close();
    const again = await onDisk(dir);
    assert.deepEqual(
      again,
      Array.from({ length: 20 }, (_, i) => `/r/k${String(i).padStart(2, '0')}=v${i}@${i + 1}`),
    );
  }));

test('sqlite: a write that fails between its two statements fails its whole batch; nothing of it reaches the disk', () =>
  withHeldFsyncStore(async ({ store, held, dir }) => {
    const first = store.create('/r/a', 'a');
    await until('an fsync', () => held.length === 1);
    held.shift()!(null);
    assert.equal((await first).modRevision, 1);
    // A row the store does not know of at revision 3 (a damaged file): the create that takes
    // revision 3 inserts its kv row, then fails on the history row.
    const db = (store as unknown as { db: { prepare(sql: string): { run(...a: unknown[]): unknown } } }).db;
    db.prepare('INSERT INTO history (revision, key, value, deleted, create_revision, prev_revision) VALUES (?, ?, ?, 0, ?, NULL)').run(
      3,
      '/r/planted',
      'p',
      3,
    );
    const ok = store.create('/r/b', 'b');
    const broken = store.create('/r/c', 'c');
    const results = await Promise.allSettled([ok, broken]);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE|constraint/i);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /failed halfway/);
    assert.equal(held.length, 0, 'the batch was never made durable');
    assert.deepEqual(
      (await store.range('/r/')).kvs.map((k) => k.key),
      ['/r/a'],
    );
    // The store goes on from the last durable revision.
    const next = store.create('/r/d', 'd');
    await until('an fsync', () => held.length === 1);
    held.shift()!(null);
    assert.equal((await next).modRevision, 2);
    await store.close();
    assert.deepEqual(await onDisk(dir), ['/r/a=a@1', '/r/d=d@2']);
  }));

test('sqlite: compaction works in slices, letting the event loop run between them, and keeps the present', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-compact-'));
  const store = new SqliteStore(dir, { compactEvery: 0 });
  try {
    // 5,000 revisions over 50 keys (one group commit per batch of writes).
    for (let round = 0; round < 100; round++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const key = `/r/k${i}`;
          const cur = await store.get(key);
          if (round === 99 && i % 2 === 0) return cur && store.delete(key);
          return cur ? store.update(key, `${round}`, cur.modRevision) : store.create(key, `${round}`);
        }),
      );
    }
    const rev = await store.currentRevision();
    const before = (await store.range('/r/')).kvs.map((k) => `${k.key}=${k.value}@${k.modRevision}`);
    let turns = 0;
    const tick = () => {
      turns++;
      if (turns < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    const t0 = turns;
    await store.compact(rev);
    assert.ok(turns - t0 >= 3, `the event loop turned ${turns - t0} times during compaction`);
    turns = 1000;
    assert.equal(await store.compactedRevision(), rev);
    assert.deepEqual(
      (await store.range('/r/')).kvs.map((k) => `${k.key}=${k.value}@${k.modRevision}`),
      before,
    );
    assert.deepEqual(
      (await store.range('/r/', { revision: rev })).kvs.map((k) => `${k.key}=${k.value}@${k.modRevision}`),
      before,
    );
    await assert.rejects(store.range('/r/', { revision: rev - 1 }), /compacted/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: a data directory the store makes is 0700, its database files 0600', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'k8ts-perm-'));
  const dir = join(parent, 'new', 'data');
  const store = new SqliteStore(dir, { compactEvery: 0 });
  try {
    await store.create('/r/x', 'secret');
    const { statSync } = await import('node:fs');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of ['state.db', 'state.db-wal']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  } finally {
    await store.close();
    rmSync(parent, { recursive: true, force: true });
  }
});
