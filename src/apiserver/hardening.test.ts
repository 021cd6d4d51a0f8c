// Requests an attacker with a token would send (issue #7, API side): each one used to take the
// whole process down or answer 500; each must now get a Kubernetes Status, and the server must
// keep serving. Any exception escaping to the process is recorded and fails the test.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestControlPlane, type TestControlPlane } from '../testing/controlplane.js';
import { apiRequest, statusOf, type RawRequest } from '../testing/apirequest.js';

let cp: TestControlPlane;
const escaped: unknown[] = [];
const record = (e: unknown) => { escaped.push(e); };
before(async () => {
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  cp = await startTestControlPlane();
});
after(async () => {
  await cp?.stop();
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
});

const call = (r: RawRequest) => apiRequest(cp.url, cp.token, r);
/** Lets close/finish listeners of the last request run, then checks nothing escaped and the server answers. */
async function stillServing(what: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(escaped.map((e) => String((e as Error)?.stack ?? e)), [], `after ${what}`);
  const ok = await call({ path: '/api/v1/namespaces/default/configmaps?limit=1' });
  assert.equal(ok.status, 200, `after ${what}`);
}

test('a watch refused after it began (bad resourceVersion, selector, field label) is a 400 Status and nothing escapes', async () => {
  const cases: Array<[string, RegExp]> = [
    ['/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=abc', /invalid resourceVersion/],
    ['/api/v1/namespaces/default/configmaps?watch=1&labelSelector=a%20in%20(b', /unable to parse requirement/],
    ['/apis/apps/v1/deployments?watch=1&fieldSelector=spec.replicas%3D1', /field label not supported: spec.replicas/],
    ['/api/v1/watch/namespaces/default/configmaps?resourceVersion=-3', /resourceVersion/],
  ];
  for (const [path, msg] of cases) {
    const a = await call({ path });
    const s = statusOf(a);
    assert.equal(a.status, 400, path);
    assert.match(s.message ?? '', msg, path);
    await stillServing(path);
  }
});

test('a bad percent-escape in the path is 400, not 500', async () => {
  for (const path of ['/api/v1/namespaces/default/config%zzmaps', '/api/v1/namespaces/%E0%A4%A/configmaps', '/apis/apps/v1/namespaces/default/deployments/%']) {
    const a = await call({ path });
    assert.equal(a.status, 400, path);
    assert.match(statusOf(a).message ?? '', /invalid URL escape/, path);
  }
  await stillServing('bad escapes');
});

test('a client that vanishes mid-body, mid-watch or mid-response harms nothing', async () => {
  // Half a body, then a reset.
  await new Promise<void>((resolve) => {
    const req = http.request(`${cp.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', agent: false, headers: { Authorization: `Bearer ${cp.token}`, 'Content-Type': 'application/json', 'Content-Length': 1000 } });
    req.on('error', () => resolve());
    req.write('{"metadata":');
    setTimeout(() => { req.destroy(); resolve(); }, 50);
  });
  // A watch dropped as soon as it started, and a list dropped before it was read.
  for (const path of ['/api/v1/configmaps?watch=1', '/api/v1/configmaps']) {
    await new Promise<void>((resolve) => {
      const req = http.get(`${cp.url}${path}`, { agent: false, headers: { Authorization: `Bearer ${cp.token}` } }, (res) => { res.destroy(); req.destroy(); resolve(); });
      req.on('error', () => resolve());
    });
  }
  await stillServing('vanishing clients');
});

test('watch timeoutSeconds: negative ends the watch at once; past 24.8 days does not', async () => {
  const t0 = Date.now();
  const neg = await call({ path: '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=-5', timeoutMs: 5000 });
  assert.equal(neg.status, 200);
  assert.ok(Date.now() - t0 < 2000, 'a negative timeout ends the watch at once, as a Go timer of negative duration fires at once');
  // 3,000,000 s overflows Node's 32-bit timer: the watch must stay open (we stop reading at the first event).
  await call({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'long-watch' } }) });
  const long = await call({ path: '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=3000000', until: (t) => t.includes('long-watch'), timeoutMs: 5000 });
  assert.match(long.text, /"ADDED"/);
  await stillServing('timeouts');
});
