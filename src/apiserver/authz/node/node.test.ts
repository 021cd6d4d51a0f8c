// Issue #12: a node's credential (system:node:NAME in system:nodes) reads only what pods bound
// to it use, and writes only its own Node, Lease and its pods' status (Node authorizer and
// NodeRestriction), with kube-apiserver's messages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../../../client/rest.js';
import { podManifest } from '../../../testing/pods.js';
import { apiError, core } from '../../../testing/registry.js';
import { startTLSControlPlane } from '../../../testing/tlscontrolplane.js';
import { waitFor } from '../../../testing/wait.js';

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await apiError(p);
  assert.equal(e.code, 403, e.message);
  return e.message;
}

test('Node authorizer and NodeRestriction', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const a = cp.admin;
  for (const n of ['n1', 'n2']) await a.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
  for (const s of ['s1', 's2', 'unused'])
    await a.create(core('secrets', 'default'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: s }, stringData: { k: s } });
  await a.create(core('configmaps', 'default'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { k: 'v' } });
  const pods: [string, Record<string, unknown>][] = [
    [
      'web',
      {
        nodeName: 'n1',
        containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: 'c1' } }] }],
        volumes: [{ name: 'v', secret: { secretName: 's1' } }],
      },
    ],
    [
      'db',
      {
        nodeName: 'n2',
        containers: [{ name: 'c', image: 'busybox', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 's2', key: 'k' } } }] }],
      },
    ],
  ];
  for (const [name, spec] of pods) await a.create(core('pods', 'default'), { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
  const n1 = cp.clientFor('system:node:n1', ['system:nodes']);

  // Reads: what its pods use, nothing else.
  assert.equal((await n1.get(core('secrets', 'default', 's1'))).metadata.name, 's1');
  assert.equal((await n1.get(core('configmaps', 'default', 'c1'))).metadata.name, 'c1');
  assert.equal(
    await refusal(n1.get(core('secrets', 'default', 's2'))),
    'secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object',
  );
  assert.match(await refusal(n1.get(core('secrets', 'default', 'unused'))), /no relationship found between node 'n1' and this object$/);
  assert.equal(
    await refusal(n1.list(core('secrets', 'default'))),
    'secrets is forbidden: User "system:node:n1" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found',
  );
  assert.match(
    await refusal(
      n1.update(core('secrets', 'default', 's1'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: 'default' } }),
    ),
    /can only read resources of this type$/,
  );
  // What system:node allows otherwise: pods and services read.
  assert.ok((await n1.list(core('pods'))).items.length >= 2);

  // Writes: its own Node, not another's.
  await n1.patch(core('nodes', undefined, 'n1', 'status'), {
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
  });
  assert.equal(
    await refusal(n1.patch(core('nodes', undefined, 'n2', 'status'), { status: { conditions: [{ type: 'Ready', status: 'False' }] } })),
    'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
  );
  assert.equal(
    await refusal(n1.patch(core('nodes', undefined, 'n2'), { metadata: { labels: { pwned: 'yes' } } })),
    'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
  );
  assert.equal(
    await refusal(n1.patch(core('nodes', undefined, 'n1'), { spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] } })),
    'nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
  );
  // Pod status of its own pods only; no pods of its own making but mirror pods.
  await n1.patch(core('pods', 'default', 'web', 'status'), { status: { phase: 'Running' } });
  assert.equal(
    await refusal(n1.patch(core('pods', 'default', 'db', 'status'), { status: { phase: 'Failed' } })),
    'pods "db" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
  );
  assert.match(
    await refusal(n1.create(core('pods', 'default'), podManifest('sneaky', 'busybox', { nodeName: 'n1' }))),
    /pod does not have "kubernetes.io\/config.mirror" annotation, node "n1" can only create mirror pods$/,
  );
  assert.match(await refusal(n1.delete(core('pods', 'default', 'db'))), /node "n1" can only delete pods with spec.nodeName set to itself$/);
  // Its own Lease only.
  const leases = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease' };
  await n1.create(leases, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'n1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'n1' },
  });
  assert.match(
    await refusal(
      n1.create(leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'n2', namespace: 'kube-node-lease' },
        spec: { holderIdentity: 'n1' },
      }),
    ),
    /can only access node lease with the same name as the requesting node$/,
  );
  assert.match(await refusal(n1.get({ ...leases, name: 'n2' })), /can only access node lease with the same name as the requesting node$/);

  // Once its pod is gone, so is the relationship.
  await a.delete(core('pods', 'default', 'web'), { gracePeriodSeconds: 0 });
  const gone = async () => {
    try {
      await n1.get(core('secrets', 'default', 's1'));
      return false;
    } catch (e) {
      return isApiError(e) && e.code === 403;
    }
  };
  await waitFor('n1 loses s1 with its pod', gone, 5000);
  // A credential that names a node but is not in system:nodes is just a user.
  const fake = cp.clientFor('system:node:n2');
  assert.match(await refusal(fake.get(core('secrets', 'default', 's2'))), /cannot get resource "secrets"/);
});
