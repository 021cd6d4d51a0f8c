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

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface LaunchMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  isFile: boolean;
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
  lines.push('now > started.tmp && mv started.tmp started');
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

export function initScript(spec: LaunchSpec): string {
  const c = spec.containerDir;
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
    return lines.join('\n');
  }
  const s = spec.sandboxDir;
  lines.push(`S=${shq(s)}`, `STATE=${shq(spec.stateDir)}`, 'set -e', 'mount --make-rprivate /');
  if (spec.rootfsMounts) {
    // The image's own root: the snapshotter's mounts, as containerd's shim mounts them.
    lines.push('R="$C/root"');
    for (const m of spec.rootfsMounts) {
      if (m.type === 'bind') {
        lines.push(`mount --rbind ${shq(m.source)} "$R"`);
        if (m.options.includes('ro')) lines.push('mount -o remount,bind,ro "$R"');
      } else {
        // The container's writes go to a tmpfs bounded by its ephemeral-storage limit (issue #7)
        // rather than to the snapshot's upper dir on disk: they vanish with the container, as the
        // process runtime's writable layer always has.
        const rw = `${c}/rw`;
        lines.push(
          'mkdir -p "$C/rw"',
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
    for (const d of ['/proc', '/dev', '/sys', '/etc']) lines.push(`inroot ${d}`, `mkdir -p "$R"${d}`);
  } else {
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
  lines.push(
    'mount -t proc proc "$R/proc"',
    'mount --rbind /dev "$R/dev"',
    'mkdir -p "$R/dev/shm"',
    'mount --bind "$S/shm" "$R/dev/shm"',
    'mount -t sysfs -o ro sysfs "$R/sys" 2>/dev/null || mount --rbind /sys "$R/sys"',
  );
  // The host's `/` underneath had a /tmp to hide; an image's own /tmp stays as the image has it.
  if (!spec.rootfsMounts) lines.push(`mount -t tmpfs -o mode=1777,size=${Math.max(1, Math.ceil(spec.writableBytes))} tmpfs "$R/tmp"`);
  lines.push(
    'for f in hosts resolv.conf hostname; do',
    '  inroot "/etc/$f"',
    '  [ -e "$R/etc/$f" ] || : > "$R/etc/$f"',
    '  mount --bind "$S/$f" "$R/etc/$f"',
    'done',
  );
  // Mount targets and the working dir were resolved inside the container's view by the runtime
  // (node/fs/safepath): no '..', no link on the way, so mkdir -p and mount stay inside "$R".
  for (const m of spec.mounts) {
    const dest = `"$R"${shq(m.containerPath)}`;
    lines.push(`inroot ${shq(m.containerPath)}`);
    if (m.isFile) lines.push(`mkdir -p "$(dirname ${dest})"`, `[ -e ${dest} ] || : > ${dest}`);
    else lines.push(`mkdir -p ${dest}`);
    lines.push(`mount --bind${m.readonly ? ' -o ro' : ''} ${shq(m.hostPath)} ${dest}`);
  }
  lines.push(
    `inroot ${shq(spec.workingDir)}`,
    `mkdir -p "$R"${shq(spec.workingDir)}`,
    'set +e',
    "# Drop this mount namespace's copies of other pods' namespace files and shm, so a removed pod's",
    '# namespaces are not kept alive by this container.',
    '# One umount for all of them: a process per mount made pod starts O(pods) each.',
    'drop=""',
    'while read -r _ mp _; do',
    '  case "$mp" in "$C"|"$C"/*) ;; "$STATE"/*) drop="$drop $mp" ;; esac',
    'done < /proc/self/mounts',
    '[ -n "$drop" ] && umount -l $drop 2>/dev/null',
    'exec 6<&0',
    '(',
    '  read -r hp _ < /proc/self/stat',
    `  exec 7>"$C/pid" 8>>"$C/init.log" 2>&9 9>&-`,
    // The host's setsid, env and chroot: the image needs only a /bin/sh of its own.
    `  exec ${ctty}/usr/bin/env -i -- ${envArgs} ${shq(spec.chroot ?? 'chroot')} "$R" /bin/sh -c ${shq(ENTER)} k8ts-init ${shq(spec.workingDir)} "$hp" ${argv}`,
    ') <&6 &',
    'child=$!',
    'exec 6<&- 0</dev/null',
    'wait "$child"',
    'exit $?',
    '',
  );
  return lines.join('\n');
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
