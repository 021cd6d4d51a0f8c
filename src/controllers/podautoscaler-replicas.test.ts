import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  limitLegacy,
  limitWithBehaviors,
  type PodInfoForScaling,
  type PodMetric,
  recordScaleEvent,
  resourceReplicas,
  type ScaleEvent,
  stabilizeLegacy,
  stabilizeWithBehaviors,
} from './podautoscaler-replicas.js';

const NOW = 10_000_000;
const started = NOW - 10 * 60_000; // past the CPU initialization period
const pod = (name: string, request = 100, extra: Partial<PodInfoForScaling> = {}): PodInfoForScaling => ({
  name,
  phase: 'Running',
  deleting: false,
  startTime: started,
  ready: { status: 'True', lastTransitionTime: started + 5000 },
  request,
  ...extra,
});
const metric = (value: number): PodMetric => ({ value, timestamp: NOW - 1000, windowMs: 15_000 });

test('resourceReplicas: ceil(ratio × ready pods), current count within the 0.1 tolerance', () => {
  // 1 pod at 250% of a 100m request against a 50% target: ratio 5 -> 5 replicas.
  assert.equal(resourceReplicas(1, [pod('a')], new Map([['a', metric(250)]]), 'cpu', { utilization: 50 }, NOW).replicas, 5);
  // 54% against 50%: ratio 1.08, within tolerance -> unchanged.
  const r = resourceReplicas(
    2,
    [pod('a'), pod('b')],
    new Map([
      ['a', metric(54)],
      ['b', metric(54)],
    ]),
    'cpu',
    { utilization: 50 },
    NOW,
  );
  assert.equal(r.replicas, 2);
  assert.equal(r.utilization, 54);
  // 10% against 50% with 3 pods: ceil(0.2 × 3) = 1.
  assert.equal(
    resourceReplicas(
      3,
      ['a', 'b', 'c'].map((n) => pod(n)),
      new Map(['a', 'b', 'c'].map((n) => [n, metric(10)])),
      'cpu',
      { utilization: 50 },
      NOW,
    ).replicas,
    1,
  );
  // AverageValue: 300m average against 100m -> 3 × current.
  assert.equal(
    resourceReplicas(
      2,
      [pod('a'), pod('b')],
      new Map([
        ['a', metric(300)],
        ['b', metric(300)],
      ]),
      'cpu',
      { averageValue: 100 },
      NOW,
    ).replicas,
    6,
  );
});

test('resourceReplicas: a pod without metrics counts as using its request when scaling down', () => {
  // Scale down with a pod missing metrics: the missing one counts as using its whole request.
  const down = resourceReplicas(
    3,
    [pod('a'), pod('b'), pod('c')],
    new Map([
      ['a', metric(10)],
      ['b', metric(10)],
    ]),
    'cpu',
    { utilization: 50 },
    NOW,
  );
  // (10+10+100)/300 = 40 % of a 50 % target: ratio 0.8, ceil(0.8 × 3) = 3: the count holds
  // where, with c's metric at 10 %, it would drop to 1.
  assert.equal(down.replicas, 3);
  const all = resourceReplicas(
    3,
    [pod('a'), pod('b'), pod('c')],
    new Map([
      ['a', metric(10)],
      ['b', metric(10)],
      ['c', metric(10)],
    ]),
    'cpu',
    { utilization: 50 },
    NOW,
  );
  assert.equal(all.replicas, 1);
});

test('resourceReplicas: unready pods count as zero when scaling up', () => {
  const pods = [pod('a'), pod('b', 100, { phase: 'Pending' })];
  // a at 200% of a 50% target: ratio 4; with b pending at 0: (200+0)/200 = 100% -> ratio 2 -> ceil(2 × 2) = 4.
  assert.equal(resourceReplicas(2, pods, new Map([['a', metric(200)]]), 'cpu', { utilization: 50 }, NOW).replicas, 4);
  assert.throws(
    () =>
      resourceReplicas(
        1,
        [pod('a', undefined as unknown as number, { request: undefined })],
        new Map([['a', metric(10)]]),
        'cpu',
        { utilization: 50 },
        NOW,
      ),
    /missing request for cpu/,
  );
  assert.throws(
    () => resourceReplicas(1, [pod('a', 100, { phase: 'Pending' })], new Map(), 'cpu', { utilization: 50 }, NOW),
    /did not receive metrics/,
  );
});

test('legacy normalisation: highest recommendation of the downscale window; scale-up at most max(2×current, 4)', () => {
  const hist: { replicas: number; timestamp: number }[] = [];
  assert.equal(stabilizeLegacy(hist, 5, 300_000, NOW), 5);
  assert.equal(stabilizeLegacy(hist, 2, 300_000, NOW + 10_000), 5, 'within the window the higher recommendation holds');
  assert.equal(stabilizeLegacy(hist, 2, 300_000, NOW + 400_000), 2, 'after the window the lower one applies');
  assert.deepEqual(limitLegacy(1, 10, 1, 10), {
    replicas: 4,
    reason: 'ScaleUpLimit',
    message: 'the desired replica count is increasing faster than the maximum scale rate',
  });
  assert.deepEqual(limitLegacy(4, 12, 1, 10), {
    replicas: 8,
    reason: 'ScaleUpLimit',
    message: 'the desired replica count is increasing faster than the maximum scale rate',
  });
  assert.equal(limitLegacy(5, 12, 1, 6).reason, 'TooManyReplicas');
  assert.deepEqual(limitLegacy(3, 0, 1, 6), {
    replicas: 1,
    reason: 'TooFewReplicas',
    message: 'the desired replica count is less than the minimum replica count',
  });
  assert.equal(limitLegacy(3, 4, 1, 6).reason, 'DesiredWithinRange');
});

test('behavior: stabilization windows and Pods/Percent policies with Max/Min selection', () => {
  const hist: { replicas: number; timestamp: number }[] = [];
  // Scale up window 0, down window 60 s: a drop from 6 to 2 waits while 6 is recent.
  stabilizeWithBehaviors(hist, 6, 6, 0, 60, NOW);
  const st = stabilizeWithBehaviors(hist, 6, 2, 0, 60, NOW + 10_000);
  assert.equal(st.replicas, 6);
  assert.equal(st.reason, 'ScaleDownStabilized');
  assert.equal(stabilizeWithBehaviors(hist, 6, 2, 0, 60, NOW + 120_000).replicas, 2);
  const up = {
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
  const down = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] };
  // From 2: Pods allows 6, Percent allows 4; Max picks 6.
  assert.equal(limitWithBehaviors(2, 20, 1, 20, up, down, [], [], NOW).replicas, 6);
  assert.equal(limitWithBehaviors(2, 20, 1, 20, { ...up, selectPolicy: 'Min' }, down, [], [], NOW).replicas, 4);
  // Events in the period count: after +4 in the last 15 s, the period started at 2 again.
  const ups: ScaleEvent[] = [];
  recordScaleEvent(ups, up, 4, NOW - 5000);
  assert.equal(limitWithBehaviors(6, 20, 1, 20, up, down, ups, [], NOW).replicas, 6);
  // Scale down by at most 50 % per minute.
  const lim = limitWithBehaviors(8, 1, 1, 20, up, down, [], [], NOW);
  assert.deepEqual(lim, {
    replicas: 4,
    reason: 'ScaleDownLimit',
    message: 'the desired replica count is decreasing faster than the maximum scale rate',
  });
  assert.equal(limitWithBehaviors(8, 1, 1, 20, up, { selectPolicy: 'Disabled' }, [], [], NOW).replicas, 8);
});
