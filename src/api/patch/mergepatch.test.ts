import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../errors.js';
import { decodeMergePatch, mergePatch } from './mergepatch.js';

// RFC 7386 Appendix A.
const cases: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [
    ['a', 'b'],
    ['c', 'd'],
    ['c', 'd'],
  ],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test('merge patch: RFC 7386 examples', () => {
  for (const [target, patch, want] of cases) {
    const before = structuredClone(target);
    assert.deepEqual(mergePatch(target, patch), want, JSON.stringify({ target, patch }));
    assert.deepEqual(target, before, 'input unmodified');
  }
});

test('merge patch: a body that is not a JSON object is 400 Invalid JSON Patch', () => {
  for (const body of ['nope', 'null', '"x"']) {
    assert.throws(
      () => decodeMergePatch(body),
      (e) => e instanceof StatusError && e.code === 400 && e.message === 'Invalid JSON Patch',
    );
  }
});
