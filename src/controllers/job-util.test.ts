import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../api/types.js';
import {
  intervalsHas,
  intervalsString,
  intervalsTotal,
  matchPodFailurePolicy,
  matchSuccessPolicy,
  nextBackoffRecord,
  parseIndexes,
  podGenerateNameWithIndex,
  remainingBackoff,
  withIndexes,
} from './job-util.js';

test('index sets: "1,3-5,7" form, merging, membership, corrupted input skipped', () => {
  const a = parseIndexes('1,3-5,7', 10);
  assert.equal(intervalsString(a), '1,3-5,7');
  assert.equal(intervalsTotal(a), 5);
  assert.ok(intervalsHas(a, 4) && !intervalsHas(a, 2) && !intervalsHas(a, 8));
  assert.equal(intervalsString(withIndexes(a, [2, 6])), '1-7');
  assert.equal(intervalsString(withIndexes([], [0, 1])), '0,1', 'two in a row are listed');
  assert.equal(intervalsString(parseIndexes('0-9', 5)), '0-4', 'cut at completions');
  assert.equal(intervalsString(parseIndexes('x,2,y-3,4', 10)), '2,4');
  assert.equal(podGenerateNameWithIndex('pi', 3), 'pi-3-');
  assert.equal(podGenerateNameWithIndex('a'.repeat(60), 12).length, 58);
  assert.ok(podGenerateNameWithIndex('a'.repeat(60), 12).endsWith('-12-'));
});

test('exponential back-off: 10 s doubling per failure since the last success, capped, less the time elapsed', () => {
  const base = 10_000,
    max = 600_000;
  assert.equal(remainingBackoff(1000, base, max, 0, undefined), 0);
  assert.equal(remainingBackoff(1000, base, max, 1, 1000), 10_000);
  assert.equal(remainingBackoff(1000, base, max, 2, 1000), 20_000);
  assert.equal(remainingBackoff(1000, base, max, 3, 1000), 40_000);
  assert.equal(remainingBackoff(1000, base, max, 20, 1000), 600_000);
  assert.equal(remainingBackoff(16_000, base, max, 2, 1000), 5_000, 'less the time since the failure');
  assert.equal(remainingBackoff(100_000, base, max, 2, 1000), 0);
  const failedAt = (t: string): Pod =>
    ({
      metadata: { name: 'p' },
      status: { phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 1, finishedAt: t } } }] },
    }) as unknown as Pod;
  const succeededAt = (t: string): Pod =>
    ({
      metadata: { name: 'p' },
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, finishedAt: t } } }] },
    }) as unknown as Pod;
  let rec = nextBackoffRecord(undefined, [], [failedAt('2024-01-01T00:00:10Z'), failedAt('2024-01-01T00:00:05Z')]);
  assert.deepEqual(rec, { failuresAfterLastSuccess: 2, lastFailureTime: Date.parse('2024-01-01T00:00:10Z') });
  rec = nextBackoffRecord(rec, [succeededAt('2024-01-01T00:00:20Z')], [failedAt('2024-01-01T00:00:30Z'), failedAt('2024-01-01T00:00:15Z')]);
  assert.deepEqual(
    rec,
    { failuresAfterLastSuccess: 1, lastFailureTime: Date.parse('2024-01-01T00:00:30Z') },
    'only failures after the last success count',
  );
});

test('pod failure policy: first matching rule decides; exit code 0 and running containers never match', () => {
  const pod = (codes: Record<string, number | undefined>, conditions: { type: string; status: string }[] = []): Pod =>
    ({
      metadata: { name: 'p', namespace: 'ns' },
      status: {
        phase: 'Failed',
        conditions,
        containerStatuses: Object.entries(codes).map(([name, c]) => ({
          name,
          state: c === undefined ? { running: {} } : { terminated: { exitCode: c } },
        })),
      },
    }) as unknown as Pod;
  const policy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
    ],
  };
  assert.deepEqual(matchPodFailurePolicy(policy, pod({ main: 1 }, [{ type: 'DisruptionTarget', status: 'True' }])), {
    countFailed: false,
    action: 'Ignore',
  });
  assert.equal(
    matchPodFailurePolicy(policy, pod({ main: 42 })).failJobMessage,
    'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1',
  );
  assert.deepEqual(
    matchPodFailurePolicy(policy, pod({ side: 42 })),
    { countFailed: true, action: 'Count' },
    'containerName restricts the rule',
  );
  assert.deepEqual(matchPodFailurePolicy(policy, pod({ main: 1 })), { countFailed: true }, 'no rule: counted');
  assert.deepEqual(matchPodFailurePolicy(policy, pod({ main: 0, other: undefined })), { countFailed: true });
  assert.equal(
    matchPodFailurePolicy(
      { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }] },
      pod({}, [{ type: 'ConfigIssue', status: 'True' }]),
    ).failJobMessage,
    'Pod ns/p has condition ConfigIssue matching FailJob rule at index 0',
  );
});

test('success policy: succeededIndexes, succeededCount, both', () => {
  const done = parseIndexes('0,2-4', 10);
  assert.equal(
    matchSuccessPolicy({ rules: [{ succeededIndexes: '1' }, { succeededIndexes: '2-3' }] }, 10, done),
    'Matched rules at index 1',
  );
  assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 5 }] }, 10, done), undefined);
  assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 4 }] }, 10, done), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0-5', succeededCount: 3 }] }, 10, done), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '5-9', succeededCount: 1 }] }, 10, done), undefined);
  assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 1 }] }, 10, []), undefined);
});
