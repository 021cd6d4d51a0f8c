// Kinds whose changes count in metadata.generation (generationStrategy), through a real API
// server (in process, memory store): IngressClass, NetworkPolicy, EndpointSlice, and with a
// status Ingress, PodDisruptionBudget and CronJob start at generation 1 (the latter with their
// initial status), gain one per change of what they describe, and none for a label change.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../../api/object.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(() => cp?.stop());

const NETWORKING = { group: 'networking.k8s.io', version: 'v1' };
const cases: {
  ref: { group: string; version: string; resource: string; namespace?: string };
  obj: KObject;
  change: object;
  status?: object;
}[] = [
  {
    ref: { ...NETWORKING, resource: 'ingressclasses' },
    obj: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'gen' },
      spec: { controller: 'example.com/ingress' },
    },
    change: { spec: { parameters: { apiGroup: 'example.com', kind: 'Params', name: 'p' } } },
  },
  {
    ref: { ...NETWORKING, resource: 'networkpolicies', namespace: 'default' },
    obj: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'gen' }, spec: { podSelector: {} } },
    change: { spec: { podSelector: { matchLabels: { app: 'web' } } } },
  },
  {
    ref: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespace: 'default' },
    obj: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'gen' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'] }],
    },
    change: { endpoints: [{ addresses: ['10.0.0.2'] }] },
  },
  {
    ref: { ...NETWORKING, resource: 'ingresses', namespace: 'default' },
    obj: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'gen' },
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
    },
    change: { spec: { defaultBackend: { service: { name: 'web', port: { number: 8080 } } } } },
    status: {},
  },
  {
    ref: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespace: 'default' },
    obj: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'gen' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    },
    change: { spec: { minAvailable: 2 } },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  },
  {
    ref: { group: 'batch', version: 'v1', resource: 'cronjobs', namespace: 'default' },
    obj: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'gen' },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      },
    },
    change: { spec: { schedule: '0 4 * * *' } },
    status: {},
  },
];

test('IngressClass, NetworkPolicy, EndpointSlice, Ingress, PodDisruptionBudget, CronJob: generation 1 at creation, +1 per change, not for labels; initial status', async () => {
  for (const { ref, obj, change, status } of cases) {
    const kind = obj.kind;
    const created = await cp.client.create(ref, obj);
    assert.equal(created.metadata.generation, 1, kind);
    assert.deepEqual(created.status, status, `${kind}: status at creation`);
    const labelled = await cp.client.patch({ ...ref, name: 'gen' }, { metadata: { labels: { a: 'b' } } }, 'merge');
    assert.equal(labelled.metadata.generation, 1, `${kind}: a label change`);
    const changed = await cp.client.patch({ ...ref, name: 'gen' }, change, 'merge');
    assert.equal(changed.metadata.generation, 2, `${kind}: a change`);
    assert.deepEqual(changed.status, status, `${kind}: status kept by an update of the resource`);
  }
});
