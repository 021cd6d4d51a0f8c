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
