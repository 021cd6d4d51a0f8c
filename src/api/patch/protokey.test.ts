// A patch's "__proto__" (or "constructor") key is an ordinary key, as in Go: it is never the
// prototype. Assigned as a property it set the patched object's prototype (merge and JSON patch:
// every field the object lacks then read through to the patch's, so a patched
// metadata.deletionTimestamp, read by the registry, deleted the object), and the strategic
// merge patch's `k in original` found Object.prototype and merged the patch into it: every
// object of the API server then had the patch's fields (every namespace terminating).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyJsonPatch } from './jsonpatch.js';
import { decodeMergePatch, mergePatch } from './mergepatch.js';
import { decodeStrategicPatch, strategicMergePatch } from './strategic.js';

const target = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: '1' } });
const STAMP = '2026-01-01T00:00:00Z';

/** out's metadata holds "__proto__" as its own key, its prototype is Object.prototype, and nothing leaked into Object.prototype. */
function ownKeyOnly(out: Record<string, unknown>): void {
  const meta = out.metadata as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(meta), Object.prototype);
  assert.ok(Object.hasOwn(meta, '__proto__'), 'an own "__proto__" key');
  assert.equal(meta.deletionTimestamp, undefined, 'nothing read through');
  assert.equal(({} as Record<string, unknown>).deletionTimestamp, undefined, 'Object.prototype untouched');
  assert.ok(!Object.hasOwn(Object.prototype, 'deletionTimestamp'));
  assert.deepEqual(Object.getOwnPropertyDescriptor(meta, '__proto__')?.value, { deletionTimestamp: STAMP });
}

test('a merge patch sets "__proto__" as an own key', () => {
  ownKeyOnly(
    mergePatch(target(), decodeMergePatch(`{"metadata":{"__proto__":{"deletionTimestamp":"${STAMP}"}}}`)) as Record<string, unknown>,
  );
});

test('a strategic merge patch sets "__proto__" as an own key and never merges into Object.prototype', () => {
  const patch = decodeStrategicPatch(`{"metadata":{"__proto__":{"deletionTimestamp":"${STAMP}"}}}`);
  ownKeyOnly(strategicMergePatch(target(), patch, 'io.k8s.api.core.v1.ConfigMap'));
  // "constructor" too: an own key, not Object's constructor merged into.
  const out = strategicMergePatch(target(), decodeStrategicPatch('{"metadata":{"constructor":{"x":"y"}}}'), 'io.k8s.api.core.v1.ConfigMap');
  assert.deepEqual(Object.getOwnPropertyDescriptor(out.metadata as object, 'constructor')?.value, { x: 'y' });
  assert.equal({}.constructor, Object);
});

test('a JSON patch adds "__proto__" as an own key', () => {
  ownKeyOnly(applyJsonPatch(target(), `[{"op":"add","path":"/metadata/__proto__","value":{"deletionTimestamp":"${STAMP}"}}]`));
});
