import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../errors.js';
import type { KObject } from '../object.js';
import { applyPatch, updateManagedFields, updateManagedFieldsBySets } from './apply.js';
import { applyPatchByContentType } from './index.js';
import { testLookup } from './testtypes.js';

type J = Record<string, unknown>;
const opts = { typeName: 'test.Deployment', typeLookup: testLookup, now: new Date('2025-01-02T03:04:05Z') };

function deployment(spec: J, labels: J = { app: 'nginx' }): KObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', labels }, spec } as KObject;
}
const nginx = (extra: J = {}): J => ({ name: 'nginx', image: 'nginx:1.14', ...extra });
const tmpl = (containers: J[]): J => ({ metadata: { labels: { app: 'nginx' } }, spec: { containers } });

function frozenCopy<T>(v: T): T {
  return structuredClone(v);
}

test('apply: create records an Apply entry in FieldsV1 form', () => {
  const cfg = deployment({ replicas: 2, template: tmpl([nginx({ ports: [{ containerPort: 80 }] })]) });
  const before = frozenCopy(cfg);
  const out = applyPatch(undefined, cfg, 'kubectl', false, opts);
  assert.deepEqual(cfg, before, 'input unmodified');
  assert.equal(out.spec && (out.spec as J).replicas, 2);
  assert.deepEqual(out.metadata.managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2025-01-02T03:04:05Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      },
    },
  ]);
});

test('apply: applying again without a field removes it, keeping fields nobody applied', () => {
  const first = applyPatch(
    undefined,
    deployment(
      { replicas: 2, template: tmpl([nginx({ env: [{ name: 'A', value: '1' }] }), { name: 'side', image: 'busybox' }]) },
      { app: 'nginx', tier: 'web' },
    ),
    'kubectl',
    false,
    opts,
  );
  // Defaulting (owned by nobody) fills in a field, as the registry would.
  const live = structuredClone(first);
  ((live.spec as J).template as { spec: { containers: J[] } }).spec.containers[0].imagePullPolicy = 'IfNotPresent';
  const before = frozenCopy(live);
  const second = applyPatch(live, deployment({ replicas: 3, template: tmpl([nginx()]) }), 'kubectl', false, opts);
  assert.deepEqual(live, before, 'input unmodified');
  assert.deepEqual(second.metadata.labels, { app: 'nginx' });
  assert.equal((second.spec as J).replicas, 3);
  assert.deepEqual(((second.spec as J).template as { spec: { containers: J[] } }).spec.containers, [
    { name: 'nginx', image: 'nginx:1.14', imagePullPolicy: 'IfNotPresent' },
  ]);
  assert.equal(second.metadata.managedFields?.length, 1);
  const f = second.metadata.managedFields![0].fieldsV1 as J;
  assert.deepEqual((f['f:metadata'] as J)['f:labels'], { 'f:app': {} });
});

test('apply: a field another manager owns with a different value conflicts (409), force takes it over', () => {
  const created = deployment({ replicas: 1, template: tmpl([nginx()]) });
  created.metadata.managedFields = updateManagedFields(
    undefined,
    created,
    'kubectl-client-side-apply',
    'Update',
    undefined,
    'apps/v1',
    opts,
  );
  let err: unknown;
  try {
    applyPatch(created, deployment({ replicas: 5 }), 'kubectl', false, opts);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof StatusError);
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  assert.deepEqual(err.details?.causes, [
    { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
  ]);

  // The same value is no conflict: both own it.
  const shared = applyPatch(created, deployment({ replicas: 1 }), 'kubectl', false, opts);
  const owners = (o: KObject, path: string[]) =>
    (o.metadata.managedFields ?? [])
      .filter((m) => path.reduce<unknown>((n, k) => (n as J | undefined)?.[k], m.fieldsV1) !== undefined)
      .map((m) => m.manager);
  assert.deepEqual(owners(shared, ['f:spec', 'f:replicas']).sort(), ['kubectl', 'kubectl-client-side-apply']);

  const forced = applyPatch(created, deployment({ replicas: 5 }), 'kubectl', true, opts);
  assert.equal((forced.spec as J).replicas, 5);
  assert.deepEqual(owners(forced, ['f:spec', 'f:replicas']), ['kubectl']);
  assert.deepEqual(owners(forced, ['f:spec', 'f:template']), ['kubectl-client-side-apply']);
});

test('apply: several conflicts are listed by manager', () => {
  const created = deployment({ replicas: 1, template: tmpl([nginx()]) });
  created.metadata.managedFields = updateManagedFields(undefined, created, 'kubectl-create', 'Update', undefined, 'apps/v1', opts);
  assert.throws(
    () => applyPatch(created, deployment({ replicas: 2, template: tmpl([nginx({ image: 'nginx:2' })]) }), 'kubectl', false, opts),
    (e) =>
      e instanceof StatusError &&
      e.code === 409 &&
      e.message ===
        'Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
  );
});

test('apply: a port without protocol matches the live port defaulted to TCP', () => {
  const live = applyPatch(undefined, deployment({ template: tmpl([nginx({ ports: [{ containerPort: 80 }] })]) }), 'kubectl', false, opts);
  const c = ((live.spec as J).template as { spec: { containers: J[] } }).spec.containers[0];
  (c.ports as J[])[0].protocol = 'TCP';
  const again = applyPatch(
    live,
    deployment({ template: tmpl([nginx({ ports: [{ containerPort: 80, name: 'http' }] })]) }),
    'kubectl',
    false,
    opts,
  );
  assert.deepEqual(((again.spec as J).template as { spec: { containers: J[] } }).spec.containers[0].ports, [
    { containerPort: 80, protocol: 'TCP', name: 'http' },
  ]);
});

test('updateManagedFields: changed fields move to the writer, unchanged ones stay', () => {
  const created = deployment({ replicas: 1, template: tmpl([nginx()]) });
  const mf1 = updateManagedFields(undefined, created, 'kubectl-create', 'Update', undefined, 'apps/v1', opts)!;
  assert.equal(mf1.length, 1);
  assert.deepEqual((mf1[0].fieldsV1 as J)['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
  const c1 = { ...structuredClone(created), metadata: { ...created.metadata, managedFields: mf1 } } as KObject;

  const labelled = structuredClone(c1);
  labelled.metadata.labels = { app: 'nginx', env: 'prod' };
  const mf2 = updateManagedFields(c1, labelled, 'kubectl-label', 'Update', undefined, 'apps/v1', {
    ...opts,
    now: new Date('2025-01-02T03:05:00Z'),
  })!;
  assert.deepEqual(
    mf2.map((m) => m.manager),
    ['kubectl-create', 'kubectl-label'],
  );
  assert.deepEqual(mf2[1].fieldsV1, { 'f:metadata': { 'f:labels': { 'f:env': {} } } });

  // Changing a field someone else owns takes it from them; removing it frees it.
  const scaled = structuredClone(labelled);
  scaled.metadata.managedFields = mf2;
  const c2 = structuredClone(scaled);
  (scaled.spec as J).replicas = 4;
  delete (scaled.metadata.labels as J).env;
  const mf3 = updateManagedFields(c2, scaled, 'kubectl-scale', 'Update', undefined, 'apps/v1', opts)!;
  assert.deepEqual(
    mf3.map((m) => m.manager),
    ['kubectl-create', 'kubectl-scale'],
  );
  assert.deepEqual(mf3[1].fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.equal(((mf3[0].fieldsV1 as J)['f:spec'] as J)['f:replicas'], undefined);

  // A no-op write records nothing new.
  assert.deepEqual(updateManagedFields(c2, structuredClone(c2), 'x', 'Update', undefined, 'apps/v1', opts), mf2);
  // Status writes through the main resource are not owned.
  const st = structuredClone(c2);
  st.status = { replicas: 1 };
  assert.deepEqual(updateManagedFields(c2, st, 'x', 'Update', undefined, 'apps/v1', opts), mf2);
  const viaStatus = updateManagedFields(c2, st, 'ctrl', 'Update', 'status', 'apps/v1', opts)!;
  assert.deepEqual(
    viaStatus.find((m) => m.manager === 'ctrl'),
    {
      manager: 'ctrl',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2025-01-02T03:04:05Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:replicas': {} } },
      subresource: 'status',
    },
  );
});

test('updateManagedFields keeps what apply computed', () => {
  const applied = applyPatch(undefined, deployment({ replicas: 2 }), 'kubectl', false, opts);
  assert.equal(updateManagedFields(undefined, applied, 'kubectl', 'Update', undefined, 'apps/v1', opts), applied.metadata.managedFields);
  const copy = JSON.parse(JSON.stringify(applied)) as KObject; // the marker is lost, the entry still says Apply
  assert.deepEqual(updateManagedFields(undefined, copy, 'kubectl', 'Update', undefined, 'apps/v1', opts), applied.metadata.managedFields);
});

test('applyPatchByContentType dispatches on the media type', () => {
  const live = deployment({ replicas: 1, template: tmpl([nginx()]) });
  const o = { typeName: 'test.Deployment', typeLookup: testLookup };
  const j = applyPatchByContentType('application/json-patch+json', live, '[{"op":"replace","path":"/spec/replicas","value":3}]', o);
  assert.equal((j.spec as J).replicas, 3);
  const m = applyPatchByContentType('application/merge-patch+json; charset=utf-8', live, '{"metadata":{"labels":null}}', o);
  assert.equal(m.metadata.labels, undefined);
  const s = applyPatchByContentType(
    'application/strategic-merge-patch+json',
    live,
    '{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"busybox"}]}}}}',
    o,
  );
  assert.equal(((s.spec as J).template as { spec: { containers: J[] } }).spec.containers.length, 2);
  const a = applyPatchByContentType(
    'application/apply-patch+yaml',
    live,
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 7\n',
    { ...o, manager: 'kubectl' },
  );
  assert.equal((a.spec as J).replicas, 7);
  assert.equal(a.metadata.managedFields?.[0].operation, 'Apply');
  assert.deepEqual(live.spec, { replicas: 1, template: tmpl([nginx()]) }, 'input unmodified');
  assert.throws(
    () => applyPatchByContentType('application/xml', live, '', o),
    (e) => e instanceof StatusError && e.code === 415,
  );
  assert.throws(
    () => applyPatchByContentType('application/apply-patch+yaml', live, 'a: [', { ...o, manager: 'k' }),
    (e) => e instanceof StatusError && e.code === 400,
  );
});

// A create's ownership is built in one walk of the new object (createdFields); an empty object
// as the old one takes the general comparison, which must give the same entries, keys in the
// same order. Real kinds through the registry's schemas.
test('updateManagedFields: a create gives what the general comparison gives', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'default',
      generateName: 'web-',
      labels: { app: 'web', 'pod-template-hash': 'abc' },
      annotations: { note: 'x' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }],
      finalizers: ['example.com/keep'],
      uid: 'u2',
      creationTimestamp: '2025-01-02T03:04:05Z',
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          env: [
            { name: 'A', value: '1' },
            { name: 'B', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
          resources: { limits: { cpu: '1' }, requests: {} },
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
        { name: 'side', image: 'busybox', command: ['sleep', '1'], args: null },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
      nodeSelector: {},
      securityContext: {},
    },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] },
  };
  const cases: [string, KObject, string | undefined][] = [
    ['pod', pod as unknown as KObject, undefined],
    ['pod through status', pod as unknown as KObject, 'status'],
    ['pod through another subresource', pod as unknown as KObject, 'ephemeralcontainers'],
    [
      'pod with entries of its own, through status',
      { ...pod, metadata: { ...pod.metadata, managedFields: [{ manager: 'x' }] } } as KObject,
      'status',
    ],
    [
      'deployment',
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd', namespace: 'default' },
        spec: { replicas: 3, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: pod.spec } },
      },
      undefined,
    ],
    ['configmap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '' }, binaryData: {} }, undefined],
    [
      'configmap with a separator in a key',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a\u0000b': '1' } },
      undefined,
    ],
    [
      'service (port protocol defaulted in the key)',
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }, { port: 80, protocol: 'UDP' }] } },
      undefined,
    ],
    [
      'two items with one key',
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }, { name: 'a', image: 'x' }] } },
      undefined,
    ],
    ['a kind without a schema', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { a: 1 } }, undefined],
    ['nothing tracked', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }, undefined],
  ];
  for (const [what, obj, sub] of cases) {
    const before = JSON.stringify(obj);
    const fast = updateManagedFields(undefined, obj, 'mgr', 'Update', sub, obj.apiVersion, { now });
    const general = updateManagedFields({} as KObject, obj, 'mgr', 'Update', sub, obj.apiVersion, { now });
    assert.equal(JSON.stringify(fast), JSON.stringify(general), what);
    assert.equal(JSON.stringify(obj), before, `${what}: input unmodified`);
  }
  // The cases hold something: the pod's entry owns its containers by name, not its status.
  const podFields = updateManagedFields(undefined, pod as unknown as KObject, 'mgr', 'Update', undefined, 'v1', { now })![0].fieldsV1 as J;
  assert.ok((podFields['f:spec'] as J)['f:containers'] && !podFields['f:status']);
  assert.deepEqual(Object.keys((podFields['f:spec'] as J)['f:containers'] as J), ['k:{"name":"app"}', 'k:{"name":"side"}']);
  const statusFields = updateManagedFields(undefined, pod as unknown as KObject, 'mgr', 'Update', 'status', 'v1', { now })![0];
  assert.deepEqual(Object.keys(statusFields.fieldsV1 as J), ['f:status']);
  assert.equal(statusFields.subresource, 'status');
  assert.equal(updateManagedFields(undefined, cases.at(-1)![1], 'mgr', 'Update', undefined, 'v1', { now }), undefined);
});

// An update compares only below the root fields the write may own (rootKeysFor): through
// status, a spec change is nobody's; through the resource, a status change is nobody's.
test('updateManagedFields: a write owns only what its subresource may change', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const old = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a', image: 'x' }] },
    status: { phase: 'Pending' },
  } as KObject;
  const both = { ...old, spec: { containers: [{ name: 'a', image: 'y' }] }, status: { phase: 'Running' } } as KObject;
  const viaStatus = updateManagedFields(old, both, 'kubelet', 'Update', 'status', 'v1', { now })!;
  assert.deepEqual(
    viaStatus.map((e) => [e.manager, e.subresource, e.fieldsV1]),
    [['kubelet', 'status', { 'f:status': { 'f:phase': {} } }]],
  );
  const viaMain = updateManagedFields(old, both, 'ctl', 'Update', undefined, 'v1', { now })!;
  assert.deepEqual(
    viaMain.map((e) => [e.manager, e.subresource, e.fieldsV1]),
    [['ctl', undefined, { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { 'f:image': {} } } } }]],
  );
  // Shared subtrees (a status write keeps the stored spec object itself) are unchanged ones.
  const shared = { ...old, metadata: { ...old.metadata }, status: { phase: 'Running' } } as KObject;
  assert.deepEqual(
    updateManagedFields(old, shared, 'ctl', 'Update', 'status', 'v1', { now })!.map((e) => e.fieldsV1),
    [{ 'f:status': { 'f:phase': {} } }],
  );
});

// Stored entries that are exactly what the encoder writes are kept as they are when the write
// does not touch their fields (neither decoded nor encoded again). The same entries with one
// key more (which the decoder drops) take the general way: both must give the same JSON.
test('updateManagedFields: untouched entries are kept as stored, with the result of decoding and encoding them', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const pod = (phase: string, image = 'x'): KObject =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: { app: 'a' } },
      spec: { containers: [{ name: 'a', image, ports: [{ containerPort: 80 }] }] },
      status: { phase, conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }] },
    }) as KObject;
  const created = updateManagedFields(undefined, pod('Pending'), 'rs', 'Update', undefined, 'v1', { now })!;
  const status = updateManagedFields(pod('Pending'), pod('Running'), 'kubelet', 'Update', 'status', 'v1', { now })!;
  const entries: J[] = [
    created[0] as J, // canonical, untouched by a status write
    status[0] as J, // canonical, the writer's own: touched
    { ...created[0], manager: 'reordered', fieldsV1: { 'f:spec': {}, 'f:metadata': { 'f:labels': { 'f:app': {} } } } }, // keys out of order
    { fieldsType: 'FieldsV1', manager: 'keys-moved', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:spec': {} } },
    { manager: 'dot-alone', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { '.': {} } } },
    { manager: 'empty-time', operation: 'Update', apiVersion: 'v1', time: '', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } },
    { manager: 'dup', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } },
    { manager: 'dup', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } },
    {
      manager: 'status-owner',
      operation: 'Update',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:phase': {} } },
      subresource: 'status',
    },
    { manager: 'root-dot', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { '.': {}, 'f:spec': {} } },
    { manager: 'nothing', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} },
  ];
  const withEntries = (o: KObject, es: J[]): KObject => ({ ...o, metadata: { ...o.metadata, managedFields: es as never } });
  const writes: [string, KObject, KObject, string, string | undefined][] = [
    ['status write', pod('Running'), pod('Failed'), 'kubelet', 'status'],
    ['spec write', pod('Running'), pod('Running', 'y'), 'ctl', undefined],
    ['status write by another', pod('Running'), pod('Pending'), 'other', 'status'],
  ];
  for (const [what, before, after, manager, sub] of writes) {
    const old = withEntries(before, entries);
    const got = updateManagedFields(old, withEntries(after, entries), manager, 'Update', sub, 'v1', { now });
    const general = entries.map((e) => ({ ...e, extra: 1 }));
    const want = updateManagedFields(withEntries(before, general), withEntries(after, general), manager, 'Update', sub, 'v1', { now });
    assert.equal(JSON.stringify(got), JSON.stringify(want), what);
  }
  // The status write left the creator's entry alone: the very object stored.
  const got = updateManagedFields(
    withEntries(pod('Running'), entries),
    withEntries(pod('Failed'), entries),
    'kubelet',
    'Update',
    'status',
    'v1',
    {
      now,
    },
  )!;
  assert.ok(got.includes(entries[0] as never), 'untouched canonical entry kept');
  assert.ok(!got.includes(entries[8] as never), 'an entry that lost a field is written anew');
});

// An update's comparison is made as trees of path elements (updateByTrees); the path-string
// way (updateManagedFieldsBySets) is the reference: over random histories of writes to real
// kinds (pods, Deployments: associative lists, sets, maps, nulls, status and main writes by
// several managers, entries written by the request), both give the same JSON, byte for byte.
test('updateManagedFields: path trees give what path strings give, over random writes', () => {
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => rnd() < 0.5);
  const maybe = (v: () => unknown): unknown => (rnd() < 0.1 ? null : rnd() < 0.2 ? undefined : v());
  const defined = (o: J): J => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const container = (name: string): J =>
    defined({
      name,
      image: pick(['nginx', 'nginx:2', 'busybox']),
      ports: maybe(() => some([{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }, { containerPort: 53 }])),
      env: maybe(() =>
        some([
          { name: 'A', value: pick(['1', '2']) },
          { name: 'B', valueFrom: { fieldRef: { fieldPath: 'x' } } },
        ]),
      ),
      resources: maybe(() => defined({ limits: maybe(() => ({ cpu: pick(['1', '2']) })), requests: maybe(() => ({})) })),
      command: maybe(() => some(['sleep', '1', '2'])),
    });
  const spec = (): J =>
    defined({
      containers: some(['a', 'b', 'a', 'c']).map(container),
      nodeName: maybe(() => pick(['n1', 'n2'])),
      tolerations: maybe(() =>
        some([
          { key: 'k', operator: 'Exists' },
          { key: 'j', effect: 'NoSchedule' },
        ]),
      ),
      nodeSelector: maybe(() => defined({ zone: maybe(() => pick(['a', 'b'])), 'a\u0000b': rnd() < 0.05 ? 'sep' : undefined })),
      volumes: maybe(() =>
        some([
          { name: 'd', emptyDir: {} },
          { name: 'e', configMap: { name: 'c' } },
        ]),
      ),
    });
  const status = (): J =>
    defined({
      phase: maybe(() => pick(['Pending', 'Running'])),
      podIP: maybe(() => pick(['10.0.0.1', '10.0.0.2'])),
      podIPs: maybe(() => some([{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }])),
      conditions: maybe(() =>
        some(['PodScheduled', 'Ready', 'Initialized']).map((type) => ({ type, status: pick(['True', 'False']), lastProbeTime: null })),
      ),
      containerStatuses: maybe(() => some(['a', 'b']).map((name) => ({ name, ready: rnd() < 0.5, restartCount: 0 }))),
      startTime: maybe(() => '2025-01-02T03:04:05Z'),
    });
  const metadata = (): J =>
    defined({
      name: 'p',
      namespace: 'default',
      uid: 'u1',
      resourceVersion: pick(['1', '2']),
      labels: maybe(() => defined({ app: maybe(() => pick(['a', 'b'])), tier: maybe(() => 'web'), constructor: maybe(() => 'x') })),
      annotations: maybe(() => ({ note: pick(['x', 'y']) })),
      ownerReferences: maybe(() => some([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: pick(['r1', 'r2']) }])),
      finalizers: maybe(() => some(['example.com/a', 'example.com/b'])),
    });
  const pod = (): KObject => defined({ apiVersion: 'v1', kind: 'Pod', metadata: metadata(), spec: spec(), status: status() }) as KObject;
  const deployment = (): KObject =>
    defined({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(),
      spec: defined({
        replicas: maybe(() => pick([1, 3])),
        selector: { matchLabels: { app: 'a' } },
        template: defined({ metadata: maybe(() => ({ labels: { app: pick(['a', 'b']) } })), spec: spec() }),
      }),
      status: defined({ replicas: maybe(() => 1), conditions: maybe(() => some([{ type: 'Available', status: 'True' }])) }),
    }) as KObject;
  // A new version of `o`: each top-level part kept (the same object, as a subresource write keeps
  // the stored spec) or made anew.
  const next = (o: KObject, make: () => KObject): KObject => {
    const fresh = make() as J;
    const out: J = { ...o };
    for (const k of ['spec', 'status']) if (rnd() < 0.5) out[k] = fresh[k];
    if (rnd() < 0.5) out.metadata = { ...(fresh.metadata as J), managedFields: o.metadata.managedFields };
    else out.metadata = { ...o.metadata };
    return defined(out) as KObject;
  };
  const managers = ['rs', 'kubelet', 'ctl', 'sched'];
  let writes = 0;
  let kept = 0;
  for (let history = 0; history < 60; history++) {
    const make = history % 3 === 2 ? deployment : pod;
    let cur = make();
    cur.metadata.managedFields = updateManagedFields(undefined, cur, 'rs', 'Update', undefined, cur.apiVersion, { now: opts.now });
    for (let step = 0; step < 25; step++) {
      const upd = next(cur, make);
      const sub = pick([undefined, undefined, 'status', 'scale']);
      // Entries the request writes itself: reordered, cleared, or one taken away.
      const own = cur.metadata.managedFields ?? [];
      if (rnd() < 0.08)
        upd.metadata.managedFields = pick([[{}], [...own].reverse(), own.slice(1), own.map((e) => ({ ...e, extra: 1 }))]) as never;
      const manager = pick(managers);
      const now = new Date(Date.UTC(2025, 0, 2, 3, 4, step));
      const before = JSON.stringify([cur, upd]);
      const got = updateManagedFields(cur, upd, manager, 'Update', sub, cur.apiVersion, { now });
      const want = updateManagedFieldsBySets(cur, upd, manager, 'Update', sub, cur.apiVersion, { now });
      assert.equal(JSON.stringify(got), JSON.stringify(want), `history ${history}, step ${step}: ${manager} ${sub} ${before}`);
      assert.equal(JSON.stringify([cur, upd]), before, 'inputs unmodified');
      writes++;
      if (got && want && got.some((e, i) => e === (cur.metadata.managedFields ?? [])[i])) kept++;
      upd.metadata.managedFields = got;
      cur = upd;
    }
  }
  assert.equal(writes, 1500);
  // The histories hold entries kept as stored and others rewritten.
  assert.ok(kept > 100 && kept < writes, `entries kept as stored in ${kept} writes`);
});

// A real pod as the ReplicaSet controller creates it (defaults filled in) and the simulated
// kubelet's status write, for the tests of how the field manager builds its trees.
function realPod(): KObject {
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7f8b', uid: 'u-rs', controller: true, blockOwnerDeletion: true };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-7f8b-',
      namespace: 'default',
      labels: { app: 'web', 'pod-template-hash': '7f8b' },
      ownerReferences: [owner],
      name: 'web-7f8b-2kzkd',
      uid: 'u-pod',
      creationTimestamp: '2026-12-04T05:10:43Z',
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          volumeMounts: [{ name: 'kube-api-access-nsdql', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
      volumes: [
        {
          name: 'kube-api-access-nsdql',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            ],
          },
        },
      ],
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      nodeName: 'sim-node-3',
    },
    status: {
      phase: 'Pending',
      qosClass: 'Burstable',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-12-04T05:10:43Z' }],
    },
  } as KObject;
}

function runningStatus(): J {
  const at = '2026-12-04T05:10:44Z';
  return {
    phase: 'Running',
    qosClass: 'Burstable',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: at },
      { type: 'Initialized', status: 'True', lastTransitionTime: at },
      { type: 'Ready', status: 'True', lastTransitionTime: at },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: at },
      { lastTransitionTime: '2026-12-04T05:10:43Z', type: 'PodScheduled', status: 'True' },
    ],
    hostIP: '172.20.0.39',
    hostIPs: [{ ip: '172.20.0.39' }],
    podIP: '10.244.37.2',
    podIPs: [{ ip: '10.244.37.2' }],
    startTime: at,
    containerStatuses: [
      {
        name: 'web',
        state: { running: { startedAt: at } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: 'docker.io/library/nginx:1.27',
        imageID: 'docker.io/library/nginx@sha256:6965',
        containerID: 'k8ts-sim://9948',
        started: true,
      },
    ],
  };
}

// Siblings in FieldsV1 are ordered fields, keys, values, indexes, each sorted (setToFieldsV1's
// order): the trees put their few children in that order by an insertion sort of their own
// (no builtin sort, no pair per child), and nodes of many children by the builtin sort. Both
// against the path strings' reference: a real pod's create and status write, a node of fields
// and keys of lists mixed with indexes (items without their key), and nodes past the
// insertion sort's bound (i:10 before i:2, as strings sort).
test('updateManagedFields: children in setToFieldsV1 order, few without the builtin sort', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const pod = realPod();
  const running = { ...pod, metadata: { ...pod.metadata }, status: runningStatus() } as KObject;
  const isPairs = (a: unknown[]) => a.length > 1 && Array.isArray(a[0]) && typeof (a[0] as unknown[])[0] === 'string';
  const sort = Array.prototype.sort;
  let pairSorts = 0;
  const counted = <T>(fn: () => T): T => {
    Array.prototype.sort = function (this: unknown[], cmp?: (a: unknown, b: unknown) => number) {
      if (isPairs(this)) pairSorts++;
      return sort.call(this, cmp);
    } as typeof sort;
    try {
      return fn();
    } finally {
      Array.prototype.sort = sort;
    }
  };
  for (let round = 0; round < 2; round++) {
    const created = counted(() => updateManagedFields(undefined, pod, 'kube-controller-manager', 'Update', undefined, 'v1', { now }));
    assert.equal(
      JSON.stringify(created),
      JSON.stringify(updateManagedFieldsBySets({} as KObject, pod, 'kube-controller-manager', 'Update', undefined, 'v1', { now })),
    );
    const old = { ...pod, metadata: { ...pod.metadata, managedFields: created } } as KObject;
    const upd = { ...running, metadata: { ...running.metadata, managedFields: created } } as KObject;
    const status = counted(() => updateManagedFields(old, upd, 'k8ts-simulated-nodes', 'Update', 'status', 'v1', { now }));
    assert.equal(
      JSON.stringify(status),
      JSON.stringify(updateManagedFieldsBySets(old, upd, 'k8ts-simulated-nodes', 'Update', 'status', 'v1', { now })),
    );
    assert.deepEqual(status!.map((e) => e.manager).sort(), ['k8ts-simulated-nodes', 'kube-controller-manager']);
  }
  assert.equal(pairSorts, 0, 'nodes of few children sorted without Array.prototype.sort');

  // Many children, mixed kinds of element.
  const shuffled = (n: number, make: (i: number) => string): string[] => {
    const xs = Array.from({ length: n }, (_, i) => make(i));
    for (let i = xs.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  const cases: [string, KObject, KObject][] = [];
  for (const n of [3, 24, 25, 40]) {
    const data = Object.fromEntries(shuffled(n, (i) => `key-${i}`).map((k) => [k, k]));
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: data }, data } as KObject;
    // Ports with and without their key (containerPort): k: and i: elements in one node.
    const ports = shuffled(n, (i) => String(i)).map((i) => (Number(i) % 3 === 0 ? { name: `p${i}` } : { containerPort: 1000 + Number(i) }));
    const args = shuffled(n, (i) => `a${i}`);
    const p = realPod();
    const c0 = (p.spec as J).containers as J[];
    const withLists = { ...p, spec: { ...(p.spec as J), containers: [{ ...c0[0], ports, args }] } } as KObject;
    const st = runningStatus();
    const manyConditions = { ...st, conditions: shuffled(n, (i) => `Cond${i}`).map((type) => ({ type, status: 'True' })) };
    cases.push(
      [`configmap, ${n} keys`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } as KObject, cm],
      [`pod, ${n} ports`, p, withLists],
      [`pod status, ${n} conditions`, p, { ...p, metadata: { ...p.metadata }, status: manyConditions } as KObject],
    );
  }
  for (const [what, before, after] of cases) {
    const sub = what.startsWith('pod status') ? 'status' : undefined;
    const create = updateManagedFields(undefined, after, 'm', 'Update', sub, after.apiVersion, { now });
    assert.equal(
      JSON.stringify(create),
      JSON.stringify(updateManagedFieldsBySets({} as KObject, after, 'm', 'Update', sub, after.apiVersion, { now })),
      what,
    );
    const update = updateManagedFields(before, after, 'm', 'Update', sub, after.apiVersion, { now });
    assert.equal(
      JSON.stringify(update),
      JSON.stringify(updateManagedFieldsBySets(before, after, 'm', 'Update', sub, after.apiVersion, { now })),
      what,
    );
    // And onto an entry of the same manager (its tree and the new paths joined).
    const old = { ...before, metadata: { ...before.metadata, managedFields: create } } as KObject;
    const again = { ...after, metadata: { ...after.metadata, managedFields: create } } as KObject;
    const add = { ...again, metadata: { ...again.metadata, labels: { extra: 'x' } } } as KObject;
    assert.equal(
      JSON.stringify(updateManagedFields(old, add, 'm', 'Update', sub, after.apiVersion, { now })),
      JSON.stringify(updateManagedFieldsBySets(old, add, 'm', 'Update', sub, after.apiVersion, { now })),
      `${what}, onto the entry`,
    );
  }
});

// A list map item's path element is the JSON of its keys in sorted order (the protocol of a
// port defaulted); written key by key, it must be that JSON byte for byte: values that JSON
// escapes, numbers, objects, a missing key, and key names an object would not keep in the
// sorted order (an array index first, __proto__ not its own) or at all (repeated).
test('updateManagedFields: a list item element is the JSON of its key object', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const keySets = [
    ['name'],
    ['protocol', 'port'],
    ['b', '0', 'a'],
    ['__proto__', 'name'],
    ['name', 'name'],
    ['toString'],
    ['x-y.z/w', 'name'],
  ];
  const types = keySets.map((keys, i) => ({
    name: `kw.Item${i}`,
    fields: keys.filter((k, j) => keys.indexOf(k) === j).map((k, j) => ({ json: k, proto: j + 1, type: 'string' })),
  }));
  const root = {
    name: 'kw.Root',
    fields: [
      { json: 'apiVersion', proto: 1, type: 'string' },
      { json: 'kind', proto: 2, type: 'string' },
      ...keySets.map((keys, i) => ({
        json: `l${i}`,
        proto: i + 3,
        type: `kw.Item${i}`,
        list: true,
        listType: 'map' as const,
        listMapKeys: keys,
      })),
    ],
  };
  const byName = new Map([root, ...types].map((t) => [t.name, t]));
  const o = { typeName: 'kw.Root', typeLookup: (n: string) => byName.get(n) as never, now };
  const values: unknown[] = ['plain', 'quote " and \\ and \u2028 and é', 7, -0, 1.5e300, true, { nested: ['a', 1] }, null];
  const items = (keys: string[]): J[] => {
    const out: J[] = [];
    values.forEach((v, i) => {
      const it: J = {};
      for (const k of keys)
        Object.defineProperty(it, k, { value: i % 2 ? v : `${k}${i}`, enumerable: true, writable: true, configurable: true });
      out.push(it);
    });
    out.push({}); // no key at all
    out.push({ [keys[0]]: 'only-first' });
    out.push({ port: 'only-port' });
    return out;
  };
  const obj: J = { apiVersion: 'kw/v1', kind: 'Root' };
  keySets.forEach((keys, i) => {
    obj[`l${i}`] = items(keys);
  });
  // What the key object's JSON is, made as an object.
  const LIST_KEY_DEFAULTS: J = { protocol: 'TCP' };
  const expected = (keys: string[], item: J, index: number): string => {
    const key: J = {};
    for (const k of [...keys].sort()) {
      const v = item[k] ?? LIST_KEY_DEFAULTS[k];
      if (v !== undefined) key[k] = v;
    }
    return Object.keys(key).length ? `k:${JSON.stringify(key)}` : `i:${index}`;
  };
  const fields = updateManagedFields(undefined, obj as KObject, 'm', 'Update', undefined, 'kw/v1', o)![0].fieldsV1 as J;
  keySets.forEach((keys, i) => {
    const want = new Set((obj[`l${i}`] as J[]).map((it, j) => expected(keys, it, j)));
    const got = Object.keys(fields[`f:l${i}`] as J).filter((k) => k !== '.');
    assert.deepEqual(new Set(got), want, `keys ${JSON.stringify(keys)}`);
  });
  // An element holding a key's value that JSON escapes, as JSON writes it.
  assert.ok(Object.hasOwn(fields['f:l0'] as J, `k:${JSON.stringify({ name: values[1] })}`));
  assert.ok(Object.hasOwn(fields['f:l1'] as J, 'k:{"port":"port0","protocol":"protocol0"}'));
  assert.ok(Object.hasOwn(fields['f:l1'] as J, 'k:{"port":"only-port","protocol":"TCP"}'));
});

// A write whose paths its writer's entry owns already, and that removes none of them (a lease
// renewed, a status written again by its writer), keeps that entry's fields as they are: the
// very tree stored, with the new time. Against the path strings' reference over random writes
// by one main writer and another: renewals, new fields, removed fields, other writers' fields.
test('updateManagedFields: a writer rewriting fields it owns keeps its entry', () => {
  const lease = (renew: string, holder = 'node-1'): KObject =>
    ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'node-1',
        namespace: 'kube-node-lease',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'u1' }],
      },
      spec: { holderIdentity: holder, leaseDurationSeconds: 40, renewTime: renew },
    }) as KObject;
  const t0 = new Date('2025-01-02T03:04:05Z');
  const created = lease('2025-01-02T03:04:05.000000Z');
  created.metadata.managedFields = updateManagedFields(undefined, created, 'kubelet', 'Update', undefined, undefined, { now: t0 });
  const renewed = { ...lease('2025-01-02T03:04:15.000000Z'), metadata: { ...created.metadata } } as KObject;
  const t1 = new Date('2025-01-02T03:04:15Z');
  const got = updateManagedFields(created, renewed, 'kubelet', 'Update', undefined, undefined, { now: t1 })!;
  assert.equal(got.length, 1);
  assert.equal(got[0].fieldsV1, created.metadata.managedFields![0].fieldsV1, 'the stored tree itself');
  assert.equal(got[0].time, '2025-01-02T03:04:15Z');
  assert.equal(
    JSON.stringify(got),
    JSON.stringify(updateManagedFieldsBySets(created, renewed, 'kubelet', 'Update', undefined, undefined, { now: t1 })),
  );

  let seed = 777;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  let writes = 0;
  let keptTrees = 0;
  for (let history = 0; history < 40; history++) {
    let cur = realPod();
    cur.metadata.managedFields = updateManagedFields(undefined, cur, 'rs', 'Update', undefined, 'v1', { now: t0 });
    for (let step = 0; step < 20; step++) {
      const st = runningStatus();
      const status: J = { ...((cur.status as J) ?? {}) };
      const r = rnd();
      if (r < 0.4) status.phase = pick(['Running', 'Pending', 'Succeeded']);
      else if (r < 0.55) status.conditions = (st.conditions as J[]).slice(0, 1 + Math.floor(rnd() * 5));
      else if (r < 0.7) status.containerStatuses = st.containerStatuses;
      else if (r < 0.8) delete status[pick(['podIP', 'conditions', 'qosClass', 'startTime'])];
      else status[pick(['podIP', 'hostIP', 'startTime'])] = pick(['1', '2']);
      const sub = rnd() < 0.85 ? 'status' : undefined;
      const manager = sub === undefined ? 'ctl' : rnd() < 0.8 ? 'kubelet' : 'other';
      const upd = { ...cur, metadata: { ...cur.metadata }, status } as KObject;
      if (sub === undefined) upd.metadata.labels = { ...(cur.metadata.labels as J), step: String(step % 3) } as never;
      const now = new Date(Date.UTC(2025, 0, 2, 3, 5, step));
      const before = JSON.stringify([cur, upd]);
      const out = updateManagedFields(cur, upd, manager, 'Update', sub, 'v1', { now });
      const want = updateManagedFieldsBySets(cur, upd, manager, 'Update', sub, 'v1', { now });
      assert.equal(JSON.stringify(out), JSON.stringify(want), `history ${history}, step ${step}: ${manager} ${before}`);
      assert.equal(JSON.stringify([cur, upd]), before, 'inputs unmodified');
      const mine = (cur.metadata.managedFields ?? []).find((e) => e.manager === manager && e.subresource === sub);
      if (mine && out?.some((e) => e.manager === manager && e.fieldsV1 === mine.fieldsV1)) keptTrees++;
      writes++;
      upd.metadata.managedFields = out;
      cur = upd;
    }
  }
  assert.equal(writes, 800);
  assert.ok(keptTrees > 50 && keptTrees < writes, `writer's own tree kept in ${keptTrees} writes`);
});

// A manager's identity (manager, operation, the apiVersion of an Update, subresource; what is
// empty left out) is looked up, not encoded on each write; entries of one identity are merged,
// others kept apart, also for what a request may write into an entry (a number for a name, a
// name past the table's bound).
test('updateManagedFields: manager identities, looked up', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const pod = realPod();
  const running = { ...pod, metadata: { ...pod.metadata }, status: runningStatus() } as KObject;
  const created = updateManagedFields(undefined, pod, 'kube-controller-manager', 'Update', undefined, 'v1', { now });
  const old = { ...pod, metadata: { ...pod.metadata, managedFields: created } } as KObject;
  const upd = { ...running, metadata: { ...running.metadata, managedFields: created } } as KObject;
  const stringify = JSON.stringify;
  let identities = 0;
  JSON.stringify = ((v: unknown, ...rest: []) => {
    if (isObjectLike(v) && 'manager' in v && 'subresource' in v) identities++;
    return stringify(v, ...rest);
  }) as typeof JSON.stringify;
  const isObjectLike = (v: unknown): v is object => typeof v === 'object' && v !== null;
  try {
    for (let i = 0; i < 3; i++) updateManagedFields(old, upd, 'k8ts-simulated-nodes', 'Update', 'status', 'v1', { now });
  } finally {
    JSON.stringify = stringify;
  }
  assert.ok(identities <= 2, `identities encoded ${identities} times in three writes`);

  const long = 'm'.repeat(300);
  const entry = (e: J, field: string): J => ({
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { [`f:${field}`]: {} } } },
    ...e,
  });
  const entries = [
    entry({ manager: 'a', operation: 'Update', apiVersion: 'v1' }, 'a1'),
    entry({ manager: 'a', operation: 'Update', apiVersion: 'v1', subresource: '' }, 'a2'),
    entry({ manager: 'a', operation: 'Update', apiVersion: 'v2' }, 'a3'),
    entry({ manager: 5, operation: 'Update', apiVersion: 'v1' }, 'n1'),
    entry({ manager: '5', operation: 'Update', apiVersion: 'v1' }, 'n2'),
    entry({ manager: long, operation: 'Update', apiVersion: 'v1' }, 'l1'),
    entry({ manager: long, operation: 'Update', apiVersion: 'v1' }, 'l2'),
    entry({ manager: 'ap', operation: 'Apply', apiVersion: 'v1' }, 'p1'),
    entry({ manager: 'ap', operation: 'Apply', apiVersion: 'v2' }, 'p2'),
    entry({ manager: 'ap', operation: 'Apply', apiVersion: 'v1', subresource: 'status' }, 'p3'),
  ];
  const labels = Object.fromEntries(['a1', 'a2', 'a3', 'n1', 'n2', 'l1', 'l2', 'p1', 'p2', 'p3'].map((k) => [k, 'x']));
  const before = { ...pod, metadata: { ...pod.metadata, labels, managedFields: entries as never } } as KObject;
  const after = { ...before, metadata: { ...before.metadata, labels: { ...labels, w: 'x' } } } as KObject;
  for (let round = 0; round < 2; round++) {
    const out = updateManagedFields(before, after, 'w', 'Update', undefined, 'v1', { now })!;
    const owned = out.map(
      (e) =>
        `${String(e.manager).slice(0, 5)} ${e.apiVersion} ${e.subresource ?? ''}: ${Object.keys(((e.fieldsV1 as J)['f:metadata'] as J)['f:labels'] as J).join(',')}`,
    );
    assert.deepEqual(
      owned.sort(),
      [
        '5 v1 : f:n2',
        '5 v1 : f:n1',
        'a v1 : f:a1,f:a2',
        'a v2 : f:a3',
        'ap v1 : f:p1,f:p2',
        'ap v1 status: f:p3',
        'mmmmm v1 : f:l1,f:l2',
        'w v1 : f:w',
      ].sort(),
    );
  }
});

// A stored entry is kept as it is when it is exactly what the encoder writes (canonical): a
// tree frozen throughout (the watch cache's own, carried unchanged from version to version) is
// walked for that once, not on every write; one not frozen throughout is walked every time.
test('updateManagedFields: a frozen canonical entry is checked once', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const freeze = <T>(v: T): T => {
    if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) freeze((v as J)[k]);
      Object.freeze(v);
    }
    return v;
  };
  const pod = realPod();
  const created = updateManagedFields(undefined, pod, 'kube-controller-manager', 'Update', undefined, 'v1', { now })!;
  const walks = (fieldsV1: J): { tree: J; count: () => number } => {
    let n = 0;
    const tree = new Proxy(fieldsV1, {
      ownKeys(t) {
        n++;
        return Reflect.ownKeys(t);
      },
    });
    return { tree, count: () => n };
  };
  for (const frozen of [true, false]) {
    const fieldsV1 = frozen ? freeze(structuredClone(created[0].fieldsV1 as J)) : structuredClone(created[0].fieldsV1 as J);
    if (!frozen) Object.freeze(fieldsV1); // frozen at the root only
    const w = walks(fieldsV1);
    const entry = Object.freeze({ ...created[0], fieldsV1: w.tree });
    const frozenPod = freeze(structuredClone(pod));
    const stored = Object.freeze({
      ...frozenPod,
      metadata: Object.freeze({ ...frozenPod.metadata, managedFields: Object.freeze([entry]) }),
    }) as KObject;
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const upd = { ...stored, metadata: { ...stored.metadata }, status: { ...runningStatus(), podIP: `10.0.0.${i}` } } as KObject;
      const before = w.count();
      const out = updateManagedFields(stored, upd, 'kubelet', 'Update', 'status', 'v1', { now })!;
      counts.push(w.count() - before);
      assert.ok(out.includes(entry as never), 'the entry kept as stored');
      assert.equal(
        JSON.stringify(out),
        JSON.stringify(updateManagedFieldsBySets(stored, upd, 'kubelet', 'Update', 'status', 'v1', { now })),
      );
    }
    if (frozen) assert.deepEqual(counts.slice(1), [0, 0], `walks of the frozen tree per write: ${counts}`);
    else
      assert.ok(
        counts.every((c) => c > 0),
        `walks of a tree frozen only at its root per write: ${counts}`,
      );
  }
});

// The walks leave metadata.managedFields out themselves: neither the object nor its metadata is
// copied without them for a write. A status write does not even read the metadata's keys (it
// compares status only); a create reads them once, for its walk.
test('updateManagedFields: objects walked as they are, not copied without their managedFields', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const counting = <T extends object>(o: T): { proxy: T; count: () => number } => {
    let n = 0;
    const proxy = new Proxy(o, {
      ownKeys(t) {
        n++;
        return Reflect.ownKeys(t);
      },
    });
    return { proxy, count: () => n };
  };
  const pod = realPod();
  const created = counting(pod.metadata);
  const entries = updateManagedFields(undefined, { ...pod, metadata: created.proxy }, 'rs', 'Update', undefined, 'v1', { now })!;
  assert.equal(created.count(), 1, 'a create reads the metadata keys once');
  assert.equal(
    JSON.stringify(entries),
    JSON.stringify(updateManagedFieldsBySets({} as KObject, pod, 'rs', 'Update', undefined, 'v1', { now })),
  );
  const oldMeta = counting({ ...pod.metadata, managedFields: entries });
  const newMeta = counting({ ...pod.metadata, managedFields: entries });
  const old = { ...pod, metadata: oldMeta.proxy } as KObject;
  const upd = { ...pod, metadata: newMeta.proxy, status: runningStatus() } as KObject;
  const out = updateManagedFields(old, upd, 'kubelet', 'Update', 'status', 'v1', { now });
  assert.equal(oldMeta.count() + newMeta.count(), 0, 'a status write reads no metadata keys');
  assert.equal(JSON.stringify(out), JSON.stringify(updateManagedFieldsBySets(old, upd, 'kubelet', 'Update', 'status', 'v1', { now })));
  // A main write compares the metadata, its managedFields left out.
  const relabeled = { ...upd, metadata: { ...pod.metadata, labels: { app: 'other' }, managedFields: out } } as KObject;
  const current = { ...upd, metadata: { ...pod.metadata, managedFields: out } } as KObject;
  assert.equal(
    JSON.stringify(updateManagedFields(current, relabeled, 'ctl', 'Update', undefined, 'v1', { now })),
    JSON.stringify(updateManagedFieldsBySets(current, relabeled, 'ctl', 'Update', undefined, 'v1', { now })),
  );
});

// A list's items are indexed by their path elements in a loop (no forEach callback per item),
// skipping holes as forEach did.
test('updateManagedFields: list items indexed without forEach, holes skipped', () => {
  const now = new Date('2025-01-02T03:04:05Z');
  const pod = realPod();
  const old = { ...pod, metadata: { ...pod.metadata } } as KObject;
  const upd = { ...pod, metadata: { ...pod.metadata }, status: runningStatus() } as KObject;
  const forEach = Array.prototype.forEach;
  let calls = 0;
  Array.prototype.forEach = function (this: unknown[], ...args: Parameters<typeof forEach>) {
    calls++;
    return forEach.apply(this, args);
  } as typeof forEach;
  let out: unknown;
  try {
    out = updateManagedFields(old, upd, 'kubelet', 'Update', 'status', 'v1', { now });
  } finally {
    Array.prototype.forEach = forEach;
  }
  assert.equal(calls, 0);
  assert.equal(JSON.stringify(out), JSON.stringify(updateManagedFieldsBySets(old, upd, 'kubelet', 'Update', 'status', 'v1', { now })));
  // A hole in a set list (finalizers) is no item.
  const finalizers = ['example.com/a', 'example.com/b'];
  finalizers.length = 3;
  finalizers[2] = 'example.com/c';
  delete finalizers[1];
  const holed = { ...pod, metadata: { ...pod.metadata, finalizers } } as KObject;
  const fields = updateManagedFields(undefined, holed, 'm', 'Update', undefined, 'v1', { now })![0].fieldsV1 as J;
  assert.deepEqual(Object.keys((fields['f:metadata'] as J)['f:finalizers'] as J), ['.', 'v:"example.com/a"', 'v:"example.com/c"']);
});
