import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyJSON, isObject, nowRFC3339, sameJSON, stringifyMarkingMetadata } from './object.js';

// sameJSON answers what comparing the two JSON.stringify outputs answers. Random JSON-shaped
// values, each against variants that keep or change its JSON: a leaf changed, keys reordered,
// keys with values JSON leaves out, numbers JSON writes alike (NaN/null, -0/0), arrays with holes.
test('sameJSON agrees with comparing JSON.stringify outputs', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % n;
  };
  const leaf = (): unknown => [null, 0, -0, 1, 1.5, Number.NaN, Infinity, '', 'a', 'b', true, false, undefined, () => 1][rnd(14)];
  const value = (depth: number): unknown => {
    if (depth > 3 || rnd(3) === 0) return leaf();
    if (rnd(2) === 0) return Array.from({ length: rnd(4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = rnd(5); i > 0; i--) o[['a', 'b', 'c', 'd', 'e'][rnd(5)]] = value(depth + 1);
    return o;
  };
  const variant = (v: unknown): unknown => {
    const r = rnd(6);
    if (r === 0) return leaf();
    if (Array.isArray(v)) return r === 1 ? [...v, leaf()] : v.map((x) => (rnd(3) === 0 ? variant(x) : x));
    if (v && typeof v === 'object') {
      const e = Object.entries(v);
      if (r === 1) return Object.fromEntries(e.reverse());
      if (r === 2) return { ...v, z: undefined };
      if (r === 3) return { ...v, y: () => 1 };
      return Object.fromEntries(e.map(([k, x]) => [k, rnd(3) === 0 ? variant(x) : x]));
    }
    return r === 1 ? (v === 0 ? -0 : Number.isNaN(v) ? null : v) : leaf();
  };
  // A copy sharing nothing (structuredClone refuses functions).
  const clone = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(clone) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) : v;
  let same = 0;
  for (let i = 0; i < 20_000; i++) {
    const a = value(0);
    const b = rnd(4) === 0 ? clone(a) : variant(a);
    const want = JSON.stringify(a) === JSON.stringify(b);
    if (want) same++;
    assert.equal(sameJSON(a, b), want, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    assert.equal(sameJSON(b, a), want);
  }
  assert.ok(same > 2_000 && same < 18_000, `both answers were asked for (${same} equal)`);
  // A Date writes itself (toJSON).
  assert.equal(sameJSON({ t: new Date(0) }, { t: '1970-01-01T00:00:00.000Z' }), true);
});

// copyJSON of a decoded value (the watch cache's objects, frozen throughout) is what decoding
// its JSON again gives: the same JSON, key order and own "__proto__" keys included, every
// object and array new and unfrozen.
test('copyJSON of a frozen decoded value is a new, unfrozen decode of its JSON', () => {
  const text = '{"b":1,"a":[{"x":null,"2":"n","1":true},[],[-1.5e-7,"s"]],"__proto__":{"p":{}},"m":{"__proto__":[1]},"": ""}';
  const freeze = (v: unknown): unknown => {
    if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) freeze((v as Record<string, unknown>)[k]);
      Object.freeze(v);
    }
    return v;
  };
  const src = freeze(JSON.parse(text)) as Record<string, unknown>;
  const copy = copyJSON(src);
  assert.equal(JSON.stringify(copy), JSON.stringify(JSON.parse(text)));
  assert.deepEqual(copy, JSON.parse(text));
  assert.equal(Object.getPrototypeOf(copy), Object.prototype, '"__proto__" stays an own key');
  assert.ok(Object.hasOwn(copy, '__proto__'));
  const walk = (a: unknown, b: unknown): void => {
    if (!a || typeof a !== 'object') return;
    assert.notEqual(a, b, 'nothing shared');
    assert.ok(!Object.isFrozen(a), 'nothing frozen');
    for (const k of Object.keys(a)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
  };
  walk(copy, src);
  for (const leaf of ['s', 0, true, null]) assert.equal(copyJSON(leaf), leaf);
});

test('sameJSON: ignored keys read as absent, where they are named only', () => {
  const ignore = { children: { metadata: { keys: new Set(['resourceVersion', 'managedFields']) } } };
  const a = { kind: 'X', metadata: { name: 'n', resourceVersion: '1', managedFields: [{ manager: 'a' }] }, spec: { resourceVersion: '1' } };
  assert.equal(sameJSON(a, { kind: 'X', metadata: { name: 'n', resourceVersion: '2' }, spec: { resourceVersion: '1' } }, ignore), true);
  assert.equal(sameJSON(a, { kind: 'X', metadata: { name: 'n' }, spec: { resourceVersion: '2' } }, ignore), false);
  assert.equal(sameJSON(a, { kind: 'X', metadata: { name: 'm', resourceVersion: '1' }, spec: { resourceVersion: '1' } }, ignore), false);
  assert.equal(sameJSON(a, { metadata: { name: 'n' }, kind: 'X', spec: { resourceVersion: '1' } }, ignore), false, 'key order counts');
});

test('nowRFC3339: second precision, the same string within a second', () => {
  assert.equal(nowRFC3339(new Date('2025-01-02T03:04:05.678Z')), '2025-01-02T03:04:05Z');
  assert.equal(nowRFC3339(new Date('2025-01-02T03:04:05.999Z')), '2025-01-02T03:04:05Z');
  assert.equal(nowRFC3339(new Date('2025-01-02T03:04:06.000Z')), '2025-01-02T03:04:06Z');
  assert.equal(nowRFC3339(new Date('1969-12-31T23:59:59.500Z')), '1969-12-31T23:59:59Z');
  assert.match(nowRFC3339(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.throws(() => nowRFC3339(new Date(Number.NaN)), RangeError);
});

test('stringifyMarkingMetadata is JSON.stringify, and a key spliced in at its mark is that key appended to metadata', () => {
  const date = new Date(0);
  const cases: Record<string, unknown>[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' } }, data: { k: 'v' } },
    { metadata: { name: 'a' } },
    { kind: 'K', metadata: { name: 'é\u2028"\\', 10: 'int', skip: undefined, fn: () => 1 }, spec: undefined, 2: 'int first', f: () => 1 },
    { kind: 'K', metadata: { when: date } },
    { kind: 'K', metadata: { gone: undefined } },
    { kind: 'K', metadata: {} },
    { kind: 'K', metadata: [1, 2] },
    { kind: 'K', metadata: date },
    { kind: 'K' },
    { kind: 'K', metadata: { toJSON: 'not a function', name: 'a' } },
    { kind: 'K', metadata: { toJSON: () => ({ other: 1 }), name: 'a' } },
    { toJSON: () => ({ replaced: true }), metadata: { name: 'a' } },
    { a: null, b: [undefined, () => 1, Number.NaN, -0, 1e21], metadata: { name: 'n' }, c: { d: { e: [] } } },
  ];
  for (const o of cases) {
    const { text, metadataEnd } = stringifyMarkingMetadata(o);
    assert.equal(text, JSON.stringify(o));
    const m = o.metadata as Record<string, unknown> | undefined;
    const plain = isObject(m) && !(m instanceof Date) && typeof m.toJSON !== 'function' && JSON.stringify(m) !== '{}';
    if (!plain || typeof o.toJSON === 'function') {
      assert.equal(metadataEnd, -1, JSON.stringify(o));
      continue;
    }
    assert.ok(metadataEnd > 0, JSON.stringify(o));
    const spliced = `${text.slice(0, metadataEnd)},"resourceVersion":"42"${text.slice(metadataEnd)}`;
    m.resourceVersion = '42';
    assert.equal(spliced, JSON.stringify(o));
    delete m.resourceVersion;
  }
});
