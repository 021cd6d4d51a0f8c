import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/object.js';
import { EVENTS, PODS, type Pod, type ReplicaSet, REPLICASETS as RS } from '../api/types.js';
import { newTestNamespace, startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { podManifest } from '../testing/pods.js';
import { waitFor } from '../testing/wait.js';
import { podsToDelete } from './podutil.js';
import { POD_WRITES_IN_FLIGHT, slowStartBatch } from './replicaset.js';
import {
  type FakeKubelet,
  type FaultProxy,
  startFakeKubelet,
  startFaultProxy,
  startWorkloadControllers,
  type Workloads,
} from './workload-testing.js';

let cp: TestControlPlane;
let proxy: FaultProxy;
let w: Workloads;
let kubelet: FakeKubelet;

before(async () => {
  cp = await startTestControlPlane();
  proxy = await startFaultProxy(cp.url);
  w = await startWorkloadControllers(cp, proxy.url);
  kubelet = await startFakeKubelet(cp.newClient('kubelet'), { neverReady: (p) => p.metadata.labels?.ready === 'never' });
});

after(async () => {
  await kubelet?.stop();
  await w?.stop();
  await proxy?.stop();
  await cp?.stop();
});

const newNamespace = (): Promise<string> => newTestNamespace(cp, 'rs-test');

function replicaSet(ns: string, name: string, replicas: number, labels: Record<string, string> = { app: name }): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: labels.app } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

const pods = async (ns: string): Promise<Pod[]> => (await cp.client.list<Pod>({ ...PODS, namespace: ns })).items;
const activePods = async (ns: string): Promise<Pod[]> => (await pods(ns)).filter((p) => !p.metadata.deletionTimestamp);
const getRS = (ns: string, name: string): Promise<ReplicaSet> => cp.client.get<ReplicaSet>({ ...RS, namespace: ns, name });
const events = async (ns: string): Promise<KObject[]> => (await cp.client.list({ ...EVENTS, namespace: ns })).items;

/** The ReplicaSet once its status counts n replicas, all ready. */
const readyStatus = (ns: string, name: string, n: number) =>
  waitFor(`${name}: ${n} replicas ready`, async () => {
    const x = await getRS(ns, name);
    return x.status?.replicas === n && x.status.readyReplicas === n ? x : undefined;
  });

test('creates spec.replicas pods from the template, owned by the ReplicaSet, and reports status', async () => {
  const ns = await newNamespace();
  const rs = await cp.client.create<ReplicaSet>({ ...RS, namespace: ns }, replicaSet(ns, 'web', 3, { app: 'web', tier: 'fe' }));
  const ready = await waitFor('three available replicas', async () => {
    const r = await getRS(ns, 'web');
    return r.status?.availableReplicas === 3 && r.status.observedGeneration === 1 ? r : undefined;
  });
  assert.deepEqual(ready.status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  const ps = await pods(ns);
  assert.equal(ps.length, 3);
  for (const p of ps) {
    assert.match(p.metadata.name!, /^web-[a-z0-9]{5}$/);
    assert.equal(p.metadata.generateName, 'web-');
    assert.deepEqual(p.metadata.labels, { app: 'web', tier: 'fe' });
    assert.deepEqual(p.metadata.ownerReferences, [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
  }
  const evs = await waitFor('three SuccessfulCreate events', async () => {
    const e = (await events(ns)).filter((x) => x.reason === 'SuccessfulCreate');
    return e.length === 3 ? e : undefined;
  });
  assert.deepEqual(evs.map((e) => e.message).sort(), ps.map((p) => `Created pod: ${p.metadata.name}`).sort());
  assert.deepEqual(evs[0].source, { component: 'replicaset-controller' });
  assert.equal((evs[0].involvedObject as { kind: string }).kind, 'ReplicaSet');

  // A deleted pod is replaced; a pod that finished (Failed) is replaced too.
  await cp.client.delete({ ...PODS, namespace: ns, name: ps[0].metadata.name });
  await cp.client.patch(
    { ...PODS, namespace: ns, name: ps[1].metadata.name, subresource: 'status' },
    { status: { phase: 'Failed' } },
    'merge',
  );
  await waitFor('replacements for the deleted and the failed pod', async () => {
    const all = await pods(ns);
    const active = all.filter((p) => p.status?.phase !== 'Failed');
    return active.length === 3 && !active.some((p) => p.metadata.name === ps[0].metadata.name || p.metadata.name === ps[1].metadata.name);
  });
  await waitFor('status back to 3 ready', async () => (await getRS(ns, 'web')).status?.readyReplicas === 3);
});

test('adopts matching orphans, releases pods whose labels stop matching', async () => {
  const ns = await newNamespace();
  const orphan = await cp.client.create<Pod>({ ...PODS, namespace: ns }, podManifest({ name: 'orphan', labels: { app: 'api' } }, 'nginx'));
  // The controller adopts only what its cache holds: a ReplicaSet it saw first would create two pods.
  await waitFor('the controller sees the orphan', () => w.factory.informerFor(PODS).get(`${ns}/orphan`));
  const rs = await cp.client.create<ReplicaSet>({ ...RS, namespace: ns }, replicaSet(ns, 'api', 2));
  await waitFor('two pods', async () => (await activePods(ns)).length === 2);
  const adopted = await cp.client.get<Pod>({ ...PODS, namespace: ns, name: 'orphan' });
  assert.equal(adopted.metadata.uid, orphan.metadata.uid);
  assert.deepEqual(adopted.metadata.ownerReferences, [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
  ]);
  assert.equal((await events(ns)).filter((e) => e.reason === 'SuccessfulCreate').length, 1, 'only one pod created: the orphan counts');

  await cp.client.patch({ ...PODS, namespace: ns, name: 'orphan' }, { metadata: { labels: { app: 'other' } } }, 'merge');
  await waitFor('the relabelled pod released', async () => {
    const p = await cp.client.get<Pod>({ ...PODS, namespace: ns, name: 'orphan' });
    return !p.metadata.ownerReferences?.length;
  });
  await waitFor(
    'a replacement for the released pod',
    async () => (await activePods(ns)).filter((p) => p.metadata.labels?.app === 'api').length === 2,
  );
  const r = await readyStatus(ns, 'api', 2);
  assert.equal(r.status?.fullyLabeledReplicas, 2);
});

test('fullyLabeledReplicas counts pods that carry all template labels', async () => {
  const ns = await newNamespace();
  // An orphan that matches the selector but lacks a template label.
  await cp.client.create<Pod>({ ...PODS, namespace: ns }, podManifest({ name: 'partial', labels: { app: 'lbl' } }, 'nginx'));
  await cp.client.create<ReplicaSet>({ ...RS, namespace: ns }, replicaSet(ns, 'lbl', 2, { app: 'lbl', extra: 'yes' }));
  const r = await readyStatus(ns, 'lbl', 2);
  assert.equal(r.status?.fullyLabeledReplicas, 1);
});

test('scales down in Kubernetes ranking order', async () => {
  const ns = await newNamespace();
  // One readiness time for all, so that restarts (not the clock) decide between ready pods: taken
  // once, since Ready times a second apart in one log2 bucket are ordered by uid, as Kubernetes does.
  const readySince = new Date(Date.now() - 600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const mk = async (name: string, opts: { node?: string; phase?: string; ready?: boolean; cost?: number; restarts?: number }) => {
    const p = await cp.client.create<Pod>(
      { ...PODS, namespace: ns },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          labels: { app: 'rank', ready: 'never' },
          annotations: opts.cost !== undefined ? { 'controller.kubernetes.io/pod-deletion-cost': String(opts.cost) } : {},
        },
        spec: { containers: [{ name: 'c', image: 'nginx' }], ...(opts.node ? { nodeName: opts.node } : {}) },
      },
    );
    if (opts.phase) {
      await cp.client.patch(
        { ...PODS, namespace: ns, name, subresource: 'status' },
        {
          status: {
            phase: opts.phase,
            conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False', lastTransitionTime: readySince }],
            containerStatuses: [{ name: 'c', image: 'nginx', imageID: '', ready: !!opts.ready, restartCount: opts.restarts ?? 0 }],
          },
        },
        'merge',
      );
    }
    return p;
  };
  await mk('a-unassigned', {});
  await mk('b-pending', { node: 'n1', phase: 'Pending' });
  await mk('c-not-ready', { node: 'n1', phase: 'Running', ready: false });
  await mk('d-ready-cheap', { node: 'n1', phase: 'Running', ready: true, cost: -5 });
  await mk('e-ready-restarts', { node: 'n1', phase: 'Running', ready: true, restarts: 3 });
  await mk('f-ready', { node: 'n1', phase: 'Running', ready: true });
  const tmpl = replicaSet(ns, 'rank', 6, { app: 'rank', ready: 'never' });
  await cp.client.create<ReplicaSet>({ ...RS, namespace: ns }, tmpl);
  await waitFor('all six adopted', async () => (await getRS(ns, 'rank')).status?.replicas === 6);
  assert.equal((await events(ns)).filter((e) => e.reason === 'SuccessfulCreate').length, 0);

  const survivors = async (): Promise<string[]> => (await activePods(ns)).map((p) => p.metadata.name!).sort();
  const scaleTo = (n: number) =>
    cp.client.patch({ ...RS, namespace: ns, name: 'rank', subresource: 'scale' }, { spec: { replicas: n } }, 'merge');
  await scaleTo(4);
  await waitFor('four left', async () => (await survivors()).length === 4);
  assert.deepEqual(await survivors(), ['c-not-ready', 'd-ready-cheap', 'e-ready-restarts', 'f-ready']);
  await scaleTo(2);
  await waitFor('two left', async () => (await survivors()).length === 2);
  assert.deepEqual(await survivors(), ['e-ready-restarts', 'f-ready']);
  await scaleTo(1);
  await waitFor('one left', async () => (await survivors()).length === 1);
  assert.deepEqual(await survivors(), ['f-ready']);
  const deleted = (await events(ns))
    .filter((e) => e.reason === 'SuccessfulDelete')
    .map((e) => e.message)
    .sort();
  assert.deepEqual(
    deleted,
    ['a-unassigned', 'b-pending', 'c-not-ready', 'd-ready-cheap', 'e-ready-restarts'].map((n) => `Deleted pod: ${n}`),
  );
  const r = await waitFor('status of 1', async () => {
    const x = await getRS(ns, 'rank');
    return x.status?.replicas === 1 ? x : undefined;
  });
  assert.equal(r.status?.readyReplicas, 1);
});

test('expectations: a lagging pod informer never makes the controller create twice', async () => {
  const ns = await newNamespace();
  proxy.podWatchLagMs = 400;
  try {
    const created: string[] = [];
    const watch = await cp.client.watch<Pod>({ ...PODS, namespace: ns }, {});
    const done = (async () => {
      for await (const ev of watch) if (ev.type === 'ADDED') created.push(ev.object.metadata.name!);
    })();
    await cp.client.create<ReplicaSet>({ ...RS, namespace: ns }, replicaSet(ns, 'burst', 12));
    await waitFor('twelve pods', () => created.length >= 12);
    // While the informer lags, status writes and pod updates keep waking the ReplicaSet up.
    await waitFor('twelve ready', async () => (await getRS(ns, 'burst')).status?.readyReplicas === 12, 10_000);
    await waitFor('expectations met', () => w.rsc.expectations.satisfied(`${ns}/burst`));
    // Scale down as well: deletes are expected by pod key.
    await cp.client.patch({ ...RS, namespace: ns, name: 'burst', subresource: 'scale' }, { spec: { replicas: 5 } }, 'merge');
    await waitFor('five replicas', async () => (await getRS(ns, 'burst')).status?.replicas === 5, 10_000);
    await waitFor('delete expectations met', () => w.rsc.expectations.satisfied(`${ns}/burst`));
    watch.stop();
    await done;
    assert.equal(created.length, 12, `created ${created.length} pods`);
    assert.equal((await activePods(ns)).length, 5);
    assert.equal((await events(ns)).filter((e) => e.reason === 'SuccessfulDelete').length, 7);
  } finally {
    proxy.podWatchLagMs = 0;
  }
});

test('a failing create sets ReplicaFailure and a FailedCreate event; success clears it', async () => {
  const ns = await newNamespace();
  const msg = 'pods "quota-" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=0, limited: pods=0';
  proxy.failPodCreates = msg;
  try {
    await cp.client.create<ReplicaSet>({ ...RS, namespace: ns }, replicaSet(ns, 'quota', 2));
    const r = await waitFor('ReplicaFailure', async () => {
      const x = await getRS(ns, 'quota');
      return x.status?.conditions?.length ? x : undefined;
    });
    const c = r.status!.conditions![0];
    assert.equal(c.type, 'ReplicaFailure');
    assert.equal(c.status, 'True');
    assert.equal(c.reason, 'FailedCreate');
    assert.equal(c.message, msg);
    assert.ok(c.lastTransitionTime);
    const ev = await waitFor('FailedCreate event', async () => (await events(ns)).find((e) => e.reason === 'FailedCreate'));
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, `Error creating: ${msg}`);
    // The slow start stops at the first failed batch: one attempt per sync.
  } finally {
    proxy.failPodCreates = undefined;
  }
  const ok = await waitFor(
    'recovered',
    async () => {
      const x = await getRS(ns, 'quota');
      return x.status?.readyReplicas === 2 && !x.status.conditions ? x : undefined;
    },
    10_000,
  );
  assert.equal(ok.status?.replicas, 2);
});

test('slowStartBatch: batches of 1, 2, 4 ..., stopping after a failing batch', async () => {
  let calls = 0;
  const r1 = await slowStartBatch(10, 1, async () => {
    calls++;
  });
  assert.deepEqual(r1, { successes: 10 });
  assert.equal(calls, 10);
  calls = 0;
  const r2 = await slowStartBatch(10, 1, async () => {
    if (++calls > 4) throw new Error('boom');
  });
  // Batches 1, 2, 4: the third batch (calls 4..7) has failures, nothing after it runs.
  assert.equal(calls, 7);
  assert.equal(r2.successes, 4);
  assert.equal((r2.error as Error).message, 'boom');
});

test('podsToDelete: doubled-up pods go before others; newer before older', () => {
  const t = (s: number) => new Date(Date.now() - s * 1000).toISOString();
  const pod = (name: string, node: string, createdAgo: number): Pod => ({
    metadata: { name, uid: name, creationTimestamp: t(createdAgo) },
    spec: { nodeName: node, containers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t(createdAgo) }] },
  });
  const a = pod('a', 'n1', 1000),
    b = pod('b', 'n2', 1000),
    c = pod('c', 'n2', 1000),
    d = pod('d', 'n3', 10);
  // b and c share n2: one of them first; then d (ready for a shorter time), then a.
  const order = podsToDelete([a, b, c, d], [a, b, c, d], 3).map((p) => p.metadata.name);
  assert.ok(['b', 'c'].includes(order[0]!));
  assert.deepEqual(order.slice(1).sort(), [order[0] === 'b' ? 'c' : 'b', 'd'].sort());
  assert.deepEqual(
    podsToDelete([a, d], [], 1).map((p) => p.metadata.name),
    ['d'],
  );
});

test('a burst of creates is sent at most POD_WRITES_IN_FLIGHT at a time (under the API server in-flight limit)', async () => {
  const ns = await newNamespace();
  // Each create held 20 ms at the proxy: the slow-start batches (up to 128 pods here) pile up
  // there unless the controller bounds them.
  proxy.podCreateDelayMs = 20;
  proxy.podCreatesPeak = 0;
  try {
    await cp.client.create<ReplicaSet>({ ...RS, namespace: ns }, replicaSet(ns, 'burst', 300, { app: 'burst', ready: 'never' }));
    await waitFor('300 pods', async () => (await pods(ns)).length === 300, { timeoutMs: 60_000 });
  } finally {
    proxy.podCreateDelayMs = 0;
  }
  assert.ok(proxy.podCreatesPeak <= POD_WRITES_IN_FLIGHT, `${proxy.podCreatesPeak} creates in flight at once`);
  assert.ok(proxy.podCreatesPeak >= POD_WRITES_IN_FLIGHT / 2, `creates in parallel (peak ${proxy.podCreatesPeak})`);
  await cp.client.delete({ ...RS, namespace: ns, name: 'burst' });
});
