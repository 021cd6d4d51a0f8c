// The StatefulSet controller against an in-process API server, with the scheduler (VolumeBinding
// included), the PV controller and the local-path provisioner binding the claims, simulated
// nodes as the kubelets and the garbage collector for the claim retention policy: ordered and
// parallel creation, stable names and identities, claims that outlive pods, ordered scale-down,
// rolling updates with a partition and maxUnavailable, OnDelete, rollback to an equal revision.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isPodReady } from '../api/conditions.js';
import type { KObject } from '../api/object.js';
import * as v1 from '../api/types.js';
import { serverPreferredResources } from '../client/discovery.js';
import { Informer } from '../client/informer.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { newTestNamespace, startTestControlPlane, type TestControlPlane, testLog } from '../testing/controlplane.js';
import { type SimulatedCluster, startSimulatedCluster } from '../testing/simulatedcluster.js';
import { waitFor } from '../testing/wait.js';
import { GarbageCollector } from './garbagecollector.js';
import { LocalPathProvisioner } from './localpath.js';
import { PersistentVolumeController } from './persistentvolume.js';
import { PVCProtectionController } from './pvcprotection.js';
import { StatefulSetController } from './statefulset.js';

let cp: TestControlPlane;
let cluster: SimulatedCluster;

before(async () => {
  cp = await startTestControlPlane();
  cluster = await startSimulatedCluster(cp, {
    nodes: 2,
    sim: { heartbeatMs: 1000, readyDelayMs: 60, deleteDelayMs: 20 },
    controllers: async (client, factory) => [
      new StatefulSetController(client, factory, { log: testLog }),
      new PersistentVolumeController(client, factory, { resyncPeriodMs: 500 }),
      new LocalPathProvisioner(client, factory),
      new PVCProtectionController(client, factory),
      new GarbageCollector(client, factory, await serverPreferredResources(client), testLog),
      new Scheduler(cp.newClient('kube-scheduler'), factory, { queue: { initialBackoffMs: 50, maxBackoffMs: 200 } }),
    ],
  });
});

after(async () => {
  await cluster?.stop();
  await cp?.stop();
});

const newNamespace = (): Promise<string> => newTestNamespace(cp, 'sts-test');

function statefulSet(ns: string, name: string, spec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
      ...spec,
    },
  };
}

const getSet = (ns: string, name: string) => cp.client.get<v1.StatefulSet>({ ...v1.STATEFULSETS, namespace: ns, name });
const pods = async (ns: string): Promise<v1.Pod[]> => (await cp.client.list<v1.Pod>({ ...v1.PODS, namespace: ns })).items;
const claims = async (ns: string): Promise<v1.PersistentVolumeClaim[]> =>
  (await cp.client.list<v1.PersistentVolumeClaim>({ ...v1.PERSISTENTVOLUMECLAIMS, namespace: ns })).items;
const names = (ps: KObject[]) => ps.map((p) => p.metadata.name).sort();
const image = (p: v1.Pod) => p.spec?.containers[0].image;

/** All replicas Running, Ready and of the update revision, and the status agreeing. */
async function settled(ns: string, name: string, want: number, timeoutMs = 20_000): Promise<{ set: v1.StatefulSet; pods: v1.Pod[] }> {
  return waitFor(
    `${name}: ${want} pods ready at the update revision`,
    async () => {
      const set = await getSet(ns, name);
      const ps = (await pods(ns)).filter((p) => !p.metadata.deletionTimestamp);
      const st = set.status;
      if (!st || (st.observedGeneration ?? 0) < (set.metadata.generation ?? 0)) return false;
      if (
        st.replicas !== want ||
        (st.readyReplicas ?? 0) !== want ||
        (st.updatedReplicas ?? 0) !== want ||
        st.currentRevision !== st.updateRevision
      )
        return false;
      if (ps.length !== want || !ps.every((p) => isPodReady(p) && p.metadata.labels?.['controller-revision-hash'] === st.updateRevision))
        return false;
      return { set, pods: ps };
    },
    timeoutMs,
  );
}

/** Records, at every pod event, the order of creations and deletions and what was ready then. */
async function podLog(ns: string) {
  const inf = new Informer<v1.Pod>(cp.newClient('watcher'), { ...v1.PODS, namespace: ns });
  const created: { name: string; readyThen: string[] }[] = [];
  const deleting: string[] = [];
  let unavailableMax = 0;
  inf.addEventHandler({
    onAdd: (p) =>
      created.push({
        name: p.metadata.name!,
        readyThen: inf
          .list()
          .filter((x) => isPodReady(x) && x.metadata.name !== p.metadata.name)
          .map((x) => x.metadata.name!),
      }),
    onUpdate: (o, p) => {
      if (!o.metadata.deletionTimestamp && p.metadata.deletionTimestamp) deleting.push(p.metadata.name!);
      unavailableMax = Math.max(unavailableMax, inf.list().filter((x) => x.metadata.deletionTimestamp || !isPodReady(x)).length);
    },
    onDelete: (p) => {
      if (!deleting.includes(p.metadata.name!)) deleting.push(p.metadata.name!);
    },
  });
  inf.start();
  await inf.waitForSync(5000);
  return { created, deleting, unavailableMax: () => unavailableMax, stop: () => inf.stop() };
}

test('OrderedReady: web-0, web-1, web-2 start in order, each with its identity and its own claim', async () => {
  const ns = await newNamespace();
  const log = await podLog(ns);
  await cp.client.create({ ...v1.STATEFULSETS, namespace: ns }, statefulSet(ns, 'web'));
  const { set, pods: ps } = await settled(ns, 'web', 3);
  await log.stop();
  assert.deepEqual(
    log.created.map((c) => c.name),
    ['web-0', 'web-1', 'web-2'],
    'created in ordinal order',
  );
  assert.deepEqual(
    log.created.map((c) => c.readyThen),
    [[], ['web-0'], ['web-0', 'web-1']],
    'each pod was created only once its predecessors were Ready',
  );
  for (const p of ps) {
    const i = Number(p.metadata.name!.slice(4));
    assert.equal(p.spec?.hostname, p.metadata.name);
    assert.equal(p.spec?.subdomain, 'web');
    assert.equal(p.metadata.labels?.['statefulset.kubernetes.io/pod-name'], p.metadata.name);
    assert.equal(p.metadata.labels?.['apps.kubernetes.io/pod-index'], String(i));
    assert.deepEqual(p.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: `data-web-${i}` });
  }
  const cs = await waitFor('claims bound', async () => {
    const x = await claims(ns);
    return x.length === 3 && x.every((c) => c.status?.phase === 'Bound') && x;
  });
  assert.deepEqual(names(cs), ['data-web-0', 'data-web-1', 'data-web-2']);
  assert.ok(
    cs.every((c) => c.metadata.labels?.app === 'web' && !c.metadata.ownerReferences),
    'Retain: claims have no owner',
  );
  assert.equal(set.status?.availableReplicas, 3);
  assert.equal(set.status?.currentReplicas, 3);
  const revs = (await cp.client.list<v1.ControllerRevision>({ ...v1.CONTROLLERREVISIONS, namespace: ns })).items;
  assert.deepEqual(
    revs.map((r) => [r.metadata.name, r.revision]),
    [[set.status?.updateRevision, 1]],
  );
  const events = (
    await cp.client.list<KObject & { message?: string }>({ group: '', version: 'v1', resource: 'events', namespace: ns })
  ).items.map((e) => e.message);
  assert.ok(events.includes('create Claim data-web-0 Pod web-0 in StatefulSet web success'));
  assert.ok(events.includes('create Pod web-0 in StatefulSet web successful'));

  // A deleted pod comes back under its name, with the same claim.
  const before1 = cs.find((c) => c.metadata.name === 'data-web-1')!;
  const old1 = ps.find((p) => p.metadata.name === 'web-1')!;
  await cp.client.delete({ ...v1.PODS, namespace: ns, name: 'web-1' });
  const back = await waitFor('web-1 back', async () =>
    (await pods(ns)).find((p) => p.metadata.name === 'web-1' && p.metadata.uid !== old1.metadata.uid && isPodReady(p)),
  );
  assert.equal(back.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-web-1');
  assert.equal((await claims(ns)).find((c) => c.metadata.name === 'data-web-1')?.metadata.uid, before1.metadata.uid, 'the same claim');

  // Scaling down removes the highest ordinal first and keeps its claim (Retain).
  const down = await podLog(ns);
  await cp.client.patch({ ...v1.STATEFULSETS, namespace: ns, name: 'web', subresource: 'scale' }, { spec: { replicas: 1 } }, 'merge');
  await settled(ns, 'web', 1);
  await down.stop();
  assert.deepEqual(down.deleting, ['web-2', 'web-1'], 'web-2 first');
  assert.deepEqual(names(await claims(ns)), ['data-web-0', 'data-web-1', 'data-web-2'], 'claims kept');
});

test('Parallel creates every pod at once; whenScaled and whenDeleted Delete remove the claims', async () => {
  const ns = await newNamespace();
  const log = await podLog(ns);
  await cp.client.create(
    { ...v1.STATEFULSETS, namespace: ns },
    statefulSet(ns, 'par', {
      podManagementPolicy: 'Parallel',
      persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' },
    }),
  );
  await settled(ns, 'par', 3);
  await log.stop();
  assert.ok(
    log.created.some((c) => c.name === 'par-2' && !c.readyThen.includes('par-0')),
    'par-2 did not wait for par-0',
  );
  const set = await getSet(ns, 'par');
  await waitFor(
    'claims owned by the set',
    async () =>
      (await claims(ns)).length === 3 &&
      (await claims(ns)).every((c) => c.metadata.ownerReferences?.some((r) => r.uid === set.metadata.uid)),
  );
  await cp.client.patch({ ...v1.STATEFULSETS, namespace: ns, name: 'par' }, { spec: { replicas: 2 } }, 'merge');
  await settled(ns, 'par', 2);
  await waitFor("par-2's claim deleted with its pod", async () => names(await claims(ns)).join() === 'data-par-0,data-par-1');
  await cp.client.delete({ ...v1.STATEFULSETS, namespace: ns, name: 'par' }, { propagationPolicy: 'Background' });
  await waitFor('claims deleted with the set', async () => (await claims(ns)).length === 0, 20_000);
});

test('RollingUpdate honours the partition, then updates from the highest ordinal down; a rollback reuses the old revision', async () => {
  const ns = await newNamespace();
  await cp.client.create(
    { ...v1.STATEFULSETS, namespace: ns },
    statefulSet(ns, 'ru', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }),
  );
  const first = await settled(ns, 'ru', 3);
  const rev1 = first.set.status!.updateRevision!;
  await cp.client.patch(
    { ...v1.STATEFULSETS, namespace: ns, name: 'ru' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
    'strategic',
  );
  const partial = await waitFor('ru-2 updated, the others held by the partition', async () => {
    const set = await getSet(ns, 'ru');
    const ps = (await pods(ns)).filter((p) => !p.metadata.deletionTimestamp && isPodReady(p));
    return set.status?.updatedReplicas === 1 && set.status.readyReplicas === 3 && ps.length === 3 && { set, ps };
  });
  assert.deepEqual(partial.ps.map((p) => [p.metadata.name, image(p)]).sort(), [
    ['ru-0', 'nginx:1'],
    ['ru-1', 'nginx:1'],
    ['ru-2', 'nginx:2'],
  ]);
  assert.equal(partial.set.status?.currentRevision, rev1, 'the current revision stays while pods below the partition run it');
  assert.notEqual(partial.set.status?.updateRevision, rev1);
  const log = await podLog(ns);
  await cp.client.patch(
    { ...v1.STATEFULSETS, namespace: ns, name: 'ru' },
    { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } },
    'strategic',
  );
  const done = await settled(ns, 'ru', 3);
  await log.stop();
  assert.ok(done.pods.every((p) => image(p) === 'nginx:2'));
  assert.deepEqual(log.deleting, ['ru-1', 'ru-0'], 'from the highest ordinal down');
  assert.ok(log.unavailableMax() <= 1, 'one at a time');
  const rev2 = done.set.status!.updateRevision!;
  // Back to nginx:1: the revision with that template is reused and renumbered 3.
  await cp.client.patch(
    { ...v1.STATEFULSETS, namespace: ns, name: 'ru' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } } },
    'strategic',
  );
  const back = await settled(ns, 'ru', 3);
  assert.equal(back.set.status?.updateRevision, rev1);
  const revs = (await cp.client.list<v1.ControllerRevision>({ ...v1.CONTROLLERREVISIONS, namespace: ns })).items;
  assert.deepEqual(
    revs.map((r) => [r.metadata.name, r.revision]).sort((a, b) => Number(a[1]) - Number(b[1])),
    [
      [rev2, 2],
      [rev1, 3],
    ],
  );
});

test('maxUnavailable 2 replaces two pods at a time; OnDelete waits for deletes', async () => {
  const ns = await newNamespace();
  await cp.client.create(
    { ...v1.STATEFULSETS, namespace: ns },
    statefulSet(ns, 'mu', {
      replicas: 4,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } },
    }),
  );
  await settled(ns, 'mu', 4);
  const log = await podLog(ns);
  await cp.client.patch(
    { ...v1.STATEFULSETS, namespace: ns, name: 'mu' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
    'strategic',
  );
  const done = await settled(ns, 'mu', 4);
  await log.stop();
  assert.ok(done.pods.every((p) => image(p) === 'nginx:2'));
  assert.equal(log.unavailableMax(), 2, 'two pods were replaced at once, never more');

  await cp.client.create(
    { ...v1.STATEFULSETS, namespace: ns },
    statefulSet(ns, 'od', { replicas: 2, selector: { matchLabels: { app: 'od' } }, updateStrategy: { type: 'OnDelete' } }),
  );
  const od = await waitFor('od ready', async () => {
    const ps = (await pods(ns)).filter((p) => p.metadata.labels?.app === 'od' && isPodReady(p));
    return ps.length === 2 && ps;
  });
  await cp.client.patch(
    { ...v1.STATEFULSETS, namespace: ns, name: 'od' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
    'strategic',
  );
  await waitFor('od observed generation 2', async () => (await getSet(ns, 'od')).status?.observedGeneration === 2);
  assert.ok(
    (await pods(ns)).filter((p) => p.metadata.labels?.app === 'od').every((p) => image(p) === 'nginx:1'),
    'nothing replaced yet',
  );
  await cp.client.delete({ ...v1.PODS, namespace: ns, name: 'od-1' });
  await waitFor('od-1 recreated at the new revision', async () =>
    (await pods(ns)).some(
      (p) =>
        p.metadata.name === 'od-1' &&
        p.metadata.uid !== od.find((x) => x.metadata.name === 'od-1')?.metadata.uid &&
        image(p) === 'nginx:2' &&
        isPodReady(p),
    ),
  );
  assert.equal(image((await pods(ns)).find((p) => p.metadata.name === 'od-0')!), 'nginx:1');
});

test('a StatefulSet of 2^31-1 replicas (valid input) costs the controller one pod at a time, not 2^31 entries', async () => {
  const ns = await newNamespace();
  await cp.client.create({ ...v1.STATEFULSETS, namespace: ns }, statefulSet(ns, 'huge', { replicas: 2147483647 }));
  await waitFor('huge-1 created after huge-0 Ready', async () => (await pods(ns)).some((p) => p.metadata.name === 'huge-1'), 15_000);
  const set = await waitFor('status written', async () => {
    const s = await getSet(ns, 'huge');
    return (s.status?.readyReplicas ?? 0) >= 1 && s;
  });
  assert.ok((set.status?.replicas ?? 0) <= 3);
  await cp.client.patch({ ...v1.STATEFULSETS, namespace: ns, name: 'huge', subresource: 'scale' }, { spec: { replicas: 0 } }, 'merge');
  await waitFor('scaled to 0', async () => (await pods(ns)).length === 0, 15_000);
});

test('minReadySeconds holds the next ordinal until its predecessor has been Ready that long; ordinals.start numbers the pods', async () => {
  const ns = await newNamespace();
  const log = await podLog(ns);
  await cp.client.create(
    { ...v1.STATEFULSETS, namespace: ns },
    statefulSet(ns, 'slow', { replicas: 2, minReadySeconds: 2, ordinals: { start: 5 } }),
  );
  const set = await waitFor(
    '2 available',
    async () => {
      const s = await getSet(ns, 'slow');
      return s.status?.availableReplicas === 2 && s;
    },
    20_000,
  );
  await log.stop();
  assert.deepEqual(
    log.created.map((c) => c.name),
    ['slow-5', 'slow-6'],
  );
  const ps = await pods(ns);
  const readyAt = Date.parse(
    ps.find((p) => p.metadata.name === 'slow-5')!.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!,
  );
  const created6 = Date.parse(ps.find((p) => p.metadata.name === 'slow-6')!.metadata.creationTimestamp!);
  assert.ok(created6 - readyAt >= 2000, `slow-6 created ${created6 - readyAt} ms after slow-5 was Ready (minReadySeconds 2)`);
  assert.equal(set.status?.readyReplicas, 2);
  assert.deepEqual(names(await claims(ns)), ['data-slow-5', 'data-slow-6']);
});
