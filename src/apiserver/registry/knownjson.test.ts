// The watch cache's object for a write made through the registry is adopted from the object
// written (expectWrite); its JSON is the stored text with the resourceVersion spliced in where
// decode puts it (metadata's last key), so the cache hands that text to the encodings' memo
// (knownJSON) and a watch event, a GET or a list writes it without encoding the object again.
// What clients read is unchanged: the stored JSON, byte for byte.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../../api/object.js';
import { RestClient } from '../../client/rest.js';
import type { Store } from '../../store/types.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import { waitFor } from '../../testing/wait.js';
import { objectJSONBytes } from '../cachingobject.js';
import { inProcessTransport } from '../inprocess.js';

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(() => cp?.stop());

test("a write's cached object is served as its stored text with the resourceVersion spliced in, not encoded again; every byte as before", async () => {
  const pods = cp.api.registry('', 'pods')!;
  const PODS = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
  const inproc = new RestClient({ server: cp.url, token: cp.token, transport: inProcessTransport(cp.api) });
  const key = pods.key('default', 'known');
  const auth = { authorization: `Bearer ${cp.token}` };
  /** The stored version as decoding its bytes gives it: what the cache served before. */
  const storedJSON = async (): Promise<string> => {
    const kv = (await (pods as unknown as { store: Store }).store.get(key))!;
    const o = JSON.parse(kv.value) as KObject;
    o.metadata.resourceVersion = String(kv.modRevision);
    return JSON.stringify(o);
  };
  // Every object named "known" that JSON.stringify is asked to encode while the writes go on.
  const stringified: object[] = [];
  const stringify = JSON.stringify;
  JSON.stringify = function (this: JSON, v: unknown, ...rest: unknown[]) {
    if (typeof v === 'object' && v !== null && (v as KObject).metadata?.name === 'known') stringified.push(v);
    return (stringify as (...a: unknown[]) => string).call(this, v, ...rest);
  } as typeof JSON.stringify;
  const abort = new AbortController();
  const cached: KObject[] = [];
  try {
    // A raw HTTP watch: each event's bytes as the server writes them.
    const res = await fetch(`${cp.url}/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dknown`, {
      headers: auth,
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    let body = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) body += decoder.decode(chunk as Uint8Array, { stream: true });
    })().catch(() => undefined);
    /** After a write: the cached version's bytes (memo, GET, watch event) are the stored JSON. */
    const check = async (rv: string | undefined, type: string): Promise<void> => {
      await pods.cache.waitForRevision(Number(rv), 5000);
      const obj = pods.cache.get(key)!;
      assert.equal(obj.metadata.resourceVersion, rv);
      cached.push(obj);
      const want = await storedJSON();
      assert.equal(objectJSONBytes(obj).toString(), want);
      const got = await fetch(`${cp.url}/api/v1/namespaces/default/pods/known`, { headers: auth });
      assert.equal(await got.text(), want, `GET after ${type}`);
      const line = `{"type":"${type}","object":${want}}\n`;
      await waitFor(`the ${type} event at ${rv}`, () => body.includes(line) || undefined, 5000);
    };

    // A create in process, with labels and a resourceVersion-free metadata of several keys.
    const created = await inproc.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'known', labels: { app: 'known', '1': 'numeric-key' }, annotations: { a: 'é "quoted" \u2028' } },
      spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '0.5' } } }] },
    });
    await check(created.metadata.resourceVersion, 'ADDED');
    // A binding (its new object shares the cached parts).
    await inproc.create(
      { ...PODS, name: 'known', subresource: 'binding' },
      { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'known' }, target: { name: 'n1' } },
    );
    await check((await pods.get('default', 'known')).metadata.resourceVersion, 'MODIFIED');
    // A status merge patch over HTTP.
    const patched = await cp.client.patch<KObject>(
      { ...PODS, name: 'known', subresource: 'status' },
      { status: { phase: 'Running' } },
      'merge',
    );
    await check(patched.metadata.resourceVersion, 'MODIFIED');
    // A PUT carrying its resourceVersion amid metadata's keys (the stored text has none).
    const current = JSON.parse(await storedJSON()) as KObject;
    const meta = current.metadata as Record<string, unknown>;
    const put = {
      ...current,
      metadata: { resourceVersion: meta.resourceVersion, ...meta, labels: { ...current.metadata.labels, put: 'yes' } },
    };
    const updated = await cp.client.update<KObject>({ ...PODS, name: 'known' }, put);
    await check(updated.metadata.resourceVersion, 'MODIFIED');
    // No cached version was encoded by JSON.stringify: its JSON was the stored text's.
    assert.equal(cached.length, 4);
    for (const [i, obj] of cached.entries()) assert.ok(!stringified.includes(obj), `cached version ${i} was encoded again`);
    abort.abort();
    await reading;
  } finally {
    JSON.stringify = stringify;
    abort.abort();
    inproc.close();
  }
});
