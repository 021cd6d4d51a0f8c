// metrics.k8s.io and autoscaling on a real node (issue #17, "Autoscaling and metrics"), driven
// by the stock kubectl: `kubectl top` reads the usage k8ts' built-in metrics-server scrapes
// from the node agent's /metrics/resource (cgroup figures of real containers), and a
// HorizontalPodAutoscaler scales a Deployment whose pods burn CPU. Short periods are configured
// for the test: --metric-resolution 2, --horizontal-pod-autoscaler-sync-period 2 and a
// downscale stabilization window of 10 s. Needs root on Linux (network namespaces).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { TestCluster, isRoot, ownNodeArgs } from './harness.js';

const cluster = new TestCluster('autoscale', 'memory');
const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, ...(args[0] === "get" && args[1] === "--raw" ? [] : ["-o", "json"])));

/** "1234m" or "2" cores as millicores. */
const millicores = (v: string): number => (v.endsWith('m') ? Number(v.slice(0, -1)) : v.endsWith('n') ? Number(v.slice(0, -1)) / 1e6 : Number(v) * 1000);

describe('metrics.k8s.io and autoscaling on a real node', { skip: isRoot ? false : 'needs root on Linux (network namespaces)' }, () => {
  before(async () => {
    await cluster.up([...ownNodeArgs('hpa'), '--metric-resolution', '2', '--horizontal-pod-autoscaler-sync-period', '2', '--horizontal-pod-autoscaler-downscale-stabilization', '10']);
    await cluster.waitFor('node Ready', async () => /hpa-node\s+Ready/.test(await cluster.k('get', 'nodes')), 60_000);
  });
  after(async () => { await cluster.stop(); });

  test('kubectl top pod shows a CPU figure for a busy pod; kubectl top node the node\'s', async () => {
    await cluster.kIn(YAML.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'busy', labels: { app: 'busy' } },
      spec: { containers: [{ name: 'burn', image: 'busybox', command: ['sh', '-c', 'while :; do :; done'], resources: { requests: { cpu: '200m' }, limits: { memory: '64Mi' } } }] },
    }), 'apply', '-f', '-');
    await cluster.k('wait', '--for=condition=Ready', 'pod/busy', '--timeout=90s').catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await cluster.k('describe', 'pod', 'busy').catch(() => '')}\n${cluster.log()}`);
    });
    const out = await cluster.waitFor('top pod has a figure', async () => {
      const r = await cluster.kubectl(['top', 'pod', 'busy']);
      return r.code === 0 ? r.stdout : undefined;
    }, 60_000);
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
});
