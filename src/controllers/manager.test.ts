// Two controller managers against one API server: only the Lease holder acts; when it stops,
// the other takes over.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SharedInformerFactory } from '../client/informer.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { stays, waitFor } from '../testing/wait.js';
import { workloadManifest } from '../testing/workloads.js';
import { type ControllerManager, startControllers } from './manager.js';

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(async () => {
  await cp.stop();
});

test('only the leader acts, and the other takes over when it stops', async () => {
  const managers: ControllerManager[] = [];
  try {
    managers.push(await startControllers({ server: cp.url, token: cp.token }));
    managers.push(await startControllers({ server: cp.url, token: cp.token }));
    const LEASE = {
      group: 'coordination.k8s.io',
      version: 'v1',
      resource: 'leases',
      namespace: 'kube-system',
      name: 'kube-controller-manager',
    };
    const lease = await waitFor('a leader', async () => {
      try {
        const l = await cp.client.get(LEASE);
        return (l.spec as { holderIdentity?: string }).holderIdentity ? l : undefined;
      } catch {
        return undefined;
      }
    });
    const first = (lease.spec as { holderIdentity: string }).holderIdentity;
    const RS = { group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'default' };
    const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
    await cp.client.create(RS, workloadManifest('ReplicaSet', 'le', 3));
    await waitFor('3 pods', async () => (await cp.client.list(PODS, { labelSelector: 'app=le' })).items.length === 3);
    // Two managers, one actor: the count stays exactly 3.
    await stays('exactly 3 pods', async () => (await cp.client.list(PODS, { labelSelector: 'app=le' })).items.length === 3, 1000);
    // Exactly one leads; stop it: the lease is released and the other takes over and acts.
    await waitFor('one leader', async () => managers.filter((m) => m.isLeader()).length === 1);
    const leader = managers.find((m) => m.isLeader())!;
    await leader.stop();
    managers.splice(managers.indexOf(leader), 1);
    const next = await waitFor(
      'a new lease holder',
      async () => {
        const h = ((await cp.client.get(LEASE)).spec as { holderIdentity?: string }).holderIdentity;
        return h && h !== first ? h : undefined;
      },
      30_000,
    );
    assert.notEqual(next, first);
    await waitFor('the remaining manager leads', async () => managers[0].isLeader());
    await cp.client.patch({ ...RS, name: 'le' }, { spec: { replicas: 5 } }, 'merge');
    await waitFor(
      '5 pods by the new leader',
      async () => (await cp.client.list(PODS, { labelSelector: 'app=le' })).items.length === 5,
      30_000,
    );
  } finally {
    for (const m of managers) await m.stop();
  }
});

test('each controller starts once its own informers have synced: one whose informer never syncs holds back no other', async () => {
  // A controller watching a resource no API server serves: its informer's lists fail forever.
  let blockedStarted = false;
  const blocked = (factory: SharedInformerFactory) => {
    factory.informerFor({ group: 'widgets.example.com', version: 'v1', resource: 'widgets' });
    return {
      start: () => {
        blockedStarted = true;
      },
      stop: async () => undefined,
    };
  };
  const manager = await startControllers({
    server: cp.url,
    token: cp.token,
    extra: (_client, factory) => [blocked(factory)],
  });
  try {
    // The ReplicaSet controller acts (all informers waited for at once, it waited 30 s, then the term failed).
    const RS = { group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'default' };
    const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
    await cp.client.create(RS, workloadManifest('ReplicaSet', 'synced-alone', 1));
    await waitFor('its pod', async () => (await cp.client.list(PODS, { labelSelector: 'app=synced-alone' })).items.length === 1, 10_000);
    await stays('the controller whose informer never synced is not started', () => !blockedStarted, 500);
  } finally {
    await manager.stop();
  }
});

test('losing both Leases for a while and leading again starts fresh controllers and scheduler: a Deployment made afterwards is reconciled and scheduled', async () => {
  const { startScheduler } = await import('../scheduler/server.js');
  const { makeNode } = await import('../scheduler/fixtures.js');
  const manager = await startControllers({ server: cp.url, token: cp.token });
  const scheduler = await startScheduler({ server: cp.url, token: cp.token });
  try {
    await cp.client.create({ group: '', version: 'v1', resource: 'nodes' }, makeNode('lease-node'));
    await waitFor('both lead', async () => manager.isLeader() && scheduler.isLeader(), 30_000);
    // Another holder takes both Leases and renews them for 6 s (a paused process or a slow
    // disk looks the same from here): ours must step down.
    const leases = ['kube-controller-manager', 'kube-scheduler'].map((name) => ({
      group: 'coordination.k8s.io',
      version: 'v1',
      resource: 'leases',
      namespace: 'kube-system',
      name,
    }));
    let managerLost = false;
    let schedulerLost = false;
    // Take both Leases over again and again (every 500 ms) until both components have seen it.
    await waitFor(
      'both stepped down',
      async () => {
        managerLost ||= !manager.isLeader();
        schedulerLost ||= !scheduler.isLeader();
        if (managerLost && schedulerLost) return true;
        for (const ref of leases) {
          const l = await cp.client.get(ref);
          const now = new Date().toISOString().replace('Z', '000Z');
          await cp.client
            .update(ref, { ...l, spec: { ...(l.spec as object), holderIdentity: 'intruder', leaseDurationSeconds: 2, renewTime: now } })
            .catch(() => undefined);
        }
        return false;
      },
      { timeoutMs: 6000, intervalMs: 500 },
    );
    await waitFor('both lead again', async () => manager.isLeader() && scheduler.isLeader(), 30_000);
    const DEPLOY = { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default' };
    await cp.client.create(DEPLOY, workloadManifest('Deployment', 'after-loss', 1));
    const RS = { group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'default' };
    await waitFor('its ReplicaSet', async () => (await cp.client.list(RS, { labelSelector: 'app=after-loss' })).items.length === 1, 30_000);
    const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
    await waitFor(
      'its pod, bound to the node',
      async () =>
        (await cp.client.list(PODS, { labelSelector: 'app=after-loss' })).items.some(
          (p) => (p.spec as { nodeName?: string }).nodeName === 'lease-node',
        ),
      30_000,
    );
  } finally {
    await scheduler.stop();
    await manager.stop();
  }
});
