// Kinds with no status whose changes count in metadata.generation (generationStrategy), through a
// real API server (in process, memory store): IngressClass, NetworkPolicy and EndpointSlice start
// at generation 1, gain one per change of what they describe, and none for a label change.

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
const cases: { ref: { group: string; version: string; resource: string; namespace?: string }; obj: KObject; change: object }[] = [
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
];

test('IngressClass, NetworkPolicy, EndpointSlice: generation 1 at creation, +1 per change, not for labels', async () => {
  for (const { ref, obj, change } of cases) {
    const kind = obj.kind;
    const created = await cp.client.create(ref, obj);
    assert.equal(created.metadata.generation, 1, kind);
    const labelled = await cp.client.patch({ ...ref, name: 'gen' }, { metadata: { labels: { a: 'b' } } }, 'merge');
    assert.equal(labelled.metadata.generation, 1, `${kind}: a label change`);
    const changed = await cp.client.patch({ ...ref, name: 'gen' }, change, 'merge');
    assert.equal(changed.metadata.generation, 2, `${kind}: a change`);
  }
});
