import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { KObject } from '../api/object.js';
import { writeTestKubeconfig } from '../testing/kubeconfig.js';
import { findDefinition } from './registry/index.js';
import type { ResourceDefinition } from './registry/rest.js';
import { type BuildTableOptions, buildTable, defaultPrinter, humanDuration, type Table, timestampSince } from './tables.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const SEC = 1000,
  MIN = 60 * SEC,
  HOUR = 60 * MIN,
  DAY = 24 * HOUR;
const ago = (ms: number, now: Date = NOW): string => new Date(now.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function res(group: string, resource: string): ResourceDefinition {
  const def = findDefinition(group, 'v1', resource);
  assert.ok(def, `resource ${group}/${resource}`);
  return def;
}

/** The table the resource's printer makes of these objects. */
function tableOf(def: Pick<ResourceDefinition, 'info' | 'printer'>, objects: KObject[], opts?: BuildTableOptions): Table {
  return buildTable(def.printer, def.info, objects, opts);
}

const tableColumns = ({ group, resource }: { group: string; resource: string }) => res(group, resource).printer.columns;

/** The cells of each row when the table is built for these objects at NOW. */
function cells(group: string, resource: string, objects: KObject[]): unknown[][] {
  return tableOf(res(group, resource), objects, { now: NOW }).rows.map((r) => r.cells);
}

function columnNames(group: string, resource: string, wide: boolean): string[] {
  return tableColumns({ group, resource })
    .filter((c) => wide || c.priority === 0)
    .map((c) => c.name);
}

// ---------------------------------------------------------------------------------------------

test('humanDuration prints as duration.HumanDuration', () => {
  const cases: [number, string][] = [
    [-3 * SEC, '<invalid>'],
    [-2 * SEC, '<invalid>'],
    [-1500, '0s'],
    [-SEC, '0s'],
    [0, '0s'],
    [999, '0s'],
    [45 * SEC, '45s'],
    [119 * SEC, '119s'],
    [2 * MIN, '2m'],
    [5 * MIN + 12 * SEC, '5m12s'],
    [9 * MIN + 59 * SEC, '9m59s'],
    [10 * MIN, '10m'],
    [10 * MIN + 30 * SEC, '10m'],
    [179 * MIN, '179m'],
    [3 * HOUR, '3h'],
    [3 * HOUR + 5 * MIN, '3h5m'],
    [7 * HOUR + 59 * MIN, '7h59m'],
    [8 * HOUR, '8h'],
    [8 * HOUR + 30 * MIN, '8h'],
    [47 * HOUR, '47h'],
    [48 * HOUR, '2d'],
    [51 * HOUR, '2d3h'],
    [7 * DAY + 23 * HOUR, '7d23h'],
    [8 * DAY, '8d'],
    [8 * DAY + 5 * HOUR, '8d'],
    [400 * DAY, '400d'],
    [729 * DAY, '729d'],
    [730 * DAY, '2y'],
    [(3 * 365 + 100) * DAY, '3y100d'],
    [(7 * 365 + 364) * DAY, '7y364d'],
    [8 * 365 * DAY, '8y'],
    [(10 * 365 + 100) * DAY, '10y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('timestampSince: unknown for unset and zero times, micro-precision times parse', () => {
  assert.equal(timestampSince(undefined, NOW), '<unknown>');
  assert.equal(timestampSince('', NOW), '<unknown>');
  assert.equal(timestampSince('0001-01-01T00:00:00Z', NOW), '<unknown>');
  assert.equal(timestampSince(ago(45 * SEC), NOW), '45s');
  assert.equal(timestampSince('2024-05-01T11:54:48.123456Z', NOW), '5m11s');
  assert.equal(timestampSince('2024-05-01T12:00:01Z', NOW), '0s');
});

// ---------------------------------------------------------------------------------------------
// Pods

type PodOpts = {
  name?: string;
  phase?: string;
  reason?: string;
  containers?: number;
  init?: Record<string, unknown>[];
  statuses?: Record<string, unknown>[];
  initStatuses?: Record<string, unknown>[];
  conditions?: Record<string, unknown>[];
  deleting?: boolean;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};
function pod(p: PodOpts): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name ?? 'p',
      namespace: 'default',
      creationTimestamp: ago(3 * HOUR),
      ...(p.deleting ? { deletionTimestamp: ago(10 * SEC) } : {}),
    },
    spec: {
      containers: Array.from({ length: p.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: 'busybox' })),
      ...(p.init ? { initContainers: p.init } : {}),
      ...p.spec,
    },
    status: {
      ...(p.phase ? { phase: p.phase } : {}),
      ...(p.reason ? { reason: p.reason } : {}),
      ...(p.conditions ? { conditions: p.conditions } : {}),
      ...(p.statuses ? { containerStatuses: p.statuses } : {}),
      ...(p.initStatuses ? { initContainerStatuses: p.initStatuses } : {}),
      ...p.status,
    },
  };
}
const running = (name = 'c0', extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  restartCount: 0,
  state: { running: { startedAt: ago(HOUR) } },
  ...extra,
});
const waiting = (reason: string, name = 'c0', extra: Record<string, unknown> = {}) => ({
  name,
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
  ...extra,
});
const terminated = (t: Record<string, unknown>, name = 'c0', extra: Record<string, unknown> = {}) => ({
  name,
  ready: false,
  restartCount: 0,
  state: { terminated: t },
  ...extra,
});
const lastDied = (msAgo: number) => ({ lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(msAgo) } } });
const cond = (type: string, status: string, reason?: string) => ({ type, status, ...(reason ? { reason } : {}) });
const initC = (name: string, restartPolicy?: string) => ({ name, image: 'busybox', ...(restartPolicy ? { restartPolicy } : {}) });

test('pods: READY, STATUS and RESTARTS as printPod computes them', () => {
  const cases: [string, KObject, [string, string, string]][] = [
    ['pending, no statuses', pod({ phase: 'Pending' }), ['0/1', 'Pending', '0']],
    ['no phase at all', pod({}), ['0/1', '', '0']],
    ['running and ready', pod({ phase: 'Running', statuses: [running()] }), ['1/1', 'Running', '0']],
    ['running, not ready', pod({ phase: 'Running', statuses: [running('c0', { ready: false })] }), ['0/1', 'Running', '0']],
    [
      'two containers, one ready',
      pod({ phase: 'Running', containers: 2, statuses: [running('c0'), running('c1', { ready: false })] }),
      ['1/2', 'Running', '0'],
    ],
    ['container creating', pod({ phase: 'Pending', statuses: [waiting('ContainerCreating')] }), ['0/1', 'ContainerCreating', '0']],
    ['image pull back-off', pod({ phase: 'Pending', statuses: [waiting('ImagePullBackOff')] }), ['0/1', 'ImagePullBackOff', '0']],
    [
      'crash loop, last restart 5m ago',
      pod({ phase: 'Running', statuses: [waiting('CrashLoopBackOff', 'c0', { restartCount: 5, ...lastDied(5 * MIN) })] }),
      ['0/1', 'CrashLoopBackOff', '5 (5m ago)'],
    ],
    [
      'crash loop, last restart 2d ago',
      pod({ phase: 'Running', statuses: [waiting('CrashLoopBackOff', 'c0', { restartCount: 120, ...lastDied(2 * DAY) })] }),
      ['0/1', 'CrashLoopBackOff', '120 (2d ago)'],
    ],
    [
      'restarted, running again',
      pod({ phase: 'Running', statuses: [running('c0', { restartCount: 2, ...lastDied(45 * SEC) })] }),
      ['1/1', 'Running', '2 (45s ago)'],
    ],
    ['restarts without a last state', pod({ phase: 'Running', statuses: [running('c0', { restartCount: 3 })] }), ['1/1', 'Running', '3']],
    [
      'restarts summed, latest of two dates',
      pod({
        phase: 'Running',
        containers: 2,
        statuses: [running('c0', { restartCount: 1, ...lastDied(HOUR) }), running('c1', { restartCount: 2, ...lastDied(10 * MIN) })],
      }),
      ['2/2', 'Running', '3 (10m ago)'],
    ],
    [
      'first container has the last word',
      pod({ phase: 'Running', containers: 2, statuses: [waiting('CrashLoopBackOff', 'c0'), waiting('ErrImagePull', 'c1')] }),
      ['0/2', 'CrashLoopBackOff', '0'],
    ],
    ['completed', pod({ phase: 'Succeeded', statuses: [terminated({ exitCode: 0, reason: 'Completed' })] }), ['0/1', 'Completed', '0']],
    ['failed with Error', pod({ phase: 'Failed', statuses: [terminated({ exitCode: 1, reason: 'Error' })] }), ['0/1', 'Error', '0']],
    ['OOMKilled', pod({ phase: 'Running', statuses: [terminated({ exitCode: 137, reason: 'OOMKilled' })] }), ['0/1', 'OOMKilled', '0']],
    ['terminated, exit code only', pod({ phase: 'Failed', statuses: [terminated({ exitCode: 137 })] }), ['0/1', 'ExitCode:137', '0']],
    ['terminated by a signal', pod({ phase: 'Failed', statuses: [terminated({ exitCode: 0, signal: 9 })] }), ['0/1', 'Signal:9', '0']],
    ['evicted', pod({ phase: 'Failed', reason: 'Evicted' }), ['0/1', 'Evicted', '0']],
    [
      'evicted, container status unknown',
      pod({ phase: 'Failed', reason: 'Evicted', statuses: [terminated({ exitCode: 137, reason: 'ContainerStatusUnknown' })] }),
      ['0/1', 'ContainerStatusUnknown', '0'],
    ],
    ['terminating', pod({ phase: 'Running', deleting: true, statuses: [running()] }), ['1/1', 'Terminating', '0']],
    [
      'terminating but already completed',
      pod({ phase: 'Succeeded', deleting: true, statuses: [terminated({ exitCode: 0, reason: 'Completed' })] }),
      ['0/1', 'Completed', '0'],
    ],
    [
      'terminating but already failed',
      pod({ phase: 'Failed', deleting: true, statuses: [terminated({ exitCode: 2, reason: 'Error' })] }),
      ['0/1', 'Error', '0'],
    ],
    ['node lost', pod({ phase: 'Running', reason: 'NodeLost' }), ['0/1', 'NodeLost', '0']],
    [
      'node lost while deleting',
      pod({ phase: 'Running', reason: 'NodeLost', deleting: true, statuses: [running()] }),
      ['1/1', 'Unknown', '0'],
    ],
    [
      'scheduling gated',
      pod({ phase: 'Pending', conditions: [cond('PodScheduled', 'False', 'SchedulingGated')] }),
      ['0/1', 'SchedulingGated', '0'],
    ],
    [
      'unschedulable stays Pending',
      pod({ phase: 'Pending', conditions: [cond('PodScheduled', 'False', 'Unschedulable')] }),
      ['0/1', 'Pending', '0'],
    ],
    [
      'completed one, other running, pod ready',
      pod({
        phase: 'Running',
        containers: 2,
        conditions: [cond('Ready', 'True')],
        statuses: [terminated({ exitCode: 0, reason: 'Completed' }), running('c1')],
      }),
      ['1/2', 'Running', '0'],
    ],
    [
      'completed one, other running, pod not ready',
      pod({
        phase: 'Running',
        containers: 2,
        conditions: [cond('Ready', 'False')],
        statuses: [terminated({ exitCode: 0, reason: 'Completed' }), running('c1')],
      }),
      ['1/2', 'NotReady', '0'],
    ],
    // Init containers
    [
      'init 0/2 running',
      pod({
        phase: 'Pending',
        init: [initC('i0'), initC('i1')],
        initStatuses: [running('i0', { ready: false }), waiting('PodInitializing', 'i1')],
        statuses: [waiting('PodInitializing')],
      }),
      ['0/1', 'Init:0/2', '0'],
    ],
    [
      'init 1/2',
      pod({
        phase: 'Pending',
        init: [initC('i0'), initC('i1')],
        initStatuses: [terminated({ exitCode: 0, reason: 'Completed' }, 'i0'), running('i1', { ready: false })],
        statuses: [waiting('PodInitializing')],
      }),
      ['0/1', 'Init:1/2', '0'],
    ],
    [
      'init waiting PodInitializing counts as 0/1',
      pod({ phase: 'Pending', init: [initC('i0')], initStatuses: [waiting('PodInitializing', 'i0')] }),
      ['0/1', 'Init:0/1', '0'],
    ],
    [
      'init error',
      pod({
        phase: 'Pending',
        init: [initC('i0')],
        initStatuses: [terminated({ exitCode: 1, reason: 'Error' }, 'i0')],
        statuses: [waiting('PodInitializing')],
      }),
      ['0/1', 'Init:Error', '0'],
    ],
    [
      'init exit code',
      pod({ phase: 'Pending', init: [initC('i0')], initStatuses: [terminated({ exitCode: 2 }, 'i0')] }),
      ['0/1', 'Init:ExitCode:2', '0'],
    ],
    [
      'init signal',
      pod({ phase: 'Pending', init: [initC('i0')], initStatuses: [terminated({ exitCode: 1, signal: 15 }, 'i0')] }),
      ['0/1', 'Init:Signal:15', '0'],
    ],
    [
      'init crash loop with restarts',
      pod({
        phase: 'Pending',
        init: [initC('i0')],
        initStatuses: [waiting('CrashLoopBackOff', 'i0', { restartCount: 4, ...lastDied(2 * MIN) })],
        statuses: [waiting('PodInitializing', 'c0', { restartCount: 0 })],
      }),
      ['0/1', 'Init:CrashLoopBackOff', '4 (2m ago)'],
    ],
    [
      'init done, main running',
      pod({
        phase: 'Running',
        init: [initC('i0')],
        conditions: [cond('Initialized', 'True')],
        initStatuses: [terminated({ exitCode: 0, reason: 'Completed' }, 'i0', { restartCount: 1 })],
        statuses: [running()],
      }),
      ['1/1', 'Running', '0'],
    ],
    // Sidecars: init containers with restartPolicy Always count as containers
    [
      'sidecar started and ready',
      pod({
        phase: 'Running',
        init: [initC('s0', 'Always')],
        conditions: [cond('Initialized', 'True')],
        initStatuses: [running('s0', { started: true, restartCount: 2, ...lastDied(20 * MIN) })],
        statuses: [running('c0', { restartCount: 1, ...lastDied(30 * MIN) })],
      }),
      ['2/2', 'Running', '3 (20m ago)'],
    ],
    [
      'sidecar started, not ready',
      pod({
        phase: 'Running',
        init: [initC('s0', 'Always')],
        conditions: [cond('Initialized', 'True')],
        initStatuses: [running('s0', { started: true, ready: false })],
        statuses: [running()],
      }),
      ['1/2', 'Running', '0'],
    ],
    [
      'sidecar not started yet',
      pod({
        phase: 'Pending',
        init: [initC('s0', 'Always'), initC('i1')],
        initStatuses: [running('s0', { started: false, ready: false }), waiting('PodInitializing', 'i1')],
        statuses: [waiting('PodInitializing')],
      }),
      ['0/2', 'Init:0/2', '0'],
    ],
    [
      'sidecar running, regular init running',
      pod({
        phase: 'Pending',
        init: [initC('s0', 'Always'), initC('i1')],
        initStatuses: [running('s0', { started: true }), running('i1', { ready: false })],
        statuses: [waiting('PodInitializing')],
      }),
      ['1/2', 'Init:1/2', '0'],
    ],
  ];
  for (const [label, p, [ready, status, restarts]] of cases) {
    const [row] = cells('', 'pods', [p]);
    assert.deepEqual(row.slice(0, 5), ['p', ready, status, restarts, '3h'], label);
  }
});

test('pods: wide cells (IP, NODE, NOMINATED NODE, READINESS GATES) and row conditions', () => {
  const bare = cells('', 'pods', [pod({ phase: 'Pending' })])[0];
  assert.deepEqual(bare.slice(5), ['<none>', '<none>', '<none>', '<none>']);

  const full = pod({
    phase: 'Running',
    statuses: [running()],
    spec: { nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/a' }, { conditionType: 'example.com/b' }] },
    conditions: [cond('Ready', 'False'), cond('example.com/a', 'True'), cond('example.com/b', 'False')],
    status: { podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.7' }, { ip: 'fd00::7' }], nominatedNodeName: 'node-2' },
  });
  assert.deepEqual(cells('', 'pods', [full])[0].slice(5), ['10.244.0.7', 'node-1', 'node-2', '1/2']);
  const onlyPodIP = pod({ phase: 'Running', status: { podIP: '10.244.0.9' } });
  assert.equal(cells('', 'pods', [onlyPodIP])[0][5], '10.244.0.9');

  const t = tableOf(res('', 'pods'), [pod({ phase: 'Succeeded' }), pod({ phase: 'Failed' }), pod({ phase: 'Running' })], { now: NOW });
  assert.deepEqual(t.rows[0].conditions, [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ]);
  assert.deepEqual(t.rows[1].conditions, [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
  assert.equal(t.rows[2].conditions, undefined);
  assert.equal('conditions' in t.rows[2], false);
});

test('pods: column definitions, wide ones at priority 1', () => {
  const cols = tableColumns({ group: '', resource: 'pods' });
  assert.deepEqual(
    cols.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ],
  );
  for (const c of cols) assert.ok(c.description.length > 10, c.name);
});

// ---------------------------------------------------------------------------------------------
// Services

function svc(name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}): KObject {
  return { metadata: { name, namespace: 'default', creationTimestamp: ago(5 * DAY) }, spec, status };
}

test('services: TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), SELECTOR', () => {
  const cases: [KObject, unknown[]][] = [
    [
      svc('kubernetes', {
        type: 'ClusterIP',
        clusterIP: '10.96.0.1',
        clusterIPs: ['10.96.0.1'],
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      }),
      ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '5d', '<none>'],
    ],
    [
      svc('web', {
        type: 'ClusterIP',
        clusterIPs: ['10.96.3.4'],
        selector: { tier: 'fe', app: 'web' },
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      }),
      ['web', 'ClusterIP', '10.96.3.4', '<none>', '80/TCP,53/UDP', '5d', 'app=web,tier=fe'],
    ],
    [
      svc('ext-ips', {
        type: 'ClusterIP',
        clusterIPs: ['10.96.3.5'],
        externalIPs: ['1.2.3.4', '5.6.7.8'],
        ports: [{ port: 80, protocol: 'TCP' }],
      }),
      ['ext-ips', 'ClusterIP', '10.96.3.5', '1.2.3.4,5.6.7.8', '80/TCP', '5d', '<none>'],
    ],
    [
      svc('headless', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' } }),
      ['headless', 'ClusterIP', 'None', '<none>', '<none>', '5d', 'app=db'],
    ],
    [
      svc('np', {
        type: 'NodePort',
        clusterIPs: ['10.96.7.7'],
        ports: [
          { port: 8080, nodePort: 31234, protocol: 'TCP' },
          { port: 9090, nodePort: 30001, protocol: 'TCP' },
        ],
      }),
      ['np', 'NodePort', '10.96.7.7', '<none>', '8080:31234/TCP,9090:30001/TCP', '5d', '<none>'],
    ],
    [
      svc('lb-pending', { type: 'LoadBalancer', clusterIPs: ['10.96.8.8'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }),
      ['lb-pending', 'LoadBalancer', '10.96.8.8', '<pending>', '80:30080/TCP', '5d', '<none>'],
    ],
    [
      svc(
        'lb',
        { type: 'LoadBalancer', clusterIPs: ['10.96.8.9'], ports: [{ port: 443, nodePort: 30443, protocol: 'TCP' }] },
        { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { ip: '203.0.113.10' }, { ip: '203.0.113.9' }] } },
      ),
      ['lb', 'LoadBalancer', '10.96.8.9', '203.0.113.10,203.0.113.9', '443:30443/TCP', '5d', '<none>'],
    ],
    [
      svc(
        'lb-host',
        { type: 'LoadBalancer', clusterIPs: ['10.96.8.10'], ports: [{ port: 80, nodePort: 30081, protocol: 'TCP' }] },
        { loadBalancer: { ingress: [{ hostname: 'a-very-long-load-balancer.example.com' }] } },
      ),
      ['lb-host', 'LoadBalancer', '10.96.8.10', 'a-very-long-load-balancer.example.com', '80:30081/TCP', '5d', '<none>'],
    ],
    [
      svc(
        'lb-ext',
        {
          type: 'LoadBalancer',
          clusterIPs: ['10.96.8.11'],
          externalIPs: ['198.51.100.1'],
          ports: [{ port: 80, nodePort: 30082, protocol: 'TCP' }],
        },
        { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } },
      ),
      ['lb-ext', 'LoadBalancer', '10.96.8.11', '203.0.113.1,198.51.100.1', '80:30082/TCP', '5d', '<none>'],
    ],
    [
      svc('lb-ext-pending', { type: 'LoadBalancer', clusterIPs: ['10.96.8.12'], externalIPs: ['198.51.100.2'] }),
      ['lb-ext-pending', 'LoadBalancer', '10.96.8.12', '198.51.100.2', '<none>', '5d', '<none>'],
    ],
    [
      svc('alias', { type: 'ExternalName', externalName: 'db.example.com' }),
      ['alias', 'ExternalName', '<none>', 'db.example.com', '<none>', '5d', '<none>'],
    ],
    [
      svc('sctp', { type: 'ClusterIP', clusterIPs: ['fd00::10', '10.96.0.10'], ports: [{ port: 9999, protocol: 'SCTP' }] }),
      ['sctp', 'ClusterIP', 'fd00::10', '<none>', '9999/SCTP', '5d', '<none>'],
    ],
  ];
  for (const [s, want] of cases) assert.deepEqual(cells('', 'services', [s])[0], want, s.metadata.name);
  assert.deepEqual(columnNames('', 'services', false), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
  assert.deepEqual(columnNames('', 'services', true), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
});

// ---------------------------------------------------------------------------------------------
// Nodes

function node(
  name: string,
  p: {
    ready?: string;
    unschedulable?: boolean;
    labels?: Record<string, string>;
    addresses?: { type: string; address: string }[];
    info?: Record<string, string>;
  },
): KObject {
  return {
    metadata: { name, creationTimestamp: ago(400 * DAY), labels: p.labels ?? {} },
    spec: p.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [{ type: 'MemoryPressure', status: 'False' }, ...(p.ready ? [{ type: 'Ready', status: p.ready }] : [])],
      addresses: p.addresses ?? [],
      nodeInfo: p.info ?? { kubeletVersion: 'v1.32.0' },
    },
  };
}

test('nodes: STATUS, ROLES, VERSION and the wide cells', () => {
  const info = {
    kubeletVersion: 'v1.32.0',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    kernelVersion: '6.1.0-18-amd64',
    containerRuntimeVersion: 'k8ts://0.1.0',
  };
  const cases: [KObject, unknown[]][] = [
    [
      node('n1', {
        ready: 'True',
        labels: { 'node-role.kubernetes.io/control-plane': '' },
        addresses: [
          { type: 'Hostname', address: 'n1' },
          { type: 'InternalIP', address: '192.168.1.10' },
        ],
        info,
      }),
      [
        'n1',
        'Ready',
        'control-plane',
        '400d',
        'v1.32.0',
        '192.168.1.10',
        '<none>',
        'Debian GNU/Linux 12 (bookworm)',
        '6.1.0-18-amd64',
        'k8ts://0.1.0',
      ],
    ],
    [
      node('n2', { ready: 'False' }),
      ['n2', 'NotReady', '<none>', '400d', 'v1.32.0', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    [
      node('n3', { ready: 'Unknown' }),
      ['n3', 'NotReady', '<none>', '400d', 'v1.32.0', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    [node('n4', {}), ['n4', 'Unknown', '<none>', '400d', 'v1.32.0', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']],
    [
      node('n5', { ready: 'True', unschedulable: true }),
      ['n5', 'Ready,SchedulingDisabled', '<none>', '400d', 'v1.32.0', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    [
      node('n6', { unschedulable: true }),
      ['n6', 'Unknown,SchedulingDisabled', '<none>', '400d', 'v1.32.0', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    [
      node('n7', {
        ready: 'True',
        labels: {
          'node-role.kubernetes.io/worker': 'x',
          'node-role.kubernetes.io/': '',
          'kubernetes.io/role': 'infra',
          'node-role.kubernetes.io/control-plane': '',
        },
        addresses: [
          { type: 'ExternalIP', address: '203.0.113.7' },
          { type: 'InternalIP', address: '10.0.0.7' },
          { type: 'InternalIP', address: '10.0.0.8' },
        ],
      }),
      ['n7', 'Ready', 'control-plane,infra,worker', '400d', 'v1.32.0', '10.0.0.7', '203.0.113.7', '<unknown>', '<unknown>', '<unknown>'],
    ],
  ];
  for (const [nd, want] of cases) assert.deepEqual(cells('', 'nodes', [nd])[0], want, nd.metadata.name);
  assert.deepEqual(columnNames('', 'nodes', true), [
    'Name',
    'Status',
    'Roles',
    'Age',
    'Version',
    'Internal-IP',
    'External-IP',
    'OS-Image',
    'Kernel-Version',
    'Container-Runtime',
  ]);
});

// ---------------------------------------------------------------------------------------------
// Workloads

const template = (containers: [string, string][]) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: containers.map(([name, image]) => ({ name, image })) },
});

test('deployments: READY as ready/desired, counts as numbers, wide CONTAINERS, IMAGES, SELECTOR', () => {
  const d = (name: string, spec: Record<string, unknown>, status: Record<string, unknown>): KObject => ({
    metadata: { name, creationTimestamp: ago(2 * DAY + 3 * HOUR) },
    spec,
    status,
  });
  const cases: [KObject, unknown[]][] = [
    [
      d(
        'web',
        { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template([['nginx', 'nginx:1.27']]) },
        { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      ),
      ['web', '2/3', 3, 2, '2d3h', 'nginx', 'nginx:1.27', 'app=web'],
    ],
    [
      d(
        'fresh',
        {
          replicas: 2,
          selector: { matchLabels: { app: 'x' } },
          template: template([
            ['a', 'img-a'],
            ['b', 'img-b'],
          ]),
        },
        {},
      ),
      ['fresh', '0/2', 0, 0, '2d3h', 'a,b', 'img-a,img-b', 'app=x'],
    ],
    [
      d(
        'defaulted',
        {
          selector: {
            matchLabels: { z: '1', a: '2' },
            matchExpressions: [
              { key: 'tier', operator: 'In', values: ['fe', 'be'] },
              { key: 'canary', operator: 'DoesNotExist' },
              { key: 'env', operator: 'Exists' },
              { key: 'zone', operator: 'NotIn', values: ['b'] },
            ],
          },
          template: template([]),
        },
        { readyReplicas: 1 },
      ),
      ['defaulted', '1/1', 0, 0, '2d3h', '', '', 'a=2,!canary,env,tier in (be,fe),z=1,zone notin (b)'],
    ],
    [d('scaled-to-zero', { replicas: 0, template: template([['c', 'i']]) }, {}), ['scaled-to-zero', '0/0', 0, 0, '2d3h', 'c', 'i', '']],
    [
      d('bad-selector', { replicas: 1, selector: { matchExpressions: [{ key: 'k', operator: 'Near' }] }, template: template([]) }, {}),
      ['bad-selector', '0/1', 0, 0, '2d3h', '', '', '<invalid>'],
    ],
  ];
  for (const [o, want] of cases) assert.deepEqual(cells('apps', 'deployments', [o])[0], want, o.metadata.name);
  assert.deepEqual(columnNames('apps', 'deployments', false), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
  assert.deepEqual(columnNames('apps', 'deployments', true), [
    'Name',
    'Ready',
    'Up-to-date',
    'Available',
    'Age',
    'Containers',
    'Images',
    'Selector',
  ]);
});

test('jobs and cronjobs: STATUS, COMPLETIONS, DURATION; SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE; wide CONTAINERS, IMAGES, SELECTOR', () => {
  const selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } };
  const job: KObject = {
    metadata: { name: 'pi', creationTimestamp: ago(3 * MIN) },
    spec: { completions: 3, parallelism: 2, selector, template: template([['pi', 'perl:5.34']]) },
    status: { succeeded: 1, startTime: ago(2 * MIN) },
  };
  assert.deepEqual(cells('batch', 'jobs', [job])[0], [
    'pi',
    'Running',
    '1/3',
    '2m',
    '3m',
    'pi',
    'perl:5.34',
    'batch.kubernetes.io/controller-uid=u1',
  ]);
  const cronJob: KObject = {
    metadata: { name: 'nightly', creationTimestamp: ago(2 * DAY) },
    spec: { schedule: '0 3 * * *', suspend: false, jobTemplate: { spec: { selector, template: template([['a', 'img-a']]) } } },
    status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(9 * HOUR) },
  };
  assert.deepEqual(cells('batch', 'cronjobs', [cronJob])[0], [
    'nightly',
    '0 3 * * *',
    '<none>',
    'False',
    1,
    '9h',
    '2d',
    'a',
    'img-a',
    'batch.kubernetes.io/controller-uid=u1',
  ]);
});

test('replicasets: DESIRED, CURRENT, READY as integers; empty selector is <none>', () => {
  const rs = (name: string, spec: Record<string, unknown>, status: Record<string, unknown>): KObject => ({
    metadata: { name, creationTimestamp: ago(90 * SEC) },
    spec,
    status,
  });
  const cases: [KObject, unknown[]][] = [
    [
      rs(
        'web-7d4b9c',
        { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9c' } }, template: template([['nginx', 'nginx']]) },
        { replicas: 3, readyReplicas: 1 },
      ),
      ['web-7d4b9c', 3, 3, 1, '90s', 'nginx', 'nginx', 'app=web,pod-template-hash=7d4b9c'],
    ],
    [
      rs('old', { replicas: 0, selector: {}, template: template([['a', 'b']]) }, { replicas: 0 }),
      ['old', 0, 0, 0, '90s', 'a', 'b', '<none>'],
    ],
    [
      rs('bad', { replicas: 1, selector: { matchExpressions: [{ key: 'k', operator: 'In', values: [] }] }, template: template([]) }, {}),
      ['bad', 1, 0, 0, '90s', '', '', '<error>'],
    ],
  ];
  for (const [o, want] of cases) assert.deepEqual(cells('apps', 'replicasets', [o])[0], want, o.metadata.name);
  const cols = tableColumns({ group: 'apps', resource: 'replicasets' });
  assert.deepEqual(
    cols.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Desired', 'integer', 0],
      ['Current', 'integer', 0],
      ['Ready', 'integer', 0],
      ['Age', 'string', 0],
      ['Containers', 'string', 1],
      ['Images', 'string', 1],
      ['Selector', 'string', 1],
    ],
  );
});

// ---------------------------------------------------------------------------------------------
// Endpoints and endpoint slices

test('endpoints: host:port list, three at most, then "+ N more..."', () => {
  const ep = (name: string, subsets?: unknown[]): KObject => ({
    metadata: { name, creationTimestamp: ago(HOUR) },
    ...(subsets ? { subsets } : {}),
  });
  const cases: [KObject, string][] = [
    [ep('none'), '<none>'],
    [ep('empty-subsets', []), '<none>'],
    [ep('one', [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 8080, protocol: 'TCP' }] }]), '10.244.0.5:8080'],
    [ep('no-addresses', [{ notReadyAddresses: [{ ip: '10.244.0.5' }], ports: [{ port: 8080 }] }]), ''],
    [
      ep('many', [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }]),
      '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    ],
    [ep('headless', [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }]), '10.0.0.1,10.0.0.2'],
    [ep('ipv6', [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 53 }] }]), '[fd00::1]:53'],
    [
      ep('two-subsets', [
        { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }], ports: [{ port: 80 }] },
        { addresses: [{ ip: '10.0.0.4' }, { ip: '10.0.0.5' }], ports: [{ port: 81 }] },
      ]),
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...',
    ],
  ];
  for (const [o, want] of cases) assert.deepEqual(cells('', 'endpoints', [o])[0], [o.metadata.name, want, '60m'], o.metadata.name);
});

test('endpointslices: ADDRESSTYPE, PORTS, ENDPOINTS', () => {
  const es = (name: string, rest: Record<string, unknown>): KObject => ({
    metadata: { name, creationTimestamp: ago(HOUR) },
    addressType: 'IPv4',
    ...rest,
  });
  const cases: [KObject, unknown[]][] = [
    [
      es('web-abc', {
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
      }),
      ['web-abc', 'IPv4', '80', '10.0.0.1,10.0.0.2', '60m'],
    ],
    [es('empty', { endpoints: [] }), ['empty', 'IPv4', '<unset>', '<unset>', '60m']],
    [
      es('named', { ports: [{ name: 'dns' }, { port: 53 }, {}], endpoints: [{ addresses: ['a', 'b'] }, { addresses: ['c', 'd', 'e'] }] }),
      ['named', 'IPv4', 'dns,53,*', 'a,b,c + 2 more...', '60m'],
    ],
    [
      es('ports-more', { ports: [{ port: 1 }, { port: 2 }, { port: 3 }, { port: 4 }] }),
      ['ports-more', 'IPv4', '1,2,3 + 1 more...', '<unset>', '60m'],
    ],
  ];
  for (const [o, want] of cases) assert.deepEqual(cells('discovery.k8s.io', 'endpointslices', [o])[0], want, o.metadata.name);
  assert.deepEqual(columnNames('discovery.k8s.io', 'endpointslices', true), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
});

// ---------------------------------------------------------------------------------------------
// Events

test('events: the real column order and LAST SEEN / FIRST SEEN / COUNT fallbacks', () => {
  assert.deepEqual(columnNames('', 'events', false), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
  assert.deepEqual(columnNames('', 'events', true), [
    'Last Seen',
    'Type',
    'Reason',
    'Object',
    'Subobject',
    'Source',
    'Message',
    'First Seen',
    'Count',
    'Name',
  ]);
  const nameCol = tableColumns({ group: '', resource: 'events' }).find((c) => c.name === 'Name');
  assert.equal(nameCol?.format, 'name');

  const ev = (name: string, rest: Record<string, unknown>): KObject => ({
    metadata: { name, namespace: 'default', creationTimestamp: ago(HOUR) },
    ...rest,
  });
  const cases: [KObject, unknown[]][] = [
    [
      ev('web.17c', {
        involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
        type: 'Normal',
        reason: 'Pulled',
        message: '  Successfully pulled image "nginx"\n',
        source: { component: 'kubelet', host: 'node-1' },
        firstTimestamp: ago(10 * MIN),
        lastTimestamp: ago(2 * MIN),
        count: 4,
      }),
      [
        '2m',
        'Normal',
        'Pulled',
        'pod/web-1',
        'spec.containers{nginx}',
        'kubelet, node-1',
        'Successfully pulled image "nginx"',
        '10m',
        4,
        'web.17c',
      ],
    ],
    [
      ev('sched.1', {
        involvedObject: { kind: 'Pod', name: 'web-2' },
        type: 'Normal',
        reason: 'Scheduled',
        message: 'Successfully assigned default/web-2 to node-1',
        source: {},
        reportingComponent: 'default-scheduler',
        reportingInstance: '',
        eventTime: '2024-05-01T11:59:15.000000Z',
        firstTimestamp: null,
        lastTimestamp: null,
      }),
      [
        '45s',
        'Normal',
        'Scheduled',
        'pod/web-2',
        '',
        'default-scheduler',
        'Successfully assigned default/web-2 to node-1',
        '45s',
        1,
        'sched.1',
      ],
    ],
    [
      ev('series.1', {
        involvedObject: { kind: 'Node' },
        type: 'Warning',
        reason: 'Rebooted',
        message: 'x',
        source: { component: 'kubelet' },
        eventTime: '2024-05-01T09:00:00.000000Z',
        series: { count: 7, lastObservedTime: '2024-05-01T11:55:00.000000Z' },
      }),
      ['5m', 'Warning', 'Rebooted', 'node', '', 'kubelet', 'x', '3h', 7, 'series.1'],
    ],
    [ev('bare', {}), ['<unknown>', '', '', '', '', '', '', '<unknown>', 1, 'bare']],
  ];
  for (const [o, want] of cases) assert.deepEqual(cells('', 'events', [o])[0], want, o.metadata.name);
});

// ---------------------------------------------------------------------------------------------
// Small resources

test('namespaces, configmaps, secrets, serviceaccounts, leases', () => {
  const meta = (name: string) => ({ name, creationTimestamp: ago(45 * SEC) });
  assert.deepEqual(
    cells('', 'namespaces', [
      { metadata: meta('default'), status: { phase: 'Active' } },
      { metadata: meta('old'), status: { phase: 'Terminating' } },
      { metadata: meta('new') },
    ]),
    [
      ['default', 'Active', '45s'],
      ['old', 'Terminating', '45s'],
      ['new', '', '45s'],
    ],
  );
  assert.deepEqual(
    cells('', 'configmaps', [
      { metadata: meta('kube-root-ca.crt'), data: { 'ca.crt': 'x' } },
      { metadata: meta('both'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
      { metadata: meta('empty') },
    ]),
    [
      ['kube-root-ca.crt', 1, '45s'],
      ['both', 3, '45s'],
      ['empty', 0, '45s'],
    ],
  );
  assert.deepEqual(
    cells('', 'secrets', [
      { metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } },
      { metadata: meta('opaque'), type: 'Opaque', data: { a: 'x' }, stringData: { a: 'y', b: 'z' } },
      { metadata: meta('none'), type: 'Opaque' },
    ]),
    [
      ['tls', 'kubernetes.io/tls', 2, '45s'],
      ['opaque', 'Opaque', 2, '45s'],
      ['none', 'Opaque', 0, '45s'],
    ],
  );
  assert.deepEqual(
    cells('', 'serviceaccounts', [{ metadata: meta('default') }, { metadata: meta('bot'), secrets: [{ name: 's1' }, { name: 's2' }] }]),
    [
      ['default', 0, '45s'],
      ['bot', 2, '45s'],
    ],
  );
  assert.deepEqual(
    cells('coordination.k8s.io', 'leases', [
      { metadata: meta('kube-scheduler'), spec: { holderIdentity: 'host_1234' } },
      { metadata: meta('free'), spec: {} },
    ]),
    [
      ['kube-scheduler', 'host_1234', '45s'],
      ['free', '', '45s'],
    ],
  );
  assert.deepEqual(columnNames('', 'secrets', true), ['Name', 'Type', 'Data', 'Age']);
  assert.deepEqual(columnNames('', 'serviceaccounts', true), ['Name', 'Secrets', 'Age']);
  assert.deepEqual(columnNames('coordination.k8s.io', 'leases', true), ['Name', 'Holder', 'Age']);
  assert.deepEqual(columnNames('', 'configmaps', true), ['Name', 'Data', 'Age']);
  assert.deepEqual(columnNames('', 'namespaces', true), ['Name', 'Status', 'Age']);
  assert.deepEqual(columnNames('', 'endpoints', true), ['Name', 'Endpoints', 'Age']);
});

test('resources without a printer get the default NAME + Created At table', () => {
  const t = tableOf(
    res('', 'bindings'),
    [{ metadata: { name: 'b1', creationTimestamp: '2024-04-30T08:09:10Z' } }, { metadata: { name: 'b2' } }],
    { now: NOW },
  );
  assert.deepEqual(
    t.columnDefinitions.map((c) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ],
  );
  assert.deepEqual(
    t.rows.map((r) => r.cells),
    [
      ['b1', '2024-04-30T08:09:10Z'],
      ['b2', '0001-01-01T00:00:00Z'],
    ],
  );
  const unknown = { info: { ...res('', 'pods').info, group: 'example.com', resource: 'widgets', kind: 'Widget' }, printer: defaultPrinter };
  assert.deepEqual(
    tableOf(unknown, [{ metadata: { name: 'w', creationTimestamp: '2024-04-30T08:09:10.5Z' } }], { now: NOW }).rows[0].cells,
    ['w', '2024-04-30T08:09:10Z'],
  );
});

// ---------------------------------------------------------------------------------------------
// The Table envelope

test('includeObject: Metadata (default) embeds PartialObjectMetadata, Object the object, None nothing', () => {
  const p: KObject = {
    metadata: { name: 'p', namespace: 'default', uid: 'u1', resourceVersion: '7', labels: { a: 'b' } },
    spec: { containers: [] },
    status: {},
  };
  const ri = res('', 'pods');

  const meta = tableOf(ri, [p], { now: NOW });
  assert.equal(meta.kind, 'Table');
  assert.equal(meta.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(meta.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });

  const beta = tableOf(ri, [p], { now: NOW, apiVersion: 'meta.k8s.io/v1beta1' });
  assert.equal(beta.apiVersion, 'meta.k8s.io/v1beta1');
  assert.deepEqual(beta.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1beta1', metadata: p.metadata });

  const full = tableOf(ri, [p], { now: NOW, includeObject: 'Object' });
  assert.deepEqual(full.rows[0].object, { ...p, apiVersion: 'v1', kind: 'Pod' });
  assert.equal(p.kind, undefined, 'the stored object is not modified');
  const deploy = tableOf(res('apps', 'deployments'), [{ metadata: { name: 'd' } }], { now: NOW, includeObject: 'Object' });
  assert.deepEqual(deploy.rows[0].object, { metadata: { name: 'd' }, apiVersion: 'apps/v1', kind: 'Deployment' });

  const none = tableOf(ri, [p], { now: NOW, includeObject: 'None' });
  assert.equal('object' in none.rows[0], false);
});

test('table metadata: list meta for lists, the object resourceVersion for a single object; noHeaders', () => {
  const ri = res('', 'configmaps');
  const cm = (name: string, rv: string): KObject => ({ metadata: { name, resourceVersion: rv } });
  assert.deepEqual(
    tableOf(ri, [cm('a', '5'), cm('b', '6')], { listMeta: { resourceVersion: '9', continue: 'tok', remainingItemCount: 3 } }).metadata,
    { resourceVersion: '9', continue: 'tok', remainingItemCount: 3 },
  );
  assert.deepEqual(tableOf(ri, [cm('a', '5')], { listMeta: { resourceVersion: '9' } }).metadata, { resourceVersion: '9' });
  assert.deepEqual(tableOf(ri, [cm('a', '5')], {}).metadata, { resourceVersion: '5' });
  assert.deepEqual(tableOf(ri, [], { listMeta: { resourceVersion: '12', continue: '' } }).metadata, { resourceVersion: '12' });
  const empty = tableOf(ri, [], {});
  assert.deepEqual(empty.rows, []);
  assert.equal(empty.columnDefinitions.length, 3);
  assert.deepEqual(tableOf(ri, [cm('a', '5')], { noHeaders: true }).columnDefinitions, []);
  // The table must survive JSON as the real server's does: cells keep their JSON types.
  const t = JSON.parse(JSON.stringify(tableOf(ri, [{ metadata: { name: 'x' }, data: { k: 'v' } }], { now: NOW }))) as Table;
  assert.deepEqual(t.rows[0].cells, ['x', 1, '<unknown>']);
});

// ---------------------------------------------------------------------------------------------
// The real kubectl reads and prints our table.

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function runKubectl(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('kubectl get pods prints the table we serve (and -o wide)', async () => {
  const t0 = new Date();
  const pods: KObject[] = [
    pod({
      name: 'web-1',
      phase: 'Running',
      statuses: [running()],
      spec: { nodeName: 'node-1' },
      status: { podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }] },
    }),
    pod({
      name: 'crashy',
      phase: 'Running',
      containers: 2,
      statuses: [
        waiting('CrashLoopBackOff', 'c0', { restartCount: 5, lastState: { terminated: { exitCode: 1, finishedAt: ago(15 * MIN, t0) } } }),
        running('c1'),
      ],
      spec: { nodeName: 'node-2', readinessGates: [{ conditionType: 'x/y' }] },
      status: { podIPs: [{ ip: '10.244.1.9' }] },
    }),
  ];
  for (const p of pods) p.metadata.creationTimestamp = ago(2 * DAY + 3 * HOUR + 30 * MIN, t0);

  const seen: { url: string; accept: string }[] = [];
  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const accept = String(req.headers.accept ?? '');
    seen.push({ url: req.url ?? '', accept });
    switch (url.pathname) {
      case '/api':
        return send(res, 200, {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host }],
        });
      case '/apis':
        return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      case '/api/v1':
        return send(res, 200, {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: 'v1',
          resources: [
            {
              name: 'pods',
              singularName: 'pod',
              namespaced: true,
              kind: 'Pod',
              verbs: ['get', 'list', 'watch', 'create', 'delete'],
              shortNames: ['po'],
              categories: ['all'],
            },
          ],
        });
      case '/api/v1/namespaces/default/pods':
        if (/as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept)) {
          const include = url.searchParams.get('includeObject') as 'None' | 'Metadata' | 'Object' | null;
          return send(
            res,
            200,
            tableOf(res_('', 'pods'), pods, { now: t0, includeObject: include ?? undefined, listMeta: { resourceVersion: '42' } }),
          );
        }
        return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '42' }, items: pods });
      default:
        return send(res, 404, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
          message: 'not found',
        });
    }
  });
  const res_ = res;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-tables-'));
    tmpDirs.push(dir);
    const kubeconfig = join(dir, 'kubeconfig');
    writeTestKubeconfig(kubeconfig, { server: `http://127.0.0.1:${port}` });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    const base = ['get', 'pods', '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];

    const split = (out: string) =>
      out
        .trimEnd()
        .split('\n')
        .map((l) => l.trimEnd().split(/\s{2,}/));
    const plain = await runKubectl(base, env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(split(plain.stdout), [
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['web-1', '1/1', 'Running', '0', '2d3h'],
      ['crashy', '1/2', 'CrashLoopBackOff', '5 (15m ago)', '2d3h'],
    ]);

    const wide = await runKubectl([...base, '-o', 'wide'], env);
    assert.equal(wide.code, 0, wide.stderr);
    assert.deepEqual(split(wide.stdout), [
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
      ['web-1', '1/1', 'Running', '0', '2d3h', '10.244.0.5', 'node-1', '<none>', '<none>'],
      ['crashy', '1/2', 'CrashLoopBackOff', '5 (15m ago)', '2d3h', '10.244.1.9', 'node-2', '<none>', '0/1'],
    ]);

    // Sorting makes kubectl ask for whole objects (includeObject=Object) and read them with jsonpath.
    const sorted = await runKubectl([...base, '--sort-by=.metadata.name'], env);
    assert.equal(sorted.code, 0, sorted.stderr);
    assert.deepEqual(
      split(sorted.stdout).map((r) => r[0]),
      ['NAME', 'crashy', 'web-1'],
    );

    // kubectl really asked for a Table; without --sort-by it leaves includeObject to the server's default.
    const listCalls = seen.filter((r) => r.url.startsWith('/api/v1/namespaces/default/pods'));
    assert.equal(listCalls.length, 3);
    for (const c of listCalls) assert.match(c.accept, /^application\/json;as=Table;v=v1;g=meta\.k8s\.io,/);
    assert.deepEqual(
      listCalls.map((c) => new URL(c.url, 'http://x').searchParams.get('includeObject')),
      [null, null, 'Object'],
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
