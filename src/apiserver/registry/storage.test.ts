// The storage and disruption resources through a real API server (in process, memory store):
// the admission each claim and volume gets, the status subresources, the printers, and the
// eviction subresource deciding with PodDisruptionBudgets.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../../api/object.js';
import * as v1 from '../../api/types.js';
import { ApiError, type RestClient } from '../../client/rest.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import { createRunningPod } from '../../testing/pods.js';
import { apiError, printerCells as cells } from '../../testing/registry.js';

let cp: TestControlPlane;
let c: RestClient;
const PVS = v1.PERSISTENTVOLUMES;
const PVCS = { ...v1.PERSISTENTVOLUMECLAIMS, namespace: 'default' };
const SCS = v1.STORAGECLASSES;
const PDBS = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespace: 'default' };
const PODS = { ...v1.PODS, namespace: 'default' };

before(async () => {
  cp = await startTestControlPlane();
  c = cp.client;
});
after(async () => {
  await cp.stop();
});

const sc = (name: string, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner: 'example.com/p',
  ...extra,
});
const claim = (name: string, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

test('a claim without a class gets the newest default class; "" stays no class; the protection finalizer is added', async () => {
  await c.create(SCS, sc('slow', { metadata: { name: 'slow', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } }));
  await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has second precision: the next class is newer
  const fast = await c.create(
    SCS,
    sc('fast', {
      metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      volumeBindingMode: 'WaitForFirstConsumer',
    }),
  );
  assert.equal((fast as { reclaimPolicy?: string }).reclaimPolicy, 'Delete');
  assert.deepEqual(cells('storageclasses', 'storage.k8s.io', fast).slice(0, 5), [
    'fast (default)',
    'example.com/p',
    'Delete',
    'WaitForFirstConsumer',
    false,
  ]);
  const a = await c.create(PVCS, claim('a'));
  assert.equal((a.spec as { storageClassName?: string }).storageClassName, 'fast');
  assert.deepEqual(a.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  assert.deepEqual(a.status, { phase: 'Pending' });
  assert.equal((a.spec as { volumeMode?: string }).volumeMode, 'Filesystem');
  const none = await c.create(PVCS, claim('none', { storageClassName: '' }));
  assert.equal((none.spec as { storageClassName?: string }).storageClassName, '');
  assert.deepEqual(cells('persistentvolumeclaims', '', a).slice(0, 7), ['a', 'Pending', '', '', '', 'fast', '<unset>']);
  await c.delete({ ...SCS, name: 'fast' });
  await c.delete({ ...SCS, name: 'slow' });
});

test('a volume starts Pending with the pv-protection finalizer; a new phase stamps its transition time', async () => {
  const pv = await c.create(PVS, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv-a' },
    spec: {
      capacity: { storage: '1024Mi' },
      accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
      hostPath: { path: '/srv/a' },
      storageClassName: 'manual',
    },
  });
  assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
  const status = pv.status as { phase: string; lastPhaseTransitionTime: string };
  assert.equal(status.phase, 'Pending');
  assert.ok(status.lastPhaseTransitionTime);
  assert.equal((pv.spec as { persistentVolumeReclaimPolicy?: string }).persistentVolumeReclaimPolicy, 'Retain');
  await new Promise((r) => setTimeout(r, 1100));
  const avail = await c.patch({ ...PVS, name: 'pv-a', subresource: 'status' }, { status: { phase: 'Available' } }, 'merge');
  const st = avail.status as { phase: string; lastPhaseTransitionTime: string };
  assert.equal(st.phase, 'Available');
  assert.notEqual(st.lastPhaseTransitionTime, status.lastPhaseTransitionTime);
  assert.deepEqual(cells('persistentvolumes', '', avail).slice(0, 9), [
    'pv-a',
    '1Gi',
    'RWO,ROX',
    'Retain',
    'Available',
    '',
    'manual',
    '<unset>',
    '',
  ]);
  // The spec's status cannot be written through the main resource.
  const upd = await c.patch({ ...PVS, name: 'pv-a' }, { status: { phase: 'Bound' } }, 'merge');
  assert.equal((upd.status as { phase: string }).phase, 'Available');
  const err = await apiError(c.patch({ ...PVS, name: 'pv-a' }, { spec: { hostPath: { path: '/srv/b' } } }, 'merge'));
  assert.equal(err.code, 422);
  assert.match(err.message, /spec\.persistentvolumesource: Forbidden: spec\.persistentvolumesource is immutable after creation/);
  // The finalizer keeps it until the PV protection controller lets it go.
  await c.delete({ ...PVS, name: 'pv-a' });
  const terminating = await c.get({ ...PVS, name: 'pv-a' });
  assert.equal(cells('persistentvolumes', '', terminating)[4], 'Terminating');
  await c.patch({ ...PVS, name: 'pv-a' }, { metadata: { finalizers: null } }, 'merge');
});

test('a bound claim grows only when its class allows expansion', async () => {
  await c.create(SCS, sc('rigid'));
  await c.create(PVCS, claim('grow', { storageClassName: 'rigid' }));
  let err = await apiError(c.patch({ ...PVCS, name: 'grow' }, { spec: { resources: { requests: { storage: '2Gi' } } } }, 'merge'));
  assert.equal(err.code, 403);
  assert.equal(err.message, 'persistentvolumeclaims "grow" is forbidden: Only bound persistent volume claims can be expanded');
  await c.patch(
    { ...PVCS, name: 'grow', subresource: 'status' },
    { status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } },
    'merge',
  );
  err = await apiError(c.patch({ ...PVCS, name: 'grow' }, { spec: { resources: { requests: { storage: '2Gi' } } } }, 'merge'));
  assert.equal(
    err.message,
    'persistentvolumeclaims "grow" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
  );
  await c.delete({ ...SCS, name: 'rigid' });
  await c.create(SCS, sc('rigid', { allowVolumeExpansion: true }));
  const grown = await c.patch({ ...PVCS, name: 'grow' }, { spec: { resources: { requests: { storage: '2Gi' } } } }, 'merge');
  assert.equal((grown.spec as { resources: { requests: { storage: string } } }).resources.requests.storage, '2Gi');
});

// ---- eviction ----

function runningPod(name: string, labels: Record<string, string>, ready = true): Promise<KObject> {
  return createRunningPod(c, PODS, { name, labels }, ready);
}

async function budget(name: string, spec: Record<string, unknown>, status?: Record<string, unknown>): Promise<KObject> {
  const pdb = await c.create(PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec });
  if (!status) return pdb;
  return c.patch({ ...PDBS, name, subresource: 'status' }, { status: { observedGeneration: pdb.metadata.generation, ...status } }, 'merge');
}

const evict = (name: string, body: Record<string, unknown> = {}) =>
  c.create({ ...PODS, name, subresource: 'eviction' }, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name }, ...body });

test('eviction: 429 while the budget allows no disruption, then one is taken and the pod marked and deleted', async () => {
  await runningPod('web-1', { app: 'web' });
  const pdb = await budget(
    'web',
    { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
  );
  assert.deepEqual(cells('poddisruptionbudgets', 'policy', pdb).slice(0, 4), ['web', '1', 'N/A', 0]);
  const raw = await fetch(`${cp.url}/api/v1/namespaces/default/pods/web-1/eviction`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cp.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1' } }),
  });
  assert.equal(raw.status, 429);
  assert.equal(raw.headers.get('retry-after'), null);
  assert.deepEqual(await raw.json(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: 'TooManyRequests',
    details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently' }] },
    code: 429,
  });
  assert.ok(await c.get({ ...PODS, name: 'web-1' }), 'the pod stays');

  await c.patch(
    { ...PDBS, name: 'web', subresource: 'status' },
    { status: { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 } },
    'merge',
  );
  await evict('web-1');
  const gone = (await c.get({ ...PODS, name: 'web-1' })) as KObject & {
    status: { conditions: { type: string; status: string; reason?: string; message?: string }[] };
  };
  assert.ok(gone.metadata.deletionTimestamp, 'a bound pod is deleted gracefully');
  const dt = gone.status.conditions.find((x) => x.type === 'DisruptionTarget');
  assert.deepEqual(
    { status: dt?.status, reason: dt?.reason, message: dt?.message },
    { status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' },
  );
  const after = (await c.get({ ...PDBS, name: 'web' })).status as {
    disruptionsAllowed: number;
    disruptedPods: Record<string, string>;
    conditions: { reason: string }[];
  };
  assert.equal(after.disruptionsAllowed, 0);
  assert.ok(after.disruptedPods['web-1']);
  assert.equal(after.conditions.find((x) => x.reason)?.reason, 'InsufficientPods');
});

test('eviction: an unobserved budget is still being processed (Retry-After 10); two budgets are refused; pending and unready pods may go', async () => {
  await runningPod('db-1', { app: 'db' });
  await budget('db', { maxUnavailable: 0, selector: { matchLabels: { app: 'db' } } });
  let err = await apiError(evict('db-1'));
  assert.equal(err.code, 429);
  assert.deepEqual(err.status.details, {
    retryAfterSeconds: 10,
    causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget db is still being processed by the server.' }],
  });

  await budget('db-too', { minAvailable: 0, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] } });
  err = await apiError(evict('db-1'));
  assert.equal(err.code, 500);
  assert.equal(err.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');

  // Pending pods disrupt nothing: they go whatever the budgets say.
  await c.create(PODS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db-pending', labels: { app: 'db' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  await evict('db-pending');
  await assert.rejects(c.get({ ...PODS, name: 'db-pending' }), (e) => e instanceof ApiError && e.code === 404);

  // An unready pod under a budget that is met goes without taking a disruption.
  await runningPod('api-1', { app: 'api' }, false);
  await budget(
    'api',
    { minAvailable: 1, selector: { matchLabels: { app: 'api' } } },
    { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 2 },
  );
  await evict('api-1');
  assert.ok((await c.get({ ...PODS, name: 'api-1' })).metadata.deletionTimestamp);
  assert.equal(((await c.get({ ...PDBS, name: 'api' })).status as { disruptionsAllowed: number }).disruptionsAllowed, 0);

  // AlwaysAllow lets unready pods go even when the budget is not met.
  await runningPod('q-1', { app: 'q' }, false);
  await budget(
    'q',
    { minAvailable: 1, selector: { matchLabels: { app: 'q' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 1, expectedPods: 1 },
  );
  await evict('q-1');
  assert.ok((await c.get({ ...PODS, name: 'q-1' })).metadata.deletionTimestamp);

  err = await apiError(evict('q-1', { metadata: { name: 'other' } }));
  assert.equal(err.code, 400);
  assert.equal(err.message, 'name in URL does not match name in Eviction object');
});
