import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { KObject } from '../api/object.js';
import { CONFIGMAPS as CM } from '../api/types.js';
import { startTestControlPlane } from '../testing/controlplane.js';
import { FakeApiServer } from '../testing/fakeserver.js';
import { waitFor } from '../testing/wait.js';
import {
  Informer,
  NAMESPACE_INDEX,
  OWNER_UID_INDEX,
  objectKey,
  ownerUidIndexFunc,
  SharedInformerFactory,
  stripManagedFields,
} from './informer.js';
import { RestClient } from './rest.js';

interface Recorded {
  kind: 'add' | 'update' | 'delete';
  key: string;
  rv?: string;
  initial?: boolean;
  unknown?: boolean;
}

let server: FakeApiServer;
let client: RestClient;
const informers: Informer[] = [];

beforeEach(async () => {
  server = await FakeApiServer.start();
  client = new RestClient({ server: server.url });
});
afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  client.close();
  await server.close();
});

function cm(namespace: string, name: string, data: Record<string, string> = {}, extra: Partial<KObject['metadata']> = {}): KObject {
  return { metadata: { name, namespace, ...extra }, data };
}

function startInformer(opts: Partial<ConstructorParameters<typeof Informer>[1]> = {}): { inf: Informer; events: Recorded[] } {
  const inf = new Informer(client, { ...CM, backoffInitialMs: 20, backoffMaxMs: 100, ...opts });
  informers.push(inf);
  const events: Recorded[] = [];
  inf.addEventHandler({
    onAdd: (o, initial) => events.push({ kind: 'add', key: objectKey(o), rv: o.metadata.resourceVersion, initial }),
    onUpdate: (_old, o) => events.push({ kind: 'update', key: objectKey(o), rv: o.metadata.resourceVersion }),
    onDelete: (o, unknown) => events.push({ kind: 'delete', key: objectKey(o), unknown }),
  });
  inf.start();
  return { inf, events };
}

test('informer lists (paged), then sees adds, updates and deletes; indexes follow', async () => {
  server.upsert('', 'v1', 'configmaps', cm('a', 'one'));
  server.upsert('', 'v1', 'configmaps', cm('a', 'two'));
  server.upsert('', 'v1', 'configmaps', cm('b', 'three'));
  const { inf, events } = startInformer({ pageSize: 2, indexers: { [OWNER_UID_INDEX]: ownerUidIndexFunc } });
  await inf.waitForSync(5000);
  assert.ok(inf.hasSynced());
  assert.equal(server.count('GET', '/api/v1/configmaps', false), 2, 'two pages');
  assert.deepEqual(
    events.map((e) => [e.kind, e.key, e.initial]),
    [
      ['add', 'a/one', true],
      ['add', 'a/two', true],
      ['add', 'b/three', true],
    ],
  );
  assert.equal(inf.get('a/one')?.kind, 'ConfigMap');
  assert.deepEqual(inf.byIndex(NAMESPACE_INDEX, 'a').map(objectKey).sort(), ['a/one', 'a/two']);

  events.length = 0;
  await client.create(
    { ...CM, namespace: 'b' },
    cm('b', 'owned', {}, { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u-1' }] }),
  );
  await client.patch({ ...CM, namespace: 'a', name: 'one' }, { data: { k: 'v' } });
  await client.delete({ ...CM, namespace: 'a', name: 'two' });
  await waitFor('three events', () => events.length === 3);
  assert.deepEqual(
    events.map((e) => [e.kind, e.key]),
    [
      ['add', 'b/owned'],
      ['update', 'a/one'],
      ['delete', 'a/two'],
    ],
  );
  assert.equal(events[0].initial, false);
  assert.equal(events[2].unknown, false);
  assert.deepEqual(inf.get('a/one')?.data, { k: 'v' });
  assert.equal(inf.get('a/two'), undefined);
  assert.deepEqual(inf.byIndex(NAMESPACE_INDEX, 'a').map(objectKey), ['a/one']);
  assert.deepEqual(inf.byIndex(OWNER_UID_INDEX, 'u-1').map(objectKey), ['b/owned']);
  assert.equal(inf.lastSyncResourceVersion, String(server.revision));

  // A handler added late is told about what is cached.
  const late: string[] = [];
  inf.addEventHandler({ onAdd: (o) => late.push(objectKey(o)) });
  assert.deepEqual(late.sort(), ['a/one', 'b/owned', 'b/three']);
});

test("an update that keeps an object's index values leaves its key in place; one that changes them moves it", async () => {
  server.upsert('', 'v1', 'configmaps', cm('a', 'one', {}, { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u-1' }] }));
  server.upsert('', 'v1', 'configmaps', cm('a', 'two', {}, { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u-1' }] }));
  const { inf, events } = startInformer({ indexers: { [OWNER_UID_INDEX]: ownerUidIndexFunc } });
  await inf.waitForSync(5000);
  // Index sets touched while updates are applied.
  const add = Set.prototype.add;
  const del = Set.prototype.delete;
  let touched = 0;
  Set.prototype.add = function <T>(this: Set<T>, v: T) {
    if (typeof v === 'string' && v.startsWith('a/')) touched++;
    return add.call(this, v);
  };
  Set.prototype.delete = function <T>(this: Set<T>, v: T) {
    if (typeof v === 'string' && v.startsWith('a/')) touched++;
    return del.call(this, v);
  };
  try {
    events.length = 0;
    await client.patch({ ...CM, namespace: 'a', name: 'one' }, { data: { k: 'v' } });
    await waitFor('the update', () => events.length === 1 || undefined, 5000);
    assert.equal(touched, 0, 'index sets touched by an update that keeps the values');
    assert.deepEqual(inf.byIndex(NAMESPACE_INDEX, 'a').map(objectKey), ['a/one', 'a/two']);
    assert.deepEqual(inf.byIndex(OWNER_UID_INDEX, 'u-1').map(objectKey), ['a/one', 'a/two']);
    // A new owner: out of the old value's set, into the new one's.
    await client.patch(
      { ...CM, namespace: 'a', name: 'one' },
      { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'y', uid: 'u-2' }] } },
    );
    await waitFor('the second update', () => events.length === 2 || undefined, 5000);
    assert.ok(touched > 0);
  } finally {
    Set.prototype.add = add;
    Set.prototype.delete = del;
  }
  assert.deepEqual(inf.byIndex(OWNER_UID_INDEX, 'u-1').map(objectKey), ['a/two']);
  assert.deepEqual(inf.byIndex(OWNER_UID_INDEX, 'u-2').map(objectKey), ['a/one']);
  assert.deepEqual(inf.byIndex(NAMESPACE_INDEX, 'a').map(objectKey), ['a/one', 'a/two']);
});

test('a dropped watch resumes from the last resourceVersion without losing events or re-listing', async () => {
  server.upsert('', 'v1', 'configmaps', cm('a', 'one'));
  server.upsert('', 'v1', 'configmaps', cm('a', 'two'));
  const { inf, events } = startInformer();
  await inf.waitForSync(5000);
  await waitFor('the watch', () => server.activeWatches === 1);
  events.length = 0;

  assert.equal(server.dropWatches(), 1);
  // Changes made while no watch is connected (synchronously, so no reconnect can come first).
  server.upsert('', 'v1', 'configmaps', cm('a', 'three'));
  server.upsert('', 'v1', 'configmaps', cm('a', 'one', { changed: 'yes' }));
  server.removeObject('', 'v1', 'configmaps', 'a', 'two');

  await waitFor('the missed events', () => events.length === 3);
  assert.deepEqual(
    events.map((e) => [e.kind, e.key]),
    [
      ['add', 'a/three'],
      ['update', 'a/one'],
      ['delete', 'a/two'],
    ],
  );
  assert.equal(events[2].unknown, false, 'seen as a real delete event');
  assert.equal(inf.listCount, 1, 'no re-list');
  assert.ok(server.count('GET', '/api/v1/configmaps', true) >= 2, 're-watched');
  assert.deepEqual(inf.listKeys().sort(), ['a/one', 'a/three']);

  // And it keeps watching.
  await waitFor('the new watch', () => server.activeWatches === 1);
  await client.create({ ...CM, namespace: 'a' }, cm('a', 'four'));
  await waitFor('a/four', () => inf.get('a/four') !== undefined);
});

test('410 on re-watch makes it re-list and report the deletes it missed', async () => {
  server.upsert('', 'v1', 'configmaps', cm('a', 'keep'));
  server.upsert('', 'v1', 'configmaps', cm('a', 'change'));
  server.upsert('', 'v1', 'configmaps', cm('a', 'gone'));
  const { inf, events } = startInformer();
  await inf.waitForSync(5000);
  await waitFor('the watch', () => server.activeWatches === 1);
  events.length = 0;

  server.dropWatches();
  server.removeObject('', 'v1', 'configmaps', 'a', 'gone');
  server.upsert('', 'v1', 'configmaps', cm('a', 'change', { x: '1' }));
  server.upsert('', 'v1', 'configmaps', cm('a', 'new'));
  server.compact();

  await waitFor('re-list and its events', () => inf.listCount === 2 && events.length === 3);
  const byKey = Object.fromEntries(events.map((e) => [e.key, e]));
  assert.equal(byKey['a/gone'].kind, 'delete');
  assert.equal(byKey['a/gone'].unknown, true, 'delete seen only through the re-list');
  assert.equal(byKey['a/change'].kind, 'update');
  assert.equal(byKey['a/new'].kind, 'add');
  assert.equal(byKey['a/new'].initial, false);
  assert.equal(byKey['a/keep'], undefined, 'unchanged objects are not reported');
  assert.deepEqual(inf.listKeys().sort(), ['a/change', 'a/keep', 'a/new']);
  assert.equal(inf.lastSyncResourceVersion, String(server.revision));
});

test('an HTTP 410 at watch start also re-lists', async () => {
  server.upsert('', 'v1', 'configmaps', cm('a', 'x'));
  const { inf, events } = startInformer();
  await inf.waitForSync(5000);
  await waitFor('the watch', () => server.activeWatches === 1);
  events.length = 0;
  server.watchMode = 'gone';
  server.dropWatches();
  server.removeObject('', 'v1', 'configmaps', 'a', 'x');
  await waitFor('re-list', () => inf.listCount >= 2);
  server.watchMode = 'normal';
  await waitFor('the tombstone', () => events.some((e) => e.kind === 'delete' && e.key === 'a/x' && e.unknown === true));
});

test('bookmarks advance the resourceVersion', async () => {
  const { inf } = startInformer();
  await inf.waitForSync(5000);
  await waitFor('the watch', () => server.activeWatches === 1);
  // A write to another resource moves the revision without a configmap event.
  server.upsert('', 'v1', 'secrets', { metadata: { name: 's', namespace: 'a' } });
  assert.notEqual(inf.lastSyncResourceVersion, String(server.revision));
  server.sendBookmarks();
  await waitFor('the bookmark', () => inf.lastSyncResourceVersion === String(server.revision));
  assert.equal(inf.list().length, 0);
});

test('resync calls onUpdate with the same object', async () => {
  server.upsert('', 'v1', 'configmaps', cm('a', 'r'));
  const { inf, events } = startInformer({ resyncPeriodMs: 20 });
  await inf.waitForSync(5000);
  await waitFor('a resync', () => events.some((e) => e.kind === 'update' && e.key === 'a/r'));
});

test('stop ends the watch; waitForSync rejects on timeout when the server is unreachable', async () => {
  const { inf } = startInformer();
  await inf.waitForSync(5000);
  await waitFor('the watch', () => server.activeWatches === 1);
  await inf.stop();
  await waitFor('the watch to close', () => server.activeWatches === 0);

  const dead = new RestClient({ server: 'http://127.0.0.1:1' });
  const inf2 = new Informer(dead, { ...CM, backoffInitialMs: 10, backoffMaxMs: 20 });
  informers.push(inf2);
  inf2.start();
  await assert.rejects(inf2.waitForSync(100), /did not sync/);
  await inf2.stop();
  dead.close();
});

test('SharedInformerFactory shares one informer per resource and syncs them all', async () => {
  server.upsert('', 'v1', 'configmaps', cm('a', 'c'));
  server.upsert('apps', 'v1', 'deployments', { metadata: { name: 'd', namespace: 'a' } });
  const factory = new SharedInformerFactory(client, { backoffInitialMs: 20 });
  try {
    const a = factory.informerFor(CM);
    const b = factory.informerFor({ ...CM, indexers: { [OWNER_UID_INDEX]: ownerUidIndexFunc } });
    assert.equal(a, b);
    assert.ok(a.hasIndexer(OWNER_UID_INDEX));
    const d = factory.informerFor({ group: 'apps', version: 'v1', resource: 'deployments' });
    assert.notEqual(a, d);
    // A transform of its own is an informer of its own (its objects are trimmed), the same one each time.
    const trim = (o: KObject) => ({ ...o, data: undefined });
    const t = factory.informerFor({ ...CM, transform: trim });
    assert.notEqual(t, a);
    assert.equal(factory.informerFor({ ...CM, transform: trim }), t);
    factory.start();
    await factory.waitForCacheSync(5000);
    assert.equal(a.list().length, 1);
    assert.equal(d.get('a/d')?.kind, 'Deployment');
    await t.waitForSync(5000);
    assert.ok((a.list()[0] as KObject & { data?: unknown }).data, 'the shared informer keeps whole objects');
    assert.equal((t.list()[0] as KObject & { data?: unknown }).data, undefined, 'the trimmed one its own');
    // Asked for after start: started at once.
    const s = factory.informerFor({ group: '', version: 'v1', resource: 'secrets' });
    await s.waitForSync(5000);
  } finally {
    await factory.stop();
  }
  await waitFor('all watches closed', () => server.activeWatches === 0);
});

test('SharedInformerFactory.recordInformers names the informers a build asked for, shared ones included, nested builds in the outer one', () => {
  const factory = new SharedInformerFactory(client);
  const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };
  const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
  const first = factory.recordInformers(() => factory.informerFor(CM));
  const second = factory.recordInformers(() => {
    factory.informerFor(CM);
    const inner = factory.recordInformers(() => factory.informerFor(DEPLOYMENTS));
    return inner.informers;
  });
  assert.deepEqual(first.informers, [first.value]);
  assert.deepEqual(second.value, [factory.informerFor(DEPLOYMENTS)]);
  assert.deepEqual(second.informers, [factory.informerFor(CM), factory.informerFor(DEPLOYMENTS)]);
  // Asked for outside any build: recorded nowhere.
  factory.informerFor(SECRETS);
  assert.deepEqual(factory.recordInformers(() => 1).informers, []);
});

test('a factory with stripManagedFields caches objects without managedFields; a PUT from the cache keeps the stored ones', async () => {
  // The real API server: it writes managedFields, and decides what a request without them means.
  const cp = await startTestControlPlane();
  const factory = new SharedInformerFactory(cp.client, { transform: stripManagedFields });
  try {
    const created = await cp.client.create({ ...CM, namespace: 'default' }, cm('default', 'mf', { a: '1' }));
    assert.ok(created.metadata.managedFields?.length, 'the API server records who wrote the object');
    const inf = factory.informerFor(CM);
    const updates: KObject[] = [];
    inf.addEventHandler({ onUpdate: (_o, n) => updates.push(n) });
    factory.start();
    await factory.waitForCacheSync(5000);
    const cached = inf.get('default/mf')!;
    assert.equal(cached.metadata.managedFields, undefined, 'listed objects are stripped');
    assert.equal(cached.metadata.resourceVersion, created.metadata.resourceVersion);

    await cp.client.update({ ...CM, namespace: 'default', name: 'mf' }, { ...cached, data: { a: '2' } });
    await waitFor('the update through the watch', () => updates.some((u) => (u.data as Record<string, string>).a === '2'));
    assert.ok(
      updates.every((u) => u.metadata.managedFields === undefined),
      'watched objects are stripped',
    );
    const stored = await cp.client.get({ ...CM, namespace: 'default', name: 'mf' });
    assert.ok(stored.metadata.managedFields?.length, 'the stored managedFields stay when a PUT leaves them out');
  } finally {
    await factory.stop();
    await cp.stop();
  }
});
