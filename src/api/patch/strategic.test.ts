import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../errors.js';
import { strategicMergePatch } from './strategic.js';
import { testLookup } from './testtypes.js';

type J = Record<string, unknown>;
const DEP = 'test.Deployment';

function smp(original: J, patch: J, typeName = DEP, lookup = testLookup): J {
  const o = structuredClone(original);
  const p = structuredClone(patch);
  const out = strategicMergePatch(original, patch, typeName, lookup);
  assert.deepEqual(original, o, 'original unmodified');
  assert.deepEqual(patch, p, 'patch unmodified');
  return out;
}

const podSpec = (spec: J): J => ({ spec: { template: { spec } } });
const containersOf = (o: J) => ((o.spec as J).template as J & { spec: { containers: J[] } }).spec.containers;

test('strategic: containers merge by name (kubectl patch docs, patch-file.yaml)', () => {
  const live = podSpec({ containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] });
  const out = smp(live, podSpec({ containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] }));
  // As the docs' output shows: items new to the list come before the server's own.
  assert.deepEqual(containersOf(out), [
    { name: 'patch-demo-ctr-2', image: 'redis' },
    { name: 'patch-demo-ctr', image: 'nginx' },
  ]);
  // An item with the same key merges field by field.
  const out2 = smp(live, podSpec({ containers: [{ name: 'patch-demo-ctr', imagePullPolicy: 'Always' }] }));
  assert.deepEqual(containersOf(out2), [{ name: 'patch-demo-ctr', image: 'nginx', imagePullPolicy: 'Always' }]);
});

test('strategic: tolerations (no patch strategy) are replaced', () => {
  const live = podSpec({ tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }] });
  const out = smp(live, podSpec({ tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] }));
  assert.deepEqual(((out.spec as J).template as J & { spec: J }).spec.tolerations, [
    { effect: 'NoSchedule', key: 'disktype', value: 'ssd' },
  ]);
});

test('strategic: nested ports merge by containerPort, env by name', () => {
  const live = podSpec({ containers: [{ name: 'app', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }] });
  const out = smp(
    live,
    podSpec({
      containers: [
        {
          name: 'app',
          ports: [{ containerPort: 443 }],
          env: [
            { name: 'A', value: '2' },
            { name: 'B', value: '3' },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(containersOf(out), [
    {
      name: 'app',
      ports: [{ containerPort: 443 }, { containerPort: 80 }],
      env: [
        { name: 'A', value: '2' },
        { name: 'B', value: '3' },
      ],
    },
  ]);
});

test('strategic: $patch: delete removes a list item by merge key', () => {
  const live = podSpec({
    containers: [
      { name: 'a', image: 'x' },
      { name: 'b', image: 'y' },
    ],
  });
  const out = smp(live, podSpec({ containers: [{ name: 'a', $patch: 'delete' }] }));
  assert.deepEqual(containersOf(out), [{ name: 'b', image: 'y' }]);
});

test('strategic: $patch: replace on a list and on a map', () => {
  const live = {
    metadata: { labels: { a: '1', b: '2' } },
    ...podSpec({
      containers: [
        { name: 'a', image: 'x' },
        { name: 'b', image: 'y' },
      ],
    }),
  };
  const out = smp(live, podSpec({ containers: [{ name: 'c', image: 'z' }, { $patch: 'replace' }] }));
  assert.deepEqual(containersOf(out), [{ name: 'c', image: 'z' }]);
  const out2 = smp(live, { metadata: { labels: { c: '3', $patch: 'replace' } } });
  assert.deepEqual((out2.metadata as J).labels, { c: '3' });
  const out3 = smp(live, { metadata: { labels: { $patch: 'delete' } } });
  assert.deepEqual((out3.metadata as J).labels, {});
});

test('strategic: null deletes a field; a directive in a new value does not leak', () => {
  const live = { metadata: { labels: { a: '1', b: '2' } } };
  assert.deepEqual(smp(live, { metadata: { labels: { a: null } } }), { metadata: { labels: { b: '2' } } });
  const out = smp({}, { spec: { template: { spec: { containers: [{ name: 'x', image: 'i', args: null }] } } } });
  assert.deepEqual(containersOf(out), [{ name: 'x', image: 'i' }]);
});

test('strategic: $retainKeys clears the keys it does not list (strategy Recreate)', () => {
  const live = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } };
  const out = smp(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  assert.deepEqual(out, { spec: { strategy: { type: 'Recreate' } } });
  // A key in the patch but not in $retainKeys is a bad patch.
  assert.throws(
    () => smp(live, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }),
    (e) => e instanceof StatusError && e.code === 400 && e.message === 'invalid patch format of retainKeys',
  );
});

test('strategic: $retainKeys inside a merged list item (volumes merge,retainKeys)', () => {
  const live = podSpec({ volumes: [{ name: 'v', hostPath: { path: '/x' } }] });
  const out = smp(live, podSpec({ volumes: [{ name: 'v', emptyDir: {}, $retainKeys: ['emptyDir', 'name'] }] }));
  assert.deepEqual(((out.spec as J).template as J & { spec: J }).spec.volumes, [{ name: 'v', emptyDir: {} }]);
});

test('strategic: primitive lists with merge strategy union; $deleteFromPrimitiveList removes', () => {
  const live = { metadata: { finalizers: ['a', 'b'] } };
  assert.deepEqual(smp(live, { metadata: { finalizers: ['c', 'a'] } }), { metadata: { finalizers: ['c', 'a', 'b'] } });
  assert.deepEqual(smp(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }), { metadata: { finalizers: ['b'] } });
  assert.deepEqual(smp({ metadata: {} }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }), { metadata: {} });
});

test('strategic: $setElementOrder orders the merged list', () => {
  const live = podSpec({
    containers: [
      { name: 'a', image: '1' },
      { name: 'b', image: '2' },
      { name: 'c', image: '3' },
    ],
  });
  const out = smp(
    live,
    podSpec({
      '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }],
      containers: [{ name: 'a', image: '1b' }],
    }),
  );
  assert.deepEqual(
    containersOf(out).map((c) => `${c.name}:${c.image}`),
    ['c:3', 'a:1b', 'b:2'],
  );
  // kubectl apply's patches: a deletion plus an order for what remains.
  const out2 = smp(
    live,
    podSpec({
      '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }],
      containers: [{ name: 'b', $patch: 'delete' }],
    }),
  );
  assert.deepEqual(
    containersOf(out2).map((c) => c.name),
    ['c', 'a'],
  );
  // Primitive list order.
  const out3 = smp(
    { metadata: { finalizers: ['a', 'b'] } },
    { metadata: { '$setElementOrder/finalizers': ['b', 'x', 'a'], finalizers: ['x'] } },
  );
  assert.deepEqual(out3, { metadata: { finalizers: ['b', 'x', 'a'] } });
});

test('strategic: a merge list item without its merge key is a 400 with the Go message (Kubernetes: 500)', () => {
  const live = podSpec({ containers: [{ name: 'a', image: 'x' }] });
  assert.throws(
    () => smp(live, podSpec({ containers: [{ image: 'nginx' }] })),
    (e) => e instanceof StatusError && e.code === 400 && e.message === 'map: map[image:nginx] does not contain declared merge key: name',
  );
});

test('strategic: untyped maps merge, untyped lists replace', () => {
  const live = { metadata: { annotations: { a: '1' } }, extra: { x: [1, 2], y: { z: 1 } } };
  assert.deepEqual(smp(live, { extra: { x: [3], y: { w: 2 } } }), {
    metadata: { annotations: { a: '1' } },
    extra: { x: [3], y: { z: 1, w: 2 } },
  });
});

test('strategic: with the real schema registry, Deployment containers merge by name', () => {
  const live = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.14' }], tolerations: [{ key: 'a' }] } } },
  };
  const out = strategicMergePatch(
    live,
    {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'nginx', image: 'nginx:1.16' },
              { name: 'side', image: 'busybox' },
            ],
            tolerations: [{ key: 'b' }],
          },
        },
      },
    },
    'io.k8s.api.apps.v1.Deployment',
  );
  const spec = ((out.spec as J).template as J & { spec: J }).spec;
  assert.deepEqual(spec.containers, [
    { name: 'nginx', image: 'nginx:1.16' },
    { name: 'side', image: 'busybox' },
  ]);
  assert.deepEqual(spec.tolerations, [{ key: 'b' }]);
});
