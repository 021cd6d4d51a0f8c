import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withPodCondition } from '../api/conditions.js';
import { type KObject, nowMicro, nowRFC3339 } from '../api/object.js';
import { matchingTolerations, minTolerationMs, toleratesTaint } from '../api/taints.js';
import * as v1 from '../api/types.js';
import { NODES, type Taint } from '../api/types.js';
import { SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import { SimulatedNodes } from '../node/simulated.js';
import { startTestControlPlane, type TestControlPlane, testLog } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { NodeLifecycleController } from './nodelifecycle.js';
import { PodGCController } from './podgc.js';
import { TaintEvictionController } from './tainteviction.js';

const PODS = { ...v1.PODS, namespace: 'default' };
const EVENTS = { ...v1.EVENTS, namespace: 'default' };
const LEASES = { ...v1.LEASES, namespace: 'kube-node-lease' };

type Cond = { type: string; status: string; reason?: string; message?: string };
const cond = (o: KObject, type: string): Cond | undefined =>
  ((o.status as { conditions?: Cond[] })?.conditions ?? []).find((c) => c.type === type);
const taints = (n: KObject): Taint[] => (n.spec as { taints?: Taint[] })?.taints ?? [];
const hasTaint = (n: KObject, key: string, effect: string) => taints(n).some((t) => t.key === key && t.effect === effect);

/** Tolerate the node's trouble for 2 s instead of the admission plugin's 300 s. */
const SHORT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
];

test('tolerations match taints as Kubernetes does', () => {
  const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  assert.ok(toleratesTaint({ operator: 'Exists' }, unreachable));
  assert.ok(toleratesTaint({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }, unreachable));
  assert.ok(!toleratesTaint({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, unreachable));
  assert.ok(toleratesTaint({ key: 'k', value: 'v' }, { key: 'k', value: 'v', effect: 'NoExecute' }));
  assert.ok(!toleratesTaint({ key: 'k', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' }));
  const m = matchingTolerations([unreachable], SHORT_TOLERATIONS);
  assert.equal(m.allTolerated, true);
  assert.equal(minTolerationMs(m.used), 2000);
  assert.equal(minTolerationMs([{ operator: 'Exists' }]), -1);
  assert.equal(matchingTolerations([unreachable], []).allTolerated, false);
  const c = withPodCondition([{ type: 'Ready', status: 'True', lastTransitionTime: 'a' }], { type: 'Ready', status: 'False' }, 'b');
  assert.deepEqual(c, [{ type: 'Ready', status: 'False', lastTransitionTime: 'b' }]);
  assert.equal(withPodCondition(c!, { type: 'Ready', status: 'False' }, 'c'), undefined);
});

interface Harness {
  cp: TestControlPlane;
  sim: SimulatedNodes;
  client: RestClient;
  stop(): Promise<void>;
}

/** The control plane, the three node-side controllers and simulated nodes, each with its own client as separate processes would. */
async function harness(
  extra?: (client: RestClient, factory: SharedInformerFactory) => { start(): void; stop(): Promise<void> } | undefined,
): Promise<Harness> {
  const cp = await startTestControlPlane();
  const client = cp.newClient('kube-controller-manager');
  const log = testLog;
  const factory = new SharedInformerFactory(client);
  const nlc = new NodeLifecycleController(client, factory, {
    nodeMonitorGracePeriodMs: 2000,
    monitorPeriodMs: 200,
    evictionLimiterQPS: 50,
    log,
  });
  const tec = new TaintEvictionController(client, factory, { log });
  const gc = new PodGCController(client, factory, { gcCheckPeriodMs: 200, quarantineMs: 500, log });
  const more = extra?.(client, factory);
  const simClient = cp.newClient('kwok');
  const simFactory = new SharedInformerFactory(simClient);
  const sim = new SimulatedNodes(simClient, simFactory, { heartbeatMs: 200, readyDelayMs: 20, deleteDelayMs: 20 });
  factory.start();
  simFactory.start();
  await factory.waitForCacheSync(5000);
  for (const c of [nlc, tec, gc, more]) c?.start();
  sim.start();
  return {
    cp,
    sim,
    client: cp.client,
    async stop() {
      await sim.stop();
      await Promise.all([nlc.stop(), tec.stop(), gc.stop(), more?.stop()]);
      await Promise.all([factory.stop(), simFactory.stop()]);
      await cp.stop();
    },
  };
}

async function getOrUndefined(
  client: RestClient,
  ref: { group: string; version: string; resource: string; namespace?: string; name: string },
): Promise<KObject | undefined> {
  try {
    return await client.get(ref);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

test('a node that stops heartbeating goes Unknown, is tainted unreachable, and its pods are evicted and replaced', async () => {
  // The ReplicaSet controller is another helper's; use it when it is there.
  const rsModule = './replicaset.js';
  const rsMod = (await import(rsModule).catch(() => undefined)) as
    | { ReplicaSetController?: new (c: RestClient, f: SharedInformerFactory) => { start(): void; stop(): Promise<void> } }
    | undefined;
  const RS = rsMod?.ReplicaSetController;
  const h = await harness((c, f) => (RS ? new RS(c, f) : undefined));
  try {
    const [dead, live1] = await h.sim.add(3);
    const labels = { app: 'web' };
    for (let i = 0; i < 3; i++) {
      await h.client.create(PODS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `orig-${i}`, namespace: 'default', labels },
        spec: { nodeName: dead, tolerations: SHORT_TOLERATIONS, containers: [{ name: 'web', image: 'nginx' }] },
      });
    }
    await waitFor('pods running', async () => (await h.client.list(PODS)).items.every((p) => cond(p, 'Ready')?.status === 'True'), 5000);
    if (RS) {
      // The ReplicaSet adopts the three orphans; its own replacements have no node (no scheduler here).
      await h.client.create(
        { group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'default' },
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: 'web', namespace: 'default' },
          spec: {
            replicas: 3,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { tolerations: SHORT_TOLERATIONS, containers: [{ name: 'web', image: 'nginx' }] } },
          },
        },
      );
      await waitFor(
        'pods adopted',
        async () => (await h.client.list(PODS)).items.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet'),
        5000,
      );
    }

    h.sim.stopHeartbeat(dead);
    const silentAt = Date.now();
    let node!: KObject;
    await waitFor(
      'Ready=Unknown',
      async () => {
        node = await h.client.get({ ...NODES, name: dead });
        return cond(node, 'Ready')?.status === 'Unknown';
      },
      8000,
    );
    assert.ok(Date.now() - silentAt >= 1500, 'not before the grace period');
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = cond(node, type)!;
      assert.equal(c.status, 'Unknown', type);
      assert.equal(c.reason, 'NodeStatusUnknown');
      assert.equal(c.message, 'Kubelet stopped posting node status.');
    }
    await waitFor(
      'unreachable taints',
      async () => {
        node = await h.client.get({ ...NODES, name: dead });
        return (
          hasTaint(node, 'node.kubernetes.io/unreachable', 'NoExecute') && hasTaint(node, 'node.kubernetes.io/unreachable', 'NoSchedule')
        );
      },
      5000,
    );
    for (const t of taints(node)) assert.match(String(t.timeAdded), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The live nodes are untouched.
    assert.deepEqual(taints(await h.client.get({ ...NODES, name: live1 })), []);

    // Its pods were marked not ready at once, then evicted when their 2 s toleration ran out.
    await waitFor(
      'pods evicted',
      async () => {
        const pods = (await h.client.list(PODS)).items.filter((p) => p.metadata.name!.startsWith('orig-'));
        return pods.length === 3 && pods.every((p) => p.metadata.deletionTimestamp);
      },
      8000,
    );
    for (const p of (await h.client.list(PODS)).items.filter((x) => x.metadata.name!.startsWith('orig-'))) {
      assert.equal(cond(p, 'Ready')?.status, 'False', JSON.stringify(p.status));
      assert.equal(cond(p, 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    }
    await waitFor(
      'events',
      async () => {
        const evs = (await h.client.list(EVENTS)).items;
        return (
          evs.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/orig-0') &&
          evs.some((e) => e.reason === 'NodeNotReady' && e.message === `Node ${dead} status is now: NodeNotReady`) &&
          evs.some(
            (e) =>
              e.reason === 'NodeNotReady' && e.message === 'Node is not ready' && (e.involvedObject as { kind?: string }).kind === 'Pod',
          )
        );
      },
      5000,
    );
    // The silent kubelet cannot confirm: the pods stay Terminating ...
    assert.equal((await h.client.list(PODS)).items.filter((p) => p.metadata.name!.startsWith('orig-')).length, 3);
    if (RS) {
      // ... and the ReplicaSet, not counting terminating pods, has made replacements already.
      await waitFor(
        'replacements',
        async () =>
          (await h.client.list(PODS)).items.filter((p) => !p.metadata.deletionTimestamp && p.metadata.ownerReferences?.[0]?.name === 'web')
            .length === 3,
        5000,
      );
    }

    // The kubelet comes back: Ready again, taints gone, and the terminating pods are finished off.
    h.sim.resumeHeartbeat(dead);
    await waitFor(
      'node ready and untainted',
      async () => {
        node = await h.client.get({ ...NODES, name: dead });
        return cond(node, 'Ready')?.status === 'True' && taints(node).length === 0;
      },
      5000,
    );
    await waitFor(
      'terminating pods deleted',
      async () => (await h.client.list(PODS)).items.every((p) => !p.metadata.name!.startsWith('orig-')),
      5000,
    );
  } finally {
    await h.stop();
  }
});

test('cordon taints unschedulable; a not-ready node is tainted not-ready; pods of a removed node are collected', async () => {
  const h = await harness();
  try {
    const [a, b] = await h.sim.add(3);

    // kubectl cordon / uncordon.
    await h.client.patch({ ...NODES, name: a }, { spec: { unschedulable: true } }, 'merge');
    await waitFor('unschedulable taint', async () =>
      hasTaint(await h.client.get({ ...NODES, name: a }), 'node.kubernetes.io/unschedulable', 'NoSchedule'),
    );
    await h.client.patch({ ...NODES, name: a }, { spec: { unschedulable: null } }, 'merge');
    await waitFor('unschedulable taint removed', async () => taints(await h.client.get({ ...NODES, name: a })).length === 0);

    // A node whose kubelet reports Ready=False (and keeps its lease fresh).
    const now = nowRFC3339();
    await h.client.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'sick' },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message: 'container runtime network not ready',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    });
    await h.client.create(LEASES, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'sick', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'sick', leaseDurationSeconds: 40, renewTime: nowMicro() },
    });
    await waitFor(
      'not-ready taints',
      async () => {
        const n = await h.client.get({ ...NODES, name: 'sick' });
        return hasTaint(n, 'node.kubernetes.io/not-ready', 'NoExecute') && hasTaint(n, 'node.kubernetes.io/not-ready', 'NoSchedule');
      },
      1800,
    );

    // Pods of a node that is deleted are force-deleted by pod GC after the quarantine.
    await h.client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: 'default' },
      spec: { nodeName: b, containers: [{ name: 'c', image: 'nginx' }] },
    });
    await waitFor(
      'orphan running',
      async () => cond((await getOrUndefined(h.client, { ...PODS, name: 'orphan' }))!, 'Ready')?.status === 'True',
    );
    await h.sim.remove([b]);
    const gone = Date.now();
    await waitFor('orphan collected', async () => !(await getOrUndefined(h.client, { ...PODS, name: 'orphan' })), 5000);
    assert.ok(Date.now() - gone >= 400, 'not before the quarantine');
  } finally {
    await h.stop();
  }
});
