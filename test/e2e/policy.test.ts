// Quotas, limit ranges and priorities (issue #17, "Policy and scheduling"), driven by the stock
// kubectl against `k8ts up` with simulated nodes: the ResourceQuota admission plugin and
// controller, the LimitRanger plugin, PriorityClasses with the Priority plugin, and
// DefaultPreemption in the scheduler.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { spawnKubectl, TestCluster } from './harness.js';

const cluster = new TestCluster('policy', 'memory');
const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));

function podYAML(name: string, ns: string, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'], ...container }], ...spec },
  });
}

before(async () => {
  await cluster.up(['--no-node', '--simulated-nodes', '1']);
});
after(async () => {
  await cluster.stop();
});

describe('ResourceQuota and LimitRange', () => {
  test("a namespace with a quota of 2 pods refuses the third with Kubernetes' message", async () => {
    await cluster.k('create', 'namespace', 'q1');
    // Every namespace has the root CA configmap (root-ca-cert-publisher); it counts, as in Kubernetes.
    await cluster.waitFor(
      'kube-root-ca.crt',
      async () => (await cluster.kubectl(['get', 'cm', 'kube-root-ca.crt', '-n', 'q1'])).code === 0,
    );
    await cluster.k('create', 'quota', 'pods-quota', '--hard=pods=2,count/configmaps=3', '-n', 'q1');
    // The controller fills status.hard and status.used.
    const quota = await cluster.waitFor('quota status', async () => {
      const q = await json('get', 'quota', 'pods-quota', '-n', 'q1');
      return q.status?.used?.pods === '0' && q.status?.used?.['count/configmaps'] === '1' ? q : undefined;
    });
    assert.deepEqual(quota.status.hard, { 'count/configmaps': '3', pods: '2' });
    await cluster.kIn(podYAML('a', 'q1'), 'apply', '-f', '-');
    await cluster.kIn(podYAML('b', 'q1'), 'apply', '-f', '-');
    const third = await cluster.kubectl(['apply', '-f', '-'], { input: podYAML('c', 'q1') });
    assert.notEqual(third.code, 0);
    assert.match(third.stderr, /pods "c" is forbidden: exceeded quota: pods-quota, requested: pods=1, used: pods=2, limited: pods=2/);
    const q = await json('get', 'quota', 'pods-quota', '-n', 'q1');
    assert.equal(q.status.used.pods, '2');
    assert.match(
      await cluster.k('get', 'quota', '-n', 'q1'),
      /^NAME\s+AGE\s+REQUEST\s+LIMIT\npods-quota\s+\S+\s+count\/configmaps: 1\/3, pods: 2\/2\s+\n$/,
    );
    // Deleting a pod gives its slot back (replenishment), and the next create passes.
    await cluster.k('delete', 'pod', 'a', '-n', 'q1', '--grace-period=0', '--force', '--wait=false');
    await cluster.waitFor(
      'pods used 1',
      async () => (await json('get', 'quota', 'pods-quota', '-n', 'q1')).status.used.pods === '1',
      30_000,
    );
    await cluster.kIn(podYAML('c', 'q1'), 'apply', '-f', '-');
  });

  test('concurrent creates never take a quota past its limit (compare-and-swap on status)', async () => {
    await cluster.k('create', 'namespace', 'q2');
    await cluster.waitFor(
      'kube-root-ca.crt',
      async () => (await cluster.kubectl(['get', 'cm', 'kube-root-ca.crt', '-n', 'q2'])).code === 0,
    );
    await cluster.k('create', 'quota', 'cms', '--hard=configmaps=3', '-n', 'q2');
    // One is taken already: the root CA configmap every namespace has.
    await cluster.waitFor('quota status', async () => (await json('get', 'quota', 'cms', '-n', 'q2')).status?.used?.configmaps === '1');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => cluster.api('POST', '/api/v1/namespaces/q2/configmaps', { metadata: { name: `cm${i}` } })),
    );
    const created = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 403);
    assert.equal(created, 2, JSON.stringify(results.map((r) => r.status)));
    assert.equal(refused.length, 6);
    for (const r of refused)
      assert.match(
        r.body.message,
        /^configmaps "cm\d" is forbidden: exceeded quota: cms, requested: configmaps=1, used: configmaps=3, limited: configmaps=3$/,
      );
    assert.equal((await json('get', 'configmaps', '-n', 'q2')).items.length, 3);
  });

  test('a compute quota requires requests and limits; a LimitRange default appears on a pod without them', async () => {
    await cluster.k('create', 'namespace', 'q3');
    await cluster.k('create', 'quota', 'compute', '--hard=requests.cpu=1,limits.cpu=2,requests.memory=1Gi', '-n', 'q3');
    await cluster.waitFor(
      'quota status',
      async () => (await json('get', 'quota', 'compute', '-n', 'q3')).status?.used?.['requests.cpu'] === '0',
    );
    const bare = await cluster.kubectl(['apply', '-f', '-'], { input: podYAML('bare', 'q3') });
    assert.notEqual(bare.code, 0);
    assert.match(
      bare.stderr,
      /pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.cpu for: app; requests.memory for: app/,
    );
    await cluster.kIn(
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'defaults', namespace: 'q3' },
        spec: {
          limits: [
            {
              type: 'Container',
              default: { cpu: '500m', memory: '256Mi' },
              defaultRequest: { cpu: '250m', memory: '128Mi' },
              max: { cpu: '1' },
            },
          ],
        },
      }),
      'apply',
      '-f',
      '-',
    );
    await cluster.kIn(podYAML('defaulted', 'q3'), 'apply', '-f', '-');
    const pod = await json('get', 'pod', 'defaulted', '-n', 'q3');
    assert.deepEqual(pod.spec.containers[0].resources, {
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '250m', memory: '128Mi' },
    });
    assert.equal(
      pod.metadata.annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app',
    );
    assert.equal(pod.status.qosClass ?? 'Burstable', 'Burstable');
    const q = await json('get', 'quota', 'compute', '-n', 'q3');
    assert.equal(q.status.used['requests.cpu'], '250m');
    assert.equal(q.status.used['limits.cpu'], '500m');
    // max: a limit above it is refused with LimitRanger's message.
    const big = await cluster.kubectl(['apply', '-f', '-'], {
      input: podYAML('big', 'q3', {}, { resources: { limits: { cpu: '2' }, requests: { cpu: '100m' } } }),
    });
    assert.notEqual(big.code, 0);
    assert.match(big.stderr, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/);
    // A LimitRange that contradicts itself is invalid.
    const bad = await cluster.kubectl(['apply', '-f', '-'], {
      input: YAML.stringify({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'bad', namespace: 'q3' },
        spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] },
      }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /LimitRange "bad" is invalid: \n\* spec.limits\[0\].min\[cpu\]: Invalid value: "2": min value 2 is greater than max value 1/,
    );
  });
});

describe('PriorityClass and preemption', () => {
  const pc = (name: string, value: number, extra: Record<string, unknown> = {}) =>
    YAML.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra });

  test("the system classes exist; a pod's priorityClassName resolves to its priority; an unknown class is refused", async () => {
    const out = await cluster.k('get', 'priorityclasses');
    assert.match(out, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\n/);
    assert.match(out, /\nsystem-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority\n/);
    assert.match(out, /\nsystem-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority\n/);
    await cluster.k('create', 'namespace', 'prio');
    await cluster.kIn(
      pc('low', 10) + '---\n' + pc('high', 1000) + '---\n' + pc('high-never', 1000, { preemptionPolicy: 'Never' }),
      'apply',
      '-f',
      '-',
    );
    const unknown = await cluster.kubectl(['apply', '-f', '-'], { input: podYAML('lost', 'prio', { priorityClassName: 'nope' }) });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /pods "lost" is forbidden: no PriorityClass with name nope was found/);
    const sys = await cluster.kubectl(['delete', 'priorityclass', 'system-node-critical']);
    assert.notEqual(sys.code, 0);
    assert.match(sys.stderr, /this is a system priority class and cannot be deleted/);
    const reserved = await cluster.kubectl(['apply', '-f', '-'], { input: pc('system-mine', 5) });
    assert.match(reserved.stderr, /priority class names with 'system-' prefix are reserved for system use only/);
  });

  test('a high-priority pod preempts a low-priority one on a full node; preemptionPolicy Never does not', async () => {
    const nodes = (await json('get', 'nodes')).items;
    const cpu = nodes[0].status.allocatable.cpu; // the one simulated node, filled by one pod
    const res = { resources: { requests: { cpu } } };
    await cluster.kIn(podYAML('victim', 'prio', { priorityClassName: 'low' }, res), 'apply', '-f', '-');
    await cluster.waitFor(
      'victim running',
      async () => (await json('get', 'pod', 'victim', '-n', 'prio')).status?.phase === 'Running',
      30_000,
    );
    const victim = await json('get', 'pod', 'victim', '-n', 'prio');
    assert.equal(victim.spec.priority, 10);
    assert.equal(victim.spec.preemptionPolicy, 'PreemptLowerPriority');
    // Never: waits Pending with the reason, and the victim stays.
    await cluster.kIn(podYAML('polite', 'prio', { priorityClassName: 'high-never' }, res), 'apply', '-f', '-');
    const polite = await cluster.waitFor(
      'polite unschedulable',
      async () => {
        const p = await json('get', 'pod', 'polite', '-n', 'prio');
        return (p.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled' && c.reason === 'Unschedulable') ? p : undefined;
      },
      30_000,
    );
    assert.match(
      polite.status.conditions.find((c: any) => c.type === 'PodScheduled').message,
      /0\/1 nodes are available: 1 Insufficient cpu\. preemption: not eligible due to preemptionPolicy=Never\./,
    );
    assert.equal(polite.status.nominatedNodeName, undefined);
    await cluster.k('delete', 'pod', 'polite', '-n', 'prio', '--grace-period=0', '--force');
    // The preemptor: the victim gets DisruptionTarget and goes; the preemptor is nominated, then runs there.
    const watch = spawnKubectl(cluster, ['get', 'pod', 'victim', '-n', 'prio', '-w', '-o', 'json']);
    try {
      // The watch has the victim before the preemptor exists: kubectl starting slower than the
      // scheduler preempts (a loaded machine) would otherwise first look after the victim is gone.
      await cluster.waitFor('the watch shows the victim', () => /"name": "victim"/.test(watch.output()), 30_000);
      await cluster.kIn(podYAML('vip', 'prio', { priorityClassName: 'high' }, res), 'apply', '-f', '-');
      await cluster.waitFor('victim marked DisruptionTarget', () => /"reason": "PreemptionByScheduler"/.test(watch.output()), 30_000);
      assert.match(watch.output(), /"message": "default-scheduler: preempting to accommodate a higher priority pod"/);
    } finally {
      watch.stop();
    }
    const watched = await cluster.waitFor(
      'vip nominated or bound',
      async () => {
        const p = await json('get', 'pod', 'vip', '-n', 'prio');
        return p.status?.nominatedNodeName || p.spec.nodeName ? p : undefined;
      },
      30_000,
    );
    assert.equal(watched.spec.priority, 1000);
    await cluster.waitFor(
      'vip running on the node',
      async () => {
        const p = await json('get', 'pod', 'vip', '-n', 'prio');
        return p.status?.phase === 'Running' && p.spec.nodeName === nodes[0].metadata.name;
      },
      60_000,
    );
    const gone = await cluster.kubectl(['get', 'pod', 'victim', '-n', 'prio']);
    assert.match(gone.stderr, /pods "victim" not found/);
    const events = await cluster.k('get', 'events', '-n', 'prio', '--field-selector', 'involvedObject.name=victim');
    assert.match(events, /Preempted\s+pod\/victim\s+Preempted by pod \S+ on node /);
  });
});

describe('/metrics', () => {
  /** The value of one sample line, found by its metric name and labels. */
  const sample = (text: string, name: string, labels: Record<string, string>): number => {
    let total = 0;
    let found = false;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
    assert.ok(found, `${name} ${JSON.stringify(labels)} in /metrics`);
    return total;
  };

  test("kubectl get --raw /metrics shows apiserver_request_total increasing, and the other components' metrics", async () => {
    await cluster.k('create', 'namespace', 'metrics');
    await cluster.kIn(podYAML('counted', 'metrics'), 'apply', '-f', '-');
    await cluster.waitFor('counted scheduled', async () => !!(await json('get', 'pod', 'counted', '-n', 'metrics')).spec.nodeName, 30_000);
    const listPods = { verb: 'LIST', resource: 'pods', code: '200', component: 'apiserver' };
    const before = sample(await cluster.k('get', '--raw', '/metrics'), 'apiserver_request_total', listPods);
    for (let i = 0; i < 3; i++) await cluster.k('get', 'pods', '-A');
    const text = await cluster.k('get', '--raw', '/metrics');
    const after = sample(text, 'apiserver_request_total', listPods);
    assert.ok(after >= before + 3, `LIST pods went from ${before} to ${after}`);
    assert.match(text, /# TYPE apiserver_request_total counter/);
    assert.match(text, /# TYPE apiserver_request_duration_seconds histogram/);
    assert.ok(sample(text, 'apiserver_storage_objects', { resource: 'namespaces' }) >= 4);
    assert.ok(sample(text, 'apiserver_storage_objects', { resource: 'priorityclasses.scheduling.k8s.io' }) >= 2);
    // Informers of every component hold watches open.
    assert.ok(sample(text, 'apiserver_registered_watchers', { kind: 'Pod' }) >= 1);
    assert.ok(sample(text, 'scheduler_schedule_attempts_total', { result: 'scheduled' }) >= 1);
    assert.ok(sample(text, 'workqueue_adds_total', { name: 'serviceaccount' }) >= 1);
    sample(text, 'workqueue_adds_total', { name: 'resourcequota' });
    sample(text, 'workqueue_depth', { name: 'replicaset' });
    sample(text, 'scheduler_pending_pods', { queue: 'active' });
    // Not for anyone: an unauthenticated caller gets 401.
    const anon = await cluster.api('GET', '/metrics', undefined, { Authorization: 'Bearer wrong' });
    assert.equal(anon.status, 401);
  });
});
