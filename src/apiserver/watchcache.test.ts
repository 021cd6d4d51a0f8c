import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deepFreeze, type KObject } from '../api/object.js';
import { MemoryStore } from '../store/memory.js';
import type { Store, WatchEvent, Watcher } from '../store/types.js';
import { waitFor } from '../testing/wait.js';
import { type CacheEvent, TooOldError, WatchCache } from './watchcache.js';

function pod(ns: string, name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, ...extra });
}

/** A store that counts watch calls and can break its watches, as a lost connection would. */
class WatchCountingStore {
  watchCalls = 0;
  private live: Array<{ w: Watcher; onError?: (err: Error) => void }> = [];
  constructor(readonly inner: Store) {}
  wrap(): Store {
    return new Proxy(this.inner, {
      get: (target, prop, receiver) => {
        if (prop === 'watch') {
          return async (prefix: string, from: number, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void) => {
            this.watchCalls++;
            const w = await target.watch(prefix, from, onEvent, onError);
            this.live.push({ w, onError });
            return w;
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }
  breakWatches(): void {
    for (const { w, onError } of this.live.splice(0)) {
      w.cancel();
      onError?.(new Error('connection lost'));
    }
  }
}

const names = (items: KObject[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`);

/**
 * A watch cache of /registry/pods/ over a counting memory store (filled first by fill, if given),
 * started; stopped and the store closed after fn, pass or fail.
 */
async function withCache(
  fn: (c: { counting: WatchCountingStore; store: Store; cache: WatchCache }) => Promise<void>,
  o: { historySize?: number; fill?: (store: Store) => Promise<void> } = {},
): Promise<void> {
  const counting = new WatchCountingStore(new MemoryStore());
  const store = counting.wrap();
  await o.fill?.(store);
  const cache = new WatchCache(store, '/registry/pods/', { historySize: o.historySize });
  try {
    await cache.start();
    await fn({ counting, store, cache });
  } finally {
    cache.stop();
    await store.close();
  }
}

/** Watches cache from revision, ignoring events; the errors its watch was closed with. */
function closedWatches(cache: WatchCache, revision: number): Error[] {
  const closed: Error[] = [];
  cache.watch(
    revision,
    undefined,
    () => {},
    (e) => closed.push(e),
  );
  return closed;
}

describe('WatchCache', () => {
  test('lists what the store holds, then follows it', async () => {
    const fill = async (store: Store) => {
      await store.create('/registry/pods/ns1/b', pod('ns1', 'b'));
      await store.create('/registry/pods/ns1/a', pod('ns1', 'a'));
      await store.create('/registry/podsx/ns1/a', pod('ns1', 'x'));
    };
    await withCache(
      async ({ store, cache }) => {
        assert.equal(cache.revision, 3);
        assert.deepEqual(names(cache.list().items), ['ns1/a@2', 'ns1/b@1']);
        const created = await store.create('/registry/pods/ns2/c', pod('ns2', 'c'));
        await cache.waitForRevision(created.modRevision, 1000);
        assert.deepEqual(names(cache.list().items), ['ns1/a@2', 'ns1/b@1', 'ns2/c@4']);
        assert.deepEqual(names(cache.list('/registry/pods/ns1/').items), ['ns1/a@2', 'ns1/b@1']);
        assert.equal(cache.list('/registry/pods/ns1/').revision, 4);
        assert.equal(cache.get('/registry/pods/ns2/c')?.metadata.resourceVersion, '4');
        assert.equal(cache.get('/registry/podsx/ns1/a'), undefined);
        // The whole prefix's list is made once per change, frozen, and shared until the next.
        const all = cache.list().items;
        assert.equal(cache.list().items, all);
        assert.ok(Object.isFrozen(all));
        assert.throws(() => all.push(all[0]), TypeError);
        await store.create('/registry/podsx/ns1/b', pod('ns1', 'x'));
        await cache.waitForRevision(5, 1000);
        assert.equal(cache.list().items, all, 'writes elsewhere change nothing here');
        assert.equal(cache.list().revision, 5);
        await store.delete('/registry/pods/ns1/a');
        await cache.waitForRevision(6, 1000);
        assert.notEqual(cache.list().items, all);
        assert.deepEqual(names(cache.list().items), ['ns1/b@1', 'ns2/c@4']);
        assert.equal(cache.size, 2);
      },
      { fill },
    );
  });

  test('objects share what they repeat (frozen), keep their root and metadata their own, and read back as stored', async () => {
    const spec = { containers: [{ name: 'web', image: 'nginx:1.27' }], nodeName: 'n1' };
    const managedFields = [{ manager: 'm', operation: 'Update', fieldsV1: { 'f:spec': { 'f:containers': {} } } }];
    const fill = async (store: Store) => {
      await store.create('/registry/pods/ns1/a', pod('ns1', 'a', { spec }));
      await store.create('/registry/pods/ns1/b', pod('ns1', 'b', { spec: { ...spec, nodeName: 'n2' } }));
    };
    await withCache(
      async ({ store, cache }) => {
        const written = await store.create('/registry/pods/ns1/c', pod('ns1', 'c', { spec, metadata: { name: 'c', managedFields } }));
        await cache.waitForRevision(written.modRevision, 1000);
        const [a, b, c] = cache.list().items;
        assert.equal(a.spec, c.spec, 'equal specs are one object');
        assert.notEqual(a.spec, b.spec);
        assert.equal((a.spec as typeof spec).containers, (b.spec as typeof spec).containers);
        assert.ok(Object.isFrozen(a.spec));
        assert.ok(!Object.isFrozen(a) && !Object.isFrozen(a.metadata));
        assert.deepEqual(c.metadata.managedFields, managedFields);
        assert.ok(Object.isFrozen(c.metadata.managedFields));
        const { resourceVersion, ...meta } = c.metadata;
        assert.equal(resourceVersion, String(written.modRevision));
        assert.equal(JSON.stringify({ ...c, metadata: meta }), pod('ns1', 'c', { spec, metadata: { name: 'c', managedFields } }));
      },
      { fill },
    );
  });

  test('unsharedFields are kept as decoded (not interned, not frozen); the rest is still shared; both read back as stored', async () => {
    const managedFields = [{ manager: 'm', operation: 'Update', fieldsV1: { 'f:data': { 'f:a': {} } } }];
    const cm = (name: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'ns', managedFields },
        data: { a: 'same value' },
      });
    for (const unsharedFields of [undefined, ['data', 'binaryData']]) {
      const store = new MemoryStore();
      const cache = new WatchCache(store, '/registry/configmaps/', { unsharedFields });
      try {
        await cache.start();
        await store.create('/registry/configmaps/ns/x', cm('x'));
        const written = await store.create('/registry/configmaps/ns/y', cm('y'));
        await cache.waitForRevision(written.modRevision, 1000);
        const [x, y] = cache.list().items as (KObject & { data: Record<string, string> })[];
        assert.equal(x.metadata.managedFields, y.metadata.managedFields, 'managedFields shared either way');
        assert.ok(Object.isFrozen(x.metadata.managedFields));
        if (unsharedFields) {
          assert.notEqual(x.data, y.data, "data is each object's own");
          assert.ok(!Object.isFrozen(x.data));
        } else {
          assert.equal(x.data, y.data, 'equal data shared by default');
        }
        const { resourceVersion, ...meta } = y.metadata;
        assert.equal(resourceVersion, String(written.modRevision));
        assert.equal(JSON.stringify({ ...y, metadata: meta }), cm('y'));
        // A write's own object (expectWrite) stands for its text either way: what is kept as
        // decoded is a copy of its own (unfrozen, not the writer's), the rest is the write's
        // (a subtree frozen throughout is taken as it is: a decode would make its own instance).
        const z = JSON.parse(cm('z')) as KObject & { data: Record<string, string> };
        z.data = deepFreeze({ a: 'frozen' });
        const annotations = deepFreeze({ 'only.z/note': 'frozen' });
        z.metadata.annotations = annotations;
        const zText = JSON.stringify(z);
        cache.expectWrite('/registry/configmaps/ns/z', zText, z);
        const wz = await store.create('/registry/configmaps/ns/z', zText);
        cache.forgetWrite('/registry/configmaps/ns/z', z);
        const cz = cache.get('/registry/configmaps/ns/z') as KObject & { data: Record<string, string> };
        assert.deepEqual(cz.data, { a: 'frozen' });
        assert.equal(cz.metadata.annotations, annotations, "the write's object");
        if (unsharedFields) {
          assert.notEqual(cz.data, z.data, 'a copy of its own');
          assert.ok(!Object.isFrozen(cz.data));
        } else assert.equal(cz.data, z.data, "the write's object");
        const decodedZ = JSON.parse(zText) as KObject;
        decodedZ.metadata.resourceVersion = String(wz.modRevision);
        assert.equal(JSON.stringify(cz), JSON.stringify(decodedZ), 'what decoding the stored text gives, byte for byte');
        // What JSON would not give back as it is, in a field kept as decoded: the text is decoded.
        const odd = JSON.parse(cm('odd')) as KObject & { data: Record<string, unknown> };
        odd.metadata.annotations = annotations;
        odd.data = { a: 'x', gone: undefined, list: [1, undefined] } as Record<string, unknown>;
        const oddText = JSON.stringify(odd);
        cache.expectWrite('/registry/configmaps/ns/odd', oddText, odd);
        await store.create('/registry/configmaps/ns/odd', oddText);
        cache.forgetWrite('/registry/configmaps/ns/odd', odd);
        const codd = cache.get('/registry/configmaps/ns/odd') as KObject & { data: Record<string, unknown> };
        assert.deepEqual(codd.data, { a: 'x', list: [1, null] });
        assert.notEqual(codd.metadata.annotations, annotations, 'decoded');
      } finally {
        cache.stop();
        await store.close();
      }
    }
  });

  test("a write's own object stands for its stored text (expectWrite): the same object decoding gives, the writer's left as it was", async () => {
    await withCache(async ({ store, cache }) => {
      const got: CacheEvent[] = [];
      cache.watch(cache.revision, undefined, (ev) => got.push(ev));
      /** A write as the registry makes it: text is obj's JSON without its resourceVersion. */
      const write = async (key: string, obj: KObject, update?: number) => {
        const { resourceVersion: _, ...metadata } = obj.metadata;
        const text = JSON.stringify({ ...obj, metadata });
        cache.expectWrite(key, text, obj);
        try {
          return update === undefined ? await store.create(key, text) : await store.update(key, text, update);
        } finally {
          cache.forgetWrite(key, obj);
        }
      };
      // A subtree frozen throughout is taken as it is; a decode would make its own instance of it
      // (it is in no table), so finding it in the cache shows the write's object was used.
      const frozenSpec = deepFreeze({ containers: [{ name: 'web', image: 'nginx:1.27' }], nodeName: 'n1' });
      const a: KObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'a', namespace: 'ns', labels: { app: 'web' }, annotations: undefined },
        spec: frozenSpec,
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
      };
      const before = JSON.stringify(a);
      const ca = await write('/registry/pods/ns/a', a);
      const cachedA = cache.get('/registry/pods/ns/a')!;
      assert.equal(cachedA.spec, frozenSpec, "the write's object was used");
      assert.equal(JSON.stringify(a), before, "the writer's object is as it was");
      assert.ok(!Object.isFrozen(a.status) && !Object.isFrozen(a.metadata.labels), 'and none of it frozen or shared');
      assert.notEqual(cachedA.status, a.status);
      assert.deepEqual(Object.keys(cachedA.metadata), ['name', 'namespace', 'labels', 'resourceVersion']);
      const decoded = JSON.parse((await store.get('/registry/pods/ns/a'))!.value) as KObject;
      decoded.metadata.resourceVersion = String(ca.modRevision);
      assert.equal(JSON.stringify(cachedA), JSON.stringify(decoded), 'what decoding the stored text gives, byte for byte');
      assert.ok(Object.isFrozen(cachedA.status) && !Object.isFrozen(cachedA) && !Object.isFrozen(cachedA.metadata));
      // Parts equal to what the cache holds are its instances (interned), as a decode's are.
      const b: KObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'b', namespace: 'ns', labels: { app: 'web' } },
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
      };
      await write('/registry/pods/ns/b', b);
      const cachedB = cache.get('/registry/pods/ns/b')!;
      assert.equal(cachedB.status, cachedA.status);
      assert.equal(cachedB.metadata.labels, cachedA.metadata.labels);
      // What JSON would not give back as it is: the stored text is decoded instead.
      const odd = { ...a, metadata: { ...a.metadata, name: 'odd' }, spec: { ...frozenSpec, extra: [undefined] } };
      const co = await write('/registry/pods/ns/odd', odd);
      const cachedOdd = cache.get('/registry/pods/ns/odd')!;
      assert.deepEqual((cachedOdd.spec as Record<string, unknown>).extra, [null]);
      assert.equal(cachedOdd.metadata.resourceVersion, String(co.modRevision));
      // An update: what it left as it was (in a copy of its own) is the cached version's instance.
      const bumped = JSON.parse(JSON.stringify(cachedB)) as KObject;
      bumped.metadata.labels = { app: 'web', tier: 'front' };
      (bumped.status as Record<string, unknown>).phase = 'Running';
      const ub = await write('/registry/pods/ns/b', bumped, Number(cachedB.metadata.resourceVersion));
      const cachedB2 = cache.get('/registry/pods/ns/b')!;
      assert.equal(cachedB2.metadata.resourceVersion, String(ub.modRevision));
      assert.equal(
        (cachedB2.status as { conditions: unknown }).conditions,
        (cachedB.status as { conditions: unknown }).conditions,
        'interned as before: the same conditions',
      );
      assert.notEqual(cachedB2.status, cachedB.status);
      assert.deepEqual(cachedB2.metadata.labels, { app: 'web', tier: 'front' });
      const decodedB2 = JSON.parse((await store.get('/registry/pods/ns/b'))!.value) as KObject;
      decodedB2.metadata.resourceVersion = String(ub.modRevision);
      assert.equal(JSON.stringify(cachedB2), JSON.stringify(decodedB2));
      const same = JSON.parse(JSON.stringify(cachedA)) as KObject;
      same.metadata.annotations = { note: 'x' };
      const frozenBefore = cachedA.spec;
      await write('/registry/pods/ns/a', same, Number(cachedA.metadata.resourceVersion));
      assert.equal(cache.get('/registry/pods/ns/a')!.spec, frozenBefore, 'an unchanged spec is the cached one');
      // An update whose event carries other text than the one expected: decoded.
      const cachedA2 = cache.get('/registry/pods/ns/a')!;
      const next = { ...cachedA2, metadata: { ...cachedA2.metadata }, status: { phase: 'Running' } };
      cache.expectWrite('/registry/pods/ns/a', 'not the stored text', next);
      const ua = await store.update(
        '/registry/pods/ns/a',
        JSON.stringify({ ...next, status: { phase: 'Failed' } }),
        Number(cachedA2.metadata.resourceVersion),
      );
      cache.forgetWrite('/registry/pods/ns/a', next);
      assert.deepEqual(cache.get('/registry/pods/ns/a')!.status, { phase: 'Failed' });
      assert.deepEqual(
        got.map((e) => `${e.type} ${e.key} ${e.revision}`),
        [
          `ADDED /registry/pods/ns/a ${ca.modRevision}`,
          'ADDED /registry/pods/ns/b 2',
          `ADDED /registry/pods/ns/odd ${co.modRevision}`,
          'MODIFIED /registry/pods/ns/b 4',
          'MODIFIED /registry/pods/ns/a 5',
          `MODIFIED /registry/pods/ns/a ${ua.modRevision}`,
        ],
      );
      assert.equal(got[0].object, cachedA);
    });
  });

  test('events: ADDED, MODIFIED with the previous object, DELETED at the deletion revision', async () => {
    await withCache(async ({ store, cache }) => {
      const got: CacheEvent[] = [];
      cache.watch(cache.revision, undefined, (ev) => got.push(ev));
      const a = await store.create('/registry/pods/ns/a', pod('ns', 'a', { spec: { v: 1 } }));
      await store.update('/registry/pods/ns/a', pod('ns', 'a', { spec: { v: 2 } }), a.modRevision);
      await store.delete('/registry/pods/ns/a');
      await waitFor('three events', () => got.length >= 3);
      assert.deepEqual(
        got.map(
          (e) =>
            `${e.type} ${e.key} ${e.revision} rv=${e.object.metadata.resourceVersion} prev=${e.prevObject?.metadata.resourceVersion ?? '-'}`,
        ),
        [
          'ADDED /registry/pods/ns/a 1 rv=1 prev=-',
          'MODIFIED /registry/pods/ns/a 2 rv=2 prev=1',
          'DELETED /registry/pods/ns/a 3 rv=3 prev=2',
        ],
      );
      assert.deepEqual(got[1].object.spec, { v: 2 });
      assert.deepEqual(got[1].prevObject?.spec, { v: 1 });
      assert.deepEqual(got[2].object.spec, { v: 2 }, 'DELETED carries the last state');
    });
  });

  test('watch replays from a revision, filters by key prefix, and refuses what left the window', async () => {
    await withCache(
      async ({ store, cache }) => {
        for (let i = 1; i <= 3; i++) await store.create(`/registry/pods/ns${i % 2}/p${i}`, pod(`ns${i % 2}`, `p${i}`));
        await cache.waitForRevision(3, 1000);
        const ns1: number[] = [];
        cache.watch(1, '/registry/pods/ns1/', (ev) => ns1.push(ev.revision));
        assert.deepEqual(ns1, [3], 'replay after revision 1, namespace ns1 only');
        for (let i = 4; i <= 12; i++) await store.create(`/registry/pods/ns${i % 2}/p${i}`, pod(`ns${i % 2}`, `p${i}`));
        await cache.waitForRevision(12, 1000);
        assert.deepEqual(ns1, [3, 5, 7, 9, 11]);
        assert.throws(
          () => cache.watch(1, undefined, () => {}),
          (e: unknown) => e instanceof TooOldError && e.requested === 1 && e.oldest > 1,
        );
        // The current revision is always a valid place to start, whatever the window.
        const fromNow: number[] = [];
        cache.watch(cache.revision, undefined, (ev) => fromNow.push(ev.revision));
        await store.create('/registry/pods/ns0/late', pod('ns0', 'late'));
        await waitFor('live event', () => fromNow.length >= 1);
        assert.deepEqual(fromNow, [13]);
        // The newest historySize events can always be replayed.
        const recent: number[] = [];
        cache.watch(cache.revision - 4, undefined, (ev) => recent.push(ev.revision));
        assert.deepEqual(recent, [10, 11, 12, 13]);
      },
      { historySize: 4 },
    );
  });

  test('waitForRevision learns of writes under other prefixes, and times out on the future', async () => {
    await withCache(async ({ store, cache }) => {
      await store.create('/registry/services/ns/s', '{"metadata":{"name":"s"}}');
      await cache.waitForRevision(await store.currentRevision(), 2000);
      assert.equal(cache.revision, 1);
      await assert.rejects(cache.waitForRevision(50, 100), /timed out/);
    });
  });

  test('currentAt: current at the store revision while following, even after writes elsewhere; not while the watch is down', async () => {
    await withCache(async ({ counting, store, cache }) => {
      await store.create('/registry/pods/a/p', pod('a', 'p'));
      await store.create('/registry/secrets/a/s', '{}');
      const rev = await store.currentRevision();
      assert.ok(cache.revision < rev, 'the write elsewhere sent the cache no event');
      assert.equal(cache.currentAt(rev), true);
      assert.equal(cache.revision, rev);
      counting.breakWatches();
      assert.equal(cache.currentAt(await store.currentRevision()), false, 'not following: the cache cannot vouch');
      await waitFor('the cache follows again', () => cache.currentAt(rev), 5_000);
    });
  });

  test('a thousand watchers cost one store watch, and each sees every event in order', async () => {
    await withCache(async ({ counting, store, cache }) => {
      const seen: number[][] = [];
      const closed: Error[] = [];
      for (let i = 0; i < 1000; i++) {
        const mine: number[] = [];
        seen.push(mine);
        const bad = i % 100 === 0;
        cache.watch(
          cache.revision,
          undefined,
          (ev) => {
            if (bad) throw new Error('a broken watcher');
            mine.push(ev.revision);
          },
          (err) => closed.push(err),
        );
      }
      for (let i = 0; i < 20; i++) await store.create(`/registry/pods/ns/p${i}`, pod('ns', `p${i}`));
      const want = Array.from({ length: 20 }, (_, i) => i + 1);
      await waitFor('all events everywhere', () => seen.every((s, i) => i % 100 === 0 || s.length === 20));
      for (let i = 0; i < 1000; i++) assert.deepEqual(seen[i], i % 100 === 0 ? [] : want);
      assert.equal(counting.watchCalls, 1);
      assert.equal(closed.length, 10, 'throwing watchers are closed, the others go on');
      assert.equal(cache.watcherCount, 990);
    });
  });

  test('shared watches: an event is made once per group (prefix and key), each member gets what follows its own start, in order', async () => {
    await withCache(
      async ({ store, cache }) => {
        for (let i = 1; i <= 3; i++) await store.create(`/registry/pods/ns${i % 2}/p${i}`, pod(`ns${i % 2}`, `p${i}`));
        await cache.waitForRevision(3, 1000);
        const encoded = new Map<string, number>();
        const shared = (key: string, got: string[], bad = false) => ({
          key,
          encode: (ev: CacheEvent) => {
            const tag = `${key}/${ev.key}`;
            encoded.set(tag, (encoded.get(tag) ?? 0) + 1);
            return `${key}:${ev.type}@${ev.revision}`;
          },
          size: (v: string) => v.length,
          push: (v: string) => got.push(v),
          // Takes at once what the group has for it (a handler takes when it flushes).
          wake: (take: (into: string[]) => void) => {
            if (bad && got.length === 1) throw new Error('a broken watcher');
            take(got);
          },
          lag: () => assert.fail('every member takes at once'),
        });
        const closed: Error[] = [];
        // From revision 1: replays 2 and 3; from the current revision: nothing replayed.
        const early: string[] = [];
        cache.watchShared(1, undefined, shared('a', early));
        const late: string[][] = Array.from({ length: 50 }, () => []);
        const cancels = late.map((got) => cache.watchShared(cache.revision, undefined, shared('a', got)));
        const other: string[] = [];
        cache.watchShared(cache.revision, undefined, shared('b', other));
        const ns1: string[] = [];
        cache.watchShared(cache.revision, '/registry/pods/ns1/', shared('a', ns1));
        const broken: string[] = [];
        cache.watchShared(cache.revision, undefined, shared('a', broken, true), (e) => closed.push(e));
        // A member that cancels another while an event is being handed out.
        let cancelledOnce = false;
        const canceller: string[] = [];
        cache.watchShared(cache.revision, undefined, {
          key: 'a',
          encode: () => 'unused: the group encodes with its first member',
          size: () => 0,
          push: (v: string) => canceller.push(v),
          wake: (take: (into: string[]) => void) => {
            take(canceller);
            if (!cancelledOnce) {
              cancelledOnce = true;
              cancels[49].cancel();
            }
          },
          lag: () => undefined,
        });
        assert.equal(cache.watcherCount, 55);
        const before = new Map(encoded);
        await store.update('/registry/pods/ns1/p1', pod('ns1', 'p1', { spec: { x: 1 } }), 1);
        await store.create('/registry/pods/ns0/p4', pod('ns0', 'p4'));
        await store.delete('/registry/pods/ns1/p3');
        await cache.waitForRevision(6, 1000);
        assert.deepEqual(early, ['a:ADDED@2', 'a:ADDED@3', 'a:MODIFIED@4', 'a:ADDED@5', 'a:DELETED@6']);
        for (let i = 0; i < 49; i++) assert.deepEqual(late[i], ['a:MODIFIED@4', 'a:ADDED@5', 'a:DELETED@6']);
        assert.deepEqual(late[49], ['a:MODIFIED@4'], 'cancelled during the first event: it had that one and nothing after');
        assert.deepEqual(other, ['b:MODIFIED@4', 'b:ADDED@5', 'b:DELETED@6']);
        assert.deepEqual(ns1, ['a:MODIFIED@4', 'a:DELETED@6']);
        assert.deepEqual(canceller, ['a:MODIFIED@4', 'a:ADDED@5', 'a:DELETED@6']);
        assert.deepEqual(broken, ['a:MODIFIED@4'], 'a member whose push throws is ended, the others go on');
        assert.equal(closed.length, 1);
        // Each live event made once per group (the whole prefix's and ns1's are two groups).
        const live = new Map([...encoded].map(([k, n]) => [k, n - (before.get(k) ?? 0)]));
        assert.deepEqual(Object.fromEntries([...live].filter(([, n]) => n > 0)), {
          'a//registry/pods/ns1/p1': 2,
          'a//registry/pods/ns0/p4': 1,
          'a//registry/pods/ns1/p3': 2,
          'b//registry/pods/ns1/p1': 1,
          'b//registry/pods/ns0/p4': 1,
          'b//registry/pods/ns1/p3': 1,
        });
        assert.throws(
          () => cache.watchShared(1, undefined, shared('a', [])),
          (e: unknown) => e instanceof TooOldError,
          'a start that left the window is refused as watch() refuses it',
        );
        for (const c of cancels) c.cancel();
        assert.equal(cache.watcherCount, 4, 'early, other, ns1 and the canceller');
        cache.stop();
        assert.equal(cache.watcherCount, 0, 'stop ends the shared watches too');
      },
      { historySize: 2 },
    );
  });

  test('shared watches: an event costs the group one append; a member is woken once until it takes, then takes every event since, in order', async () => {
    await withCache(async ({ store, cache }) => {
      await store.create('/registry/pods/ns/p0', pod('ns', 'p0'));
      await cache.waitForRevision(1, 1000);
      let pushes = 0;
      const members = Array.from({ length: 100 }, () => ({
        wakes: 0,
        take: undefined as ((into: string[]) => void) | undefined,
        got: [] as string[],
      }));
      for (const m of members)
        cache.watchShared(cache.revision, undefined, {
          key: 'a',
          encode: (ev: CacheEvent) => `${ev.type}@${ev.revision}`,
          size: (v: string) => v.length,
          push: () => pushes++,
          wake: (take) => {
            m.wakes++;
            m.take = take;
          },
          lag: () => undefined,
        });
      for (let i = 1; i <= 20; i++) await store.update('/registry/pods/ns/p0', pod('ns', 'p0', { spec: { i } }), i);
      await cache.waitForRevision(21, 1000);
      // Not a call per member per event: one wake each, until it takes.
      assert.equal(pushes, 0, 'nothing was replayed, and live events are not pushed');
      assert.deepEqual(
        members.map((m) => m.wakes),
        members.map(() => 1),
      );
      const all = Array.from({ length: 20 }, (_, i) => `MODIFIED@${i + 2}`);
      for (const m of members) m.take!(m.got);
      for (const m of members) assert.deepEqual(m.got, all);
      await store.update('/registry/pods/ns/p0', pod('ns', 'p0', { spec: { i: 21 } }), 21);
      await cache.waitForRevision(22, 1000);
      assert.deepEqual(
        members.map((m) => m.wakes),
        members.map(() => 2),
        'having taken, each is woken by the next event',
      );
      for (const m of members) m.take!(m.got);
      for (const m of members) assert.deepEqual(m.got, [...all, 'MODIFIED@22']);
      // Ended by the cache with an event not taken yet: it takes it in onClose, before its last word.
      const last: string[] = [];
      let lastTake: ((into: string[]) => void) | undefined;
      cache.watchShared(
        cache.revision,
        undefined,
        {
          key: 'a',
          encode: () => 'unused',
          size: () => 0,
          push: () => assert.fail('nothing is replayed'),
          wake: (take) => {
            lastTake = take;
          },
          lag: () => undefined,
        },
        (err) => {
          lastTake?.(last);
          last.push(err.message);
        },
      );
      await store.update('/registry/pods/ns/p0', pod('ns', 'p0', { spec: { i: 22 } }), 22);
      await cache.waitForRevision(23, 1000);
      cache.stop();
      assert.deepEqual(last, ['MODIFIED@23', 'watch cache stopped']);
    });
  });

  test('shared watches: a member that does not take is told its lag as the log grows, and ending itself loses no other member an event; the log keeps only what is not taken', async () => {
    await withCache(async ({ store, cache }) => {
      await store.create('/registry/pods/ns/p0', pod('ns', 'p0'));
      await cache.waitForRevision(1, 1000);
      // Each event stands for 100 KiB: past 1 MiB appended, the group tells each member its lag.
      const member = (got: string[], takes: boolean, lags: number[], cancel?: () => { cancel(): void }) => ({
        key: 'a',
        encode: (ev: CacheEvent) => `${ev.type}@${ev.revision}`,
        size: () => 100 * 1024,
        push: () => assert.fail('nothing is replayed'),
        wake: (take: (into: string[]) => void) => {
          if (takes) take(got);
        },
        lag: (bytes: number) => {
          lags.push(bytes);
          if (bytes > 512 * 1024) cancel?.().cancel();
        },
      });
      const a: string[] = [];
      const c: string[] = [];
      const slow: string[] = [];
      const lagsA: number[] = [];
      const lagsSlow: number[] = [];
      const closed: Error[] = [];
      cache.watchShared(cache.revision, undefined, member(a, true, lagsA));
      const slowWatch: { cancel(): void } = cache.watchShared(
        cache.revision,
        undefined,
        member(slow, false, lagsSlow, () => slowWatch),
        (e) => closed.push(e),
      );
      cache.watchShared(cache.revision, undefined, member(c, true, []));
      assert.equal(cache.watcherCount, 3);
      for (let i = 1; i <= 30; i++) await store.update('/registry/pods/ns/p0', pod('ns', 'p0', { spec: { i } }), i);
      await cache.waitForRevision(31, 1000);
      const all = Array.from({ length: 30 }, (_, i) => `MODIFIED@${i + 2}`);
      assert.deepEqual(a, all);
      assert.deepEqual(c, all);
      assert.deepEqual(slow, []);
      assert.deepEqual(lagsA, [], 'a member that took everything has no lag to be told');
      // Told once, at 1 MiB appended (11 events of 100 KiB), and ended there by its own hand.
      assert.deepEqual(lagsSlow, [11 * 100 * 1024]);
      assert.equal(cache.watcherCount, 2);
      assert.deepEqual(closed, [], 'ended by itself (cancel), not by the cache');
      // Past the last scan (at 2 MiB and 3 MiB appended) the log holds only what came after it.
      assert.ok(cache.sharedLogLength(undefined, 'a') < 11, `the log holds ${cache.sharedLogLength(undefined, 'a')} values`);
    });
  });

  test('a lost store watch is resumed without a gap', async () => {
    await withCache(async ({ counting, store, cache }) => {
      const got: number[] = [];
      cache.watch(cache.revision, undefined, (ev) => got.push(ev.revision));
      await store.create('/registry/pods/ns/a', pod('ns', 'a'));
      counting.breakWatches();
      await store.create('/registry/pods/ns/b', pod('ns', 'b'));
      await waitFor('events across the break', () => got.length >= 2);
      assert.deepEqual(got, [1, 2]);
      assert.equal(counting.watchCalls, 2);
    });
  });

  test('when history was compacted meanwhile, watchers are closed and the cache lists again', async () => {
    await withCache(async ({ counting, store, cache }) => {
      const closed = closedWatches(cache, cache.revision);
      counting.breakWatches();
      const a = await store.create('/registry/pods/ns/a', pod('ns', 'a'));
      await store.compact(a.modRevision);
      await waitFor('relist', () => closed.length === 1 && cache.list().items.length === 1);
      assert.equal(cache.revision, 1);
      await store.create('/registry/pods/ns/b', pod('ns', 'b'));
      await cache.waitForRevision(2, 1000);
      assert.equal(cache.list().items.length, 2);
    });
  });

  test('stop ends watchers, waiters and the store watch', async () => {
    await withCache(async ({ store, cache }) => {
      const closed = closedWatches(cache, 0);
      const waiting = cache.waitForRevision(100, 10_000);
      cache.stop();
      await assert.rejects(waiting, /stopped/);
      assert.equal(closed.length, 1);
      await store.create('/registry/pods/ns/a', pod('ns', 'a'));
      assert.equal(cache.revision, 0);
    });
  });

  test('closing the store stops the cache instead of retrying', async () => {
    await withCache(async ({ store, cache }) => {
      const closed = closedWatches(cache, 0);
      await store.close();
      assert.equal(closed.length, 1);
      await assert.rejects(cache.waitForRevision(1, 1000), /stopped/);
    });
  });
});
