import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isPodReady } from '../api/conditions.js';
import type { KObject } from '../api/object.js';
import {
  DEPLOYMENTS as DEPLOY,
  type Deployment,
  type DeploymentSpec,
  EVENTS,
  PODS,
  type Pod,
  type ReplicaSet,
  REPLICASETS as RS,
} from '../api/types.js';
import { Informer } from '../client/informer.js';
import { newTestNamespace, startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { computeHash, equalIgnoreHash, resolveFenceposts } from './deployment-util.js';
import { type FakeKubelet, startFakeKubelet, startWorkloadControllers, type Workloads } from './workload-testing.js';

const NEVER = 'registry.example/never-ready:1';

let cp: TestControlPlane;
let w: Workloads;
let kubelet: FakeKubelet;

before(async () => {
  cp = await startTestControlPlane();
  w = await startWorkloadControllers(cp);
  kubelet = await startFakeKubelet(cp.newClient('kubelet'), {
    delayMs: 20,
    neverReady: (p) => ((p.spec?.containers as { image?: string }[] | undefined) ?? []).some((c) => c.image === NEVER),
  });
});

after(async () => {
  await kubelet?.stop();
  await w?.stop();
  await cp?.stop();
});

const newNamespace = (): Promise<string> => newTestNamespace(cp, 'deploy-test');

function deployment(name: string, replicas: number, image: string, spec: Partial<DeploymentSpec> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
      ...spec,
    },
  };
}

const create = (ns: string, d: Deployment) => cp.client.create<Deployment>({ ...DEPLOY, namespace: ns }, d);
const getD = (ns: string, name: string) => cp.client.get<Deployment>({ ...DEPLOY, namespace: ns, name });
const listRS = async (ns: string): Promise<ReplicaSet[]> =>
  (await cp.client.list<ReplicaSet>({ ...RS, namespace: ns })).items.sort(
    (a, b) =>
      Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) -
      Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
  );
const events = async (ns: string, reason?: string): Promise<KObject[]> =>
  (await cp.client.list({ ...EVENTS, namespace: ns })).items.filter((e) => !reason || e.reason === reason);
const setImage = (ns: string, name: string, image: string) =>
  cp.client.patch(
    { ...DEPLOY, namespace: ns, name },
    { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
    'strategic',
  );
const scale = (ns: string, name: string, replicas: number) =>
  cp.client.patch({ ...DEPLOY, namespace: ns, name, subresource: 'scale' }, { spec: { replicas } }, 'merge');

/** What `kubectl rollout status` waits for. */
async function rolledOut(ns: string, name: string, timeoutMs = 10_000): Promise<Deployment> {
  return waitFor(
    `deployment ${name} rolled out`,
    async () => {
      const d = await getD(ns, name);
      const s = d.status ?? {};
      const want = d.spec.replicas ?? 1;
      const progressing = s.conditions?.find((c) => c.type === 'Progressing');
      const ok =
        (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) &&
        (s.updatedReplicas ?? 0) === want &&
        (s.replicas ?? 0) === want &&
        (s.availableReplicas ?? 0) === want &&
        progressing?.reason === 'NewReplicaSetAvailable';
      return ok ? d : undefined;
    },
    timeoutMs,
  );
}

/** Checks a rolling update's bounds on every pod event, counting pods not being deleted. */
async function watchInvariant(
  ns: string,
  app: string,
  bounds: () => { min: number; max: number },
): Promise<{ violations: string[]; events: () => number; stop(): Promise<void> }> {
  const inf = new Informer<Pod>(cp.client, { group: '', version: 'v1', resource: 'pods', namespace: ns });
  const violations: string[] = [];
  let n = 0;
  let synced = false;
  const check = (): void => {
    // The initial list arrives one pod at a time: judge only whole states.
    if (!synced) return;
    n++;
    const pods = inf
      .list()
      .filter(
        (p) =>
          p.metadata.labels?.app === app &&
          !p.metadata.deletionTimestamp &&
          p.status?.phase !== 'Failed' &&
          p.status?.phase !== 'Succeeded',
      );
    const available = pods.filter(isPodReady).length;
    const { min, max } = bounds();
    if (available < min) violations.push(`available ${available} < ${min}`);
    if (pods.length > max) violations.push(`total ${pods.length} > ${max}`);
  };
  inf.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
  inf.start();
  await inf.waitForSync(5000);
  synced = true;
  check();
  return { violations, events: () => n, stop: () => inf.stop() };
}

test('pod-template-hash, fenceposts and template equality', () => {
  const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } };
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeHash(JSON.parse(JSON.stringify(t))), h, 'stable');
  assert.notEqual(computeHash({ ...t, spec: { containers: [{ name: 'c', image: 'v2' }] } }), h, 'changes with the template');
  assert.notEqual(computeHash(t, 1), h, 'changes with collisionCount');
  assert.notEqual(computeHash(t, 0), h, 'a zero collisionCount counts too');
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
  assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, '10%', 5), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts(2, 0, 5), { surge: 2, unavailable: 0 });
  const withHash = { ...t, metadata: { labels: { app: 'x', 'pod-template-hash': h } } };
  assert.ok(equalIgnoreHash(withHash, t));
  // As kubectl rollout undo sends it: Go's zero values written out.
  const goStyle = {
    metadata: { creationTimestamp: null, labels: { app: 'x' } },
    spec: { containers: [{ name: 'c', image: 'v1', resources: {} }] },
  };
  assert.ok(equalIgnoreHash(withHash, goStyle as never));
  assert.equal(computeHash(goStyle as never), h);
  assert.ok(!equalIgnoreHash(withHash, { ...t, spec: { containers: [{ name: 'c', image: 'v2' }] } }));
});

test('a new deployment gets a ReplicaSet with the template hash, revision 1, status and conditions', async () => {
  const ns = await newNamespace();
  const created = await create(ns, deployment('web', 3, 'nginx:1'));
  const d = await rolledOut(ns, 'web');
  const [rs, ...others] = await listRS(ns);
  assert.equal(others.length, 0);
  const hash = rs.metadata.labels!['pod-template-hash'];
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.deepEqual(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(rs.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
  assert.deepEqual(rs.spec.template?.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(rs.metadata.ownerReferences, [
    { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true },
  ]);
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const pods = (await cp.client.list<Pod>({ ...PODS, namespace: ns })).items;
  assert.equal(pods.length, 3);
  for (const p of pods) assert.match(p.metadata.name!, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));

  const { conditions, ...counts } = d.status!;
  assert.deepEqual(counts, {
    observedGeneration: d.metadata.generation,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
  });
  assert.deepEqual(
    conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`],
    ],
  );
  for (const c of conditions!) assert.ok(c.lastUpdateTime && c.lastTransitionTime);
  const ev = await waitFor('ScalingReplicaSet event', async () => (await events(ns, 'ScalingReplicaSet'))[0]);
  assert.equal(ev.message, `Scaled up replica set web-${hash} from 0 to 3`);
  assert.deepEqual(ev.source, { component: 'deployment-controller' });
  assert.equal((ev.involvedObject as { kind: string }).kind, 'Deployment');

  // An orphaned ReplicaSet that the selector matches is adopted again.
  await cp.client.patch({ ...RS, namespace: ns, name: rs.metadata.name }, { metadata: { ownerReferences: null } }, 'merge');
  await waitFor(
    're-adoption',
    async () =>
      (await cp.client.get<ReplicaSet>({ ...RS, namespace: ns, name: rs.metadata.name })).metadata.ownerReferences?.[0]?.uid ===
      created.metadata.uid,
  );

  // kubectl scale: the one active ReplicaSet follows.
  await scale(ns, 'web', 5);
  await rolledOut(ns, 'web');
  await waitFor('scale-up event', async () =>
    (await events(ns, 'ScalingReplicaSet')).some((e) => e.message === `Scaled up replica set web-${hash} from 3 to 5`),
  );
  assert.equal((await listRS(ns)).length, 1);
});

test('rolling update keeps within maxSurge/maxUnavailable on every pod event', async () => {
  const ns = await newNamespace();
  await create(ns, deployment('roll', 4, 'app:v1'));
  await rolledOut(ns, 'roll');
  let bounds = { min: 4 - 1, max: 4 + 1 }; // 25% of 4: surge 1, unavailable 1
  const inv = await watchInvariant(ns, 'roll', () => bounds);
  try {
    await setImage(ns, 'roll', 'app:v2');
    const d = await rolledOut(ns, 'roll');
    const [v1, v2] = await listRS(ns);
    assert.equal(v1.spec.replicas, 0);
    assert.equal(v2.spec.template?.spec?.containers && (v2.spec.template.spec.containers as { image: string }[])[0].image, 'app:v2');
    assert.equal(v2.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    const msgs = (await events(ns, 'ScalingReplicaSet')).map((e) => e.message);
    assert.ok(msgs.includes(`Scaled up replica set ${v2.metadata.name} from 0 to 1`), msgs.join('\n'));
    assert.ok(msgs.includes(`Scaled down replica set ${v1.metadata.name} from 4 to 3`), msgs.join('\n'));
    assert.ok(msgs.includes(`Scaled down replica set ${v1.metadata.name} from 1 to 0`), msgs.join('\n'));

    // Surge only: never fewer than 4 available, at most 6 pods.
    bounds = { min: 4, max: 6 };
    await cp.client.patch(
      { ...DEPLOY, namespace: ns, name: 'roll' },
      {
        spec: {
          strategy: { rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } },
          template: { spec: { containers: [{ name: 'app', image: 'app:v3' }] } },
        },
      },
      'strategic',
    );
    await rolledOut(ns, 'roll');
    assert.equal((await listRS(ns)).length, 3);
  } finally {
    await inv.stop();
  }
  assert.ok(inv.events() > 10, `saw ${inv.events()} pod events`);
  assert.deepEqual(inv.violations, []);
});

test('Recreate scales the old ReplicaSet to zero and waits for its pods before the new one', async () => {
  const ns = await newNamespace();
  await create(ns, deployment('rec', 3, 'app:v1', { strategy: { type: 'Recreate' } }));
  await rolledOut(ns, 'rec');
  const overlap: string[] = [];
  const inf = new Informer<Pod>(cp.client, { group: '', version: 'v1', resource: 'pods', namespace: ns });
  const check = (): void => {
    const live = inf.list().filter((p) => !p.metadata.deletionTimestamp);
    const img = (p: Pod) => p.spec?.containers[0]?.image;
    const oldN = live.filter((p) => img(p) === 'app:v1').length,
      newN = live.filter((p) => img(p) === 'app:v2').length;
    if (oldN > 0 && newN > 0) overlap.push(`${oldN} old with ${newN} new`);
  };
  inf.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
  inf.start();
  try {
    await setImage(ns, 'rec', 'app:v2');
    await rolledOut(ns, 'rec');
  } finally {
    await inf.stop();
  }
  assert.deepEqual(overlap, []);
  const [v1, v2] = await listRS(ns);
  const msgs = (await events(ns, 'ScalingReplicaSet')).map((e) => e.message);
  assert.ok(msgs.includes(`Scaled down replica set ${v1.metadata.name} from 3 to 0`), msgs.join('\n'));
  assert.ok(msgs.includes(`Scaled up replica set ${v2.metadata.name} from 0 to 3`), msgs.join('\n'));
});

test('pause stops rollouts but not scaling; resume rolls out', async () => {
  const ns = await newNamespace();
  await create(ns, deployment('pz', 2, 'app:v1'));
  await rolledOut(ns, 'pz');
  const reasons: string[] = [];
  const inf = new Informer<Deployment>(cp.client, { ...DEPLOY, namespace: ns });
  inf.addEventHandler({
    onUpdate: (_o, d) => {
      const r = d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason;
      if (r && reasons[reasons.length - 1] !== r) reasons.push(r);
    },
  });
  inf.start();
  try {
    await cp.client.patch({ ...DEPLOY, namespace: ns, name: 'pz' }, { spec: { paused: true } }, 'merge');
    const paused = await waitFor('DeploymentPaused', async () => {
      const d = await getD(ns, 'pz');
      return d.status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused') ? d : undefined;
    });
    const cond = paused.status!.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(cond.status, 'Unknown');
    assert.equal(cond.message, 'Deployment is paused');

    await setImage(ns, 'pz', 'app:v2');
    await scale(ns, 'pz', 3);
    await waitFor('the scale applied while paused', async () => {
      const d = await getD(ns, 'pz');
      return d.status?.observedGeneration === d.metadata.generation && d.status?.availableReplicas === 3;
    });
    const rss = await listRS(ns);
    assert.equal(rss.length, 1, 'no new ReplicaSet while paused');
    assert.equal(rss[0].spec.replicas, 3);

    await cp.client.patch({ ...DEPLOY, namespace: ns, name: 'pz' }, { spec: { paused: false } }, 'merge');
    const d = await rolledOut(ns, 'pz');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal((await listRS(ns)).length, 2);
  } finally {
    await inf.stop();
  }
  assert.ok(reasons.includes('DeploymentPaused') && reasons.includes('DeploymentResumed'), reasons.join(','));
  assert.equal(reasons[reasons.length - 1], 'NewReplicaSetAvailable');
});

test('rollout undo as kubectl does it reuses the old ReplicaSet with a new revision', async () => {
  const ns = await newNamespace();
  await create(
    ns,
    deployment('undo', 2, 'app:v1', {
      template: {
        metadata: { labels: { app: 'undo' }, annotations: { 'kubernetes.io/change-cause': 'v1' } },
        spec: { containers: [{ name: 'app', image: 'app:v1' }] },
      },
    }),
  );
  await rolledOut(ns, 'undo');
  await setImage(ns, 'undo', 'app:v2');
  await rolledOut(ns, 'undo');
  const [rs1, rs2] = await listRS(ns);
  // kubectl rollout undo: the revision-1 template without its hash label, by JSON patch.
  const template = JSON.parse(JSON.stringify(rs1.spec.template));
  delete template.metadata.labels['pod-template-hash'];
  template.metadata.creationTimestamp = null; // Go's zero time, as kubectl serialises it
  const d0 = await getD(ns, 'undo');
  const annotations = { 'deployment.kubernetes.io/revision': d0.metadata.annotations!['deployment.kubernetes.io/revision'] };
  await cp.client.patch(
    { ...DEPLOY, namespace: ns, name: 'undo' },
    [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
    'json',
  );
  const d = await waitFor('revision 3', async () => {
    const x = await rolledOut(ns, 'undo');
    return x.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' ? x : undefined;
  });
  const after = await listRS(ns);
  assert.equal(after.length, 2, 'no third ReplicaSet');
  const back = after.find((r) => r.metadata.uid === rs1.metadata.uid)!;
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(back.spec.replicas, 2);
  assert.equal(after.find((r) => r.metadata.uid === rs2.metadata.uid)!.spec.replicas, 0);
  assert.equal(
    d.status?.conditions?.find((c) => c.type === 'Progressing')?.message,
    `ReplicaSet "${rs1.metadata.name}" has successfully progressed.`,
  );
});

test('scaling mid-rollout distributes the change proportionally', async () => {
  const ns = await newNamespace();
  await create(
    ns,
    deployment('prop', 10, 'app:v1', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }),
  );
  await rolledOut(ns, 'prop');
  await setImage(ns, 'prop', NEVER);
  const sizes = async () => (await listRS(ns)).map((r) => r.spec.replicas);
  await waitFor('old 8, new 5 (stuck on unready pods)', async () => JSON.stringify(await sizes()) === '[8,5]');
  await scale(ns, 'prop', 15);
  await waitFor('old 11, new 7', async () => JSON.stringify(await sizes()) === '[11,7]');
  const [old, cur] = await listRS(ns);
  for (const r of [old, cur]) {
    assert.equal(r.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '15');
    assert.equal(r.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '18');
  }
  const msgs = (await events(ns, 'ScalingReplicaSet')).map((e) => e.message);
  assert.ok(msgs.includes(`Scaled up replica set ${old.metadata.name} from 8 to 11`), msgs.join('\n'));
  assert.ok(msgs.includes(`Scaled up replica set ${cur.metadata.name} from 5 to 7`), msgs.join('\n'));
});

test('progressDeadlineSeconds: ProgressDeadlineExceeded when pods never become ready', async () => {
  const ns = await newNamespace();
  await create(ns, deployment('slow', 1, NEVER, { progressDeadlineSeconds: 2 }));
  const d = await waitFor(
    'ProgressDeadlineExceeded',
    async () => {
      const x = await getD(ns, 'slow');
      return x.status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded') ? x : undefined;
    },
    8000,
  );
  const rs = (await listRS(ns))[0];
  const byType = Object.fromEntries(d.status!.conditions!.map((c) => [c.type, c]));
  assert.equal(byType.Progressing.status, 'False');
  assert.equal(byType.Progressing.message, `ReplicaSet "${rs.metadata.name}" has timed out progressing.`);
  assert.equal(byType.Available.status, 'False');
  assert.equal(byType.Available.reason, 'MinimumReplicasUnavailable');
  assert.equal(byType.Available.message, 'Deployment does not have minimum availability.');
  assert.equal(d.status?.unavailableReplicas, 1);
  assert.equal(d.status?.updatedReplicas, 1);
  assert.equal(d.status?.availableReplicas, undefined);
});

test('revisionHistoryLimit removes the oldest scaled-down ReplicaSets', async () => {
  const ns = await newNamespace();
  await create(ns, deployment('hist', 1, 'app:v1', { revisionHistoryLimit: 1 }));
  await rolledOut(ns, 'hist');
  for (const v of ['app:v2', 'app:v3', 'app:v4']) {
    await setImage(ns, 'hist', v);
    await rolledOut(ns, 'hist');
  }
  const rss = await waitFor('two ReplicaSets left', async () => {
    const l = await listRS(ns);
    return l.length === 2 ? l : undefined;
  });
  assert.deepEqual(
    rss.map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']),
    ['3', '4'],
  );
});
