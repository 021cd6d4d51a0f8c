import assert from 'node:assert/strict';
import { test } from 'node:test';
// The models alone: the package's index pulls in an HTTP stack that needs a newer Node.
import * as clientNode from '@kubernetes/client-node/dist/gen/models/all.js';
import type { KObject } from '../object.js';
import { decodeK8sProtobuf, encodeK8sProtobuf } from '../protobuf.js';
import { BATCH_V1_TYPES } from './batch.js';

const models = clientNode as unknown as Record<string, { attributeTypeMap?: { baseName: string }[] }>;

test('every batch/v1 type has the JSON fields of the published API (client-node\'s models), no more, no less', () => {
  for (const t of BATCH_V1_TYPES) {
    const model = models[`V1${t.name.slice('io.k8s.api.batch.v1.'.length)}`];
    assert.ok(model?.attributeTypeMap, `client-node has ${t.name}`);
    const theirs = model.attributeTypeMap.map((a) => a.baseName).filter((n) => n !== 'apiVersion' && n !== 'kind').sort();
    assert.deepEqual(t.fields.map((f) => f.json).sort(), theirs, t.name);
    assert.equal(new Set(t.fields.map((f) => f.proto)).size, t.fields.length, `${t.name}: field numbers are unique`);
  }
});

test('a Job and a CronJob round-trip through the protobuf codec', () => {
  const job = {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default' },
    spec: {
      parallelism: 2, completions: 5, backoffLimit: 0, completionMode: 'Indexed', suspend: false, manualSelector: false,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'pi', operator: 'In', values: [1, 42] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      successPolicy: { rules: [{ succeededIndexes: '0-2', succeededCount: 1 }] },
      template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } },
    },
    status: { active: 1, ready: 0, terminating: 0, completedIndexes: '0,1', uncountedTerminatedPods: { succeeded: ['a'] }, conditions: [{ type: 'Suspended', status: 'False', reason: 'JobResumed' }] },
  };
  assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobuf(job as KObject)), job);
  const cj = {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'hello', namespace: 'default' },
    spec: { schedule: '*/1 * * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', suspend: false, successfulJobsHistoryLimit: 0, jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } },
    status: { active: [{ kind: 'Job', name: 'hello-1', namespace: 'default', uid: 'u', apiVersion: 'batch/v1' }], lastScheduleTime: '2024-01-01T00:01:00Z' },
  };
  assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobuf(cj as KObject)), cj);
});
