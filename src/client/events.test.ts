import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import { EVENTS } from '../api/types.js';
import { useFakeApiServer } from '../testing/fakeserver.js';
import { type CoreEvent, EventRecorder } from './events.js';

const fake = useFakeApiServer();

test('records events and aggregates repeats into count/lastTimestamp', async () => {
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'shop', uid: 'uid-1', resourceVersion: '7' },
  };
  const rec = new EventRecorder(fake.client, { component: 'default-scheduler' });
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned shop/web-1 to node-1');
  rec.event(pod, 'Warning', 'FailedMount', 'volume missing');
  rec.event(pod, 'Warning', 'FailedMount', 'volume missing');
  rec.event(pod, 'Warning', 'FailedMount', 'volume missing');
  await rec.flush();

  const list = await fake.client.list<CoreEvent>({ ...EVENTS, namespace: 'shop' });
  assert.equal(list.items.length, 2);
  const failed = list.items.find((e) => e.reason === 'FailedMount')!;
  const scheduled = list.items.find((e) => e.reason === 'Scheduled')!;
  assert.equal(failed.count, 3);
  assert.equal(failed.type, 'Warning');
  assert.equal(scheduled.count, 1);
  assert.match(failed.metadata.name!, /^web-1\.[0-9a-f]+$/);
  assert.notEqual(failed.metadata.name, scheduled.metadata.name);
  assert.deepEqual(failed.involvedObject, {
    kind: 'Pod',
    apiVersion: 'v1',
    namespace: 'shop',
    name: 'web-1',
    uid: 'uid-1',
    resourceVersion: '7',
  });
  assert.deepEqual(failed.source, { component: 'default-scheduler' });
  assert.ok(failed.firstTimestamp <= failed.lastTimestamp);
  assert.equal(fake.server.count('PATCH', '/api/v1/namespaces/shop/events/'), 2, 'repeats are patches');

  // A repeat after the event was deleted creates it again.
  fake.server.removeObject('', 'v1', 'events', 'shop', failed.metadata.name!);
  rec.event(pod, 'Warning', 'FailedMount', 'volume missing');
  await rec.stop();
  const again = (await fake.client.list<CoreEvent>({ ...EVENTS, namespace: 'shop' })).items.filter((e) => e.reason === 'FailedMount');
  assert.equal(again.length, 1);
  assert.equal(again[0].count, 4);
  assert.equal(again[0].firstTimestamp, failed.firstTimestamp);

  // Stopped: nothing more is written.
  rec.event(pod, 'Normal', 'Late', 'x');
  await rec.flush();
  assert.equal((await fake.client.list<CoreEvent>({ ...EVENTS, namespace: 'shop' })).items.length, 2);
});

test('events about cluster-scoped objects go to the default namespace, with host and fieldPath', async () => {
  const rec = new EventRecorder(fake.client, { component: 'kubelet', host: 'node-1' });
  rec.event(
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'n' } },
    'Normal',
    'NodeReady',
    'Node node-1 status is now: NodeReady',
  );
  rec.event({ kind: 'Pod', namespace: 'x', name: 'p' }, 'Normal', 'Pulled', 'pulled', 'spec.containers{app}');
  await rec.flush();
  const [ev] = (await fake.client.list<CoreEvent>({ ...EVENTS, namespace: 'default' })).items;
  assert.equal(ev.involvedObject.name, 'node-1');
  assert.equal(ev.involvedObject.namespace, undefined);
  assert.deepEqual(ev.source, { component: 'kubelet', host: 'node-1' });
  assert.equal(ev.reportingInstance, 'node-1');
  const [pulled] = (await fake.client.list<CoreEvent>({ ...EVENTS, namespace: 'x' })).items;
  assert.equal(pulled.involvedObject.fieldPath, 'spec.containers{app}');
});

test('similar events about one object are combined, and one source is rate-limited per object (client-go EventCorrelator)', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const rs: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-7d', namespace: 'spam', uid: 'rs-1' } };
  const rec = new EventRecorder(fake.client, { component: 'replicaset-controller', clock: () => now, maxInFlight: 4 });
  const list = async () => (await fake.client.list<CoreEvent>({ ...EVENTS, namespace: 'spam' })).items;
  // 100 pods created in one burst: each message differs.
  for (let i = 0; i < 100; i++) rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: web-7d-${i}`);
  await rec.flush();
  let events = await list();
  // 9 events of their own, then the 10th similar one starts the combined Event.
  const own = events.filter((e) => !e.message.startsWith('(combined'));
  assert.equal(own.length, 9);
  assert.deepEqual(own.map((e) => e.message).sort(), Array.from({ length: 9 }, (_, i) => `Created pod: web-7d-${i}`).sort());
  const combined = events.filter((e) => e.message.startsWith('(combined from similar events): Created pod: web-7d-'));
  assert.equal(combined.length, 1);
  // 25 writes were allowed (the spam filter's burst): 9 creates, the combined Event's create and 15 patches.
  assert.equal(combined[0].count, 16);
  assert.equal(combined[0].message, '(combined from similar events): Created pod: web-7d-24');

  // Another object, or another source about this one, has a bucket of its own.
  const other: KObject = { ...rs, metadata: { ...rs.metadata, name: 'api-5f', uid: 'rs-2' } };
  rec.event(other, 'Normal', 'SuccessfulCreate', 'Created pod: api-5f-0');
  await rec.flush();
  assert.equal((await list()).filter((e) => e.involvedObject.name === 'api-5f').length, 1);

  // Five minutes on, one more token: the next event about web-7d is written, counting all seen since.
  now += 300_000;
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: web-7d-100');
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: web-7d-101');
  await rec.flush();
  events = await list();
  const after = events.find((e) => e.metadata.name === combined[0].metadata.name)!;
  assert.equal(after.message, '(combined from similar events): Created pod: web-7d-100');
  assert.equal(after.count, 92, 'every similar event counted, the dropped ones too');
  assert.equal(after.firstTimestamp, combined[0].firstTimestamp);
  assert.equal(events.filter((e) => e.involvedObject.name === 'web-7d').length, 10, 'no new Event beyond the combined one');
  await rec.stop();
});

test('a burst of events about different objects is all written, in parallel, none dropped', async () => {
  const rec = new EventRecorder(fake.client, { component: 'default-scheduler', maxInFlight: 16 });
  for (let i = 0; i < 300; i++)
    rec.event({ kind: 'Pod', apiVersion: 'v1', namespace: 'many', name: `p-${i}`, uid: `u-${i}` }, 'Normal', 'Scheduled', `to node-${i}`);
  await rec.flush();
  const items = (await fake.client.list<CoreEvent>({ ...EVENTS, namespace: 'many' })).items;
  assert.equal(items.length, 300);
  assert.ok(items.every((e) => e.count === 1));
  await rec.stop();
});
