import assert from 'node:assert/strict';
import { test } from 'node:test';
import promClient from 'prom-client';
import { FakeRuntime } from '../runtime/fake.js';
import { instrumentedRuntime, runtimeOperationTimes } from './instrumented.js';

const value = async (metric: string, labels: Record<string, string>, name = metric) =>
  (await promClient.register.getSingleMetric(metric)!.get()).values
    .filter((v) => {
      const n = (v as { metricName?: string }).metricName;
      return n === undefined || n === name;
    })
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((n, v) => n + v.value, 0);

test('runtime calls are counted and timed by kubelet operation type; failures are counted as errors', async () => {
  const fake = new FakeRuntime();
  const rt = instrumentedRuntime(fake);
  const before = (await runtimeOperationTimes()).get('run_podsandbox')?.count ?? 0;
  const id = await rt.runPodSandbox({
    metadata: { name: 'p', namespace: 'default', uid: 'u1', attempt: 0 },
    hostname: 'p',
    logDirectory: '/nonexistent',
  } as Parameters<FakeRuntime['runPodSandbox']>[0]);
  assert.ok((await rt.podSandboxStatus(id))?.id === id, 'calls pass through to the runtime');
  assert.deepEqual(rt.limitations(), fake.limitations(), 'what is not a CRI call passes through untimed');
  assert.equal(await value('kubelet_runtime_operations_total', { operation_type: 'run_podsandbox' }), before + 1);
  assert.equal((await runtimeOperationTimes()).get('run_podsandbox')?.count, before + 1);
  const errorsBefore = await value('kubelet_runtime_operations_errors_total', { operation_type: 'start_container' });
  await assert.rejects(rt.startContainer('no-such-container'));
  assert.equal(await value('kubelet_runtime_operations_errors_total', { operation_type: 'start_container' }), errorsBefore + 1);
  assert.equal(
    await value(
      'kubelet_runtime_operations_duration_seconds',
      { operation_type: 'start_container' },
      'kubelet_runtime_operations_duration_seconds_count',
    ),
    1,
    'a failed call is timed too',
  );
});
