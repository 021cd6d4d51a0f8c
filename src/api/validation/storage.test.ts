// Validation of the storage and disruption kinds, with Kubernetes' messages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, type FieldError } from '../errors.js';
import type { KObject } from '../object.js';
import { validatePodDisruptionBudgetCreate, validatePodDisruptionBudgetStatusUpdate } from './policy.js';
import {
  validateCSIDriverCreate,
  validatePersistentVolumeClaimCreate,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeCreate,
  validatePersistentVolumeUpdate,
  validateStorageClassCreate,
  validateStorageClassUpdate,
  validateVolumeAttachmentCreate,
} from './storage.js';

const message = (kind: string, name: string, errs: FieldError[], group = '') => errors.invalid(kind, group, name, errs).message;

const pv = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec });
const pvc = (spec: Record<string, unknown>, extra: Partial<KObject> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'c', namespace: 'default', resourceVersion: '5' },
  spec,
  ...extra,
});

test('PersistentVolume: capacity, access modes, one volume type, local needs node affinity', () => {
  assert.deepEqual(
    validatePersistentVolumeCreate(pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } })),
    [],
  );
  assert.equal(
    message('PersistentVolume', 'pv1', validatePersistentVolumeCreate(pv({ hostPath: { path: '/data' } }))),
    'PersistentVolume "pv1" is invalid: [spec.accessModes: Required value, spec.capacity: Required value, spec.capacity: Unsupported value: core.ResourceList{}: supported values: "storage"]',
  );
  assert.equal(
    message(
      'PersistentVolume',
      'pv1',
      validatePersistentVolumeCreate(pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] })),
    ),
    'PersistentVolume "pv1" is invalid: spec: Required value: must specify a volume type',
  );
  assert.equal(
    message(
      'PersistentVolume',
      'pv1',
      validatePersistentVolumeCreate(pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/mnt/disk' } })),
    ),
    'PersistentVolume "pv1" is invalid: spec.nodeAffinity: Required value: Local volume requires node affinity',
  );
  const both = validatePersistentVolumeCreate(
    pv({
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce', 'ReadWriteOncePod'],
      hostPath: { path: '/a/../b' },
      nfs: { server: 's', path: '/x' },
    }),
  );
  assert.deepEqual(
    both.map((e) => `${e.field}: ${e.type}`),
    ['spec.accessModes: FieldValueForbidden', 'spec.hostPath.path: FieldValueInvalid', 'spec.nfs: FieldValueForbidden'],
  );
  assert.equal(
    message(
      'PersistentVolume',
      'pv1',
      validatePersistentVolumeCreate(
        pv({
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteSome'],
          persistentVolumeReclaimPolicy: 'Keep',
          hostPath: { path: '/d' },
        }),
      ),
    ),
    'PersistentVolume "pv1" is invalid: [spec.accessModes: Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod", spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"]',
  );
});

test('PersistentVolume update: the volume source is immutable, node affinity may be set once', () => {
  const old = pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' }, volumeMode: 'Filesystem' });
  old.metadata.resourceVersion = '3';
  const moved = structuredClone(old);
  (moved.spec as { hostPath: { path: string } }).hostPath.path = '/elsewhere';
  const errs = validatePersistentVolumeUpdate(moved, old);
  assert.equal(errs[0].field, 'spec.persistentvolumesource');
  assert.match(String(errs[0].detail), /^spec\.persistentvolumesource is immutable after creation\n/);
  const pinned = structuredClone(old);
  (pinned.spec as Record<string, unknown>).nodeAffinity = {
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] },
  };
  assert.deepEqual(validatePersistentVolumeUpdate(pinned, old), []);
});

test('PersistentVolumeClaim: access modes and a positive storage request are required', () => {
  assert.deepEqual(
    validatePersistentVolumeClaimCreate(pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } })),
    [],
  );
  assert.equal(
    message('PersistentVolumeClaim', 'c', validatePersistentVolumeClaimCreate(pvc({}))),
    'PersistentVolumeClaim "c" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]',
  );
  assert.equal(
    message(
      'PersistentVolumeClaim',
      'c',
      validatePersistentVolumeClaimCreate(
        pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '0' } }, storageClassName: 'Bad_Class' }),
      ),
    ),
    "PersistentVolumeClaim \"c\" is invalid: [spec.resources[storage]: Invalid value: \"0\": must be greater than zero, spec.storageClassName: Invalid value: \"Bad_Class\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')]",
  );
});

test('PersistentVolumeClaim update: binding once, default class from nil, growing; nothing else', () => {
  const old = pvc(
    { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
    { status: { phase: 'Pending' } },
  );
  const bound = structuredClone(old);
  Object.assign(bound.spec as object, { volumeName: 'pv1', storageClassName: 'local-path' });
  assert.deepEqual(validatePersistentVolumeClaimUpdate(bound, old), []);
  const rebound = structuredClone(bound);
  (rebound.spec as { volumeName: string }).volumeName = 'pv2';
  const errs = validatePersistentVolumeClaimUpdate(rebound, bound);
  assert.equal(errs.length, 1);
  assert.match(
    String(errs[0].detail),
    /^spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims\n/,
  );
  const grown = structuredClone(bound);
  (grown.spec as { resources: { requests: { storage: string } } }).resources.requests.storage = '2Gi';
  assert.deepEqual(validatePersistentVolumeClaimUpdate(grown, bound), []);
  const modes = structuredClone(bound);
  (modes.spec as { accessModes: string[] }).accessModes = ['ReadWriteMany'];
  assert.equal(validatePersistentVolumeClaimUpdate(modes, bound)[0].field, 'spec');
});

test('StorageClass: provisioner required, binding mode supported, updates forbidden', () => {
  const sc: KObject = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'fast', resourceVersion: '1' },
    provisioner: 'example.com/fast',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
  assert.deepEqual(validateStorageClassCreate(sc), []);
  assert.equal(
    message(
      'StorageClass',
      'fast',
      validateStorageClassCreate({ ...sc, provisioner: '', volumeBindingMode: 'Later', reclaimPolicy: 'Recycle' }),
      'storage.k8s.io',
    ),
    'StorageClass.storage.k8s.io "fast" is invalid: [provisioner: Required value, reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain", volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"]',
  );
  const changed = { ...sc, provisioner: 'example.com/slow', parameters: { a: 'b' }, volumeBindingMode: 'WaitForFirstConsumer' };
  assert.deepEqual(
    validateStorageClassUpdate(changed, sc).map((e) => `${e.field}: ${e.detail}`),
    [
      'parameters: updates to parameters are forbidden.',
      'provisioner: updates to provisioner are forbidden.',
      'volumeBindingMode: field is immutable',
    ],
  );
});

test('CSIDriver and VolumeAttachment', () => {
  const d: KObject = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSIDriver',
    metadata: { name: 'Bad_Driver' },
    spec: { attachRequired: true, podInfoOnMount: false, storageCapacity: false, requiresRepublish: false, seLinuxMount: false },
  };
  assert.deepEqual(
    validateCSIDriverCreate(d).map((e) => e.field),
    ['name'],
  );
  const va: KObject = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'VolumeAttachment',
    metadata: { name: 'va' },
    spec: { attacher: 'csi.example.com', nodeName: 'n1', source: {} },
  };
  assert.deepEqual(
    validateVolumeAttachmentCreate(va).map((e) => `${e.field}: ${e.detail}`),
    ['spec.source: must specify exactly one of persistentVolumeName and inlineVolumeSpec'],
  );
});

test('PodDisruptionBudget: one of minAvailable and maxUnavailable, int or percent up to 100%', () => {
  const pdb = (spec: Record<string, unknown>): KObject => ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'p', namespace: 'default' },
    spec,
  });
  assert.deepEqual(validatePodDisruptionBudgetCreate(pdb({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } })), []);
  assert.deepEqual(validatePodDisruptionBudgetCreate(pdb({ maxUnavailable: '50%', selector: {} })), []);
  assert.deepEqual(
    validatePodDisruptionBudgetCreate(pdb({ minAvailable: 1, maxUnavailable: 1 })).map((e) => e.detail),
    ['minAvailable and maxUnavailable cannot be both set'],
  );
  assert.equal(
    message(
      'PodDisruptionBudget',
      'p',
      validatePodDisruptionBudgetCreate(pdb({ minAvailable: '120%', unhealthyPodEvictionPolicy: 'Never' })),
    ),
    'PodDisruptionBudget "p" is invalid: [spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%, spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"]',
  );
  assert.deepEqual(
    validatePodDisruptionBudgetCreate(pdb({ minAvailable: -1 })).map((e) => `${e.field}: ${e.detail}`),
    ['spec.minAvailable: must be greater than or equal to 0'],
  );
  const old = { ...pdb({ minAvailable: 1 }), metadata: { name: 'p', namespace: 'default', resourceVersion: '4' } };
  const neg = { ...old, status: { disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } };
  assert.deepEqual(
    validatePodDisruptionBudgetStatusUpdate(neg, old).map((e) => e.field),
    ['status.disruptionsAllowed'],
  );
});
