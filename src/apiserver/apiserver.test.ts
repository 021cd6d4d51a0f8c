// API semantics on an in-process server: paging, resourceVersion, 410 after compaction,
// watch from a revision, selectors entering and leaving a watch, dryRun, generateName.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/object.js';
import * as v1 from '../api/types.js';
import { isApiError, RestClient } from '../client/rest.js';
import { MemoryStore } from '../store/memory.js';
import { apiRequest } from '../testing/apirequest.js';
import { createNamespace, startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { podManifest } from '../testing/pods.js';
import { adminUser } from './authn/user.js';
import { requestTotal } from './metrics.js';
import { ApiServer } from './server.js';

let cp: TestControlPlane;
const CM = { ...v1.CONFIGMAPS, namespace: 'default' };
before(async () => {
  cp = await startTestControlPlane();
});
after(async () => {
  await cp.stop();
});

test('limit/continue pages over one snapshot, with remainingItemCount', async () => {
  for (let i = 0; i < 7; i++)
    await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `page-${i}`, labels: { set: 'paging' } } });
  const first = await cp.client.list(CM, { limit: 3, labelSelector: 'set=paging' });
  assert.equal(first.items.length, 3);
  assert.ok(first.metadata.continue);
  // A write between pages does not show up: pages read one revision.
  await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'page-x', labels: { set: 'paging' } } });
  const second = await cp.client.list(CM, { limit: 3, labelSelector: 'set=paging', continue: first.metadata.continue });
  const third = await cp.client.list(CM, { limit: 3, labelSelector: 'set=paging', continue: second.metadata.continue });
  const names = [...first.items, ...second.items, ...third.items].map((o) => o.metadata.name);
  assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
  assert.equal(third.metadata.continue, undefined);
  const unfiltered = await cp.client.list(CM, { limit: 2 });
  assert.equal(typeof unfiltered.metadata.remainingItemCount, 'number');
});

test('Exact resourceVersion reads the past; compacted revisions are 410 Expired', async () => {
  const a = await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'past' }, data: { v: '1' } });
  await cp.client.update({ ...CM, name: 'past' }, { ...a, data: { v: '2' } });
  const old = await cp.client.list(CM, { resourceVersion: a.metadata.resourceVersion, resourceVersionMatch: 'Exact' });
  assert.equal((old.items.find((o) => o.metadata.name === 'past') as KObject & { data: { v: string } }).data.v, '1');
  await cp.api.store.compact(await cp.api.store.currentRevision());
  await assert.rejects(
    cp.client.list(CM, { resourceVersion: a.metadata.resourceVersion, resourceVersionMatch: 'Exact' }),
    (e) => isApiError(e) && e.code === 410 && e.reason === 'Expired',
  );
});

test('watch from a resourceVersion, with selector transitions as ADDED/DELETED', async () => {
  const start = await cp.client.list(CM, { limit: 1 });
  const stream = await cp.client.watch(CM, { resourceVersion: start.metadata.resourceVersion, labelSelector: 'tier=web' });
  const seen: string[] = [];
  const done = (async () => {
    for await (const ev of stream) {
      seen.push(`${ev.type} ${ev.object.metadata.name}`);
      if (seen.length === 3) break;
    }
  })();
  const o = await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sel', labels: { tier: 'db' } } });
  await cp.client.patch({ ...CM, name: 'sel' }, { metadata: { labels: { tier: 'web' } } }, 'merge');
  await cp.client.patch({ ...CM, name: 'sel' }, { data: { k: 'v' } }, 'merge');
  await cp.client.patch({ ...CM, name: 'sel' }, { metadata: { labels: { tier: 'db' } } }, 'merge');
  await cp.client.delete({ ...CM, name: 'sel' });
  await done;
  stream.stop();
  // Created outside the selector: nothing; labelled into it: ADDED; out again: DELETED.
  assert.deepEqual(seen, ['ADDED sel', 'MODIFIED sel', 'DELETED sel']);
  assert.equal(o.metadata.name, 'sel');
});

test('a GET is a consistent read answered from the watch cache, the store read only for what the cache lacks', async () => {
  const created = await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fresh' }, data: { v: 'api' } });
  const key = '/registry/configmaps/default/fresh';
  const store = cp.api.store;
  const reads: string[] = [];
  const get = store.get.bind(store);
  store.get = (k: string) => {
    reads.push(k);
    return get(k);
  };
  try {
    // A write straight to the store, under the API: the next GET has it (no stale cache answer).
    const stored = JSON.parse((await get(key))!.value) as KObject & { data: Record<string, string> };
    const kv = await store.update(key, JSON.stringify({ ...stored, data: { v: 'store' } }), Number(created.metadata.resourceVersion));
    // The newest write is elsewhere: the cache is still current at the store's revision.
    await cp.client.create({ ...CM, resource: 'secrets' }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'elsewhere' } });
    const got = (await cp.client.get({ ...CM, name: 'fresh' })) as KObject & { data: Record<string, string> };
    assert.deepEqual(got.data, { v: 'store' });
    assert.equal(got.metadata.resourceVersion, String(kv.modRevision));
    assert.deepEqual(
      reads.filter((k) => k.startsWith('/registry/configmaps/')),
      [],
      'served from the watch cache',
    );
    // What the cache lacks is read from the store: still a 404.
    await assert.rejects(cp.client.get({ ...CM, name: 'never-made' }), (e) => isApiError(e) && e.code === 404);
    assert.ok(reads.includes('/registry/configmaps/default/never-made'));
  } finally {
    store.get = get;
  }
});

test('dryRun stores nothing; generateName makes a name', async () => {
  const d = await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } }, { dryRun: true });
  assert.equal(d.metadata.name, 'dry');
  await assert.rejects(cp.client.get({ ...CM, name: 'dry' }), (e) => isApiError(e) && e.code === 404);
  const g = await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
  assert.match(g.metadata.name!, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

// kubectl delete --dry-run=server sends dryRun in the DeleteOptions body only, not in the query:
// that delete used to really delete (redteam, session 10). Also a collection delete, and a bad value.
test('a DELETE whose DeleteOptions body says dryRun deletes nothing', async () => {
  for (const name of ['kept', 'kept-2'])
    await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { set: 'dry-delete' } } });
  const body = JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'], propagationPolicy: 'Background' });
  const headers = { 'Content-Type': 'application/json' };
  const one = await apiRequest(cp.url, cp.token, { method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/kept', headers, body });
  assert.equal(one.status, 200, one.text);
  const all = await apiRequest(cp.url, cp.token, {
    method: 'DELETE',
    path: '/api/v1/namespaces/default/configmaps?labelSelector=set%3Ddry-delete',
    headers,
    body,
  });
  assert.equal(all.status, 200, all.text);
  assert.equal(JSON.parse(all.text).items.length, 2);
  assert.deepEqual((await cp.client.list(CM, { labelSelector: 'set=dry-delete' })).items.map((o) => o.metadata.name).sort(), [
    'kept',
    'kept-2',
  ]);
  const bad = await apiRequest(cp.url, cp.token, {
    method: 'DELETE',
    path: '/api/v1/namespaces/default/configmaps/kept',
    headers,
    body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['Some'] }),
  });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(JSON.parse(bad.text).message, 'dryRun: Unsupported value: ["Some"]: supported values: "All"');
  assert.equal((await cp.client.get({ ...CM, name: 'kept' })).metadata.name, 'kept');
  // kubectl drain --dry-run=server: an Eviction whose deleteOptions alone say dryRun (it was refused as "non-matching").
  await cp.client.create({ ...v1.PODS, namespace: 'default' }, podManifest('evict-dry'));
  const eviction = await apiRequest(cp.url, cp.token, {
    method: 'POST',
    path: '/api/v1/namespaces/default/pods/evict-dry/eviction',
    headers,
    body: JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'evict-dry', namespace: 'default' },
      deleteOptions: { dryRun: ['All'] },
    }),
  });
  assert.equal(eviction.status, 201, eviction.text);
  const pod = await cp.client.get({ ...v1.PODS, namespace: 'default', name: 'evict-dry' });
  assert.equal(pod.metadata.deletionTimestamp, undefined);
});

test('apiserver_request_total counts a dry-run create under dry_run="All" and a real one under dry_run=""', async () => {
  const count = async (dryRun: string) => {
    const m = (await requestTotal.get()).values.find(
      (v) =>
        v.labels.verb === 'POST' &&
        v.labels.resource === 'configmaps' &&
        v.labels.scope === 'namespace' &&
        v.labels.code === '201' &&
        v.labels.dry_run === dryRun,
    );
    return m?.value ?? 0;
  };
  const [dry0, real0] = [await count('All'), await count('')];
  await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted-dry' } }, { dryRun: true });
  await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted' } });
  await cp.client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted-2' } });
  assert.equal((await count('All')) - dry0, 1);
  // Controllers of the control plane create ConfigMaps too (kube-root-ca.crt): at least these two.
  assert.ok((await count('')) - real0 >= 2);
});

test("the watch caches keep a ConfigMap's and a Secret's data as their own (not interned), and share what pods repeat", async () => {
  const SECRET = { ...CM, resource: 'secrets' };
  for (const [ref, kind] of [
    [CM, 'ConfigMap'],
    [SECRET, 'Secret'],
  ] as const) {
    const reg = cp.api.registry('', ref.resource)!;
    // managedFields carry the write's second: two creates that straddle one cannot share them,
    // so a pair made across the edge of a second is made again (at most three pairs).
    let a!: KObject & { data: object };
    let b!: KObject & { data: object };
    for (let attempt = 0; attempt < 3; attempt++) {
      const names = [`own-data-a${attempt}`, `own-data-b${attempt}`];
      for (const name of names)
        await cp.client.create(ref, { apiVersion: 'v1', kind, metadata: { name }, data: { k: kind === 'Secret' ? 'dmFsdWU=' : 'value' } });
      [a, b] = names.map((n) => reg.cache.get(`${reg.prefix('default')}${n}`) as KObject & { data: object });
      const second = (o: KObject) => o.metadata.managedFields?.[0]?.time;
      if (second(a) === second(b)) break;
    }
    assert.deepEqual(a.data, b.data);
    assert.notEqual(a.data, b.data, `${kind} data is each object's own`);
    assert.equal(a.metadata.managedFields, b.metadata.managedFields, `${kind} managedFields shared`);
  }
});

test("a create's 201 over HTTP is byte for byte what a GET of the object answers (the stored text with its resourceVersion), pretty and warned alike", async () => {
  const objects: [string, Record<string, unknown>][] = [
    ['configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bytes-cm', labels: { a: 'b' } }, data: { k: 'v\u2028"' } }],
    ['secrets', { kind: 'Secret', metadata: { name: 'bytes-secret', annotations: {} }, stringData: { p: 'q' } }],
    ['pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bytes-pod' }, spec: { containers: [{ name: 'c', image: 'pause' }] } }],
    // A strategy with work after the write (cluster IP allocation): encoded as before.
    ['services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bytes-svc' }, spec: { ports: [{ port: 80 }] } }],
    // generateName, and a field the server drops with a warning.
    ['configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'bytes-gen-' }, unknownField: 1 }],
  ];
  for (const [resource, body] of objects) {
    for (const pretty of [false, true]) {
      const o = structuredClone(body);
      const meta = o.metadata as { name?: string };
      if (pretty && meta.name) meta.name = `${meta.name}-pretty`;
      const path = `/api/v1/namespaces/default/${resource}`;
      const created = await apiRequest(cp.url, cp.token, {
        method: 'POST',
        path: `${path}?fieldValidation=Warn${pretty ? '&pretty=true' : ''}`,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(o),
      });
      assert.equal(created.status, 201, created.text);
      if (resource === 'configmaps' && meta.name === undefined) assert.match(String(created.headers.warning), /unknown field/);
      const name = (JSON.parse(created.text) as KObject).metadata.name!;
      const got = await apiRequest(cp.url, cp.token, { path: `${path}/${name}${pretty ? '?pretty=true' : ''}` });
      assert.equal(got.status, 200);
      assert.equal(created.text, got.text, `${resource} ${name}`);
      assert.equal(created.headers['content-length'], String(Buffer.byteLength(created.text)));
    }
  }
});

test('services get cluster IPs and node ports; conflicts are refused', async () => {
  const SVC = { group: '', version: 'v1', resource: 'services', namespace: 'default' };
  const s = (await cp.client.create(SVC, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'np' },
    spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80, nodePort: 30080 }] },
  })) as KObject & { spec: { clusterIP: string; ports: { nodePort: number; targetPort: number }[] } };
  assert.match(s.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./);
  assert.equal(s.spec.ports[0].nodePort, 30080);
  assert.equal(s.spec.ports[0].targetPort, 80);
  await assert.rejects(
    cp.client.create(SVC, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'np2' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
    }),
    (e) => isApiError(e) && e.code === 422 && /provided port is already allocated/.test(e.message),
  );
  await assert.rejects(
    cp.client.create(SVC, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ip2' },
      spec: { clusterIP: s.spec.clusterIP, ports: [{ port: 80 }] },
    }),
    (e) => isApiError(e) && e.code === 422 && /already allocated/.test(e.message),
  );
  await cp.client.delete({ ...SVC, name: 'np' });
  // Released: the port can be taken again.
  const again = await cp.client.create(SVC, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'np3' },
    spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
  });
  assert.equal((again as KObject & { spec: { ports: { nodePort: number }[] } }).spec.ports[0].nodePort, 30080);
});

test('events expire after their TTL', async () => {
  const EV = { group: '', version: 'v1', resource: 'events', namespace: 'default' };
  const old = new Date(Date.now() - 2 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const [name, at] of [
    ['old.1', old],
    ['new.1', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
  ])
    await cp.client.create(EV, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
      reason: 'R',
      message: 'm',
      type: 'Normal',
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    });
  await cp.client.list(EV);
  const { sweepEvents } = await import('./eventttl.js');
  assert.equal(await sweepEvents(cp.api.registry('', 'events')!, 3600_000), 1);
  const names = (await cp.client.list(EV)).items.map((e) => e.metadata.name);
  assert.ok(names.includes('new.1'));
  assert.ok(!names.includes('old.1'));
});

test('a watch from a revision older than the watch cache keeps answers an ERROR event with 410 Expired', async () => {
  const store = new MemoryStore();
  const api = new ApiServer({ store, tokens: new Map([['t', adminUser('admin')]]), advertiseAddress: '10.0.0.1', watchCacheSize: 10 });
  const url = await api.start(0, '127.0.0.1');
  const client = new RestClient({ server: url, token: 't' });
  try {
    const first = await client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w-0' } });
    for (let i = 1; i < 40; i++) await client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w-${i}` } });
    const stream = await client.watch(CM, { resourceVersion: first.metadata.resourceVersion });
    const events: { type: string; object: any }[] = [];
    for await (const ev of stream) {
      events.push(ev as never);
      break;
    }
    stream.stop();
    assert.equal(events[0].type, 'ERROR');
    assert.equal(events[0].object.code, 410);
    assert.equal(events[0].object.reason, 'Expired');
    assert.match(events[0].object.message, /too old resource version/);
  } finally {
    client.close();
    await api.stop();
    await store.close();
  }
});

test('the scale subresource reports the selector as Kubernetes writes it (sorted by key)', async () => {
  const D = { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default' };
  const labels = { b: '2', a: '1', c: 'x' };
  await cp.client.create(D, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'sc' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }] },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
  const scale = (await cp.client.get({ ...D, name: 'sc', subresource: 'scale' })) as KObject & {
    spec: { replicas: number };
    status: { selector: string };
  };
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.spec.replicas, 2);
  assert.equal(scale.status.selector, 'a=1,b=2,c in (x,y)');
});

test('namespaces/finalize writes are validated and change only spec.finalizers', async () => {
  const NS = { group: '', version: 'v1', resource: 'namespaces' };
  const ns = await createNamespace(cp.client, 'fin-check');
  const FIN = { ...NS, name: 'fin-check', subresource: 'finalize' };
  try {
    await assert.rejects(
      cp.client.update(FIN, { ...ns, spec: { finalizers: ['kubernetes', 'not a name'] } }),
      (e) => isApiError(e) && e.code === 422 && /spec\.finalizers\[1\]: Invalid value: "not a name"/.test(e.message),
    );
    await assert.rejects(
      cp.client.update(FIN, { ...ns, spec: { finalizers: ['unqualified'] } }),
      (e) => isApiError(e) && e.code === 422 && /name is neither a standard finalizer name nor is it fully qualified/.test(e.message),
    );
    const done = await cp.client.update(FIN, {
      ...ns,
      metadata: { ...ns.metadata, labels: { sneaked: 'in' } },
      spec: { finalizers: ['kubernetes', 'example.com/cleanup'] },
    });
    assert.deepEqual((done.spec as { finalizers: string[] }).finalizers, ['kubernetes', 'example.com/cleanup']);
    assert.equal(done.metadata.labels?.sneaked, undefined, 'only spec.finalizers changes through finalize');
  } finally {
    await cp.client.update(FIN, { ...ns, spec: { finalizers: [] } }).catch(() => undefined);
    await cp.client.delete({ ...NS, name: 'fin-check' }).catch(() => undefined);
  }
});

test('verbs a resource or subresource does not serve are 405, not another verb in disguise', async () => {
  const NS = { group: '', version: 'v1', resource: 'namespaces' };
  await assert.rejects(cp.client.deleteCollection(NS), (e) => isApiError(e) && e.code === 405);
  const POD = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
  await cp.client.create(POD, podManifest('verbs', 'nginx'));
  try {
    await assert.rejects(
      cp.client.update(
        { ...POD, name: 'verbs', subresource: 'binding' },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'verbs' }, spec: { nodeName: 'x' } },
      ),
      (e) => isApiError(e) && e.code === 405,
    );
    await assert.rejects(cp.client.get({ ...POD, name: 'verbs', subresource: 'eviction' }), (e) => isApiError(e) && e.code === 405);
    const pod = await cp.client.get<KObject & { spec: { nodeName?: string } }>({ ...POD, name: 'verbs' });
    assert.equal(pod.spec.nodeName, undefined, 'the refused binding left the pod unbound');
  } finally {
    await cp.client.delete({ ...POD, name: 'verbs' }, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
});

test("a binding sets the pod's node and PodScheduled but leaves its managedFields as they were (BindingREST)", async () => {
  const POD = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
  const created = await cp.client.create(POD, podManifest('bound-fields', 'nginx'));
  try {
    const res = await cp.client.create(
      { ...POD, name: 'bound-fields', subresource: 'binding' },
      { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound-fields' }, target: { kind: 'Node', name: 'node-a' } },
    );
    assert.equal((res as { status?: string }).status, 'Success');
    const pod = await cp.client.get<
      KObject & { spec: { nodeName?: string }; status?: { conditions?: { type: string; status: string }[] } }
    >({ ...POD, name: 'bound-fields' });
    assert.equal(pod.spec.nodeName, 'node-a');
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    assert.notEqual(pod.metadata.resourceVersion, created.metadata.resourceVersion, 'the binding was written');
    assert.deepEqual(pod.metadata.managedFields, created.metadata.managedFields, 'no field manager entry for the binding');
  } finally {
    await cp.client.delete({ ...POD, name: 'bound-fields' }, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
});
