// The root CA publisher against a real API server (in process; the test control plane runs
// one with its CA): kube-root-ca.crt in every namespace, new ones included, put back when
// deleted or edited.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import { createNamespace, startTestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { ROOT_CA_CONFIGMAP } from './rootcacertpublisher.js';

type CM = KObject & { data?: Record<string, string> };

test('kube-root-ca.crt is published in every namespace and kept', async (t) => {
  const cp = await startTestControlPlane();
  t.after(() => cp.stop());
  const CA = cp.rootCA;
  assert.match(CA, /^-----BEGIN CERTIFICATE-----/);
  const c = cp.client;
  const ref = (ns: string) => ({ group: '', version: 'v1', resource: 'configmaps', namespace: ns, name: ROOT_CA_CONFIGMAP });
  const published = (ns: string) =>
    waitFor(
      `${ROOT_CA_CONFIGMAP} in ${ns}`,
      async () => {
        const cm = await c.get<CM>(ref(ns)).catch(() => undefined);
        return cm?.data?.['ca.crt'] === CA && cm;
      },
      5000,
    );

  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) await published(ns);
  await createNamespace(c, 'fresh');
  const cm = await published('fresh');
  assert.match(cm.metadata.annotations?.['kubernetes.io/description'] ?? '', /verify the kube-apiserver/);

  await c.delete(ref('fresh'));
  await published('fresh');
  const edited = await c.get<CM>(ref('fresh'));
  edited.data = { 'ca.crt': 'not a CA' };
  await c.update(ref('fresh'), edited);
  await published('fresh');
});
