// Storage and disruptions on a real node (k8ts up's own, pods as processes), driven by the stock
// kubectl: a claim of the default class local-path is provisioned on the node its first pod is
// scheduled to; its data outlives the pod; Delete and Retain reclaim; a static hostPath volume;
// and `kubectl drain` held back by a PodDisruptionBudget until the budget allows it.
// Needs root on Linux (network namespaces, mounts). A simulated node, cordoned until the drain
// test, is where the drained pods go.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { spawnKubectl, TestCluster } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const NODE = 'stor-node';
const cluster = new TestCluster('storage', 'memory');

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
const apply = (...docs: unknown[]) => cluster.kIn(docs.map((d) => YAML.stringify(d)).join('---\n'), 'apply', '-f', '-');
const phase = async (kind: string, name: string) => (await json('get', kind, name)).status?.phase as string | undefined;
const exists = async (kind: string, name: string) => (await cluster.kubectl(['get', kind, name])).code === 0;

/** A busybox pod using a claim at /data; command runs in it. */
function podWithClaim(name: string, claim: string, command: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', command], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
    },
  };
}

const claimOf = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } }, ...extra },
});

describe('storage and disruptions on a real node', { skip: root ? false : 'needs root on Linux (network namespaces, mounts)' }, () => {
  let simNode = '';

  before(async () => {
    await cluster.up(['--bridge', 'k8tsstor0', '--pod-cidr', '10.247.0.0/24', '--node-name', NODE, '--simulated-nodes', '1']);
    await cluster.waitFor(
      'both nodes Ready',
      async () => {
        const nodes = (await json('get', 'nodes')).items as any[];
        const ready = nodes.filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
        simNode = ready.map((n) => n.metadata.name).find((n: string) => n !== NODE) ?? '';
        return ready.length === 2 && simNode;
      },
      30_000,
    );
    // The storage tests place pods on the real node only.
    await cluster.k('cordon', simNode);
  });
  after(async () => {
    await cluster.stop();
  });

  let pvName = '';
  let hostDir = '';

  test('a claim of the default class waits for its first consumer, then is provisioned on its node', async () => {
    assert.match(
      await cluster.k('get', 'storageclass'),
      /^local-path \(default\)\s+k8ts\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/m,
    );
    await apply(claimOf('data'));
    await cluster.waitFor('WaitForFirstConsumer event', async () =>
      /WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/.test(await cluster.k('describe', 'pvc', 'data')),
    );
    assert.match(await cluster.k('get', 'pvc', 'data'), /^data\s+Pending\s+local-path\s+/m);
    await apply(podWithClaim('writer', 'data', 'echo "written by $(hostname)" > /data/note && sleep 3600'));
    await cluster.k('wait', '--for=condition=Ready', 'pod/writer', '--timeout=90s');
    const pvc = await json('get', 'pvc', 'data');
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(pvc.metadata.annotations['volume.kubernetes.io/selected-node'], NODE);
    pvName = pvc.spec.volumeName;
    assert.equal(pvName, `pvc-${pvc.metadata.uid}`);
    assert.match(
      await cluster.k('get', 'pvc', 'data'),
      new RegExp(`^data\\s+Bound\\s+${pvName}\\s+64Mi\\s+RWO\\s+local-path\\s+<unset>\\s+`, 'm'),
    );
    const pv = await json('get', 'pv', pvName);
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms, [
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE] }] },
    ]);
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
    hostDir = pv.spec.hostPath.path;
    assert.equal(hostDir, path.join(cluster.dataDir, 'node', 'storage', `${pvName}_default_data`));
    assert.match(
      await cluster.k('get', 'pv', pvName),
      new RegExp(`^${pvName}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s+local-path\\s+`, 'm'),
    );
    await cluster.waitFor('the note on the host', async () => fs.existsSync(path.join(hostDir, 'note')));
    assert.equal(fs.readFileSync(path.join(hostDir, 'note'), 'utf8'), 'written by writer\n');
    assert.match(await cluster.k('describe', 'pvc', 'data'), /ProvisioningSucceeded\s+.*Successfully provisioned volume pvc-/);
    assert.match(await cluster.k('describe', 'pvc', 'data'), /^Used By:\s+writer$/m);
  });

  test('the data outlives its pod: a new pod on the same claim reads it', async () => {
    await cluster.k('delete', 'pod', 'writer', '--wait=true');
    await apply(podWithClaim('reader', 'data', 'cat /data/note; echo "and read by $(hostname)" >> /data/note; sleep 3600'));
    await cluster.k('wait', '--for=condition=Ready', 'pod/reader', '--timeout=90s');
    await cluster.waitFor('the reader printed the note', async () => (await cluster.k('logs', 'reader')).includes('written by writer'));
    assert.equal(await cluster.k('exec', 'reader', '--', 'cat', '/data/note'), 'written by writer\nand read by reader\n');
    assert.equal((await json('get', 'pvc', 'data')).spec.volumeName, pvName);
  });

  test('Delete: when the claim goes, the volume and its directory go', async () => {
    // The claim stays while a pod uses it (kubernetes.io/pvc-protection).
    await cluster.k('delete', 'pvc', 'data', '--wait=false');
    assert.match(await cluster.k('get', 'pvc', 'data'), /^data\s+Terminating\s+/m);
    assert.ok(fs.existsSync(hostDir));
    await cluster.k('delete', 'pod', 'reader', '--wait=true');
    await cluster.waitFor('claim gone', async () => !(await exists('pvc', 'data')), 30_000);
    await cluster.waitFor('volume gone', async () => !(await exists('pv', pvName)), 30_000);
    await cluster.waitFor('directory removed', async () => !fs.existsSync(hostDir));
  });

  test('Retain: when the claim goes, the volume is Released and its data kept', async () => {
    await apply({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local-retain' },
      provisioner: 'k8ts.io/local-path',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    await apply(claimOf('keep', { storageClassName: 'local-retain' }), podWithClaim('keeper', 'keep', 'echo kept > /data/k && sleep 3600'));
    await cluster.k('wait', '--for=condition=Ready', 'pod/keeper', '--timeout=90s');
    const name = (await json('get', 'pvc', 'keep')).spec.volumeName;
    const dir = (await json('get', 'pv', name)).spec.hostPath.path;
    await cluster.waitFor('data written', async () => fs.existsSync(path.join(dir, 'k')));
    await cluster.k('delete', 'pod', 'keeper', '--wait=true');
    await cluster.k('delete', 'pvc', 'keep', '--wait=true');
    await cluster.waitFor('Released', async () => (await phase('pv', name)) === 'Released', 30_000);
    assert.match(
      await cluster.k('get', 'pv', name),
      new RegExp(`^${name}\\s+64Mi\\s+RWO\\s+Retain\\s+Released\\s+default/keep\\s+local-retain\\s+`, 'm'),
    );
    assert.equal(fs.readFileSync(path.join(dir, 'k'), 'utf8'), 'kept\n');
    // Deleting a retained volume leaves its data where it is.
    await cluster.k('delete', 'pv', name, '--wait=true');
    assert.equal(fs.readFileSync(path.join(dir, 'k'), 'utf8'), 'kept\n');
  });

  test('a static hostPath volume binds to a claim of its class and is mounted', async () => {
    const dir = path.join(cluster.dir, 'static-volume');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'hello'), 'from the host\n');
    await apply(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: 'static-pv' },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
          storageClassName: 'manual',
          hostPath: { path: dir },
        },
      },
      claimOf('static', { storageClassName: 'manual' }),
    );
    await cluster.waitFor('bound', async () => (await phase('pvc', 'static')) === 'Bound');
    assert.match(await cluster.k('get', 'pv', 'static-pv'), /^static-pv\s+1Gi\s+RWO,ROX\s+Retain\s+Bound\s+default\/static\s+manual\s+/m);
    await apply(podWithClaim('static-user', 'static', 'sleep 3600'));
    await cluster.k('wait', '--for=condition=Ready', 'pod/static-user', '--timeout=90s');
    assert.equal(await cluster.k('exec', 'static-user', '--', 'cat', '/data/hello'), 'from the host\n');
    await cluster.k('delete', 'pod', 'static-user', '--wait=true');
  });

  test("kubectl drain refuses to go below a PodDisruptionBudget's minAvailable, and proceeds once it can", async () => {
    await apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 3600'] }] },
          },
        },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'web' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
      },
    );
    await cluster.k('rollout', 'status', 'deployment/web', '--timeout=90s');
    await cluster.waitFor('budget observed', async () => /^web\s+2\s+N\/A\s+0\s+/m.test(await cluster.k('get', 'pdb', 'web')));
    const pdb = await json('get', 'pdb', 'web');
    assert.deepEqual(
      [pdb.status.currentHealthy, pdb.status.desiredHealthy, pdb.status.expectedPods, pdb.status.disruptionsAllowed],
      [2, 2, 2, 0],
    );

    // Nowhere to go and no disruption allowed: drain gives up at its timeout, evicting nothing.
    const refused = await cluster.kubectl(['drain', NODE, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=12s'], {
      timeoutMs: 60_000,
    });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr + refused.stdout,
      /error when evicting pods\/"web-[a-z0-9]+-[a-z0-9]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./,
    );
    const webPods = async () => ((await json('get', 'pods', '-l', 'app=web')).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
    const onNode = (await webPods()).filter((p) => p.spec.nodeName === NODE);
    assert.equal(onNode.length, 2, 'both pods still on the node');
    assert.ok(onNode.every((p) => !p.status.conditions?.some((c: any) => c.type === 'DisruptionTarget' && c.status === 'True')));

    // Drain again, and meanwhile give the budget room: a third replica on the other node.
    let minReady = Infinity;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const ready = (await webPods()).filter((p) =>
          p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        minReady = Math.min(minReady, ready);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const drain = spawnKubectl(cluster, ['drain', NODE, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=120s']);
    try {
      await cluster.waitFor('drain retrying', async () => drain.output().includes('will retry after 5s'), 30_000);
      await cluster.k('uncordon', simNode);
      await cluster.k('scale', 'deployment/web', '--replicas=3');
      const code = await new Promise<number | null>((resolve) => drain.child.on('exit', resolve));
      assert.equal(code, 0, drain.output());
      assert.match(drain.output(), new RegExp(`node/${NODE} drained`));
      assert.match(drain.output(), /evicting pod default\/web-/);
    } finally {
      drain.stop();
      watching = false;
      await watcher;
    }
    assert.ok(minReady >= 2, `never fewer than minAvailable ready (saw ${minReady})`);
    await cluster.waitFor(
      'every web pod on the other node',
      async () => {
        const pods = await webPods();
        return pods.length === 3 && pods.every((p) => p.spec.nodeName === simNode);
      },
      60_000,
    );
    assert.match(await cluster.k('get', 'node', NODE), /Ready,SchedulingDisabled/);
    await cluster.k('uncordon', NODE);
  });
});
