import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goDuration } from '../../api/duration.js';
import { Backoff } from './backoff.js';
import { ContainerConfigError, commandLine, type EnvContext, formatMap, fromServices, makeEnvironment, resourceFieldValue } from './env.js';
import { expand, mappingFor } from './expansion.js';
import { podPhase } from './podstatus.js';
import { DependencyNotFound, type ObjectSource, type PodObject } from './types.js';

test('$(VAR) expansion follows Kubernetes: defined names replaced, $$ escapes, the rest kept', () => {
  const m = mappingFor(
    new Map([
      ['A', 'x'],
      ['B', 'y'],
    ]),
  );
  assert.equal(expand('$(A)-$(B)', m), 'x-y');
  assert.equal(expand('$$(A)', m), '$(A)');
  assert.equal(expand('$(C)', m), '$(C)');
  assert.equal(expand('$A $', m), '$A $');
  assert.equal(expand('$(A', m), '$(A');
  assert.equal(expand('$$$(A)', m), '$x');
  assert.equal(expand('', m), '');
  assert.equal(expand('$(A$(B)', m), '$(A$(B)');
  assert.equal(expand('$(($(A)', m), '$(($(A)');
  assert.equal(expand('$($(A)', m), '$($(A)');
  assert.equal(expand('$()$(A)', m), '$()x');
  assert.equal(expand('$($(', m), '$($(');
  assert.equal(expand('a$(A)$', m), 'ax$');
});

// A pod spec is hostile input and the node agent has one thread: a value of many unclosed "$("
// (a 1.5 MB spec holds ~750,000) made expansion look for ")" again at each one, 16 s of the
// agent's thread at every container start (redteam, session 10). The search is made once now;
// counted here (not timed): indexOf calls on the input.
test('$(VAR) expansion looks for a closing parenthesis once, not at every unclosed "$("', () => {
  let searches = 0;
  // A string that counts the searches made in it and in its slices.
  class Counted extends String {
    override indexOf(search: string, from?: number): number {
      searches++;
      return super.indexOf(search, from);
    }
    override slice(start?: number, end?: number): string {
      return new Counted(super.slice(start, end)) as unknown as string;
    }
  }
  const counted = (s: string) => new Counted(s) as unknown as string;
  const hostile = '$('.repeat(10_000);
  assert.equal(
    expand(counted(hostile), (n) => `$(${String(n)})`),
    hostile,
  );
  assert.ok(searches <= 1, `${searches} searches`);
  // Many "$(" closed by one ")" at the end: one reference whose name holds the rest, as Go reads it.
  searches = 0;
  const name = `${'$('.repeat(999)}A`;
  assert.equal(
    expand(counted(`$(${name})`), (n) => (String(n) === name ? 'one' : `$(${String(n)})`)),
    'one',
  );
  assert.ok(searches <= 1, `${searches} searches`);
});

test('service variables as envvars.FromServices makes them', () => {
  const env = fromServices([
    { metadata: { name: 'redis-primary' }, spec: { clusterIP: '10.0.0.11', ports: [{ port: 6379 }, { name: 'sentinel', port: 26379 }] } },
  ]);
  assert.deepEqual(
    env.map((e) => `${e.key}=${e.value}`),
    [
      'REDIS_PRIMARY_SERVICE_HOST=10.0.0.11',
      'REDIS_PRIMARY_SERVICE_PORT=6379',
      'REDIS_PRIMARY_SERVICE_PORT_SENTINEL=26379',
      'REDIS_PRIMARY_PORT=tcp://10.0.0.11:6379',
      'REDIS_PRIMARY_PORT_6379_TCP=tcp://10.0.0.11:6379',
      'REDIS_PRIMARY_PORT_6379_TCP_PROTO=tcp',
      'REDIS_PRIMARY_PORT_6379_TCP_PORT=6379',
      'REDIS_PRIMARY_PORT_6379_TCP_ADDR=10.0.0.11',
      'REDIS_PRIMARY_PORT_26379_TCP=tcp://10.0.0.11:26379',
      'REDIS_PRIMARY_PORT_26379_TCP_PROTO=tcp',
      'REDIS_PRIMARY_PORT_26379_TCP_PORT=26379',
      'REDIS_PRIMARY_PORT_26379_TCP_ADDR=10.0.0.11',
    ],
  );
  assert.deepEqual(fromServices([{ metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } }]), []);
});

test('command and args merge with the image config as the runtime does', () => {
  const img = { entrypoint: ['/ep'], cmd: ['--c'], env: [], workingDir: '', exposedPorts: [] };
  assert.deepEqual(commandLine({ name: 'a' }, img, []), { command: ['/ep'], args: ['--c'] });
  assert.deepEqual(commandLine({ name: 'a', args: ['x'] }, img, []), { command: ['/ep'], args: ['x'] });
  assert.deepEqual(commandLine({ name: 'a', command: ['/bin/true'] }, img, []), { command: ['/bin/true'], args: [] });
  assert.deepEqual(commandLine({ name: 'a', command: ['echo', '$(X)'], args: ['$(X)'] }, img, [{ key: 'X', value: '1' }]), {
    command: ['echo', '1'],
    args: ['1'],
  });
});

test('resource fields divide and round up; limits default to the node allocatable', () => {
  const pod = {
    metadata: {},
    spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1500m' }, requests: { memory: '100Mi' } } }] },
  } as unknown as PodObject;
  const c = pod.spec!.containers[0];
  assert.equal(resourceFieldValue({ resource: 'limits.cpu', divisor: '0' }, pod, c, {}), '2');
  assert.equal(resourceFieldValue({ resource: 'limits.cpu', divisor: '1m' }, pod, c, {}), '1500');
  assert.equal(resourceFieldValue({ resource: 'requests.memory', divisor: '1Mi' }, pod, c, {}), '100');
  assert.equal(resourceFieldValue({ resource: 'limits.memory' }, pod, c, { memory: '2048Ki' }), String(2048 * 1024));
  assert.equal(formatMap({ b: '2', a: 'x"y' }), 'a="x\\"y"\nb="2"');
});

test('back-off doubles to the cap and prints as Go durations', () => {
  let now = 1_000_000;
  const b = new Backoff({ initialMs: 10_000, maxMs: 300_000, now: () => now });
  assert.equal(b.isInBackOffSince('k', now), false);
  b.next('k', now);
  assert.equal(b.get('k'), 10_000);
  assert.equal(b.isInBackOffSince('k', now), true);
  now += 10_001;
  assert.equal(b.isInBackOffSince('k', now - 10_001), false);
  for (let i = 0; i < 10; i++) b.next('k', now);
  assert.equal(b.get('k'), 300_000);
  // Ten quiet minutes start it over.
  now += 600_001;
  b.next('k', now);
  assert.equal(b.get('k'), 10_000);
  assert.deepEqual([10_000, 20_000, 80_000, 160_000, 300_000, 200, 1600].map(goDuration), [
    '10s',
    '20s',
    '1m20s',
    '2m40s',
    '5m0s',
    '200ms',
    '1.6s',
  ]);
});

test('the phase as the kubelet computes it', () => {
  const pod = (restartPolicy: string) =>
    ({ metadata: {}, spec: { restartPolicy, containers: [{ name: 'a' }, { name: 'b' }] } }) as unknown as PodObject;
  const running = { running: { startedAt: 'x' } };
  const ok = { terminated: { exitCode: 0 } };
  const bad = { terminated: { exitCode: 1 } };
  const st = (a: object, b: object) =>
    [
      { name: 'a', state: a },
      { name: 'b', state: b },
    ] as never;
  assert.equal(podPhase(pod('Always'), [], st(running, running), false), 'Running');
  assert.equal(podPhase(pod('Always'), [], st(running, { waiting: {} }), false), 'Pending');
  assert.equal(podPhase(pod('Never'), [], st(ok, ok), false), 'Succeeded');
  assert.equal(podPhase(pod('Never'), [], st(ok, bad), false), 'Failed');
  assert.equal(podPhase(pod('OnFailure'), [], st(ok, bad), false), 'Running');
  assert.equal(podPhase(pod('Always'), [], st(ok, ok), false), 'Running');
  assert.equal(podPhase(pod('Always'), [], st(ok, bad), true), 'Failed');
  assert.equal(podPhase(pod('Never'), [], st(running, bad), false), 'Running');
});

test('configMapKeyRef and secretKeyRef: the key of the object, optional ones may miss either', async () => {
  const source: ObjectSource = {
    configMap: async (ns, name) => {
      if (name !== 'cm') throw new DependencyNotFound('configmap', name);
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a: 'x' } };
    },
    secret: async (ns, name) => {
      if (name !== 's') throw new DependencyNotFound('secret', name);
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, data: { b: Buffer.from('y').toString('base64') } };
    },
    services: () => [],
  };
  const envOf = (env: unknown[]) => {
    const container = { name: 'c', image: 'busybox', env } as EnvContext['container'];
    const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [container] } } as PodObject;
    return makeEnvironment({ pod, container, podIPs: [], hostIPs: [], nodeName: 'n', allocatable: {}, source });
  };
  assert.deepEqual(
    await envOf([
      { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'a' } } },
      { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'b' } } },
      { name: 'C', valueFrom: { configMapKeyRef: { name: 'cm', key: 'missing', optional: true } } },
      { name: 'D', valueFrom: { secretKeyRef: { name: 'gone', key: 'b', optional: true } } },
    ]),
    [
      { key: 'A', value: 'x' },
      { key: 'B', value: 'y' },
    ],
  );
  await assert.rejects(envOf([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'missing' } } }]), (e) => {
    assert.ok(e instanceof ContainerConfigError);
    assert.equal(e.message, "couldn't find key missing in ConfigMap ns/cm");
    return true;
  });
  await assert.rejects(envOf([{ name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'missing' } } }]), {
    message: "couldn't find key missing in Secret ns/s",
  });
  await assert.rejects(envOf([{ name: 'B', valueFrom: { secretKeyRef: { name: 'gone', key: 'b' } } }]), {
    message: 'secret "gone" not found',
  });
});
