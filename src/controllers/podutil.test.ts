// A pod informer's update handlers run for every write of every pod (a pod's status, its
// binding): what they compare (the controller reference, the labels) is compared as JSON, by
// sameJSON, which answers at once when both versions hold the very same part (the watch cache
// and the informers share a pod's unchanged parts between its versions) instead of encoding both.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject, OwnerReference } from '../api/object.js';
import { controllerUpdate, labelsChanged } from './podutil.js';

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: 'web',
  uid,
  controller: true,
  blockOwnerDeletion: true,
  ...extra,
});
const pod = (refs: OwnerReference[] | undefined, labels?: Record<string, string>, rv = '1'): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'p',
    namespace: 'default',
    resourceVersion: rv,
    ...(refs ? { ownerReferences: refs } : {}),
    ...(labels ? { labels } : {}),
  },
});

/** How many times JSON.stringify runs in fn. */
function stringifies<T>(fn: () => T): { value: T; calls: number } {
  const own = JSON.stringify;
  let calls = 0;
  JSON.stringify = ((...a: Parameters<typeof own>) => {
    calls++;
    return own(...a);
  }) as typeof JSON.stringify;
  try {
    return { value: fn(), calls };
  } finally {
    JSON.stringify = own;
  }
}

test('controllerUpdate and labelsChanged answer as comparing the JSON did', () => {
  const resolve = (_ns: string | undefined, r: OwnerReference) => ({ metadata: { name: r.name, uid: r.uid } }) as KObject;
  const cases: [OwnerReference[] | undefined, OwnerReference[] | undefined, boolean][] = [
    [[ref('a')], [ref('a')], false],
    [[ref('a')], [ref('b')], true],
    [undefined, [ref('a')], true],
    [[ref('a')], undefined, true],
    [undefined, undefined, false],
    // The same fields in another order: other JSON, so changed (as before).
    [[ref('a')], [{ uid: 'a', apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', controller: true, blockOwnerDeletion: true }], true],
    [[ref('a')], [ref('a', { blockOwnerDeletion: undefined })], true],
    [[ref('a', { controller: false }), ref('b')], [ref('b')], false],
  ];
  for (const [o, c, changed] of cases) {
    const u = controllerUpdate(pod(o), pod(c, undefined, '2'), resolve);
    assert.equal(u.refChanged, changed, JSON.stringify([o, c]));
    assert.equal(u.orphan, !c?.some((r) => r.controller));
    assert.equal(u.previous !== undefined, changed && !!o?.some((r) => r.controller));
  }
  assert.equal(labelsChanged(pod(undefined, { a: '1' }), pod(undefined, { a: '1' })), false);
  assert.equal(labelsChanged(pod(undefined, { a: '1' }), pod(undefined, { a: '2' })), true);
  assert.equal(labelsChanged(pod(undefined, { a: '1', b: '2' }), pod(undefined, { b: '2', a: '1' })), true);
  assert.equal(labelsChanged(pod(undefined), pod(undefined, {})), false);
  assert.equal(labelsChanged(pod(undefined), pod(undefined, { a: '1' })), true);
});

test('a pod version that shares its controller reference and labels with the last one is not encoded to compare them', () => {
  const refs = Object.freeze([Object.freeze(ref('a'))]);
  const labels = Object.freeze({ app: 'web' });
  const old = pod(refs as OwnerReference[], labels, '1');
  const cur = pod(refs as OwnerReference[], labels, '2');
  const resolve = () => undefined;
  const u = stringifies(() => controllerUpdate(old, cur, resolve));
  assert.equal(u.value.refChanged, false);
  assert.equal(u.calls, 0, 'JSON.stringify calls comparing controller references');
  const l = stringifies(() => labelsChanged(old, cur));
  assert.equal(l.value, false);
  assert.equal(l.calls, 0, 'JSON.stringify calls comparing labels');
});
