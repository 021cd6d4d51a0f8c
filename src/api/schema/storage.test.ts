// The storage and disruption kinds' tables: field numbers from generated.proto, JSON names the
// client libraries agree on, and every served kind surviving the protobuf codec.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as clientNode from '@kubernetes/client-node/dist/gen/models/all.js';
import type { KObject } from '../object.js';
import { decodeK8sProtobuf, encodeK8sProtobuf } from '../protobuf.js';
import { CORE_V1_STORAGE_TYPES } from './core-storage.js';
import { getType, jsonFields, typeForKind } from './index.js';
import { POLICY_V1_TYPES } from './policy.js';
import { STORAGE_V1_TYPES } from './storage.js';

function field(typeName: string, json: string) {
  const t = getType(typeName);
  assert.ok(t, typeName);
  const f = jsonFields(t).get(json);
  assert.ok(f, `${typeName}.${json}`);
  return f;
}

test('field numbers match generated.proto', () => {
  const expected: [string, string, number, string][] = [
    ['io.k8s.api.core.v1.PersistentVolumeSpec', 'claimRef', 4, 'io.k8s.api.core.v1.ObjectReference'],
    ['io.k8s.api.core.v1.PersistentVolumeSpec', 'nodeAffinity', 9, 'io.k8s.api.core.v1.VolumeNodeAffinity'],
    ['io.k8s.api.core.v1.PersistentVolumeSpec', 'volumeAttributesClassName', 10, 'string'],
    ['io.k8s.api.core.v1.PersistentVolumeSpec', 'local', 20, 'io.k8s.api.core.v1.LocalVolumeSource'],
    ['io.k8s.api.core.v1.PersistentVolumeSpec', 'csi', 22, 'io.k8s.api.core.v1.CSIPersistentVolumeSource'],
    ['io.k8s.api.core.v1.PersistentVolumeSpec', 'hostPath', 3, 'io.k8s.api.core.v1.HostPathVolumeSource'],
    ['io.k8s.api.core.v1.PersistentVolumeStatus', 'lastPhaseTransitionTime', 4, 'Time'],
    ['io.k8s.api.core.v1.PersistentVolumeClaimStatus', 'allocatedResourceStatuses', 7, 'string'],
    ['io.k8s.api.core.v1.PersistentVolumeClaimStatus', 'modifyVolumeStatus', 9, 'io.k8s.api.core.v1.ModifyVolumeStatus'],
    ['io.k8s.api.core.v1.FlexPersistentVolumeSource', 'secretRef', 3, 'io.k8s.api.core.v1.SecretReference'],
    ['io.k8s.api.storage.v1.StorageClass', 'volumeBindingMode', 7, 'string'],
    ['io.k8s.api.storage.v1.StorageClass', 'allowedTopologies', 8, 'io.k8s.api.core.v1.TopologySelectorTerm'],
    ['io.k8s.api.storage.v1.CSIDriverSpec', 'seLinuxMount', 8, 'bool'],
    ['io.k8s.api.storage.v1.CSINodeDriver', 'allocatable', 4, 'io.k8s.api.storage.v1.VolumeNodeResources'],
    ['io.k8s.api.storage.v1.VolumeAttachmentSource', 'inlineVolumeSpec', 2, 'io.k8s.api.core.v1.PersistentVolumeSpec'],
    ['io.k8s.api.storage.v1.CSIStorageCapacity', 'maximumVolumeSize', 5, 'Quantity'],
    ['io.k8s.api.policy.v1.PodDisruptionBudgetSpec', 'unhealthyPodEvictionPolicy', 4, 'string'],
    ['io.k8s.api.policy.v1.PodDisruptionBudgetStatus', 'disruptedPods', 2, 'Time'],
    ['io.k8s.api.policy.v1.PodDisruptionBudgetStatus', 'conditions', 7, 'io.k8s.apimachinery.pkg.apis.meta.v1.Condition'],
  ];
  for (const [t, json, proto, type] of expected) {
    const f = field(t, json);
    assert.equal(f.proto, proto, `${t}.${json} number`);
    assert.equal(f.type, type, `${t}.${json} type`);
  }
  assert.equal(field('io.k8s.api.policy.v1.PodDisruptionBudgetStatus', 'disruptedPods').map, true);
});

test('the served kinds resolve by group, version and kind', () => {
  for (const [g, k] of [['', 'PersistentVolume'], ['', 'PersistentVolumeClaim'], ['storage.k8s.io', 'StorageClass'], ['storage.k8s.io', 'CSIDriver'],
    ['storage.k8s.io', 'CSINode'], ['storage.k8s.io', 'CSIStorageCapacity'], ['storage.k8s.io', 'VolumeAttachment'], ['policy', 'PodDisruptionBudget']]) {
    assert.ok(typeForKind(g, 'v1', k), `${g}/v1 ${k}`);
    assert.ok(typeForKind(g, 'v1', `${k}List`), `${g}/v1 ${k}List`);
  }
});

test('json names and integer widths agree with the client-node models', () => {
  const models = clientNode as unknown as Record<string, { attributeTypeMap?: Array<{ baseName: string; format: string }> } | undefined>;
  let compared = 0;
  for (const t of [...CORE_V1_STORAGE_TYPES, ...STORAGE_V1_TYPES, ...POLICY_V1_TYPES]) {
    const short = t.name.slice(t.name.lastIndexOf('.') + 1);
    const model = models[`V1${short}`]?.attributeTypeMap ?? models[`StorageV1${short}`]?.attributeTypeMap;
    if (!model) continue;
    const attrs = new Map(model.map((a) => [a.baseName, a.format]));
    for (const f of jsonFields(t).values()) {
      assert.ok(attrs.has(f.json), `${short}.${f.json} exists in client-node's V1${short}`);
      const format = attrs.get(f.json);
      if ((f.type === 'int32' || f.type === 'int64') && !f.map) assert.equal(format, f.type, `${short}.${f.json} width`);
    }
    compared++;
  }
  assert.ok(compared >= 35, `compared ${compared} types`);
});

test('every kind survives the protobuf codec', () => {
  const objects: KObject[] = [
    {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1', finalizers: ['kubernetes.io/pv-protection'] },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path',
        volumeMode: 'Filesystem', hostPath: { path: '/data/pv1', type: 'DirectoryOrCreate' },
        claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'c', uid: 'u-1', apiVersion: 'v1', resourceVersion: '7' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
      },
      status: { phase: 'Bound', lastPhaseTransitionTime: '2024-05-01T12:00:00Z' },
    },
    {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path', volumeMode: 'Filesystem', volumeName: 'pv1' },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } },
    },
    {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'k8ts.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: false,
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'kubernetes.io/hostname', values: ['n1'] }] }],
    },
    {
      apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'csi.example.com' },
      spec: { attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'], storageCapacity: false, fsGroupPolicy: 'File', requiresRepublish: false, seLinuxMount: false, tokenRequests: [{ audience: 'a', expirationSeconds: 3600 }] },
    },
    { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'n1' }, spec: { drivers: [{ name: 'csi.example.com', nodeID: 'n1', topologyKeys: ['zone'], allocatable: { count: 0 } }] } },
    {
      apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va' },
      spec: { attacher: 'csi.example.com', source: { persistentVolumeName: 'pv1' }, nodeName: 'n1' }, status: { attached: false },
    },
    {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb', namespace: 'default', generation: 2 },
      spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      status: {
        observedGeneration: 2, disruptedPods: { 'web-1': '2024-05-01T12:00:00Z' }, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 2,
        conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 2, lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'InsufficientPods', message: '' }],
      },
    },
  ];
  for (const o of objects) {
    const back = decodeK8sProtobuf(encodeK8sProtobuf(structuredClone(o)));
    assert.deepEqual(back, o, `${o.kind} round trip`);
  }
});
