// metrics.k8s.io and autoscaling on a real node (issue #17, "Autoscaling and metrics"), driven
// by the stock kubectl: `kubectl top` reads the usage k8ts' built-in metrics-server scrapes
// from the node agent's /metrics/resource (cgroup figures of real containers), and a
// HorizontalPodAutoscaler scales a Deployment whose pods burn CPU. Short periods are configured
// for the test: --metric-resolution 2, --horizontal-pod-autoscaler-sync-period 2 and a
// downscale stabilization window of 10 s. Needs root on Linux (network namespaces).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { isRoot, ownNodeArgs, TestCluster } from './harness.js';

const cluster = new TestCluster('autoscale', 'memory');
const json = async (...args: string[]) =>
  JSON.parse(await cluster.k(...args, ...(args[0] === 'get' && args[1] === '--raw' ? [] : ['-o', 'json'])));

/** "1234m" or "2" cores as millicores. */
const millicores = (v: string): number =>
  v.endsWith('m') ? Number(v.slice(0, -1)) : v.endsWith('n') ? Number(v.slice(0, -1)) / 1e6 : Number(v) * 1000;

describe('metrics.k8s.io and autoscaling on a real node', { skip: isRoot ? false : 'needs root on Linux (network namespaces)' }, () => {
  before(async () => {
    await cluster.up([
      ...ownNodeArgs('hpa'),
      '--metric-resolution',
      '2',
      '--horizontal-pod-autoscaler-sync-period',
      '2',
      '--horizontal-pod-autoscaler-downscale-stabilization',
      '10',
    ]);
    await cluster.waitFor('node Ready', async () => /hpa-node\s+Ready/.test(await cluster.k('get', 'nodes')), 60_000);
  });
  after(async () => {
    await cluster.stop();
  });

  test("kubectl top pod shows a CPU figure for a busy pod; kubectl top node the node's", async () => {
    await cluster.kIn(
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'busy', labels: { app: 'busy' } },
        spec: {
          containers: [
            {
              name: 'burn',
              image: 'busybox',
              command: ['sh', '-c', 'while :; do :; done'],
              resources: { requests: { cpu: '200m' }, limits: { memory: '64Mi' } },
            },
          ],
        },
      }),
      'apply',
      '-f',
      '-',
    );
    await cluster.k('wait', '--for=condition=Ready', 'pod/busy', '--timeout=90s').catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await cluster.k('describe', 'pod', 'busy').catch(() => '')}\n${cluster.log()}`);
    });
    const out = await cluster.waitFor(
      'top pod has a figure',
      async () => {
        const r = await cluster.kubectl(['top', 'pod', 'busy']);
        return r.code === 0 ? r.stdout : undefined;
      },
      60_000,
    );
    const m = /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nbusy\s+(\d+m)\s+(\d+Mi)\s*\n$/.exec(out);
    assert.ok(m, out);
    // Limited to half a core: the figure is the throttled burn, well above idle.
    const cpu = millicores(m[1]);
    assert.ok(cpu >= 150, `busy pod CPU ${m[1]}`);
    const containers = await cluster.k('top', 'pod', 'busy', '--containers');
    assert.match(containers, /busy\s+burn\s+\d+m\s+\d+Mi/);
    const nodes = await cluster.k('top', 'node');
    assert.match(nodes, /^NAME\s+CPU\(cores\)\s+CPU(\(%\))?\s+MEMORY\(bytes\)\s+MEMORY(\(%\))?\s*\nhpa-node\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
    // The API itself, as an aggregated group is listed and read.
    assert.match(await cluster.k('api-resources', '--api-group=metrics.k8s.io'), /pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics/);
    const pm = await json('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy');
    assert.equal(pm.kind, 'PodMetrics');
    assert.match(pm.containers[0].usage.cpu, /^\d+n$/);
    assert.match(pm.window, /^\d+(\.\d+)?m?s$/);
    const missing = await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope']);
    assert.notEqual(missing.code, 0);
    // The node agent's own metrics, in the one-process cluster's /metrics.
    const metrics = await cluster.k('get', '--raw', '/metrics');
    const running = /^kubelet_running_pods (\d+)$/m.exec(metrics);
    assert.ok(running && Number(running[1]) >= 1, 'kubelet_running_pods');
    assert.match(metrics, /^kubelet_pod_start_duration_seconds_count [1-9]\d*$/m);
    await cluster.k('delete', 'pod', 'busy', '--grace-period=1');
  });

  test('an HPA (kubectl autoscale) scales a Deployment whose pods burn CPU from 1 to 3 replicas, and back to 1 after the load stops', async () => {
    // Bursts of work between short sleeps: a fraction of a core each, far above a 20m request.
    const burn =
      'while [ ! -f /tmp/stop ]; do i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; usleep 50000 2>/dev/null || sleep 1; done; exec sleep 3600';
    await cluster.k('create', 'deployment', 'burn', '--image=busybox', '--', 'sh', '-c', burn);
    await cluster.k('set', 'resources', 'deployment', 'burn', '--requests=cpu=20m');
    const created = await cluster.kubectl(['autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=3', '-v=6']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /horizontalpodautoscaler.autoscaling\/burn autoscaled/);
    // kubectl 1.32 creates through autoscaling/v1 (stored as v2).
    assert.match(
      created.stderr,
      /POST https:\/\/[^ ]+\/apis\/autoscaling\/v1\/namespaces\/default\/horizontalpodautoscalers\S* 201 Created/,
    );
    const hpa = await json('get', 'hpa', 'burn');
    assert.deepEqual(hpa.spec.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ]);
    const up = await cluster.waitFor(
      'scaled to 3',
      async () => {
        const d = await json('get', 'deployment', 'burn');
        return d.spec.replicas >= 3 ? d : undefined;
      },
      180_000,
    );
    assert.equal(up.spec.replicas, 3, 'never above maxReplicas');
    const scaled = await json('get', 'hpa', 'burn');
    const cond = (t: string) => scaled.status.conditions.find((c: any) => c.type === t);
    assert.equal(cond('AbleToScale')?.status, 'True');
    assert.equal(cond('ScalingActive')?.status, 'True');
    assert.equal(cond('ScalingActive')?.reason, 'ValidMetricFound');
    assert.ok(cond('ScalingLimited'), 'ScalingLimited reported');
    assert.ok(scaled.status.currentMetrics[0].resource.current.averageUtilization > 50);
    assert.match(
      await cluster.k('get', 'hpa', 'burn'),
      /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nburn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+\d\s+\S+\n$/,
    );
    assert.match(
      await cluster.k('describe', 'hpa', 'burn'),
      /SuccessfulRescale\s+.*New size: \d+; reason: cpu resource utilization \(percentage of request\) above target/,
    );
    // The load stops: every pod's loop ends; after the 10 s window the HPA scales down to its minimum.
    await cluster.waitFor(
      'all pods running',
      async () => {
        const pods = (await json('get', 'pods', '-l', 'app=burn')).items as any[];
        return pods.length >= 3 && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
      },
      120_000,
    );
    for (const p of (await json('get', 'pods', '-l', 'app=burn')).items as any[]) {
      if (p.metadata.deletionTimestamp) continue;
      await cluster.k('exec', p.metadata.name, '--', 'touch', '/tmp/stop');
    }
    await cluster.waitFor('scaled back to 1', async () => (await json('get', 'deployment', 'burn')).spec.replicas === 1, 180_000);
    assert.match(await cluster.k('describe', 'hpa', 'burn'), /New size: 1; reason: All metrics below target/);
    await cluster.k('delete', 'hpa', 'burn');
    await cluster.k('delete', 'deployment', 'burn');
  });
});
