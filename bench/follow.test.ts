// bench/follow.ts against a real API server: a watch that drops (the server closes a watch that
// falls behind; here the client's connections are cut, which the watch sees the same way: the
// response ends without its last chunk) is resumed from the last resourceVersion, no event of
// the gap is lost, and the follower says it happened.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../src/api/object.js';
import { CONFIGMAPS } from '../src/api/types.js';
import { startTestControlPlane } from '../src/testing/controlplane.js';
import { waitFor } from '../src/testing/wait.js';
import { follow } from './follow.js';

const CM = { ...CONFIGMAPS, namespace: 'default' };
const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v } });

test('a followed resource is still seen whole after its watch drops: the watch resumes from the last resourceVersion', async (t) => {
  const cp = await startTestControlPlane();
  t.after(() => cp.stop());
  const client = cp.newClient('bench-follow-test');
  const writer = cp.newClient('bench-follow-writer');
  await writer.create(CM, cm('before', '1'));
  const seen = new Map<string, string>();
  const initial: string[] = [];
  const record = (o: KObject) => seen.set(o.metadata.name!, (o as { data?: { v?: string } }).data?.v ?? '');
  const f = await follow(
    client,
    CM,
    {
      onAdd: (o, isInitial) => {
        if (isInitial) initial.push(o.metadata.name!);
        record(o);
      },
      onUpdate: (_old, o) => record(o),
    },
    { what: 'the test watch' },
  );
  t.after(() => f.stop());
  assert.ok(initial.includes('before'), 'what existed comes with the first list');
  await writer.create(CM, cm('a', '1'));
  await waitFor('a seen', () => seen.get('a') === '1');
  assert.equal(f.note(), '', 'no drop yet, nothing to say');

  // Cut the watch, and write while it is down: the writes must come with the resumed watch.
  client.closeAllConnections();
  await writer.create(CM, cm('b', '1'));
  await writer.update(CM, cm('a', '2'));
  await waitFor('the writes made while the watch was down', () => seen.get('b') === '1' && seen.get('a') === '2');
  assert.equal(f.drops, 1);
  assert.equal(f.relists, 0, 'resumed from its resourceVersion, not listed again');
  assert.match(f.note(), /^the test watch dropped 1 time\(s\) and was resumed from the last resourceVersion; last error: /);

  // And it keeps following.
  await writer.create(CM, cm('c', '1'));
  await waitFor('c seen', () => seen.get('c') === '1');
});
