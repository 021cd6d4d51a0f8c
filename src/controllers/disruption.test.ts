// The disruption controller against a real API server (in process): PodDisruptionBudget status
// from the pods a budget selects and their controllers' scale.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/object.js';
import * as v1 from '../api/types.js';
import type { RestClient } from '../client/rest.js';
import { runControllers, startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { createRunningPod } from '../testing/pods.js';
import { waitFor } from '../testing/wait.js';
import { DisruptionController } from './disruption.js';

const PDBS = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespace: 'default' };
const PODS = { ...v1.PODS, namespace: 'default' };
const RSS = { ...v1.REPLICASETS, namespace: 'default' };

let cp: TestControlPlane;
let c: RestClient;
let stopController: (() => Promise<void>) | undefined;

before(async () => {
  cp = await startTestControlPlane();
  c = cp.client;
  stopController = await runControllers(cp.newClient('kube-controller-manager'), (cc, factory) => [
    new DisruptionController(cc, factory, { stalePodDisruptionTimeoutMs: 200 }),
  ]);
});

after(async () => {
  await stopController?.();
  await cp?.stop();
});

async function replicaSet(name: string, replicas: number): Promise<KObject> {
  return c.create(RSS, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { rs: name } },
      template: { metadata: { labels: { rs: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    },
  });
}

async function pod(
  name: string,
  labels: Record<string, string>,
  ready: boolean,
  owner?: KObject | { name: string; uid: string },
): Promise<KObject> {
  const ownerReferences = owner
    ? [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'metadata' in owner ? owner.metadata.name! : owner.name,
          uid: 'metadata' in owner ? owner.metadata.uid! : owner.uid,
          controller: true,
        },
      ]
    : undefined;
  return createRunningPod(c, PODS, { name, labels, ...(ownerReferences ? { ownerReferences } : {}) }, ready);
}

type Status = {
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  disruptionsAllowed: number;
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  conditions?: { type: string; status: string; reason: string; message: string }[];
};

async function statusWhen(name: string, want: Partial<Status>): Promise<Status> {
  return waitFor(`PDB ${name} status ${JSON.stringify(want)}`, async () => {
    const s = (await c.get({ ...PDBS, name })).status as Status;
    return Object.entries(want).every(([k, v]) => JSON.stringify((s as Record<string, unknown>)[k]) === JSON.stringify(v)) ? s : undefined;
  });
}

/** A PodDisruptionBudget over the pods labelled app, with its minAvailable or maxUnavailable. */
const createPDB = (name: string, budget: { minAvailable?: number | string; maxUnavailable?: number | string }, app: string) =>
  c.create(PDBS, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name },
    spec: { ...budget, selector: { matchLabels: { app } } },
  });

test('minAvailable as a number counts the selected pods; readiness makes them healthy', async () => {
  const rs = await replicaSet('web', 3);
  for (let i = 0; i < 3; i++) await pod(`web-${i}`, { app: 'web', rs: 'web' }, i < 2, rs);
  await createPDB('web', { minAvailable: 2 }, 'web');
  let s = await statusWhen('web', { expectedPods: 3, currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0, observedGeneration: 1 });
  assert.deepEqual(
    s.conditions?.map((x) => [x.type, x.status, x.reason, x.message]),
    [['DisruptionAllowed', 'False', 'InsufficientPods', '']],
  );
  await c.patch(
    { ...PODS, name: 'web-2', subresource: 'status' },
    { status: { conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString() }] } },
    'strategic',
  );
  s = await statusWhen('web', { currentHealthy: 3, disruptionsAllowed: 1 });
  assert.deepEqual(
    s.conditions?.map((x) => [x.status, x.reason]),
    [['True', 'SufficientPods']],
  );
  // A recent eviction does not count as healthy; a spec change is observed.
  await c.patch(
    { ...PDBS, name: 'web', subresource: 'status' },
    { status: { disruptedPods: { 'web-0': new Date().toISOString() } } },
    'merge',
  );
  await statusWhen('web', { currentHealthy: 2, disruptionsAllowed: 0 });
  await c.patch({ ...PDBS, name: 'web' }, { spec: { minAvailable: 1 } }, 'merge');
  await statusWhen('web', { observedGeneration: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
});

test("percentages and maxUnavailable use the controllers' scale, rounded up", async () => {
  const rs = await replicaSet('api', 4);
  for (let i = 0; i < 3; i++) await pod(`api-${i}`, { app: 'api', rs: 'api' }, true, rs);
  await createPDB('api-max', { maxUnavailable: '30%' }, 'api');
  // 4 expected (the ReplicaSet's replicas), 30% of 4 = 1.2 -> 2 may be unavailable, so 2 desired.
  await statusWhen('api-max', { expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
  await c.delete({ ...PDBS, name: 'api-max' });
  await createPDB('api-min', { minAvailable: '50%' }, 'api');
  await statusWhen('api-min', { expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
});

test('a pod whose controller cannot be found makes the sync fail safe: no disruptions, SyncFailed', async () => {
  await pod('lost-0', { app: 'lost' }, true, { name: 'gone', uid: '00000000-0000-0000-0000-000000000001' });
  await createPDB('lost', { maxUnavailable: 1 }, 'lost');
  const s = await waitFor('SyncFailed', async () => {
    const st = (await c.get({ ...PDBS, name: 'lost' })).status as Status;
    return st.conditions?.some((x) => x.reason === 'SyncFailed') ? st : undefined;
  });
  assert.equal(s.disruptionsAllowed, 0);
  assert.deepEqual(
    s.conditions?.map((x) => [x.status, x.message]),
    [['False', 'found no controllers for pod "lost-0"']],
  );
});

test('a DisruptionTarget left on a pod that was not deleted is cleared', async () => {
  await pod('stale', { app: 'stale' }, true);
  await c.patch(
    { ...PODS, name: 'stale', subresource: 'status' },
    {
      status: {
        conditions: [
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'EvictionByEvictionAPI',
            message: 'Eviction API: evicting',
            lastProbeTime: null,
            lastTransitionTime: new Date(Date.now() - 1000).toISOString(),
          },
        ],
      },
    },
    'strategic',
  );
  await waitFor('DisruptionTarget reset to False', async () => {
    const conds = ((await c.get({ ...PODS, name: 'stale' })).status as { conditions: { type: string; status: string }[] }).conditions;
    return conds.find((x) => x.type === 'DisruptionTarget')?.status === 'False';
  });
});
