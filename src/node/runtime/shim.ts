// The shell scripts that run a container without a daemon. For each container the runtime
// writes two small scripts into its state dir:
//
//   shim.sh  started detached (setsid) by the agent; holds the output FIFOs open, launches the
//            container, waits for it and records `exit` (code, finish time, reason). Because it
//            does not depend on the agent, containers outlive an agent restart. A POSIX shell
//            costs ~1 MB per container, unlike a node process.
//   init.sh  runs as pid 1 of the container's own pid namespace, in its own mount namespace
//            (and the sandbox's net/uts/ipc namespaces): builds the filesystem view, then forks
//            the container's process, chrooted, in its working dir, with only its env, and
//            waits for it. The main process is pid 2 inside, so SIGTERM reaches it with default
//            handling (no pid-1 signal immunity), and when it exits init exits too, which kills
//            everything else left in the pid namespace.
//
// Filesystem view: a private tmpfs holds the overlay's upper and work dirs (overlayfs refuses an
// upper dir, or a second lower dir, on the same filesystem as a lower `/`), the image's files are
// copied into the upper dir, the host's `/` is the lower layer. Container writes therefore live in
// memory and vanish with the container's mount namespace: nothing to clean up on the host.

import path from 'node:path';

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface LaunchMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  isFile: boolean;
  /** The source is not the root of a filesystem (see ViewStep.distinct). */
  distinct?: boolean;
}

export interface LaunchSpec {
  containerDir: string;
  stateDir: string;
  /** Namespaces + chroot (root on Linux) or plain host processes. */
  isolated: boolean;
  sandboxDir: string;
  hostNetwork: boolean;
  imageRootfs?: string;
  /** The container's root as the image service's snapshotter prepared it (isolated containers). */
  rootfsMounts?: { type: string; source: string; options: string[] }[];
  /** The host's chroot binary. */
  chroot?: string;
  workingDir: string;
  /** Working directory on the host, for non-isolated containers. */
  hostWorkingDir: string;
  env: string[];
  argv: string[];
  mounts: LaunchMount[];
  stdin: boolean;
  /** A terminal for the container (`tty: true`): the PTY helper runs it; fd 3 of the helper takes resizes from ctl.fifo. */
  tty?: boolean;
  /** Memory cgroup dir, when a limit is enforced. */
  cgroupDir?: string;
  /** Size of the tmpfs holding the container's writable layer, and of its /tmp. */
  writableBytes: number;
  /** The sandbox's shm tmpfs has a source name of its own (k8ts-shm-<sandbox id>). */
  shmNamed?: boolean;
}

/** Runs inside the view, as the shell that becomes the container's process: checks the command
 *  exists (the StartError Kubernetes users know), reports the host pid, then execs. */
const ENTER = [
  'cd "$1" || exit 128',
  'hp=$2; shift 2',
  'case "$1" in */*) [ -f "$1" ] && [ -x "$1" ] ;; *) command -v "$1" >/dev/null 2>&1 ;; esac ||' +
    ' { printf \'exec: "%s": executable file not found in $PATH\' "$1" >&8; exit 128; }',
  'echo "$hp" >&7',
  'exec 7>&- 8>&-',
  'exec "$@"',
].join('\n');

/** Fails when a path inside the container's root passes through a symbolic link of the image:
 *  the shell below works on the host's view, where such a link would lead out of the root. */
const INROOT = `inroot() {
  _p="$R"; _rest="\${1#/}"
  while [ -n "$_rest" ]; do
    _c="\${_rest%%/*}"
    if [ "$_c" = "$_rest" ]; then _rest=""; else _rest="\${_rest#*/}"; fi
    if [ -z "$_c" ] || [ "$_c" = . ]; then continue; fi
    if [ "$_c" = .. ]; then echo "refusing $1: it names .." >&2; return 1; fi
    _p="$_p/$_c"
    if [ -L "$_p" ]; then echo "refusing to use $1 in the container: $_c is a symbolic link in the image" >&2; return 1; fi
  done
}`;

/**
 * The middle of both shims (this one and the OCI runtime's): start the container on the held
 * stdio FIFOs, wait for it (a signal to the shim itself is not its end) and name how it ended.
 * ctl is the redirection of fd 3, the terminal-resize channel when there is a TTY.
 */
export function launchAndWait(launch: string, ctl: string, stdin: boolean): string[] {
  const lines: string[] = [];
  if (stdin) {
    // 5 keeps a writer on the stdin FIFO so the container reads on across attaches; closing it
    // (SIGUSR1, stdinOnce) lets the container see EOF once the attached client goes away.
    lines.push('exec 5<>stdin.fifo 6<stdin.fifo', "trap 'exec 5>&-' USR1");
    lines.push(`${launch} <&6 >&3 2>&4${ctl} 4>&- 5>&- 6>&- &`, 'child=$!', 'exec 6<&-');
  } else {
    lines.push(`${launch} </dev/null >&3 2>&4${ctl} 4>&- &`, 'child=$!');
  }
  lines.push(
    'while :; do',
    '  wait "$child"; code=$?',
    '  if [ "$code" -gt 128 ] && kill -0 "$child" 2>/dev/null; then continue; fi',
    '  break',
    'done',
    'exec 3>&- 4>&- 5>&- 7>&- 2>/dev/null',
    'reason=Error; [ "$code" = 0 ] && reason=Completed',
    '[ -s pid ] || { code=128; reason=StartError; }',
  );
  return lines;
}

export function shimScript(spec: LaunchSpec): string {
  const c = spec.containerDir;
  const lines = [
    '#!/bin/sh',
    '# k8ts container shim: supervises one container, detached from the node agent.',
    `C=${shq(c)}`,
    'cd "$C" || exit 1',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH',
    '# Held read-write: the container never gets EPIPE, output waits in the pipe while the agent is away.',
    'exec 3<>stdout.fifo 4<>stderr.fifo',
    "trap ':' USR1",
  ];
  if (spec.cgroupDir) lines.push(`echo $$ > ${shq(spec.cgroupDir)}/cgroup.procs 2>/dev/null`);
  lines.push('now() { t=$(date +%s%3N 2>/dev/null); case "$t" in *N*|"") t=$(($(date +%s) * 1000));; esac; echo "$t"; }');
  // The start time is the file's own (its mtime): made by the shell itself, no date and mv processes on the way in.
  lines.push(': > started');
  let launch: string;
  if (!spec.isolated) launch = '/bin/sh "$C/init.sh"';
  else if (spec.hostNetwork)
    launch = `nsenter --ipc=${shq(spec.sandboxDir + '/ipc')} -- unshare --mount --pid --fork --kill-child -- /bin/sh "$C/init.sh"`;
  else {
    const s = spec.sandboxDir;
    launch = `nsenter --net=${shq(s + '/net')} --uts=${shq(s + '/uts')} --ipc=${shq(s + '/ipc')} -- unshare --mount --pid --fork --kill-child -- /bin/sh "$C/init.sh"`;
  }
  let ctl = ' 3>&-';
  if (spec.tty) {
    lines.push('exec 7<>ctl.fifo');
    launch = `python3 -c ${shq(PTY_HELPER)} 80 24 ${launch}`;
    ctl = ' 3<&7 7<&-';
  }
  lines.push(...launchAndWait(launch, ctl, spec.stdin));
  if (spec.cgroupDir) {
    const cg = shq(spec.cgroupDir);
    lines.push(`grep -qs '^oom_kill [1-9]' ${cg}/memory.events ${cg}/memory.oom_control && reason=OOMKilled`);
  }
  lines.push('echo "$code $(now) $reason" > exit.tmp && mv exit.tmp exit', '');
  return lines.join('\n');
}

/**
 * One step of the container's filesystem view, in the order the view is built: a mount (an fstab
 * line) or, without one, a directory to make (the working dir).
 */
interface ViewStep {
  /** The path inside the container (clean, absolute, resolved by the runtime). */
  target: string;
  fstab?: { source: string; type: string; options: string };
  isFile?: boolean;
  /** Brings the mounts under its source along (rbind): a path under it may already be a mount point. */
  recursive?: boolean;
  /**
   * Its source cannot be taken for a mount already at its target, so `mount --all` may make it
   * even there: libmount tells a bind's source by its filesystem's name and the path inside it,
   * and "tmpfs" + "/" may be any tmpfs, while a file, a directory that is not a filesystem's
   * root, or a tmpfs with a name of its own is that one only.
   */
  distinct?: boolean;
  /**
   * Stands in for the fstab line where it cannot be mounted: run when the round's `mount --all`
   * fails, which then runs again (what it mounted the first time is skipped as already mounted).
   */
  fallback?: string;
}

/** A field of an fstab(5) line: every byte but plain path characters as an octal escape, which libmount decodes. */
export function fstabField(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && /[A-Za-z0-9._/:=+,@%-]/.test(c) ? c : `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}

function isUnder(p: string, parent: string): boolean {
  return p === parent || parent === '/' || p.startsWith(`${parent}/`);
}

/**
 * Which round each step is made in, and whether `mount --all` may make it. A step comes one round
 * after every earlier mount its target lies in (or on): its path is checked for the image's
 * symbolic links (inroot) and its directory made only once those are mounted, as the one-by-one
 * script did. Steps of a round are independent, so one `mkdir -p` and one `mount --all --fstab`
 * make them all: two processes instead of two or three per mount. `mount --all` skips a line
 * whose target already has the same source mounted, and tells "the same" for a pseudo filesystem
 * (tmpfs, ...) by its name alone, so a line whose target may already be a mount point (under an
 * rbind of /dev or /sys, or on an earlier mount's target) gets a `mount` of its own instead,
 * unless its source is distinct: the pod's shm bound on /dev/shm must never be taken for the host's.
 */
function viewRounds(steps: ViewStep[]): { round: number; batched: boolean }[] {
  const out: { round: number; batched: boolean }[] = [];
  steps.forEach((st, i) => {
    let round = 0;
    let batched = !!st.fstab;
    for (let j = 0; j < i; j++) {
      const m = steps[j];
      if (!m.fstab || !isUnder(st.target, m.target)) continue;
      round = Math.max(round, out[j].round + 1);
      if ((m.recursive && !st.distinct) || st.target === m.target) batched = false;
    }
    out.push({ round, batched });
  });
  return out;
}

/** init.sh and the fstab files it mounts from (names relative to the container's folder). */
export interface ContainerInit {
  script: string;
  files: Record<string, string>;
}

export function initScript(spec: LaunchSpec): ContainerInit {
  const c = spec.containerDir;
  const files: Record<string, string> = {};
  const envArgs = spec.env.map(shq).join(' ');
  const argv = spec.argv.map(shq).join(' ');
  // With a terminal, the container's process leads a session of its own with the terminal as its
  // controlling tty (as runc sets it up): a job-control shell can then hand the terminal back on exit.
  const ctty = spec.tty ? 'setsid -c ' : '';
  const lines = [
    '#!/bin/sh',
    `C=${shq(c)}`,
    '# Setup errors go to init.log (shown as the StartError message), not to the container log.',
    'exec 9>&2 2>>"$C/init.log"',
  ];
  if (!spec.isolated) {
    lines.push(
      `exec 7>"$C/pid" 8>>"$C/init.log" 2>&9 9>&-`,
      `exec ${ctty}/usr/bin/env -i -- ${envArgs} /bin/sh -c ${shq(ENTER)} k8ts-init ${shq(spec.hostWorkingDir)} "$$" ${argv}`,
      '',
    );
    return { script: lines.join('\n'), files };
  }
  const s = spec.sandboxDir;
  // No `mount --make-rprivate /`: unshare(1) makes a new mount namespace's propagation private
  // (its --propagation defaults to private), so nothing mounted here reaches the host.
  lines.push(`S=${shq(s)}`, `STATE=${shq(spec.stateDir)}`, 'set -e');
  let root: string;
  if (spec.rootfsMounts) {
    // The image's own root: the snapshotter's mounts, as containerd's shim mounts them.
    root = `${c}/root`;
    lines.push('R="$C/root"');
    for (const m of spec.rootfsMounts) {
      if (m.type === 'bind') {
        lines.push(`mount --rbind ${shq(m.source)} "$R"`);
        if (m.options.includes('ro')) lines.push('mount -o remount,bind,ro "$R"');
      } else {
        // The container's writes go to a tmpfs bounded by its ephemeral-storage limit (issue #7)
        // rather than to the snapshot's upper dir on disk: they vanish with the container, as the
        // process runtime's writable layer always has. "$C/rw" is made by the runtime beforehand.
        const rw = `${c}/rw`;
        lines.push(
          `mount -t tmpfs -o mode=0755,size=${Math.max(1, Math.ceil(spec.writableBytes))} k8ts-rw "$C/rw"`,
          'mkdir "$C/rw/upper" "$C/rw/work"',
        );
        const options = m.options.map((o) =>
          o.startsWith('upperdir=') ? `upperdir=${rw}/upper` : o.startsWith('workdir=') ? `workdir=${rw}/work` : o,
        );
        lines.push(`mount -t ${shq(m.type)} -o ${shq(options.join(','))} ${shq(m.source)} "$R"`);
      }
    }
    lines.push(INROOT);
  } else {
    root = `${c}/root/rootfs`;
    lines.push(
      `mount -t tmpfs -o mode=0755,size=${Math.max(1, Math.ceil(spec.writableBytes))} k8ts-rw "$C/root"`,
      'mkdir "$C/root/upper" "$C/root/work" "$C/root/rootfs"',
    );
    if (spec.imageRootfs) lines.push(`cp -a ${shq(spec.imageRootfs)}/. "$C/root/upper/"`);
    lines.push(
      'mount -t overlay overlay -o "lowerdir=/,upperdir=$C/root/upper,workdir=$C/root/work" "$C/root/rootfs"',
      'R="$C/root/rootfs"',
      'inroot() { :; }',
    );
  }
  // Makes the directories given unless all are there already (the usual case: no process at all).
  lines.push('mkd() { for _d; do [ -d "$_d" ] || { mkdir -p -- "$@"; return; }; done; }');

  const bind = (source: string, readonly = false) => ({ source, type: 'none', options: readonly ? 'bind,ro' : 'bind' });
  const size = Math.max(1, Math.ceil(spec.writableBytes));
  const steps: ViewStep[] = [
    { target: '/proc', fstab: { source: 'proc', type: 'proc', options: 'defaults' } },
    { target: '/dev', fstab: { source: '/dev', type: 'none', options: 'rbind' }, recursive: true },
    { target: '/dev/shm', fstab: bind(`${s}/shm`), distinct: !!spec.shmNamed },
    // sysfs where the kernel lets this namespace have its own (its network devices), else the host's.
    {
      target: '/sys',
      fstab: { source: 'sysfs', type: 'sysfs', options: 'ro' },
      fallback: '[ -e "$R/sys/kernel" ] || mount --rbind /sys "$R/sys"',
      recursive: true,
    },
  ];
  // The host's `/` underneath had a /tmp to hide; an image's own /tmp stays as the image has it.
  if (!spec.rootfsMounts) steps.push({ target: '/tmp', fstab: { source: 'tmpfs', type: 'tmpfs', options: `mode=1777,size=${size}` } });
  for (const f of ['hosts', 'resolv.conf', 'hostname']) steps.push({ target: `/etc/${f}`, fstab: bind(`${s}/${f}`), isFile: true });
  // Mount targets and the working dir were resolved inside the container's view by the runtime
  // (node/fs/safepath): no '..', no link on the way, so mkdir -p and mount stay inside "$R".
  for (const m of spec.mounts)
    steps.push({ target: m.containerPath, fstab: bind(m.hostPath, m.readonly), isFile: m.isFile, distinct: !!m.distinct });
  if (spec.workingDir !== '/') steps.push({ target: spec.workingDir });

  const rounds = viewRounds(steps);
  const last = Math.max(...rounds.map((r) => r.round));
  for (let round = 0; round <= last; round++) {
    const here = steps.filter((_, i) => rounds[i].round === round);
    const dirs = new Set<string>();
    for (const st of here) {
      lines.push(`inroot ${shq(st.target)}`);
      dirs.add(st.isFile ? path.posix.dirname(st.target) : st.target);
    }
    lines.push(`mkd ${[...dirs].map((d) => `"$R"${shq(d)}`).join(' ')}`);
    for (const st of here.filter((x) => x.isFile)) lines.push(`[ -e "$R"${shq(st.target)} ] || : > "$R"${shq(st.target)}`);
    const fstab = steps
      .filter((_, i) => rounds[i].round === round && rounds[i].batched)
      .map((st) => `${fstabField(st.fstab!.source)} ${fstabField(root + st.target)} ${st.fstab!.type} ${st.fstab!.options} 0 0\n`)
      .join('');
    if (fstab) {
      files[`fstab.${round}`] = fstab;
      const all = `mount -c --all --fstab ${shq(`${c}/fstab.${round}`)}`;
      const fallbacks = steps.filter((st, i) => rounds[i].round === round && rounds[i].batched && st.fallback).map((st) => st.fallback);
      lines.push(fallbacks.length ? `${all} 2>/dev/null || { ${fallbacks.join('; ')}; ${all}; }` : all);
    }
    steps.forEach((st, i) => {
      if (rounds[i].round !== round || rounds[i].batched) return;
      if (st.fstab) {
        const type = st.fstab.type === 'none' ? '' : ` -t ${st.fstab.type}`;
        const one = `mount${type} -o ${st.fstab.options} ${shq(st.fstab.source)} "$R"${shq(st.target)}`;
        lines.push(st.fallback ? `${one} 2>/dev/null || { ${st.fallback}; }` : one);
      }
    });
  }
  lines.push(
    'set +e',
    'exec 6<&0',
    '(',
    '  read -r hp _ < /proc/self/stat',
    `  exec 7>"$C/pid" 8>>"$C/init.log" 2>&9 9>&-`,
    // The host's setsid, env and chroot: the image needs only a /bin/sh of its own.
    `  exec ${ctty}/usr/bin/env -i -- ${envArgs} ${shq(spec.chroot ?? 'chroot')} "$R" /bin/sh -c ${shq(ENTER)} k8ts-init ${shq(spec.workingDir)} "$hp" ${argv}`,
    ') <&6 &',
    'child=$!',
    'exec 6<&- 0</dev/null',
    "# Drop this mount namespace's copies of other pods' namespace files and shm, so a removed pod's",
    "# namespaces are not kept alive by this container; after the container's process is on its way.",
    '# They are all under the sandboxes folder, a mount point of its own: one lazy umount detaches',
    '# them all. Where it is not one (sandboxes of an earlier agent), one umount of them each.',
    'umount -l "$STATE/sandboxes" 2>/dev/null || {',
    "  # awk reads the table: the shell's read takes a system call per byte.",
    `  drop=$(awk -v c="$C" -v s="$STATE/" '$2 != c && index($2, c "/") != 1 && index($2, s) == 1 { print $2 }' /proc/self/mounts)`,
    '  [ -n "$drop" ] && umount -l $drop 2>/dev/null',
    '}',
    'wait "$child"',
    'exit $?',
    '',
  );
  return { script: lines.join('\n'), files };
}

/** A PTY for `exec -t`: python3's pty module (node-pty is not available). argv: cols rows cmd...;
 *  fd 3 carries "cols rows" lines for terminal resizes. */
export const PTY_HELPER = String.raw`
import os, sys, pty, select, struct, fcntl, termios
cols, rows = int(sys.argv[1]), int(sys.argv[2])
argv = sys.argv[3:]
pid, master = pty.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        sys.stderr.write('%s: %s\r\n' % (argv[0], e.strerror))
        os._exit(127)
def setsize(c, r):
    if c > 0 and r > 0:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))
def writeall(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]
setsize(cols, rows)
ins = [3, 0, master]
ctl = b''
while True:
    try:
        r, _, _ = select.select(ins, [], [])
    except InterruptedError:
        continue
    # resizes first: a resize sent before input is applied before the program reads that input
    if 3 in r:
        data = os.read(3, 4096)
        if not data:
            ins.remove(3)
        else:
            ctl += data
            while b'\n' in ctl:
                line, ctl = ctl.split(b'\n', 1)
                parts = line.split()
                if len(parts) == 2:
                    setsize(int(parts[0]), int(parts[1]))
    if 0 in r:
        data = os.read(0, 65536)
        if data:
            writeall(master, data)
        else:
            ins.remove(0)
    if master in r:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if not data:
            break
        writeall(1, data)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
`;

/** A TCP relay between stdio and host:port, run inside a pod's network namespace (port-forward).
 *  Prints "ok" on stderr once connected, or the error. */
export const RELAY_HELPER_PY = String.raw`
import os, sys, socket, select
host, port = sys.argv[1], int(sys.argv[2])
try:
    s = socket.create_connection((host, port), timeout=10)
except OSError as e:
    sys.stderr.write('error: %s\n' % (e.strerror or e))
    sys.exit(1)
s.settimeout(None)
sys.stderr.write('ok\n')
sys.stderr.flush()
ins = [s, 0]
while True:
    r, _, _ = select.select(ins, [], [])
    if s in r:
        data = s.recv(65536)
        if not data:
            break
        while data:
            n = os.write(1, data)
            data = data[n:]
    if 0 in r:
        data = os.read(0, 65536)
        if data:
            s.sendall(data)
        else:
            s.shutdown(socket.SHUT_WR)
            ins.remove(0)
`;

/** The same relay for hosts without python3 (heavier: one node process per connection). */
export const RELAY_HELPER_JS = String.raw`
const net = require('net');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
s.on('connect', () => { process.stderr.write('ok\n'); process.stdin.pipe(s); s.pipe(process.stdout); });
s.on('error', (e) => { process.stderr.write('error: ' + (e.code === 'ECONNREFUSED' ? 'Connection refused' : e.message) + '\n'); process.exit(1); });
s.on('end', () => process.exit(0));
`;
