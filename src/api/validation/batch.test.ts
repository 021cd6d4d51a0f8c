// Job and CronJob validation: Kubernetes' messages, word for word, for what users get wrong.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSelector } from '../../apiserver/registry/batch/jobs.js';
import { defaultCronJob, defaultJob } from '../defaults-batch.js';
import { type FieldError, fieldErrorMessage } from '../errors.js';
import type { KObject } from '../object.js';
import { validateCronJobCreate, validateCronJobUpdate, validateJobCreate, validateJobStatusUpdate, validateJobUpdate } from './batch.js';

const msgs = (errs: FieldError[]): string[] => errs.map(fieldErrorMessage);

/** A Job as the API server has it before validation: defaulted, with uid and generated selector. */
function job(spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KObject {
  const j: KObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'u-1', resourceVersion: '1' },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }], ...podSpec } } },
  };
  defaultJob(j);
  generateSelector(j);
  return j;
}

function cronJob(spec: Record<string, unknown> = {}): KObject {
  const cj: KObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', resourceVersion: '1' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
  defaultCronJob(cj);
  return cj;
}

test('a defaulted Job with its generated selector is valid', () => {
  const j = job();
  assert.deepEqual(validateJobCreate(j), []);
  const spec = j.spec as Record<string, unknown>;
  assert.deepEqual(
    { ...spec, template: undefined, selector: undefined },
    {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      template: undefined,
      selector: undefined,
    },
  );
  assert.deepEqual((spec.template as { metadata: { labels: unknown } }).metadata.labels, {
    'batch.kubernetes.io/controller-uid': 'u-1',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'u-1',
    'job-name': 'pi',
  });
});

test('Job spec errors', () => {
  assert.deepEqual(msgs(validateJobCreate(job({}, { restartPolicy: 'Always' }))), [
    'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  ]);
  assert.deepEqual(msgs(validateJobCreate(job({ completions: -1, parallelism: -2 }))), [
    'spec.parallelism: Invalid value: -2: must be greater than or equal to 0',
    'spec.completions: Invalid value: -1: must be greater than or equal to 0',
  ]);
  assert.deepEqual(msgs(validateJobCreate(job({ completionMode: 'Indexed', parallelism: 2 }))), [
    'spec.completions: Required value: when completion mode is Indexed',
  ]);
  assert.deepEqual(msgs(validateJobCreate(job({ backoffLimitPerIndex: 1 }))), [
    'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
  ]);
  assert.deepEqual(
    msgs(
      validateJobCreate(
        job(
          { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 3, 2] } }] } },
          { restartPolicy: 'OnFailure' },
        ),
      ),
    ),
    [
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{0, 3, 2}: must be ordered',
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ],
  );
  assert.deepEqual(
    msgs(validateJobCreate(job({ podFailurePolicy: { rules: [{ action: 'Restart', onExitCodes: { operator: 'In', values: [1] } }] } }))),
    ['spec.podFailurePolicy.rules[0].action: Unsupported value: "Restart": supported values: "Count", "FailIndex", "FailJob", "Ignore"'],
  );
  assert.deepEqual(msgs(validateJobCreate(job({ successPolicy: { rules: [{ succeededCount: 1 }] } }))), [
    'spec.successPolicy: Invalid value: batch.SuccessPolicy{...}: requires indexed completion mode',
  ]);
  assert.deepEqual(
    msgs(validateJobCreate(job({ completionMode: 'Indexed', completions: 3, successPolicy: { rules: [{ succeededIndexes: '2-1' }] } }))),
    [
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "2-1": error parsing succeededIndexes: non-increasing order, previous: 2, current: 1',
    ],
  );
  const wrong = job();
  (wrong.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels['batch.kubernetes.io/controller-uid'] =
    'other';
  assert.ok(
    msgs(validateJobCreate(wrong)).includes(
      'spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"u-1", "batch.kubernetes.io/job-name":"pi", "controller-uid":"u-1", "job-name":"pi"}: `selector` does not match template `labels`',
    ),
  );
});

test('an Indexed Job above 100000 completions with a backoff limit per index: parallelism and maxFailedIndexes at most 10000', () => {
  const big = (spec: Record<string, unknown>) =>
    msgs(validateJobCreate(job({ completionMode: 'Indexed', completions: 200_000, backoffLimitPerIndex: 1, ...spec })));
  assert.deepEqual(big({}), ['spec.maxFailedIndexes: Required value: must be specified when completions is above 100000']);
  assert.deepEqual(big({ parallelism: 20_000, maxFailedIndexes: 20_000 }), [
    'spec.parallelism: Invalid value: 20000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
    'spec.maxFailedIndexes: Invalid value: 20000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
  ]);
  assert.deepEqual(big({ parallelism: 10_000, maxFailedIndexes: 10_000 }), []);
});

test('Job updates: completions, template and completionMode are immutable (a suspended Job may move)', () => {
  const old = job({ completions: 3 });
  const next = structuredClone(old);
  (next.spec as Record<string, unknown>).completions = 4;
  assert.deepEqual(msgs(validateJobUpdate(next, old)), ['spec.completions: Invalid value: 4: field is immutable']);
  const moved = structuredClone(old);
  (moved.spec as { template: { spec: Record<string, unknown> } }).template.spec.nodeSelector = { zone: 'a' };
  assert.deepEqual(msgs(validateJobUpdate(moved, old)), ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable']);
  const suspended = job({ suspend: true });
  const movedSuspended = structuredClone(suspended);
  (movedSuspended.spec as { template: { spec: Record<string, unknown> } }).template.spec.nodeSelector = { zone: 'a' };
  assert.deepEqual(validateJobUpdate(movedSuspended, suspended), []);
});

test('Job status transitions', () => {
  const old = job();
  const t = '2024-01-01T00:00:00Z';
  const bad = structuredClone(old);
  bad.status = { startTime: t, completionTime: t, conditions: [{ type: 'Complete', status: 'True' }] };
  assert.deepEqual(msgs(validateJobStatusUpdate(bad, old)), [
    'status.conditions: Invalid value: cannot set Complete=True condition without the SuccessCriteriaMet=true condition',
  ]);
  const good = structuredClone(old);
  good.status = {
    startTime: t,
    completionTime: t,
    succeeded: 1,
    conditions: [
      { type: 'SuccessCriteriaMet', status: 'True' },
      { type: 'Complete', status: 'True' },
    ],
  };
  assert.deepEqual(validateJobStatusUpdate(good, old), []);
  const back = structuredClone(good);
  back.status = { startTime: t, succeeded: 0 };
  assert.ok(
    msgs(validateJobStatusUpdate(back, good)).includes(
      'status.conditions: Invalid value: cannot disable the terminal Complete=True condition',
    ),
  );
  assert.ok(
    msgs(validateJobStatusUpdate(back, good)).includes('status.succeeded: Invalid value: 0: cannot decrease the succeeded counter'),
  );
});

test('CronJob schedule, time zone, name and template errors', () => {
  assert.deepEqual(validateCronJobCreate(cronJob()), []);
  assert.deepEqual(validateCronJobCreate(cronJob({ schedule: '@hourly', timeZone: 'Europe/Rome' })), []);
  assert.deepEqual(msgs(validateCronJobCreate(cronJob({ schedule: '* * *' }))), [
    'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]',
  ]);
  assert.deepEqual(msgs(validateCronJobCreate(cronJob({ schedule: 'TZ=UTC 0 * * * *' }))), [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
  assert.deepEqual(msgs(validateCronJobCreate(cronJob({ timeZone: 'Europe/InvalidRome' }))), [
    'spec.timeZone: Invalid value: "Europe/InvalidRome": unknown time zone Europe/InvalidRome',
  ]);
  assert.deepEqual(msgs(validateCronJobCreate(cronJob({ timeZone: 'Local' }))), [
    'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
  ]);
  assert.deepEqual(msgs(validateCronJobCreate(cronJob({ timeZone: '' }))), [
    'spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string',
  ]);
  assert.deepEqual(msgs(validateCronJobCreate(cronJob({ concurrencyPolicy: 'Sometimes' }))), [
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  ]);
  const long = cronJob();
  long.metadata.name = 'a'.repeat(53);
  assert.deepEqual(msgs(validateCronJobCreate(long)), [
    `metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`,
  ]);
  assert.deepEqual(validateCronJobUpdate(long, long), [], 'not checked on update');
  const sel = cronJob();
  (sel.spec as { jobTemplate: { spec: Record<string, unknown> } }).jobTemplate.spec.selector = { matchLabels: { a: 'b' } };
  assert.deepEqual(msgs(validateCronJobCreate(sel)), [
    'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
  ]);
});
