// The identities of k8ts' node add-ons and FleetLock (k8tspolicy.ts) can do what those
// components do, through a real API server with RBAC, and no more: the FleetLock server cordons,
// drains and keeps its semaphores but reads no Secret; a node's add-ons watch what DNS,
// ingress, NetworkPolicy and local-path need and publish the DNS endpoints in kube-system only.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RestClient } from '../../../client/rest.js';
import { podManifest } from '../../../testing/pods.js';
import { core, statusCode } from '../../../testing/registry.js';
import { startTLSControlPlane } from '../../../testing/tlscontrolplane.js';
import { FLEETLOCK_USER, NODE_ADDONS_GROUP } from './k8tspolicy.js';

test("system:k8ts:fleetlock and system:k8ts:node-addons have their components' rights only", async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  await cp.admin.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await cp.admin.create(core('secrets', 'default'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { k: 'v' } });

  const fl: RestClient = cp.clientFor(FLEETLOCK_USER);
  assert.equal(await statusCode(fl.list(core('nodes'))), 200);
  assert.equal(await statusCode(fl.patch(core('nodes', undefined, 'n1'), { spec: { unschedulable: true } }, 'merge')), 200);
  assert.equal(await statusCode(fl.list(core('pods'), { fieldSelector: 'spec.nodeName=n1' })), 200);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fleetlock-default', namespace: 'kube-system' }, data: {} };
  assert.equal(await statusCode(fl.create(core('configmaps', 'kube-system'), cm)), 200);
  assert.equal(await statusCode(fl.create(core('configmaps', 'default'), { ...cm, metadata: { name: 'x', namespace: 'default' } })), 403);
  assert.equal(await statusCode(fl.get(core('secrets', 'default', 's'))), 403);
  assert.equal(await statusCode(fl.delete(core('nodes', undefined, 'n1'))), 403);

  const addons = cp.clientFor(`system:k8ts:node-addons:n1`, [NODE_ADDONS_GROUP]);
  for (const r of ['services', 'endpoints', 'namespaces', 'pods', 'persistentvolumes'])
    assert.equal(await statusCode(addons.list(core(r))), 200, r);
  for (const [g, r] of [
    ['discovery.k8s.io', 'endpointslices'],
    ['networking.k8s.io', 'ingresses'],
    ['networking.k8s.io', 'networkpolicies'],
  ])
    assert.equal(await statusCode(addons.list({ group: g, version: 'v1', resource: r })), 200, r);
  const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'x' } };
  assert.equal(
    await statusCode(addons.create(core('endpoints', 'kube-system'), { ...ep, metadata: { name: 'x', namespace: 'kube-system' } })),
    200,
  );
  assert.equal(
    await statusCode(addons.create(core('endpoints', 'default'), { ...ep, metadata: { name: 'x', namespace: 'default' } })),
    403,
  );
  assert.equal(await statusCode(addons.get(core('secrets', 'default', 's'))), 403);
  assert.equal(await statusCode(addons.create(core('pods', 'default'), podManifest('p', 'x'))), 403);
  assert.equal(await statusCode(addons.patch(core('nodes', undefined, 'n1'), { metadata: { labels: { a: 'b' } } }, 'merge')), 403);
});

// Every node has this credential; it used to list and watch every Secret of the cluster (for the
// ingress controller's TLS certificates). Now only the Secrets an Ingress names for TLS, by name
// (NodeAddonsAuthorizer; redteam, session 10).
test('system:k8ts:node-addons reads only the Secrets an Ingress names for TLS, one by name', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const a = cp.admin;
  for (const s of ['web-tls', 'db-password'])
    await a.create(core('secrets', 'default'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: s }, stringData: { k: s } });
  const addons = cp.clientFor('system:k8ts:node-addons:n1', [NODE_ADDONS_GROUP]);
  const ingresses = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', namespace: 'default' };
  assert.equal(await statusCode(addons.list(core('secrets'))), 403);
  assert.equal(await statusCode(addons.list(core('secrets', 'default'))), 403);
  assert.equal(await statusCode(addons.get(core('secrets', 'default', 'web-tls'))), 403);
  await a.create(ingresses, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web' },
    spec: {
      tls: [{ hosts: ['web.example'], secretName: 'web-tls' }],
      rules: [
        {
          host: 'web.example',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
        },
      ],
    },
  });
  assert.equal(await statusCode(addons.get(core('secrets', 'default', 'web-tls'))), 200);
  assert.equal(await statusCode(addons.list(core('secrets', 'default'), { fieldSelector: 'metadata.name=web-tls' })), 200);
  // Not the others, not all of them, not in another namespace, and no writes.
  assert.equal(await statusCode(addons.get(core('secrets', 'default', 'db-password'))), 403);
  assert.equal(await statusCode(addons.list(core('secrets', 'default'))), 403);
  assert.equal(await statusCode(addons.list(core('secrets'), { fieldSelector: 'metadata.name=web-tls' })), 403);
  assert.equal(await statusCode(addons.get(core('secrets', 'kube-system', 'web-tls'))), 403);
  assert.equal(
    await statusCode(
      addons.update(core('secrets', 'default', 'web-tls'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-tls' } }),
    ),
    403,
  );
  // The right goes with the Ingress.
  await a.delete({ ...ingresses, name: 'web' });
  assert.equal(await statusCode(addons.get(core('secrets', 'default', 'web-tls'))), 403);
});

// The local-path cleanup deletes and un-finalizes the volumes of its own node; every node used to
// be allowed to delete or patch any PersistentVolume of the cluster (redteam, session 10).
test('system:k8ts:node-addons deletes and patches only the volumes provisioned on its node', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const pv = (name: string, node?: string) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(node ? { annotations: { 'local.path.provisioner/selected-node': node } } : {}) },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` } },
  });
  for (const [name, node] of [
    ['mine', 'n1'],
    ['theirs', 'n2'],
    ['admins', undefined],
  ] as const)
    await cp.admin.create(core('persistentvolumes'), pv(name, node));
  const addons = cp.clientFor('system:k8ts:node-addons:n1', [NODE_ADDONS_GROUP]);
  assert.equal(await statusCode(addons.list(core('persistentvolumes'))), 200);
  assert.equal(await statusCode(addons.get(core('persistentvolumes', undefined, 'theirs'))), 200);
  for (const name of ['theirs', 'admins']) {
    assert.equal(
      await statusCode(addons.patch(core('persistentvolumes', undefined, name), { metadata: { labels: { a: 'b' } } }, 'merge')),
      403,
      name,
    );
    assert.equal(await statusCode(addons.delete(core('persistentvolumes', undefined, name))), 403, name);
  }
  assert.equal(
    await statusCode(addons.patch(core('persistentvolumes', undefined, 'mine'), { metadata: { labels: { a: 'b' } } }, 'merge')),
    200,
  );
  assert.equal(await statusCode(addons.delete(core('persistentvolumes', undefined, 'mine'))), 200);
});
