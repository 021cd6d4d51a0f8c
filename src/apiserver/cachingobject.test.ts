// Encodings made once and shared (cachingobject.ts): lists and watch events assembled from
// cached encodings must be byte for byte what encoding the whole answer would give, in every
// form (JSON, Table, PartialObjectMetadata, pretty), and the cache's objects must come out of
// serving them unchanged.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/object.js';
import { apiRequest } from '../testing/apirequest.js';
import { newTestNamespace, startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { encodeOnce, encodingCache, knownJSON, objectJSON, objectJSONBytes } from './cachingobject.js';
import { findDefinition } from './registry/index.js';
import { buildTable, tableJSON } from './tables.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const METADATA = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io';
let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(async () => {
  await cp.stop();
});

test('encodeOnce encodes an object once per format', () => {
  const obj = { a: 1 };
  let calls = 0;
  const enc = () => {
    calls++;
    return JSON.stringify(obj);
  };
  assert.equal(encodeOnce(obj, 'x', enc), '{"a":1}');
  assert.equal(encodeOnce(obj, 'x', enc), '{"a":1}');
  assert.equal(calls, 1);
  encodeOnce(obj, 'y', enc);
  assert.equal(calls, 2);
  // Another object, even an equal one, has its own.
  encodeOnce({ a: 1 }, 'x', enc);
  assert.equal(calls, 3);
  assert.equal(objectJSON(obj), objectJSON(obj));
});

test('encodings live two generations: one still read stays, one nobody reads is made again', () => {
  const saved = encodingCache.generationBytes;
  encodingCache.generationBytes = 1000;
  try {
    const read = { a: 'read' };
    const unread = { a: 'unread' };
    let made = 0;
    const enc = (o: object) => () => {
      made++;
      return JSON.stringify(o);
    };
    encodeOnce(read, 'json', enc(read));
    encodeOnce(unread, 'json', enc(unread));
    // 100 bytes of other encodings a round: a generation turns over every 10 rounds.
    for (let i = 0; i < 40; i++) {
      encodeOnce({ i }, 'json', () => 'x'.repeat(50));
      if (i % 5 === 0) encodeOnce(read, 'json', enc(read));
    }
    assert.equal(made, 2, 'the one read every half generation was never made again');
    encodeOnce(unread, 'json', enc(unread));
    assert.equal(made, 3, 'the unread one left after two generations');
    assert.equal(encodeOnce(read, 'json', enc(read)), '{"a":"read"}');
    assert.equal(made, 3);
  } finally {
    encodingCache.generationBytes = saved;
  }
});

test("an object's known JSON text is what objectJSONBytes gives, once, without encoding it; it leaves as encodings leave", () => {
  const saved = encodingCache.generationBytes;
  encodingCache.generationBytes = 1000;
  try {
    const obj = { a: 'known' };
    knownJSON(obj, '{"a":"known"}');
    // Told again after it is encoded: ignored (the bytes are made).
    const stringify = JSON.stringify;
    let encoded = 0;
    JSON.stringify = ((...a: Parameters<typeof stringify>) => {
      if (a[0] === obj) encoded++;
      return stringify(...a);
    }) as typeof JSON.stringify;
    try {
      assert.equal(objectJSONBytes(obj).toString(), '{"a":"known"}');
      knownJSON(obj, 'not this');
      assert.equal(objectJSON(obj), '{"a":"known"}');
      assert.equal(encoded, 0, 'the object was not encoded');
      // Known text nobody takes goes with its generation: the object is encoded then.
      const unread = { a: 'unread' };
      knownJSON(unread, '{"a":"unread"}');
      for (let i = 0; i < 40; i++) encodeOnce({ i }, 'json', () => 'x'.repeat(50));
      const before = encoded;
      JSON.stringify = ((...a: Parameters<typeof stringify>) => {
        if (a[0] === unread) encoded++;
        return stringify(...a);
      }) as typeof JSON.stringify;
      assert.equal(objectJSON(unread), '{"a":"unread"}');
      assert.equal(encoded, before + 1);
    } finally {
      JSON.stringify = stringify;
    }
  } finally {
    encodingCache.generationBytes = saved;
  }
});

test('tableJSON is JSON.stringify(buildTable(...)) byte for byte', () => {
  const def = findDefinition('', 'v1', 'pods')!;
  const now = new Date('2024-05-01T12:00:00Z');
  const pod = (name: string, ready: string): KObject =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `u-${name}`, resourceVersion: '7', creationTimestamp: '2024-05-01T11:00:00Z' },
      spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: 'n1' },
      status: {
        phase: 'Running',
        podIP: '10.0.0.1',
        conditions: [{ type: 'Ready', status: ready }],
        containerStatuses: [{ name: 'c', ready: ready === 'True', restartCount: 2, state: { running: {} } }],
      },
    }) as KObject;
  const objects = [pod('a', 'True'), pod('b', 'False')];
  const bare = { ...pod('c', 'True') } as Partial<KObject>;
  delete bare.apiVersion;
  delete bare.kind;
  for (const items of [objects, [bare as KObject], []]) {
    for (const includeObject of ['None', 'Metadata', 'Object'] as const) {
      for (const noHeaders of [false, true]) {
        const opts = { includeObject, noHeaders, now, listMeta: { resourceVersion: '9', continue: 'c', remainingItemCount: 3 } };
        assert.equal(tableJSON(def.printer, def.info, items, opts), JSON.stringify(buildTable(def.printer, def.info, items, opts)));
      }
    }
  }
});

/** A ConfigMap named `name` with the labels and data given. */
const configMap = (name: string, labels: Record<string, string>, data: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

/** The raw answer to a GET. */
async function raw(path: string, accept = 'application/json'): Promise<string> {
  const a = await apiRequest(cp.url, cp.token, { path, headers: { Accept: accept } });
  assert.equal(a.status, 200, a.text);
  return a.text;
}

test('lists from the watch cache are what encoding the whole list gives, in every form', async () => {
  const ns = await newTestNamespace(cp, 'caching');
  const CM = { group: '', version: 'v1', resource: 'configmaps', namespace: ns };
  for (let i = 0; i < 5; i++) await cp.client.create(CM, configMap(`cm-${i}`, { i: String(i) }, { k: `v${i}` }));
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  // Twice: the second answer is made from the encodings the first one cached.
  for (let round = 0; round < 2; round++) {
    const json = await raw(path);
    assert.equal(json, JSON.stringify(JSON.parse(json)), 'compact JSON, keys in order');
    const list = JSON.parse(json) as { kind: string; metadata: { resourceVersion: string }; items: KObject[] };
    assert.equal(list.kind, 'ConfigMapList');
    // (and the namespace's kube-root-ca.crt, which the root CA publisher adds)
    assert.deepEqual(
      list.items.map((o) => o.metadata.name).filter((n) => n?.startsWith('cm-')),
      ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4'],
    );
    // Each item is what a GET of it answers.
    for (const item of list.items) assert.equal(JSON.stringify(item), await raw(`${path}/${item.metadata.name}`));

    const selected = JSON.parse(await raw(`${path}?labelSelector=i%3D3`)) as { items: KObject[] };
    assert.deepEqual(
      selected.items.map((o) => o.metadata.name),
      ['cm-3'],
    );

    const table = await raw(path, TABLE);
    assert.equal(table, JSON.stringify(JSON.parse(table)));
    const t = JSON.parse(table) as { rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[] };
    assert.deepEqual(
      t.rows.map((r) => [r.cells[0], r.object.kind, r.object.metadata.name]),
      list.items.map((o) => [o.metadata.name, 'PartialObjectMetadata', o.metadata.name]),
    );
    const withObjects = JSON.parse(await raw(`${path}?includeObject=Object`, TABLE)) as { rows: { object: KObject }[] };
    assert.deepEqual(
      withObjects.rows.map((r) => r.object),
      list.items,
    );

    const meta = JSON.parse(await raw(path, METADATA)) as { kind: string; items: { kind: string; metadata: unknown }[] };
    assert.equal(meta.kind, 'PartialObjectMetadataList');
    assert.deepEqual(
      meta.items.map((m) => [m.kind, m.metadata]),
      list.items.map((o) => ['PartialObjectMetadata', o.metadata]),
    );

    // ?pretty=true is still indented as Go's MarshalIndent writes it.
    const pretty = await raw(`${path}?pretty=true`);
    assert.equal(pretty, JSON.stringify(list, null, 2));
  }
  // A GET right after a write answers that write, whether or not the cache has it yet.
  for (let i = 0; i < 20; i++) {
    await cp.client.patch({ ...CM, name: 'cm-0' }, { data: { k: `p${i}` } }, 'merge');
    assert.equal((JSON.parse(await raw(`${path}/cm-0`)) as { data: { k: string } }).data.k, `p${i}`);
  }
  // Serving the objects left the cache's own untouched (no resourceVersion or kind written into them).
  const reg = cp.api.registry('', 'configmaps')!;
  const cached = reg.cache.list(reg.prefix(ns)).items;
  assert.deepEqual(JSON.parse(JSON.stringify(cached)), JSON.parse(await raw(path)).items);
});

test('watch events are encoded once and shared: every watcher gets the same bytes, in its form', async () => {
  const ns = await newTestNamespace(cp, 'caching-watch');
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  const rv = (JSON.parse(await raw(path)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const watch = (accept: string) =>
    apiRequest(cp.url, cp.token, {
      // (the selector leaves out the kube-root-ca.crt the root CA publisher may add meanwhile)
      path: `${path}?watch=true&resourceVersion=${rv}&labelSelector=test%3Dw`,
      headers: { Accept: accept },
      until: (text) => text.split('\n').length > 3,
    });
  const watches = [watch('application/json'), watch('application/json'), watch(TABLE), watch(TABLE), watch(METADATA), watch(METADATA)];
  const CM = { group: '', version: 'v1', resource: 'configmaps', namespace: ns };
  await cp.client.create(CM, configMap('w', { test: 'w' }, { v: '1' }));
  await cp.client.patch({ ...CM, name: 'w' }, { data: { v: '2' } }, 'merge');
  await cp.client.delete({ ...CM, name: 'w' });
  const [j1, j2, t1, t2, m1, m2] = (await Promise.all(watches)).map((a) => a.text.split('\n').slice(0, 3));
  assert.deepEqual(j1, j2);
  assert.deepEqual(t1, t2);
  assert.deepEqual(m1, m2);
  // The metadata form: each event's object is the JSON event's metadata, as PartialObjectMetadata.
  for (let i = 0; i < 3; i++) {
    const j = JSON.parse(j1[i]) as { type: string; object: KObject };
    assert.equal(
      m1[i],
      JSON.stringify({
        type: j.type,
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: j.object.metadata },
      }),
    );
  }
  const events = j1.map((l) => JSON.parse(l) as { type: string; object: KObject & { data: { v: string } } });
  assert.deepEqual(
    events.map((e) => [e.type, e.object.data.v]),
    [
      ['ADDED', '1'],
      ['MODIFIED', '2'],
      ['DELETED', '2'],
    ],
  );
  for (const l of j1) assert.equal(l, JSON.stringify(JSON.parse(l)));
  // Column definitions with the first event of each watch only, as kube-apiserver sends them.
  const tables = t1.map((l) => JSON.parse(l) as { type: string; object: { columnDefinitions: unknown[]; rows: { cells: unknown[] }[] } });
  assert.ok(tables[0].object.columnDefinitions.length > 0);
  assert.deepEqual(
    tables.slice(1).map((t) => t.object.columnDefinitions),
    [[], []],
  );
  assert.deepEqual(
    tables.map((t) => [t.type, t.object.rows[0].cells[0]]),
    [
      ['ADDED', 'w'],
      ['MODIFIED', 'w'],
      ['DELETED', 'w'],
    ],
  );
});

test("watches with no selector, handed their group's lines (replayed or live), send what a filtered watch sends", async () => {
  const ns = await newTestNamespace(cp, 'caching-shared');
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  const rv = (JSON.parse(await raw(path)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  // Three events of w; a watch may also see the kube-root-ca.crt the root CA publisher adds.
  const ofW = (text: string) => text.split('\n').filter((l) => l.includes('"name":"w"'));
  const watch = (accept: string, query: string) =>
    apiRequest(cp.url, cp.token, {
      path: `${path}?watch=true&resourceVersion=${rv}${query}`,
      headers: { Accept: accept },
      until: (text) => ofW(text).length >= 3,
    }).then((a) => ofW(a.text));
  // "!absent" matches every object but is a selector: those watches take the filtered path.
  const forms = ['application/json', METADATA];
  const cache = cp.api.registry('', 'configmaps')!.cache;
  // The control plane's own watchers of ConfigMaps (in-process informers) are counted too.
  const own = cache.watcherCount;
  const early = forms.flatMap((f) => [watch(f, ''), watch(f, ''), watch(f, '&labelSelector=!absent')]);
  const CM = { group: '', version: 'v1', resource: 'configmaps', namespace: ns };
  await cp.client.create(CM, configMap('w', { test: 'w' }, { v: '1' }));
  await cp.client.patch({ ...CM, name: 'w' }, { data: { v: '2' } }, 'merge');
  // Opened after two of the events: those are replayed from the watch cache's window.
  const late = forms.flatMap((f) => [watch(f, ''), watch(f, '&labelSelector=!absent')]);
  await waitFor('the late watches are open', () => cache.watcherCount >= own + 10);
  await cp.client.delete({ ...CM, name: 'w' });
  const [ej1, ej2, ejf, em1, em2, emf] = await Promise.all(early);
  const [lj, ljf, lm, lmf] = await Promise.all(late);
  assert.deepEqual(
    ej1.map((l) => (JSON.parse(l) as { type: string }).type),
    ['ADDED', 'MODIFIED', 'DELETED'],
  );
  for (const l of ej1) assert.equal(l, JSON.stringify(JSON.parse(l)));
  for (const j of [ej2, ejf, lj, ljf]) assert.deepEqual(j, ej1);
  for (const m of [em2, emf, lm, lmf]) assert.deepEqual(m, em1);
  assert.equal(
    em1[1],
    JSON.stringify({
      type: 'MODIFIED',
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: JSON.parse(ej1[1]).object.metadata },
    }),
  );
});

test('a list past 1 MiB, written in pieces, and an empty list are what encoding the whole list gives', async () => {
  const ns = await newTestNamespace(cp, 'caching-big');
  const CM = { group: '', version: 'v1', resource: 'configmaps', namespace: ns };
  // 12 objects of ~200 KiB: a 2.4 MiB answer, three pieces of the writer's 1 MiB.
  for (let i = 0; i < 12; i++) await cp.client.create(CM, configMap(`big-${i}`, { big: 'yes' }, { k: `${i}`.repeat(200 * 1024) }));
  const path = `/api/v1/namespaces/${ns}/configmaps?labelSelector=big%3Dyes`;
  for (let round = 0; round < 2; round++) {
    const json = await raw(path);
    assert.ok(json.length > 2 * 1024 * 1024, `${json.length} bytes`);
    assert.equal(json, JSON.stringify(JSON.parse(json)), 'compact JSON, keys in order');
    const list = JSON.parse(json) as { items: KObject[] };
    assert.deepEqual(
      list.items.map((o) => o.metadata.name),
      Array.from({ length: 12 }, (_, i) => `big-${i}`).sort(),
    );
    for (const item of list.items)
      assert.equal(JSON.stringify(item), await raw(`/api/v1/namespaces/${ns}/configmaps/${item.metadata.name}`));
    const meta = await raw(path, METADATA);
    assert.equal(meta, JSON.stringify(JSON.parse(meta)));
    assert.equal((JSON.parse(meta) as { items: unknown[] }).items.length, 12);
  }
  for (const accept of ['application/json', METADATA]) {
    const empty = await raw(`/api/v1/namespaces/${ns}/configmaps?labelSelector=big%3Dno`, accept);
    assert.equal(empty, JSON.stringify(JSON.parse(empty)));
    assert.deepEqual((JSON.parse(empty) as { items: unknown[] }).items, []);
  }
});
