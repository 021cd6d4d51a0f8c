// DaemonSets, StatefulSets and ReplicationControllers on a real node (k8ts up's own) plus
// simulated nodes, driven by the stock kubectl: the apps/v1 part of issue #16. A DaemonSet runs
// one pod on each node, a new node gets one, a rolling update stays within maxUnavailable at
// every watch event, `kubectl rollout status/history/undo daemonset`. A StatefulSet of 3 with a
// local-path claim template starts web-0, web-1, web-2 in order on the real node, each writes its
// name into its volume, a deleted pod comes back with the same claim and data, scale-down goes
// from the highest ordinal and keeps the claims; web-0.web resolves from another pod to
// web-0's address (the cluster DNS and the service proxy). Needs root on Linux (network namespaces).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { CLI, ownNodeArgs, run, spawnKubectl, TestCluster } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const cluster = new TestCluster('apps', 'memory');
const NODE = 'app-node';
const PAUSE = 'registry.k8s.io/pause:3.10';

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
const apply = (...docs: unknown[]) => cluster.kIn(docs.map((d) => YAML.stringify(d)).join('---\n'), 'apply', '-f', '-');
const ready = (p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

/**
 * `kubectl get -w --output-watch-events -o json` as a stream of events: the objects are parsed
 * as they come (one JSON document after another) and handed to onEvent with the current state.
 */
function watchPods(selector: string, onEvent: (type: string, pod: any, pods: Map<string, any>) => void) {
  const w = spawnKubectl(cluster, ['get', 'pods', '-l', selector, '--watch', '--output-watch-events', '-o', 'json']);
  const pods = new Map<string, any>();
  let buf = '',
    depth = 0,
    inString = false,
    escaped = false,
    start = -1,
    consumed = 0,
    events = 0;
  const feed = () => {
    const text = w.output();
    for (let i = consumed; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{') {
        if (depth++ === 0) start = i;
      } else if (ch === '}' && --depth === 0) {
        buf = text.slice(start, i + 1);
        const ev = JSON.parse(buf);
        const pod = ev.object;
        if (ev.type === 'DELETED') pods.delete(pod.metadata.name);
        else pods.set(pod.metadata.name, pod);
        events++;
        onEvent(ev.type, pod, pods);
      }
    }
    consumed = text.length;
  };
  w.child.stdout!.on('data', () => setImmediate(feed));
  return {
    stop: () => {
      feed();
      w.stop();
    },
    events: () => events,
  };
}

describe('DaemonSets, StatefulSets and ReplicationControllers on a real node', {
  skip: root ? false : 'needs root on Linux (network namespaces)',
}, () => {
  let nodes: string[] = [];

  before(async () => {
    await cluster.up([...ownNodeArgs('app'), '--simulated-nodes', '3']);
    nodes = await cluster.waitFor(
      '4 nodes Ready',
      async () => {
        const items = (await json('get', 'nodes')).items as any[];
        const names = items
          .filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'))
          .map((n) => n.metadata.name);
        return names.length === 4 && names.sort();
      },
      60_000,
    );
    assert.ok(nodes.includes(NODE));
  });
  after(async () => {
    await cluster.stop();
  });

  test('a DaemonSet runs one pod on each node; a new node gets one; a rolling update stays within maxUnavailable; rollout history and undo', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', annotations: { 'kubernetes.io/change-cause': 'first' } },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: PAUSE }] },
        },
      },
    });
    const rs = await cluster.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=120s'], { timeoutMs: 130_000 });
    assert.equal(rs.code, 0, rs.stderr);
    assert.match(rs.stdout, /daemon set "agent" successfully rolled out/);
    let pods = (await json('get', 'pods', '-l', 'app=agent')).items as any[];
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), nodes, 'one pod on each node, the real one included');
    assert.ok(pods.every(ready));
    assert.match(
      await cluster.k('get', 'ds', 'agent'),
      /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nagent\s+4\s+4\s+4\s+4\s+4\s+<none>\s+\d+s\n$/,
    );

    // A new node gets a daemon pod.
    const add = await run(process.execPath, [CLI, 'nodes', 'simulate', '4', '--data-dir', cluster.dataDir], {
      env: cluster.env(),
      timeoutMs: 90_000,
    });
    assert.equal(add.code, 0, add.stderr + add.stdout);
    const newNode = await cluster.waitFor(
      'a fifth node',
      async () => {
        const names = ((await json('get', 'nodes')).items as any[]).map((n) => n.metadata.name);
        return names.length === 5 && names.find((n: string) => !nodes.includes(n));
      },
      60_000,
    );
    await cluster.waitFor(
      'a daemon pod ready on the new node',
      async () => ((await json('get', 'pods', '-l', 'app=agent')).items as any[]).some((p) => p.spec.nodeName === newNode && ready(p)),
      60_000,
    );
    assert.equal((await cluster.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=60s'], { timeoutMs: 70_000 })).code, 0);

    // A rolling update, checked at every pod event: never more than maxUnavailable (1) of 5 unavailable.
    const violations: string[] = [];
    let synced = false;
    const w = watchPods('app=agent', (_type, _pod, all) => {
      if (!synced) return;
      const live = [...all.values()];
      const unavailable = live.filter((p) => p.metadata.deletionTimestamp || !ready(p)).length;
      // A pod replaced on its node counts once: the old one (being deleted) or its successor (not ready yet).
      const nodesDown = new Set(
        live.filter((p) => p.metadata.deletionTimestamp || !ready(p)).map((p) => p.spec?.nodeName ?? p.metadata.name),
      );
      if (nodesDown.size > 1) violations.push(`${unavailable} pods unavailable on ${[...nodesDown].join(',')}`);
    });
    await cluster.waitFor('the watch listed the 5 pods', async () => w.events() >= 5, 30_000);
    synced = true;
    await cluster.k('annotate', 'daemonset/agent', 'kubernetes.io/change-cause=second', '--overwrite');
    await cluster.k('set', 'env', 'daemonset/agent', 'ROUND=2');
    const rs2 = await cluster.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=180s'], { timeoutMs: 190_000 });
    w.stop();
    assert.equal(rs2.code, 0, rs2.stderr);
    assert.deepEqual(violations, [], 'at most one node without an available daemon pod at any watch event');
    assert.ok(w.events() >= 5 + 5 * 3, `the watch saw the rollout (${w.events()} events)`);
    pods = (await json('get', 'pods', '-l', 'app=agent')).items as any[];
    assert.equal(pods.length, 5);
    assert.ok(pods.every((p) => p.spec.containers[0].env?.[0]?.value === '2' && p.metadata.labels['pod-template-generation'] === '2'));

    // kubectl rollout history reads the ControllerRevisions; undo applies the previous one.
    const hist = await cluster.k('rollout', 'history', 'daemonset/agent');
    assert.match(hist, /REVISION\s+CHANGE-CAUSE\n1\s+first\n2\s+second\n/);
    assert.match(await cluster.k('rollout', 'history', 'daemonset/agent', '--revision=2'), /ROUND:\s+2/);
    assert.match(await cluster.k('get', 'controllerrevisions'), /agent-\w+\s+daemonset\.apps\/agent\s+2\s+/);
    assert.match(await cluster.k('rollout', 'undo', 'daemonset/agent'), /daemonset\.apps\/agent rolled back/);
    assert.equal((await cluster.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=180s'], { timeoutMs: 190_000 })).code, 0);
    pods = (await json('get', 'pods', '-l', 'app=agent')).items as any[];
    assert.ok(pods.length === 5 && pods.every((p) => !p.spec.containers[0].env), 'back to the first template');
    assert.match(await cluster.k('rollout', 'history', 'daemonset/agent'), /\n2\s+second\n3\s+first\n/);
    // kubectl drain refuses DaemonSet pods unless told to leave them; they stay on the cordoned node.
    const sim = nodes.find((n) => n !== NODE)!;
    const refused = await cluster.kubectl(['drain', sim, '--timeout=30s'], { timeoutMs: 60_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): default\/agent-/);
    const drained = await cluster.kubectl(['drain', sim, '--ignore-daemonsets', '--timeout=60s'], { timeoutMs: 90_000 });
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout + drained.stderr, /Warning: ignoring DaemonSet-managed Pods: default\/agent-/);
    assert.match(
      await cluster.k('get', 'ds', 'agent'),
      /\nagent\s+5\s+5\s+5\s+5\s+5\s+/,
      'the cordoned node keeps its daemon pod (the unschedulable toleration)',
    );
    await cluster.k('uncordon', sim);
    const described = await cluster.k('describe', 'daemonset', 'agent');
    assert.match(described, /^Desired Number of Nodes Scheduled: 5$/m);
    assert.match(described, /^Pods Status:\s+5 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    assert.match(described, /Normal\s+SuccessfulDelete\s+.*daemonset-controller\s+Deleted pod: agent-/);
    await cluster.k('delete', 'daemonset', 'agent', '--wait=true', '--timeout=120s');
  });

  test('a StatefulSet of 3 starts web-0, web-1, web-2 in order; its data outlives a pod; scale-down keeps the claims', async () => {
    const order: string[] = [];
    const orderProblems: string[] = [];
    const w = watchPods('app=web', (type, pod, all) => {
      if (type !== 'ADDED') return;
      order.push(pod.metadata.name);
      const i = Number(pod.metadata.name.split('-')[1]);
      for (let k = 0; k < i; k++) {
        const prev = all.get(`web-${k}`);
        if (!prev || !ready(prev)) orderProblems.push(`web-${i} created before web-${k} was Ready`);
      }
    });
    await apply(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80, name: 'web' }] },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web' },
        spec: {
          serviceName: 'web',
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              nodeSelector: { 'kubernetes.io/hostname': NODE },
              terminationGracePeriodSeconds: 1,
              containers: [
                {
                  name: 'c',
                  image: 'busybox',
                  command: ['sh', '-c', 'hostname >> /data/names; exec sleep 3600'],
                  volumeMounts: [{ name: 'data', mountPath: '/data' }],
                },
              ],
            },
          },
          volumeClaimTemplates: [
            { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } },
          ],
        },
      },
    );
    const rs = await cluster.kubectl(['rollout', 'status', 'statefulset/web', '--timeout=180s'], { timeoutMs: 190_000 });
    w.stop();
    assert.equal(rs.code, 0, rs.stderr + rs.stdout);
    assert.match(
      rs.stdout,
      /partitioned roll out complete: 3 new pods have been updated|statefulset rolling update complete 3 pods at revision web-\w+/,
    );
    assert.deepEqual(order, ['web-0', 'web-1', 'web-2']);
    assert.deepEqual(orderProblems, []);
    assert.match(await cluster.k('get', 'sts', 'web'), /^NAME\s+READY\s+AGE\nweb\s+3\/3\s+\d+s\n$/);
    const described = await cluster.k('describe', 'statefulset', 'web');
    assert.match(described, /^Replicas:\s+3 desired \| 3 total$/m);
    assert.match(described, /^Volume Claims:\n\s+Name:\s+data$/m);
    assert.match(described, /create Claim data-web-2 Pod web-2 in StatefulSet web success/);
    for (const i of [0, 1, 2]) {
      const p = await json('get', 'pod', `web-${i}`);
      assert.equal(p.spec.nodeName, NODE);
      assert.equal(p.spec.hostname, `web-${i}`);
      assert.equal(p.spec.subdomain, 'web');
      assert.equal(await cluster.k('exec', `web-${i}`, '--', 'cat', '/data/names'), `web-${i}\n`);
    }
    const claims = (await json('get', 'pvc')).items as any[];
    assert.deepEqual(claims.map((c) => [c.metadata.name, c.status.phase, c.spec.storageClassName]).sort(), [
      ['data-web-0', 'Bound', 'local-path'],
      ['data-web-1', 'Bound', 'local-path'],
      ['data-web-2', 'Bound', 'local-path'],
    ]);
    // The headless Service's EndpointSlice names each pod's hostname (what the DNS answers web-0.web with).
    const slice = await cluster.waitFor('endpoint hostnames', async () => {
      const s = ((await json('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web')).items as any[])[0];
      return s?.endpoints?.length === 3 && s;
    });
    assert.deepEqual(slice.endpoints.map((e: any) => e.hostname).sort(), ['web-0', 'web-1', 'web-2']);
    // ... and from another pod the cluster DNS resolves web-0.web to web-0's address.
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client' },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': NODE },
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }],
      },
    });
    await cluster.k('wait', '--for=condition=Ready', 'pod/client', '--timeout=90s');
    const web0IP = (await json('get', 'pod', 'web-0')).status.podIP;
    // busybox's nslookup sends the name as given (no search path), so it asks for the full name;
    // the libc resolver (ping) resolves the short web-0.web through the pod's search path.
    const lookup = await cluster.waitFor(
      'nslookup web-0.web.default.svc.cluster.local',
      async () => {
        const r = await cluster.kubectl(['exec', 'client', '--', 'nslookup', 'web-0.web.default.svc.cluster.local']);
        return r.code === 0 && r.stdout;
      },
      30_000,
    );
    assert.deepEqual(
      [
        ...lookup
          .split(/^Name:/m)
          .slice(1)
          .join('\n')
          .matchAll(/^Address:\s*(\S+)/gm),
      ].map((m) => m[1]),
      [web0IP],
      lookup,
    );
    const ping = await cluster.kubectl(['exec', 'client', '--', 'ping', '-c', '1', '-W', '2', 'web-0.web']);
    assert.match(ping.stdout, new RegExp(`^PING web-0\\.web \\(${web0IP.replace(/\./g, '\\.')}\\)`, 'm'), ping.stdout + ping.stderr);

    // web-1 deleted: it comes back under its name, with the same claim and what it wrote.
    const claim1 = claims.find((c) => c.metadata.name === 'data-web-1');
    const uid1 = (await json('get', 'pod', 'web-1')).metadata.uid;
    await cluster.k('delete', 'pod', 'web-1');
    await cluster.waitFor(
      'web-1 back and Ready',
      async () => {
        const p = await json('get', 'pod', 'web-1').catch(() => undefined);
        return p && p.metadata.uid !== uid1 && ready(p);
      },
      120_000,
    );
    assert.equal((await json('get', 'pvc', 'data-web-1')).metadata.uid, claim1.metadata.uid);
    assert.equal(
      await cluster.k('exec', 'web-1', '--', 'cat', '/data/names'),
      'web-1\nweb-1\n',
      'the data of the first web-1 is still there',
    );

    // Scale down to 1: web-2 goes first, then web-1; their claims stay (whenScaled: Retain).
    const gone: string[] = [];
    const w2 = watchPods('app=web', (type, pod) => {
      if (type === 'MODIFIED' && pod.metadata.deletionTimestamp && !gone.includes(pod.metadata.name)) gone.push(pod.metadata.name);
      if (type === 'DELETED' && !gone.includes(pod.metadata.name)) gone.push(pod.metadata.name);
    });
    await cluster.k('scale', 'statefulset/web', '--replicas=1');
    await cluster.waitFor('one pod left', async () => ((await json('get', 'pods', '-l', 'app=web')).items as any[]).length === 1, 120_000);
    w2.stop();
    assert.deepEqual(gone, ['web-2', 'web-1']);
    assert.deepEqual(((await json('get', 'pvc')).items as any[]).map((c) => c.metadata.name).sort(), [
      'data-web-0',
      'data-web-1',
      'data-web-2',
    ]);
    assert.match(await cluster.k('get', 'sts', 'web'), /\nweb\s+1\/1\s+/);

    // Rollout history and undo read and apply the StatefulSet's ControllerRevisions.
    await cluster.k('set', 'env', 'statefulset/web', 'ROUND=2');
    assert.equal((await cluster.kubectl(['rollout', 'status', 'statefulset/web', '--timeout=120s'], { timeoutMs: 130_000 })).code, 0);
    assert.match(await cluster.k('rollout', 'history', 'statefulset/web'), /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    await cluster.k('rollout', 'undo', 'statefulset/web');
    assert.equal((await cluster.kubectl(['rollout', 'status', 'statefulset/web', '--timeout=120s'], { timeoutMs: 130_000 })).code, 0);
    assert.equal((await json('get', 'pod', 'web-0')).spec.containers[0].env, undefined);
    assert.match(await cluster.k('rollout', 'history', 'statefulset/web'), /\n2\s+<none>\n3\s+<none>\n/);
  });

  test('a ReplicationController keeps its replicas and scales with kubectl scale', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy' },
      spec: {
        replicas: 2,
        template: {
          metadata: { labels: { app: 'legacy' } },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': NODE },
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'c', image: PAUSE }],
          },
        },
      },
    });
    await cluster.waitFor('2 ready', async () => /^legacy\s+2\s+2\s+2\s+/m.test(await cluster.k('get', 'rc', 'legacy')), 90_000);
    assert.match(
      await cluster.k('get', 'rc', 'legacy', '-o', 'wide'),
      /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nlegacy\s+2\s+2\s+2\s+\d+s\s+c\s+registry\.k8s\.io\/pause:3\.10\s+app=legacy\n$/,
    );
    await cluster.k('scale', 'rc/legacy', '--replicas=3');
    await cluster.waitFor('3 ready', async () => /^legacy\s+3\s+3\s+3\s+/m.test(await cluster.k('get', 'rc', 'legacy')), 90_000);
    assert.equal(((await json('get', 'pods', '-l', 'app=legacy')).items as any[]).length, 3);
  });
});
