// The Job and TTL-after-finished controllers against an in-process API server, with simulated
// nodes as the kubelets (Job pods run for a short while, then end with the exit code their
// k8ts.io/simulated-exit-code annotation names) and the garbage collector for foreground deletes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/object.js';
import { EVENTS, JOBS, type Job, PODS, type Pod } from '../api/types.js';
import { serverPreferredResources } from '../client/discovery.js';
import { SIMULATED_EXIT_CODE_ANNOTATION } from '../node/simulated.js';
import { newTestNamespace, startTestControlPlane, type TestControlPlane, testLog } from '../testing/controlplane.js';
import { type SimulatedCluster, startSimulatedCluster } from '../testing/simulatedcluster.js';
import { waitFor } from '../testing/wait.js';
import { GarbageCollector } from './garbagecollector.js';
import { JobController } from './job.js';
import { TTLAfterFinishedController } from './ttlafterfinished.js';

let cp: TestControlPlane;
let cluster: SimulatedCluster;
let node: string;

before(async () => {
  cp = await startTestControlPlane();
  cluster = await startSimulatedCluster(cp, {
    nodes: 1,
    sim: { heartbeatMs: 1000, readyDelayMs: 30, jobPodRunMs: 60, deleteDelayMs: 10 },
    controllers: async (client, factory) => [
      new JobController(client, factory, { log: testLog, syncBatchMs: 20, podFailureBackoffMs: 100, maxPodFailureBackoffMs: 400 }),
      new TTLAfterFinishedController(client, factory, { log: testLog }),
      new GarbageCollector(client, factory, await serverPreferredResources(client), testLog),
    ],
  });
  [node] = cluster.nodes;
});

after(async () => {
  await cluster?.stop();
  await cp?.stop();
});

const newNamespace = (): Promise<string> => newTestNamespace(cp, 'job-test');

function job(ns: string, name: string, spec: Record<string, unknown> = {}, podAnnotations: Record<string, string> = {}): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns },
    spec: {
      ...spec,
      template: {
        metadata: { annotations: podAnnotations },
        spec: {
          nodeName: node,
          restartPolicy: 'Never',
          containers: [{ name: 'work', image: 'busybox' }],
          ...((spec.podSpec as object) ?? {}),
        },
      },
      podSpec: undefined,
    },
  };
}

const getJob = (ns: string, name: string): Promise<Job> => cp.client.get<Job>({ ...JOBS, namespace: ns, name });
const pods = async (ns: string): Promise<Pod[]> => (await cp.client.list<Pod>({ ...PODS, namespace: ns })).items;
const cond = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type);
const finished = async (ns: string, name: string, type: 'Complete' | 'Failed', timeoutMs = 15_000): Promise<Job> =>
  waitFor(
    `${name} ${type}`,
    async () => {
      const j = await getJob(ns, name);
      return cond(j, type)?.status === 'True' ? j : undefined;
    },
    timeoutMs,
  );
const reasons = async (ns: string): Promise<string[]> =>
  (await cp.client.list({ ...EVENTS, namespace: ns })).items.map((e) => String(e.reason));

test('a Job of 5 completions runs at most 2 pods at once and completes; finalizers go once pods are counted', async () => {
  const ns = await newNamespace();
  let maxActive = 0;
  const watchActive = setInterval(async () => {
    const running = (await pods(ns).catch(() => [])).filter(
      (p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? '') && !p.metadata.deletionTimestamp,
    ).length;
    maxActive = Math.max(maxActive, running);
  }, 10);
  try {
    const created = await cp.client.create<Job>({ ...JOBS, namespace: ns }, job(ns, 'five', { completions: 5, parallelism: 2 }));
    // The API server's defaults and generated selector.
    assert.equal(created.spec.backoffLimit, 6);
    assert.equal(created.spec.completionMode, 'NonIndexed');
    assert.equal(created.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(created.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': created.metadata.uid } });
    const done = await finished(ns, 'five', 'Complete');
    assert.equal(done.status?.succeeded, 5);
    assert.equal(done.status?.failed, undefined);
    assert.equal(done.status?.active, undefined);
    assert.equal(done.status?.ready, 0);
    assert.equal(done.status?.terminating, 0);
    assert.deepEqual(done.status?.uncountedTerminatedPods, {});
    assert.ok(done.status?.completionTime && done.status.startTime);
    assert.equal(cond(done, 'SuccessCriteriaMet')?.reason, 'CompletionsReached');
    assert.equal(cond(done, 'Complete')?.message, 'Reached expected number of succeeded pods');
    const ps = await pods(ns);
    assert.equal(ps.length, 5);
    for (const p of ps) {
      assert.equal(p.status?.phase, 'Succeeded');
      assert.ok(!(p.metadata.finalizers ?? []).includes('batch.kubernetes.io/job-tracking'), 'finalizer removed');
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-name'], 'five');
      assert.equal(p.metadata.labels?.['job-name'], 'five');
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/controller-uid'], created.metadata.uid);
      assert.match(p.metadata.name!, /^five-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata.ownerReferences?.[0], {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: 'five',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      });
    }
    assert.ok(maxActive <= 2, `at most 2 active pods at once, saw ${maxActive}`);
    const rs = await reasons(ns);
    assert.equal(rs.filter((r) => r === 'SuccessfulCreate').length, 5);
    assert.ok(rs.includes('Completed'));
  } finally {
    clearInterval(watchActive);
  }
});

test('an Indexed Job gives each pod its index: annotation, label, JOB_COMPLETION_INDEX, hostname NAME-INDEX', async () => {
  const ns = await newNamespace();
  await cp.client.create({ ...JOBS, namespace: ns }, job(ns, 'idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  const done = await finished(ns, 'idx', 'Complete');
  assert.equal(done.status?.completedIndexes, '0-2');
  assert.equal(done.status?.succeeded, 3);
  const ps = (await pods(ns)).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  assert.deepEqual(
    ps.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']),
    ['0', '1', '2'],
  );
  ps.forEach((p, i) => {
    assert.match(p.metadata.name!, new RegExp(`^idx-${i}-[a-z0-9]{5}$`));
    assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], String(i));
    assert.equal((p.spec as { hostname?: string }).hostname, `idx-${i}`);
    const env =
      (p.spec as { containers: { env?: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[] }[] }).containers[0].env ?? [];
    assert.deepEqual(
      env.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath,
      "metadata.labels['batch.kubernetes.io/job-completion-index']",
    );
  });
});

test('a failing Job stops at backoffLimit: FailureTarget, then Failed with BackoffLimitExceeded', async () => {
  const ns = await newNamespace();
  // When each pod was first seen, and when it was first seen Failed (the API's times are in seconds).
  const seen = new Map<string, number>(),
    failedAt = new Map<string, number>();
  const poll = setInterval(async () => {
    for (const p of await pods(ns).catch(() => [])) {
      if (!seen.has(p.metadata.name!)) seen.set(p.metadata.name!, Date.now());
      if (p.status?.phase === 'Failed' && !failedAt.has(p.metadata.name!)) failedAt.set(p.metadata.name!, Date.now());
    }
  }, 5);
  await cp.client.create({ ...JOBS, namespace: ns }, job(ns, 'fails', { backoffLimit: 2 }, { [SIMULATED_EXIT_CODE_ANNOTATION]: '1' }));
  const done = await finished(ns, 'fails', 'Failed').finally(() => clearInterval(poll));
  assert.equal(cond(done, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal(cond(done, 'Failed')?.message, 'Job has reached the specified backoff limit');
  assert.equal(cond(done, 'FailureTarget')?.status, 'True');
  assert.equal(cond(done, 'Complete'), undefined);
  assert.equal(done.status?.failed, 3);
  assert.equal(done.status?.completionTime, undefined);
  const ps = await pods(ns);
  assert.equal(ps.length, 3, 'backoffLimit 2: three pods in all');
  // Each replacement came after the previous pod failed (the back-off itself: job-util.test.ts;
  // pods report when they finished in whole seconds, so a 100 ms back-off is not measurable here).
  const order = [...seen.entries()].sort((a, b) => a[1] - b[1]);
  assert.ok(order[1][1] >= failedAt.get(order[0][0])!, 'first replacement after the first failure');
  assert.ok(order[2][1] >= failedAt.get(order[1][0])!, 'second replacement after the second failure');
  assert.ok((await reasons(ns)).includes('BackoffLimitExceeded'));
});

test('a podFailurePolicy FailJob rule on an exit code fails the Job at the first such failure', async () => {
  const ns = await newNamespace();
  await cp.client.create(
    { ...JOBS, namespace: ns },
    job(
      ns,
      'pfp',
      {
        completions: 3,
        parallelism: 1,
        backoffLimit: 6,
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'work', operator: 'In', values: [42] } }] },
      },
      { [SIMULATED_EXIT_CODE_ANNOTATION]: '42' },
    ),
  );
  const done = await finished(ns, 'pfp', 'Failed');
  const failed = cond(done, 'Failed')!;
  assert.equal(failed.reason, 'PodFailurePolicy');
  const [pod] = await pods(ns);
  assert.equal(
    failed.message,
    `Container work for pod ${ns}/${pod.metadata.name} failed with exit code 42 matching FailJob rule at index 0`,
  );
  assert.equal(done.status?.failed, 1);
  assert.equal((await pods(ns)).length, 1);
  assert.equal(done.spec.podReplacementPolicy, 'Failed', 'defaulted with a podFailurePolicy');
});

test('an Ignore rule does not count the failure; the deadline ends the Job', async () => {
  const ns = await newNamespace();
  // Exit code 3 is ignored: the pods are replaced without reaching backoffLimit 0, until the deadline.
  await cp.client.create(
    { ...JOBS, namespace: ns },
    job(
      ns,
      'ignored',
      {
        backoffLimit: 0,
        activeDeadlineSeconds: 2,
        podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }] },
      },
      { [SIMULATED_EXIT_CODE_ANNOTATION]: '3' },
    ),
  );
  const done = await finished(ns, 'ignored', 'Failed');
  assert.equal(cond(done, 'Failed')?.reason, 'DeadlineExceeded');
  assert.equal(cond(done, 'Failed')?.message, 'Job was active longer than specified deadline');
  const created = (await reasons(ns)).filter((r) => r === 'SuccessfulCreate').length;
  assert.ok(created >= 3, `the ignored pods were replaced (${created} pods)`);
  // Only the pod still running at the deadline counts, as deleted by the controller.
  assert.ok((done.status?.failed ?? 0) <= 1, `ignored failures are not counted (failed ${done.status?.failed})`);
});

test('backoffLimitPerIndex: each index fails on its own; failedIndexes and the FailedIndexes reason', async () => {
  const ns = await newNamespace();
  await cp.client.create(
    { ...JOBS, namespace: ns },
    job(
      ns,
      'perindex',
      {
        completions: 2,
        parallelism: 2,
        completionMode: 'Indexed',
        backoffLimitPerIndex: 1,
      },
      { [SIMULATED_EXIT_CODE_ANNOTATION]: '1' },
    ),
  );
  const created = await getJob(ns, 'perindex');
  assert.equal(created.spec.backoffLimit, 2147483647);
  const done = await finished(ns, 'perindex', 'Failed');
  assert.equal(cond(done, 'Failed')?.reason, 'FailedIndexes');
  assert.equal(done.status?.failedIndexes, '0,1');
  assert.equal(done.status?.failed, 4, 'two tries per index');
  const counts = (await pods(ns))
    .map(
      (p) =>
        `${p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']}:${p.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']}`,
    )
    .sort();
  assert.deepEqual(counts, ['0:0', '0:1', '1:0', '1:1']);
});

test('a successPolicy ends an Indexed Job once its indexes succeeded', async () => {
  const ns = await newNamespace();
  await cp.client.create(
    { ...JOBS, namespace: ns },
    job(ns, 'leader', {
      completions: 3,
      parallelism: 1,
      completionMode: 'Indexed',
      successPolicy: { rules: [{ succeededIndexes: '0' }] },
    }),
  );
  const done = await finished(ns, 'leader', 'Complete');
  assert.equal(cond(done, 'SuccessCriteriaMet')?.reason, 'SuccessPolicy');
  assert.equal(cond(done, 'SuccessCriteriaMet')?.message, 'Matched rules at index 0');
  assert.equal(done.status?.completedIndexes, '0');
});

test('suspend: no pods while suspended (Suspended condition); resumed, it runs and completes', async () => {
  const ns = await newNamespace();
  await cp.client.create({ ...JOBS, namespace: ns }, job(ns, 'later', { suspend: true }));
  const suspended = await waitFor('Suspended', async () => {
    const j = await getJob(ns, 'later');
    return cond(j, 'Suspended')?.status === 'True' ? j : undefined;
  });
  assert.equal(cond(suspended, 'Suspended')?.reason, 'JobSuspended');
  assert.equal(suspended.status?.startTime, undefined);
  assert.equal((await pods(ns)).length, 0);
  await cp.client.patch({ ...JOBS, namespace: ns, name: 'later' }, { spec: { suspend: false } }, 'merge');
  const done = await finished(ns, 'later', 'Complete');
  assert.equal(cond(done, 'Suspended')?.status, 'False');
  assert.equal(cond(done, 'Suspended')?.reason, 'JobResumed');
  assert.ok((await reasons(ns)).includes('Resumed'));
});

test('restartPolicy OnFailure: container restarts count against backoffLimit', async () => {
  const ns = await newNamespace();
  await cp.client.create(
    { ...JOBS, namespace: ns },
    job(ns, 'restarts', { backoffLimit: 2, podSpec: { restartPolicy: 'OnFailure' } }, { [SIMULATED_EXIT_CODE_ANNOTATION]: '1' }),
  );
  const done = await finished(ns, 'restarts', 'Failed');
  assert.equal(cond(done, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal((await reasons(ns)).filter((r) => r === 'SuccessfulCreate').length, 1, 'the one pod restarted its container');
});

test('ttlSecondsAfterFinished: the finished Job and its pods are deleted', async () => {
  const ns = await newNamespace();
  await cp.client.create({ ...JOBS, namespace: ns }, job(ns, 'short', { ttlSecondsAfterFinished: 1 }));
  await finished(ns, 'short', 'Complete');
  await waitFor('the Job deleted', async () => (await cp.client.list({ ...JOBS, namespace: ns })).items.length === 0, 10_000);
  await waitFor('its pods deleted', async () => (await pods(ns)).length === 0, 10_000);
});

test('a Job deleted without a propagation policy orphans its pods, with the warning', async () => {
  const ns = await newNamespace();
  await cp.client.create({ ...JOBS, namespace: ns }, job(ns, 'orphans'));
  await finished(ns, 'orphans', 'Complete');
  const res = await fetch(`${cp.url}/apis/batch/v1/namespaces/${ns}/jobs/orphans`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${cp.token}` },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('warning') ?? '', /child pods are preserved by default when jobs are deleted/);
  await res.text();
  await waitFor('the Job deleted', async () => (await cp.client.list({ ...JOBS, namespace: ns })).items.length === 0);
  const [p] = await pods(ns);
  assert.ok(p, 'the pod stays');
  await waitFor('the pod orphaned', async () => ((await pods(ns))[0]?.metadata.ownerReferences ?? []).length === 0);
});
