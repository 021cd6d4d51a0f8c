import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import type { Node, Pod } from '../api/types.js';
import { SharedInformerFactory } from '../client/informer.js';
import { type ResourceRef, RestClient } from '../client/rest.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { workloadManifest } from '../testing/workloads.js';
import { compactPod } from './compactpod.js';
import { makeNode, type PodOptions, podForCreate } from './fixtures.js';
import { NON_TERMINAL_PODS, Scheduler } from './scheduler.js';

const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes' };
const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespace: 'default' };

interface Env {
  cp: TestControlPlane;
  sched: Scheduler;
  factory: SharedInformerFactory;
  logs: string[];
}

async function startEnv(wrapClient?: (c: RestClient) => RestClient): Promise<Env> {
  const cp = await startTestControlPlane();
  const logs: string[] = [];
  const base = cp.newClient('kube-scheduler');
  const client = wrapClient ? wrapClient(base) : base;
  const factory = new SharedInformerFactory(client);
  const sched = new Scheduler(client, factory, { log: (m) => logs.push(m) });
  factory.start();
  sched.start();
  return { cp, sched, factory, logs };
}

async function stopEnv(env: Env | undefined): Promise<void> {
  if (!env) return;
  await env.sched.stop();
  await env.factory.stop();
  await env.cp.stop();
}

const createNode = (env: Env, node: Node) => env.cp.client.create(NODES, node);
const createPod = (env: Env, name: string, o: PodOptions = {}) => env.cp.client.create<Pod>(PODS, podForCreate(name, o));
const getPod = (env: Env, name: string) => env.cp.client.get<Pod>({ ...PODS, name });
const boundNode = async (env: Env, name: string) => (await getPod(env, name)).spec?.nodeName || undefined;

async function events(env: Env, pod: string): Promise<KObject[]> {
  const list = await env.cp.client.list(EVENTS);
  return list.items.filter((e) => (e.involvedObject as { name?: string }).name === pod);
}

test('spreads 6 replicas of a ReplicaSet over 3 equal nodes, 2 each, and records Scheduled events', async () => {
  const env = await startEnv();
  try {
    for (const n of ['n1', 'n2', 'n3']) await createNode(env, makeNode(n));
    const rs = await env.cp.client.create(
      { group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'default' },
      workloadManifest('ReplicaSet', 'web', 6),
    );
    // Spreading reads the ReplicaSet from the scheduler's informer.
    await waitFor('replicaset in cache', () =>
      env.factory.informerFor({ group: 'apps', version: 'v1', resource: 'replicasets' }).getByName('default', 'web') ? true : undefined,
    );
    const owner = { kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid! };
    for (let i = 0; i < 6; i++) await createPod(env, `web-${i}`, { labels: { app: 'web' }, owner, cpu: '100m', memory: '64Mi' });
    const placed = await waitFor('all 6 bound', async () => {
      const list = await env.cp.client.list<Pod>(PODS);
      const nodes = list.items.map((p) => p.spec?.nodeName).filter(Boolean) as string[];
      return nodes.length === 6 ? nodes : undefined;
    });
    const per = new Map<string, number>();
    for (const n of placed) per.set(n, (per.get(n) ?? 0) + 1);
    assert.deepEqual([...per.values()], [2, 2, 2], `placement ${JSON.stringify([...per])}`);
    const pod = await getPod(env, 'web-0');
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    const ev = await waitFor('Scheduled event', async () => (await events(env, 'web-0')).find((e) => e.reason === 'Scheduled'));
    assert.equal(ev.message, `Successfully assigned default/web-0 to ${pod.spec!.nodeName}`);
    assert.equal(ev.type, 'Normal');
    assert.equal((ev.source as { component?: string }).component, 'default-scheduler');
  } finally {
    await stopEnv(env);
  }
});

test('resource fit: pods go where they fit; a pod that fits nowhere gets Insufficient cpu', async () => {
  const env = await startEnv();
  try {
    await createNode(env, makeNode('small', { cpu: '1', memory: '2Gi' }));
    await createNode(env, makeNode('large', { cpu: '4', memory: '8Gi' }));
    await createPod(env, 'big', { cpu: '3' });
    assert.equal(await waitFor('big bound', () => boundNode(env, 'big')), 'large');
    // The assumed/bound 3 CPUs count: a 2-CPU pod fits on neither node now.
    await createPod(env, 'too-big', { cpu: '2' });
    const cond = await waitFor('PodScheduled=False', async () =>
      (await getPod(env, 'too-big')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'),
    );
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(
      cond.message,
      '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    );
    // Deleting "big" frees the large node.
    await env.cp.client.delete({ ...PODS, name: 'big' }, { gracePeriodSeconds: 0 });
    assert.equal(await waitFor('too-big bound', () => boundNode(env, 'too-big'), 15_000), 'large');
  } finally {
    await stopEnv(env);
  }
});

test('taints: untolerated NoSchedule nodes and NotReady nodes are avoided; a tolerating pod may use them', async () => {
  const env = await startEnv();
  try {
    await createNode(env, makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
    await createNode(env, makeNode('down', { ready: 'False' }));
    await createNode(env, makeNode('worker'));
    for (let i = 0; i < 4; i++) await createPod(env, `p${i}`);
    for (let i = 0; i < 4; i++) assert.equal(await waitFor(`p${i} bound`, () => boundNode(env, `p${i}`)), 'worker');
    await createPod(env, 'tol', {
      nodeSelector: { 'kubernetes.io/hostname': 'cp' },
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
    });
    assert.equal(await waitFor('tol bound', () => boundNode(env, 'tol')), 'cp');
  } finally {
    await stopEnv(env);
  }
});

test('a nodeSelector nobody satisfies: exact message, condition and event; labeling a node schedules the pod', async () => {
  const env = await startEnv();
  try {
    await createNode(env, makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
    await createNode(env, makeNode('w1'));
    await createNode(env, makeNode('w2'));
    await createPod(env, 'picky', { nodeSelector: { disk: 'ssd' } });
    const expected =
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    const cond = await waitFor('PodScheduled=False', async () =>
      (await getPod(env, 'picky')).status?.conditions?.find((c) => c.type === 'PodScheduled'),
    );
    assert.deepEqual(
      { status: cond.status, reason: cond.reason, message: cond.message },
      { status: 'False', reason: 'Unschedulable', message: expected },
    );
    const ev = await waitFor('FailedScheduling event', async () =>
      (await events(env, 'picky')).find((e) => e.reason === 'FailedScheduling'),
    );
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, expected);
    assert.equal(env.sched.queue.whereIs('default/picky'), 'unschedulable');

    const started = Date.now();
    await env.cp.client.patch({ ...NODES, name: 'w2' }, { metadata: { labels: { disk: 'ssd' } } }, 'merge');
    assert.equal(await waitFor('picky bound', () => boundNode(env, 'picky'), 3000), 'w2');
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    const scheduled = await getPod(env, 'picky');
    assert.equal(scheduled.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
  } finally {
    await stopEnv(env);
  }
});

test('no nodes: "no nodes available to schedule pods"; a new node schedules the pod', async () => {
  const env = await startEnv();
  try {
    await createPod(env, 'early');
    const cond = await waitFor('condition', async () =>
      (await getPod(env, 'early')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'),
    );
    assert.equal(cond.message, 'no nodes available to schedule pods');
    await createNode(env, makeNode('late'));
    assert.equal(await waitFor('early bound', () => boundNode(env, 'early'), 3000), 'late');
  } finally {
    await stopEnv(env);
  }
});

test('binding conflict: the pod bound elsewhere meanwhile is left there and its assumed resources are freed', async () => {
  let cp: TestControlPlane | undefined;
  // The scheduler's client binds the pod to the other node itself just before the scheduler's
  // own binding goes out, so the API server answers 409 to the scheduler.
  class RacingClient extends RestClient {
    override async create<T extends KObject = KObject>(ref: ResourceRef, body: object, opts = {}): Promise<T> {
      const b = body as { target?: { name?: string }; metadata: { name?: string } };
      if (ref.subresource === 'binding' && b.metadata.name === 'contested') {
        const other = b.target?.name === 'a' ? 'b' : 'a';
        await cp!.client.create(
          { ...PODS, name: 'contested', subresource: 'binding' },
          { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'contested' }, target: { kind: 'Node', name: other } },
        );
      }
      return super.create<T>(ref, body, opts);
    }
  }
  const env = await startEnv((c) => new RacingClient(c.opts));
  cp = env.cp;
  try {
    await createNode(env, makeNode('a', { cpu: '1' }));
    await createNode(env, makeNode('b', { cpu: '1' }));
    await createPod(env, 'contested', { cpu: '1' });
    const node = await waitFor('contested bound', () => boundNode(env, 'contested'));
    await waitFor('FailedScheduling for the conflict', async () =>
      (await events(env, 'contested')).find((e) => e.reason === 'FailedScheduling'),
    );
    // The other node still has room: the assumed pod on it was forgotten.
    await createPod(env, 'second', { cpu: '1' });
    const second = await waitFor('second bound', () => boundNode(env, 'second'), 5000);
    assert.notEqual(second, node);
    assert.ok(
      env.logs.some((l) => l.includes('already assigned')),
      env.logs.join('\n'),
    );
    assert.equal(env.sched.queue.whereIs('default/contested'), undefined);
  } finally {
    await stopEnv(env);
  }
});

test("a pod that finishes leaves the scheduler's cache and frees its node for a pending pod", async () => {
  const env = await startEnv();
  try {
    await createNode(env, makeNode('only', { cpu: '1', memory: '2Gi' }));
    await createPod(env, 'job', { cpu: '1' });
    assert.equal(await waitFor('job bound', () => boundNode(env, 'job')), 'only');
    await createPod(env, 'next', { cpu: '1' });
    await waitFor('next unschedulable', async () =>
      (await getPod(env, 'next')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'),
    );
    await env.cp.client.patch({ ...PODS, name: 'job', subresource: 'status' }, { status: { phase: 'Succeeded' } }, 'merge');
    assert.equal(await waitFor('next bound', () => boundNode(env, 'next'), 15_000), 'only');
    // The scheduler's pod informer holds only pods that have not finished, as kube-scheduler's.
    const inf = env.factory.informerFor({
      group: '',
      version: 'v1',
      resource: 'pods',
      fieldSelector: NON_TERMINAL_PODS,
      transform: compactPod,
    });
    assert.ok(inf.hasSynced(), "the scheduler's own informer (a new one would not have synced yet)");
    assert.equal(inf.get('default/job'), undefined);
    assert.ok(inf.get('default/next'));
  } finally {
    await stopEnv(env);
  }
});
