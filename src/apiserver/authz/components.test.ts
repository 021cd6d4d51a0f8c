// Issue #12: components run with their own identities and only the bootstrap policy's rights.
// The scheduler, authenticated as system:kube-scheduler by a client certificate, schedules a
// pod (Lease, informers, binding, events) yet may not read Secrets; kube-proxy's identity
// (system:kube-proxy) reads what the proxy needs and nothing more.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../../client/rest.js';
import { makeNode } from '../../scheduler/fixtures.js';
import { startScheduler } from '../../scheduler/server.js';
import { podManifest } from '../../testing/pods.js';
import { startTLSControlPlane } from '../../testing/tlscontrolplane.js';
import { waitFor } from '../../testing/wait.js';

test("the scheduler as system:kube-scheduler schedules pods and reads no secrets; kube-proxy's rights", async (t) => {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  const cert = cp.certFor('system:kube-scheduler');
  const scheduler = await startScheduler({ server: cp.url, caData: cp.ca.cert, certData: cert.cert, keyData: cert.key });
  t.after(() => scheduler.stop());
  await cp.admin.create({ group: '', version: 'v1', resource: 'nodes' }, makeNode('worker-1'));
  const pods = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
  await cp.admin.create(pods, podManifest('p'));
  await waitFor('the scheduler leads', () => scheduler.isLeader(), 15_000);
  await waitFor(
    'the pod is bound to worker-1',
    async () => ((await cp.admin.get({ ...pods, name: 'p' })).spec as { nodeName?: string }).nodeName === 'worker-1',
    15_000,
  );

  const denied = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (isApiError(e) && e.code === 403) return e.message;
      throw e;
    }
    return assert.fail('allowed');
  };
  const sched = cp.clientFor('system:kube-scheduler');
  assert.equal(
    await denied(sched.list({ group: '', version: 'v1', resource: 'secrets' })),
    'secrets is forbidden: User "system:kube-scheduler" cannot list resource "secrets" in API group "" at the cluster scope',
  );
  const proxy = cp.clientFor('system:kube-proxy');
  assert.ok((await proxy.list({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' })).items.length >= 1);
  assert.ok((await proxy.list({ group: '', version: 'v1', resource: 'services' })).items.length >= 1);
  assert.match(await denied(proxy.list(pods)), /User "system:kube-proxy" cannot list resource "pods"/);
  assert.match(
    await denied(
      proxy.create(
        { group: '', version: 'v1', resource: 'services', namespace: 'default' },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80 }] } },
      ),
    ),
    /User "system:kube-proxy" cannot create resource "services"/,
  );
});
