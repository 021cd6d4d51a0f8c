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

test("merge patch: what the patch sets is the patch's JSON copied, none of it shared, without structuredClone", () => {
  const body =
    '{"metadata":{"uid":"u"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null}],"podIPs":[{"ip":"10.0.0.1"}],"n":1.5,"ok":true,"list":[[1,{"a":[]}]]}}';
  const target = { metadata: { name: 'p', uid: 'u' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending', hostIP: 'h' } };
  const before = JSON.stringify(target);
  const patch = decodeMergePatch(body);
  const clone = globalThis.structuredClone;
  let clones = 0;
  globalThis.structuredClone = ((v: unknown, o?: StructuredSerializeOptions) => {
    clones++;
    return clone(v, o);
  }) as typeof structuredClone;
  let out: Record<string, unknown>;
  try {
    out = mergePatch(target, patch) as Record<string, unknown>;
  } finally {
    globalThis.structuredClone = clone;
  }
  assert.equal(clones, 0, 'structuredClone calls');
  const status = out.status as Record<string, unknown>;
  assert.equal(
    JSON.stringify(out),
    '{"metadata":{"name":"p","uid":"u"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running","hostIP":"h","conditions":[{"type":"Ready","status":"True","lastProbeTime":null}],"podIPs":[{"ip":"10.0.0.1"}],"n":1.5,"ok":true,"list":[[1,{"a":[]}]]}}',
  );
  // Nothing of the patch is in the result: changing one leaves the other as it was.
  const p = patch.status as Record<string, unknown>;
  assert.notEqual(status.conditions, p.conditions);
  assert.notEqual((status.list as unknown[][])[0], (p.list as unknown[][])[0]);
  assert.notEqual((status.conditions as object[])[0], (p.conditions as object[])[0]);
  (status.podIPs as { ip: string }[])[0].ip = 'changed';
  assert.equal((p.podIPs as { ip: string }[])[0].ip, '10.0.0.1');
  assert.equal(JSON.stringify(target), before, 'the target is left as it was');
  assert.equal(out.spec, target.spec, "what the patch leaves alone is the target's");
});
