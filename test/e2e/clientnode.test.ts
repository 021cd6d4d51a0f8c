// @kubernetes/client-node against `k8ts up`: lists, watches, patches, and an informer that
// sees adds, updates and deletes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { TestCluster } from './harness.js';

const cluster = new TestCluster('clientnode', 'memory');
let kc: k8s.KubeConfig;
before(async () => {
  await cluster.up(['--no-node']);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
});
after(async () => {
  await cluster.stop();
});

test('client-node lists, creates and patches', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const nss = await core.listNamespace();
  assert.ok(nss.items.some((n) => n.metadata?.name === 'kube-system'));
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name: 'cn' },
      spec: {
        selector: { matchLabels: { app: 'cn' } },
        template: { metadata: { labels: { app: 'cn' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    },
  });
  const list = await apps.listNamespacedDeployment({ namespace: 'default', labelSelector: '' });
  assert.ok(list.items.some((d) => d.metadata?.name === 'cn'));
  const patched = await apps.patchNamespacedDeployment(
    { name: 'cn', namespace: 'default', body: { spec: { replicas: 3 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  assert.equal(patched.spec?.replicas, 3);
  const sp = await apps.patchNamespacedDeployment(
    { name: 'cn', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
  );
  assert.equal(sp.spec?.template.spec?.containers[0].image, 'nginx:1.27');
  assert.equal(sp.metadata?.generation, 3);
});

test('client-node watch and informer see adds, updates and deletes', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const seen: string[] = [];
  const watch = new k8s.Watch(kc);
  const req = await watch.watch(
    '/api/v1/namespaces/default/configmaps',
    {},
    (type, obj: k8s.V1ConfigMap) => {
      seen.push(`watch ${type} ${obj.metadata?.name}`);
    },
    () => undefined,
  );
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () =>
    core.listNamespacedConfigMap({ namespace: 'default' }),
  );
  informer.on('add', (o: k8s.V1ConfigMap) => seen.push(`inf add ${o.metadata?.name}`));
  informer.on('update', (o: k8s.V1ConfigMap) => seen.push(`inf update ${o.metadata?.name} ${o.data?.k}`));
  informer.on('delete', (o: k8s.V1ConfigMap) => seen.push(`inf delete ${o.metadata?.name}`));
  await informer.start();
  try {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'inf-cm' }, data: { k: '1' } } });
    await cluster.waitFor('add', async () => seen.includes('inf add inf-cm') && seen.includes('watch ADDED inf-cm'));
    await core.replaceNamespacedConfigMap({
      name: 'inf-cm',
      namespace: 'default',
      body: { metadata: { name: 'inf-cm' }, data: { k: '2' } },
    });
    await cluster.waitFor('update', async () => seen.includes('inf update inf-cm 2') && seen.includes('watch MODIFIED inf-cm'));
    await core.deleteNamespacedConfigMap({ name: 'inf-cm', namespace: 'default' });
    await cluster.waitFor('delete', async () => seen.includes('inf delete inf-cm') && seen.includes('watch DELETED inf-cm'));
  } finally {
    await informer.stop();
    req.abort();
  }
});

test('client-node gets Kubernetes errors', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await assert.rejects(core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }), (e: { code?: number }) => e.code === 404);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } });
  await assert.rejects(
    core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } }),
    (e: { code?: number }) => e.code === 409,
  );
});
