// The storage controllers against a real API server (in process): the PV binder, PVC and PV
// protection, the local-path provisioner, and the scheduler's VolumeBinding plugin placing pods
// with claims.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KObject } from '../api/object.js';
import * as v1 from '../api/types.js';
import { NODES } from '../api/types.js';
import { SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { podManifest } from '../testing/pods.js';
import { stays, waitFor } from '../testing/wait.js';
import { LocalPathProvisioner, localPathStorageClass } from './localpath.js';
import { PersistentVolumeController } from './persistentvolume.js';
import { PVCProtectionController } from './pvcprotection.js';
import { PVProtectionController } from './pvprotection.js';

const PVS = v1.PERSISTENTVOLUMES;
const PVCS = { ...v1.PERSISTENTVOLUMECLAIMS, namespace: 'default' };
const SCS = v1.STORAGECLASSES;
const PODS = { ...v1.PODS, namespace: 'default' };
const EVENTS = { ...v1.EVENTS, namespace: 'default' };

let cp: TestControlPlane;
let c: RestClient;
let factory: SharedInformerFactory;
const running: { stop(): Promise<void> }[] = [];

before(async () => {
  cp = await startTestControlPlane();
  c = cp.client;
  const cc = cp.newClient('kube-controller-manager');
  factory = new SharedInformerFactory(cc);
  const controllers = [
    new PersistentVolumeController(cc, factory, { resyncPeriodMs: 500 }),
    new PVCProtectionController(cc, factory),
    new PVProtectionController(cc, factory),
    new LocalPathProvisioner(cc, factory),
    new Scheduler(cp.newClient('kube-scheduler'), factory, { queue: { initialBackoffMs: 50, maxBackoffMs: 200 } }),
  ];
  factory.start();
  await factory.waitForCacheSync(5000);
  for (const ctl of controllers) {
    ctl.start();
    running.push(ctl);
  }
  for (const name of ['n1', 'n2']) {
    await c.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      },
    });
  }
});

after(async () => {
  for (const r of running.reverse()) await r.stop();
  await factory.stop();
  await cp.stop();
});

const get = (ref: object, name: string) => c.get({ ...(ref as { group: string; version: string; resource: string }), name });
const claim = (name: string, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const volume = (name: string, spec: Record<string, unknown>): KObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/srv/${name}` }, ...spec },
});
/** A pod that mounts the claim (a plain container; spec adds to it). */
const claimUser = (name: string, claimName: string, spec: Record<string, unknown> = {}): KObject =>
  podManifest(name, 'x', { ...spec, volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] });
/** The node the scheduler bound the pod to, once it has. */
const scheduledNode = (name: string): Promise<string> =>
  waitFor(`${name} scheduled`, async () => ((await get(PODS, name)).spec as { nodeName?: string }).nodeName);
const phaseOf = (o: KObject) => (o.status as { phase?: string } | undefined)?.phase;
async function eventsFor(name: string): Promise<{ reason: string; message: string; type: string }[]> {
  const list = await c.list(EVENTS, { fieldSelector: `involvedObject.name=${name}` }).catch(() => ({ items: [] as KObject[] }));
  return list.items as unknown as { reason: string; message: string; type: string }[];
}

describe('the PV controller binds and reclaims', () => {
  test('a claim without a class binds the smallest matching Available volume of no class', async () => {
    await c.create(PVS, volume('big', { capacity: { storage: '10Gi' }, storageClassName: '' }));
    await c.create(PVS, volume('small', { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadWriteMany'] }));
    await c.create(PVS, volume('exact', { capacity: { storage: '2Gi' } }));
    // Only Available volumes are candidates: let the controller see all three first.
    for (const v of ['big', 'small', 'exact']) await waitFor(`${v} Available`, async () => phaseOf(await get(PVS, v)) === 'Available');
    await c.create(PVCS, claim('static', { storageClassName: '' }));
    const pvc = await waitFor('claim bound', async () => {
      const x = await get(PVCS, 'static');
      return phaseOf(x) === 'Bound' && x;
    });
    // Of two 2Gi volumes the one whose access modes are exactly the claim's.
    assert.equal((pvc.spec as { volumeName: string }).volumeName, 'exact');
    assert.deepEqual(pvc.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
    assert.equal(pvc.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(pvc.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    const pv = await waitFor('volume bound', async () => {
      const x = await get(PVS, 'exact');
      return phaseOf(x) === 'Bound' && x;
    });
    const ref = (pv.spec as { claimRef: Record<string, string> }).claimRef;
    assert.deepEqual(
      { kind: ref.kind, namespace: ref.namespace, name: ref.name, uid: ref.uid },
      { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'static', uid: pvc.metadata.uid },
    );
    assert.equal(phaseOf(await get(PVS, 'small')), 'Available');
  });

  test('Retain keeps a released volume; Delete with no deleter fails it; the protection finalizers hold until then', async () => {
    await c.create(PVS, volume('kept', { storageClassName: 'manual', persistentVolumeReclaimPolicy: 'Retain' }));
    await c.create(PVS, volume('doomed', { storageClassName: 'manual2', persistentVolumeReclaimPolicy: 'Delete' }));
    await c.create(PVCS, claim('keep', { storageClassName: 'manual' }));
    await c.create(PVCS, claim('doom', { storageClassName: 'manual2' }));
    await waitFor('both bound', async () => phaseOf(await get(PVS, 'kept')) === 'Bound' && phaseOf(await get(PVS, 'doomed')) === 'Bound');
    // A bound volume being deleted stays (pv-protection) while it is Bound.
    await c.delete({ ...PVS, name: 'kept' });
    await stays('kept still there, being deleted', async () => !!(await get(PVS, 'kept')).metadata.deletionTimestamp, 300);
    // A claim used by a scheduled pod stays (pvc-protection) until the pod is gone.
    await c.create(PODS, claimUser('user', 'keep', { nodeName: 'n1' }));
    await c.delete({ ...PVCS, name: 'keep' });
    await stays('the claim waits for its pod', async () => !!(await get(PVCS, 'keep')).metadata.deletionTimestamp, 300);
    await c.delete({ ...PODS, name: 'user' }, { gracePeriodSeconds: 0 });
    await waitFor('claim gone once the pod is', async () => !(await get(PVCS, 'keep').catch(() => undefined)));
    // Released, then (being deleted, no longer Bound) gone.
    await waitFor(
      'the retained volume, deleted by the user, goes once released',
      async () => !(await get(PVS, 'kept').catch(() => undefined)),
    );
    await c.delete({ ...PVCS, name: 'doom' });
    const failed = await waitFor('doomed fails', async () => {
      const x = await get(PVS, 'doomed');
      return phaseOf(x) === 'Failed' && x;
    });
    assert.equal(
      (failed.status as { message?: string }).message,
      'error getting deleter volume plugin for volume "doomed": no deletable volume plugin matched',
    );
    await waitFor('VolumeFailedDelete event', async () =>
      (await eventsFor('doomed')).some((e) => e.reason === 'VolumeFailedDelete' && e.type === 'Warning'),
    );
  });

  test('a claim with no volume and no class waits with FailedBinding; a default class arriving later is given to it', async () => {
    // No default class at first (the provisioner made local-path the default when it started).
    await waitFor('local-path StorageClass', () => get(SCS, 'local-path').catch(() => undefined));
    await c.delete({ ...SCS, name: 'local-path' });
    await c.create(PVCS, claim('orphan', { resources: { requests: { storage: '100Gi' } } }));
    assert.equal((await get(PVCS, 'orphan').then((x) => x.spec as { storageClassName?: string })).storageClassName, undefined);
    await waitFor('FailedBinding', async () =>
      (await eventsFor('orphan')).some(
        (e) => e.reason === 'FailedBinding' && e.message === 'no persistent volumes available for this claim and no storage class is set',
      ),
    );
    await c.create(SCS, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'late', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'example.com/nobody',
    });
    const pvc = await waitFor('retroactive default class', async () => {
      const x = await get(PVCS, 'orphan');
      return (x.spec as { storageClassName?: string }).storageClassName === 'late' ? x : undefined;
    });
    // An Immediate class with an external provisioner: the claim is handed to it.
    const handed = await waitFor('provisioner annotations', async () => {
      const x = await get(PVCS, 'orphan');
      return x.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'] ? x : undefined;
    });
    assert.equal(handed.metadata.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'example.com/nobody');
    assert.equal(pvc.metadata.uid, handed.metadata.uid);
    await waitFor('ExternalProvisioning', async () =>
      (await eventsFor('orphan')).some(
        (e) =>
          e.reason === 'ExternalProvisioning' &&
          e.message.startsWith("Waiting for a volume to be created either by the external provisioner 'example.com/nobody'"),
      ),
    );
    await c.delete({ ...SCS, name: 'late' });
    await c.delete({ ...PVCS, name: 'orphan' });
    await c.create(SCS, localPathStorageClass());
  });
});

describe('local-path provisioning and VolumeBinding', () => {
  test('the local-path class is created; a claim waits for its first consumer, which is placed and gets a volume on its node', async () => {
    const sc = await waitFor('local-path StorageClass', () => get(SCS, 'local-path').catch(() => undefined));
    assert.equal((sc as { volumeBindingMode?: string }).volumeBindingMode, 'WaitForFirstConsumer');
    await c.create(PVCS, claim('lp'));
    await waitFor('WaitForFirstConsumer', async () =>
      (await eventsFor('lp')).some(
        (e) => e.reason === 'WaitForFirstConsumer' && e.message === 'waiting for first consumer to be created before binding',
      ),
    );
    assert.equal(phaseOf(await get(PVCS, 'lp')), 'Pending');
    await c.create(PODS, claimUser('consumer', 'lp'));
    const nodeName = await scheduledNode('consumer');
    const pvc = await get(PVCS, 'lp');
    assert.equal(phaseOf(pvc), 'Bound');
    assert.equal(pvc.metadata.annotations?.['volume.kubernetes.io/selected-node'], nodeName);
    const pv = (await get(PVS, (pvc.spec as { volumeName: string }).volumeName)) as KObject & { spec: Record<string, any> };
    assert.equal(pv.metadata.name, `pvc-${pvc.metadata.uid}`);
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'k8ts.io/local-path');
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions, [
      { key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] },
    ]);
    assert.equal(
      pv.spec.hostPath.path,
      `/var/lib/k8ts/storage/pvc-${pvc.metadata.uid}_default_lp`,
      'a node that keeps no volumes on disk gets the default path',
    );
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
    assert.deepEqual(pv.metadata.finalizers?.sort(), [
      'external-provisioner.volume.kubernetes.io/finalizer',
      'kubernetes.io/pv-protection',
    ]);
    // Released with Delete, on a node that keeps nothing on disk: the provisioner deletes the object.
    await c.delete({ ...PODS, name: 'consumer' }, { gracePeriodSeconds: 0 });
    await c.delete({ ...PVCS, name: 'lp' });
    await waitFor('the provisioned volume is deleted', async () => !(await get(PVS, pv.metadata.name!).catch(() => undefined)));
  });

  test('WaitForFirstConsumer with static volumes: the scheduler picks a node with a matching volume and binds it', async () => {
    await c.create(SCS, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local-static' },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    const affinity = (node: string) => ({
      required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] },
    });
    await c.create(
      PVS,
      volume('disk-n1', {
        storageClassName: 'local-static',
        local: { path: '/mnt/disk' },
        hostPath: undefined,
        nodeAffinity: affinity('n1'),
      }),
    );
    await waitFor('disk-n1 Available', async () => phaseOf(await get(PVS, 'disk-n1')) === 'Available');
    await c.create(PVCS, claim('local', { storageClassName: 'local-static' }));
    await stays('not bound before a consumer', async () => phaseOf(await get(PVCS, 'local')) === 'Pending', 300);
    await c.create(PODS, claimUser('local-user', 'local'));
    assert.equal(await scheduledNode('local-user'), 'n1');
    const pvc = await get(PVCS, 'local');
    assert.equal((pvc.spec as { volumeName: string }).volumeName, 'disk-n1');
    assert.equal(phaseOf(pvc), 'Bound');
    // A second claim of that class finds no volume and no provisioner: the pod waits, with the plugin's reason.
    await c.create(PVCS, claim('local2', { storageClassName: 'local-static' }));
    await c.create(PODS, claimUser('local-user2', 'local2'));
    await waitFor('FailedScheduling without volumes', async () =>
      (await eventsFor('local-user2')).some(
        (e) =>
          e.reason === 'FailedScheduling' &&
          e.message.startsWith("0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind."),
      ),
    );
  });

  test('a pod whose bound volume is pinned to a node goes to that node; unbound immediate claims keep pods pending', async () => {
    await c.create(
      PVS,
      volume('pinned', {
        storageClassName: 'pinned',
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }] }] },
        },
      }),
    );
    await c.create(PVCS, claim('pinned', { storageClassName: 'pinned' }));
    await waitFor('pinned claim bound', async () => phaseOf(await get(PVCS, 'pinned')) === 'Bound');
    for (let i = 0; i < 3; i++) {
      await c.create(PODS, claimUser(`pin-${i}`, 'pinned'));
    }
    for (let i = 0; i < 3; i++) {
      assert.equal(await scheduledNode(`pin-${i}`), 'n2');
    }
    await c.create(SCS, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'never' },
      provisioner: 'kubernetes.io/no-provisioner',
    });
    await c.create(PVCS, claim('never', { storageClassName: 'never' }));
    await c.create(PODS, claimUser('waits', 'never'));
    await waitFor('FailedScheduling for unbound claims', async () =>
      (await eventsFor('waits')).some(
        (e) =>
          e.reason === 'FailedScheduling' &&
          e.message.startsWith('0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.'),
      ),
    );
    await c.create(PODS, claimUser('noclaim', 'missing'));
    await waitFor('FailedScheduling for a missing claim', async () =>
      (await eventsFor('noclaim')).some((e) => e.message.startsWith('0/2 nodes are available: persistentvolumeclaim "missing" not found.')),
    );
    // The claim appears (bound statically): the pod is placed.
    await c.create(PVS, volume('late-pv', { storageClassName: 'late-class' }));
    await c.create(PVCS, claim('missing', { storageClassName: 'late-class' }));
    await waitFor(
      'placed once its claim is bound',
      async () => (await get(PODS, 'noclaim')).spec && ((await get(PODS, 'noclaim')).spec as { nodeName?: string }).nodeName,
      15_000,
    );
  });
});
