// Issue #7: a pod spec must not make the agent (root) write outside a volume, follow a link a
// container planted, keep secrets on disk, or mount a memory volume twice. The mounts need root on
// Linux (run under the host lock); the path checks run anywhere.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { containerStatus, type Harness, startHarness } from './testing.js';
import { DependencyNotFound, type ObjectSource, type PodObject } from './types.js';
import { VolumeError, VolumeManager } from './volumes.js';

function mountPointsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m) => m && (m === dir || m.startsWith(dir + '/')));
}

const root = process.platform === 'linux' && process.getuid?.() === 0;
const needsRoot = root ? false : 'needs root on Linux (tmpfs and bind mounts)';

let base = '';
let outside = '';
before(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'k8ts-volsafety-'));
  outside = path.join(base, 'outside');
  mkdirSync(outside);
});
after(() => {
  // A mount left behind (a failed test) is taken down before the directory goes: rm must not cross it.
  for (const mp of mountPointsUnder(base).sort().reverse()) {
    try {
      execFileSync('umount', ['-l', mp]);
    } catch {
      /* gone */
    }
  }
  rmSync(base, { recursive: true, force: true });
});

const source: ObjectSource = {
  configMap: async (_ns, name) => {
    if (name !== 'cm') throw new DependencyNotFound('configmap', name);
    return { metadata: { name }, data: { k: 'v' } } as never;
  },
  secret: async (_ns, name) => {
    if (name !== 's') throw new DependencyNotFound('secret', name);
    return { metadata: { name }, data: { password: Buffer.from('hunter2').toString('base64') } } as never;
  },
  services: () => [],
};

function pod(uid: string, volumes: unknown[]): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: uid, namespace: 'default', uid },
    spec: { volumes, containers: [{ name: 'app', image: 'x' }] },
  } as PodObject;
}

const dctx = { podIPs: [], hostIPs: ['127.0.0.1'], allocatable: { memory: '64Mi' } };

function mountLine(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[1] === dir);
}

test('item paths that climb out of their volume are refused, and nothing is written outside', async () => {
  const rootDir = path.join(base, 'items');
  const vm = new VolumeManager(rootDir, source);
  // From the timestamped payload dir (rootDir/pods/<uid>/volumes/<plugin>/<name>/..<stamp>), seven steps up is base.
  const climb = '../../../../../../../outside/x';
  const cases: [string, unknown][] = [
    ['downwardAPI', { name: 'info', downwardAPI: { items: [{ path: climb, fieldRef: { fieldPath: 'metadata.name' } }] } }],
    ['configMap', { name: 'cfg', configMap: { name: 'cm', items: [{ key: 'k', path: climb }] } }],
    ['projected token', { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: climb } }] } }],
    [
      'projected absolute',
      { name: 'abs', projected: { sources: [{ configMap: { name: 'cm', items: [{ key: 'k', path: path.join(outside, 'x') }] } }] } },
    ],
  ];
  for (const [what, vol] of cases) {
    await assert.rejects(
      vm.setUp(pod(`u-${what.replace(/\W/g, '')}`, [vol]), dctx),
      (e: unknown) => e instanceof VolumeError && /^invalid path: must (not contain '\.\.'|be relative path)/.test(e.message),
      what,
    );
    assert.equal(existsSync(path.join(outside, 'x')), false, `${what}: a file was written outside the volume`);
  }
  // And a payload name that is the writer's own (..data) is refused too.
  await assert.rejects(
    vm.setUp(pod('u-reserved', [{ name: 'r', configMap: { name: 'cm', items: [{ key: 'k', path: '..data/x' }] } }]), dctx),
    /must not start with '\.\.'/,
  );
});

// The API accepts item paths such as "./a" and "a//b/"; kubelet's AtomicWriter cleans them
// (path.Clean) before writing. Uncleaned, "./a" was written but never linked into the volume:
// the container saw no file a (redteam, session 10).
test('item paths are cleaned as AtomicWriter cleans them: ./a is a, a//b/ is a/b', async () => {
  const rootDir = path.join(base, 'clean');
  const vm = new VolumeManager(rootDir, source);
  const items = [
    { key: 'k', path: './a' },
    { key: 'k', path: 'b//c/' },
    { key: 'k', path: 'd/./e/.' },
  ];
  try {
    const vols = await vm.setUp(pod('u-clean', [{ name: 'cfg', configMap: { name: 'cm', items } }]), dctx);
    const dir = vols.get('cfg')!.hostPath;
    for (const f of ['a', 'b/c', 'd/e']) assert.equal(readFileSync(path.join(dir, f), 'utf8'), 'v', f);
    assert.deepEqual(
      readdirSync(dir)
        .filter((e) => !e.startsWith('..'))
        .sort(),
      ['a', 'b', 'd'],
    );
  } finally {
    await vm.tearDown('u-clean');
  }
});

test('secret and projected volumes live on tmpfs, as kubelet keeps them off the disk', { skip: needsRoot }, async () => {
  const rootDir = path.join(base, 'secrets');
  const vm = new VolumeManager(rootDir, source);
  const p = pod('u-secret', [
    { name: 'creds', secret: { secretName: 's' } },
    { name: 'proj', projected: { sources: [{ secret: { name: 's' } }] } },
  ]);
  try {
    const vols = await vm.setUp(p, dctx);
    for (const name of ['creds', 'proj']) {
      const dir = vols.get(name)!.hostPath;
      const lines = mountLine(dir);
      assert.equal(lines.length, 1, `${name}: one mount at ${dir}`);
      assert.equal(lines[0].split(' ')[2], 'tmpfs');
      assert.equal(readFileSync(path.join(dir, 'password'), 'utf8'), 'hunter2');
    }
  } finally {
    await vm.tearDown('u-secret');
  }
  assert.deepEqual(mountPointsUnder(rootDir), []);
  assert.equal(existsSync(vm.podDir('u-secret')), false);
});

test('a memory emptyDir is mounted once, also by a restarted agent, and sized exactly', { skip: needsRoot }, async () => {
  const rootDir = path.join(base, 'memory');
  const p = pod('u-mem', [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '500m' } }]);
  const first = new VolumeManager(rootDir, source);
  try {
    const dir = (await first.setUp(p, dctx)).get('cache')!.hostPath;
    writeFileSync(path.join(dir, 'kept'), 'data');
    // An agent restart: a new manager on the same directory.
    const second = new VolumeManager(rootDir, source);
    await second.setUp(p, dctx);
    const lines = mountLine(dir);
    assert.equal(lines.length, 1, 'mounted once');
    assert.equal(readFileSync(path.join(dir, 'kept'), 'utf8'), 'data');
    // 500m is half a byte (rounded up to one page by tmpfs), not 500 MiB.
    const size = /size=(\d+)k/.exec(lines[0])?.[1];
    assert.ok(size !== undefined && Number(size) <= 4, `tmpfs size: ${lines[0]}`);
  } finally {
    await first.tearDown('u-mem');
  }
  assert.deepEqual(mountPointsUnder(rootDir), []);
});

test('a subPath through a link an init container planted is refused (CVE-2017-1002101)', { skip: needsRoot }, async () => {
  let h: Harness | undefined;
  try {
    h = await startHarness();
    const harness = h;
    const volumeDir = (uid: string) => path.join(harness.rootDir, 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'data');
    // The init container runs `ln -s <host dir> /data/escape` (and a relative link that stays inside).
    h.runtime.behaviour = (config, sb) => {
      if (config.metadata.name !== 'plant') return {};
      symlinkSync(outside, path.join(volumeDir(sb.metadata.uid), 'escape'));
      mkdirSync(path.join(volumeDir(sb.metadata.uid), 'real'));
      writeFileSync(path.join(volumeDir(sb.metadata.uid), 'real', 'f'), 'inside');
      symlinkSync('real', path.join(volumeDir(sb.metadata.uid), 'inner'));
      return { exitAfterMs: 0, exitCode: 0 };
    };
    const spec = (subPath: string) =>
      ({
        volumes: [{ name: 'data', emptyDir: {} }],
        initContainers: [{ name: 'plant', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        containers: [{ name: 'app', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/mnt', subPath }] }],
      }) as never;
    await h.createPod({ metadata: { name: 'escape' }, spec: spec('escape') });
    await h.createPod({ metadata: { name: 'escape-mkdir' }, spec: spec('escape/made') });
    await h.createPod({ metadata: { name: 'inner' }, spec: spec('inner') });
    const configError = (p: PodObject) => containerStatus(p)?.state?.waiting?.reason === 'CreateContainerConfigError';
    const a = await h.waitPod('escape', 'CreateContainerConfigError', configError);
    assert.equal(containerStatus(a)?.state?.waiting?.message, 'failed to prepare subPath for volumeMount "data" of container "app"');
    const b = await h.waitPod('escape-mkdir', 'CreateContainerConfigError', configError);
    assert.equal(
      containerStatus(b)?.state?.waiting?.message,
      'failed to create subPath directory for volumeMount "data" of container "app"',
    );
    assert.equal(existsSync(path.join(outside, 'made')), false, 'a directory was made on the host through the link');
    await h.waitEvent('escape', 'Failed', 'Error: failed to prepare subPath for volumeMount "data" of container "app"');
    // A link that stays inside the volume is fine: the runtime gets a bind of its target.
    const ok = await h.waitPod('inner', 'Running', (p) => p.status?.phase === 'Running');
    const mount = h.runtime.running(ok.metadata.uid!, 'app')!.config.mounts[0];
    assert.match(mount.hostPath, /volume-subpaths\/data\/app\/0$/);
    assert.equal(readFileSync(path.join(mount.hostPath, 'f'), 'utf8'), 'inside');
    for (const name of ['escape', 'escape-mkdir'])
      assert.equal(h.runtime.containersOf((await h.getPod(name)).metadata.uid!, 'app').length, 0);
  } finally {
    await h?.stop();
  }
});
