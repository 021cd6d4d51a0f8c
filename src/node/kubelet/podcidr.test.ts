// Where a node agent's podCIDR comes from, against a real API server (in process) with the node
// IPAM controller: the Node's block once the controller gives it, the Node's own block at a
// restart, an explicit --pod-cidr, and a --pod-cidr the Node contradicts refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NODES } from '../../api/types.js';
import { SharedInformerFactory } from '../../client/informer.js';
import { NodeIPAMController } from '../../controllers/nodeipam.js';
import { startTestControlPlane } from '../../testing/controlplane.js';
import { nodePodCIDR } from './podcidr.js';

test('the podCIDR comes from the Node (node IPAM), or from --pod-cidr when the Node does not contradict it', async (t) => {
  const cp = await startTestControlPlane();
  const kcm = cp.newClient('kube-controller-manager');
  const factory = new SharedInformerFactory(kcm);
  const ipam = new NodeIPAMController(kcm, factory, { clusterCIDR: '10.66.0.0/16', nodeCIDRMaskSize: 24 });
  t.after(async () => {
    await ipam.stop();
    await factory.stop();
    await cp.stop();
  });
  factory.start();
  await factory.waitForCacheSync(5000);
  ipam.start();

  // A new node: registered bare, then given the first block.
  const logs: string[] = [];
  const first = await nodePodCIDR(cp.client, 'n1', { timeoutMs: 10_000, pollMs: 50, log: (m) => logs.push(m) });
  assert.equal(first, '10.66.0.0/24');
  assert.ok(logs.some((l) => /waiting for a podCIDR/.test(l)));
  const n1 = await cp.client.get({ ...NODES, name: 'n1' });
  assert.equal(n1.metadata.labels?.['kubernetes.io/hostname'], 'n1');
  // A restart: the Node's block, at once.
  assert.equal(await nodePodCIDR(cp.client, 'n1', { timeoutMs: 1000 }), '10.66.0.0/24');
  // An explicit --pod-cidr for a new node is used (and the allocator then leaves it alone).
  assert.equal(await nodePodCIDR(cp.client, 'n2', { override: '10.66.7.0/24' }), '10.66.7.0/24');
  // A --pod-cidr the Node contradicts is refused.
  await assert.rejects(nodePodCIDR(cp.client, 'n1', { override: '10.66.9.0/24' }), /already has podCIDR 10\.66\.0\.0\/24/);
  // No allocator for this name's block in time: a plain message.
  await ipam.stop();
  await assert.rejects(nodePodCIDR(cp.client, 'n3', { timeoutMs: 300, pollMs: 50 }), /got no podCIDR within 0s.*--pod-cidr/);
});
