import assert from 'node:assert/strict';
import { test } from 'node:test';
// The models alone: the package's index pulls in an HTTP stack that needs a newer Node.
import * as clientNode from '@kubernetes/client-node/dist/gen/models/all.js';
import type { KObject } from '../object.js';
import { decodeK8sProtobuf, encodeK8sProtobuf } from '../protobuf.js';
import { APPS_V1_TYPES } from './apps.js';
import { CORE_V1_TYPES } from './core.js';

const models = clientNode as unknown as Record<string, { attributeTypeMap?: { baseName: string }[] }>;
const NEW_APPS = ['ControllerRevision', 'DaemonSet', 'StatefulSet', 'RollingUpdateDaemonSet', 'RollingUpdateStatefulSetStrategy', 'StatefulSetOrdinals', 'StatefulSetPersistentVolumeClaimRetentionPolicy'];

test('DaemonSet, StatefulSet, ControllerRevision and ReplicationController types have the published API\'s JSON fields', () => {
  const types = [
    ...APPS_V1_TYPES.filter((t) => NEW_APPS.some((k) => t.name.slice('io.k8s.api.apps.v1.'.length).startsWith(k))),
    ...CORE_V1_TYPES.filter((t) => t.name.startsWith('io.k8s.api.core.v1.ReplicationController')),
  ];
  assert.ok(types.length >= 20, `${types.length} types`);
  for (const t of types) {
    const model = models[`V1${t.name.slice(t.name.lastIndexOf('.') + 1)}`];
    assert.ok(model?.attributeTypeMap, `client-node has ${t.name}`);
    const theirs = model.attributeTypeMap.map((a) => a.baseName).filter((n) => n !== 'apiVersion' && n !== 'kind').sort();
    assert.deepEqual(t.fields.map((f) => f.json).sort(), theirs, t.name);
    assert.equal(new Set(t.fields.map((f) => f.proto)).size, t.fields.length, `${t.name}: field numbers are unique`);
  }
});

test('a DaemonSet, a StatefulSet with a claim template, a ControllerRevision and a ReplicationController round-trip through protobuf', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } };
  const objs = [
    {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } }, minReadySeconds: 3, revisionHistoryLimit: 10 },
      status: { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 0, updatedNumberScheduled: 1, numberUnavailable: 1 },
    },
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3, serviceName: 'web', podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'web' } }, template,
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' }, ordinals: { start: 1 }, revisionHistoryLimit: 10,
      },
      status: { replicas: 3, readyReplicas: 2, currentRevision: 'web-abc', updateRevision: 'web-def', collisionCount: 0, availableReplicas: 2 },
    },
    {
      apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-abc', namespace: 'default' },
      data: { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }, revision: 2,
    },
    {
      apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' },
      spec: { replicas: 2, selector: { app: 'web' }, template },
      status: { replicas: 2, readyReplicas: 1, observedGeneration: 1 },
    },
  ];
  for (const o of objs) assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobuf(o as KObject)), o, o.kind);
});
