// The CronJob controller with a clock the test moves: each sync is called directly once the
// informers have caught up with the API server, so every schedule decision is the controller's
// own, at a time the test chose.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseSchedule } from '../api/cron.js';
import type { KObject } from '../api/object.js';
import { CRONJOBS, type CronJob, EVENTS, JOBS, type Job } from '../api/types.js';
import { type Informer, SharedInformerFactory } from '../client/informer.js';
import { newTestNamespace, startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, CronJobController, mostRecentScheduleTime, rfc3339InZone } from './cronjob.js';

const MINUTE = 60_000;

let cp: TestControlPlane;
let factory: SharedInformerFactory;
let ctl: CronJobController;
let cjInf: Informer<CronJob>;
let jobInf: Informer<Job>;
let clock = Date.now();

before(async () => {
  cp = await startTestControlPlane();
  const client = cp.newClient('kube-controller-manager/test');
  factory = new SharedInformerFactory(client);
  ctl = new CronJobController(client, factory, { now: () => clock });
  cjInf = factory.informerFor<CronJob>({ ...CRONJOBS });
  jobInf = factory.informerFor<Job>({ ...JOBS });
  factory.start();
  await factory.waitForCacheSync(5000);
  // The loop is not started: the test runs each sync itself.
});

after(async () => {
  await ctl?.stop();
  await factory?.stop();
  await cp?.stop();
});

const newNamespace = (): Promise<string> => newTestNamespace(cp, 'cj-test');

function cronJob(ns: string, name: string, spec: Record<string, unknown>): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
      ...spec,
    },
  };
}

/** Waits until both informers hold what the API server holds for the namespace, then syncs once. */
async function sync(ns: string, name: string): Promise<number | void> {
  await waitFor('informers caught up', async () => {
    const [cjs, jobs] = await Promise.all([cp.client.list({ ...CRONJOBS, namespace: ns }), cp.client.list({ ...JOBS, namespace: ns })]);
    const same = (inf: Informer, items: KObject[]) => {
      const cached = inf.list().filter((o) => o.metadata.namespace === ns);
      return (
        cached.length === items.length &&
        items.every((o) => inf.get(`${ns}/${o.metadata.name}`)?.metadata.resourceVersion === o.metadata.resourceVersion)
      );
    };
    return same(cjInf as unknown as Informer, cjs.items) && same(jobInf as unknown as Informer, jobs.items);
  });
  return ctl.reconcile(`${ns}/${name}`);
}

const jobs = async (ns: string): Promise<Job[]> =>
  (await cp.client.list<Job>({ ...JOBS, namespace: ns })).items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
const getCJ = (ns: string, name: string) => cp.client.get<CronJob>({ ...CRONJOBS, namespace: ns, name });
type Ev = KObject & { reason?: string; message?: string };
const events = async (ns: string) => (await cp.client.list({ ...EVENTS, namespace: ns })).items as Ev[];
/** The first event of this reason (events are recorded in the background). */
const event = (ns: string, reason: string): Promise<Ev> =>
  waitFor(`a ${reason} event`, async () => (await events(ns)).find((e) => e.reason === reason));
const minuteAfter = (t: number): number => Math.floor(t / MINUTE) * MINUTE + MINUTE;
const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function finish(ns: string, name: string, how: 'Complete' | 'Failed', startedAt: number): Promise<void> {
  const t = iso(startedAt + 1000);
  const conditions =
    how === 'Complete'
      ? [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: t },
          { type: 'Complete', status: 'True', lastTransitionTime: t },
        ]
      : [
          { type: 'FailureTarget', status: 'True', lastTransitionTime: t },
          { type: 'Failed', status: 'True', lastTransitionTime: t },
        ];
  const status: Record<string, unknown> = { startTime: iso(startedAt), conditions };
  if (how === 'Complete') status.completionTime = t;
  await cp.client.patch({ ...JOBS, namespace: ns, name, subresource: 'status' }, { status }, 'merge');
}

test('every minute: a Job per scheduled minute, named NAME-<minutes>, with the scheduled-timestamp annotation; lastScheduleTime and lastSuccessfulTime', async () => {
  const ns = await newNamespace();
  const created = await cp.client.create<CronJob>({ ...CRONJOBS, namespace: ns }, cronJob(ns, 'tick', {}));
  assert.equal(created.spec.concurrencyPolicy, 'Allow');
  assert.equal(created.spec.successfulJobsHistoryLimit, 3);
  assert.equal(created.spec.failedJobsHistoryLimit, 1);
  assert.equal(created.spec.suspend, false);
  const t0 = Date.parse(created.metadata.creationTimestamp!);
  const first = minuteAfter(t0);

  clock = t0 + 1;
  const wait = await sync(ns, 'tick');
  assert.equal((await jobs(ns)).length, 0, 'nothing before the first scheduled minute');
  assert.equal(wait, first + 100 - clock, 'looks again just after the next scheduled minute');

  clock = first + 2000;
  const next = await sync(ns, 'tick');
  assert.equal(next, first + MINUTE + 100 - clock);
  let js = await jobs(ns);
  assert.equal(js.length, 1);
  assert.equal(js[0].metadata.name, `tick-${first / MINUTE}`);
  assert.equal(js[0].metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION], iso(first));
  assert.deepEqual(js[0].metadata.labels, { app: 'tick' });
  assert.equal(js[0].metadata.ownerReferences?.[0].kind, 'CronJob');
  assert.equal(js[0].metadata.ownerReferences?.[0].uid, created.metadata.uid);
  let cj = await getCJ(ns, 'tick');
  assert.equal(cj.status?.lastScheduleTime, iso(first));
  assert.deepEqual(
    cj.status?.active?.map((r) => r.name),
    [`tick-${first / MINUTE}`],
  );

  // The same minute again: nothing more.
  clock = first + 30_000;
  await sync(ns, 'tick');
  assert.equal((await jobs(ns)).length, 1);

  // Allow: the next minute starts another while the first still runs.
  clock = first + MINUTE + 1000;
  await sync(ns, 'tick');
  js = await jobs(ns);
  assert.deepEqual(
    js.map((j) => j.metadata.name),
    [`tick-${first / MINUTE}`, `tick-${first / MINUTE + 1}`],
  );

  await finish(ns, js[0].metadata.name!, 'Complete', first);
  await sync(ns, 'tick');
  cj = await getCJ(ns, 'tick');
  assert.deepEqual(
    cj.status?.active?.map((r) => r.name),
    [`tick-${first / MINUTE + 1}`],
  );
  assert.equal((await event(ns, 'SawCompletedJob')).message, `Saw completed job: tick-${first / MINUTE}, status: Complete`);
  // As in Kubernetes, the sync that takes a finished Job off the active list records its success the next time.
  await sync(ns, 'tick');
  assert.equal((await getCJ(ns, 'tick')).status?.lastSuccessfulTime, iso(first + 1000));
  await waitFor('two SuccessfulCreate events', async () => (await events(ns)).filter((e) => e.reason === 'SuccessfulCreate').length === 2);
});

test('history limits: the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit are deleted', async () => {
  const ns = await newNamespace();
  const created = await cp.client.create<CronJob>(
    { ...CRONJOBS, namespace: ns },
    cronJob(ns, 'hist', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }),
  );
  const first = minuteAfter(Date.parse(created.metadata.creationTimestamp!));
  const outcome: ('Complete' | 'Failed')[] = ['Complete', 'Failed', 'Complete', 'Failed', 'Complete'];
  for (const [i, how] of outcome.entries()) {
    clock = first + i * MINUTE + 1000;
    await sync(ns, 'hist');
    await finish(ns, `hist-${first / MINUTE + i}`, how, first + i * MINUTE);
  }
  await sync(ns, 'hist');
  const names = (await jobs(ns)).map((j) => j.metadata.name);
  const m = first / MINUTE;
  // Kept: the two newest successes (minutes 2 and 4) and the newest failure (minute 3).
  assert.deepEqual(names, [`hist-${m + 2}`, `hist-${m + 3}`, `hist-${m + 4}`]);
  await waitFor('the delete recorded', async () =>
    (await events(ns)).some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job hist-${m}`),
  );
});

test('Forbid skips a run while a Job is active; Replace deletes the active Job and starts a new one', async () => {
  const ns = await newNamespace();
  const forbid = await cp.client.create<CronJob>({ ...CRONJOBS, namespace: ns }, cronJob(ns, 'forbid', { concurrencyPolicy: 'Forbid' }));
  const first = minuteAfter(Date.parse(forbid.metadata.creationTimestamp!));
  const m = first / MINUTE;
  clock = first + 1000;
  await sync(ns, 'forbid');
  clock = first + MINUTE + 1000;
  await sync(ns, 'forbid');
  assert.deepEqual(
    (await jobs(ns)).map((j) => j.metadata.name),
    [`forbid-${m}`],
    'the second minute is skipped',
  );
  const skipped = await event(ns, 'JobAlreadyActive');
  assert.equal(skipped.message, 'Not starting job because prior execution is running and concurrency policy is Forbid');
  assert.equal((await getCJ(ns, 'forbid')).status?.lastScheduleTime, iso(first));
  await finish(ns, `forbid-${m}`, 'Complete', first);
  clock = first + 2 * MINUTE + 1000;
  await sync(ns, 'forbid');
  assert.deepEqual(
    (await jobs(ns)).map((j) => j.metadata.name),
    [`forbid-${m}`, `forbid-${m + 2}`],
    'runs again once the active Job finished',
  );

  const ns2 = await newNamespace();
  const replace = await cp.client.create<CronJob>(
    { ...CRONJOBS, namespace: ns2 },
    cronJob(ns2, 'replace', { concurrencyPolicy: 'Replace' }),
  );
  const f2 = minuteAfter(Date.parse(replace.metadata.creationTimestamp!));
  clock = f2 + 1000;
  await sync(ns2, 'replace');
  clock = f2 + MINUTE + 1000;
  await sync(ns2, 'replace');
  await waitFor(
    'the replaced Job deleted',
    async () => (await jobs(ns2)).map((j) => j.metadata.name).join() === `replace-${f2 / MINUTE + 1}`,
  );
  assert.deepEqual(
    (await getCJ(ns2, 'replace')).status?.active?.map((r) => r.name),
    [`replace-${f2 / MINUTE + 1}`],
  );
});

test('startingDeadlineSeconds: a run missed by more than the deadline is not started; suspend starts nothing', async () => {
  const ns = await newNamespace();
  const late = await cp.client.create<CronJob>({ ...CRONJOBS, namespace: ns }, cronJob(ns, 'late', { startingDeadlineSeconds: 10 }));
  const first = minuteAfter(Date.parse(late.metadata.creationTimestamp!));
  // 30 s late with a 10 s deadline: the missed minute is not looked at; the next one is awaited.
  clock = first + 30_000;
  assert.equal(await sync(ns, 'late'), first + MINUTE + 100 - clock);
  assert.equal((await jobs(ns)).length, 0);
  assert.equal((await getCJ(ns, 'late')).status?.lastScheduleTime, undefined);
  clock = first + MINUTE + 5000;
  await sync(ns, 'late');
  assert.equal((await jobs(ns)).length, 1, 'within the deadline it starts');

  const off = await cp.client.create<CronJob>({ ...CRONJOBS, namespace: ns }, cronJob(ns, 'off', { suspend: true }));
  clock = minuteAfter(Date.parse(off.metadata.creationTimestamp!)) + 1000;
  await sync(ns, 'off');
  assert.equal((await jobs(ns)).filter((j) => j.metadata.name!.startsWith('off-')).length, 0);
});

test("timeZone: the schedule runs on the zone's clock and the annotation carries its offset", async () => {
  const ns = await newNamespace();
  const cj = await cp.client.create<CronJob>(
    { ...CRONJOBS, namespace: ns },
    cronJob(ns, 'tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }),
  );
  // 09:00 in Tokyo is 00:00 UTC.
  const day = 24 * 60 * MINUTE;
  const midnight = Math.floor(Date.parse(cj.metadata.creationTimestamp!) / day) * day + day;
  clock = midnight + 1000;
  await sync(ns, 'tokyo');
  const [j] = await jobs(ns);
  assert.equal(j?.metadata.name, `tokyo-${midnight / MINUTE}`);
  const d = new Date(midnight);
  const date = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  assert.equal(j.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION], `${date}T09:00:00+09:00`);
});

test('schedules: descriptors, @every, time zones, and the most recent missed time', () => {
  const at = (s: string, from: string, tz = 'UTC') => parseSchedule(s, tz).next(new Date(from)).toISOString();
  assert.equal(at('@hourly', '2024-01-01T10:20:00Z'), '2024-01-01T11:00:00.000Z');
  assert.equal(at('@midnight', '2024-01-01T10:20:00Z'), '2024-01-02T00:00:00.000Z');
  assert.equal(at('@weekly', '2024-01-01T10:20:00Z'), '2024-01-07T00:00:00.000Z');
  assert.equal(at('@every 90s', '2024-01-01T10:20:00.400Z'), '2024-01-01T10:21:30.000Z');
  assert.equal(at('0 9 * * 1-5', '2024-01-06T00:00:00Z'), '2024-01-08T09:00:00.000Z');
  assert.equal(at('0 9 * * *', '2024-03-09T23:00:00Z', 'America/New_York'), '2024-03-10T13:00:00.000Z', 'daylight saving time starts');
  assert.equal(at('0 0 13 * 5', '2024-01-01T00:00:00Z'), '2024-01-05T00:00:00.000Z', 'day of month OR day of week');
  assert.throws(() => parseSchedule('* * * *'), /^Error: expected exactly 5 fields, found 4: \[\* \* \* \*\]$/);
  assert.throws(() => parseSchedule('0 0 * * 7'), /end of range \(7\) above maximum \(6\): 7/);
  assert.throws(() => parseSchedule('0 0 L * *'), /failed to parse int from L/);
  assert.throws(() => parseSchedule('@fortnightly'), /unrecognized descriptor: @fortnightly/);
  assert.equal(rfc3339InZone(Date.parse('2024-07-01T12:00:00Z'), 'Europe/Rome'), '2024-07-01T14:00:00+02:00');
  assert.equal(rfc3339InZone(Date.parse('2024-07-01T12:00:00Z'), undefined), '2024-07-01T12:00:00Z');
  // Three hours missed on an hourly schedule: the most recent is the last full hour.
  const cj = {
    metadata: { creationTimestamp: '2024-01-01T00:10:00Z' },
    spec: { schedule: '@hourly', jobTemplate: {} },
  } as unknown as CronJob;
  const r = mostRecentScheduleTime(cj, Date.parse('2024-01-01T03:30:00Z'), parseSchedule('@hourly', 'UTC'), true);
  assert.equal(new Date(r.mostRecent!).toISOString(), '2024-01-01T03:00:00.000Z');
  assert.equal(r.missed, 'few');
});
