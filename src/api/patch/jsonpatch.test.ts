import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../errors.js';
import { applyJsonPatch } from './jsonpatch.js';

// RFC 6902 Appendix A.
const rfc: [string, unknown, unknown[], unknown][] = [
  ['A.1 add an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
  ['A.2 add an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
  ['A.3 remove an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
  ['A.4 remove an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
  ['A.5 replace a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
  [
    'A.6 move a value',
    { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  ],
  [
    'A.7 move an array element',
    { foo: ['all', 'grass', 'cows', 'eat'] },
    [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    { foo: ['all', 'cows', 'eat', 'grass'] },
  ],
  [
    'A.8 test a value: success',
    { baz: 'qux', foo: ['a', 2, 'c'] },
    [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    { baz: 'qux', foo: ['a', 2, 'c'] },
  ],
  [
    'A.10 add a nested member object',
    { foo: 'bar' },
    [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    { foo: 'bar', child: { grandchild: {} } },
  ],
  ['A.11 ignore unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
  ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
  ['A.16 add an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
  ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
  [
    '~1 in a path',
    { labels: {} },
    [{ op: 'add', path: '/labels/app.kubernetes.io~1name', value: 'x' }],
    { labels: { 'app.kubernetes.io/name': 'x' } },
  ],
  ['replace the whole document', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
];

for (const [name, doc, patch, want] of rfc) {
  test(`json patch: ${name}`, () => {
    const before = structuredClone(doc);
    assert.deepEqual(applyJsonPatch(doc, JSON.stringify(patch)), want);
    assert.deepEqual(doc, before, 'input unmodified');
  });
}

function assertStatus(fn: () => unknown, code: number, reason: string): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.reason, reason);
    return e;
  }
  assert.fail('expected an error');
}

test('json patch: failing operations are 422 with the generic message kube-apiserver sends', () => {
  const cases: [unknown, unknown[]][] = [
    [{ baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'bar' }]], // A.9
    [{ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]], // A.12
    [{ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]], // A.15
    [{ foo: 'bar' }, [{ op: 'remove', path: '/nope' }]],
    [{ foo: 'bar' }, [{ op: 'replace', path: '/nope', value: 1 }]],
    [{ foo: [1] }, [{ op: 'add', path: '/foo/5', value: 1 }]],
    [{ foo: 'bar' }, [{ op: 'frobnicate', path: '/foo' }]],
  ];
  for (const [doc, patch] of cases) {
    const e = assertStatus(() => applyJsonPatch(doc, JSON.stringify(patch)), 422, 'Invalid');
    assert.equal(e.message, 'the server rejected our request due to an error in our request');
  }
});

test('json patch: a failing op leaves nothing half-applied', () => {
  const doc = { a: 1 };
  assertStatus(
    () =>
      applyJsonPatch(
        doc,
        JSON.stringify([
          { op: 'add', path: '/b', value: 2 },
          { op: 'test', path: '/a', value: 9 },
        ]),
      ),
    422,
    'Invalid',
  );
  assert.deepEqual(doc, { a: 1 });
});

test('json patch: a malformed document is 400', () => {
  assertStatus(() => applyJsonPatch({}, 'not json'), 400, 'BadRequest');
  assertStatus(() => applyJsonPatch({}, '{"op":"add"}'), 400, 'BadRequest');
  assertStatus(() => applyJsonPatch({}, '[1]'), 400, 'BadRequest');
});
