import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestControlPlane } from '../../../testing/controlplane.js';

test('HorizontalPodAutoscaler: v2 defaults and validation; v1 served by conversion; v2 preferred in discovery', async () => {
  const cp = await startTestControlPlane();
  try {
    const c = cp.client;
    const v1 = { group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers', namespace: 'default' };
    const v2 = { ...v1, version: 'v2' };
    await c.create(v1, {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 60,
      },
    });
    const stored = await c.get<any>({ ...v2, name: 'web' });
    assert.equal(stored.apiVersion, 'autoscaling/v2');
    assert.equal(stored.spec.minReplicas, 1);
    assert.deepEqual(stored.spec.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
    ]);
    const back = await c.get<any>({ ...v1, name: 'web' });
    assert.equal(back.apiVersion, 'autoscaling/v1');
    assert.equal(back.spec.targetCPUUtilizationPercentage, 60);
    // A v2 autoscaler with a memory metric and a behavior: v1 carries them in annotations.
    await c.create(v2, {
      metadata: { name: 'mem' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'mem' },
        maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }],
        behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      },
    });
    const mem = await c.get<any>({ ...v2, name: 'mem' });
    assert.deepEqual(mem.spec.behavior.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    assert.equal(mem.spec.behavior.scaleDown.stabilizationWindowSeconds, undefined, "left to the controller's window");
    const memV1 = await c.get<any>({ ...v1, name: 'mem' });
    assert.equal(memV1.spec.targetCPUUtilizationPercentage, undefined);
    assert.match(memV1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'], /"memory"/);
    await assert.rejects(
      c.create(v2, {
        metadata: { name: 'bad' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, minReplicas: 3, maxReplicas: 2 },
      }),
      /HorizontalPodAutoscaler.autoscaling "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`/,
    );
    const group = await c.request<any>('GET', '/apis/autoscaling');
    assert.equal(group.preferredVersion.version, 'v2');
    assert.deepEqual(
      group.versions.map((v: any) => v.version),
      ['v2', 'v1'],
    );
    // The v1 path checks dryRun as every other write does.
    await assert.rejects(
      c.request('DELETE', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web?dryRun=Bogus'),
      /dryRun: Unsupported value: "Bogus": supported values: "All"/,
    );
    await c.delete({ ...v1, name: 'web' });
    await assert.rejects(c.get({ ...v2, name: 'web' }), /not found/);
  } finally {
    await cp.stop();
  }
});
