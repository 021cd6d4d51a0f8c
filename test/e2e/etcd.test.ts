// `k8ts up --store etcd://...`: the control plane on a real etcd (one member, started by the
// test on loopback ports and removed after). kubectl creates and watches a Deployment, the
// controllers act on it, and after a restart the objects are served again from etcd.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { etcdMissing, startTestEtcd, type TestEtcd } from '../../src/testing/etcd.js';
import { spawnKubectl, TestCluster } from './harness.js';

const skip = etcdMissing();

describe('k8ts up --store etcd://', { skip }, () => {
  let etcd: TestEtcd;
  let cluster: TestCluster;
  before(async () => {
    etcd = await startTestEtcd();
    cluster = new TestCluster('etcd', `etcd://${etcd.endpoint}`);
    await cluster.up(['--no-node']);
  });
  after(async () => {
    await cluster?.stop();
    await etcd?.stop();
  });

  test('kubectl creates and watches a Deployment; its keys are in etcd under /registry; a restart keeps it', async () => {
    const watch = spawnKubectl(cluster, [
      'get',
      'deployments',
      '--watch',
      '--output-watch-events',
      '-o',
      'jsonpath={.type} {.object.metadata.name} {.object.spec.replicas}{"\\n"}',
    ]);
    try {
      await cluster.waitFor('the watch to start', () => cluster.k('get', 'deployments').then(() => true));
      await cluster.k('create', 'deployment', 'web', '--image=registry.k8s.io/pause:3.10', '--replicas=2');
      await cluster.waitFor('ADDED in the watch', () => /ADDED web 2/.test(watch.output()) || undefined);
      await cluster.k('scale', 'deployment', 'web', '--replicas=3');
      await cluster.waitFor('MODIFIED in the watch', () => /MODIFIED web 3/.test(watch.output()) || undefined);
    } finally {
      watch.stop();
    }
    // The deployment controller runs on the etcd-backed API: it made the ReplicaSet and pods.
    await cluster.waitFor(
      'the ReplicaSet with 3 replicas',
      async () => /^3$/.test(await cluster.k('get', 'rs', '-l', 'app=web', '-o', 'jsonpath={.items[0].spec.replicas}')) || undefined,
    );
    await cluster.waitFor(
      '3 pods',
      async () =>
        (await cluster.k('get', 'pods', '-l', 'app=web', '-o', 'name')).trim().split('\n').filter(Boolean).length === 3 || undefined,
    );

    // The object is etcd's: the key kube-apiserver's layout gives it, its resourceVersion the key's mod_revision.
    const client = new Etcd3({ hosts: `http://${etcd.endpoint}` });
    try {
      // The controllers may still be writing its status: compare once both reads agree on a quiet moment.
      await cluster.waitFor("kubectl's resourceVersion = the etcd key's mod_revision", async () => {
        const rv = await cluster.k('get', 'deployment', 'web', '-o', 'jsonpath={.metadata.resourceVersion}');
        const res = await client.kv.range({ key: Buffer.from('/registry/apps/deployments/default/web') });
        assert.equal(res.kvs.length, 1, 'the deployment is stored in etcd');
        return rv === String(res.kvs[0].mod_revision) || undefined;
      });
    } finally {
      client.close();
    }

    const d = await cluster.down();
    assert.equal(d.code, 0, d.stderr);
    await cluster.up(['--no-node']);
    assert.equal(await cluster.k('get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'), '3');
    assert.equal((await cluster.k('get', 'pods', '-l', 'app=web', '-o', 'name')).trim().split('\n').filter(Boolean).length, 3);
  });

  test('a bad etcd endpoint is a plain message and a non-zero exit', async () => {
    const bad = new TestCluster('etcdbad', 'etcd://no-port');
    try {
      await assert.rejects(bad.up(['--no-node']), /bad etcd endpoint "no-port"/);
    } finally {
      await bad.stop();
    }
  });

  test('over TLS: --etcd-cafile/--etcd-certfile/--etcd-keyfile against an etcd that requires client certificates', async () => {
    const secure = await startTestEtcd(20_000, { tls: true });
    const c = new TestCluster('etcdtls', `etcd://${secure.endpoint}`);
    try {
      const files: Record<string, string> = { ca: secure.tls!.ca, cert: secure.tls!.cert, key: secure.tls!.key };
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(c.dir, `etcd-${name}.pem`), text, { mode: 0o600 });
      await c.up([
        '--no-node',
        '--etcd-cafile',
        path.join(c.dir, 'etcd-ca.pem'),
        '--etcd-certfile',
        path.join(c.dir, 'etcd-cert.pem'),
        '--etcd-keyfile',
        path.join(c.dir, 'etcd-key.pem'),
      ]);
      await c.k('create', 'configmap', 'over-tls', '--from-literal=a=b');
      assert.equal(await c.k('get', 'configmap', 'over-tls', '-o', 'jsonpath={.data.a}'), 'b');
    } finally {
      await c.stop();
      await secure.stop();
    }
  });
});
