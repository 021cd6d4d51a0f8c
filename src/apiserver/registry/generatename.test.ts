// KEP-4420 (RetryGenerateName, GA in Kubernetes v1.32): a create with metadata.generateName whose
// generated name is taken is tried again with another name, up to 8 attempts in all (the
// generic registry's generateNameRetries); when every attempt is taken, the answer is
// apimachinery's NewGenerateNameConflict (409 AlreadyExists, retry after 1 s). A name the
// client chose is never changed. The random suffix is scripted here by replacing Math.random
// for the registry's randomSuffix alone (recognised by its stack), so nothing else in the
// process sees a changed generator.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiRequest, statusOf } from '../../testing/apirequest.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(async () => {
  await cp?.stop();
});

/** Runs fn with randomSuffix drawing its characters from script (one value per call; the last repeats). */
async function withSuffixes<T>(script: number[], fn: () => Promise<T>): Promise<{ value: T; drawn: number }> {
  const real = Math.random;
  let drawn = 0;
  Math.random = () => {
    if (!new Error().stack?.includes('randomSuffix')) return real();
    return script[Math.min(drawn++, script.length - 1)];
  };
  try {
    return { value: await fn(), drawn };
  } finally {
    Math.random = real;
  }
}

const post = (body: object) =>
  apiRequest(cp.url, cp.token, {
    method: 'POST',
    path: '/api/v1/namespaces/default/configmaps',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

// 0 draws 'b', the alphabet's first character; 0.99 its last, '9'.
const FIRST = 0;
const LAST = 0.99;

test('a generated name that is taken is generated again: 201 with another name', async () => {
  const taken = await post({ metadata: { name: 'gen-a-bbbbb' } });
  assert.equal(taken.status, 201, taken.text);
  const { value: a, drawn } = await withSuffixes([FIRST, FIRST, FIRST, FIRST, FIRST, LAST], () =>
    post({ metadata: { generateName: 'gen-a-' }, data: { k: 'v' } }),
  );
  assert.equal(a.status, 201, a.text);
  const made = JSON.parse(a.text) as { metadata: { name: string; generateName: string }; data: { k: string } };
  assert.equal(made.metadata.name, 'gen-a-99999');
  assert.equal(made.metadata.generateName, 'gen-a-');
  assert.equal(drawn, 10, 'two names drawn');
  // Both objects are there, the first untouched.
  const first = await apiRequest(cp.url, cp.token, { method: 'GET', path: '/api/v1/namespaces/default/configmaps/gen-a-bbbbb' });
  assert.equal(JSON.parse(first.text).data, undefined);
  const second = await apiRequest(cp.url, cp.token, { method: 'GET', path: '/api/v1/namespaces/default/configmaps/gen-a-99999' });
  assert.equal(JSON.parse(second.text).data.k, 'v');
});

test('a generated name taken on all 8 attempts: 409 AlreadyExists, "not able to generate a unique name", retry after 1 s', async () => {
  const taken = await post({ metadata: { name: 'gen-b-bbbbb' } });
  assert.equal(taken.status, 201, taken.text);
  const { value: r, drawn } = await withSuffixes([FIRST], () => post({ metadata: { generateName: 'gen-b-' } }));
  assert.equal(r.status, 409, r.text);
  const st = statusOf(r);
  assert.equal(st.reason, 'AlreadyExists');
  assert.equal(st.message, 'configmaps "gen-b-bbbbb" already exists, the server was not able to generate a unique name for the object');
  assert.equal(st.details?.retryAfterSeconds, 1);
  assert.equal(drawn, 8 * 5, 'eight names drawn');
});

test('a name the client chose is never changed: 409 AlreadyExists as before', async () => {
  const { value: r, drawn } = await withSuffixes([LAST], () => post({ metadata: { name: 'gen-a-bbbbb', generateName: 'gen-a-' } }));
  assert.equal(r.status, 409, r.text);
  assert.equal(statusOf(r).message, 'configmaps "gen-a-bbbbb" already exists');
  assert.equal(drawn, 0);
});
