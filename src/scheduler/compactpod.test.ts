// The scheduler's compact pods (compactpod.ts): what the kubelet reports and what runs the
// containers is dropped, and every plugin of the default profile decides the same on compact pods
// as on whole ones (filters, scores, preemption).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABEL_ZONE, type Pod } from '../api/types.js';
import { newPodInfo, SchedulerCache } from './cache.js';
import { compactPod } from './compactpod.js';
import { makeNode, makePod } from './fixtures.js';
import { CycleState, emptyListers, newDiagnosis, runFilter, runPreFilter, runScore } from './framework.js';
import { DefaultPreemption } from './plugins/defaultpreemption.js';
import { defaultProfile } from './plugins/index.js';

/** A pod as a running kubelet reports it: images, env, probes, mounts, every container's status. */
function runningPod(name: string, o: Parameters<typeof makePod>[1] = {}, sidecarCpu?: string): Pod {
  const p = makePod(name, o);
  const spec = p.spec!;
  for (const c of spec.containers) {
    Object.assign(c, {
      image: 'registry.example/app:v1',
      command: ['/app', '--serve'],
      env: [{ name: 'A', value: 'x'.repeat(200) }],
      readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
      terminationMessagePath: '/dev/termination-log',
      imagePullPolicy: 'IfNotPresent',
    });
  }
  if (sidecarCpu)
    spec.initContainers = [
      { name: 'sidecar', image: 'proxy:v1', restartPolicy: 'Always', resources: { requests: { cpu: sidecarCpu } }, args: ['--x'] },
      { name: 'init', image: 'busybox', command: ['true'], resources: { requests: { cpu: '4' } } },
    ];
  const started = '2026-12-03T10:00:00Z';
  Object.assign(p, {
    status: {
      phase: 'Running',
      startTime: o.priority === -1 ? '2026-12-03T09:00:00Z' : started,
      podIP: '10.0.0.9',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      containerStatuses: spec.containers.map((c) => ({
        name: c.name,
        image: 'registry.example/app:v1',
        imageID: `sha256:${'0'.repeat(64)}`,
        containerID: `k8ts://${'1'.repeat(64)}`,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: started } },
      })),
    },
  });
  return p;
}

test("a compact pod keeps what scheduling reads and drops the containers' statuses, images, env, probes and volumes of no claim", () => {
  const whole = runningPod(
    'web-1',
    {
      cpu: '500m',
      memory: '1Gi',
      hostPort: 8080,
      priority: 7,
      labels: { app: 'web' },
      owner: { kind: 'ReplicaSet', name: 'web', uid: 'rs' },
    },
    '100m',
  );
  whole.metadata.annotations = { a: 'b' };
  const claims = [
    { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } },
  ];
  Object.assign(whole.spec!, {
    volumes: [
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      ...claims,
      { name: 'tmp', emptyDir: {} },
    ],
  });
  whole.status!.conditions!.push({ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' });
  whole.metadata.deletionTimestamp = '2026-12-03T11:00:00Z';
  (whole.status as { nominatedNodeName?: string }).nominatedNodeName = 'n1';
  const before = JSON.stringify(whole);
  const c = compactPod(whole);
  assert.equal(JSON.stringify(whole), before, "the informer's decoded pod is not changed in place");
  assert.deepEqual(c.metadata, whole.metadata);
  assert.deepEqual(c.spec?.containers, [
    { name: 'c', resources: { requests: { cpu: '500m', memory: '1Gi' } }, ports: [{ containerPort: 80, hostPort: 8080 }] },
  ]);
  assert.deepEqual(c.spec?.initContainers, [
    { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '100m' } } },
    { name: 'init', resources: { requests: { cpu: '4' } } },
  ]);
  assert.equal(c.spec?.priority, 7);
  assert.equal(c.spec?.schedulerName, 'default-scheduler');
  assert.deepEqual(c.spec?.volumes, claims);
  assert.ok(whole.status?.containerStatuses && whole.status.podIP);
  assert.deepEqual(c.status, {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' },
    ],
    nominatedNodeName: 'n1',
    startTime: whole.status?.startTime,
  });
  assert.ok(
    JSON.stringify(c).length < JSON.stringify(whole).length / 2,
    `${JSON.stringify(c).length} of ${JSON.stringify(whole).length} bytes`,
  );
  // The API server's own (frozen, shared in-process) is kept as it is: a copy would be a second object.
  const frozen = Object.freeze(runningPod('f'));
  assert.equal(compactPod(frozen), frozen);
});

test('every plugin of the default profile decides the same on compact pods as on whole ones', () => {
  const zones = ['a', 'b', 'c'];
  const nodes = Array.from({ length: 6 }, (_, i) =>
    makeNode(`n${i}`, {
      cpu: i === 5 ? '1' : '4',
      labels: { [LABEL_ZONE]: zones[i % 3], disk: i % 2 ? 'ssd' : 'hdd' },
      ...(i === 4 ? { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' as const }] } : {}),
    }),
  );
  const owner = { kind: 'ReplicaSet', name: 'web', uid: 'rs-web' };
  // Running pods: requests by their containers and sidecars, a hostPort, low priorities to preempt.
  const running = [
    runningPod('r0', { cpu: '2', labels: { app: 'web' }, owner, nodeName: 'n0' }, '500m'),
    runningPod('r1', { cpu: '1', labels: { app: 'web' }, owner, nodeName: 'n1', hostPort: 8080 }),
    runningPod('r2', { cpu: '3', priority: -1, nodeName: 'n2' }, '900m'),
    runningPod('r3', { cpu: '1500m', priority: -1, nodeName: 'n3' }),
    runningPod('r3b', { cpu: '1500m', priority: 0, nodeName: 'n3' }),
    runningPod('r5', { cpu: '500m', nodeName: 'n5', labels: { app: 'db' } }),
  ];
  const pending = [
    runningPod('p-web', { cpu: '1', labels: { app: 'web' }, owner }),
    runningPod('p-port', { cpu: '100m', hostPort: 8080 }),
    runningPod('p-sidecar', { cpu: '1', priority: 5 }, '2'),
    runningPod('p-big', { cpu: '3500m', priority: 10 }),
    runningPod('p-select', { cpu: '200m', nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] }),
    runningPod('p-anti', {
      cpu: '200m',
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: LABEL_ZONE, operator: 'In', values: ['b'] }] } },
          ],
        },
      },
    }),
  ];
  for (const p of pending) delete (p as { status?: unknown }).status;

  const decide = (transform: (p: Pod) => Pod) => {
    const cache = new SchedulerCache();
    const profile = defaultProfile({ cache, listers: emptyListers });
    for (const n of nodes) cache.setNode(n);
    for (const p of running) cache.addPod(transform(p));
    return pending.map((whole) => {
      const pi = newPodInfo(transform(whole));
      const state = new CycleState();
      runPreFilter(profile, state, pi);
      const d = newDiagnosis();
      const feasible = [];
      const filters: Record<string, unknown> = {};
      for (const n of cache.nodeList()) {
        const st = runFilter(profile, state, pi, n);
        filters[n.name] = st ? { code: st.code, plugin: st.plugin, reasons: st.reasons } : 'fits';
        if (st) d.nodeToStatus.set(n.name, st);
        else feasible.push(n);
      }
      const scores = feasible.length ? runScore(profile, state, pi, feasible) : [];
      const post = feasible.length
        ? undefined
        : new DefaultPreemption().postFilter(state, pi, d, cache.nodeList(), (st, p, n) => runFilter(profile, st, p, n));
      return {
        pod: whole.metadata.name,
        filters,
        scores: Object.fromEntries(feasible.map((n, i) => [n.name, scores[i]])),
        preemption: post && { node: post.candidate?.node, victims: post.candidate?.victims.map((v) => v.key), message: post.message },
      };
    });
  };
  const whole = decide((p) => p);
  const compact = decide(compactPod);
  assert.deepEqual(compact, whole);
  // The scenario reaches what the kept fields decide: a port taken, a sidecar's request, a preemption.
  const byPod = Object.fromEntries(whole.map((w) => [w.pod, w]));
  assert.deepEqual((byPod['p-port'].filters as Record<string, { plugin?: string }>).n1, {
    code: (byPod['p-port'].filters as Record<string, { code?: number }>).n1.code,
    plugin: 'NodePorts',
    reasons: ["node(s) didn't have free ports for the requested pod ports"],
  });
  assert.ok(byPod['p-big'].preemption?.victims?.length, JSON.stringify(byPod['p-big']));
  assert.notDeepEqual(Object.keys(byPod['p-sidecar'].scores).sort(), nodes.map((n) => n.metadata.name).sort());
});
