import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containerCapabilities,
  currentCapabilities,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  generateSpec,
  oomScoreAdjFloor,
  type SpecInput,
} from './spec.js';

function input(extra: Partial<SpecInput['config']> = {}): SpecInput {
  return {
    config: {
      metadata: { name: 'c', attempt: 0 },
      image: 'x',
      command: ['sh'],
      args: [],
      envs: [],
      mounts: [{ containerPath: '/data/../data/', hostPath: '/host/vol', readonly: true }],
      logPath: 'c/0.log',
      ...extra,
    },
    args: ['sh'],
    env: ['PATH=/bin'],
    cwd: '/work',
    user: { uid: 1000, gid: 1000, additionalGids: [2000] },
    sandbox: {
      net: '/s/net',
      ipc: '/s/ipc',
      uts: '/s/uts',
      hosts: '/s/hosts',
      resolvConf: '/s/resolv.conf',
      hostname: '/s/hostname',
      shm: '/s/shm',
    },
    hostNetwork: false,
    cgroupsPath: '/k8ts/abc',
    cgroupV2: false,
  };
}

test('config.json as the CRI plugin writes it: sandbox namespaces, pod files, volumes, defaults', () => {
  const s = generateSpec(input());
  assert.deepEqual(s.linux.namespaces, [
    { type: 'pid' },
    { type: 'network', path: '/s/net' },
    { type: 'ipc', path: '/s/ipc' },
    { type: 'uts', path: '/s/uts' },
    { type: 'mount' },
  ]);
  const dest = s.mounts.map((m) => m.destination);
  assert.deepEqual(dest, [
    '/proc',
    '/dev',
    '/sys',
    '/data',
    '/dev/pts',
    '/dev/shm',
    '/dev/mqueue',
    '/etc/hostname',
    '/etc/hosts',
    '/etc/resolv.conf',
    '/sys/fs/cgroup',
  ]);
  assert.ok(!dest.includes('/run'), 'no /run (WithoutRunMount)');
  assert.deepEqual(
    s.mounts.find((m) => m.destination === '/data'),
    { destination: '/data', type: 'bind', source: '/host/vol', options: ['rbind', 'rprivate', 'ro'] },
  );
  assert.equal(s.mounts.find((m) => m.destination === '/dev/shm')!.source, '/s/shm');
  assert.deepEqual(s.process.capabilities.effective, DEFAULT_CAPABILITIES);
  assert.deepEqual(s.linux.maskedPaths, DEFAULT_MASKED_PATHS);
  assert.equal(s.process.noNewPrivileges, false);
  assert.equal(s.linux.seccomp, undefined, 'Unconfined unless asked');
  assert.deepEqual(s.process.user, { uid: 1000, gid: 1000, additionalGids: [2000] });
  assert.equal(s.root.path, 'rootfs');
  assert.equal(s.linux.resources.devices[0].allow, false);
});

test('capabilities add and drop, ALL, privileged; seccomp RuntimeDefault; no_new_privs; resources; shared PID namespace', () => {
  assert.deepEqual(containerCapabilities({ capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['CHOWN', 'cap_kill'] } }), [
    ...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_KILL'),
    'CAP_NET_ADMIN',
  ]);
  assert.deepEqual(containerCapabilities({ capabilities: { addCapabilities: ['NET_BIND_SERVICE'], dropCapabilities: ['ALL'] } }), [
    'CAP_NET_BIND_SERVICE',
  ]);
  assert.deepEqual(containerCapabilities({ privileged: true }), currentCapabilities());
  assert.ok(currentCapabilities().includes('CAP_SYS_ADMIN'));
  const s = generateSpec(
    input({
      linux: {
        resources: { cpuShares: 256, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 1 << 26, pidsLimit: 100, oomScoreAdj: 900 },
        securityContext: {
          noNewPrivs: true,
          seccomp: { profileType: 'RuntimeDefault' },
          readonlyRootfs: true,
          namespaceOptions: { pid: 'POD' },
        },
      },
    }),
  );
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(s.root.readonly, true);
  assert.equal(s.process.oomScoreAdj, 900);
  assert.deepEqual(s.linux.resources.cpu, { shares: 256, quota: 50_000, period: 100_000 });
  assert.deepEqual(s.linux.resources.memory, { limit: 1 << 26 });
  assert.deepEqual(s.linux.resources.pids, { limit: 100 });
  const denied = s.linux.seccomp!.syscalls.flatMap((r) => r.names);
  for (const n of ['mount', 'unshare', 'setns', 'keyctl', 'bpf', 'reboot', 'clone']) assert.ok(denied.includes(n), n);
  // pid POD without a sandbox PID namespace falls back to a new one; with it, it is joined.
  const shared = input({ linux: { securityContext: { namespaceOptions: { pid: 'POD' } } } });
  shared.sandbox.pid = '/proc/42/ns/pid';
  assert.deepEqual(generateSpec(shared).linux.namespaces[0], { type: 'pid', path: '/proc/42/ns/pid' });
  const priv = generateSpec(input({ linux: { securityContext: { privileged: true, seccomp: { profileType: 'RuntimeDefault' } } } }));
  assert.deepEqual(priv.linux.maskedPaths, []);
  assert.equal(priv.linux.seccomp, undefined);
  assert.throws(
    () => generateSpec(input({ linux: { securityContext: { seccomp: { profileType: 'Localhost', localhostRef: 'x.json' } } } })),
    /Localhost profiles are not supported/,
  );
});

test("oom_score_adj: a Guaranteed pod's -997 is raised to the floor where the runtime may not lower it (containerd's restrict_oom_score_adj)", () => {
  // CapEff with CAP_SYS_RESOURCE (bit 24): no floor; without it: the process's own value.
  assert.equal(oomScoreAdjFloor('CapEff:\t000001ffffffffff\n', '0\n'), undefined);
  assert.equal(oomScoreAdjFloor('CapEff:\t000001fffeffffff\n', '0\n'), 0);
  assert.equal(oomScoreAdjFloor('CapEff:\t000001fffeffffff\n', '-500\n'), -500);
  const guaranteed = input({ linux: { resources: { oomScoreAdj: -997 } } });
  assert.equal(generateSpec(guaranteed).process.oomScoreAdj, -997);
  assert.equal(generateSpec({ ...guaranteed, oomScoreAdjFloor: 0 }).process.oomScoreAdj, 0);
  const bestEffort = input({ linux: { resources: { oomScoreAdj: 1000 } } });
  assert.equal(generateSpec({ ...bestEffort, oomScoreAdjFloor: 0 }).process.oomScoreAdj, 1000);
});
