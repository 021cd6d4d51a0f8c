import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../api/types.js';
import { checkFields } from './fieldvalidation.js';

// The walk keeps the path as segments and joins them only for a message: each message names
// the field as kube-apiserver's strict decoder does (struct fields dotted, list items indexed,
// map keys dotted), at every depth and through lists, maps and nested structs.
test('checkFields names each unknown or mistyped field by its whole path', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    bogus: 1,
    metadata: { name: 'p', labels: { a: 1, b: 'x' }, annotations: null, ownerReferences: [null, { uid: 5 }] },
    spec: {
      containers: [
        { name: 'a', resources: { limits: { cpu: 'lots' } }, extra: true },
        { name: 'b', ports: [{ containerPort: 'x' }], image: 3 },
      ],
      nodeSelector: { z: false },
      activeDeadlineSeconds: 1.5,
      nodeName: null,
      volumes: 'no',
    },
    status: { startTime: 'yesterday', conditions: [{ type: 'Ready', lastTransitionTime: 7 }] },
  };
  const got = checkFields('io.k8s.api.core.v1.Pod', pod, false);
  assert.deepEqual(got.unknown, ['bogus', 'spec.containers[0].extra']);
  assert.deepEqual(got.typeErrors, [
    'json: cannot unmarshal number into Go struct field metadata.labels.a of type string',
    'json: cannot unmarshal number into Go struct field metadata.ownerReferences[1].uid of type string',
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (field spec.containers[0].resources.limits.cpu)",
    'json: cannot unmarshal string into Go struct field spec.containers[1].ports[0].containerPort of type int32',
    'json: cannot unmarshal number into Go struct field spec.containers[1].image of type string',
    'json: cannot unmarshal boolean into Go struct field spec.nodeSelector.z of type string',
    'json: cannot unmarshal number into Go struct field spec.activeDeadlineSeconds of type int64',
    'json: cannot unmarshal string into Go struct field spec.volumes of type []io.k8s.api.core.v1.Volume',
    'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse (field status.startTime)',
    'parsing time 7 as "2006-01-02T15:04:05Z07:00": cannot parse (field status.conditions[0].lastTransitionTime)',
  ]);
  // A null list item became its zero value, a null scalar field was dropped, a null map stays.
  assert.deepEqual(pod.metadata.ownerReferences[0], {});
  assert.ok(!('nodeName' in pod.spec));
  assert.equal(pod.metadata.annotations, null);
  assert.deepEqual(checkFields('io.k8s.api.core.v1.Pod', 'str', false).typeErrors, [
    'json: cannot unmarshal string into Go value of type Pod',
  ]);
  // Pruning drops the unknown fields it names.
  const pruned = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', extra: 1 }] }, bogus: 2 };
  assert.deepEqual(checkFields('io.k8s.api.core.v1.Pod', pruned, true).unknown, ['spec.containers[0].extra', 'bogus']);
  assert.deepEqual(pruned, { metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }] } });
});
