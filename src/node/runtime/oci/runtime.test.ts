// The OCI runtime on this host with runc/crun, busybox images built by the test, a bridge and
// namespaces of its own. Needs root on Linux, an OCI runtime and busybox-static; run under the
// host lock (flock /tmp/k8ts-host.lock).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { NodeNetwork } from '../../network/bridge.js';
import type { ContainerConfig, PodSandboxConfig } from '../types.js';
import { cgroupDirs } from './cgroups.js';
import { DirectorySnapshotter } from './dirsnapshotter.js';
import { OciRuntime, ociUnavailableReason } from './runtime.js';
import { DEFAULT_CAPABILITIES } from './spec.js';
import { buildBusyboxRootfs, busyboxBinary, DirectoryImages } from './testing.js';

const why = ociUnavailableReason() ?? (busyboxBinary() ? undefined : 'busybox-static is not installed');
const skip = why ? `needs the OCI runtime: ${why}` : false;
const tag = (process.pid % 0xffff).toString(16);
const bridgeName = `k8oci${tag}`;
const podCIDR = `10.251.${100 + (process.pid % 100)}.0/24`;
const cgroupParent = `k8ts-test-${process.pid}`;

let dir: string;
let rt: OciRuntime;
let network: NodeNetwork;
const images = new DirectoryImages();

/** The capability bits of a set of names (the CapEff line of /proc/self/status). */
function capMask(names: string[]): bigint {
  const order = [
    'CHOWN',
    'DAC_OVERRIDE',
    'DAC_READ_SEARCH',
    'FOWNER',
    'FSETID',
    'KILL',
    'SETGID',
    'SETUID',
    'SETPCAP',
    'LINUX_IMMUTABLE',
    'NET_BIND_SERVICE',
    'NET_BROADCAST',
    'NET_ADMIN',
    'NET_RAW',
    'IPC_LOCK',
    'IPC_OWNER',
    'SYS_MODULE',
    'SYS_RAWIO',
    'SYS_CHROOT',
    'SYS_PTRACE',
    'SYS_PACCT',
    'SYS_ADMIN',
    'SYS_BOOT',
    'SYS_NICE',
    'SYS_RESOURCE',
    'SYS_TIME',
    'SYS_TTY_CONFIG',
    'MKNOD',
    'LEASE',
    'AUDIT_WRITE',
    'AUDIT_CONTROL',
    'SETFCAP',
  ];
  let m = 0n;
  for (const n of names) m |= 1n << BigInt(order.indexOf(n.replace(/^CAP_/, '')));
  return m;
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-oci-test-'));
  buildBusyboxRootfs(path.join(dir, 'busybox'));
  images.add('busybox:test', path.join(dir, 'busybox'), { env: ['PATH=/bin', 'FROM_IMAGE=yes'], workingDir: '/home/app' });
  images.add('registry.k8s.io/pause:3.10', path.join(dir, 'busybox'), { entrypoint: ['/pause'], cmd: [] });
  network = new NodeNetwork({ bridgeName, podCIDR });
  const snapshotter = new DirectorySnapshotter(path.join(dir, 'snapshots'), (ref) => images.rootfsPath(ref));
  rt = new OciRuntime({ stateDir: path.join(dir, 'state'), node: network, images, snapshotter, cgroupParent });
});

after(async () => {
  if (skip) return;
  try {
    await rt.cleanupAll();
  } finally {
    try {
      execFileSync('ip', ['link', 'del', bridgeName], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

let seq = 0;
function sandboxConfig(extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  const n = ++seq;
  return {
    metadata: { name: `p${n}`, namespace: 'default', uid: `uid-${tag}-${n}`, attempt: 0 },
    hostname: `p${n}`,
    logDirectory: path.join(dir, 'logs', `p${n}`),
    ...extra,
  };
}

function containerConfig(name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    metadata: { name, attempt: 0 },
    image: 'busybox:test',
    command,
    args: [],
    envs: [{ key: 'PATH', value: '/bin' }],
    mounts: [],
    logPath: `${name}/0.log`,
    ...extra,
  };
}

async function waitExited(id: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const st = await rt.containerStatus(id);
    if (st?.state === 'CONTAINER_EXITED') return st;
    if (Date.now() > deadline) throw new Error(`container ${id} did not exit: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The container's whole stdout once it has exited (CRI log lines, stream and tag stripped). */
async function runToEnd(
  sb: string,
  sbc: PodSandboxConfig,
  cfg: ContainerConfig,
): Promise<{ code: number; out: string; reason?: string; id: string }> {
  const id = await rt.createContainer(sb, cfg, sbc);
  await rt.startContainer(id);
  const st = await waitExited(id);
  const deadline = Date.now() + 5000;
  let log = '';
  // The log pump writes what the FIFOs held after the exit is recorded: wait for the end marker.
  while (Date.now() < deadline) {
    log = existsSync(st.logPath) ? readFileSync(st.logPath, 'utf8') : '';
    if (log.includes(' stdout F END')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const out = log
    .split('\n')
    .filter((l) => l.includes(' stdout '))
    .map((l) => l.split(' ').slice(3).join(' '))
    .join('\n');
  return { code: st.exitCode, out, reason: st.reason, id };
}

const sh = (script: string) => ['sh', '-c', `${script}; echo END`];

test("a container has Kubernetes' default capabilities, cannot mount, sees only its own processes and the image's files", {
  skip,
}, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const r = await runToEnd(
    sb,
    sbc,
    containerConfig(
      'check',
      sh(
        'grep CapEff /proc/self/status; mkdir -p /mnt/x; mount -t tmpfs none /mnt/x && echo MOUNTED || echo MOUNT-REFUSED; ps -o pid,comm | wc -l; ls /; echo cwd=$(pwd); hostname; cat /proc/1/cmdline | tr "\\0" " "; echo',
      ),
    ),
  );
  assert.equal(r.code, 0, r.out);
  const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(r.out)![1]}`);
  assert.equal(capEff, capMask(DEFAULT_CAPABILITIES), `CapEff ${capEff.toString(16)}`);
  assert.match(r.out, /MOUNT-REFUSED/);
  assert.doesNotMatch(r.out, /^MOUNTED$/m);
  // ps header + the shell (pid 1) + ps + wc: nothing of the host.
  assert.ok(Number(/^\s*(\d+)\s*$/m.exec(r.out)![1]) <= 4, r.out);
  assert.match(r.out, /^pause$/m);
  assert.doesNotMatch(r.out, /^(usr|work|var)$/m);
  assert.match(r.out, /cwd=\/home\/app$/m);
  assert.match(r.out, new RegExp(`^${sbc.hostname}$`, 'm'));
  assert.match(r.out, /^sh -c /m);
});

test('runAsUser, runAsGroup and supplemental groups hold; readOnlyRootFilesystem refuses writes', { skip }, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const r = await runToEnd(
    sb,
    sbc,
    containerConfig('user', sh('id; touch /home/app/x && echo WROTE || echo READONLY; echo > /tmp/y && echo TMPWRITE || echo TMPRO'), {
      linux: { securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], readonlyRootfs: true } },
    }),
  );
  assert.match(r.out, /uid=1000\(app\) gid=3000 groups=.*4000/);
  assert.match(r.out, /READONLY/);
  const named = await runToEnd(sb, sbc, containerConfig('named', sh('id'), { linux: { securityContext: { runAsUsername: 'app' } } }));
  assert.match(named.out, /uid=1000\(app\) gid=1000\(app\) groups=.*1500\(extra\)/);
});

test('a container over its memory limit ends OOMKilled', { skip }, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const id = await rt.createContainer(
    sb,
    containerConfig('hog', ['sh', '-c', 'x=0123456789; while :; do x="$x$x"; done'], {
      linux: { resources: { memoryLimitInBytes: 32 * 1024 * 1024 } },
    }),
    sbc,
  );
  await rt.startContainer(id);
  const st = await waitExited(id, 60_000);
  assert.equal(st.reason, 'OOMKilled');
  assert.equal(st.exitCode, 137);
});

test('each container writes to a layer of its own: a restart starts from the image, a sibling never sees the writes', {
  skip,
}, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const first = await runToEnd(
    sb,
    sbc,
    containerConfig('w', sh('cat /etc/marker 2>/dev/null || echo NO-MARKER; echo written > /etc/marker; echo >> /bin/busybox.extra')),
  );
  assert.match(first.out, /NO-MARKER/);
  const again = await runToEnd(
    sb,
    sbc,
    containerConfig('w', sh('cat /etc/marker 2>/dev/null || echo NO-MARKER'), { metadata: { name: 'w', attempt: 1 }, logPath: 'w/1.log' }),
  );
  assert.match(again.out, /NO-MARKER/);
  assert.ok(!existsSync(path.join(dir, 'busybox/etc/marker')), 'the image itself is untouched');
  await rt.removeContainer(first.id);
  assert.ok(!existsSync(path.join(dir, 'snapshots', first.id)), "the removed container's layer is gone");
});

test("exec returns the command's exit code, runs in the container, attach and a terminal work", { skip }, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const id = await rt.createContainer(
    sb,
    containerConfig('main', ['sh', '-c', 'echo ready; while read line; do echo "got $line"; done; echo bye'], {
      stdin: true,
      stdinOnce: true,
    }),
    sbc,
  );
  await rt.startContainer(id);
  const r = await rt.execSync(id, ['sh', '-c', 'echo $(id -u) $(cat /proc/1/cmdline | tr "\\0" " "); exit 7'], 10);
  assert.equal(r.exitCode, 7);
  assert.match(r.stdout, /^0 sh -c echo ready/);
  // attach: stdin reaches the main process, its output comes back.
  const stdin = new PassThrough();
  const chunks: Buffer[] = [];
  const stdout = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
  const session = await rt.attach(id, { tty: false, stdin, stdout });
  stdin.write('hello\n');
  const deadline = Date.now() + 10_000;
  while (!Buffer.concat(chunks).toString().includes('got hello') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.match(Buffer.concat(chunks).toString(), /got hello/);
  stdin.end();
  assert.equal(await session.exited, 0);
  assert.equal((await waitExited(id)).exitCode, 0);

  // A tty container: the process has a terminal, and exec -t gets one too.
  const tty = await rt.createContainer(
    sb,
    containerConfig('tty', ['sh', '-c', 'tty; stty size; sleep 30'], { tty: true, stdin: true }),
    sbc,
  );
  await rt.startContainer(tty);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      out.push(c);
      cb();
    },
  });
  const t = await rt.exec(tty, ['sh', '-c', 'tty; exit 3'], { tty: true, stdout: sink, stdin: new PassThrough() });
  assert.equal(await t.exited, 3);
  assert.match(Buffer.concat(out).toString(), /\/dev\/pts\/\d+/);
  await rt.stopContainer(tty, 1);
  const log = readFileSync((await rt.containerStatus(tty))!.logPath, 'utf8');
  assert.match(log, /stdout F \/dev\/pts\/0/);
});

test("shareProcessNamespace: the pod's containers see each other; a missing command is a StartError", { skip }, async () => {
  const sbc = sandboxConfig({ sharePid: true });
  const sb = await rt.runPodSandbox(sbc);
  const shared = { linux: { securityContext: { namespaceOptions: { pid: 'POD' as const } } } };
  const a = await rt.createContainer(sb, containerConfig('a', ['sleep', '300'], shared), sbc);
  await rt.startContainer(a);
  const r = await runToEnd(sb, sbc, containerConfig('b', sh('ps -o comm'), shared));
  assert.match(r.out, /^sleep$/m);
  assert.match(r.out, /^pause$|^sh$/m);
  const bad = await rt.createContainer(sb, containerConfig('bad', ['no-such-binary']), sbc);
  await assert.rejects(rt.startContainer(bad), /executable file not found/);
  const st = await rt.containerStatus(bad);
  assert.equal(st?.reason, 'StartError');
  assert.equal(st?.exitCode, 128);
  await rt.removePodSandbox(sb);
  assert.deepEqual(await rt.listContainers({ podSandboxId: sb }), []);
});

test('cleanupAll leaves no cgroup, mount or runtime state behind', { skip }, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const id = await rt.createContainer(
    sb,
    containerConfig('c', ['sleep', '300'], {
      linux: { resources: { memoryLimitInBytes: 64 << 20, cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, pidsLimit: 100 } },
    }),
    sbc,
  );
  await rt.startContainer(id);
  const memDir = cgroupDirs(`${cgroupParent}/${id}`).find((d) => d.includes('/memory/') || !d.includes('/sys/fs/cgroup/'));
  if (memDir?.includes('/memory/')) assert.equal(readFileSync(path.join(memDir, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 << 20));
  const cpuDir = cgroupDirs(`${cgroupParent}/${id}`).find((d) => /\/cpu\//.test(d));
  if (cpuDir) {
    assert.equal(readFileSync(path.join(cpuDir, 'cpu.shares'), 'utf8').trim(), '512');
    assert.equal(readFileSync(path.join(cpuDir, 'cpu.cfs_quota_us'), 'utf8').trim(), '50000');
  }
  const pidsDir = cgroupDirs(`${cgroupParent}/${id}`).find((d) => /\/pids\//.test(d));
  if (pidsDir) assert.equal(readFileSync(path.join(pidsDir, 'pids.max'), 'utf8').trim(), '100');
  await rt.cleanupAll();
  assert.deepEqual(cgroupDirs(cgroupParent), []);
  assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(dir));
});

test("with the image service's layer snapshotter: two committed layers (a whiteout in the top one) under a container's own layer", {
  skip,
}, async () => {
  const { LayerSnapshotter, overlaySupported } = await import('../../images/snapshotter.js');
  if (!overlaySupported()) return;
  const root = path.join(dir, 'layers');
  const snaps = new LayerSnapshotter({ root, mode: 'overlay', sameOwner: true, resolveImage: async () => 'chain-2' });
  await snaps.commit('chain-1', '', async (fsDir) => {
    execFileSync('cp', ['-a', `${path.join(dir, 'busybox')}/.`, fsDir]);
  });
  await snaps.commit('chain-2', 'chain-1', async (fsDir) => {
    execFileSync('mkdir', ['-p', path.join(fsDir, 'etc'), path.join(fsDir, 'bin')]);
    execFileSync('sh', ['-c', `echo from-layer-2 > ${path.join(fsDir, 'etc/layer2')}; mknod ${path.join(fsDir, 'bin/vi')} c 0 0`]);
  });
  const layered = new OciRuntime({
    stateDir: path.join(dir, 'state-layers'),
    node: null,
    images,
    snapshotter: snaps,
    cgroupParent: `${cgroupParent}-l`,
  });
  try {
    const sbc = sandboxConfig();
    const sb = await layered.runPodSandbox(sbc);
    const id = await layered.createContainer(
      sb,
      containerConfig('l', sh('cat /etc/layer2; ls /bin/vi 2>/dev/null || echo VI-GONE; ls /bin/sh')),
      sbc,
    );
    await layered.startContainer(id);
    let st = await layered.containerStatus(id);
    const deadline = Date.now() + 20_000;
    while (st?.state !== 'CONTAINER_EXITED' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      st = await layered.containerStatus(id);
    }
    assert.equal(st?.exitCode, 0);
    let log = '';
    while (!log.includes('END') && Date.now() < deadline) {
      log = existsSync(st!.logPath) ? readFileSync(st!.logPath, 'utf8') : '';
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(log, /from-layer-2/);
    assert.match(log, /VI-GONE/);
    assert.match(log, /\/bin\/sh/);
    await layered.removeContainer(id);
    assert.equal(await snaps.stat(id), undefined, "the container's writable snapshot is removed with it");
  } finally {
    await layered.cleanupAll();
  }
});

test('seccomp RuntimeDefault when asked, no_new_privs, capabilities added and dropped, privileged', { skip }, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const probe = sh('grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; unshare -U true && echo USERNS-OK || echo USERNS-DENIED');
  const unconfined = await runToEnd(sb, sbc, containerConfig('u', probe));
  assert.match(unconfined.out, /Seccomp:\s+0/);
  assert.match(unconfined.out, /NoNewPrivs:\s+0/);
  const confined = await runToEnd(
    sb,
    sbc,
    containerConfig('r', probe, {
      linux: {
        securityContext: {
          seccomp: { profileType: 'RuntimeDefault' },
          noNewPrivs: true,
          capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['CHOWN'] },
        },
      },
    }),
  );
  assert.match(confined.out, /Seccomp:\s+2/);
  assert.match(confined.out, /NoNewPrivs:\s+1/);
  assert.match(confined.out, /USERNS-DENIED/);
  const want = capMask([...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN'), 'CAP_NET_ADMIN']);
  assert.equal(BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(confined.out)![1]}`), want);
  const priv = await runToEnd(
    sb,
    sbc,
    containerConfig('p', sh('grep CapEff /proc/self/status; mkdir -p /mnt/t; mount -t tmpfs none /mnt/t && echo MOUNT-OK'), {
      linux: { securityContext: { privileged: true } },
    }),
  );
  assert.match(priv.out, /^MOUNT-OK$/m);
  assert.ok(BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(priv.out)![1]}`) >= capMask(DEFAULT_CAPABILITIES) * 2n);
});

test('a new runtime on the same state dir (an agent restart) adopts running containers and their output', { skip }, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const id = await rt.createContainer(
    sb,
    containerConfig('ticker', ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.2; done']),
    sbc,
  );
  await rt.startContainer(id);
  const pid = (await rt.containerStatus(id))!.pid;
  await rt.close();
  const snapshotter = new DirectorySnapshotter(path.join(dir, 'snapshots'), (ref) => images.rootfsPath(ref));
  rt = new OciRuntime({ stateDir: path.join(dir, 'state'), node: network, images, snapshotter, cgroupParent });
  const st = await rt.containerStatus(id);
  assert.equal(st?.state, 'CONTAINER_RUNNING');
  assert.equal(st?.pid, pid);
  const before = readFileSync(st!.logPath, 'utf8').split('\n').length;
  const deadline = Date.now() + 10_000;
  while (readFileSync(st!.logPath, 'utf8').split('\n').length < before + 3 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(readFileSync(st!.logPath, 'utf8').split('\n').length >= before + 3, "the new runtime reads the container's output on");
  await rt.stopContainer(id, 1);
  assert.equal((await rt.containerStatus(id))?.state, 'CONTAINER_EXITED');
});

test("a Guaranteed pod's container (oom_score_adj -997) starts even where this process may not lower oom_score_adj", { skip }, async () => {
  const sbc = sandboxConfig();
  const sb = await rt.runPodSandbox(sbc);
  const id = await rt.createContainer(
    sb,
    containerConfig('g', ['sh', '-c', 'cat /proc/self/oom_score_adj; sleep 300'], {
      linux: { resources: { oomScoreAdj: -997, memoryLimitInBytes: 64 << 20, cpuQuota: 20_000, cpuPeriod: 100_000 } },
    }),
    sbc,
  );
  await rt.startContainer(id);
  const st = await rt.containerStatus(id);
  assert.equal(st?.state, 'CONTAINER_RUNNING', JSON.stringify(st));
  const own = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));
  const canLower = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  const expected = canLower && (BigInt(`0x${canLower}`) >> 24n) & 1n ? -997 : Math.max(-997, own);
  const out = await rt.execSync(id, ['cat', '/proc/1/oom_score_adj'], 10);
  assert.equal(Number(out.stdout.trim()), expected);
  await rt.removePodSandbox(sb);
});
