// Issue #12: the controller manager with its own identity (system:kube-controller-manager, by a
// client certificate) and each controller with its service account's token
// (--use-service-account-credentials) and nothing but its system:controller:<name> role: the
// usual work still gets done, and a controller's credential is not the admin's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import { isApiError, RestClient } from '../client/rest.js';
import { makeNode } from '../scheduler/fixtures.js';
import { startScheduler } from '../scheduler/server.js';
import { createNamespace } from '../testing/controlplane.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { waitFor } from '../testing/wait.js';
import { workloadManifest } from '../testing/workloads.js';
import { startControllers } from './manager.js';

test('controllers with service-account credentials: deployments, endpoints, quota, garbage collection, namespaces', async (t) => {
  const cp = await startTLSControlPlane();
  const stops: (() => Promise<void>)[] = [() => cp.stop()];
  // Components first, the API server last.
  t.after(async () => {
    for (const s of stops.reverse()) await s();
  });
  const kcm = cp.certFor('system:kube-controller-manager');
  const manager = await startControllers({
    server: cp.url,
    caData: cp.ca.cert,
    certData: kcm.cert,
    keyData: kcm.key,
    useServiceAccountCredentials: true,
  });
  stops.push(() => manager.stop());
  const sched = cp.certFor('system:kube-scheduler');
  const scheduler = await startScheduler({ server: cp.url, caData: cp.ca.cert, certData: sched.cert, keyData: sched.key });
  stops.push(() => scheduler.stop());
  const a = cp.admin;
  await a.create({ group: '', version: 'v1', resource: 'nodes' }, makeNode('worker-1'));
  await createNamespace(a, 'app');
  await waitFor('the manager leads', () => manager.isLeader(), 20_000);

  // Each controller has its service account in kube-system.
  await waitFor(
    "the controllers' service accounts",
    async () => {
      const sas = (await a.list({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'kube-system' })).items.map(
        (s) => s.metadata.name,
      );
      return ['deployment-controller', 'replicaset-controller', 'generic-garbage-collector', 'namespace-controller'].every((n) =>
        sas.includes(n),
      );
    },
    20_000,
  );

  const DEPLOY = { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'app' };
  const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'app' };
  await a.create(DEPLOY, workloadManifest('Deployment', 'web', 2));
  await waitFor(
    '2 pods, scheduled',
    async () => {
      const pods = (await a.list(PODS, { labelSelector: 'app=web' })).items as KObject[];
      return pods.length === 2 && pods.every((p) => (p.spec as { nodeName?: string }).nodeName === 'worker-1');
    },
    20_000,
  );
  await waitFor(
    'the deployment records its revision and status',
    async () => {
      const d = await a.get({ ...DEPLOY, name: 'web' });
      return d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1' && (d.status as { replicas?: number }).replicas === 2;
    },
    20_000,
  );

  // A service's endpoints and slices (the pods become ready through their status).
  for (const p of (await a.list(PODS, { labelSelector: 'app=web' })).items) {
    await a.patch(
      { ...PODS, name: p.metadata.name, subresource: 'status' },
      {
        status: {
          phase: 'Running',
          podIP: `10.244.0.${10 + Math.floor(Math.random() * 200)}`,
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      },
    );
  }
  await a.create(
    { group: '', version: 'v1', resource: 'services', namespace: 'app' },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
  );
  await waitFor(
    'endpoints with 2 addresses',
    async () => {
      try {
        const ep = await a.get({ group: '', version: 'v1', resource: 'endpoints', namespace: 'app', name: 'web' });
        return ((ep.subsets as { addresses?: unknown[] }[] | undefined)?.[0]?.addresses ?? []).length === 2;
      } catch {
        return false;
      }
    },
    20_000,
  );
  await waitFor(
    'an endpointslice',
    async () =>
      (
        await a.list(
          { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespace: 'app' },
          { labelSelector: 'kubernetes.io/service-name=web' },
        )
      ).items.length === 1,
    20_000,
  );

  // ResourceQuota status, from the quota controller's informer.
  await a.create(
    { group: '', version: 'v1', resource: 'resourcequotas', namespace: 'app' },
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '10' } } },
  );
  await waitFor(
    'quota usage',
    async () =>
      (
        (await a.get({ group: '', version: 'v1', resource: 'resourcequotas', namespace: 'app', name: 'q' })).status as
          | { used?: { pods?: string } }
          | undefined
      )?.used?.pods === '2',
    20_000,
  );

  // The deployment-controller's token is its own, with its own rights only.
  const tr = await a.create<KObject & { status: { token: string } }>(
    {
      group: '',
      version: 'v1',
      resource: 'serviceaccounts',
      namespace: 'kube-system',
      name: 'deployment-controller',
      subresource: 'token',
    },
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } as unknown as KObject,
  );
  const dc = new RestClient({ server: cp.url, caData: cp.ca.cert, token: tr.status.token });
  stops.push(async () => dc.close());
  await assert.rejects(
    dc.list({ group: '', version: 'v1', resource: 'secrets', namespace: 'app' }),
    (e: unknown) =>
      isApiError(e) &&
      e.code === 403 &&
      /User "system:serviceaccount:kube-system:deployment-controller" cannot list resource "secrets"/.test(e.message),
  );

  // Deleting the deployment: the garbage collector removes its ReplicaSet and deletes its pods
  // (bound to a node without a kubelet, they stay Terminating).
  await a.delete({ ...DEPLOY, name: 'web' });
  await waitFor(
    'ReplicaSet collected',
    async () => (await a.list({ group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'app' })).items.length === 0,
    20_000,
  );
  await waitFor(
    'pods deleted',
    async () => (await a.list(PODS, { labelSelector: 'app=web' })).items.every((p) => p.metadata.deletionTimestamp),
    20_000,
  );
  // A namespace is emptied and removed by the namespace controller.
  await createNamespace(a, 'scratch');
  await a.create(
    { group: '', version: 'v1', resource: 'configmaps', namespace: 'scratch' },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } },
  );
  await a.delete({ group: '', version: 'v1', resource: 'namespaces', name: 'scratch' });
  await waitFor(
    'the namespace is gone',
    async () => {
      try {
        await a.get({ group: '', version: 'v1', resource: 'namespaces', name: 'scratch' });
        return false;
      } catch (e) {
        return isApiError(e) && e.code === 404;
      }
    },
    30_000,
  );
});
