// guaranteedUpdate reads the stored version from the watch cache, without decoding it again,
// when the write's strategy puts none of the old object's parts into the new one (a lease
// renewal, a binding); the answer stays the caller's own either way. The copies it needs of
// its own (tryUpdate's, a status write's old object) are made from the cache's object when it
// holds the version read, not decoded from the bytes again.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StatusError } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { Store } from '../../store/types.js';
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

test("an update's first attempt starts from the watch cache's version without reading the store; a lost race is tried again from the store", async () => {
  const leases = cp.api.registry('coordination.k8s.io', 'leases')!;
  const lease = (name: string, holder: string): KObject => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'default' },
    spec: { holderIdentity: holder, leaseDurationSeconds: 40 },
  });
  const store = (leases as unknown as { store: Store }).store;
  const own = store.get;
  let reads = 0;
  store.get = (key) => {
    reads++;
    return own.call(store, key);
  };
  const internals = leases as unknown as { currentFromCache(key: string): Promise<KObject | undefined> };
  const fromCache = internals.currentFromCache;
  try {
    const created = await leases.create('default', lease('raced', 'a'), apiserverContext());
    await leases.cache.waitForRevision(Number(created.metadata.resourceVersion), 5000);
    const key = leases.key('default', 'raced');
    const v1 = leases.cache.get(key)!;
    reads = 0;
    const v2 = (await leases.update('default', 'raced', lease('raced', 'b'), apiserverContext())).obj;
    assert.equal(reads, 0, 'the store is not read: the cache holds every durable write');
    await leases.cache.waitForRevision(Number(v2.metadata.resourceVersion), 5000);
    // A cache behind a write in flight (here: handed v1 after v2 is stored): the write
    // conditional on v1 loses, and the second attempt reads the store.
    internals.currentFromCache = async () => v1;
    reads = 0;
    const v3 = (
      await leases.guaranteedUpdate('default', 'raced', apiserverContext(), undefined, (cur) => {
        (cur!.spec as Record<string, unknown>).holderIdentity = `after ${(cur!.spec as Record<string, unknown>).holderIdentity}`;
        return cur!;
      })
    ).obj;
    assert.equal(reads, 1, 'the retry read the store');
    assert.equal((v3.spec as Record<string, unknown>).holderIdentity, 'after b', "built on the store's version, not the cache's");
    assert.ok(Number(v3.metadata.resourceVersion) > Number(v2.metadata.resourceVersion));
    // A conditional write on the cache's version that lost: decided from the store (409 here).
    const stale = lease('raced', 'c');
    stale.metadata.resourceVersion = v1.metadata.resourceVersion;
    await assert.rejects(leases.update('default', 'raced', stale, apiserverContext()), (e: StatusError) => e.code === 409);
    // A key the cache still has and the store no longer does: tried again from the store, which
    // has none, so the PUT creates it (Leases allow create on update), a new object.
    internals.currentFromCache = fromCache;
    await leases.cache.waitForRevision(Number(v3.metadata.resourceVersion), 5000);
    const last = leases.cache.get(key)!;
    await leases.delete('default', 'raced', {}, apiserverContext());
    internals.currentFromCache = async () => last;
    const again = await leases.update('default', 'raced', lease('raced', 'd'), apiserverContext());
    assert.equal(again.created, true);
    assert.notEqual(again.obj.metadata.uid, last.metadata.uid);
    assert.equal((again.obj.spec as Record<string, unknown>).holderIdentity, 'd');
  } finally {
    store.get = own;
    internals.currentFromCache = fromCache;
  }
});
