// The ServiceAccount admission plugin through the API: the default service account, the
// kube-api-access volume and its mounts as kube-apiserver injects them, automount choices, a
// missing service account refused with Kubernetes' message, and a new namespace's pod admitted
// once the serviceaccounts controller has made "default".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../api/object.js';
import { isApiError } from '../../client/rest.js';
import { createNamespace, startTestControlPlane } from '../../testing/controlplane.js';
import { DEFAULT_API_TOKEN_MOUNT_PATH } from './serviceaccount.js';

interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
interface PodView extends KObject {
  spec: {
    serviceAccountName?: string;
    serviceAccount?: string;
    automountServiceAccountToken?: boolean;
    imagePullSecrets?: { name: string }[];
    volumes?: { name: string; projected?: unknown; emptyDir?: unknown }[];
    containers: { name: string; volumeMounts?: Mount[] }[];
    initContainers?: { name: string; volumeMounts?: Mount[] }[];
  };
}

test('ServiceAccount admission', async (t) => {
  const cp = await startTestControlPlane();
  t.after(() => cp.stop());
  const c = cp.client;
  const ns = 'sa-adm';
  await createNamespace(c, ns);
  // A new namespace's first pod waits for its "default" service account rather than failing.
  const pods = { group: '', version: 'v1', resource: 'pods', namespace: ns };
  const create = (name: string, spec: object) =>
    c.create<PodView>(pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
    });
  const first = await create('first', {});
  assert.equal(first.spec.serviceAccountName, 'default');
  assert.equal(first.spec.serviceAccount, 'default');

  // The kube-api-access volume and mounts, in init containers and containers alike.
  const p = await create('full', {
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [
      { name: 'app', image: 'busybox' },
      { name: 'own', image: 'busybox', volumeMounts: [{ name: 'mine', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }] },
    ],
    volumes: [{ name: 'mine', emptyDir: {} }],
  });
  const vol = p.spec.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!;
  assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(vol.projected, {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
  const want = { name: vol.name, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH };
  assert.deepEqual(p.spec.initContainers![0].volumeMounts, [want]);
  assert.deepEqual(p.spec.containers[0].volumeMounts, [want]);
  // A container with its own mount at the path keeps it, and gets no token.
  assert.deepEqual(p.spec.containers[1].volumeMounts, [{ name: 'mine', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }]);

  // automountServiceAccountToken: the pod's choice, else the service account's.
  const sas = { group: '', version: 'v1', resource: 'serviceaccounts', namespace: ns };
  await c.create(sas, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'quiet' },
    automountServiceAccountToken: false,
    imagePullSecrets: [{ name: 'regcred' }],
  });
  const off = await create('off', { automountServiceAccountToken: false });
  assert.equal(off.spec.volumes, undefined);
  assert.equal(off.spec.containers[0].volumeMounts, undefined);
  const quiet = await create('quiet', { serviceAccountName: 'quiet' });
  assert.equal(quiet.spec.volumes, undefined);
  assert.deepEqual(quiet.spec.imagePullSecrets, [{ name: 'regcred' }]);
  const loud = await create('loud', { serviceAccountName: 'quiet', automountServiceAccountToken: true });
  assert.equal(loud.spec.volumes?.length, 1);

  // A service account that does not exist: refused, as kube-apiserver words it.
  try {
    await create('ghost', { serviceAccountName: 'ghost' });
    assert.fail('a pod naming a missing service account was admitted');
  } catch (e) {
    assert.ok(isApiError(e));
    assert.equal(e.code, 403);
    assert.equal(e.message, `pods "ghost" is forbidden: error looking up service account ${ns}/ghost: serviceaccount "ghost" not found`);
  }
  await assert.rejects(c.get({ ...pods, name: 'ghost' }));

  const refused = async (name: string, spec: object, message: string, annotations?: Record<string, string>) => {
    try {
      await c.create(pods, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, annotations },
        spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
      });
      assert.fail(`${name} was admitted`);
    } catch (e) {
      assert.ok(isApiError(e), String(e));
      assert.equal(e.message, `pods "${name}" is forbidden: ${message}`);
    }
  };
  // kubernetes.io/enforce-mountable-secrets: only the account's secrets.
  await c.create(sas, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'strict', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } },
    secrets: [{ name: 'allowed' }],
  });
  await refused(
    'strict-vol',
    { serviceAccountName: 'strict', volumes: [{ name: 's', secret: { secretName: 'other' } }] },
    'volume with secret.secretName="other" is not allowed because service account strict does not reference that secret',
  );
  await refused(
    'strict-env',
    {
      serviceAccountName: 'strict',
      containers: [{ name: 'app', image: 'busybox', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }] }],
    },
    'container app with envVar P referencing secret.secretName="other" is not allowed because service account strict does not reference that secret',
  );
  await create('strict-ok', { serviceAccountName: 'strict', volumes: [{ name: 's', secret: { secretName: 'allowed' } }] });
  // Mirror pods get no credentials.
  await refused('mirror', { serviceAccountName: 'default' }, 'a mirror pod may not reference service accounts', {
    'kubernetes.io/config.mirror': 'x',
  });
});
