// CustomResourceDefinitions on an in-process API server: a CRD becomes Established and its kind is
// served (discovery, OpenAPI, CRUD, watch, patches), objects are pruned, defaulted and validated
// by the structural schema with Kubernetes' messages, status and scale subresources, printer
// columns, name conflicts, and deleting the CRD deletes its objects before the CRD goes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../../api/object.js';
import { isApiError, RestClient } from '../../client/rest.js';
import { MemoryStore } from '../../store/memory.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import { waitFor } from '../../testing/wait.js';
import { adminUser } from '../authn/user.js';
import { ApiServer } from '../server.js';

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(async () => {
  await cp.stop();
});

const CRD = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };
const WIDGETS = { group: 'stable.example.com', version: 'v1', resource: 'widgets', namespace: 'default' };

/** A Widget (the CRD's kind) named `name` with the spec given, unchecked: the tests send bad ones too. */
function widget(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'stable.example.com/v1', kind: 'Widget', metadata: { name }, spec, ...extra } as KObject;
}

export function widgetCRD(): KObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [
            { name: 'Size', type: 'string', jsonPath: '.spec.size' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A Widget is a test kind.',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'string', enum: ['small', 'large'], description: 'How big the widget is.' },
                    replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                    color: { type: 'string', default: 'blue', maxLength: 8, pattern: '^[a-z]+$' },
                    port: { 'x-kubernetes-int-or-string': true },
                    tags: { type: 'array', maxItems: 3, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                    extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    replicas: { type: 'integer' },
                    conditions: {
                      type: 'array',
                      items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } }, required: ['type'] },
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['type'],
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

async function established(name: string): Promise<KObject> {
  let crd: KObject | undefined;
  await waitFor(
    `${name} Established`,
    async () => {
      crd = await cp.client.get({ ...CRD, name });
      const conds = (crd.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
      return conds.some((c) => c.type === 'Established' && c.status === 'True');
    },
    10_000,
  );
  return crd!;
}

test('a CRD is Established with accepted names, and its kind is discovered and served', async () => {
  const created = await cp.client.create(CRD, widgetCRD());
  assert.deepEqual((created.status as { storedVersions: string[] }).storedVersions, ['v1']);
  assert.equal((created.spec as { names: { listKind: string } }).names.listKind, 'WidgetList', 'defaulted listKind');
  const crd = await established('widgets.stable.example.com');
  const st = crd.status as {
    acceptedNames: { plural: string; kind: string };
    conditions: { type: string; status: string; reason: string }[];
  };
  assert.equal(st.acceptedNames.plural, 'widgets');
  assert.ok(st.conditions.some((c) => c.type === 'NamesAccepted' && c.status === 'True' && c.reason === 'NoConflicts'));
  const list = await cp.client.request<{ resources: { name: string; shortNames?: string[]; categories?: string[]; verbs: string[] }[] }>(
    'GET',
    '/apis/stable.example.com/v1',
  );
  const w = list.resources.find((r) => r.name === 'widgets');
  assert.deepEqual(w?.shortNames, ['wd']);
  assert.deepEqual(w?.categories, ['all']);
  assert.ok(list.resources.some((r) => r.name === 'widgets/status'));
  assert.ok(list.resources.some((r) => r.name === 'widgets/scale'));
  const groups = await cp.client.request<{ groups: { name: string }[] }>('GET', '/apis');
  assert.ok(groups.groups.some((g) => g.name === 'stable.example.com'));
  const v3 = await cp.client.request<{ components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> } }>(
    'GET',
    '/openapi/v3/apis/stable.example.com/v1',
  );
  const schema = v3.components.schemas['com.example.stable.v1.Widget'];
  assert.ok(schema.properties.spec, 'the CRD schema is in /openapi/v3');
  assert.ok(schema.properties.metadata);
});

test("objects are pruned, defaulted and validated with Kubernetes' messages", async () => {
  const w = await cp.client.create(
    WIDGETS,
    widget('w1', { size: 'small', unknown: 1, extra: { kept: true } }, { status: { replicas: 5 } }),
  );
  const spec = w.spec as Record<string, unknown>;
  assert.equal(spec.unknown, undefined, 'unknown field pruned');
  assert.deepEqual(spec.extra, { kept: true }, 'preserved subtree kept');
  assert.equal(spec.replicas, 1, 'default applied');
  assert.equal(spec.color, 'blue');
  assert.equal(w.status, undefined, "status is the status subresource's");
  assert.equal(w.metadata.generation, 1);

  const bad = widget('bad', { size: 'huge', replicas: 11, color: 'Red!', tags: ['a', 'a'], port: 1.5 });
  await assert.rejects(cp.client.create(WIDGETS, bad), (e) => {
    assert.ok(isApiError(e));
    assert.equal(e.code, 422);
    const m = e.message;
    assert.match(m, /^Widget\.stable\.example\.com "bad" is invalid: \[/);
    assert.match(m, /spec\.size: Unsupported value: "huge": supported values: "small", "large"/);
    assert.match(m, /spec\.replicas: Invalid value: 11: spec\.replicas in body should be less than or equal to 10/);
    assert.match(m, /spec\.color: Invalid value: "Red!": spec\.color in body should match '\^\[a-z\]\+\$'/);
    assert.match(m, /spec\.tags\[1\]: Duplicate value: "a"/);
    assert.match(m, /spec\.port: Invalid value: "number": spec\.port in body must be of type integer,string: "number"/);
    return true;
  });
  await assert.rejects(
    cp.client.create(WIDGETS, widget('nosize', {})),
    (e) => isApiError(e) && /spec\.size: Required value/.test(e.message),
  );
  await assert.rejects(
    cp.client.create(WIDGETS, widget('typed', { size: 'small', replicas: 'three' })),
    (e) =>
      isApiError(e) && /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/.test(e.message),
  );
});

test('status and scale subresources, patches, and the printer columns', async () => {
  const ref = { ...WIDGETS, name: 'w1' };
  const cur = await cp.client.get(ref);
  await cp.client.update({ ...ref, subresource: 'status' }, {
    ...cur,
    spec: { size: 'large' },
    status: { replicas: 2, conditions: [{ type: 'Ready', status: 'True' }] },
  } as KObject);
  const afterStatus = await cp.client.get(ref);
  assert.equal((afterStatus.spec as { size: string }).size, 'small', '/status leaves the spec');
  assert.equal((afterStatus.status as { replicas: number }).replicas, 2);

  const merged = await cp.client.patch(ref, { spec: { replicas: 3 } }, 'merge');
  assert.equal(merged.metadata.generation, 2);
  await assert.rejects(cp.client.patch(ref, { spec: { replicas: 4 } }, 'strategic'), (e) => isApiError(e) && e.code === 415);
  const scale = await cp.client.request<{ spec: { replicas: number }; status: { replicas: number } }>(
    'GET',
    '/apis/stable.example.com/v1/namespaces/default/widgets/w1/scale',
  );
  assert.deepEqual([scale.spec.replicas, scale.status.replicas], [3, 2]);

  const res = await cp.client.requestRaw({
    method: 'GET',
    path: '/apis/stable.example.com/v1/namespaces/default/widgets',
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
  });
  const table = JSON.parse(res.body.toString('utf8')) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  assert.deepEqual(
    table.columnDefinitions.map((c) => c.name),
    ['Name', 'Size', 'Replicas', 'Ready'],
  );
  assert.deepEqual(table.rows[0].cells, ['w1', 'small', 3, 'True']);
});

test('a second CRD asking for a name in use is not accepted', async () => {
  const other = widgetCRD();
  other.metadata.name = 'gadgets.stable.example.com';
  const spec = other.spec as { names: Record<string, unknown> };
  spec.names = { plural: 'gadgets', kind: 'Gadget', shortNames: ['wd'] };
  await cp.client.create(CRD, other);
  await waitFor(
    'ShortNamesConflict',
    async () => {
      const c = await cp.client.get({ ...CRD, name: 'gadgets.stable.example.com' });
      const conds = (c.status as { conditions?: { type: string; status: string; reason: string; message: string }[] })?.conditions ?? [];
      return conds.some(
        (x) =>
          x.type === 'NamesAccepted' && x.status === 'False' && x.reason === 'ShortNamesConflict' && x.message === '"wd" is already in use',
      );
    },
    10_000,
  );
  await cp.client.delete({ ...CRD, name: 'gadgets.stable.example.com' });
});

test('deleting the CRD deletes its objects, then stops serving the kind', async () => {
  await cp.client.create(WIDGETS, widget('w2', { size: 'large' }));
  await cp.client.delete({ ...CRD, name: 'widgets.stable.example.com' });
  await waitFor(
    'CRD gone',
    async () => {
      try {
        await cp.client.get({ ...CRD, name: 'widgets.stable.example.com' });
        return false;
      } catch (e) {
        return isApiError(e) && e.code === 404;
      }
    },
    15_000,
  );
  await assert.rejects(cp.client.list(WIDGETS), (e) => isApiError(e) && e.code === 404);
  const left = await cp.api.store.range('/registry/stable.example.com/widgets/', { countOnly: true });
  assert.equal(left.count, 0, 'no custom object is left in the store');
});

const GEARS = { group: 'mech.example.com', resource: 'gears' };

test('served versions with conversion None: one storage version, apiVersion follows the request; Webhook is refused', async () => {
  const crd: KObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gears.mech.example.com' },
    spec: {
      group: 'mech.example.com',
      scope: 'Cluster',
      names: { plural: 'gears', kind: 'Gear' },
      versions: ['v1beta1', 'v1'].map((name) => ({
        name,
        served: true,
        storage: name === 'v1',
        selectableFields: [{ jsonPath: '.spec.teeth' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                'x-kubernetes-validations': [{ rule: 'self.teeth % 2 == 0', message: 'teeth must be even' }],
                properties: {
                  teeth: { type: 'integer' },
                  rings: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['name'],
                    items: {
                      type: 'object',
                      required: ['name'],
                      properties: { name: { type: 'string' }, size: { type: 'integer' }, color: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        },
      })),
    },
  };
  const webhook = JSON.parse(JSON.stringify(crd)) as KObject;
  (webhook.spec as Record<string, unknown>).conversion = {
    strategy: 'Webhook',
    webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://example.com/convert' } },
  };
  await assert.rejects(
    cp.client.create(CRD, webhook),
    (e) =>
      isApiError(e) &&
      e.code === 422 &&
      /spec\.conversion\.strategy: Unsupported value: "Webhook": supported values: "None"/.test(e.message),
  );
  await cp.client.create(CRD, crd);
  await established('gears.mech.example.com');
  const made = await cp.client.create({ ...GEARS, version: 'v1beta1' }, {
    apiVersion: 'mech.example.com/v1beta1',
    kind: 'Gear',
    metadata: { name: 'g1' },
    spec: { teeth: 12 },
  } as KObject);
  assert.equal(made.apiVersion, 'mech.example.com/v1beta1');
  assert.equal(made.metadata.namespace, undefined, 'cluster-scoped');
  const stored = await cp.api.store.get('/registry/mech.example.com/gears/g1');
  assert.equal(JSON.parse(stored!.value).apiVersion, 'mech.example.com/v1', 'stored under the storage version');
  assert.equal((await cp.client.get({ ...GEARS, version: 'v1', name: 'g1' })).apiVersion, 'mech.example.com/v1');
  assert.equal((await cp.client.get({ ...GEARS, version: 'v1beta1', name: 'g1' })).apiVersion, 'mech.example.com/v1beta1');
  // Preferred version first in discovery.
  const group = await cp.client.request<{ preferredVersion: { version: string }; versions: { version: string }[] }>(
    'GET',
    '/apis/mech.example.com',
  );
  assert.deepEqual([group.preferredVersion.version, ...group.versions.map((v) => v.version)], ['v1', 'v1', 'v1beta1']);
  // CEL rules.
  await assert.rejects(
    cp.client.create({ ...GEARS, version: 'v1' }, {
      apiVersion: 'mech.example.com/v1',
      kind: 'Gear',
      metadata: { name: 'odd' },
      spec: { teeth: 7 },
    } as KObject),
    (e) => isApiError(e) && e.message === 'Gear.mech.example.com "odd" is invalid: spec: Invalid value: "object": teeth must be even',
  );
});

test('server-side apply merges list-map entries by key; field selectors on metadata.name; watch sees custom objects', async () => {
  const ref = { ...GEARS, version: 'v1', name: 'g2' };
  const stream = await cp.client.watch({ ...GEARS, version: 'v1' }, { fieldSelector: 'metadata.name=g2' });
  const seen: string[] = [];
  const done = (async () => {
    for await (const ev of stream) {
      seen.push(`${ev.type} ${ev.object.metadata.name}`);
      if (seen.length === 3) break;
    }
  })();
  const apply = (manager: string, body: unknown) =>
    cp.client.request<KObject>(
      'PATCH',
      `/apis/mech.example.com/v1/gears/g2`,
      { fieldManager: manager },
      body,
      'application/apply-patch+yaml',
    );
  await apply('alice', {
    apiVersion: 'mech.example.com/v1',
    kind: 'Gear',
    metadata: { name: 'g2' },
    spec: { teeth: 10, rings: [{ name: 'a', size: 1 }] },
  });
  const merged = await apply('bob', {
    apiVersion: 'mech.example.com/v1',
    kind: 'Gear',
    metadata: { name: 'g2' },
    spec: { rings: [{ name: 'b', size: 2 }] },
  });
  assert.deepEqual(
    (merged.spec as { rings: unknown[] }).rings,
    [
      { name: 'a', size: 1 },
      { name: 'b', size: 2 },
    ],
    'entries of two managers kept by key',
  );
  assert.deepEqual(merged.metadata.managedFields?.map((m) => m.manager).sort(), ['alice', 'bob']);
  await assert.rejects(
    apply('carol', { apiVersion: 'mech.example.com/v1', kind: 'Gear', metadata: { name: 'g2' }, spec: { teeth: 12 } }),
    (e) => isApiError(e) && e.code === 409,
  );
  const byName = await cp.client.list({ ...GEARS, version: 'v1' }, { fieldSelector: 'metadata.name=g2' });
  assert.deepEqual(
    byName.items.map((o) => o.metadata.name),
    ['g2'],
  );
  const byTeeth = await cp.client.list({ ...GEARS, version: 'v1' }, { fieldSelector: 'spec.teeth=10' });
  assert.deepEqual(
    byTeeth.items.map((o) => o.metadata.name),
    ['g2'],
    'selectableFields',
  );
  await assert.rejects(
    cp.client.list({ ...GEARS, version: 'v1' }, { fieldSelector: 'spec.rings=x' }),
    (e) => isApiError(e) && e.code === 400 && /field label not supported: spec\.rings/.test(e.message),
  );
  await cp.client.delete(ref);
  await done;
  stream.stop();
  assert.deepEqual(seen, ['ADDED g2', 'MODIFIED g2', 'DELETED g2']);
});

test('aggregated discovery lists custom resources with their scope, short names and subresources', async () => {
  const res = await cp.client.requestRaw({
    method: 'GET',
    path: '/apis',
    accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  });
  const list = JSON.parse(res.body.toString('utf8')) as {
    items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; scope: string }[] }[] }[];
  };
  const g = list.items.find((i) => i.metadata.name === 'mech.example.com');
  assert.deepEqual(
    g?.versions.map((v) => v.version),
    ['v1', 'v1beta1'],
  );
  assert.equal(g?.versions[0].resources[0].scope, 'Cluster');
});

test('a CRD update is served at once: new schema fields with defaults (applied on read too), deprecation warnings', async () => {
  const cur = await cp.client.get({ ...CRD, name: 'gears.mech.example.com' });
  const spec = cur.spec as {
    versions: {
      name: string;
      deprecated?: boolean;
      schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } };
    }[];
  };
  for (const v of spec.versions) {
    v.schema.openAPIV3Schema.properties.spec.properties.material = { type: 'string', default: 'steel' };
    if (v.name === 'v1beta1') v.deprecated = true;
  }
  const updated = await cp.client.update({ ...CRD, name: 'gears.mech.example.com' }, cur);
  assert.equal(updated.metadata.generation, 2);
  await waitFor(
    'material served',
    async () => ((await cp.client.get({ ...GEARS, version: 'v1', name: 'g1' })).spec as { material?: string }).material === 'steel',
    10_000,
  );
  const res = await cp.client.requestRaw({ method: 'GET', path: '/apis/mech.example.com/v1beta1/gears/g1' });
  assert.equal(res.headers.warning, '299 - "mech.example.com/v1beta1 Gear is deprecated; use mech.example.com/v1 Gear"');
  const stored = JSON.parse((await cp.api.store.get('/registry/mech.example.com/gears/g1'))!.value);
  assert.equal(stored.spec.material, undefined, 'defaulted on read, not rewritten');
});

test('a restarted API server serves the established CRDs of its store before it is ready', async () => {
  const store = new MemoryStore();
  const start = async () => {
    const api = new ApiServer({ store, tokens: new Map([['restart-token', adminUser('test-admin')]]), advertiseAddress: '10.0.0.1' });
    const client = new RestClient({ server: await api.start(0, '127.0.0.1'), token: 'restart-token' });
    return {
      api,
      client,
      async stop() {
        client.close();
        await api.stop();
      },
    };
  };
  const first = await start();
  try {
    const crd = widgetCRD();
    await first.client.create(CRD, crd);
    await waitFor('widgets served', async () => (await first.client.list(WIDGETS)).items.length === 0, 10_000);
    await first.client.create(WIDGETS, widget('kept', { size: 'large' }));
  } finally {
    await first.stop();
  }
  const second = await start();
  try {
    // No wait: ready means the custom resources are served.
    const w = await second.client.get({ ...WIDGETS, name: 'kept' });
    assert.equal((w.spec as { size: string }).size, 'large');
  } finally {
    await second.stop();
    await store.close();
  }
});

test('custom resources take no protobuf bodies (415), as kube-apiserver', async () => {
  const res = await cp.client.requestRaw({
    method: 'POST',
    path: '/apis/mech.example.com/v1/gears',
    body: 'k8s\0\n\x0bwhatever',
    contentType: 'application/vnd.kubernetes.protobuf',
  });
  assert.equal(res.statusCode, 415);
  assert.match(res.body.toString('utf8'), /accepted media types include: application\/json, application\/yaml/);
});

/** A small deterministic generator: hostile JSON values, and schemas that are mostly structural with hostile details. */
function junk(seed: number): { value: () => unknown; schema: () => unknown } {
  let x = seed >>> 0;
  const rnd = () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const keys = [
    'type',
    'properties',
    'items',
    'metadata',
    'spec',
    'status',
    'a',
    'b',
    'list',
    '__proto__',
    'constructor',
    'x-y',
    'replicas',
  ];
  const value = (depth = 0): unknown => {
    const r = rnd();
    if (depth > 4 || r < 0.25) return pick([null, true, 0, -1, 1.5, 2 ** 40, '', 'x', '(', 'a'.repeat(300)]);
    if (r < 0.45) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < 1 + Math.floor(rnd() * 4); i++) o[pick(keys)] = value(depth + 1);
    return o;
  };
  const schema = (depth = 0): unknown => {
    const t =
      depth > 3
        ? pick(['string', 'integer', 'boolean', 'number'])
        : pick(['object', 'object', 'array', 'string', 'integer', 'number', 'boolean', 'int-or-string', 'preserve']);
    const s: Record<string, unknown> =
      t === 'int-or-string'
        ? { 'x-kubernetes-int-or-string': true }
        : t === 'preserve'
          ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
          : { type: t };
    if (t === 'object') {
      if (rnd() < 0.2) s.additionalProperties = schema(depth + 1);
      else s.properties = Object.fromEntries(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => [pick(keys), schema(depth + 1)]));
      if (rnd() < 0.3) s.required = [pick(keys)];
      if (rnd() < 0.2) s.maxProperties = Math.floor(rnd() * 3);
    }
    if (t === 'array') {
      s.items = schema(depth + 1);
      if (rnd() < 0.3) {
        s['x-kubernetes-list-type'] = pick(['set', 'map', 'atomic', 'bogus']);
        if (s['x-kubernetes-list-type'] === 'map') s['x-kubernetes-list-map-keys'] = [pick(keys)];
      }
      if (rnd() < 0.3) s.maxItems = Math.floor(rnd() * 3);
    }
    if (t === 'string') {
      if (rnd() < 0.3) s.pattern = pick(['^[a-z]+$', '(', '^(a+)+$', '\\d', '[[:alpha:]]']);
      if (rnd() < 0.3) s.enum = [pick(['x', 'y', 1, null])];
      if (rnd() < 0.2) s.format = pick(['email', 'date-time', 'uuid', 'nonsense']);
      if (rnd() < 0.2) s.maxLength = Math.floor(rnd() * 5);
    }
    if (t === 'integer' || t === 'number') {
      if (rnd() < 0.3) s.minimum = pick([0, 1, -5]);
      if (rnd() < 0.3) s.maximum = pick([3, 10]);
    }
    if (rnd() < 0.2) s.default = value(3);
    if (rnd() < 0.15)
      s['x-kubernetes-validations'] = [
        {
          rule: pick(['self == self', 'size(self) < 3', 'self.a > 1', 'self.all(x, x != "")', 'self ==', 'has(self.b)', 'oldSelf == self']),
        },
      ];
    if (rnd() < 0.05) s.nullable = true;
    if (rnd() < 0.05) s[pick(['bogusKey', 'items', 'properties', 'not'])] = value(3);
    return s;
  };
  return { value, schema };
}

test('hostile CRDs and custom objects get Status answers, never a 500, and the server keeps serving', async () => {
  const gen = junk(Number(process.env.K8TS_CRD_FUZZ_SEED ?? 17));
  const codes = new Map<number, number>();
  let objects = 0;
  for (let i = 0; i < 60; i++) {
    const schema = { type: 'object', properties: { spec: gen.schema(), status: gen.schema() } };
    const body = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `f${i}s.fuzz.example.com` },
      spec: {
        group: 'fuzz.example.com',
        scope: i % 2 ? 'Cluster' : 'Namespaced',
        names: { plural: `f${i}s`, kind: `F${i}` },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources:
              i % 3 ? { status: {} } : { scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
            additionalPrinterColumns: [{ name: 'C', type: 'string', jsonPath: i % 4 ? '.spec.a' : '.spec.list[*].b' }],
            schema: { openAPIV3Schema: schema },
          },
        ],
      },
    };
    const res = await cp.client.requestRaw({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: JSON.stringify(body),
      contentType: 'application/json',
    });
    codes.set(res.statusCode, (codes.get(res.statusCode) ?? 0) + 1);
    assert.ok(res.statusCode < 500, `CRD ${i}: ${res.statusCode} ${res.body.toString('utf8').slice(0, 300)}`);
    if (res.statusCode !== 201) continue;
    const path = `/apis/fuzz.example.com/v1/${i % 2 ? '' : 'namespaces/default/'}f${i}s`;
    await waitFor(`f${i}s served`, async () => (await cp.client.requestRaw({ method: 'GET', path })).statusCode === 200, 10_000);
    for (let j = 0; j < 6; j++) {
      const obj = { apiVersion: 'fuzz.example.com/v1', kind: `F${i}`, metadata: { name: `o${j}` }, spec: gen.value(), status: gen.value() };
      const r = await cp.client.requestRaw({ method: 'POST', path, body: JSON.stringify(obj), contentType: 'application/json' });
      if (r.statusCode === 201) objects++;
      assert.ok(r.statusCode < 500, `object ${i}/${j}: ${r.statusCode} ${r.body.toString('utf8').slice(0, 300)}`);
      const patch = await cp.client.requestRaw({
        method: 'PATCH',
        path: `${path}/o${j}`,
        body: JSON.stringify({ spec: gen.value() }),
        contentType: 'application/merge-patch+json',
      });
      assert.ok(patch.statusCode < 500, `patch ${i}/${j}: ${patch.statusCode} ${patch.body.toString('utf8').slice(0, 300)}`);
      const apply = await cp.client.requestRaw({
        method: 'PATCH',
        path: `${path}/a${j}?fieldManager=fuzz`,
        body: JSON.stringify({ ...obj, metadata: { name: `a${j}` } }),
        contentType: 'application/apply-patch+yaml',
      });
      assert.ok(apply.statusCode < 500, `apply ${i}/${j}: ${apply.statusCode} ${apply.body.toString('utf8').slice(0, 300)}`);
      const t = await cp.client.requestRaw({ method: 'GET', path, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
      assert.ok(t.statusCode < 500, `table ${i}: ${t.statusCode} ${t.body.toString('utf8').slice(0, 300)}`);
    }
    const v3 = await cp.client.requestRaw({ method: 'GET', path: '/openapi/v3/apis/fuzz.example.com/v1' });
    assert.ok(v3.statusCode < 500);
    await cp.client.delete({ ...CRD, name: `f${i}s.fuzz.example.com` });
  }
  assert.ok(
    (codes.get(201) ?? 0) > 5 && (codes.get(422) ?? 0) > 5 && objects > 5,
    `accepted and refused CRDs and objects: ${JSON.stringify([...codes])}, ${objects} objects`,
  );
  const v2 = await cp.client.requestRaw({
    method: 'GET',
    path: '/openapi/v2',
    accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
  });
  assert.equal(v2.statusCode, 200);
});

test('a CRD shaped as controller-gen writes them is accepted and serves objects', async () => {
  const secretKey = {
    description: 'Selects a key of a Secret.',
    type: 'object',
    required: ['key'],
    'x-kubernetes-map-type': 'atomic',
    properties: { key: { type: 'string' }, name: { type: 'string', default: '' }, optional: { type: 'boolean' } },
  };
  const crd: KObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'scrapers.monitoring.example.com', annotations: { 'controller-gen.kubebuilder.io/version': 'v0.18.0' } },
    spec: {
      group: 'monitoring.example.com',
      scope: 'Namespaced',
      names: {
        plural: 'scrapers',
        singular: 'scraper',
        kind: 'Scraper',
        listKind: 'ScraperList',
        shortNames: ['scr'],
        categories: ['monitoring'],
      },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              description: 'Scraper says what to scrape.\nOn several lines.',
              type: 'object',
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion' },
                kind: { type: 'string', description: 'Kind' },
                metadata: { type: 'object' },
                spec: {
                  type: 'object',
                  required: ['endpoints'],
                  properties: {
                    bodySizeLimit: { type: 'string', pattern: '(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$' },
                    interval: {
                      type: 'string',
                      pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
                    },
                    port: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
                    limits: {
                      type: 'object',
                      additionalProperties: {
                        anyOf: [{ type: 'integer' }, { type: 'string' }],
                        pattern:
                          '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
                        'x-kubernetes-int-or-string': true,
                      },
                    },
                    headers: {
                      type: 'object',
                      additionalProperties: { type: 'array', items: secretKey },
                      'x-kubernetes-map-type': 'atomic',
                    },
                    endpoints: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          action: { type: 'string', default: 'replace', enum: ['replace', 'Replace', 'keep', 'Keep'] },
                          modulus: { type: 'integer', format: 'int64' },
                          bearerTokenSecret: secretKey,
                          sourceLabels: { type: 'array', items: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' } },
                          template: {
                            type: 'object',
                            'x-kubernetes-embedded-resource': true,
                            'x-kubernetes-preserve-unknown-fields': true,
                          },
                        },
                      },
                    },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    conditions: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['type'],
                      items: {
                        type: 'object',
                        required: ['type', 'status'],
                        properties: {
                          type: { type: 'string' },
                          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                          lastTransitionTime: { type: 'string', format: 'date-time' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          subresources: { status: {} },
        },
      ],
    },
  };
  await cp.client.create(CRD, crd);
  await established('scrapers.monitoring.example.com');
  const ref = { group: 'monitoring.example.com', version: 'v1', resource: 'scrapers', namespace: 'default' };
  const made = await cp.client.create(ref, {
    apiVersion: 'monitoring.example.com/v1',
    kind: 'Scraper',
    metadata: { name: 's1' },
    spec: {
      bodySizeLimit: '10MiB',
      interval: '30s',
      port: 'metrics',
      limits: { cpu: '500m', memory: 1024 },
      headers: { auth: [{ key: 'token' }] },
      endpoints: [
        {
          modulus: 3,
          bearerTokenSecret: { key: 'k' },
          sourceLabels: ['job'],
          template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { anything: 1 } },
          extra: true,
        },
      ],
    },
  } as KObject);
  const ep = (made.spec as { endpoints: Record<string, unknown>[] }).endpoints[0];
  assert.equal(ep.action, 'replace', 'default inside a list item');
  assert.deepEqual(ep.bearerTokenSecret, { key: 'k', name: '' }, 'default inside an atomic map');
  assert.equal(ep.extra, undefined, 'pruned inside a list item');
  assert.deepEqual((ep.template as { spec: unknown }).spec, { anything: 1 }, 'embedded resource preserved');
  await assert.rejects(
    cp.client.create(ref, {
      apiVersion: 'monitoring.example.com/v1',
      kind: 'Scraper',
      metadata: { name: 's2' },
      spec: { interval: '30 seconds', endpoints: [{ template: { metadata: {} } }] },
    } as KObject),
    (e) => {
      assert.ok(isApiError(e) && e.code === 422);
      assert.match(e.message, /spec\.interval: Invalid value: "30 seconds": spec\.interval in body should match/);
      assert.match(e.message, /spec\.endpoints\[0\]\.template\.apiVersion: Required value: must not be empty/);
      assert.match(e.message, /spec\.endpoints\[0\]\.template\.kind: Required value: must not be empty/);
      return true;
    },
  );
  const explainDoc = await cp.client.request<{ components: { schemas: Record<string, { description?: string }> } }>(
    'GET',
    '/openapi/v3/apis/monitoring.example.com/v1',
  );
  assert.equal(
    explainDoc.components.schemas['com.example.monitoring.v1.Scraper'].description,
    'Scraper says what to scrape.\nOn several lines.',
  );
});
