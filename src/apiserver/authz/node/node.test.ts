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

// What a node could do with its own writes to reach beyond itself (redteam, session 10): make a
// mirror pod naming another namespace's ConfigMap (then read it through the Node authorizer),
// label itself into workloads meant for other nodes, mint unbound tokens, relabel its pods.
test('NodeRestriction: mirror pods own nothing but the node, kubelet labels only, pod-bound tokens only', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const a = cp.admin;
  const node = await a.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await a.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
  await a.create(core('namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'victim' } });
  await a.create(core('configmaps', 'victim'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'creds' }, data: { pw: 'x' } });
  await a.create(core('persistentvolumeclaims', 'victim'), {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  const n1 = cp.clientFor('system:node:n1', ['system:nodes']);
  const owner = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata.uid, controller: true };
  const mirror = (name: string, spec: Record<string, unknown>, ownerReferences: unknown[] = [owner]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'victim', annotations: { 'kubernetes.io/config.mirror': 'x' }, ownerReferences },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }], ...spec },
  });
  const refusedPod = async (name: string, spec: Record<string, unknown>, why: string, owners?: unknown[]) =>
    assert.equal(await refusal(n1.create(core('pods', 'victim'), mirror(name, spec, owners))), `pods "${name}" is forbidden: ${why}`);

  // Mirror pods: owned by this Node as controller, naming no ConfigMap, claim or service account.
  const envFrom = { containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: 'creds' } }] }] };
  await refusedPod('p0', envFrom, 'node "n1" can only create pods with an owner reference set to itself', []);
  await refusedPod('p1', {}, 'node "n1" can only create pods with an owner reference set to itself', [{ ...owner, name: 'n2' }]);
  await refusedPod('p2', {}, 'node "n1" can only create pods with a controller owner reference set to itself', [
    { ...owner, controller: false },
  ]);
  await refusedPod('p3', {}, 'node "n1" must not set blockOwnerDeletion on an owner reference', [{ ...owner, blockOwnerDeletion: true }]);
  await refusedPod('p4', {}, `node n1 UID mismatch: expected not-the-uid got ${node.metadata.uid}`, [{ ...owner, uid: 'not-the-uid' }]);
  await refusedPod('p5', envFrom, 'node "n1" can not create pods that reference configmaps');
  await refusedPod(
    'p6',
    { volumes: [{ name: 'v', configMap: { name: 'creds' } }] },
    'node "n1" can not create pods that reference configmaps',
  );
  await refusedPod(
    'p7',
    { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] },
    'node "n1" can not create pods that reference persistentvolumeclaims',
  );
  // (ServiceAccount admission, mutating, refuses it first, in its words.)
  assert.match(
    await refusal(n1.create(core('pods', 'victim'), mirror('p8', { serviceAccountName: 'default' }))),
    /may not reference service accounts$|can not create pods that reference a service account$/,
  );
  assert.match(await refusal(n1.get(core('configmaps', 'victim', 'creds'))), /no relationship found between node 'n1' and this object$/);
  // A plain mirror pod is still the node's to make, and gives it no service account to act for.
  await n1.create(core('pods', 'victim'), mirror('static-web', {}));
  const tokens = core('serviceaccounts', 'victim', 'default', 'token');
  const request = (boundObjectRef?: Record<string, unknown>) => ({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: boundObjectRef ? { boundObjectRef } : {},
  });
  await waitFor(
    'the default service account',
    async () => !!(await a.get(core('serviceaccounts', 'victim', 'default')).catch(() => undefined)),
    5000,
  );
  assert.match(await refusal(n1.create(tokens, request())), /cannot create resource "serviceaccounts\/token"|not bound to a pod/);

  // Tokens: bound to a pod on this node, by uid.
  const web = await a.create(core('pods', 'victim'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
  });
  const other = await a.create(core('pods', 'victim'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'elsewhere' },
    spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'busybox' }] },
  });
  assert.equal(
    await refusal(n1.create(tokens, request())),
    'serviceaccounts "default" is forbidden: node requested token not bound to a pod',
  );
  assert.equal(
    await refusal(n1.create(tokens, request({ apiVersion: 'v1', kind: 'Pod', name: 'web' }))),
    'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid',
  );
  assert.equal(
    await refusal(n1.create(tokens, request({ apiVersion: 'v1', kind: 'Pod', name: 'elsewhere', uid: other.metadata.uid }))),
    'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node',
  );
  const ok = await n1.create<{ status: { token: string } } & import('../../../api/object.js').KObject>(
    tokens,
    request({ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: web.metadata.uid }),
  );
  assert.ok(ok.status.token.length > 20);
  // The admin's tokens are not a node's: unbound ones are still made.
  assert.ok(((await a.create(tokens, request())) as unknown as { status: { token: string } }).status.token);

  // Pod status: not its labels (kept as stored by the status strategy; NodeRestriction refuses them too).
  await n1.patch(core('pods', 'victim', 'web', 'status'), { metadata: { labels: { app: 'pwned' } }, status: { phase: 'Running' } });
  assert.equal((await a.get(core('pods', 'victim', 'web'))).metadata.labels?.app, undefined);

  // Its Node's labels: the kubelet's own set, nothing that steers workloads to it.
  await n1.patch(core('nodes', undefined, 'n1'), {
    metadata: { labels: { 'kubernetes.io/hostname': 'n1', 'topology.kubernetes.io/zone': 'z', 'x.node.kubernetes.io/y': '1', mine: 'ok' } },
  });
  assert.equal(
    await refusal(
      n1.patch(core('nodes', undefined, 'n1'), {
        metadata: { labels: { 'node-role.kubernetes.io/control-plane': '', 'node-restriction.kubernetes.io/pci': 'true' } },
      }),
    ),
    'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pci, node-role.kubernetes.io/control-plane',
  );
  // (Through nodes/status labels stay as stored.)
  await n1.patch(core('nodes', undefined, 'n1', 'status'), { metadata: { labels: { 'example.k8s.io/gpu': 'yes' } } });
  assert.equal((await a.get(core('nodes', undefined, 'n1'))).metadata.labels?.['example.k8s.io/gpu'], undefined);
  // Taking away a label an admin set is a change too.
  await a.patch(core('nodes', undefined, 'n1'), { metadata: { labels: { 'node-restriction.kubernetes.io/pci': 'true' } } });
  assert.match(
    await refusal(n1.patch(core('nodes', undefined, 'n1'), { metadata: { labels: { 'node-restriction.kubernetes.io/pci': null } } })),
    /is not allowed to modify labels: node-restriction.kubernetes.io\/pci$/,
  );
  // Registering: the same rule.
  const n3 = cp.clientFor('system:node:n3', ['system:nodes']);
  assert.equal(
    await refusal(
      n3.create(core('nodes'), {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n3', labels: { 'node-role.kubernetes.io/master': '' } },
      }),
    ),
    'nodes "n3" is forbidden: node "n3" is not allowed to set the following labels: node-role.kubernetes.io/master',
  );
  await n3.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n3', labels: { 'kubernetes.io/os': 'linux' } } });
});

// admitPVCStatus: the status of a claim its pods use, capacity and conditions only (redteam, session 10).
test('NodeRestriction: a node writes only capacity and conditions of a claim status', async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const a = cp.admin;
  await a.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await a.create(core('persistentvolumeclaims', 'default'), {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  await a.create(core('pods', 'default'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db' },
    spec: {
      nodeName: 'n1',
      containers: [{ name: 'c', image: 'x' }],
      volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }],
    },
  });
  const n1 = cp.clientFor('system:node:n1', ['system:nodes']);
  const status = core('persistentvolumeclaims', 'default', 'data', 'status');
  await n1.patch(status, { status: { capacity: { storage: '2Gi' }, conditions: [{ type: 'FileSystemResizePending', status: 'True' }] } });
  assert.equal(
    await refusal(n1.patch(status, { status: { phase: 'Lost' } })),
    'persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to update fields other than status.capacity and status.conditions: status.phase',
  );
  assert.match(
    await refusal(n1.patch(status, { metadata: { annotations: { x: 'y' } } })),
    /other than status\.capacity and status\.conditions: metadata\.annotations$/,
  );
  const claim = (await a.get(core('persistentvolumeclaims', 'default', 'data'))) as { status?: { phase?: string } };
  assert.equal(claim.status?.phase, 'Pending');
});
