// OwnedPods keeps, from the pod informer's events, the same counts a ReplicaSet sync gets by
// walking its pods: checked against that walk after each round of random changes made through
// a real API server (labels changed, pods made Ready, given to another owner, orphaned, deleted,
// being deleted, finished), and when the selectors change.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPodReady } from '../api/conditions.js';
import { selectorFromLabelSelector, selectorFromMap } from '../api/labels.js';
import type { Pod } from '../api/types.js';
import { SharedInformerFactory } from '../client/informer.js';
import { startTestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { OwnedPods } from './ownedpods.js';
import { isPodActive, POD_CONTROLLER_UID_INDEX, podControllerUidIndexFunc, podsByOwner } from './podutil.js';

const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };

function pod(name: string, labels: Record<string, string>, ownerUid: string | undefined): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels,
      ownerReferences: ownerUid
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${ownerUid}`, uid: ownerUid, controller: true }]
        : undefined,
      finalizers: ['example.com/hold'],
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
}

test('OwnedPods counts what a walk over the owner pods counts, through random changes', async (t) => {
  const cp = await startTestControlPlane();
  t.after(() => cp.stop());
  const factory = new SharedInformerFactory(cp.newClient('ownedpods-test'));
  const inf = factory.informerFor<Pod>({
    ...PODS,
    namespace: undefined,
    indexers: { [POD_CONTROLLER_UID_INDEX]: podControllerUidIndexFunc },
  });
  const owned = new OwnedPods(inf);
  factory.start();
  t.after(() => factory.stop());
  await factory.waitForCacheSync(10_000);

  const owners = ['uid-a', 'uid-b'];
  let selLabels: Record<string, string> = { app: 'web' };
  let templLabels: Record<string, string> = { app: 'web', tier: 'front' };
  const walk = (uid: string) => {
    const sel = selectorFromLabelSelector({ matchLabels: selLabels });
    const templ = selectorFromMap(templLabels);
    const own = podsByOwner(inf, { metadata: { uid, namespace: 'default' } } as never, false).filter(isPodActive);
    const matching = own.filter((p) => sel.matches(p.metadata.labels));
    return {
      matching: matching.length,
      fullyLabeled: matching.filter((p) => templ.matches(p.metadata.labels)).length,
      ready: matching.filter(isPodReady).length,
      mismatched: own.length - matching.length,
    };
  };
  const counts = (uid: string) =>
    owned.counts(
      `default/rs-${uid}`,
      uid,
      selectorFromLabelSelector({ matchLabels: selLabels }),
      JSON.stringify(selLabels),
      selectorFromMap(templLabels),
      JSON.stringify(templLabels),
    );

  // A fixed seed: the same run each time.
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const labelSets: Record<string, string>[] = [
    { app: 'web', tier: 'front' },
    { app: 'web' },
    { app: 'other' },
    { app: 'web', tier: 'back' },
  ];
  const names: string[] = [];
  for (let i = 0; i < 40; i++) {
    names.push(`p${i}`);
    await cp.client.create(PODS, pod(`p${i}`, labelSets[rnd(labelSets.length)], owners[rnd(2)]));
  }
  const settle = async () => {
    // The informer has seen every write: a marker pod's create arrives after them.
    const marker = `marker-${seed}`;
    await cp.client.create(PODS, pod(marker, {}, undefined));
    await waitFor('the informer to catch up', () => inf.get(`default/${marker}`) !== undefined, 10_000);
    await cp.client.patch({ ...PODS, name: marker }, { metadata: { finalizers: null } }, 'merge');
    await cp.client.delete({ ...PODS, name: marker }, { gracePeriodSeconds: 0 });
  };
  await settle();
  for (const uid of owners) assert.deepEqual(counts(uid), walk(uid), `first counts of ${uid}`);

  for (let round = 0; round < 12; round++) {
    for (let k = 0; k < 8; k++) {
      const name = names[rnd(names.length)];
      const ref = { ...PODS, name };
      const cur = inf.get(`default/${name}`);
      if (!cur) continue;
      const action = rnd(7);
      try {
        if (action === 0) {
          await cp.client.patch(ref, { metadata: { labels: labelSets[rnd(labelSets.length)] } }, 'merge');
        } else if (action === 1) {
          const ready = rnd(2) === 0 ? 'True' : 'False';
          await cp.client.patch(
            { ...ref, subresource: 'status' },
            { status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready }] } },
            'merge',
          );
        } else if (action === 2) {
          const uid = rnd(3) < 2 ? owners[rnd(2)] : undefined;
          const refs = uid ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, controller: true }] : [];
          await cp.client.patch(ref, { metadata: { ownerReferences: refs } }, 'merge');
        } else if (action === 3) {
          await cp.client.patch({ ...ref, subresource: 'status' }, { status: { phase: rnd(2) ? 'Succeeded' : 'Failed' } }, 'merge');
        } else if (action === 4) {
          // Being deleted: held by the finalizer, no longer active.
          await cp.client.delete(ref, { gracePeriodSeconds: 0 });
        } else if (action === 5) {
          // Gone for good, and made again under the same name.
          await cp.client.patch(ref, { metadata: { finalizers: null } }, 'merge');
          await cp.client.delete(ref, { gracePeriodSeconds: 0 }).catch(() => undefined);
          await waitFor(`${name} gone`, () =>
            cp.client.get(ref).then(
              () => false,
              () => true,
            ),
          );
          await cp.client.create(PODS, pod(name, labelSets[rnd(labelSets.length)], owners[rnd(2)]));
        } else {
          // The ReplicaSet's selector or template changes: the counts start over.
          selLabels = rnd(2) ? { app: 'web' } : { app: 'web', tier: 'front' };
          templLabels = rnd(2) ? { app: 'web', tier: 'front' } : { app: 'web' };
        }
      } catch {
        // A pod being deleted refuses some changes: the round goes on.
      }
    }
    await settle();
    for (const uid of owners) assert.deepEqual(counts(uid), walk(uid), `round ${round}: counts of ${uid}`);
  }
  // Cleanup: finalizers off, so the pods can go with the server.
  for (const p of inf.list())
    await cp.client.patch({ ...PODS, name: p.metadata.name }, { metadata: { finalizers: null } }, 'merge').catch(() => undefined);
});
