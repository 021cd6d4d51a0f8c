// The replication manager (the ReplicaSet controller over ReplicationControllers, as
// kube-controller-manager runs it) against an in-process API server and a fake kubelet: replicas
// kept, the map selector, adoption of orphans, scale subresource, status.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isPodReady } from '../api/conditions.js';
import { PODS, type Pod, REPLICATIONCONTROLLERS, type ReplicationController } from '../api/types.js';
import { SharedInformerFactory } from '../client/informer.js';
import { newTestNamespace, startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { podManifest } from '../testing/pods.js';
import { waitFor } from '../testing/wait.js';
import { REPLICATIONCONTROLLER_KIND, ReplicaSetController } from './replicaset.js';
import { type FakeKubelet, startFakeKubelet } from './workload-testing.js';

let cp: TestControlPlane;
let factory: SharedInformerFactory;
let rm: ReplicaSetController;
let kubelet: FakeKubelet;

before(async () => {
  cp = await startTestControlPlane();
  const client = cp.newClient('kube-controller-manager/test');
  factory = new SharedInformerFactory(client, { backoffInitialMs: 50, backoffMaxMs: 500 });
  rm = new ReplicaSetController(client, factory, { kind: REPLICATIONCONTROLLER_KIND });
  factory.start();
  await factory.waitForCacheSync(5000);
  rm.start();
  kubelet = await startFakeKubelet(cp.newClient('kubelet'));
});

after(async () => {
  await kubelet?.stop();
  await rm?.stop();
  await factory?.stop();
  await cp?.stop();
});

const live = async (ns: string): Promise<Pod[]> =>
  (await cp.client.list<Pod>({ ...PODS, namespace: ns })).items.filter((p) => !p.metadata.deletionTimestamp);

test('a ReplicationController keeps its replicas, adopts matching orphans and scales through the scale subresource', async () => {
  const ns = await newTestNamespace(cp, 'rc-test');
  // An orphan that matches the selector is adopted and counts.
  await cp.client.create({ ...PODS, namespace: ns }, podManifest({ name: 'orphan', labels: { app: 'old', extra: 'x' } }, 'nginx'));
  // A pod that matches only part of the map selector is left alone.
  await cp.client.create({ ...PODS, namespace: ns }, podManifest({ name: 'stranger', labels: { app: 'other' } }, 'nginx'));
  await cp.client.create(
    { ...REPLICATIONCONTROLLERS, namespace: ns },
    {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'old' },
      spec: {
        replicas: 3,
        selector: { app: 'old' },
        template: { metadata: { labels: { app: 'old' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    },
  );
  const rc = await waitFor('3 ready replicas', async () => {
    const r = await cp.client.get<ReplicationController>({ ...REPLICATIONCONTROLLERS, namespace: ns, name: 'old' });
    return (
      r.status?.replicas === 3 && r.status.readyReplicas === 3 && r.status.availableReplicas === 3 && r.status.observedGeneration === 1 && r
    );
  });
  const pods = (await live(ns)).filter((p) => p.metadata.labels?.app === 'old');
  assert.equal(pods.length, 3);
  for (const p of pods) {
    const ref = p.metadata.ownerReferences?.[0];
    assert.deepEqual(
      [ref?.apiVersion, ref?.kind, ref?.name, ref?.uid, ref?.controller],
      ['v1', 'ReplicationController', 'old', rc.metadata.uid, true],
    );
  }
  assert.ok(
    pods.some((p) => p.metadata.name === 'orphan'),
    'the orphan was adopted',
  );
  assert.equal(rc.status?.fullyLabeledReplicas, 3);
  assert.ok(
    !(await live(ns)).find((p) => p.metadata.name === 'stranger')?.metadata.ownerReferences,
    'a pod outside the selector is not adopted',
  );
  const scale = await cp.client.get({ ...REPLICATIONCONTROLLERS, namespace: ns, name: 'old', subresource: 'scale' });
  await cp.client.update(
    { ...REPLICATIONCONTROLLERS, namespace: ns, name: 'old', subresource: 'scale' },
    { ...scale, spec: { replicas: 1 } },
  );
  await waitFor('scaled to 1', async () => (await live(ns)).filter((p) => p.metadata.labels?.app === 'old').length === 1);
  await cp.client.patch({ ...REPLICATIONCONTROLLERS, namespace: ns, name: 'old' }, { spec: { replicas: 2 } }, 'merge');
  await waitFor(
    'scaled to 2, ready',
    async () => (await live(ns)).filter((p) => p.metadata.labels?.app === 'old' && isPodReady(p)).length === 2,
  );
});
