// guaranteedUpdate reads the stored version from the watch cache, without decoding it again,
// when the write's strategy puts none of the old object's parts into the new one (a lease
// renewal, a binding); the answer stays the caller's own either way. The copies it needs of
// its own (tryUpdate's, a status write's old object) are made from the cache's object when it
// holds the version read, not decoded from the bytes again.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../../api/object.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import type { GenericRegistry } from './generic.js';
import { apiserverContext } from './strategy.js';

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(() => cp?.stop());

/** Counts the registry's decodes of stored bytes while fn runs. */
async function decodes(reg: GenericRegistry, fn: () => Promise<unknown>): Promise<number> {
  const own = reg.decode;
  let n = 0;
  reg.decode = (kv) => {
    n++;
    return own.call(reg, kv);
  };
  try {
    await fn();
  } finally {
    reg.decode = own;
  }
  return n;
}

test("an update whose strategy keeps nothing of the old object reads it from the watch cache; the answer is the caller's own", async () => {
  const leases = cp.api.registry('coordination.k8s.io', 'leases')!;
  const lease = (holder: string, renewTime: string): KObject => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'shared', namespace: 'default' },
    spec: { holderIdentity: holder, leaseDurationSeconds: 40, renewTime },
  });
  await leases.create('default', lease('a', '2026-12-03T12:00:00.000000Z'), apiserverContext());
  const key = leases.key('default', 'shared');
  await leases.cache.waitForRevision(Number((await leases.get('default', 'shared')).metadata.resourceVersion), 5000);
  // No decode: the stored version is the cache's, tryUpdate's own copy a copy of it.
  const renewed = await (async () => {
    let out: KObject | undefined;
    const n = await decodes(leases, async () => {
      out = (await leases.update('default', 'shared', lease('a', '2026-12-03T12:00:10.000000Z'), apiserverContext())).obj;
    });
    assert.equal(n, 0, 'decodes for a lease renewal');
    return out!;
  })();
  await leases.cache.waitForRevision(Number(renewed.metadata.resourceVersion), 5000);
  const cached = leases.cache.get(key)!;
  assert.notEqual(renewed, cached);
  assert.ok(!Object.isFrozen(renewed) && !Object.isFrozen(renewed.spec));
  (renewed.spec as Record<string, unknown>).holderIdentity = 'changed by the caller';
  assert.equal((leases.cache.get(key)!.spec as Record<string, unknown>).holderIdentity, 'a', 'the cache is not the answer');
  // A write that changes nothing answers with the stored version: a copy of its own, not the cache's.
  const again = lease('a', '2026-12-03T12:00:10.000000Z');
  again.metadata.managedFields = cached.metadata.managedFields;
  const noop = (await leases.update('default', 'shared', again, apiserverContext())).obj;
  assert.equal(noop.metadata.resourceVersion, cached.metadata.resourceVersion, 'a no-op');
  assert.notEqual(noop, leases.cache.get(key));
  assert.ok(!Object.isFrozen(noop) && !Object.isFrozen(noop.spec));
  // A status write (statusStrategy shares the old object's parts with the new one) takes copies
  // of its own, of the cache's object: unfrozen, never the cache's.
  const pods = cp.api.registry('', 'pods')!;
  const pod = await pods.create(
    'default',
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shared' }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    apiserverContext(),
  );
  await pods.cache.waitForRevision(Number(pod.metadata.resourceVersion), 5000);
  const fromCache = pods.cache.get(pods.key('default', 'shared'))!;
  const status = { ...pod, status: { ...(pod.status as object), phase: 'Running' } };
  let written: KObject | undefined;
  const n = await decodes(pods, async () => {
    written = (await pods.update('default', 'shared', status, apiserverContext(), 'status')).obj;
  });
  assert.equal(n, 0, 'decodes for a status write');
  assert.ok(!Object.isFrozen(written!.spec));
  assert.ok(!Object.isFrozen(written!.metadata.managedFields?.[0]?.fieldsV1 ?? {}));
  assert.notEqual(written!.spec, fromCache.spec);
  (written!.spec as { containers: { image: string }[] }).containers[0].image = 'changed by the caller';
  assert.equal((pods.cache.get(pods.key('default', 'shared'))!.spec as { containers: { image: string }[] }).containers[0].image, 'i');
  assert.equal(written!.status && (written!.status as { phase: string }).phase, 'Running');
});
