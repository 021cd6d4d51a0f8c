// `k8ts server --join` reading the cluster's options from kube-system/k8ts-config (as kubeadm
// join reads kube-system/kubeadm-config), against an in-process API server.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONFIGMAPS } from '../api/types.js';
import { defaultConfig } from '../cluster/config.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { publishClusterConfig, readClusterConfig } from './server.js';

let cp: TestControlPlane;
const CM = { ...CONFIGMAPS, namespace: 'kube-system', name: 'k8ts-config' };

before(async () => {
  cp = await startTestControlPlane();
});
after(() => cp.stop());

test('a join that comes before the first server published its options waits for them', async () => {
  // The reader says once that it waits: it has asked and found no ConfigMap.
  const log = console.log;
  let waiting!: () => void;
  const said = new Promise<void>((r) => (waiting = r));
  console.log = (...a: unknown[]) =>
    /waiting for the first server to publish kube-system\/k8ts-config/.test(String(a[0])) ? waiting() : log(...a);
  let reading: Promise<unknown>;
  try {
    reading = readClusterConfig(cp.client, 10_000);
    await Promise.race([said, reading.then((got) => assert.fail(`read without waiting: ${JSON.stringify(got)}`))]);
  } finally {
    console.log = log;
  }
  await publishClusterConfig(cp.client, { ...defaultConfig('t'), clusterCIDR: '10.251.0.0/16', nodeGracePeriodSeconds: 7 });
  const wide = (await reading) as Record<string, unknown>;
  assert.equal(wide.clusterCIDR, '10.251.0.0/16');
  assert.equal(wide.nodeGracePeriodSeconds, 7);
  // Only the cluster-wide options travel: this process's own (the port, the store) do not.
  assert.equal(wide.port, undefined);
  assert.equal(wide.store, undefined);
  await cp.client.delete(CM);
});

test('a cluster that never publishes its options is an error naming the ConfigMap, not the defaults', async () => {
  await assert.rejects(readClusterConfig(cp.client, 300), /kube-system\/k8ts-config is not there after 0\.3 s/);
});

test('published options that do not parse are an error naming the field', async () => {
  for (const [text, want] of [
    ['clusterCIDR: not-a-cidr\n', /k8ts-config: clusterCIDR/],
    ['- a list\n', /config\.yaml is not a mapping/],
    ['a: [unclosed\n', /config\.yaml is not YAML/],
  ] as const) {
    await cp.client.create(
      { ...CM, name: undefined },
      { metadata: { name: CM.name, namespace: 'kube-system' }, data: { 'config.yaml': text } },
    );
    await assert.rejects(readClusterConfig(cp.client, 300), want);
    await cp.client.delete(CM);
  }
});
