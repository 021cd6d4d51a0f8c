// Writes racing for one object, as kube-apiserver's GuaranteedUpdate settles them: a write that
// loses the race to the store is made again from the object now stored, so a patch (applied to
// whatever is current) and an update without a resourceVersion always go through; only a write
// naming a resourceVersion that is no longer the stored one is a 409 Conflict.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KObject } from '../../api/object.js';
import * as v1 from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import { SqliteStore } from '../../store/sqlite.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import { apiError } from '../../testing/registry.js';

let cp: TestControlPlane;
let c: RestClient;
let dir: string;
let store: SqliteStore;
const CMS = { ...v1.CONFIGMAPS, namespace: 'default' };
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default' };

// The SQLite store, as a cluster runs: a write is answered once its fsync is done, and the races
// between writes are real.
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-conflicts-'));
  store = new SqliteStore(dir, { compactEvery: 0 });
  cp = await startTestControlPlane({ store });
  c = cp.client;
});
after(async () => {
  await cp?.stop();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const N = 30;

test('concurrent patches of one object all go through, each applied to the object the others left (no 409)', async () => {
  await c.create(CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raced' } });
  const results = await Promise.allSettled(
    Array.from({ length: N }, (_, i) =>
      i % 3 === 0
        ? c.patch({ ...CMS, name: 'raced' }, { data: { [`k${i}`]: 'v' } }, 'merge')
        : i % 3 === 1
          ? c.patch({ ...CMS, name: 'raced' }, [{ op: 'add', path: `/metadata/labels`, value: { [`l${i}`]: 'v' } }], 'json')
          : c.patch({ ...CMS, name: 'raced' }, { metadata: { annotations: { [`a${i}`]: 'v' } } }, 'strategic'),
    ),
  );
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
  assert.deepEqual(failed, []);
  const cm = await c.get<KObject & { data?: Record<string, string> }>({ ...CMS, name: 'raced' });
  assert.equal(Object.keys(cm.data ?? {}).length, N / 3);
  assert.equal(Object.keys(cm.metadata.annotations ?? {}).length, N / 3);
});

test('concurrent status patches and updates without a resourceVersion all go through; a stale resourceVersion is still a 409', async () => {
  const d = await c.create(DEPLOYMENTS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'raced' },
    spec: {
      selector: { matchLabels: { app: 'raced' } },
      template: { metadata: { labels: { app: 'raced' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
  const ref = { ...DEPLOYMENTS, name: 'raced' };
  const results = await Promise.allSettled(
    Array.from({ length: N }, (_, i) =>
      i % 2
        ? c.patch({ ...ref, subresource: 'status' }, { status: { observedGeneration: i } }, 'merge')
        : c.update(
            { ...ref, subresource: 'status' },
            { ...d, metadata: { ...d.metadata, resourceVersion: undefined }, status: { observedGeneration: i } },
          ),
    ),
  );
  assert.deepEqual(
    results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : [])),
    [],
  );
  // A precondition that no longer holds: 409, from a patch naming it or an update carrying it.
  const stale = d.metadata.resourceVersion;
  const e1 = await apiError(
    c.patch({ ...ref, subresource: 'status' }, { metadata: { resourceVersion: stale }, status: { observedGeneration: 1 } }, 'merge'),
  );
  assert.equal(e1.code, 409);
  const e2 = await apiError(c.update({ ...ref, subresource: 'status' }, { ...d, status: { observedGeneration: 1 } }));
  assert.equal(e2.code, 409);
});
