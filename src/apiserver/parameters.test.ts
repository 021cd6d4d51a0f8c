// Query parameters through the API server, spelled as the Python client and others spell them:
// watch=True watches (and a named GET stays a get), integers that are not are 400s with Go's
// message, a bookmark comes 2 s before a watch's timeout, pretty output, DeleteOptions from the query.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Answer, apiRequest } from '../testing/apirequest.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';

let cp: TestControlPlane;
before(async () => {
  cp = await startTestControlPlane();
});
after(async () => {
  await cp?.stop();
});

/** A request as a client that spells the query its own way sends it (JSON body, its own User-Agent). */
function request(
  method: string,
  path: string,
  opts: { body?: unknown; userAgent?: string; until?: (text: string) => boolean } = {},
): Promise<Answer> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers = { 'User-Agent': opts.userAgent ?? 'parameters-test', ...(body ? { 'Content-Type': 'application/json' } : {}) };
  return apiRequest(cp.url, cp.token, { method, path, headers, body, until: opts.until });
}

const cms = '/api/v1/namespaces/default/configmaps';
const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string; resourceVersion?: string } } });

test("watch=True (Python's spelling) watches; watch=False and watch=0 list; a named GET with watch=true is a get", async () => {
  await request('POST', cms, { body: { metadata: { name: 'p1' } } });
  const w = await request('GET', `${cms}?watch=True&timeoutSeconds=1`);
  assert.equal(w.status, 200);
  // Every namespace also holds kube-root-ca.crt (the root CA publisher).
  assert.deepEqual(
    lines(w.text)
      .map((e) => `${e.type} ${e.object.metadata.name}`)
      .filter((e) => e !== 'ADDED kube-root-ca.crt'),
    ['ADDED p1'],
  );
  for (const v of ['False', '0', 'FALSE']) {
    const l = await request('GET', `${cms}?watch=${v}`);
    assert.equal(JSON.parse(l.text).kind, 'ConfigMapList', v);
  }
  // As kube-apiserver's ParameterCodec: only "0" and "false" in any case are false.
  const yes = await request('GET', `${cms}?watch=yes&timeoutSeconds=1`);
  assert.equal(lines(yes.text)[0].type, 'ADDED');
  const one = await request('GET', `${cms}/p1?watch=true`);
  assert.equal(JSON.parse(one.text).kind, 'ConfigMap');
  // The legacy /watch/ path with a name watches that one object.
  await request('POST', cms, { body: { metadata: { name: 'p2' } } });
  const legacy = await request('GET', '/api/v1/watch/namespaces/default/configmaps/p2?timeoutSeconds=1');
  assert.deepEqual(
    lines(legacy.text).map((e) => e.object.metadata.name),
    ['p2'],
  );
});

test("integers that are not: 400 with strconv's message", async () => {
  for (const [q, v] of [
    ['limit', 'ten'],
    ['timeoutSeconds', '1.5'],
    ['limit', ''],
  ] as const) {
    const r = await request('GET', `${cms}?watch=${q === 'timeoutSeconds' ? 'true' : 'false'}&${q}=${v}`);
    assert.equal(r.status, 400, `${q}=${v}`);
    assert.equal(JSON.parse(r.text).message, `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  const d = await request('DELETE', `${cms}/p1?gracePeriodSeconds=soon`);
  assert.equal(d.status, 400);
  assert.equal(JSON.parse(d.text).message, 'strconv.ParseInt: parsing "soon": invalid syntax');
  const l = await request('GET', `${cms}?limit=1`);
  assert.equal(JSON.parse(l.text).items.length, 1);
});

test('allowWatchBookmarks=True: a bookmark 2 s before the timeout; a huge timeoutSeconds does not end the watch at once', async () => {
  const start = Date.now();
  const r = await request('GET', `${cms}?watch=1&allowWatchBookmarks=True&timeoutSeconds=3&resourceVersion=0`);
  const events = lines(r.text);
  const bookmark = events.find((e) => e.type === 'BOOKMARK');
  assert.ok(bookmark, r.text);
  assert.match(bookmark.object.metadata.resourceVersion ?? '', /^\d+$/);
  assert.ok(Date.now() - start >= 2500, 'the watch ran to its timeout');
  // 2^63-1 seconds is beyond any timer: the watch stays open (ended here by the client, after an event).
  const open = request('GET', `${cms}?watch=true&timeoutSeconds=9223372036854775807&resourceVersion=0`, {
    until: (t) => t.includes('"ADDED"'),
  });
  const got = await open;
  assert.equal(got.status, 200);
});

test('pretty=True (and curl) get indented JSON; pretty=yes does not', async () => {
  let r = await request('GET', `${cms}/p2?pretty=True`);
  assert.match(r.text, /^\{\n {2}"/);
  assert.equal(JSON.parse(r.text).kind, 'ConfigMap');
  r = await request('GET', `${cms}/p2`, { userAgent: 'curl/8.4.0' });
  assert.match(r.text, /^\{\n {2}"/);
  r = await request('GET', `${cms}/p2?pretty=yes`, { userAgent: 'curl/8.4.0' });
  assert.match(r.text, /^\{"/);
  r = await request('GET', `${cms}/p2`);
  assert.match(r.text, /^\{"/);
});

test('DeleteOptions from the query: orphanDependents=False with a policy is refused; propagationPolicy works', async () => {
  let r = await request('DELETE', `${cms}/p2?orphanDependents=False&propagationPolicy=Background`);
  assert.equal(r.status, 422);
  assert.match(JSON.parse(r.text).message, /orphanDependents and deletionPropagation cannot be both set/);
  r = await request('DELETE', `${cms}/p2?propagationPolicy=Foreground&gracePeriodSeconds=0`);
  assert.equal(r.status, 200);
});
