// A patch whose body carries a "__proto__" key, of any patch type, changes nothing but that
// (unknown, so pruned) field: it neither deletes the object (a metadata.deletionTimestamp read
// through a prototype the patch had set completed a deletion without the delete verb) nor
// reaches Object.prototype (the strategic merge patch merged into it: every namespace then read
// as terminating).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(() => cp?.stop());

test('a patch with a "__proto__" key neither deletes the object nor reaches Object.prototype', async () => {
  const CM = { group: '', version: 'v1', resource: 'configmaps', namespace: 'default' };
  await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'victim' }, data: { a: '1' } });
  const url = `${cp.url}/api/v1/namespaces/default/configmaps/victim`;
  const auth = { authorization: `Bearer ${cp.token}` };
  const value = '{"deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":[]}';
  for (const [type, body] of [
    ['application/merge-patch+json', `{"metadata":{"__proto__":${value}}}`],
    ['application/strategic-merge-patch+json', `{"metadata":{"__proto__":${value}}}`],
    ['application/json-patch+json', `[{"op":"add","path":"/metadata/__proto__","value":${value}}]`],
  ]) {
    const res = await fetch(url, { method: 'PATCH', headers: { ...auth, 'content-type': type }, body });
    const text = await res.text();
    assert.equal(res.status, 200, `${type}: ${text}`);
    const got = await fetch(url, { headers: auth });
    assert.equal(got.status, 200, `${type}: the object is still there`);
    const obj = JSON.parse(await got.text());
    assert.equal(obj.metadata.deletionTimestamp, undefined, type);
    assert.ok(!Object.hasOwn(obj.metadata, '__proto__'), `${type}: the unknown field is not stored`);
    assert.equal(({} as Record<string, unknown>).deletionTimestamp, undefined, `${type}: Object.prototype untouched`);
  }
  // Other writes go on (the namespace is not read as terminating).
  await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' }, data: {} });
});
