// `k8ts up`'s control plane with its components' clients in-process: the controllers (each as
// its own service account, with only its bootstrap role), the scheduler and the simulated nodes
// run a Deployment to Ready through the in-process transport, while an outside client (as
// kubectl) keeps using HTTPS.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isNodeReady, isPodReady } from '../api/conditions.js';
import type { KObject } from '../api/object.js';
import { InProcessTransport } from '../apiserver/inprocess.js';
import { RestClient } from '../client/rest.js';
import { HttpTransport } from '../client/transport.js';
import { waitFor } from '../testing/wait.js';
import { startControlPlane } from './controlplane.js';

for (const simulatedNodesThread of [false, true])
  test(`a Deployment runs to Ready on simulated nodes with every component in-process${simulatedNodesThread ? ', the simulated nodes on a thread through a port' : ''}`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-inproc-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const cp = await startControlPlane({
      dataDir: dir,
      port: 0,
      store: 'memory',
      node: false,
      simulatedNodes: 2,
      inProcessClients: true,
      simulatedNodesThread,
      log: () => undefined,
    });
    t.after(() => cp.stop());
    assert.ok(cp.controllers?.client.transport instanceof InProcessTransport, 'the controller manager is in-process');
    // By default the scheduler runs on a thread of its own, its requests through a port.
    if (process.env.K8TS_SCHEDULER_THREAD !== '0') assert.equal(cp.scheduler?.thread, true, 'the scheduler is on its thread');

    const admin = new RestClient({ server: cp.url, token: cp.token, caData: cp.caPEM });
    t.after(() => admin.close());
    assert.ok(admin.transport instanceof HttpTransport, 'outside clients use HTTPS');
    // The nodes first: pods created before any node is Ready are marked Unschedulable by the
    // scheduler (its own status write on them), which the managers' check below would see.
    await waitFor(
      '2 simulated nodes Ready',
      async () => (await admin.list({ group: '', version: 'v1', resource: 'nodes' })).items.filter(isNodeReady).length === 2,
      30_000,
    );
    const labels = { app: 'inproc' };
    await admin.create(
      { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default' },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'inproc' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] } },
        },
      },
    );
    const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
    const pods = await waitFor(
      '3 pods Ready',
      async () => {
        const list = await admin.list<KObject>(PODS, { labelSelector: 'app=inproc' });
        return list.items.length === 3 && list.items.every(isPodReady) ? list.items : undefined;
      },
      60_000,
    );
    // Each component wrote as itself (field managers from their user agents): the ReplicaSet
    // controller made the pods, the simulated kubelet wrote their status. The scheduler's binding
    // leaves no entry on the pod (BindingREST updates the store past the field manager), so its
    // identity shows on what it created: the Scheduled Event about each pod.
    for (const pod of pods) {
      const managers = new Set((pod.metadata.managedFields ?? []).map((m) => m.manager));
      assert.ok(managers.has('kube-controller-manager'), `managers of ${pod.metadata.name}: ${[...managers]}`);
      assert.ok(managers.has('k8ts-simulated-nodes'), `managers of ${pod.metadata.name}: ${[...managers]}`);
      assert.ok(!managers.has('kube-scheduler'), `managers of ${pod.metadata.name}: ${[...managers]}`);
    }
    const scheduled = await waitFor(
      "the scheduler's 3 Scheduled events",
      async () => {
        const list = await admin.list<KObject>(
          { group: '', version: 'v1', resource: 'events', namespace: 'default' },
          { fieldSelector: 'reason=Scheduled' },
        );
        return list.items.length === 3 ? list.items : undefined;
      },
      30_000,
    );
    for (const ev of scheduled)
      assert.deepEqual(
        (ev.metadata.managedFields ?? []).map((m) => m.manager),
        ['kube-scheduler'],
      );
    const rs = await admin.list({ group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'default' });
    assert.equal(rs.items.length, 1);
    assert.equal((rs.items[0].status as { readyReplicas?: number }).readyReplicas, 3);
  });
