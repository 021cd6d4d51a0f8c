import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import * as v1 from '../../api/types.js';
import { waitFor } from '../../testing/wait.js';
import { containerStatus, type Harness, startHarness } from './testing.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

const CM = { ...v1.CONFIGMAPS, namespace: 'default' };

test('volumes are written under rootDir/pods/<uid>/volumes and handed to the runtime as mounts', async () => {
  await h.client.create(CM, { metadata: { name: 'site' }, data: { 'index.html': '<h1>v1</h1>', 'other.txt': 'x' } });
  await h.client.create(
    { ...CM, resource: 'secrets' },
    { metadata: { name: 'creds' }, data: { user: Buffer.from('admin').toString('base64') } },
  );
  const hostDir = path.join(h.rootDir, 'host-data');
  const pod = await h.createPod({
    metadata: { name: 'vols', labels: { app: 'vols' }, annotations: { note: 'a "quoted" value' } },
    spec: {
      volumes: [
        { name: 'html', configMap: { name: 'site', items: [{ key: 'index.html', path: 'index.html', mode: 0o600 }] } },
        { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            ],
          },
        },
        { name: 'scratch', emptyDir: {} },
        {
          name: 'all',
          projected: {
            sources: [
              { configMap: { name: 'site', items: [{ key: 'other.txt', path: 'cm/other.txt' }] } },
              { serviceAccountToken: { path: 'token' } },
            ],
          },
        },
        { name: 'host', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
      ],
      containers: [
        {
          name: 'app',
          image: 'nginx:1.27',
          volumeMounts: [
            { name: 'html', mountPath: '/usr/share/nginx/html' },
            { name: 'creds', mountPath: '/creds', readOnly: true },
            { name: 'info', mountPath: '/etc/podinfo' },
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'scratch', mountPath: '/sub', subPath: 'deep/dir' },
            { name: 'html', mountPath: '/single.html', subPath: 'index.html' },
            { name: 'all', mountPath: '/projected' },
            { name: 'host', mountPath: '/host' },
          ],
        },
      ],
    } as any,
  });
  const uid = pod.metadata.uid!;
  await h.waitPod('vols', 'Running', (p) => p.status?.phase === 'Running');
  const vdir = path.join(h.rootDir, 'pods', uid, 'volumes');
  const html = path.join(vdir, 'kubernetes.io~configmap', 'html');
  assert.equal(await fs.readFile(path.join(html, 'index.html'), 'utf8'), '<h1>v1</h1>');
  assert.equal((await fs.stat(path.join(html, 'index.html'))).mode & 0o777, 0o600);
  await assert.rejects(fs.stat(path.join(html, 'other.txt')));
  assert.equal(await fs.readlink(path.join(html, 'index.html')), path.join('..data', 'index.html'));
  const creds = path.join(vdir, 'kubernetes.io~secret', 'creds', 'user');
  assert.equal(await fs.readFile(creds, 'utf8'), 'admin');
  assert.equal((await fs.stat(creds)).mode & 0o777, 0o400);
  const info = path.join(vdir, 'kubernetes.io~downward-api', 'info');
  assert.equal(await fs.readFile(path.join(info, 'labels'), 'utf8'), 'app="vols"');
  assert.equal(await fs.readFile(path.join(info, 'annotations'), 'utf8'), 'note="a \\"quoted\\" value"');
  assert.equal(await fs.readFile(path.join(info, 'name'), 'utf8'), 'vols');
  const proj = path.join(vdir, 'kubernetes.io~projected', 'all');
  assert.equal(await fs.readFile(path.join(proj, 'cm', 'other.txt'), 'utf8'), 'x');
  // The projected token: requested through TokenRequest, bound to this pod, accepted by the API server.
  const token = await fs.readFile(path.join(proj, 'token'), 'utf8');
  assert.deepEqual((decodeJwt(token)['kubernetes.io'] as { pod: unknown }).pod, { name: 'vols', uid });
  assert.equal((await h.cp.api.serviceAccountTokens.authenticateToken(token))?.name, 'system:serviceaccount:default:default');
  // And the kube-api-access volume the ServiceAccount admission added: token, ca.crt (kube-root-ca.crt) and namespace.
  const access = pod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!.name;
  const accessDir = path.join(vdir, 'kubernetes.io~projected', access);
  assert.equal(await fs.readFile(path.join(accessDir, 'namespace'), 'utf8'), 'default');
  assert.ok(
    (await h.cp.api.serviceAccountTokens.authenticateToken(await fs.readFile(path.join(accessDir, 'token'), 'utf8')))?.extra?.[
      'authentication.kubernetes.io/pod-uid'
    ]?.includes(uid),
  );
  assert.ok((await fs.stat(hostDir)).isDirectory());
  assert.ok((await fs.stat(path.join(vdir, 'kubernetes.io~empty-dir', 'scratch', 'deep', 'dir'))).isDirectory());

  const mounts = h.runtime.running(uid, 'app')!.config.mounts;
  const by = Object.fromEntries(mounts.map((m) => [m.containerPath, m]));
  assert.equal(by['/usr/share/nginx/html'].hostPath, html);
  assert.equal(by['/usr/share/nginx/html'].readonly, true);
  assert.equal(by['/creds'].readonly, true);
  assert.equal(by['/scratch'].readonly, false);
  // subPaths are bound from the volume to pods/<uid>/volume-subpaths/<volume>/<container>/<index> (as root), as kubelet does.
  const subpaths = path.join(h.rootDir, 'pods', uid, 'volume-subpaths');
  const root = process.getuid?.() === 0;
  assert.equal(
    by['/sub'].hostPath,
    root ? path.join(subpaths, 'scratch', 'app', '4') : path.join(vdir, 'kubernetes.io~empty-dir', 'scratch', 'deep', 'dir'),
  );
  await fs.writeFile(path.join(by['/sub'].hostPath, 'through'), 'x');
  assert.equal(await fs.readFile(path.join(vdir, 'kubernetes.io~empty-dir', 'scratch', 'deep', 'dir', 'through'), 'utf8'), 'x');
  if (root) assert.equal(by['/single.html'].hostPath, path.join(subpaths, 'html', 'app', '5'));
  assert.equal(await fs.readFile(by['/single.html'].hostPath, 'utf8'), '<h1>v1</h1>');
  assert.equal(by['/host'].hostPath, hostDir);

  // A changed configmap reaches the volume (not subPath mounts, as in Kubernetes).
  await h.client.patch({ ...CM, name: 'site' }, { data: { 'index.html': '<h1>v2</h1>' } }, 'merge');
  await waitFor(
    'the configmap volume to update',
    async () => (await fs.readFile(path.join(html, 'index.html'), 'utf8')) === '<h1>v2</h1>',
    10_000,
  );
  // The old payload goes right after the swap.
  await waitFor(
    'the old payload to be removed',
    async () => (await fs.readdir(html)).filter((e) => e.startsWith('..') && e !== '..data').length === 1,
    10_000,
  );
});

test('a volume that cannot be set up keeps the pod in ContainerCreating with FailedMount', async () => {
  await h.createPod({
    metadata: { name: 'badvol' },
    spec: {
      volumes: [{ name: 'cfg', configMap: { name: 'absent-cm' } }],
      containers: [{ name: 'app', image: 'nginx:1.27', volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
    } as any,
  });
  const p = await h.waitPod('badvol', 'ContainerCreating', (p) => containerStatus(p)?.state?.waiting?.reason === 'ContainerCreating');
  assert.equal(p.status?.phase, 'Pending');
  await h.waitEvent('badvol', 'FailedMount', 'MountVolume.SetUp failed for volume "cfg" : configmap "absent-cm" not found');
  await h.createPod({
    metadata: { name: 'badhost' },
    spec: {
      volumes: [{ name: 'h', hostPath: { path: path.join(h.rootDir, 'nope'), type: 'Directory' } }],
      containers: [{ name: 'app', image: 'nginx:1.27' }],
    } as any,
  });
  await h.waitEvent('badhost', 'FailedMount', /hostPath type check failed: .*nope does not exist/);
  await h.client.create(CM, { metadata: { name: 'absent-cm' }, data: { a: 'b' } });
  await h.waitPod('badvol', 'Running once the configmap exists', (p) => p.status?.phase === 'Running', 10_000);
});

test('the pod directory is removed when the pod is deleted', async () => {
  const pod = await h.createPod({
    metadata: { name: 'gone' },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 's', emptyDir: {} }],
      containers: [{ name: 'app', image: 'nginx:1.27', volumeMounts: [{ name: 's', mountPath: '/s' }] }],
    } as any,
  });
  await h.waitPod('gone', 'Running', (p) => p.status?.phase === 'Running');
  const dir = path.join(h.rootDir, 'pods', pod.metadata.uid!);
  assert.ok((await fs.stat(dir)).isDirectory());
  await h.client.delete({ group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'gone' });
  await waitFor('the pod directory to go', async () => !(await fs.stat(dir).catch(() => undefined)), 10_000);
});
