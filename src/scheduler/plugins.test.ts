import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import { findUntoleratedTaint } from '../api/taints.js';
import { LABEL_HOSTNAME, LABEL_ZONE, type Node, type Pod } from '../api/types.js';
import { NodeInfo, newPodInfo, SchedulerCache } from './cache.js';
import { makeNode, makePod } from './fixtures.js';
import {
  Code,
  CycleState,
  emptyListers,
  fitErrorMessage,
  type Handle,
  newDiagnosis,
  runFilter,
  runPreFilter,
  runScore,
  Status,
} from './framework.js';
import { NodeResourcesBalancedAllocation } from './plugins/balancedallocation.js';
import { DefaultPreemption } from './plugins/defaultpreemption.js';
import { defaultProfile } from './plugins/index.js';
import { NodeAffinity, RequiredNodeAffinity } from './plugins/nodeaffinity.js';
import { NodeName } from './plugins/nodename.js';
import { NodePorts } from './plugins/nodeports.js';
import { NodeResourcesFit } from './plugins/noderesourcesfit.js';
import { NodeUnschedulable } from './plugins/nodeunschedulable.js';
import {
  countPodsMatchSelector,
  defaultSelector,
  PodTopologySpread,
  podConstraints,
  type SpreadConstraint,
  SYSTEM_DEFAULT_CONSTRAINTS,
} from './plugins/podtopologyspread.js';
import { TaintToleration } from './plugins/tainttoleration.js';
import { podRequests } from './resources.js';

function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const n = new NodeInfo(node.metadata.name!, node);
  for (const p of pods) n.addPod(newPodInfo(p));
  return n;
}

const reasons = (st: Status | undefined) => st?.reasons ?? [];

test('NodeUnschedulable: a cordoned node rejects pods unless they tolerate the unschedulable taint', () => {
  const pl = new NodeUnschedulable();
  const cordoned = nodeInfo(makeNode('n', { unschedulable: true }));
  const st = pl.filter(new CycleState(), newPodInfo(makePod('p')), cordoned);
  assert.equal(st?.code, Code.UnschedulableAndUnresolvable);
  assert.deepEqual(reasons(st), ['node(s) were unschedulable']);
  const tolerant = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
  assert.equal(pl.filter(new CycleState(), newPodInfo(tolerant), cordoned), undefined);
  assert.equal(pl.filter(new CycleState(), newPodInfo(makePod('p')), nodeInfo(makeNode('m'))), undefined);
});

test('NodeName: only the named node fits', () => {
  const pl = new NodeName();
  const pod = newPodInfo(makePod('p', { nodeName: 'a' }));
  assert.equal(pl.filter(new CycleState(), pod, nodeInfo(makeNode('a'))), undefined);
  assert.deepEqual(reasons(pl.filter(new CycleState(), pod, nodeInfo(makeNode('b')))), ["node(s) didn't match the requested node name"]);
});

test('TaintToleration filter: NoSchedule and NoExecute must be tolerated, the first untolerated one is named', () => {
  const pl = new TaintToleration();
  const node = nodeInfo(
    makeNode('n', {
      taints: [
        { key: 'soft', effect: 'PreferNoSchedule' },
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
        { key: 'k', value: 'v', effect: 'NoExecute' },
      ],
    }),
  );
  const st = pl.filter(new CycleState(), newPodInfo(makePod('p')), node);
  assert.equal(st?.code, Code.UnschedulableAndUnresolvable);
  assert.deepEqual(reasons(st), ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']);
  const partly = makePod('p', {
    tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
  });
  assert.deepEqual(reasons(pl.filter(new CycleState(), newPodInfo(partly), node)), ['node(s) had untolerated taint {k: v}']);
  const wrongValue = makePod('p', {
    tolerations: [
      { operator: 'Exists', effect: 'NoSchedule' },
      { key: 'k', operator: 'Equal', value: 'other' },
    ],
  });
  assert.deepEqual(reasons(pl.filter(new CycleState(), newPodInfo(wrongValue), node)), ['node(s) had untolerated taint {k: v}']);
  const all = makePod('p', { tolerations: [{ operator: 'Exists' }] });
  assert.equal(pl.filter(new CycleState(), newPodInfo(all), node), undefined);
});

test('TaintToleration: a node whose Ready condition is not True is treated as tainted not-ready / unreachable', () => {
  const pl = new TaintToleration();
  const pod = newPodInfo(makePod('p'));
  assert.deepEqual(reasons(pl.filter(new CycleState(), pod, nodeInfo(makeNode('n', { ready: 'False' })))), [
    'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  ]);
  assert.deepEqual(reasons(pl.filter(new CycleState(), pod, nodeInfo(makeNode('n', { ready: 'Unknown' })))), [
    'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
  ]);
  // The default NoExecute toleration every pod gets does not cover the NoSchedule taint.
  const defaulted = newPodInfo(
    makePod('p', {
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    }),
  );
  assert.ok(pl.filter(new CycleState(), defaulted, nodeInfo(makeNode('n', { ready: 'False' }))));
  const tolerant = newPodInfo(makePod('p', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] }));
  assert.equal(pl.filter(new CycleState(), tolerant, nodeInfo(makeNode('n', { ready: 'False' }))), undefined);
});

test('TaintToleration score: fewer untolerated PreferNoSchedule taints is better, reversed to 0..100', () => {
  const pl = new TaintToleration();
  const nodes = [
    nodeInfo(makeNode('clean')),
    nodeInfo(makeNode('one', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }] })),
    nodeInfo(
      makeNode('two', {
        taints: [
          { key: 'a', effect: 'PreferNoSchedule' },
          { key: 'b', effect: 'PreferNoSchedule' },
        ],
      }),
    ),
  ];
  const pod = newPodInfo(makePod('p'));
  const state = new CycleState();
  pl.preScore(state, pod);
  const scores = nodes.map((n) => pl.score(state, pod, n));
  assert.deepEqual(scores, [0, 1, 2]);
  pl.normalizeScore(state, pod, scores);
  assert.deepEqual(scores, [100, 50, 0]);
  // PreferNoSchedule never filters.
  assert.equal(pl.filter(state, pod, nodes[2]), undefined);
});

test('NodeAffinity filter: nodeSelector and required terms with every operator and matchFields', () => {
  const pl = new NodeAffinity();
  const node = nodeInfo(makeNode('n1', { labels: { disk: 'ssd', gen: '5', zone: 'a' } }));
  const check = (pod: Pod): boolean => {
    const state = new CycleState();
    const pre = runPreFilter({ preFilter: [pl], filter: [], preScore: [], score: [] }, state, newPodInfo(pod));
    if (pre.status) return false;
    if (state.skipFilter.has(pl.name)) return true;
    if (pre.nodeNames && !pre.nodeNames.has(node.name)) return false;
    return pl.filter(state, newPodInfo(pod), node) === undefined;
  };
  const withTerms = (...terms: object[]) =>
    makePod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never } } } });
  const expr = (key: string, operator: string, values?: string[]) => withTerms({ matchExpressions: [{ key, operator, values }] });
  assert.equal(check(makePod('p')), true);
  assert.equal(check(makePod('p', { nodeSelector: { disk: 'ssd' } })), true);
  assert.equal(check(makePod('p', { nodeSelector: { disk: 'hdd' } })), false);
  assert.equal(check(expr('disk', 'In', ['hdd', 'ssd'])), true);
  assert.equal(check(expr('disk', 'NotIn', ['ssd'])), false);
  assert.equal(check(expr('missing', 'NotIn', ['x'])), true);
  assert.equal(check(expr('zone', 'Exists')), true);
  assert.equal(check(expr('zone', 'DoesNotExist')), false);
  assert.equal(check(expr('gen', 'Gt', ['4'])), true);
  assert.equal(check(expr('gen', 'Gt', ['5'])), false);
  assert.equal(check(expr('gen', 'Lt', ['6'])), true);
  assert.equal(check(expr('zone', 'Lt', ['6'])), false);
  // Terms are ORed; requirements within a term ANDed; an empty term matches nothing.
  assert.equal(
    check(
      withTerms(
        { matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] },
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      ),
    ),
    true,
  );
  assert.equal(
    check(
      withTerms({
        matchExpressions: [
          { key: 'disk', operator: 'In', values: ['ssd'] },
          { key: 'zone', operator: 'In', values: ['b'] },
        ],
      }),
    ),
    false,
  );
  assert.equal(check(withTerms({})), false);
  assert.equal(check(withTerms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] })), true);
  assert.equal(check(withTerms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] })), false);
  assert.equal(check(withTerms({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] })), true);
  const st = pl.filter(new CycleState(), newPodInfo(makePod('p', { nodeSelector: { disk: 'hdd' } })), node);
  assert.deepEqual(reasons(st), ["node(s) didn't match Pod's node affinity/selector"]);
  assert.equal(st?.code, Code.UnschedulableAndUnresolvable);
});

test('NodeAffinity preFilter: metadata.name terms narrow the nodes; conflicting ones reject', () => {
  const pl = new NodeAffinity();
  const terms = (t: object[]) =>
    newPodInfo(
      makePod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: t as never } } } }),
    );
  const out = pl.preFilter(
    new CycleState(),
    terms([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] },
    ]),
  );
  assert.deepEqual([...(out?.nodeNames ?? [])].sort(), ['a', 'b']);
  const conflict = pl.preFilter(
    new CycleState(),
    terms([
      {
        matchFields: [
          { key: 'metadata.name', operator: 'In', values: ['a'] },
          { key: 'metadata.name', operator: 'In', values: ['b'] },
        ],
      },
    ]),
  );
  assert.deepEqual(conflict?.status?.reasons, ['pod affinity terms conflict']);
  assert.equal(pl.preFilter(new CycleState(), newPodInfo(makePod('p')))?.status?.code, Code.Skip);
});

test('NodeAffinity score: weights of matching preferred terms, normalised to the best node', () => {
  const pl = new NodeAffinity();
  const pod = newPodInfo(
    makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 30, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          ],
        },
      },
    }),
  );
  const nodes = [
    nodeInfo(makeNode('x', { labels: { disk: 'ssd' } })),
    nodeInfo(makeNode('y', { labels: { disk: 'ssd', zone: 'a' } })),
    nodeInfo(makeNode('z')),
  ];
  const state = new CycleState();
  assert.equal(pl.preScore(state, pod), undefined);
  const scores = nodes.map((n) => pl.score(state, pod, n));
  assert.deepEqual(scores, [10, 40, 0]);
  pl.normalizeScore(state, pod, scores);
  assert.deepEqual(scores, [25, 100, 0]);
  assert.equal(pl.preScore(new CycleState(), newPodInfo(makePod('q')))?.code, Code.Skip);
});

test('resource requests: containers add up, init containers set a floor, sidecars add, overhead on top', () => {
  const pod = makePod('p');
  pod.spec!.containers = [
    { name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
    { name: 'b', resources: { requests: { cpu: '200m' } } },
  ];
  pod.spec!.initContainers = [{ name: 'i', resources: { requests: { cpu: '1', memory: '32Mi' } } }];
  pod.spec!.overhead = { cpu: '50m' };
  const r = podRequests(pod);
  assert.equal(r.milliCPU, 1050);
  assert.equal(r.memory, 64 * 1024 * 1024);
  const nz = podRequests(pod, true);
  // Container b states no memory: it counts 200Mi when scoring.
  assert.equal(nz.memory, (64 + 200) * 1024 * 1024);
  pod.spec!.initContainers = [
    { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } },
    { name: 'i', resources: { requests: { cpu: '400m' } } },
  ];
  // Sidecar adds to the containers (300 + 500) and runs beside the later init container (500 + 400).
  assert.equal(podRequests(pod).milliCPU, 900 + 50);
});

test('NodeResourcesFit filter: insufficient cpu, memory, pods; pods without requests need only a pod slot', () => {
  const pl = new NodeResourcesFit();
  const node = nodeInfo(makeNode('n', { cpu: '1', memory: '1Gi', pods: 2 }), [makePod('a', { cpu: '600m', memory: '512Mi' })]);
  assert.equal(pl.filter(new CycleState(), newPodInfo(makePod('p', { cpu: '400m', memory: '512Mi' })), node), undefined);
  const st = pl.filter(new CycleState(), newPodInfo(makePod('p', { cpu: '500m', memory: '600Mi' })), node);
  assert.equal(st?.code, Code.Unschedulable);
  assert.deepEqual(reasons(st), ['Insufficient cpu', 'Insufficient memory']);
  node.addPod(newPodInfo(makePod('b')));
  assert.deepEqual(reasons(pl.filter(new CycleState(), newPodInfo(makePod('p')), node)), ['Too many pods']);
  const gpu = nodeInfo(makeNode('g'));
  const gpuPod = makePod('p');
  gpuPod.spec!.containers![0].resources = { requests: { 'example.com/gpu': '1' } };
  assert.deepEqual(reasons(pl.filter(new CycleState(), newPodInfo(gpuPod), gpu)), ['Insufficient example.com/gpu']);
  assert.equal(pl.filter(new CycleState(), newPodInfo(gpuPod), nodeInfo(makeNode('h', { extra: { 'example.com/gpu': '2' } }))), undefined);
});

test('NodeResourcesFit score: LeastAllocated with 100m/200Mi defaults for pods without requests', () => {
  const pl = new NodeResourcesFit();
  const node = nodeInfo(makeNode('n', { cpu: '4', memory: '8Gi' }), [makePod('a', { cpu: '1', memory: '2Gi' })]);
  // cpu (4000-1000-1000)/4000 = 50, memory (8-2-2)/8 = 50.
  assert.equal(pl.score(new CycleState(), newPodInfo(makePod('p', { cpu: '1', memory: '2Gi' })), node), 50);
  // No requests: 100m and 200Mi count. cpu (4000-1100)*100/4000 = 72, memory (8192-2048-200)*100/8192 = 72.
  assert.equal(pl.score(new CycleState(), newPodInfo(makePod('p')), node), 72);
});

test('NodeResourcesBalancedAllocation: 100 minus the spread of cpu and memory fractions', () => {
  const pl = new NodeResourcesBalancedAllocation();
  const node = nodeInfo(makeNode('n', { cpu: '4', memory: '8Gi' }));
  // cpu 2/4 = .5, memory 1/8 = .125: std .1875 -> 81.
  assert.equal(pl.score(new CycleState(), newPodInfo(makePod('p', { cpu: '2', memory: '1Gi' })), node), 81);
  assert.equal(pl.score(new CycleState(), newPodInfo(makePod('p', { cpu: '1', memory: '2Gi' })), node), 100);
});

test('NodePorts: the same hostPort and protocol conflict; 0.0.0.0 clashes with any address', () => {
  const pl = new NodePorts();
  const used = nodeInfo(makeNode('n'), [makePod('a', { hostPort: 8080 })]);
  const pod = newPodInfo(makePod('p', { hostPort: 8080 }));
  assert.deepEqual(reasons(pl.filter(new CycleState(), pod, used)), ["node(s) didn't have free ports for the requested pod ports"]);
  assert.equal(pl.filter(new CycleState(), newPodInfo(makePod('p', { hostPort: 8081 })), used), undefined);
  const udp = makePod('u');
  udp.spec!.containers![0].ports = [{ containerPort: 53, hostPort: 8080, protocol: 'UDP' }];
  assert.equal(pl.filter(new CycleState(), newPodInfo(udp), used), undefined);
  const specific = makePod('s');
  specific.spec!.containers![0].ports = [{ containerPort: 1, hostPort: 9090, hostIP: '10.0.0.1' }];
  const onIP = nodeInfo(makeNode('m'), [specific]);
  const other = makePod('o');
  other.spec!.containers![0].ports = [{ containerPort: 1, hostPort: 9090, hostIP: '10.0.0.2' }];
  assert.equal(pl.filter(new CycleState(), newPodInfo(other), onIP), undefined);
  assert.ok(pl.filter(new CycleState(), newPodInfo(makePod('any', { hostPort: 9090 })), onIP));
  assert.equal(pl.preFilter(new CycleState(), newPodInfo(makePod('none')))?.status?.code, Code.Skip);
  // Removing the pod frees the port.
  used.removePod('uid-a');
  assert.equal(pl.filter(new CycleState(), pod, used), undefined);
});

test('PodTopologySpread: replicas of one ReplicaSet prefer the nodes with fewer of them', () => {
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } } },
  };
  const cache = new SchedulerCache();
  const handle: Handle = {
    cache,
    listers: { ...emptyListers, replicaSet: (ns, name) => (ns === 'default' && name === 'web' ? rs : undefined) },
  };
  const pl = new PodTopologySpread(handle);
  const owner = { kind: 'ReplicaSet', name: 'web', uid: 'rs-uid' };
  for (const n of ['a', 'b', 'c']) cache.setNode(makeNode(n));
  cache.addPod(makePod('w1', { labels: { app: 'web' }, owner, nodeName: 'a' }));
  cache.addPod(makePod('w2', { labels: { app: 'web' }, owner, nodeName: 'a' }));
  cache.addPod(makePod('w3', { labels: { app: 'web' }, owner, nodeName: 'b' }));
  cache.addPod(makePod('other', { labels: { app: 'db' }, nodeName: 'c' }));
  const pod = newPodInfo(makePod('w4', { labels: { app: 'web' }, owner }));
  const nodes = cache.nodeList();
  const state = new CycleState();
  assert.equal(pl.preScore(state, pod, nodes), undefined);
  const raw = nodes.map((n) => pl.score(state, pod, n));
  // count * ln(3 + 2) + (maxSkew 3 - 1): a=2 -> 5.2 -> 5, b=1 -> 3.6 -> 4, c=0 -> 2.
  assert.deepEqual(raw, [5, 4, 2]);
  pl.normalizeScore(state, pod, raw, nodes);
  assert.deepEqual(raw, [40, 60, 100]);
  // A bare pod (no owner, no Service) is not spread.
  assert.equal(pl.preScore(new CycleState(), newPodInfo(makePod('bare', { labels: { app: 'web' } })), nodes)?.code, Code.Skip);
});

/**
 * Kubernetes' PodTopologySpread scoring (scoring.go: initPreScoreState, PreScore, Score) written
 * out plainly, per constraint and per node, for the plugin to be compared with: the plugin skips
 * work (domains no scored node reads, the walk over every node when there are none) and must
 * still give these scores.
 */
function referenceSpreadScores(handle: Handle, pod: Pod, filtered: NodeInfo[]): number[] | 'skip' {
  const all = handle.cache.nodeList();
  const own = (pod.spec?.topologySpreadConstraints ?? []).length > 0;
  let constraints: SpreadConstraint[];
  if (own) constraints = podConstraints(pod, 'ScheduleAnyway');
  else {
    const selector = defaultSelector(pod, handle);
    constraints = selector.empty()
      ? []
      : SYSTEM_DEFAULT_CONSTRAINTS.map((c) => ({
          maxSkew: c.maxSkew,
          topologyKey: c.topologyKey,
          selector,
          nodeAffinityPolicy: 'Honor' as const,
          nodeTaintsPolicy: 'Ignore' as const,
        }));
  }
  if (constraints.length === 0) return 'skip';
  const ns = pod.metadata.namespace ?? '';
  const label = (n: NodeInfo, k: string) => (Object.hasOwn(n.labels, k) ? n.labels[k] : '');
  const hasAll = (n: NodeInfo) => constraints.every((c) => Object.hasOwn(n.labels, c.topologyKey));
  const ignored = new Set<string>();
  const counts = constraints.map(() => new Map<string, number>());
  const topoSize = constraints.map(() => 0);
  for (const n of filtered) {
    if (own && !hasAll(n)) {
      ignored.add(n.name);
      continue;
    }
    constraints.forEach((c, i) => {
      if (c.topologyKey === LABEL_HOSTNAME) return;
      const v = label(n, c.topologyKey);
      if (!counts[i].has(v)) {
        counts[i].set(v, 0);
        topoSize[i]++;
      }
    });
  }
  const weights = constraints.map((c, i) =>
    Math.log((c.topologyKey === LABEL_HOSTNAME ? filtered.length - ignored.size : topoSize[i]) + 2),
  );
  const required = new RequiredNodeAffinity(pod);
  for (const n of all) {
    if (own && !hasAll(n)) continue;
    constraints.forEach((c, i) => {
      if (c.nodeAffinityPolicy === 'Honor' && !required.match(n.labels, n.name)) return;
      if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(n.taints, pod.spec?.tolerations)) return;
      const v = label(n, c.topologyKey);
      const cur = counts[i].get(v);
      if (cur === undefined) return;
      counts[i].set(v, cur + countPodsMatchSelector(n.pods, c.selector, ns));
    });
  }
  return filtered.map((n) => {
    if (ignored.has(n.name)) return 0;
    let score = 0;
    constraints.forEach((c, i) => {
      if (!Object.hasOwn(n.labels, c.topologyKey)) return;
      const cnt =
        c.topologyKey === LABEL_HOSTNAME ? countPodsMatchSelector(n.pods, c.selector, ns) : counts[i].get(n.labels[c.topologyKey])!;
      score += cnt * weights[i] + (c.maxSkew - 1);
    });
    return Math.round(score);
  });
}

test('PodTopologySpread scores as Kubernetes counts, whatever topology labels the nodes carry', () => {
  // A small deterministic generator: the same cases on every run.
  let seed = 0x9e3779b9;
  const rnd = (n: number) => {
    // xorshift32
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } } },
  };
  const owner = { kind: 'ReplicaSet', name: 'web', uid: 'rs-uid' };
  let compared = 0,
    zoneCounted = 0;
  for (let round = 0; round < 300; round++) {
    const cache = new SchedulerCache();
    const handle: Handle = {
      cache,
      listers: { ...emptyListers, replicaSet: (ns, name) => (ns === 'default' && name === 'web' ? rs : undefined) },
    };
    const pl = new PodTopologySpread(handle);
    // Zones: none on any node, on some, on all; "" as a value too (a label present and empty).
    const zoneMode = rnd(3);
    const nNodes = 2 + rnd(12);
    for (let i = 0; i < nNodes; i++) {
      const labels: Record<string, string> = {};
      if (zoneMode === 2 || (zoneMode === 1 && rnd(2))) labels[LABEL_ZONE] = ['a', 'b', 'c', ''][rnd(4)];
      if (rnd(3)) labels.rack = `r${rnd(3)}`;
      if (rnd(4) === 0) labels.disk = 'ssd';
      const taints = rnd(5) === 0 ? [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' as const }] : undefined;
      cache.setNode(makeNode(`n${i}`, { labels, taints }));
    }
    const nPods = rnd(30);
    for (let i = 0; i < nPods; i++) {
      const app = rnd(3) ? 'web' : 'db';
      cache.addPod(makePod(`p${i}`, { labels: { app }, owner: app === 'web' ? owner : undefined, nodeName: `n${rnd(nNodes)}` }));
    }
    const incoming = makePod('new', { labels: { app: 'web' }, owner });
    if (rnd(3) === 0) incoming.spec!.nodeSelector = { disk: 'ssd' };
    if (rnd(2)) {
      // The pod's own rules: any mix of keys, the same key twice with different selectors.
      const keys = [LABEL_ZONE, 'rack', LABEL_HOSTNAME];
      incoming.spec!.topologySpreadConstraints = Array.from({ length: 1 + rnd(3) }, () => ({
        maxSkew: 1 + rnd(3),
        topologyKey: keys[rnd(3)],
        whenUnsatisfiable: 'ScheduleAnyway' as const,
        labelSelector: { matchLabels: { app: rnd(4) ? 'web' : 'db' } },
        ...(rnd(2) ? { nodeTaintsPolicy: 'Honor' as const } : {}),
        ...(rnd(3) === 0 ? { nodeAffinityPolicy: 'Ignore' as const } : {}),
      }));
    }
    const all = cache.nodeList();
    const filtered = all.filter(() => rnd(4) !== 0);
    const pi = newPodInfo(incoming);
    const state = new CycleState();
    const want = referenceSpreadScores(handle, incoming, filtered);
    const st = pl.preScore(state, pi, filtered);
    if (want === 'skip' || filtered.length === 0) {
      assert.equal(st?.code, Code.Skip, `round ${round}`);
      continue;
    }
    assert.equal(st, undefined, `round ${round}`);
    assert.deepEqual(
      filtered.map((n) => pl.score(state, pi, n)),
      want,
      `round ${round}: ${JSON.stringify({ nodes: all.map((n) => n.labels), c: incoming.spec?.topologySpreadConstraints })}`,
    );
    compared++;
    if (zoneMode > 0 && !incoming.spec?.topologySpreadConstraints) zoneCounted++;
  }
  assert.ok(compared > 150 && zoneCounted > 20, `${compared} rounds compared, ${zoneCounted} with zones by the defaults`);
});

test('SchedulerCache.updatePod: a status write leaves the counted pod and the node generation; other changes count it again', () => {
  const cache = new SchedulerCache();
  cache.setNode(makeNode('a'));
  const bound = makePod('p', { cpu: '100m', labels: { app: 'web' }, nodeName: 'a' });
  cache.addPod(bound);
  const node = cache.getNode('a')!;
  const gen = node.generation;
  // The kubelet's status write: spec and labels are the same objects, as in-process informers share them.
  const running: Pod = { ...bound, metadata: { ...bound.metadata, resourceVersion: '2' }, status: { phase: 'Running' } };
  cache.updatePod(running);
  assert.equal(node.generation, gen);
  assert.equal(node.pods[0].pod, running);
  assert.equal(node.reqMilliCPU, 100);
  // New labels: counted again (spreading's counts on the node are stale).
  const relabeled: Pod = { ...running, metadata: { ...running.metadata, labels: { app: 'db' } } };
  cache.updatePod(relabeled);
  assert.ok(node.generation > gen);
  assert.deepEqual(node.pods[0].labels, { app: 'db' });
  // The same content decoded apart (an HTTPS informer): counted again, the sums unchanged.
  const g2 = node.generation;
  cache.updatePod(structuredClone(relabeled));
  assert.ok(node.generation > g2);
  assert.equal(node.pods.length, 1);
  assert.equal(node.reqMilliCPU, 100);
  // An assumed pod's binding, seen through the informer, confirms it.
  const pending = makePod('q', { cpu: '200m' });
  cache.assumePod(newPodInfo(pending), 'a');
  assert.ok(cache.isAssumed('uid-q'));
  cache.updatePod({ ...pending, spec: { ...pending.spec!, nodeName: 'a' } });
  assert.equal(cache.isAssumed('uid-q'), false);
  assert.equal(node.reqMilliCPU, 300);
});

test('fitErrorMessage: counts reasons per node, sorts the lines as strings, appends preemption', () => {
  const d = newDiagnosis();
  const taint = new Status(Code.UnschedulableAndUnresolvable, ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']);
  const aff = new Status(Code.UnschedulableAndUnresolvable, ["node(s) didn't match Pod's node affinity/selector"]);
  d.nodeToStatus.set('cp', taint);
  d.nodeToStatus.set('w1', aff);
  d.nodeToStatus.set('w2', aff);
  d.postFilterMsg = 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
  assert.equal(
    fitErrorMessage(3, d),
    "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
  const many = newDiagnosis();
  for (let i = 0; i < 10; i++) many.nodeToStatus.set(`a${i}`, new Status(Code.Unschedulable, ['Insufficient memory']));
  for (let i = 0; i < 2; i++) many.nodeToStatus.set(`b${i}`, new Status(Code.Unschedulable, ['Insufficient cpu', 'Insufficient memory']));
  // Go's sort.Strings: "12 Insufficient memory" before "2 Insufficient cpu".
  assert.equal(fitErrorMessage(12, many), '0/12 nodes are available: 12 Insufficient memory, 2 Insufficient cpu.');
});

/** A scheduling cycle up to PostFilter: PreFilter, then every node's Filter status in a diagnosis. */
function filterEveryNode(profile: ReturnType<typeof defaultProfile>, cache: SchedulerCache, pod: Pod) {
  const pi = newPodInfo(pod);
  const state = new CycleState();
  runPreFilter(profile, state, pi);
  const d = newDiagnosis();
  for (const n of cache.nodeList()) {
    const st = runFilter(profile, state, pi, n);
    if (st) d.nodeToStatus.set(n.name, st);
  }
  return { pi, state, d };
}

test('DefaultPreemption message: not helpful, no victims, or still not fitting without the victims', () => {
  const cache = new SchedulerCache();
  const profile = defaultProfile({ cache, listers: emptyListers });
  cache.setNode(makeNode('small', { cpu: '1' }));
  cache.setNode(makeNode('busy', { cpu: '2' }));
  cache.setNode(makeNode('tainted', { cpu: '8', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
  cache.addPod(makePod('low', { cpu: '1500m', priority: -5, nodeName: 'busy' }));
  const schedule = (pod: Pod) => {
    const { pi, state, d } = filterEveryNode(profile, cache, pod);
    const post = new DefaultPreemption().postFilter(state, pi, d, cache.nodeList(), (st, p, n) => runFilter(profile, st, p, n));
    d.postFilterMsg = post.message;
    return { msg: fitErrorMessage(3, d), candidates: post.candidate ? [post.candidate.node] : [] };
  };
  assert.equal(
    schedule(makePod('big', { cpu: '3' })).msg,
    '0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
  );
  // Evicting "low" from busy would make room: a candidate, so no preemption part.
  const r = schedule(makePod('mid', { cpu: '1500m' }));
  assert.deepEqual(r.candidates, ['busy']);
  assert.equal(r.msg, '0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.');
  const never = makePod('never', { cpu: '3' });
  never.spec!.preemptionPolicy = 'Never';
  assert.match(schedule(never).msg, / preemption: not eligible due to preemptionPolicy=Never\.$/);
});

test('default profile: the first rejecting filter names the reason; scores pick the emptier node', () => {
  const cache = new SchedulerCache();
  const profile = defaultProfile({ cache, listers: emptyListers });
  cache.setNode(makeNode('cordoned-and-tainted', { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] }));
  const pi = newPodInfo(makePod('p'));
  const state = new CycleState();
  runPreFilter(profile, state, pi);
  const st = runFilter(profile, state, pi, cache.getNode('cordoned-and-tainted')!);
  assert.equal(st?.plugin, 'NodeUnschedulable');
  cache.setNode(makeNode('empty'));
  cache.setNode(makeNode('full'));
  cache.addPod(makePod('x', { cpu: '3', memory: '6Gi', nodeName: 'full' }));
  const nodes = [cache.getNode('empty')!, cache.getNode('full')!];
  const scored = runScore(profile, state, newPodInfo(makePod('q', { cpu: '100m', memory: '100Mi' })), nodes);
  assert.ok(scored[0] > scored[1], `scores ${scored}`);
});

test('DefaultPreemption victims: lowest priority first, as few as fit, PDB violations last; the node with the least to lose', () => {
  const cache = new SchedulerCache();
  const profile = defaultProfile({ cache, listers: emptyListers });
  const filter = (st: CycleState, p: ReturnType<typeof newPodInfo>, n: Parameters<typeof runFilter>[3]) => runFilter(profile, st, p, n);
  const preempt = (pod: Pod, pdbs: KObject[] = []) => {
    const { pi, state, d } = filterEveryNode(profile, cache, pod);
    return new DefaultPreemption().postFilter(state, pi, d, cache.nodeList(), filter, pdbs);
  };
  // n1: three pods of 1 cpu (priorities 1, 5, 10) on 3 cpus; the preemptor (priority 100) needs 1 cpu.
  cache.setNode(makeNode('n1', { cpu: '3' }));
  cache.addPod(makePod('p1', { cpu: '1', priority: 1, nodeName: 'n1', labels: { app: 'a' } }));
  cache.addPod(makePod('p5', { cpu: '1', priority: 5, nodeName: 'n1', labels: { app: 'b' } }));
  cache.addPod(makePod('p10', { cpu: '1', priority: 10, nodeName: 'n1' }));
  let r = preempt(makePod('hi', { cpu: '1', priority: 100 }));
  assert.deepEqual(
    r.candidate?.victims.map((v) => v.key),
    ['default/p1'],
    'one victim, the lowest priority',
  );
  // Two cpus needed: the two lowest go.
  r = preempt(makePod('hi2', { cpu: '2', priority: 100 }));
  assert.deepEqual(r.candidate?.victims.map((v) => v.key).sort(), ['default/p1', 'default/p5']);
  // A budget that allows no disruption of app=a: p1 is reprieved first, p5 and p10 go instead.
  const pdb: KObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'a', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'a' } } },
    status: { disruptionsAllowed: 0 },
  };
  r = preempt(makePod('hi3', { cpu: '2', priority: 100 }), [pdb]);
  assert.deepEqual(r.candidate?.victims.map((v) => v.key).sort(), ['default/p10', 'default/p5']);
  assert.equal(r.candidate?.numPDBViolations, 0);
  // Nothing of lower priority: no victims; equal priority is never preempted.
  r = preempt(makePod('eq', { cpu: '1', priority: 1 }));
  assert.equal(r.candidate, undefined);
  assert.match(
    r.message ?? '',
    /preemption: 0\/1 nodes are available: 1 (Insufficient cpu|No preemption victims found for incoming pod)\./,
  );
  // A second node whose only pod has priority 0: preempting there costs less (lower highest victim priority).
  cache.setNode(makeNode('n2', { cpu: '1' }));
  cache.addPod(makePod('z', { cpu: '1', priority: 0, nodeName: 'n2' }));
  r = preempt(makePod('hi4', { cpu: '1', priority: 100 }));
  assert.equal(r.candidate?.node, 'n2');
});
