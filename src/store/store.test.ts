// One conformance suite for every Store backend: the contract in types.ts, etcd's semantics.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { etcdMissing, startTestEtcd, type TestEtcd } from '../testing/etcd.js';
import { waitFor } from '../testing/wait.js';
import { EtcdStore } from './etcd.js';
import { openStore } from './index.js';
import { MemoryStore } from './memory.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
import { SqliteWorkerStore } from './sqliteworker.js';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  type KeyValue,
  RevisionMismatchError,
  type Store,
  type WatchEvent,
} from './types.js';

function summary(evs: WatchEvent[]): string[] {
  return evs.map(
    (e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}=${e.kv.value}${e.prevKv ? ` prev@${e.prevKv.modRevision}=${e.prevKv.value}` : ''}`,
  );
}

interface Backend {
  name: string;
  /** Each store is a fresh, empty one. */
  open(): Store | Promise<Store>;
  /** The revision of an empty store: etcd starts at 1, the in-process stores at 0. */
  base: number;
  /** Set when the backend cannot run here (the tests are skipped with this reason). */
  skip?: string;
}

const tempDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'k8ts-store-'));
  tempDirs.push(d);
  return d;
}
after(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

// Every etcd store gets an etcd of its own (revisions are cluster-wide), stopped and removed after.
const etcds: TestEtcd[] = [];
after(async () => {
  for (const e of etcds) await e.stop();
});

const backends: Backend[] = [
  { name: 'memory', open: () => new MemoryStore(), base: 0 },
  { name: 'sqlite', open: () => new SqliteStore(tempDir(), { compactEvery: 0 }), base: 0 },
  { name: 'sqlite on a worker thread', open: () => SqliteWorkerStore.open(tempDir(), { compactEvery: 0 }), base: 0 },
  {
    name: 'etcd',
    base: 1,
    skip: etcdMissing(),
    async open() {
      const e = await startTestEtcd();
      etcds.push(e);
      return EtcdStore.connect({ endpoints: [e.endpoint] });
    },
  },
];

for (const backend of backends) {
  describe(`${backend.name} store`, { skip: backend.skip }, () => {
    let store: Store;
    const opened: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const s = await backend.open();
      opened.push(s);
      return s;
    };
    /** The nth revision written to a fresh store. */
    const r = (n: number): number => backend.base + n;
    before(async () => {
      store = await fresh();
    });
    after(async () => {
      for (const s of opened) await s.close();
    });

    test('create and get', async () => {
      const s = await fresh();
      assert.equal(await s.currentRevision(), r(0));
      assert.equal(await s.get('/a'), undefined);
      const kv = await s.create('/a', 'one');
      assert.deepEqual(kv, { key: '/a', value: 'one', createRevision: r(1), modRevision: r(1) });
      assert.deepEqual(await s.get('/a'), kv);
      assert.equal(await s.currentRevision(), r(1));
      await assert.rejects(s.create('/a', 'again'), (e: unknown) => e instanceof KeyExistsError && e.key === '/a');
      assert.equal(await s.currentRevision(), r(1), 'a failed write does not move the revision');
      assert.deepEqual(await s.get('/a'), kv, 'a refused create changes nothing');
      assert.deepEqual((await s.range('/')).kvs, [kv]);
    });

    test('update is compare-and-swap', async () => {
      const s = await fresh();
      const a = await s.create('/a', 'v1');
      const b = await s.update('/a', 'v2', a.modRevision);
      assert.deepEqual(b, { key: '/a', value: 'v2', createRevision: a.createRevision, modRevision: a.modRevision + 1 });
      await assert.rejects(s.update('/a', 'v3', a.modRevision), (e: unknown) => {
        assert.ok(e instanceof RevisionMismatchError);
        assert.deepEqual(e.current, b);
        return true;
      });
      await assert.rejects(s.update('/missing', 'x', 1), KeyNotFoundError);
      assert.deepEqual(await s.get('/a'), b);
    });

    test('delete with and without expected revision', async () => {
      const s = await fresh();
      const a = await s.create('/a', 'va');
      const b = await s.create('/b', 'vb');
      await assert.rejects(s.delete('/a', a.modRevision + 5), RevisionMismatchError);
      const da = await s.delete('/a', a.modRevision);
      assert.deepEqual(da, { key: '/a', value: 'va', createRevision: a.createRevision, modRevision: b.modRevision + 1 });
      const db = await s.delete('/b');
      assert.equal(db.modRevision, da.modRevision + 1);
      assert.equal(await s.get('/a'), undefined);
      await assert.rejects(s.delete('/a'), KeyNotFoundError);
      // Created again: a new life with a new createRevision.
      const again = await s.create('/a', 'va2');
      assert.equal(again.createRevision, db.modRevision + 1);
    });

    test('range by prefix is isolated and ordered', async () => {
      const keys = [
        '/registry/pods/ns1/b',
        '/registry/pods/ns1/a',
        '/registry/podsx/ns1/a',
        '/registry/pod',
        '/registry/pods/ns2/a',
        '/registry/pods',
      ];
      for (const k of keys) await store.create(k, `v:${k}`);
      const r = await store.range('/registry/pods/');
      assert.deepEqual(
        r.kvs.map((kv) => kv.key),
        ['/registry/pods/ns1/a', '/registry/pods/ns1/b', '/registry/pods/ns2/a'],
      );
      assert.equal(r.count, 3);
      assert.equal(r.more, false);
      assert.equal(r.revision, await store.currentRevision());
      assert.equal(r.kvs[0].value, 'v:/registry/pods/ns1/a');
      assert.deepEqual(
        (await store.range('/registry/pods/ns1/')).kvs.map((kv) => kv.key),
        ['/registry/pods/ns1/a', '/registry/pods/ns1/b'],
      );
      assert.equal((await store.range('/registry/podsx/')).count, 1);
      assert.equal((await store.range('/nothing/')).count, 0);
      assert.ok((await store.range('')).count >= keys.length, 'an empty prefix is everything');
    });

    test('range paging: limit, startKey, more, count, countOnly', async () => {
      const s = await fresh();
      for (let i = 0; i < 10; i++) await s.create(`/p/k${i}`, `${i}`);
      await s.create('/q/other', 'x');
      const first = await s.range('/p/', { limit: 4 });
      assert.deepEqual(
        first.kvs.map((kv) => kv.value),
        ['0', '1', '2', '3'],
      );
      assert.equal(first.more, true);
      assert.equal(first.count, 10);
      const second = await s.range('/p/', { limit: 4, startKey: '/p/k4' });
      assert.deepEqual(
        second.kvs.map((kv) => kv.value),
        ['4', '5', '6', '7'],
      );
      assert.equal(second.more, true);
      assert.equal(second.count, 6, 'count is from startKey on');
      const last = await s.range('/p/', { limit: 4, startKey: '/p/k8' });
      assert.deepEqual(
        last.kvs.map((kv) => kv.value),
        ['8', '9'],
      );
      assert.equal(last.more, false);
      assert.equal(last.count, 2);
      const exact = await s.range('/p/', { limit: 10 });
      assert.equal(exact.more, false);
      assert.equal(exact.kvs.length, 10);
      const counted = await s.range('/p/', { countOnly: true });
      assert.deepEqual([counted.kvs.length, counted.count, counted.more], [0, 10, false]);
      // A startKey below the prefix does not escape it.
      assert.equal((await s.range('/p/', { startKey: '/a' })).count, 10);
    });

    test("a range larger than 4 MiB (gRPC's default message limit) comes back whole", async () => {
      const s = await fresh();
      const big = 'x'.repeat(1 << 20);
      for (let i = 0; i < 5; i++) await s.create(`/big/${i}`, big);
      const res = await s.range('/big/');
      assert.deepEqual(
        res.kvs.map((kv) => kv.value.length),
        [1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20],
      );
    });

    test('range at a past revision', async () => {
      const s = await fresh();
      const a1 = await s.create('/r/a', 'a1');
      const a2 = await s.update('/r/a', 'a2', a1.modRevision);
      const b1 = await s.create('/r/b', 'b1');
      const del = await s.delete('/r/a');
      await s.create('/r/c', 'c1');
      const at = async (rev: number) =>
        (await s.range('/r/', { revision: rev })).kvs.map((kv) => `${kv.key}=${kv.value}@${kv.createRevision}/${kv.modRevision}`);
      assert.deepEqual(await at(a1.modRevision), [`/r/a=a1@${r(1)}/${r(1)}`]);
      assert.deepEqual(await at(a2.modRevision), [`/r/a=a2@${r(1)}/${r(2)}`]);
      assert.deepEqual(await at(b1.modRevision), [`/r/a=a2@${r(1)}/${r(2)}`, `/r/b=b1@${r(3)}/${r(3)}`]);
      assert.deepEqual(await at(del.modRevision), [`/r/b=b1@${r(3)}/${r(3)}`]);
      const past = await s.range('/r/', { revision: b1.modRevision, limit: 1 });
      assert.deepEqual([past.kvs.length, past.more, past.count, past.revision], [1, true, 2, b1.modRevision]);
      assert.equal((await s.range('/r/', { revision: b1.modRevision, countOnly: true })).count, 2);
      await assert.rejects(s.range('/r/', { revision: 1000 }), /future revision/);
    });

    test('watch replays history, then live events, filtered by prefix, until cancelled', async () => {
      const s = await fresh();
      const a = await s.create('/w/a', 'a1');
      await s.create('/wx/a', 'other');
      const a2 = await s.update('/w/a', 'a2', a.modRevision);
      const events: WatchEvent[] = [];
      const w = await s.watch('/w/', a.modRevision, (ev) => events.push(ev));
      await waitFor('replay', () => events.length >= 1);
      assert.deepEqual(summary(events), [`put /w/a@${r(3)}=a2 prev@${r(1)}=a1`]);
      await s.create('/w/b', 'b1');
      await s.create('/wx/b', 'other');
      await s.delete('/w/a', a2.modRevision);
      await waitFor('live events', () => events.length >= 3);
      assert.deepEqual(summary(events), [
        `put /w/a@${r(3)}=a2 prev@${r(1)}=a1`,
        `put /w/b@${r(4)}=b1`,
        `delete /w/a@${r(6)}=a2 prev@${r(3)}=a2`,
      ]);
      w.cancel();
      await s.create('/w/c', 'c1');
      // A second watcher from the start sees everything, including the create just made.
      const all: WatchEvent[] = [];
      const w2 = await s.watch('/w/', 0, (ev) => all.push(ev));
      await waitFor('full replay', () => all.length >= 5);
      assert.deepEqual(
        summary(all).map((x) => x.split(' prev')[0]),
        [`put /w/a@${r(1)}=a1`, `put /w/a@${r(3)}=a2`, `put /w/b@${r(4)}=b1`, `delete /w/a@${r(6)}=a2`, `put /w/c@${r(7)}=c1`],
      );
      w2.cancel();
      assert.equal(events.length, 3, 'no events after cancel');
    });

    test('watch from the current revision sees only new events, in order even when a callback writes', async () => {
      const s = await fresh();
      await s.create('/o/seed', 's');
      const seen: number[] = [];
      const other: number[] = [];
      let wrote = false;
      await s.watch('/o/', await s.currentRevision(), (ev) => {
        seen.push(ev.kv.modRevision);
        if (!wrote) {
          wrote = true;
          void s.create('/o/from-callback', 'x');
        }
      });
      await s.watch('/o/', await s.currentRevision(), (ev) => other.push(ev.kv.modRevision));
      await s.create('/o/a', 'a');
      await waitFor('both events', () => seen.length >= 2 && other.length >= 2);
      assert.deepEqual(seen, [r(2), r(3)]);
      assert.deepEqual(other, [r(2), r(3)]);
    });

    test('a throwing watcher ends only its own watch', async () => {
      const s = await fresh();
      const errors: Error[] = [];
      const good: number[] = [];
      await s.watch(
        '/t/',
        0,
        () => {
          throw new Error('boom');
        },
        (e) => errors.push(e),
      );
      await s.watch('/t/', 0, (ev) => good.push(ev.kv.modRevision));
      await s.create('/t/a', 'a');
      await s.create('/t/b', 'b');
      await waitFor('delivery', () => good.length >= 2 && errors.length >= 1);
      assert.deepEqual(good, [r(1), r(2)]);
      assert.equal(errors.length, 1);
      assert.match(errors[0].message, /boom/);
    });

    test('compaction drops history and keeps the present', async () => {
      const s = await fresh();
      const a = await s.create('/c/a', 'a1');
      const a2 = await s.update('/c/a', 'a2', a.modRevision);
      const b = await s.create('/c/b', 'b1');
      await s.delete('/c/b');
      const c = await s.create('/c/c', 'c1');
      const mid = a2.modRevision + 1; // the revision of b's create
      assert.equal(mid, b.modRevision);
      await s.compact(mid);
      assert.equal(await s.compactedRevision(), mid);
      await assert.rejects(
        s.range('/c/', { revision: mid - 1 }),
        (e: unknown) => e instanceof CompactedError && e.compacted === mid && e.requested === mid - 1,
      );
      await assert.rejects(
        s.watch('/c/', mid - 1, () => {}),
        CompactedError,
      );
      // The state as of the compaction revision is still readable.
      assert.deepEqual(
        (await s.range('/c/', { revision: mid })).kvs.map((kv) => `${kv.key}=${kv.value}`),
        ['/c/a=a2', '/c/b=b1'],
      );
      assert.deepEqual(
        (await s.range('/c/')).kvs.map((kv) => `${kv.key}=${kv.value}`),
        ['/c/a=a2', '/c/c=c1'],
      );
      const events: WatchEvent[] = [];
      await s.watch('/c/', mid, (ev) => events.push(ev));
      await waitFor('replay after compaction', () => events.length >= 2);
      assert.deepEqual(summary(events), [`delete /c/b@${r(4)}=b1 prev@${r(3)}=b1`, `put /c/c@${r(5)}=c1`]);
      // Compacting past a tombstone forgets the deleted key entirely.
      await s.compact(c.modRevision);
      assert.deepEqual(
        (await s.range('/c/', { revision: c.modRevision })).kvs.map((kv) => kv.key),
        ['/c/a', '/c/c'],
      );
      const next = await s.update('/c/a', 'a3', a2.modRevision);
      assert.equal(next.modRevision, c.modRevision + 1, 'revisions go on after compaction');
      await s.compact(1); // below the compacted revision: nothing to do
      assert.equal(await s.compactedRevision(), c.modRevision);
      await assert.rejects(s.compact(1000), /future revision/);
    });

    test('watches started while writes are in flight, from past and present revisions, each see every later event once, in order', async () => {
      const s = await fresh();
      const first = await s.create('/j/seed', 's');
      const watchers: { from: number; seen: number[] }[] = [];
      const join = async (from: number) => {
        const w = { from, seen: [] as number[] };
        watchers.push(w);
        await s.watch('/j/', from, (ev) => w.seen.push(ev.kv.modRevision));
      };
      // Writes are sent in waves without waiting for the last to be durable, and watches join
      // between them: from the start, from the revision just read, and from one a wave back
      // (a replay that ends where live events take over, while more are on their way).
      const writes: Promise<unknown>[] = [];
      const joins: Promise<void>[] = [];
      const waves = 40;
      for (let wave = 0; wave < waves; wave++) {
        for (let i = 0; i < 5; i++) writes.push(s.create(`/j/w${wave}-${i}`, 'x'));
        await new Promise((res) => setImmediate(res));
        const now = await s.currentRevision();
        joins.push(join(now), join(Math.max(first.modRevision, now - 3)));
        if (wave % 10 === 0) joins.push(join(first.modRevision));
      }
      await Promise.all([...writes, ...joins]);
      const last = await s.currentRevision();
      assert.equal(last, first.modRevision + waves * 5);
      await waitFor('every watcher at the last revision', () => watchers.every((w) => w.seen.length >= last - w.from));
      for (const w of watchers) {
        const want = Array.from({ length: last - w.from }, (_, i) => w.from + 1 + i);
        assert.deepEqual(w.seen, want, `the watch from ${w.from}`);
      }
    });

    test('close ends watches', async () => {
      const s = await backend.open();
      const errors: Error[] = [];
      await s.watch(
        '/',
        0,
        () => {},
        (e) => errors.push(e),
      );
      await s.close();
      assert.equal(errors.length, 1);
      await assert.rejects(s.get('/x'), /closed/);
    });
  });
}

/** The SQLite store in process and on a worker thread (sqliteworker.ts): the same file, the same behaviour. */
const sqliteOpeners: [string, (dir: string, opts: SqliteStoreOptions) => Promise<Store>][] = [
  ['in process', async (dir, opts) => new SqliteStore(dir, opts)],
  ['on a worker thread', (dir, opts) => SqliteWorkerStore.open(dir, opts)],
];

for (const [where, openSqlite] of sqliteOpeners)
  describe(`sqlite persistence (${where})`, () => {
    test('data, revision and compaction survive reopen; revisions never go back', async () => {
      const dir = tempDir();
      let s = await openSqlite(dir, { compactEvery: 0 });
      const a = await s.create('/k/a', 'a');
      await s.update('/k/a', 'a2', a.modRevision);
      const b = await s.create('/k/b', 'b');
      const del = await s.delete('/k/b', b.modRevision);
      // The newest history row (a tombstone) is compacted away: the counter must still hold.
      await s.compact(del.modRevision);
      await s.close();

      s = await openSqlite(dir, { compactEvery: 0 });
      try {
        assert.equal(await s.currentRevision(), del.modRevision);
        assert.equal(await s.compactedRevision(), del.modRevision);
        assert.deepEqual((await s.get('/k/a'))?.value, 'a2');
        assert.equal(await s.get('/k/b'), undefined);
        const c = await s.create('/k/c', 'c');
        assert.equal(c.modRevision, del.modRevision + 1);
      } finally {
        await s.close();
      }
    });

    test('a second store on the same data directory is refused', async () => {
      const dir = tempDir();
      const s = await openSqlite(dir, { compactEvery: 0 });
      try {
        await s.create('/x', 'x');
        await assert.rejects(openSqlite(dir, { compactEvery: 0 }), /another process|locked/);
      } finally {
        await s.close();
      }
    });

    test('automatic compaction keeps the last N revisions', async () => {
      const dir = tempDir();
      const s = await openSqlite(dir, { compactEvery: 5, keepRevisions: 3 });
      try {
        let kv = await s.create('/auto/a', '0');
        for (let i = 1; i < 10; i++) kv = await s.update('/auto/a', String(i), kv.modRevision);
        await waitFor('compaction to revision 7', async () => (await s.compactedRevision()) === 7);
        assert.equal((await s.range('/auto/', { revision: 7 })).kvs[0].value, '6');
      } finally {
        await s.close();
      }
    });
  });

describe('sqlite on a worker thread', () => {
  test('a write crosses to the thread and back: its value, events in revision order before the answer, errors with their fields', async () => {
    const s = await SqliteWorkerStore.open(tempDir(), { compactEvery: 0 });
    try {
      const seen: string[] = [];
      let answered = 0;
      await s.watch('/t/', 0, (ev) => seen.push(`${summary([ev])[0]} answered=${answered}`));
      // One turn's calls share a message each way: their answers, events first, come together.
      const counted = (p: Promise<KeyValue>) =>
        p.then((kv) => {
          answered++;
          return kv;
        });
      const [a, b] = await Promise.all([counted(s.create('/t/a', 'a1')), counted(s.create('/t/b', 'b1'))]);
      const a2 = await s.update('/t/a', 'a2', a.modRevision);
      const del = await s.delete('/t/b');
      assert.deepEqual(del, { key: '/t/b', value: 'b1', createRevision: b.createRevision, modRevision: a2.modRevision + 1 });
      assert.deepEqual(seen, [
        'put /t/a@1=a1 answered=0',
        'put /t/b@2=b1 answered=0',
        'put /t/a@3=a2 prev@1=a1 answered=2',
        'delete /t/b@4=b1 prev@2=b1 answered=2',
      ]);
      await assert.rejects(
        s.update('/t/a', 'x', a.modRevision),
        (e: unknown) => e instanceof RevisionMismatchError && e.current.value === 'a2',
      );
      await assert.rejects(s.create('/t/a', 'x'), (e: unknown) => e instanceof KeyExistsError && e.key === '/t/a');
    } finally {
      await s.close();
    }
  });

  test("a watch's replay joins the hub at its place in the stream: later events in the same message reach it, once", async () => {
    const s = await SqliteWorkerStore.open(tempDir(), { compactEvery: 0 });
    try {
      await s.create('/r/a', '1');
      await s.create('/r/b', '2');
      // The thread may send a replay's answer and later events in one message (an fsync that
      // ends in the same turn of its loop): hold its messages and hand them over as one.
      const inner = s as unknown as { receive(items: unknown[]): void };
      const receive = inner.receive.bind(s);
      const held: unknown[] = [];
      inner.receive = (items) => void held.push(...items);
      const seen: number[] = [];
      const watching = s.watch('/r/', 1, (ev) => seen.push(ev.kv.modRevision));
      const write = s.create('/r/c', '3');
      await waitFor('the replay, the write and its event held', () => held.length >= 3);
      inner.receive = receive;
      receive(held);
      await Promise.all([watching, write]);
      assert.deepEqual(seen, [2, 3]);
    } finally {
      await s.close();
    }
  });

  test('if the thread dies, calls in flight and later fail, and watches end, instead of hanging', async () => {
    const s = await SqliteWorkerStore.open(tempDir(), { compactEvery: 0 });
    const ended: Error[] = [];
    await s.watch(
      '/',
      0,
      () => {},
      (e) => ended.push(e),
    );
    await s.create('/d/a', 'a');
    // The thread gone as if it had crashed (an abort in the driver, out of memory).
    await (s as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await assert.rejects(s.get('/d/a'), /worker thread exited/);
    assert.equal(ended.length, 1);
    assert.match(ended[0].message, /worker thread exited/);
    await s.close();
  });
});

test('openStore picks the backend', async () => {
  const m = await openStore('memory');
  assert.equal(m.name, 'memory');
  await m.close();
  const s = await openStore('sqlite', tempDir());
  assert.equal(s.name, 'sqlite');
  assert.ok(s instanceof SqliteStore);
  await s.close();
  // The thread is the A/B switch of one build (sqliteworker.ts).
  process.env.K8TS_SQLITE_THREAD = 'worker';
  try {
    const w = await openStore('sqlite', tempDir());
    assert.ok(w instanceof SqliteWorkerStore);
    await w.close();
  } finally {
    delete process.env.K8TS_SQLITE_THREAD;
  }
  await assert.rejects(openStore('sqlite'), /data directory/);
});

describe('two etcd stores on one etcd (two API servers)', { skip: etcdMissing() }, () => {
  let etcd: TestEtcd;
  let a: Store;
  let b: Store;
  before(async () => {
    etcd = await startTestEtcd();
    a = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    b = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await etcd?.stop();
  });

  test("writes on one reach the other's watch in order, and its revision answers cover them", async () => {
    const seen: string[] = [];
    await b.watch('/registry/x/', await b.currentRevision(), (ev) => seen.push(`${ev.type} ${ev.kv.key}@${ev.kv.modRevision}`));
    const k1 = await a.create('/registry/x/one', '1');
    const k2 = await a.update('/registry/x/one', '2', k1.modRevision);
    const k3 = await a.create('/registry/x/two', '3');
    const d = await a.delete('/registry/x/one');
    // b's currentRevision is a promise that its watchers have every event up to it (the watch cache's rule).
    assert.ok((await b.currentRevision()) >= d.modRevision);
    assert.deepEqual(seen, [
      `put /registry/x/one@${k1.modRevision}`,
      `put /registry/x/one@${k2.modRevision}`,
      `put /registry/x/two@${k3.modRevision}`,
      `delete /registry/x/one@${d.modRevision}`,
    ]);
    // Compare-and-swap across the two: b's stale write loses.
    const cur = await b.get('/registry/x/two');
    assert.equal(cur?.modRevision, k3.modRevision);
    await a.update('/registry/x/two', '4', k3.modRevision);
    await assert.rejects(b.update('/registry/x/two', '5', k3.modRevision), RevisionMismatchError);
  });

  test('a compaction by one is seen by the other', async () => {
    const kv = await a.create('/registry/y/k', 'v');
    const next = await a.update('/registry/y/k', 'v2', kv.modRevision);
    await a.compact(next.modRevision);
    assert.equal(await b.compactedRevision(), next.modRevision);
    await assert.rejects(
      b.range('/registry/y/', { revision: kv.modRevision }),
      (e: unknown) => e instanceof CompactedError && e.compacted === next.modRevision,
    );
    await assert.rejects(
      b.watch('/registry/y/', kv.modRevision, () => {}),
      CompactedError,
    );
    await b.compact(kv.modRevision); // older than the compaction: nothing to do
  });

  test('one compactor round is won by one store (compact_rev_key), the other learns the round', async () => {
    const kv = await a.create('/registry/z/k', 'v');
    const next = await a.update('/registry/z/k', 'v2', kv.modRevision);
    const first = await Promise.all([a, b].map((s) => s.compactRound!(0, next.modRevision)));
    assert.deepEqual(first.map((r) => r.compacted).sort(), [false, true]);
    assert.deepEqual(
      first.map((r) => r.round),
      [1, 1],
    );
    assert.equal(await b.compactedRevision(), next.modRevision);
    // The next round: both saw round 1; again one wins, and a stale round never does.
    const later = await a.update('/registry/z/k', 'v3', next.modRevision);
    const second = await Promise.all([b, a].map((s) => s.compactRound!(1, later.modRevision)));
    assert.deepEqual(second.map((r) => r.compacted).sort(), [false, true]);
    assert.deepEqual(await a.compactRound!(1, later.modRevision), { round: 2, compacted: false });
  });
});

describe('etcd store options', () => {
  test('endpoints are parsed from etcd://host:port[,host:port]', async () => {
    const { parseEtcdEndpoints } = await import('./etcd.js');
    assert.deepEqual(parseEtcdEndpoints('etcd://127.0.0.1:2379,10.0.0.2:2379'), ['http://127.0.0.1:2379', 'http://10.0.0.2:2379']);
    assert.throws(() => parseEtcdEndpoints('etcd://'), /no etcd endpoints/);
    assert.throws(() => parseEtcdEndpoints('etcd://host'), /bad etcd endpoint "host"/);
  });
});

describe('etcd store over TLS with a client certificate', { skip: etcdMissing() }, () => {
  test('connects with the CA and client certificate; without a client certificate etcd refuses', async () => {
    const etcd = await startTestEtcd(20_000, { tls: true });
    try {
      const tls = etcd.tls!;
      const s = await EtcdStore.connect({
        endpoints: [etcd.url],
        tls: { ca: Buffer.from(tls.ca), cert: Buffer.from(tls.cert), key: Buffer.from(tls.key) },
      });
      try {
        const kv = await s.create('/registry/tls/a', 'v');
        assert.deepEqual(await s.get('/registry/tls/a'), kv);
      } finally {
        await s.close();
      }
      await assert.rejects(EtcdStore.connect({ endpoints: [etcd.url], tls: { ca: Buffer.from(tls.ca) } }), /cannot reach etcd/);
    } finally {
      await etcd.stop();
    }
  });
});
