import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHostAddress, parseCIDR } from '../api/net.js';
import type { KObject } from '../api/object.js';
import * as v1 from '../api/types.js';
import { NODES, PODS } from '../api/types.js';
import { SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { stays, waitFor } from '../testing/wait.js';
import {
  nodeIPFor,
  normalizeImage,
  POD_COMPLETE_DELAY_ANNOTATION,
  podCIDRFor,
  SIMULATED_EXIT_CODE_ANNOTATION,
  SimulatedNodes,
  type SimulatedNodesOptions,
} from './simulated.js';

const LEASES = { ...v1.LEASES, namespace: 'kube-node-lease' };

type Cond = { type: string; status: string; reason?: string; lastTransitionTime?: string };
const conds = (o: KObject): Cond[] => (o.status as { conditions?: Cond[] })?.conditions ?? [];
const cond = (o: KObject, type: string) => conds(o).find((c) => c.type === type);

const inCIDR = (ip: string, cidr: string): boolean => isHostAddress(parseCIDR(cidr), ip);

/**
 * A control plane and simulated nodes on their own client and informers, started; all stopped
 * after fn. own: a pod informer of their own, as their thread has (ownPodInformer).
 */
async function withSimulatedNodes(
  opts: SimulatedNodesOptions & { own?: boolean },
  fn: (env: { cp: TestControlPlane; factory: SharedInformerFactory; sim: SimulatedNodes }) => Promise<void>,
): Promise<void> {
  const cp = await startTestControlPlane();
  const client = cp.newClient('sim-nodes');
  const factory = new SharedInformerFactory(client);
  if (opts.own) opts = { ...opts, ownPodInformer: true };
  const sim = new SimulatedNodes(client, factory, opts);
  try {
    factory.start();
    sim.start();
    await fn({ cp, factory, sim });
  } finally {
    await sim.stop();
    await factory.stop();
    await cp.stop();
  }
}

test('pod CIDRs and node addresses are unique and outside each other', () => {
  const cidrs = new Set<string>();
  for (let k = 0; k < 5000; k++) cidrs.add(podCIDRFor(k));
  assert.equal(cidrs.size, 5000);
  assert.equal(podCIDRFor(0), '10.244.0.0/24');
  assert.equal(podCIDRFor(257), '10.245.1.0/24');
  assert.equal(podCIDRFor(3072), '10.128.0.0/24');
  assert.ok(!nodeIPFor(0).startsWith('10.'));
  assert.equal(normalizeImage('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImage('nginx:1.27'), 'docker.io/library/nginx:1.27');
  assert.equal(normalizeImage('bitnami/redis'), 'docker.io/bitnami/redis:latest');
  assert.equal(normalizeImage('registry.k8s.io/pause:3.10'), 'registry.k8s.io/pause:3.10');
});

for (const own of [false, true])
  test(`simulated nodes register, renew their leases, run bound pods and confirm deletions${own ? ' (a pod informer of their own, as their thread has: pods as the kubelet reads them)' : ''}`, async () => {
    await withSimulatedNodes({ heartbeatMs: 200, readyDelayMs: 50, statusReportMs: 1000, own }, async ({ cp, sim }) => {
      const names = await sim.add(3);
      assert.deepEqual(names, ['sim-node-0', 'sim-node-1', 'sim-node-2']);

      const node = await cp.client.get({ ...NODES, name: names[1] });
      const labels = node.metadata.labels!;
      assert.equal(labels['kubernetes.io/hostname'], names[1]);
      assert.equal(labels['kubernetes.io/os'], 'linux');
      assert.equal(labels['kubernetes.io/arch'], 'amd64');
      assert.equal(labels['node.kubernetes.io/instance-type'], 'k8ts-simulated');
      const spec = node.spec as { podCIDR: string; podCIDRs: string[] };
      assert.equal(spec.podCIDR, '10.244.1.0/24');
      assert.deepEqual(spec.podCIDRs, ['10.244.1.0/24']);
      const status = node.status as {
        capacity: Record<string, string>;
        allocatable: Record<string, string>;
        nodeInfo: Record<string, string>;
        addresses: { type: string; address: string }[];
      };
      assert.equal(status.capacity.cpu, '32');
      assert.equal(status.allocatable.memory, '256Gi');
      assert.equal(status.capacity.pods, '110');
      assert.equal(status.nodeInfo.kubeletVersion, 'v1.32.0-k8ts-sim');
      assert.equal(status.nodeInfo.operatingSystem, 'linux');
      assert.deepEqual(
        status.addresses.map((a) => a.type),
        ['InternalIP', 'Hostname'],
      );
      assert.deepEqual(
        conds(node).map((c) => `${c.type}=${c.status}/${c.reason}`),
        [
          'MemoryPressure=False/KubeletHasSufficientMemory',
          'DiskPressure=False/KubeletHasNoDiskPressure',
          'PIDPressure=False/KubeletHasSufficientPID',
          'Ready=True/KubeletReady',
        ],
      );

      // Leases exist, are held by their node, and are renewed.
      const lease0 = await cp.client.get({ ...LEASES, name: names[0] });
      const spec0 = lease0.spec as { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
      assert.equal(spec0.holderIdentity, names[0]);
      assert.equal(spec0.leaseDurationSeconds, 40);
      assert.equal(lease0.metadata.ownerReferences?.[0]?.kind, 'Node');
      await waitFor(
        'lease renewal',
        async () => ((await cp.client.get({ ...LEASES, name: names[0] })).spec as { renewTime: string }).renewTime !== spec0.renewTime,
        3000,
      );
      // ... and the node status heartbeat moves too.
      const hb = cond(node, 'Ready')!;
      await waitFor(
        'status heartbeat',
        async () =>
          (cond(await cp.client.get({ ...NODES, name: names[1] }), 'Ready') as { lastHeartbeatTime?: string }).lastHeartbeatTime !==
          (hb as { lastHeartbeatTime?: string }).lastHeartbeatTime,
        4000,
      );

      // A pod bound to a node turns Running and Ready with an IP of the node (binding: see the next test).
      await cp.client.create(PODS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          nodeName: names[1],
          initContainers: [{ name: 'init', image: 'busybox' }],
          containers: [
            { name: 'web', image: 'nginx:1.27' },
            { name: 'side', image: 'busybox' },
          ],
        },
      });
      let pod!: KObject;
      await waitFor(
        'pod running',
        async () => {
          pod = await cp.client.get({ ...PODS, namespace: 'default', name: 'web' });
          return (pod.status as { phase?: string }).phase === 'Running';
        },
        5000,
      );
      const ps = pod.status as Record<string, unknown> & {
        podIP: string;
        podIPs: { ip: string }[];
        hostIP: string;
        startTime: string;
        containerStatuses: Record<string, unknown>[];
        initContainerStatuses: Record<string, unknown>[];
      };
      assert.ok(inCIDR(ps.podIP, '10.244.1.0/24'), `pod IP ${ps.podIP} is in the node's podCIDR`);
      assert.deepEqual(ps.podIPs, [{ ip: ps.podIP }]);
      assert.equal(ps.hostIP, status.addresses[0].address);
      assert.ok(ps.startTime);
      assert.deepEqual(
        conds(pod).map((c) => `${c.type}=${c.status}`),
        ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
      );
      assert.deepEqual(
        ps.containerStatuses.map((c) => [c.name, c.ready, c.started, c.restartCount, c.image]),
        [
          ['web', true, true, 0, 'docker.io/library/nginx:1.27'],
          ['side', true, true, 0, 'docker.io/library/busybox:latest'],
        ],
      );
      assert.match(String(ps.containerStatuses[0].containerID), /^k8ts-sim:\/\/[0-9a-f]{64}$/);
      assert.ok((ps.containerStatuses[0].state as { running?: { startedAt?: string } }).running?.startedAt);
      assert.equal((ps.initContainerStatuses[0].state as { terminated?: { reason?: string } }).terminated?.reason, 'Completed');

      // A second pod gets a different IP.
      await cp.client.create(PODS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'two', namespace: 'default' },
        spec: { nodeName: names[1], containers: [{ name: 'c', image: 'nginx' }] },
      });
      await waitFor(
        'second pod IP',
        async () => !!((await cp.client.get({ ...PODS, namespace: 'default', name: 'two' })).status as { podIP?: string }).podIP,
      );
      const ip2 = ((await cp.client.get({ ...PODS, namespace: 'default', name: 'two' })).status as { podIP: string }).podIP;
      assert.notEqual(ip2, ps.podIP);

      // A graceful delete is confirmed by the simulated kubelet: the pod goes for real.
      await cp.client.delete({ ...PODS, namespace: 'default', name: 'web' });
      await waitFor(
        'pod deleted',
        async () => {
          try {
            await cp.client.get({ ...PODS, namespace: 'default', name: 'web' });
            return false;
          } catch (e) {
            return isNotFound(e);
          }
        },
        5000,
      );

      // Removing nodes deletes them and their leases.
      await sim.remove([names[2]]);
      await assert.rejects(cp.client.get({ ...NODES, name: names[2] }), (e) => isNotFound(e));
      await assert.rejects(cp.client.get({ ...LEASES, name: names[2] }), (e) => isNotFound(e));
      assert.deepEqual(sim.names, [names[0], names[1]]);
    });
  });

/** Binds default/pod to node through the binding subresource, as the scheduler does. */
function bind(client: RestClient, pod: string, node: string): Promise<unknown> {
  return client.create(
    { ...PODS, namespace: 'default', name: pod, subresource: 'binding' },
    {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod, namespace: 'default' },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    },
  );
}

test('a pod bound through the binding subresource turns Running', async () => {
  await withSimulatedNodes({ readyDelayMs: 10 }, async ({ cp, sim }) => {
    const [name] = await sim.add(1);
    await cp.client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'b', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    await bind(cp.client, 'b', name);
    await waitFor(
      'bound pod running',
      async () => ((await cp.client.get({ ...PODS, namespace: 'default', name: 'b' })).status as { phase?: string }).phase === 'Running',
      3000,
    );
    const pod = await cp.client.get({ ...PODS, namespace: 'default', name: 'b' });
    assert.ok(inCIDR((pod.status as { podIP: string }).podIP, '10.244.0.0/24'));
    assert.equal(cond(pod, 'PodScheduled')?.status, 'True');
  });
});

test('with a pod informer of their own the nodes cache only bound pods, and run a pod once it is bound', async () => {
  await withSimulatedNodes({ readyDelayMs: 10, ownPodInformer: true }, async ({ cp, sim }) => {
    const [name] = await sim.add(1);
    const pod = (n: string, nodeName?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: n, namespace: 'default' },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'nginx' }] },
    });
    const phase = async (n: string) =>
      ((await cp.client.get({ ...PODS, namespace: 'default', name: n })).status as { phase?: string }).phase;
    // Pending first, then one bound at create: once that one runs, the informer has seen the
    // pending pod's creation too (events in revision order) and left it out.
    await cp.client.create(PODS, pod('pending'));
    await cp.client.create(PODS, pod('bound', name));
    await waitFor('the bound pod running', async () => (await phase('bound')) === 'Running', 3000);
    assert.equal(sim.podsCached, 1);
    // Bound later, it enters the selection and runs.
    await bind(cp.client, 'pending', name);
    await waitFor('the pod bound later running', async () => (await phase('pending')) === 'Running', 3000);
    assert.equal(sim.podsCached, 2);
  });
});

for (const own of [false, true])
  test(`a Job's pods end as their annotations say${own ? ' (a pod informer of their own, as their thread has)' : ''}`, async () => {
    await withSimulatedNodes({ readyDelayMs: 10, jobPodRunMs: 50, own }, async ({ cp, sim }) => {
      const [name] = await sim.add(1);
      const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: '7d0c3a1e-0000-4000-8000-000000000001', controller: true };
      const pod = (n: string, restartPolicy: string, annotations: Record<string, string>) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: n, namespace: 'default', ownerReferences: [owner], annotations: { 'other.example/a': 'x', ...annotations } },
        spec: { nodeName: name, restartPolicy, containers: [{ name: 'c', image: 'busybox' }] },
      });
      await cp.client.create(PODS, pod('fails', 'Never', { [SIMULATED_EXIT_CODE_ANNOTATION]: '3' }));
      await cp.client.create(
        PODS,
        pod('restarts', 'OnFailure', { [SIMULATED_EXIT_CODE_ANNOTATION]: '1', [POD_COMPLETE_DELAY_ANNOTATION]: '20ms' }),
      );
      await cp.client.create(PODS, pod('succeeds', 'Never', {}));
      const get = (n: string) => cp.client.get({ ...PODS, namespace: 'default', name: n });
      type CS = { state: { terminated?: { exitCode: number; reason: string } }; restartCount: number };
      const cs = (p: KObject) => (p.status as { containerStatuses?: CS[] }).containerStatuses?.[0];
      await waitFor('exit code 3: Failed', async () => ((await get('fails')).status as { phase?: string }).phase === 'Failed', 5000);
      const terminated = cs(await get('fails'))?.state.terminated;
      assert.deepEqual([terminated?.exitCode, terminated?.reason], [3, 'Error']);
      await waitFor('exit 0: Succeeded', async () => ((await get('succeeds')).status as { phase?: string }).phase === 'Succeeded', 5000);
      // Under OnFailure the container restarts (its run 20 ms long, by kwok's delay annotation).
      await waitFor('restarted twice', async () => (cs(await get('restarts'))?.restartCount ?? 0) >= 2, 5000);
      assert.equal(((await get('restarts')).status as { phase?: string }).phase, 'Running');
    });
  });

test('a silent simulated node leaves its pods alone and resumes them', async () => {
  await withSimulatedNodes({ heartbeatMs: 100, readyDelayMs: 20 }, async ({ cp, factory, sim }) => {
    const [name] = await sim.add(1);
    sim.stopHeartbeat(name);
    const before = ((await cp.client.get({ ...LEASES, name })).spec as { renewTime: string }).renewTime;
    await cp.client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { nodeName: name, containers: [{ name: 'c', image: 'nginx' }] },
    });
    // Once the silent node's informer has the pod, a live kubelet would act within ~20 ms: it must not.
    const inf = factory.informerFor(PODS);
    await waitFor('pod in cache', () => !!inf.getByName('default', 'p'));
    await stays(
      'the silent node leaves its pod Pending and its lease unrenewed',
      async () =>
        ((await cp.client.get({ ...PODS, namespace: 'default', name: 'p' })).status as { phase?: string }).phase === 'Pending' &&
        ((await cp.client.get({ ...LEASES, name })).spec as { renewTime: string }).renewTime === before,
      400,
    );
    sim.resumeHeartbeat(name);
    await waitFor(
      'pod running after resume',
      async () => ((await cp.client.get({ ...PODS, namespace: 'default', name: 'p' })).status as { phase?: string }).phase === 'Running',
      3000,
    );
    assert.notEqual(((await cp.client.get({ ...LEASES, name })).spec as { renewTime: string }).renewTime, before);
  });
});
