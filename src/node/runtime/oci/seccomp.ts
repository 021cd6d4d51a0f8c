// The RuntimeDefault seccomp profile k8ts gives a container that asks for it (kubelet sends
// Unconfined unless the pod or container says RuntimeDefault, as Kubernetes does).
//
// Our own profile, written from the behaviour Docker's and containerd's documentation describe
// for their default profile, not a copy of it: theirs is an allow-list of every harmless
// syscall; ours denies (EPERM) the syscalls their documentation lists as blocked, each unless
// the container holds the capability that unlocks it there, plus clone() and clone3() with
// namespace flags. The difference: a syscall newer than this list is allowed here; there it is
// denied until the list learns it.

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}
export interface SeccompProfile {
  defaultAction: string;
  architectures: string[];
  syscalls: SeccompRule[];
}

const EPERM = 1;
const ENOSYS = 38;

/** Blocked unless the container holds the capability (or always, for ''). */
const BLOCKED: [cap: string, names: string[]][] = [
  [
    '',
    [
      'add_key',
      'keyctl',
      'request_key',
      'lookup_dcookie',
      'nfsservctl',
      'sysfs',
      '_sysctl',
      'uselib',
      'userfaultfd',
      'ustat',
      'vm86',
      'vm86old',
      'get_kernel_syms',
      'query_module',
      'create_module',
    ],
  ],
  [
    'CAP_SYS_ADMIN',
    [
      'mount',
      'umount',
      'umount2',
      'pivot_root',
      'setns',
      'unshare',
      'quotactl',
      'swapon',
      'swapoff',
      'name_to_handle_at',
      'fsopen',
      'fsconfig',
      'fsmount',
      'fspick',
      'move_mount',
      'open_tree',
      'mount_setattr',
      'lookup_dcookie',
      'setdomainname',
      'sethostname',
      'vhangup',
    ],
  ],
  ['CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module']],
  ['CAP_SYS_BOOT', ['reboot', 'kexec_load', 'kexec_file_load']],
  ['CAP_SYS_TIME', ['settimeofday', 'stime', 'clock_settime', 'clock_adjtime']],
  ['CAP_SYS_PACCT', ['acct']],
  ['CAP_SYS_RAWIO', ['iopl', 'ioperm']],
  ['CAP_SYS_NICE', ['get_mempolicy', 'set_mempolicy', 'mbind', 'move_pages']],
  ['CAP_DAC_READ_SEARCH', ['open_by_handle_at']],
  ['CAP_SYSLOG', ['syslog']],
  ['CAP_PERFMON', ['perf_event_open']],
  ['CAP_BPF', ['bpf']],
];

/** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME. */
const CLONE_NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080];

export function runtimeDefaultSeccomp(caps: string[]): SeccompProfile {
  const has = (c: string) => caps.includes(c) || (c !== '' && caps.includes('CAP_SYS_ADMIN') && (c === 'CAP_PERFMON' || c === 'CAP_BPF'));
  const names: string[] = [];
  for (const [cap, list] of BLOCKED) if (cap === '' || !has(cap)) for (const n of list) if (!names.includes(n)) names.push(n);
  const syscalls: SeccompRule[] = [{ names, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }];
  if (!has('CAP_SYS_ADMIN')) {
    // clone's flags are its first argument on x86-64 and arm64 alike (s390x differs; not served).
    // One rule per flag: a rule's argument conditions are all required, and "any of" is several rules.
    for (const flag of CLONE_NAMESPACE_FLAGS) {
      syscalls.push({
        names: ['clone'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: EPERM,
        args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
      });
    }
    // clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone.
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    syscalls,
  };
}
