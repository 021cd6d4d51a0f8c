// The node IPAM controller against a real API server (in process): blocks handed out from the
// cluster CIDR, blocks Nodes already name kept, CIDRNotAvailable when exhausted, a deleted
// Node's block given to the next waiting one, and heartbeats of nodes that have a block cost no
// writes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import { NODES } from '../api/types.js';
import { runControllers, startTestControlPlane } from '../testing/controlplane.js';
import { stays, waitFor } from '../testing/wait.js';
import { CidrSet, NodeIPAMController } from './nodeipam.js';

test('CidrSet: blocks round-robin, occupy/release, exhaustion, foreign CIDRs', () => {
  const s = new CidrSet('10.9.0.0/22', 24);
  assert.equal(s.size, 4);
  assert.equal(s.occupy('10.9.1.0/24'), true);
  assert.equal(s.occupy('10.8.0.0/24'), false, 'outside the cluster CIDR');
  assert.equal(s.occupy('10.9.2.0/25'), false, 'not a block of the mask size');
  assert.equal(s.allocateNext(), '10.9.0.0/24');
  assert.equal(s.allocateNext(), '10.9.2.0/24');
  assert.equal(s.allocateNext(), '10.9.3.0/24');
  assert.equal(s.allocateNext(), undefined);
  s.release('10.9.1.0/24');
  assert.equal(s.free, 1);
  assert.equal(s.allocateNext(), '10.9.1.0/24');
  assert.throws(() => new CidrSet('10.0.0.0/8', 26), /more than 65536 blocks/);
  assert.throws(() => new CidrSet('10.0.0.0/16', 12), /between/);
});

test('nodes get podCIDRs from the cluster CIDR; exhaustion is a CIDRNotAvailable event', async (t) => {
  const cp = await startTestControlPlane();
  let stopController = async (): Promise<void> => {};
  t.after(async () => {
    await stopController();
    await cp.stop();
  });
  const c = cp.client;
  const node = (name: string, podCIDR?: string) =>
    c.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    });
  const cidrOf = async (name: string) => ((await c.get(NODES_REF(name))).spec as { podCIDR?: string; podCIDRs?: string[] }) ?? {};
  // A node that registered with its own block before the controller started keeps it.
  await node('explicit', '10.77.0.0/24');
  // Two blocks: 10.77.0.0/24 and 10.77.1.0/24.
  stopController = await runControllers(cp.newClient('kube-controller-manager'), (client, factory) => [
    new NodeIPAMController(client, factory, { clusterCIDR: '10.77.0.0/23', nodeCIDRMaskSize: 24 }),
  ]);

  await node('a');
  const a = await waitFor('a gets a podCIDR', async () => (await cidrOf('a')).podCIDR, 5000);
  assert.equal(a, '10.77.1.0/24', 'the block the explicit node holds is not given');
  assert.deepEqual((await cidrOf('a')).podCIDRs, ['10.77.1.0/24']);

  await node('b');
  const events = { group: '', version: 'v1', resource: 'events', namespace: 'default' };
  const ev = await waitFor(
    'CIDRNotAvailable for b',
    async () => (await c.list(events)).items.find((e) => (e as KObject & { reason?: string }).reason === 'CIDRNotAvailable'),
    5000,
  );
  const e = ev as KObject & { message?: string; involvedObject?: { kind?: string; name?: string }; type?: string };
  assert.equal(e.message, 'Node b status is now: CIDRNotAvailable');
  assert.deepEqual([e.involvedObject?.kind, e.involvedObject?.name, e.type], ['Node', 'b', 'Normal']);
  assert.equal((await cidrOf('b')).podCIDR, undefined);

  // a leaves: its block goes to b.
  await c.delete(NODES_REF('a'));
  assert.equal(await waitFor('b gets the freed block', async () => (await cidrOf('b')).podCIDR, 10_000), '10.77.1.0/24');

  // Status updates of nodes that hold a block write nothing.
  const rv = (await c.get(NODES_REF('b'))).metadata.resourceVersion;
  await c.patch({ ...NODES_REF('b'), subresource: 'status' }, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge');
  const after = (await c.get(NODES_REF('b'))).metadata.resourceVersion;
  await stays(
    'no write by the controller after a status update',
    async () => (await c.get(NODES_REF('b'))).metadata.resourceVersion === after,
    500,
  );
  assert.notEqual(rv, after);
});

function NODES_REF(name: string) {
  return { ...NODES, name };
}
