// Jobs and CronJobs on a real node (k8ts up's own), driven by the stock kubectl: the batch/v1
// part of issue #16. Pods run the built-in busybox as real processes; the node agent reports
// Succeeded and Failed as the kubelet does. Needs root on Linux (network namespaces).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { ownNodeArgs, TestCluster } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const cluster = new TestCluster('batch', 'memory');

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
const jobPods = async (job: string) => (await json('get', 'pods', '-l', `batch.kubernetes.io/job-name=${job}`)).items as any[];
const condition = (obj: any, type: string) => (obj.status?.conditions ?? []).find((c: any) => c.type === type);

function jobYAML(name: string, spec: Record<string, unknown>, command: string, podSpec: Record<string, unknown> = {}): string {
  return YAML.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...spec,
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['sh', '-c', command] }], ...podSpec },
      },
    },
  });
}

describe('Jobs and CronJobs on a real node', { skip: root ? false : 'needs root on Linux (network namespaces)' }, () => {
  let cronCreatedAt = 0;

  before(async () => {
    await cluster.up(ownNodeArgs('bat'));
    await cluster.waitFor('node Ready', async () => /bat-node\s+Ready/.test(await cluster.k('get', 'nodes')), 60_000);
    // A CronJob every minute, made first so that its minute passes while the other tests run.
    await cluster.k('create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'sh', '-c', 'echo tick');
    cronCreatedAt = Date.now();
  });
  after(async () => {
    await cluster.stop();
  });

  test('a Job with completions 5 and parallelism 2 completes; kubectl shows its columns and pods', async () => {
    await cluster.kIn(jobYAML('five', { completions: 5, parallelism: 2 }, 'echo done $(hostname)'), 'apply', '-f', '-');
    let maxActive = 0;
    await cluster.waitFor(
      'five complete',
      async () => {
        const job = await json('get', 'job', 'five');
        maxActive = Math.max(maxActive, job.status?.active ?? 0);
        return condition(job, 'Complete')?.status === 'True';
      },
      120_000,
    );
    assert.ok(maxActive <= 2, `parallelism 2 (saw ${maxActive} active)`);
    const job = await json('get', 'job', 'five');
    assert.equal(job.status.succeeded, 5);
    assert.equal(condition(job, 'SuccessCriteriaMet')?.status, 'True');
    assert.match(
      await cluster.k('get', 'job', 'five'),
      /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\nfive\s+Complete\s+5\/5\s+\d+s\s+\d+s\n$/,
    );
    const pods = await jobPods('five');
    assert.equal(pods.length, 5);
    for (const p of pods) {
      assert.equal(p.status.phase, 'Succeeded');
      assert.equal(p.status.containerStatuses[0].state.terminated.reason, 'Completed');
      assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 0);
      assert.deepEqual(p.metadata.finalizers ?? [], []);
      assert.match(await cluster.k('logs', p.metadata.name), new RegExp(`^done ${p.metadata.name}\\n$`));
    }
    assert.match(await cluster.k('get', 'pods', '-l', 'job-name=five'), /five-[a-z0-9]{5}\s+0\/1\s+Completed\s+0\s+/);
    const desc = await cluster.k('describe', 'job', 'five');
    assert.match(desc, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 5 Succeeded \/ 0 Failed/);
    assert.match(desc, /Normal\s+Completed\s+.*job-controller\s+Job completed/);
  });

  test("an Indexed Job's pods see their index (JOB_COMPLETION_INDEX) and hostname NAME-INDEX", async () => {
    await cluster.kIn(
      jobYAML('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"'),
      'apply',
      '-f',
      '-',
    );
    await cluster.k('wait', '--for=condition=complete', 'job/idx', '--timeout=120s');
    const job = await json('get', 'job', 'idx');
    assert.equal(job.status.completedIndexes, '0-2');
    const pods = await jobPods('idx');
    const seen: string[] = [];
    for (const p of pods) {
      const ix = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      assert.equal(p.metadata.labels['batch.kubernetes.io/job-completion-index'], ix);
      assert.match(p.metadata.name, new RegExp(`^idx-${ix}-[a-z0-9]{5}$`));
      const out = await cluster.k('logs', p.metadata.name);
      assert.equal(out, `index=${ix} host=idx-${ix}\n`);
      seen.push(ix);
    }
    assert.deepEqual(seen.sort(), ['0', '1', '2']);
  });

  test('a failing Job stops at backoffLimit with Failed/BackoffLimitExceeded', async () => {
    await cluster.kIn(jobYAML('fails', { backoffLimit: 1 }, 'echo failing; exit 3'), 'apply', '-f', '-');
    await cluster.k('wait', '--for=condition=failed', 'job/fails', '--timeout=120s');
    const job = await json('get', 'job', 'fails');
    const failed = condition(job, 'Failed');
    assert.equal(failed.reason, 'BackoffLimitExceeded');
    assert.equal(failed.message, 'Job has reached the specified backoff limit');
    assert.equal(job.status.failed, 2);
    const pods = await jobPods('fails');
    assert.equal(pods.length, 2, 'one try and one retry');
    for (const p of pods) {
      assert.equal(p.status.phase, 'Failed');
      assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 3);
      assert.equal(p.status.containerStatuses[0].state.terminated.reason, 'Error');
    }
    assert.match(await cluster.k('get', 'job', 'fails'), /^fails\s+Failed\s+0\/1\s+/m);
    assert.match(
      await cluster.k('get', 'events', '--field-selector', 'involvedObject.name=fails'),
      /Warning\s+BackoffLimitExceeded\s+job\/fails\s+Job has reached the specified backoff limit/,
    );
  });

  test('a podFailurePolicy rule on an exit code fails the Job at once', async () => {
    await cluster.kIn(
      jobYAML(
        'pfp',
        {
          backoffLimit: 6,
          podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'work', operator: 'In', values: [42] } }] },
        },
        'exit 42',
      ),
      'apply',
      '-f',
      '-',
    );
    await cluster.k('wait', '--for=condition=failed', 'job/pfp', '--timeout=60s');
    const job = await json('get', 'job', 'pfp');
    const [pod] = await jobPods('pfp');
    assert.equal(condition(job, 'Failed').reason, 'PodFailurePolicy');
    assert.equal(
      condition(job, 'Failed').message,
      `Container work for pod default/${pod.metadata.name} failed with exit code 42 matching FailJob rule at index 0`,
    );
    assert.equal((await jobPods('pfp')).length, 1, 'no retry despite backoffLimit 6');
  });

  test('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
    await cluster.kIn(jobYAML('shortlived', { ttlSecondsAfterFinished: 2 }, 'true'), 'apply', '-f', '-');
    await cluster.k('wait', '--for=condition=complete', 'job/shortlived', '--timeout=60s');
    await cluster.waitFor(
      'the Job deleted',
      async () => (await cluster.kubectl(['get', 'job', 'shortlived'])).stderr.includes('NotFound'),
      30_000,
    );
    await cluster.waitFor('its pods deleted', async () => (await jobPods('shortlived')).length === 0, 30_000);
  });

  test("bad Jobs and CronJobs are refused with Kubernetes' messages", async () => {
    const r = await cluster.kubectl(['apply', '-f', '-'], { input: jobYAML('always', {}, 'true', { restartPolicy: 'Always' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.template\.spec\.restartPolicy: Required value: valid values: "OnFailure", "Never"/);
    const c = await cluster.kubectl(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=* * *']);
    assert.notEqual(c.code, 0);
    assert.match(c.stderr, /spec\.schedule: Invalid value: "\* \* \*": expected exactly 5 fields, found 3: \[\* \* \*\]/);
  });

  test('a CronJob every minute creates a Job on schedule that completes; get cronjob shows it', async () => {
    const header = await cluster.k('get', 'cronjob', 'tick');
    assert.match(
      header,
      /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ntick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d+\s+\S+\s+\S+\n$/,
    );
    // The first minute boundary after it was made, plus the job's run: at most ~2 minutes.
    const cj = await cluster.waitFor(
      'a successful run',
      async () => {
        const o = await json('get', 'cronjob', 'tick');
        return o.status?.lastSuccessfulTime ? o : undefined;
      },
      150_000,
    );
    const scheduled = Date.parse(cj.status.lastScheduleTime);
    assert.equal(new Date(scheduled).getUTCSeconds(), 0, 'on a minute boundary');
    assert.ok(scheduled >= cronCreatedAt - 60_000, 'after it was made');
    const jobs = (await json('get', 'jobs')).items.filter((j: any) => j.metadata.ownerReferences?.[0]?.name === 'tick');
    const j = jobs.find((x: any) => x.metadata.name === `tick-${scheduled / 60_000}`);
    assert.ok(j, `job tick-${scheduled / 60_000} exists`);
    assert.equal(
      j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'],
      new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
    assert.equal(j.spec.template.spec.restartPolicy, 'OnFailure');
    const [pod] = await jobPods(j.metadata.name);
    assert.equal(await cluster.k('logs', pod.metadata.name), 'tick\n');
    assert.match(await cluster.k('get', 'cronjob', 'tick'), /^tick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d+\s+\d+s\s+/m);
  });

  test("kubectl create job --from=cronjob/NAME runs the CronJob's template now", async () => {
    await cluster.k('create', 'job', '--from=cronjob/tick', 'tick-manual');
    await cluster.k('wait', '--for=condition=complete', 'job/tick-manual', '--timeout=60s');
    const job = await json('get', 'job', 'tick-manual');
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    assert.equal(job.metadata.ownerReferences[0].name, 'tick');
    const [pod] = await jobPods('tick-manual');
    assert.equal(await cluster.k('logs', pod.metadata.name), 'tick\n');
    await cluster.k('delete', 'cronjob', 'tick');
  });
});
