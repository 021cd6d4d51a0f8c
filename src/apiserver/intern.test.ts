// The interner (intern.ts): equal subtrees become one frozen instance, the JSON of every value
// stays byte for byte what it was, and the table stays within its bound.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Interner, NOT_JSON } from './intern.js';

/** A pod's managedFields entry as a ReplicaSet's pods carry it: only the volume's key differs. */
function entry(volume: string, time = '2026-12-03T03:08:47Z'): Record<string, unknown> {
  return {
    manager: 'kube-controller-manager',
    operation: 'Update',
    apiVersion: 'v1',
    time,
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
        'f:volumes': { '.': {}, [`k:{"name":"${volume}"}`]: { '.': {}, 'f:name': {}, 'f:projected': { 'f:defaultMode': {} } } },
      },
    },
  };
}

/** What a decoder hands over: a fresh copy nobody else holds. */
const fresh = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

test('equal subtrees of separately decoded values become one frozen instance; the JSON is unchanged', () => {
  const it = new Interner();
  const a0 = entry('kube-api-access-aaaaa');
  const b0 = entry('kube-api-access-bbbbb');
  const a = it.intern(fresh(a0));
  const b = it.intern(fresh(b0));
  assert.equal(JSON.stringify(a), JSON.stringify(a0));
  assert.equal(JSON.stringify(b), JSON.stringify(b0));
  const fa = a.fieldsV1 as Record<string, Record<string, unknown>>;
  const fb = b.fieldsV1 as Record<string, Record<string, unknown>>;
  // Shared where equal, down to the empty objects ...
  assert.equal(fa['f:metadata'], fb['f:metadata']);
  assert.equal((fa['f:spec'] as Record<string, unknown>)['f:containers'], (fb['f:spec'] as Record<string, unknown>)['f:containers']);
  // ... their own where not (the volume's key), and frozen throughout.
  assert.notEqual(fa['f:spec'], fb['f:spec']);
  assert.ok(Object.isFrozen(a) && Object.isFrozen(fa['f:spec']) && Object.isFrozen(fa['f:metadata']));
  assert.throws(() => {
    (fa['f:metadata'] as Record<string, unknown>).x = 1;
  }, TypeError);
  // The same content again is the same instance: the whole entry.
  assert.equal(it.intern(fresh(a0)), a);
});

test('same keys in another order, or values of another type, are not the same', () => {
  const it = new Interner();
  const a = it.intern({ x: 1, y: '1' });
  assert.notEqual(it.intern({ y: '1', x: 1 }), a);
  assert.notEqual(it.intern({ x: '1', y: '1' }), a);
  assert.notEqual(it.intern({ x: 1, y: 1 }), a);
  assert.notEqual(it.intern({ x: 1, y: '1', z: null }), a);
  assert.notEqual(it.intern([1, '1']), it.intern({ 0: 1, 1: '1' }));
  assert.equal(it.intern({ x: 1, y: '1' }), a);
  assert.equal(it.intern([{}, []])[0], it.intern({ e: {} }).e);
});

test('internChildren leaves the root and the named keys unshared and unfrozen', () => {
  const it = new Interner();
  const mk = (name: string) => fresh({ metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'web' }] } });
  const p = mk('a');
  const q = mk('b');
  for (const o of [p, q]) {
    it.internChildren(o, new Set(['metadata']));
    it.internChildren(o.metadata, new Set(['name']));
  }
  assert.equal(p.spec, q.spec);
  assert.equal(p.metadata.labels, q.metadata.labels);
  assert.ok(!Object.isFrozen(p) && !Object.isFrozen(p.metadata));
  p.metadata.name = 'renamed';
  assert.equal(q.metadata.name, 'b');
});

test('the table is bounded, and what leaves it stays with the values that hold it', () => {
  const it = new Interner(100);
  const kept = it.intern(fresh({ a: { b: 'kept' } }));
  for (let i = 0; i < 10_000; i++) it.intern({ i: `v${i}` });
  assert.ok(it.size <= 4 * 100, `table size ${it.size}`);
  assert.deepEqual(kept, { a: { b: 'kept' } });
  // Met again after it left: a new shared instance, equal in content.
  const again = it.intern(fresh({ a: { b: 'kept' } }));
  assert.deepEqual(again, kept);
});

test('hostile input: deep nesting is left as it is past the bound, long strings are not tabled', () => {
  const it = new Interner();
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 1_000; i++) {
    const next = {};
    deep.d = next;
    deep = next;
  }
  const json = JSON.stringify(root);
  const out = it.intern(root);
  assert.equal(JSON.stringify(out), json);
  // Interned above the bound, left whole (and unfrozen) below it.
  let d = out;
  for (let i = 0; i < 200; i++) d = d.d as Record<string, unknown>;
  assert.ok(!Object.isFrozen(d));
  const long = 'x'.repeat(100_000);
  const before = it.size;
  it.intern({ s: long });
  assert.ok(it.size <= before + 2);
});

test('internCopy gives what interning a decode of the JSON gives, shares the same nodes, and leaves its input as it was', () => {
  const r = (() => {
    let s = 7;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  })();
  // Random JSON-like values: keys that repeat, integer-like keys (ordered first by JS), long strings.
  const value = (depth: number): unknown => {
    const x = r();
    if (depth > 4 || x < 0.3) {
      const y = r();
      if (y < 0.3) return ['a', 'b', 'web', '1', 'x'.repeat(300)][Math.floor(r() * 5)];
      if (y < 0.5) return Math.floor(r() * 5) - 2;
      if (y < 0.6) return 1.5;
      if (y < 0.7) return r() < 0.5;
      if (y < 0.8) return null;
      return {};
    }
    if (x < 0.55) return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(r() * 5); i > 0; i--)
      o[['name', 'f:spec', '2', '10', 'k:{"name":"web"}', '.'][Math.floor(r() * 6)]] = value(depth + 1);
    return o;
  };
  const byDecode = new Interner();
  const byCopy = new Interner();
  const both = new Interner();
  for (let i = 0; i < 2000; i++) {
    const v = value(0);
    const text = JSON.stringify(v);
    const decoded = byDecode.intern(JSON.parse(text));
    const copied = byCopy.internCopy(v);
    assert.equal(JSON.stringify(copied), text);
    assert.equal(JSON.stringify(v), text, 'the input is not changed');
    assert.deepEqual(copied, decoded);
    if (typeof v === 'object' && v !== null) {
      assert.notEqual(copied, v, 'a copy, never the input');
      assert.ok(Object.isFrozen(copied));
      assert.ok(!Object.isFrozen(v));
      // In one table, the copy and the decode of the same content are one instance.
      assert.equal(both.internCopy(v), both.intern(JSON.parse(text)));
    }
  }
});

test('internCopy answers NOT_JSON for what JSON would not give back, leaves out undefined members, keeps frozen JSON whole', () => {
  const it = new Interner();
  class Thing {
    a = 1;
  }
  for (const bad of [
    [1, undefined],
    [Number.NaN],
    { x: Number.POSITIVE_INFINITY },
    { x: -0 },
    { x: () => 1 },
    { x: Symbol('s') },
    { x: new Date(0) },
    { x: new Thing() },
    { x: new Uint8Array(2) },
    JSON.parse('{"__proto__": {"a": 1}}'),
    // biome-ignore lint/suspicious/noSparseArray: a hole, as JSON writes null for it
    [1, , 2],
    Object.freeze({ x: { y: 1 } }), // frozen, but not throughout
    Object.freeze({ x: undefined }),
  ])
    assert.equal(it.internCopy(bad), NOT_JSON, JSON.stringify(bad) ?? String(bad));
  assert.deepEqual(it.internCopy({ a: undefined, b: 1, c: { d: undefined } }), { b: 1, c: {} });
  assert.equal(JSON.stringify(it.internCopy({ a: undefined, b: 1 })), '{"b":1}');
  const frozen = Object.freeze({ y: Object.freeze([1, 'two', null, Object.freeze({})]) });
  const copied = it.internCopy({ x: frozen, z: 1 }) as Record<string, unknown>;
  assert.equal(copied.x, frozen, 'a frozen JSON subtree is taken as it is');
});

// internCopy with the version cached before (`was`, as the watch cache's adopt passes it): what
// JSON gives back, frozen throughout, and each part whose JSON is that of the part at the same
// place in was is was's instance, at any depth. Random values against random edits of them.
test('internCopy with the previous version takes its unchanged parts, at any depth, and still gives the JSON of the input', () => {
  const r = (() => {
    let s = 11;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  })();
  const leaf = (): unknown => ['a', 'b', 1, 2, true, null, 1.5][Math.floor(r() * 7)];
  const value = (depth: number): unknown => {
    if (depth > 3 || r() < 0.25) return leaf();
    if (r() < 0.35) return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(r() * 5); i > 0; i--)
      o[['spec', 'status', 'name', 'containers', '1', 'x'][Math.floor(r() * 6)]] = value(depth + 1);
    return o;
  };
  // An edit of some leaves and keys of v, v itself left as it was.
  const edit = (v: unknown): unknown => {
    if (r() < 0.15) return value(2);
    if (Array.isArray(v)) return v.map(edit);
    if (typeof v === 'object' && v !== null) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (r() > 0.1) o[k] = edit(x);
      if (r() < 0.1) o.added = leaf();
      return o;
    }
    return v;
  };
  const deepFrozen = (v: unknown): boolean =>
    typeof v !== 'object' || v === null || (Object.isFrozen(v) && Object.values(v).every(deepFrozen));
  // Every part of got whose JSON is that of the part of was at the same place is that part.
  const taken = (got: unknown, was: unknown): number => {
    if (typeof got !== 'object' || got === null || typeof was !== 'object' || was === null) return 0;
    if (JSON.stringify(got) === JSON.stringify(was)) {
      assert.equal(got, was, 'an unchanged part is the previous version’s instance');
      return 1;
    }
    let n = 0;
    for (const [k, x] of Object.entries(got)) if (Object.hasOwn(was, k)) n += taken(x, (was as Record<string, unknown>)[k]);
    return n;
  };
  // The previous versions come from a table of their own: only `was` can give got their instances.
  const it = new Interner();
  const previous = new Interner();
  let reused = 0;
  for (let i = 0; i < 2000; i++) {
    const v = value(0);
    const text = JSON.stringify(v);
    const was = previous.internCopy(edit(v));
    const got = it.internCopy(v, 0, was);
    assert.equal(JSON.stringify(got), text);
    assert.equal(JSON.stringify(v), text, 'the input is not changed');
    assert.ok(deepFrozen(got));
    reused += taken(got, was);
  }
  assert.ok(reused > 500, `unchanged parts taken: ${reused}`);
  // A binding: the spec gains nodeName; its containers and tolerations are the cached ones.
  const pod = { spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80 }] }], tolerations: [{ key: 'k' }] } };
  const cached = previous.internCopy(pod) as { spec: Record<string, unknown> };
  const bound = it.internCopy({ spec: { ...structuredClone(pod.spec), nodeName: 'n1' } }, 0, cached) as { spec: Record<string, unknown> };
  assert.equal(bound.spec.containers, cached.spec.containers);
  assert.equal(bound.spec.tolerations, cached.spec.tolerations);
  assert.equal(bound.spec.nodeName, 'n1');
  // What JSON writes the same way is the cached part, as a decode of the text would be (-0 is 0).
  const zero = previous.internCopy({ a: { n: 0 } }) as Record<string, unknown>;
  assert.equal((it.internCopy({ a: { n: -0 } }, 0, zero) as Record<string, unknown>).a, zero.a);
  // A part that differs is still refused when JSON would not give it back.
  assert.equal(it.internCopy({ a: { n: -0, m: 1 } }, 0, zero), NOT_JSON);
});
