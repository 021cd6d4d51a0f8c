// Workloads on 3 simulated nodes, driven by the stock kubectl: the controllers, the scheduler
// and node lifecycle as a learner meets them (SCENARIO.md sections 2 and 4).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { spawnKubectl, TestCluster } from './harness.js';

const cluster = new TestCluster('workloads', 'memory');
before(async () => {
  await cluster.up(['--no-node', '--simulated-nodes', '3', '--node-grace-period', '3']);
});
after(async () => {
  await cluster.stop();
});

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
const podsOf = async (selector: string) => (await json('get', 'pods', '-l', selector)).items as any[];
const isReady = (p: any): boolean => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * Replays `kubectl get pods -w --output-watch-events -o json` output: after every event, the pods
 * not being deleted (live) and the ready ones among them; the bounds skip the initial listing.
 */
function replayPodEvents(output: string): { events: number; maxTotal: number; minAvailable: number; live: any[] } {
  const pods = new Map<string, any>();
  let maxTotal = 0,
    minAvailable = Infinity,
    events = 0;
  for (const doc of output.trim().replace(/}\s*{/g, '}\n@@\n{').split('\n@@\n')) {
    let ev: any;
    try {
      ev = JSON.parse(doc);
    } catch {
      continue;
    }
    if (!ev.object?.metadata) continue;
    events++;
    if (ev.type === 'DELETED') pods.delete(ev.object.metadata.name);
    else pods.set(ev.object.metadata.name, ev.object);
    const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
    if (events > 4) {
      maxTotal = Math.max(maxTotal, live.length);
      minAvailable = Math.min(minAvailable, live.filter(isReady).length);
    }
  }
  return { events, maxTotal, minAvailable, live: [...pods.values()].filter((p) => !p.metadata.deletionTimestamp) };
}

describe('workloads on simulated nodes', () => {
  test('three simulated nodes are Ready', async () => {
    await cluster.waitFor('3 nodes', async () => (await json('get', 'nodes')).items.length === 3);
    const out = await cluster.k('get', 'nodes');
    assert.equal((out.match(/\sReady\s/g) ?? []).length, 3, out);
  });

  test('create, scale 4 then 2, pods replaced, rs status, events', async () => {
    await cluster.k('create', 'deployment', 'kubernetes-bootcamp', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1');
    assert.match(await cluster.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=60s'), /successfully rolled out/);
    const rs = (await json('get', 'rs', '-l', 'app=kubernetes-bootcamp')).items;
    assert.equal(rs.length, 1);
    assert.match(rs[0].metadata.name, /^kubernetes-bootcamp-[a-z0-9]+$/);
    assert.equal(rs[0].metadata.annotations['deployment.kubernetes.io/revision'], '1');
    assert.match(await cluster.k('get', 'rs'), new RegExp(`^${rs[0].metadata.name}\\s+1\\s+1\\s+1\\s+`, 'm'));
    const [pod] = await podsOf('app=kubernetes-bootcamp');
    assert.equal(pod.metadata.ownerReferences[0].name, rs[0].metadata.name);
    await cluster.k('delete', 'pod', pod.metadata.name);
    await cluster.waitFor('a replacement pod', async () => {
      const ps = await podsOf('app=kubernetes-bootcamp');
      return ps.length === 1 && ps[0].metadata.name !== pod.metadata.name && ps[0].status.phase === 'Running';
    });
    await cluster.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=4');
    await cluster.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=60s');
    const four = await podsOf('app=kubernetes-bootcamp');
    assert.equal(four.length, 4);
    assert.equal(new Set(four.map((p) => p.status.podIP)).size, 4);
    assert.ok(new Set(four.map((p) => p.spec.nodeName)).size >= 2, 'spread over nodes');
    await cluster.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=2');
    await cluster.waitFor(
      '2 pods',
      async () => (await podsOf('app=kubernetes-bootcamp')).filter((p) => !p.metadata.deletionTimestamp).length === 2,
    );
    const d = await json('get', 'deploy', 'kubernetes-bootcamp');
    await cluster.waitFor('status settles', async () => {
      const s = (await json('get', 'deploy', 'kubernetes-bootcamp')).status;
      return s.replicas === 2 && s.readyReplicas === 2 && s.availableReplicas === 2 && s.updatedReplicas === 2;
    });
    assert.ok(
      d.status.conditions.some((c: any) => c.type === 'Available' && c.status === 'True' && c.reason === 'MinimumReplicasAvailable'),
    );
    assert.ok(
      d.status.conditions.some((c: any) => c.type === 'Progressing' && c.status === 'True' && c.reason === 'NewReplicaSetAvailable'),
    );
    const desc = await cluster.k('describe', 'deployment', 'kubernetes-bootcamp');
    assert.match(desc, /ScalingReplicaSet\s+.*Scaled up replica set kubernetes-bootcamp-[a-z0-9]+ (from 0 )?to 1/);
    assert.match(desc, /Scaled down replica set kubernetes-bootcamp-[a-z0-9]+ (from 4 )?to 2/);
    assert.match(desc, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
    const rsDesc = await cluster.k('describe', 'rs', rs[0].metadata.name);
    assert.match(rsDesc, /SuccessfulCreate\s+.*Created pod: kubernetes-bootcamp-/);
    assert.match(rsDesc, /SuccessfulDelete\s+.*Deleted pod: kubernetes-bootcamp-/);
    const pd = await cluster.k('describe', 'pod', (await podsOf('app=kubernetes-bootcamp'))[0].metadata.name);
    assert.match(pd, /Scheduled\s+.*default-scheduler\s+Successfully assigned default\/kubernetes-bootcamp-/);
  });

  test('rolling update keeps within maxSurge/maxUnavailable at every watch event; history, undo, pause, resume', async () => {
    await cluster.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=4');
    await cluster.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=60s');
    // maxSurge 25% of 4 = 1 (rounded up), maxUnavailable 25% of 4 = 1 (rounded down).
    const w = spawnKubectl(cluster, ['get', 'pods', '-l', 'app=kubernetes-bootcamp', '-w', '--output-watch-events', '-o', 'json']);
    try {
      await cluster.waitFor('watch started', async () => w.output().includes('"ADDED"'));
      await cluster.k('set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=docker.io/jocatalin/kubernetes-bootcamp:v2');
      assert.match(await cluster.k('rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=90s'), /successfully rolled out/);
      // The watch has caught up once its last state is the rolled-out one: four ready v2 pods, no v1 pod left live.
      await cluster.waitFor('the watch to see the rollout end', () => {
        const live = replayPodEvents(w.output()).live;
        return live.length === 4 && live.every((p) => p.spec.containers[0].image.endsWith(':v2') && isReady(p));
      });
    } finally {
      w.stop();
    }
    const { events, maxTotal, minAvailable } = replayPodEvents(w.output());
    assert.ok(events > 8, `saw ${events} events`);
    assert.ok(maxTotal <= 5, `total reached ${maxTotal} > replicas + maxSurge`);
    assert.ok(minAvailable >= 3, `available fell to ${minAvailable} < replicas - maxUnavailable`);
    const hist = await cluster.k('rollout', 'history', 'deployments/kubernetes-bootcamp');
    assert.match(hist, /^1\s+<none>$/m);
    assert.match(hist, /^2\s+<none>$/m);
    assert.match(
      await cluster.k('rollout', 'history', 'deployments/kubernetes-bootcamp', '--revision=2'),
      /jocatalin\/kubernetes-bootcamp:v2/,
    );
    assert.match(await cluster.k('rollout', 'undo', 'deployments/kubernetes-bootcamp'), /rolled back/);
    await cluster.k('rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=90s');
    const d = await json('get', 'deploy', 'kubernetes-bootcamp');
    assert.equal(d.spec.template.spec.containers[0].image, 'gcr.io/google-samples/kubernetes-bootcamp:v1');
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '3');
    assert.match(await cluster.k('rollout', 'history', 'deployments/kubernetes-bootcamp'), /^3\s+<none>$/m);
    // pause: changes do not roll out; resume: they do.
    await cluster.k('rollout', 'pause', 'deployments/kubernetes-bootcamp');
    await cluster.k('set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=docker.io/jocatalin/kubernetes-bootcamp:v2');
    // The controller has seen the new image while paused: it observed this generation and says DeploymentPaused.
    await cluster.waitFor('the paused change observed', async () => {
      const d = await json('get', 'deploy', 'kubernetes-bootcamp');
      return d.status.observedGeneration === d.metadata.generation && d.status.conditions.some((c: any) => c.reason === 'DeploymentPaused');
    });
    const paused = (await podsOf('app=kubernetes-bootcamp')).map((p) => p.spec.containers[0].image);
    assert.ok(
      paused.every((i) => i === 'gcr.io/google-samples/kubernetes-bootcamp:v1'),
      paused.join(','),
    );
    await cluster.k('rollout', 'resume', 'deployments/kubernetes-bootcamp');
    await cluster.k('rollout', 'status', 'deployments/kubernetes-bootcamp', '--timeout=90s');
    await cluster.waitFor('all pods on v2', async () =>
      (await podsOf('app=kubernetes-bootcamp'))
        .filter((p) => !p.metadata.deletionTimestamp)
        .every((p) => p.spec.containers[0].image.endsWith(':v2')),
    );
  });

  test('delete rs with --cascade=orphan keeps pods; without, the Deployment makes a new one', async () => {
    const old = (await json('get', 'rs', '-l', 'app=kubernetes-bootcamp')).items.find((r: any) => r.spec.replicas > 0);
    const rsName = old.metadata.name;
    const before = (await podsOf('app=kubernetes-bootcamp')).map((p) => p.metadata.name).sort();
    // Not kubectl's own wait: it lists the name, then lists and watches it again for a DELETED
    // event, and when the orphaning is done and the Deployment has made the new ReplicaSet of the
    // same name between those two lists, it waits on the new one until it times out. The test
    // waits for the uid to change instead.
    await cluster.k('delete', 'rs', rsName, '--cascade=orphan', '--wait=false');
    // The Deployment adopts the orphans into a new ReplicaSet with the same template hash.
    await cluster.waitFor('rs recreated', async () => {
      const r = await cluster.kubectl(['get', 'rs', rsName, '-o', 'json']);
      return r.code === 0 && JSON.parse(r.stdout).metadata.uid !== old.metadata.uid;
    });
    const after = (await podsOf('app=kubernetes-bootcamp')).map((p) => p.metadata.name).sort();
    assert.deepEqual(after, before);
    await cluster.k('delete', 'rs', rsName);
    await cluster.waitFor(
      'new pods after rs deleted',
      async () => {
        const ps = await podsOf('app=kubernetes-bootcamp');
        const live = ps.filter((p) => !p.metadata.deletionTimestamp);
        return live.length === 4 && live.every((p) => !before.includes(p.metadata.name) && p.status.phase === 'Running');
      },
      60_000,
    );
  });

  test('a pod whose nodeSelector no node satisfies stays Pending with FailedScheduling, then runs when a node is labelled', async () => {
    await cluster.kIn(
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'picky' },
        spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'nginx' }] },
      }),
      'apply',
      '-f',
      '-',
    );
    await cluster.waitFor('unschedulable condition', async () => {
      const p = await json('get', 'pod', 'picky');
      return p.status.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
    });
    const p = await json('get', 'pod', 'picky');
    const cond = p.status.conditions.find((c: any) => c.type === 'PodScheduled');
    assert.equal(
      cond.message,
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    assert.equal(p.status.phase, 'Pending');
    assert.match(
      await cluster.k('describe', 'pod', 'picky'),
      /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available/,
    );
    await cluster.k('label', 'node', 'sim-node-1', 'disk=ssd');
    await cluster.waitFor(
      'scheduled and running on the labelled node',
      async () => {
        const q = await json('get', 'pod', 'picky');
        return q.spec.nodeName === 'sim-node-1' && q.status.phase === 'Running';
      },
      30_000,
    );
  });

  test('cordon, drain and uncordon', async () => {
    const node = (await podsOf('app=kubernetes-bootcamp'))[0].spec.nodeName;
    assert.match(await cluster.k('cordon', node), /cordoned/);
    assert.match(await cluster.k('get', 'node', node), /Ready,SchedulingDisabled/);
    const dr = await cluster.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=60s']);
    assert.equal(dr.code, 0, dr.stderr);
    assert.match(dr.stdout, /drained/);
    await cluster.waitFor(
      'no live pods on the drained node',
      async () =>
        (await podsOf('app=kubernetes-bootcamp')).filter((p) => p.spec.nodeName === node && !p.metadata.deletionTimestamp).length === 0,
    );
    await cluster.waitFor(
      'replacements elsewhere',
      async () =>
        (await podsOf('app=kubernetes-bootcamp')).filter(
          (p) => p.status.phase === 'Running' && p.spec.nodeName !== node && !p.metadata.deletionTimestamp,
        ).length === 4,
      60_000,
    );
    assert.match(await cluster.k('uncordon', node), /uncordoned/);
    assert.doesNotMatch(await cluster.k('get', 'node', node), /SchedulingDisabled/);
  });

  test('a simulated node that stops heartbeating goes NotReady and its pods are replaced on the others', async () => {
    await cluster.kIn(
      YAML.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'hb' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'hb' } },
          template: {
            metadata: { labels: { app: 'hb' } },
            spec: {
              tolerations: [
                { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
                { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
              ],
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: { matchLabels: { app: 'hb' } },
                },
              ],
              containers: [{ name: 'c', image: 'nginx' }],
            },
          },
        },
      }),
      'apply',
      '-f',
      '-',
    );
    await cluster.k('rollout', 'status', 'deployment/hb', '--timeout=60s');
    const victim = (await podsOf('app=hb'))[0].spec.nodeName as string;
    const onVictim = (await podsOf('app=hb')).filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name);
    await cluster.k(
      'patch',
      'configmap',
      'k8ts-simulated-nodes',
      '-n',
      'kube-system',
      '--type=merge',
      '-p',
      JSON.stringify({ data: { silent: victim } }),
    );
    await cluster.waitFor('node NotReady', async () => /\sNotReady\s/.test(await cluster.k('get', 'node', victim)), 30_000);
    // The NoExecute taint follows through a rate-limited queue, as in Kubernetes.
    const n = await cluster.waitFor(
      'unreachable NoExecute taint',
      async () => {
        const x = await json('get', 'node', victim);
        return x.spec.taints?.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? x : undefined;
      },
      30_000,
    );
    assert.equal(n.status.conditions.find((c: any) => c.type === 'Ready').status, 'Unknown');
    await cluster.waitFor(
      'replacements on healthy nodes',
      async () => {
        const live = (await podsOf('app=hb')).filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running');
        return live.length === 3 && live.every((p) => p.spec.nodeName !== victim);
      },
      60_000,
    );
    assert.ok(onVictim.length > 0);
    await cluster.k(
      'patch',
      'configmap',
      'k8ts-simulated-nodes',
      '-n',
      'kube-system',
      '--type=merge',
      '-p',
      JSON.stringify({ data: { silent: '' } }),
    );
    await cluster.waitFor('node Ready again', async () => /\sReady\s/.test(await cluster.k('get', 'node', victim)), 30_000);
  });
});
