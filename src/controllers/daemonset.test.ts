// The DaemonSet controller against an in-process API server, with the scheduler placing its pods
// and simulated nodes as the kubelets: one pod per eligible node (selector, taints, the daemon
// tolerations), new nodes, rolling updates within maxUnavailable and maxSurge checked at every
// pod event, OnDelete, failed pods replaced, controller revisions and the status counters.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isPodReady } from '../api/conditions.js';
import type { KObject } from '../api/object.js';
import { CONTROLLERREVISIONS, type ControllerRevision, DAEMONSETS, type DaemonSet, NODES, PODS, type Pod } from '../api/types.js';
import { Informer } from '../client/informer.js';
import type { SimulatedNodes } from '../node/simulated.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { newTestNamespace, startTestControlPlane, type TestControlPlane, testLog } from '../testing/controlplane.js';
import { type SimulatedCluster, startSimulatedCluster } from '../testing/simulatedcluster.js';
import { waitFor } from '../testing/wait.js';
import { DaemonSetController, targetNodeName } from './daemonset.js';

let cp: TestControlPlane;
let cluster: SimulatedCluster;
let sim: SimulatedNodes;
let nodes: string[];

before(async () => {
  cp = await startTestControlPlane();
  cluster = await startSimulatedCluster(cp, {
    nodes: 3,
    sim: { heartbeatMs: 1000, readyDelayMs: 40, deleteDelayMs: 20 },
    controllers: (client, factory) => [
      new DaemonSetController(client, factory, { log: testLog, failedPodBackoffMs: 200 }),
      new Scheduler(cp.newClient('kube-scheduler'), factory, { queue: { initialBackoffMs: 50, maxBackoffMs: 200 } }),
    ],
  });
  ({ sim, nodes } = cluster);
});

after(async () => {
  await cluster?.stop();
  await cp?.stop();
});

const newNamespace = (): Promise<string> => newTestNamespace(cp, 'ds-test');

function daemonSet(ns: string, name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'pause:1' }], ...podSpec } },
      ...spec,
    },
  };
}

const getDs = (ns: string, name: string) => cp.client.get<DaemonSet>({ ...DAEMONSETS, namespace: ns, name });
const livePods = async (ns: string): Promise<Pod[]> =>
  (await cp.client.list<Pod>({ ...PODS, namespace: ns })).items.filter((p) => !p.metadata.deletionTimestamp);
const byNode = (pods: Pod[]) => pods.map((p) => targetNodeName(p)).sort();

/** Waits until every pod of the DaemonSet is bound, ready and of the current revision, and the status says so. */
async function rolledOut(ns: string, name: string, want: number, timeoutMs = 15_000): Promise<{ ds: DaemonSet; pods: Pod[] }> {
  return waitFor(
    `${name}: ${want} daemon pods ready and updated`,
    async () => {
      const ds = await getDs(ns, name);
      const pods = await livePods(ns);
      const st = ds.status;
      if ((st?.observedGeneration ?? 0) < (ds.metadata.generation ?? 0)) return false;
      if (
        st?.desiredNumberScheduled !== want ||
        st.numberReady !== want ||
        st.updatedNumberScheduled !== want ||
        st.numberAvailable !== want
      )
        return false;
      if (pods.length !== want || !pods.every((p) => isPodReady(p) && p.spec?.nodeName)) return false;
      return { ds, pods };
    },
    timeoutMs,
  );
}

test('one pod on each node, placed by the scheduler through a metadata.name affinity, with the daemon tolerations', async () => {
  const ns = await newNamespace();
  await cp.client.create({ ...DAEMONSETS, namespace: ns }, daemonSet(ns, 'agent', {}, { hostNetwork: true }));
  const { ds, pods } = await rolledOut(ns, 'agent', 3);
  assert.deepEqual(byNode(pods), [...nodes].sort());
  for (const p of pods) {
    assert.equal(p.spec?.nodeName, targetNodeName(p), 'the scheduler bound each pod to the node its affinity names');
    const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    assert.deepEqual(terms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec?.nodeName] }] }]);
    const keys = (p.spec?.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
    for (const k of [
      'not-ready:NoExecute',
      'unreachable:NoExecute',
      'disk-pressure:NoSchedule',
      'memory-pressure:NoSchedule',
      'pid-pressure:NoSchedule',
      'unschedulable:NoSchedule',
      'network-unavailable:NoSchedule',
    ]) {
      assert.ok(keys.includes(`node.kubernetes.io/${k}`), `toleration ${k}`);
    }
    assert.equal(p.metadata.labels?.['pod-template-generation'], '1');
    assert.ok(p.metadata.labels?.['controller-revision-hash']);
    assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
  }
  assert.equal(ds.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
  assert.deepEqual(
    { cur: ds.status?.currentNumberScheduled, mis: ds.status?.numberMisscheduled, un: ds.status?.numberUnavailable ?? 0 },
    { cur: 3, mis: 0, un: 0 },
  );
  const revs = (await cp.client.list<ControllerRevision>({ ...CONTROLLERREVISIONS, namespace: ns })).items;
  assert.equal(revs.length, 1);
  assert.equal(revs[0].revision, 1);
  assert.equal(revs[0].metadata.labels?.['controller-revision-hash'], pods[0].metadata.labels?.['controller-revision-hash']);
  const data = revs[0].data as { spec: { template: Record<string, unknown> } };
  assert.equal(data.spec.template.$patch, 'replace', 'the revision is a patch that replaces the template (what rollout undo applies)');
});

test('a new node gets a pod; nodeSelector and taints decide where daemons run', async () => {
  const ns = await newNamespace();
  await cp.client.patch({ ...NODES, name: nodes[0] }, { metadata: { labels: { disk: 'ssd' } } }, 'strategic');
  await cp.client.create({ ...DAEMONSETS, namespace: ns }, daemonSet(ns, 'ssd', {}, { nodeSelector: { disk: 'ssd' } }));
  await cp.client.create({ ...DAEMONSETS, namespace: ns }, daemonSet(ns, 'all'));
  await waitFor('ssd pod on the labelled node only', async () => {
    const pods = (await livePods(ns)).filter((p) => p.metadata.labels?.app === 'ssd');
    return pods.length === 1 && pods[0].spec?.nodeName === nodes[0] && isPodReady(pods[0]);
  });
  const [extra] = await sim.add(1);
  try {
    await waitFor('the new node runs an "all" pod', async () =>
      (await livePods(ns)).some((p) => p.metadata.labels?.app === 'all' && p.spec?.nodeName === extra && isPodReady(p)),
    );
    const st = (
      await waitFor('all: 4 desired', async () => {
        const d = await getDs(ns, 'all');
        return d.status?.numberReady === 4 && d;
      })
    ).status;
    assert.equal(st?.desiredNumberScheduled, 4);
    // The label goes: the ssd pod goes (shouldContinueRunning is false without affinity).
    await cp.client.patch({ ...NODES, name: nodes[0] }, { metadata: { labels: { disk: null } } }, 'strategic');
    await waitFor('ssd pod removed', async () => (await livePods(ns)).every((p) => p.metadata.labels?.app !== 'ssd'));
    // NoSchedule that no one tolerates: a running daemon stays (misscheduled is not counted, it may continue).
    await cp.client.patch(
      { ...NODES, name: extra },
      { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } },
      'strategic',
    );
    const d = await waitFor('all: 3 desired with the tainted node', async () => {
      const x = await getDs(ns, 'all');
      return x.status?.desiredNumberScheduled === 3 && x;
    });
    assert.equal(d.status?.numberMisscheduled, 1, 'the tainted node still runs its pod, counted as misscheduled');
    assert.ok(
      (await livePods(ns)).some((p) => p.metadata.labels?.app === 'all' && p.spec?.nodeName === extra),
      'NoSchedule does not evict',
    );
    // NoExecute evicts it.
    await cp.client.patch(
      { ...NODES, name: extra },
      { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] } },
      'strategic',
    );
    await waitFor(
      'NoExecute removed the daemon pod',
      async () => !(await livePods(ns)).some((p) => p.metadata.labels?.app === 'all' && p.spec?.nodeName === extra),
    );
  } finally {
    await sim.remove([extra]);
    await cp.client.delete({ ...NODES, name: extra }).catch(() => undefined);
  }
});

/** Watches the namespace's pods and checks the invariant at every event of the rollout. */
async function watchInvariant(
  ns: string,
  check: (pods: Pod[]) => string | undefined,
): Promise<{ stop(): Promise<string[]>; events(): number }> {
  const inf = new Informer<Pod>(cp.newClient('watcher'), { ...PODS, namespace: ns });
  const violations: string[] = [];
  let n = 0,
    synced = false;
  const onEvent = () => {
    // The initial list arrives one add at a time: check from the first event after it.
    if (!synced) return;
    n++;
    const v = check(inf.list());
    if (v) violations.push(v);
  };
  inf.addEventHandler({ onAdd: onEvent, onUpdate: onEvent, onDelete: onEvent });
  inf.start();
  await inf.waitForSync(5000);
  synced = true;
  return {
    async stop() {
      await inf.stop();
      return violations;
    },
    events: () => n,
  };
}

const available = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p)).length;

test('a rolling update replaces the pods within maxUnavailable, checked at every pod event', async () => {
  const ns = await newNamespace();
  await cp.client.create(
    { ...DAEMONSETS, namespace: ns },
    daemonSet(ns, 'roll', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }),
  );
  const first = await rolledOut(ns, 'roll', 3);
  const oldHash = first.pods[0].metadata.labels?.['controller-revision-hash'];
  const w = await watchInvariant(ns, (pods) =>
    available(pods) < 2
      ? `only ${available(pods)} available`
      : pods.filter((p) => !p.metadata.deletionTimestamp).length > 3
        ? 'more than 3 pods'
        : undefined,
  );
  await cp.client.patch(
    { ...DAEMONSETS, namespace: ns, name: 'roll' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'pause:2' }] } } } },
    'strategic',
  );
  const { ds, pods } = await waitFor(
    'rolled to pause:2',
    async () => {
      const r = await rolledOut(ns, 'roll', 3);
      return r.pods.every((p) => p.spec?.containers[0].image === 'pause:2') && r;
    },
    20_000,
  );
  const violations = await w.stop();
  assert.deepEqual(violations, [], 'never more than maxUnavailable (1) of 3 unavailable, never a second pod on a node');
  assert.ok(w.events() > 6, `the watch saw the rollout (${w.events()} events)`);
  assert.ok(
    pods.every(
      (p) => p.metadata.labels?.['controller-revision-hash'] !== oldHash && p.metadata.labels?.['pod-template-generation'] === '2',
    ),
  );
  assert.equal(ds.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');
  const revs = (await cp.client.list<ControllerRevision>({ ...CONTROLLERREVISIONS, namespace: ns })).items.sort(
    (a, b) => a.revision - b.revision,
  );
  assert.deepEqual(
    revs.map((r) => r.revision),
    [1, 2],
  );
});

test('maxSurge creates the new pod before the old one goes: never fewer than 3 available', async () => {
  const ns = await newNamespace();
  await cp.client.create(
    { ...DAEMONSETS, namespace: ns },
    daemonSet(ns, 'surge', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }),
  );
  await rolledOut(ns, 'surge', 3);
  let maxPods = 0;
  const w = await watchInvariant(ns, (pods) => {
    const live = pods.filter((p) => !p.metadata.deletionTimestamp).length;
    maxPods = Math.max(maxPods, live);
    return available(pods) < 3 ? `only ${available(pods)} available` : live > 4 ? `${live} pods (surge 1)` : undefined;
  });
  await cp.client.patch(
    { ...DAEMONSETS, namespace: ns, name: 'surge' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'pause:2' }] } } } },
    'strategic',
  );
  await waitFor(
    'surged to pause:2',
    async () => {
      const r = await rolledOut(ns, 'surge', 3);
      return r.pods.every((p) => p.spec?.containers[0].image === 'pause:2') && r;
    },
    20_000,
  );
  assert.deepEqual(await w.stop(), []);
  assert.equal(maxPods, 4, 'one node at a time ran an old and a new pod');
});

test('OnDelete keeps old pods until they are deleted; a failed pod is replaced with a FailedDaemonPod event', async () => {
  const ns = await newNamespace();
  await cp.client.create({ ...DAEMONSETS, namespace: ns }, daemonSet(ns, 'ondel', { updateStrategy: { type: 'OnDelete' } }));
  const { pods } = await rolledOut(ns, 'ondel', 3);
  await cp.client.patch(
    { ...DAEMONSETS, namespace: ns, name: 'ondel' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'pause:2' }] } } } },
    'strategic',
  );
  const ds = await waitFor('status observes generation 2', async () => {
    const d = await getDs(ns, 'ondel');
    return d.status?.observedGeneration === 2 && d;
  });
  assert.equal(ds.status?.updatedNumberScheduled ?? 0, 0, 'nothing replaced under OnDelete');
  assert.ok((await livePods(ns)).every((p) => p.spec?.containers[0].image === 'pause:1'));
  await cp.client.delete({ ...PODS, namespace: ns, name: pods[0].metadata.name });
  await waitFor('the deleted pod came back with the new template', async () => {
    const now = await livePods(ns);
    return now.length === 3 && now.filter((p) => p.spec?.containers[0].image === 'pause:2' && isPodReady(p)).length === 1;
  });
  // A pod the kubelet reports Failed is killed and replaced.
  const victim = (await livePods(ns)).find((p) => p.spec?.containers[0].image === 'pause:1')!;
  await cp.client.patch(
    { ...PODS, namespace: ns, name: victim.metadata.name, subresource: 'status' },
    { status: { phase: 'Failed' } },
    'merge',
  );
  await waitFor('the failed pod was replaced', async () => {
    const now = await livePods(ns);
    return (
      !now.some((p) => p.metadata.name === victim.metadata.name) &&
      now.some((p) => p.spec?.nodeName === victim.spec?.nodeName && isPodReady(p))
    );
  });
  const events = (
    await cp.client.list<KObject & { reason?: string; message?: string }>({ group: '', version: 'v1', resource: 'events', namespace: ns })
  ).items;
  assert.ok(
    events.some((e) => e.reason === 'FailedDaemonPod' && e.message?.includes(victim.metadata.name!)),
    'FailedDaemonPod event',
  );
  assert.ok(
    events.some((e) => e.reason === 'SuccessfulCreate'),
    'SuccessfulCreate events',
  );
});
