// The stock kubectl against `k8ts up`: the verbs of the control-plane issue, end to end.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { spawnKubectl, TestCluster } from './harness.js';

const cluster = new TestCluster('kubectl');
before(async () => {
  await cluster.up(['--no-node']);
});
after(async () => {
  await cluster.stop();
});

const rsManifest = (name: string, app: string, replicas = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, labels: { app } },
  spec: {
    replicas,
    selector: { matchLabels: { app } },
    template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

/** The ReplicaSet controller makes the pods; wait until there are n of them. */
async function podsFor(app: string, n: number): Promise<string[]> {
  return cluster.waitFor(`${n} pods of ${app}`, async () => {
    const out = (await cluster.k('get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}')).trim();
    const names = out ? out.split('\n') : [];
    return names.length === n ? names : undefined;
  });
}

describe('kubectl against k8ts', () => {
  test('get nodes and namespaces, api-resources, api-versions', async () => {
    const ns = await cluster.k('get', 'namespaces');
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(ns, new RegExp(`^${n}\\s+Active`, 'm'));
    const ar = await cluster.k('api-resources');
    assert.match(ar, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(ar, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(ar, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    const av = await cluster.k('api-versions');
    assert.match(av, /^apps\/v1$/m);
    const svc = await cluster.k('get', 'services');
    assert.match(svc, /^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/m);
    const sa = await cluster.waitFor('default serviceaccount', async () => (await cluster.kubectl(['get', 'sa', 'default'])).code === 0);
    assert.ok(sa);
  });

  test('create deployment (protobuf body), get, -o yaml, describe', async () => {
    const out = await cluster.k('create', 'deployment', 'kubernetes-bootcamp', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1');
    assert.match(out, /deployment.apps\/kubernetes-bootcamp created/);
    const get = await cluster.k('get', 'deployments');
    assert.match(get, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
    assert.match(get, /^kubernetes-bootcamp\s+\d\/1\s+\d+\s+\d+\s+\d+s$/m);
    const y = YAML.parse(await cluster.k('get', 'deployment', 'kubernetes-bootcamp', '-o', 'yaml'));
    assert.equal(y.spec.replicas, 1);
    assert.deepEqual(y.spec.selector, { matchLabels: { app: 'kubernetes-bootcamp' } });
    assert.equal(y.spec.template.spec.containers[0].image, 'gcr.io/google-samples/kubernetes-bootcamp:v1');
    assert.equal(y.spec.template.spec.restartPolicy, 'Always');
    assert.equal(y.spec.strategy.rollingUpdate.maxSurge, '25%');
    assert.equal(y.metadata.generation, 1);
    assert.ok(y.metadata.uid);
    const d = await cluster.k('describe', 'deployment', 'kubernetes-bootcamp');
    assert.match(d, /^Name:\s+kubernetes-bootcamp$/m);
    assert.match(d, /^Selector:\s+app=kubernetes-bootcamp$/m);
    assert.match(d, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(d, /Image:\s+gcr.io\/google-samples\/kubernetes-bootcamp:v1/);
  });

  test('scale, label, get -l, get all', async () => {
    assert.match(await cluster.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=4'), /scaled/);
    const y = YAML.parse(await cluster.k('get', 'deploy', 'kubernetes-bootcamp', '-o', 'yaml'));
    assert.equal(y.spec.replicas, 4);
    assert.equal(y.metadata.generation, 2);
    assert.match(await cluster.k('label', 'deployment', 'kubernetes-bootcamp', 'tier=web'), /labeled/);
    assert.match(await cluster.k('get', 'deploy', '-l', 'tier=web'), /kubernetes-bootcamp/);
    const none = await cluster.kubectl(['get', 'deploy', '-l', 'tier=db']);
    assert.match(none.stderr, /No resources found in default namespace/);
    const all = await cluster.k('get', 'all');
    assert.match(all, /service\/kubernetes/);
    assert.match(all, /deployment.apps\/kubernetes-bootcamp/);
  });

  test('pods and replicasets: get -o wide, -o yaml, delete rs --cascade=orphan keeps pods, delete -l', async () => {
    await cluster.kIn(JSON.stringify(rsManifest('web-rs', 'web')), 'create', '-f', '-');
    const pods = await podsFor('web', 2);
    const wide = await cluster.k('get', 'pods', '-o', 'wide');
    assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    for (const p of pods) assert.match(wide, new RegExp(`^${p}\\s+0/1\\s+Pending\\s+0\\s+`, 'm'));
    const py = YAML.parse(await cluster.k('get', 'pods', pods[0], '-o', 'yaml'));
    assert.equal(py.status.phase, 'Pending');
    assert.equal(py.metadata.ownerReferences[0].name, 'web-rs');
    assert.equal(py.spec.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.match(await cluster.k('get', 'rs'), /^web-rs\s+2\s+2\s+0\s+/m);
    assert.match(await cluster.k('delete', 'rs', 'web-rs', '--cascade=orphan'), /replicaset.apps "web-rs" deleted/);
    await cluster.waitFor('rs gone', async () => (await cluster.kubectl(['get', 'rs', 'web-rs'])).code !== 0);
    // Orphaned: the pods stay, without the owner reference.
    await cluster.waitFor('owner references removed', async () => {
      const p = JSON.parse(await cluster.k('get', 'pod', pods[0], '-o', 'json'));
      return !p.metadata.ownerReferences;
    });
    assert.equal((await cluster.kubectl(['get', 'pod', pods[1]])).code, 0);
    assert.match(await cluster.k('delete', 'pods', '-l', 'app=web'), /deleted/);
    await cluster.waitFor('pods gone', async () => (await cluster.k('get', 'pods', '-l', 'app=web', '-o', 'name')).trim() === '');
  });

  test('delete rs with background propagation removes its pods (garbage collector)', async () => {
    await cluster.kIn(JSON.stringify(rsManifest('gc-rs', 'gc')), 'create', '-f', '-');
    await podsFor('gc', 2);
    await cluster.k('delete', 'rs', 'gc-rs');
    await cluster.waitFor(
      'dependent pods collected',
      async () => (await cluster.k('get', 'pods', '-l', 'app=gc', '-o', 'name')).trim() === '',
    );
  });

  test('delete rs with --cascade=foreground waits for its pods', async () => {
    await cluster.kIn(JSON.stringify(rsManifest('fg-rs', 'fg')), 'create', '-f', '-');
    await podsFor('fg', 2);
    await cluster.k('delete', 'rs', 'fg-rs', '--cascade=foreground', '--wait=true', '--timeout=30s');
    assert.equal((await cluster.k('get', 'pods', '-l', 'app=fg', '-o', 'name')).trim(), '');
    assert.notEqual((await cluster.kubectl(['get', 'rs', 'fg-rs'])).code, 0);
  });

  test('apply -f: create, change, apply again (with default validation)', async () => {
    const file = path.join(cluster.dir, 'app.yaml');
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'applied', labels: { app: 'applied' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'applied' } },
        template: {
          metadata: { labels: { app: 'applied' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
        },
      },
    };
    fs.writeFileSync(file, YAML.stringify(manifest));
    assert.match(await cluster.k('apply', '-f', file), /deployment.apps\/applied created/);
    assert.match(await cluster.k('apply', '-f', file), /deployment.apps\/applied unchanged/);
    manifest.spec.replicas = 3;
    manifest.spec.template.spec.containers[0].image = 'nginx:1.26';
    fs.writeFileSync(file, YAML.stringify(manifest));
    assert.match(await cluster.k('apply', '-f', file), /deployment.apps\/applied configured/);
    const y = JSON.parse(await cluster.k('get', 'deploy', 'applied', '-o', 'json'));
    assert.equal(y.spec.replicas, 3);
    assert.equal(y.spec.template.spec.containers[0].image, 'nginx:1.26');
    assert.ok(y.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    // An unknown field is refused by the server's strict validation (kubectl's default).
    const bad = YAML.stringify({ ...manifest, spec: { ...manifest.spec, replicaz: 1 } });
    fs.writeFileSync(file, bad);
    const r = await cluster.kubectl(['apply', '-f', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec.replicaz"/);
  });

  test('apply --server-side', async () => {
    const m = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { a: '1' } };
    assert.match(await cluster.kIn(JSON.stringify(m), 'apply', '--server-side', '-f', '-'), /configmap\/ssa serverside-applied/);
    m.data = { a: '2' } as never;
    await cluster.kIn(JSON.stringify(m), 'apply', '--server-side', '-f', '-');
    const cm = JSON.parse(await cluster.k('get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields'));
    assert.equal(cm.data.a, '2');
    assert.ok(
      cm.metadata.managedFields.some((f: { manager: string; operation: string }) => f.manager === 'kubectl' && f.operation === 'Apply'),
    );
  });

  test('edit with a scripted KUBE_EDITOR', async () => {
    const script = path.join(cluster.dir, 'editor.sh');
    fs.writeFileSync(script, '#!/bin/sh\nsed -i "s/replicas: 3/replicas: 5/" "$1"\n', { mode: 0o755 });
    const r = await cluster.kubectl(['edit', 'deployment', 'applied'], { env: { KUBE_EDITOR: script, EDITOR: script } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/applied edited/);
    assert.equal(JSON.parse(await cluster.k('get', 'deploy', 'applied', '-o', 'json')).spec.replicas, 5);
  });

  test('get -w shows changes live', async () => {
    await cluster.k('create', 'configmap', 'watched', '--from-literal=k=v');
    const w = spawnKubectl(cluster, ['get', 'configmaps', '-w']);
    try {
      await cluster.waitFor('initial list', async () => /watched/.test(w.output()));
      await cluster.k('create', 'configmap', 'watched-2', '--from-literal=k=v');
      await cluster.waitFor('added object', async () => /watched-2\s+1\s+/.test(w.output()));
      await cluster.k('label', 'configmap', 'watched', 'x=y');
      await cluster.waitFor('modified object', async () => (w.output().match(/^watched\s+/gm) ?? []).length >= 2);
      assert.equal((w.output().match(/^NAME\s+DATA\s+AGE$/gm) ?? []).length, 1, w.output());
    } finally {
      w.stop();
    }
  });

  test('explain deployment.spec.strategy', async () => {
    const out = await cluster.k('explain', 'deployment.spec.strategy');
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /FIELD:\s+strategy/);
    assert.match(out, /rollingUpdate/);
  });

  test('create namespace, configmap, secret (protobuf bodies)', async () => {
    assert.match(await cluster.k('create', 'namespace', 'team-a'), /namespace\/team-a created/);
    assert.match(
      await cluster.k('create', 'configmap', 'cfg', '-n', 'team-a', '--from-literal=color=blue', '--from-literal=size=L'),
      /configmap\/cfg created/,
    );
    assert.match(
      await cluster.k('create', 'secret', 'generic', 'pw', '-n', 'team-a', '--from-literal=password=s3cr3t'),
      /secret\/pw created/,
    );
    const cm = JSON.parse(await cluster.k('get', 'cm', 'cfg', '-n', 'team-a', '-o', 'json'));
    assert.deepEqual(cm.data, { color: 'blue', size: 'L' });
    const s = JSON.parse(await cluster.k('get', 'secret', 'pw', '-n', 'team-a', '-o', 'json'));
    assert.equal(Buffer.from(s.data.password, 'base64').toString(), 's3cr3t');
    assert.equal(s.type, 'Opaque');
    assert.match(await cluster.k('get', 'secrets', '-n', 'team-a'), /^pw\s+Opaque\s+1\s+/m);
    await cluster.waitFor(
      'default sa in new namespace',
      async () => (await cluster.kubectl(['get', 'sa', 'default', '-n', 'team-a'])).code === 0,
    );
  });

  test('namespace deletion: Terminating, then everything in it gone', async () => {
    await cluster.k('create', 'namespace', 'doomed');
    await cluster.k('create', 'configmap', 'c1', '-n', 'doomed', '--from-literal=a=b');
    await cluster.k('create', 'deployment', 'd1', '-n', 'doomed', '--image=nginx');
    await cluster.k('delete', 'namespace', 'doomed', '--wait=true', '--timeout=60s');
    assert.notEqual((await cluster.kubectl(['get', 'namespace', 'doomed'])).code, 0);
    const r = await cluster.api('GET', '/api/v1/namespaces/doomed/configmaps');
    assert.equal(r.body.items.length, 0);
  });
});
