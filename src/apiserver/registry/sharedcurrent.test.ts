// guaranteedUpdate reads the stored version from the watch cache, without decoding it again,
// when the write's strategy puts none of the old object's parts into the new one (a lease
// renewal) or puts them as they are (a status write: sharesOld), and hands tryUpdate the
// cache's object when it only reads it (a binding: readsCurrent). The new object then holds
// the cached version's unchanged parts themselves, which the watch cache's adopt finds by
// identity; what clients read is the stored JSON as before. The copies it needs of its own
// (tryUpdate's otherwise) are made from the cache's object when it holds the version read,
// not decoded from the bytes again.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StatusError } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { RestClient } from '../../client/rest.js';
import type { Store } from '../../store/types.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import { waitFor } from '../../testing/wait.js';
import { inProcessTransport } from '../inprocess.js';
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
  // A status write (statusStrategy puts the old object's parts into the new one as they are)
  // starts from the cache's object too: its answer holds the cached spec (frozen), never a part
  // that the cache's object does not already hold.
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
  assert.equal(written!.spec, fromCache.spec, "the answer's spec is the cached one");
  assert.ok(Object.isFrozen(written!.spec));
  assert.ok(!Object.isFrozen(written!) && !Object.isFrozen(written!.metadata) && !Object.isFrozen(written!.status));
  assert.notEqual(written, fromCache);
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

test("a binding's and a status write's new object holds the cached version's unchanged parts themselves; what clients read is the stored JSON, byte for byte", async () => {
  const pods = cp.api.registry('', 'pods')!;
  const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
  const inproc = new RestClient({ server: cp.url, token: cp.token, transport: inProcessTransport(cp.api) });
  const key = pods.key('default', 'parts');
  // What the registry hands the watch cache to adopt (expectWrite), write by write.
  const handed: KObject[] = [];
  const expect = pods.cache.expectWrite;
  pods.cache.expectWrite = (k, value, obj) => {
    if (k === key) handed.push(obj);
    expect.call(pods.cache, k, value, obj);
  };
  /** The stored version as decoding its bytes gives it: what the cache served before adopting writes. */
  const storedJSON = async (): Promise<string> => {
    const kv = (await (pods as unknown as { store: Store }).store.get(key))!;
    const o = JSON.parse(kv.value) as KObject;
    o.metadata.resourceVersion = String(kv.modRevision);
    return JSON.stringify(o);
  };
  const settled = async (rv: string | undefined): Promise<KObject> => {
    await pods.cache.waitForRevision(Number(rv), 5000);
    return pods.cache.get(key)!;
  };
  const abort = new AbortController();
  try {
    const created = await inproc.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'parts', labels: { app: 'parts' } },
      spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '0.5', memory: '16Mi' } } }] },
    });
    const v1 = await settled(created.metadata.resourceVersion);
    const events: string[] = [];
    const watch = await cp.client.watch({ ...PODS }, { resourceVersion: created.metadata.resourceVersion, signal: abort.signal });
    const reading = (async () => {
      for await (const ev of watch) if (ev.object.metadata?.name === 'parts') events.push(JSON.stringify(ev.object));
    })().catch(() => undefined);

    // The binding: a new spec and status; the containers, labels and managedFields the cached ones.
    handed.length = 0;
    await inproc.create(
      { ...PODS, name: 'parts', subresource: 'binding' },
      { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'parts' }, target: { name: 'n1' } },
    );
    assert.equal(handed.length, 1);
    const bound = handed[0];
    const v1spec = v1.spec as { containers: unknown[] };
    assert.equal((bound.spec as { nodeName: string }).nodeName, 'n1');
    assert.equal((bound.spec as { containers: unknown[] }).containers, v1spec.containers, "the binding's containers are the cached ones");
    assert.equal(bound.metadata.labels, v1.metadata.labels);
    assert.equal(bound.metadata.managedFields, v1.metadata.managedFields);
    const v2 = await settled((await pods.get('default', 'parts')).metadata.resourceVersion);
    assert.equal(JSON.stringify(v2), await storedJSON(), 'the cached binding is the stored JSON');
    assert.equal(v2.spec && (v2.spec as { containers: unknown[] }).containers, v1spec.containers);
    assert.equal((v2.spec as { containers: { resources: { requests: { cpu: string } } }[] }).containers[0].resources.requests.cpu, '500m');

    // A status write (merge patch, in process): the spec handed to the cache is the cached one.
    handed.length = 0;
    const answer = await inproc.patch<KObject>(
      { ...PODS, name: 'parts', subresource: 'status' },
      { status: { phase: 'Running', podIP: '10.0.0.9' } },
      'merge',
    );
    assert.equal(handed.length, 1);
    assert.equal(handed[0].spec, v2.spec, "the status write's spec is the cached one");
    assert.equal(handed[0].metadata.labels, v2.metadata.labels);
    // The in-process answer holds the cache's parts (frozen); its root, metadata and status its own.
    assert.equal(answer.spec, v2.spec);
    assert.ok(!Object.isFrozen(answer) && !Object.isFrozen(answer.metadata) && !Object.isFrozen(answer.status));
    const v3 = await settled(answer.metadata.resourceVersion);
    assert.equal(v3.spec, v2.spec);
    const stored3 = await storedJSON();
    assert.equal(JSON.stringify(v3), stored3, 'the cached status write is the stored JSON');
    assert.equal(JSON.stringify(answer), stored3, 'the in-process answer is the stored JSON');
    // Over HTTP: the answer's and a GET's bytes are the stored JSON.
    const overHTTP = await cp.client.patch<KObject>(
      { ...PODS, name: 'parts', subresource: 'status' },
      { status: { podIP: '10.0.0.10' } },
      'merge',
    );
    const v4 = await settled(overHTTP.metadata.resourceVersion);
    assert.ok(!Object.isFrozen(overHTTP));
    assert.equal(JSON.stringify(overHTTP), await storedJSON());
    assert.equal(JSON.stringify(await cp.client.get({ ...PODS, name: 'parts' })), await storedJSON());
    assert.equal(JSON.stringify(v4), await storedJSON());
    // A status write that sends another spec: the status strategy keeps the stored one, itself.
    handed.length = 0;
    const sent: KObject = {
      ...overHTTP,
      spec: { containers: [{ name: 'c', image: 'other' }] },
      status: { ...(overHTTP.status as object), podIP: '10.0.0.11' },
    };
    const put = await pods.update('default', 'parts', sent, apiserverContext(), 'status');
    assert.equal(handed[0].spec, v4.spec);
    assert.equal(put.obj.spec, v4.spec);
    const v5 = await settled(put.obj.metadata.resourceVersion);
    assert.equal((v5.spec as { containers: { image: string }[] }).containers[0].image, 'i');
    assert.equal((v5.status as { podIP: string }).podIP, '10.0.0.11');
    assert.equal(JSON.stringify(v5), await storedJSON());
    // Every watch event is the stored version's JSON (the binding and the three status writes).
    await waitFor('the four events', () => events.length >= 4 || undefined, 5000);
    assert.equal(events.length, 4);
    assert.deepEqual(
      events.map((e) => (JSON.parse(e) as KObject).metadata.resourceVersion),
      [v2, v3, v4, v5].map((v) => v.metadata.resourceVersion),
    );
    assert.equal(events[3], JSON.stringify(v5));
    assert.equal(events[0], JSON.stringify(v2));
    abort.abort();
    await reading;
  } finally {
    abort.abort();
    pods.cache.expectWrite = expect;
    inproc.close();
  }
});
