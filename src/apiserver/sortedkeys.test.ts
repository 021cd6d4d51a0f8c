import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SortedKeys } from './sortedkeys.js';

/** The keys themselves, as mapPrefix's function. */
const key = (k: string): string => k;

/** A small deterministic generator, so that a failure can be run again. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('SortedKeys keeps what a sorted set keeps: adds, deletes and prefix walks over chunks that split and empty', () => {
  for (const seed of [1, 2, 3]) {
    const r = rng(seed);
    // Keys as the watch cache's: a few namespaces, names that share prefixes, some keys met again.
    const namespaces = ['/registry/pods/a/', '/registry/pods/ab/', '/registry/pods/b/', '/registry/pods/default/'];
    const keyOf = () => `${namespaces[Math.floor(r() * namespaces.length)]}p-${Math.floor(r() * 3000).toString(36)}`;
    const s = new SortedKeys();
    const ref = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const k = keyOf();
      // Grow for the first half (chunks split), then mostly delete (chunks empty and go).
      const deleting = i < 10_000 ? r() < 0.2 : r() < 0.8;
      if (deleting) assert.equal(s.delete(k), ref.delete(k), `delete ${k}`);
      else {
        const had = ref.has(k);
        ref.add(k);
        assert.equal(s.add(k), !had, `add ${k}`);
      }
      assert.equal(s.size, ref.size);
      if (i % 997 === 0 || i === 19_999) {
        const all = [...ref].sort();
        assert.deepEqual(s.mapPrefix('', key), all);
        for (const p of [...namespaces, '/registry/pods/a', '/registry/pods/default/p-1', '/registry/pods/zz/', '/']) {
          assert.deepEqual(
            s.mapPrefix(p, key),
            all.filter((k) => k.startsWith(p)),
            `prefix ${p}`,
          );
        }
      }
    }
  }
});

test('SortedKeys made from sorted keys walks them in order and takes more', () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `/k/${String(i).padStart(5, '0')}`);
  const s = new SortedKeys(keys);
  assert.equal(s.size, 5000);
  assert.deepEqual(s.mapPrefix('/k/', key), keys);
  assert.deepEqual(s.mapPrefix('/k/0499', key), keys.slice(4990, 5000));
  assert.equal(s.add('/k/00000'), false);
  assert.equal(s.add('/k/0'), true);
  assert.equal(s.add('/j'), true);
  assert.equal(s.add('/l'), true);
  assert.deepEqual(s.mapPrefix('', key), ['/j', '/k/0', ...keys, '/l']);
  assert.equal(new SortedKeys().delete('/x'), false);
  assert.deepEqual(new SortedKeys().mapPrefix('', key), []);
});
