// An operator written with @kubernetes/client-node (test/e2e/operator/webapp-operator.ts) against
// `k8ts up`, unchanged (issue #17): it watches a custom kind and keeps a Deployment per object,
// owned by it; the garbage collector deletes the Deployment when the custom object goes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { TestCluster } from './harness.js';
import { type RunningOperator, startWebAppOperator } from './operator/webapp-operator.js';

const cluster = new TestCluster('operator', 'memory');
let operator: RunningOperator | undefined;

const WEBAPP_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: webapps.apps.example.com
spec:
  group: apps.example.com
  scope: Namespaced
  names: {plural: webapps, singular: webapp, kind: WebApp}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              image: {type: string, default: nginx}
              replicas: {type: integer, minimum: 0, default: 1}
          status:
            type: object
            properties:
              deployment: {type: string}
              observedGeneration: {type: integer}
`;

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));

before(async () => {
  await cluster.up(['--no-node']);
  await cluster.kIn(WEBAPP_CRD, 'apply', '-f', '-');
  await cluster.k('wait', '--for=condition=established', '--timeout=60s', 'crd/webapps.apps.example.com');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  operator = await startWebAppOperator(kc, 'default');
});
after(async () => {
  await operator?.stop();
  await cluster.stop();
});

test('the operator makes an owned Deployment per WebApp, follows changes, and GC removes it with the WebApp', async () => {
  await cluster.kIn(
    'apiVersion: apps.example.com/v1\nkind: WebApp\nmetadata:\n  name: shop\nspec:\n  image: nginx:1.27\n  replicas: 2\n',
    'apply',
    '-f',
    '-',
  );
  const app = await json('get', 'webapp', 'shop');
  const dep = await cluster.waitFor(
    'deployment shop',
    async () => {
      const r = await cluster.kubectl(['get', 'deployment', 'shop', '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    },
    30_000,
  );
  assert.equal(dep.spec.replicas, 2);
  assert.equal(dep.spec.template.spec.containers[0].image, 'nginx:1.27');
  assert.deepEqual(
    dep.metadata.ownerReferences.map((r: { kind: string; uid: string; controller: boolean }) => [r.kind, r.uid, r.controller]),
    [['WebApp', app.metadata.uid, true]],
  );
  await cluster.waitFor('status written', async () => (await json('get', 'webapp', 'shop')).status?.deployment === 'shop', 30_000);

  await cluster.k('patch', 'webapp', 'shop', '--type=merge', '-p', '{"spec":{"replicas":3}}');
  await cluster.waitFor('deployment follows replicas 3', async () => (await json('get', 'deployment', 'shop')).spec.replicas === 3, 30_000);
  await cluster.waitFor('observedGeneration 2', async () => (await json('get', 'webapp', 'shop')).status?.observedGeneration === 2, 30_000);

  await cluster.k('delete', 'webapp', 'shop');
  // The collector learns custom kinds from discovery (every 30 s, as kube-controller-manager's GC sync).
  await cluster.waitFor('deployment collected', async () => (await cluster.kubectl(['get', 'deployment', 'shop'])).code !== 0, 90_000);
  const gone = await cluster.kubectl(['get', 'deployment', 'shop']);
  assert.match(gone.stderr, /deployments\.apps "shop" not found/);
  assert.ok((operator?.reconciles() ?? 0) >= 2);

  // The namespace controller follows the custom kind too: a namespace goes with its WebApps.
  await cluster.k('create', 'namespace', 'shops');
  await cluster.kIn('apiVersion: apps.example.com/v1\nkind: WebApp\nmetadata:\n  name: other\n  namespace: shops\n', 'apply', '-f', '-');
  await cluster.k('delete', 'namespace', 'shops', '--timeout=90s');
  const left = await cluster.api('GET', '/apis/apps.example.com/v1/namespaces/shops/webapps');
  assert.deepEqual(left.body.items, []);
});
