// The garbage collector against an in-process API server: what it looks at again on an update.
// As kube-controller-manager's graph builder, an update that leaves an object's owners as they
// were (and does not start its deletion) gives it nothing to check; the owner's deletion still
// collects it, and a change of its owners is checked.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/object.js';
import { CONFIGMAPS } from '../api/types.js';
import { serverPreferredResources } from '../client/discovery.js';
import { newTestNamespace, runControllers, startTestControlPlane, type TestControlPlane, testLog } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { GarbageCollector } from './garbagecollector.js';

let cp: TestControlPlane;
let gc: GarbageCollector;
let stop: () => Promise<void>;
/** The keys the collector's loop was asked to look at. */
const enqueued: string[] = [];

before(async () => {
  cp = await startTestControlPlane();
  stop = await runControllers(cp.client, async (client, factory) => {
    gc = new GarbageCollector(client, factory, await serverPreferredResources(client), testLog);
    const own = gc.loop.enqueue.bind(gc.loop);
    gc.loop.enqueue = ((key: string, ...rest: unknown[]) => {
      enqueued.push(key);
      return (own as (...a: unknown[]) => unknown)(key, ...rest);
    }) as typeof gc.loop.enqueue;
    return [gc];
  });
});

after(async () => {
  await stop?.();
  await cp?.stop();
});

test('an update that keeps the owners is not looked at again; a change of owners is, and the owner going still collects it', async () => {
  const ns = await newTestNamespace(cp, 'gc-test');
  const CM = { ...CONFIGMAPS, namespace: ns };
  const cm = (name: string, data: Record<string, string>, owner?: KObject): KObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      ...(owner
        ? { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name!, uid: owner.metadata.uid! }] }
        : {}),
    },
    data,
  });
  const owner = await cp.client.create<KObject>(CM, cm('owner', {}));
  const other = await cp.client.create<KObject>(CM, cm('other', {}));
  const dependent = await cp.client.create<KObject>(CM, cm('dependent', { v: '1' }, owner));
  const key = (name: string) => enqueued.filter((k) => k.endsWith(`|${ns}|${name}`)).length;
  await waitFor('the dependent looked at once created', () => key('dependent') >= 1 || undefined, 5000);
  // Updates that keep its owners: nothing for the collector (the old code looked at it again).
  let seen = key('dependent');
  let rv = dependent.metadata.resourceVersion;
  for (let i = 2; i <= 4; i++)
    rv = (await cp.client.patch<KObject>({ ...CM, name: 'dependent' }, { data: { v: String(i) } }, 'merge')).metadata.resourceVersion;
  // The collector's informer has seen the last update when it sees a later write (a marker).
  await cp.client.create(CM, cm('marker', {}));
  const inf = (gc as unknown as { informers: Map<string, { inf: { get(k: string): KObject | undefined } }> }).informers;
  const cms = [...inf.values()].find((e) => e.inf.get(`${ns}/owner`))!.inf;
  await waitFor('the informer at the marker', () => cms.get(`${ns}/marker`) || undefined, 5000);
  assert.equal(cms.get(`${ns}/dependent`)?.metadata.resourceVersion, rv);
  assert.equal(key('dependent'), seen, 'updates that keep the owners');
  // A change of owners is looked at.
  seen = key('dependent');
  await cp.client.patch(
    { ...CM, name: 'dependent' },
    {
      metadata: {
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'other', uid: other.metadata.uid },
        ],
      },
    },
    'merge',
  );
  await waitFor('the dependent looked at after its owners changed', () => key('dependent') > seen || undefined, 5000);
  // Its owners going collects it.
  await cp.client.delete({ ...CM, name: 'owner' });
  await cp.client.delete({ ...CM, name: 'other' });
  await waitFor(
    'the dependent collected',
    async () => {
      try {
        await cp.client.get({ ...CM, name: 'dependent' });
        return undefined;
      } catch {
        return true;
      }
    },
    10_000,
  );
});
