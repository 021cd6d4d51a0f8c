// The per-container shim of the OCI runtime, what containerd-shim-runc-v2 is to containerd: a
// small detached shell process that holds the container's stdio FIFOs, runs `runc run --keep`
// in the foreground (runc is then the subreaper that reaps the container and returns its exit
// status), records how it ended (an OOM kill is read from the container's cgroup before the
// cgroup goes, as the shim's OOM watcher does), then deletes the runtime's container state.
// Because it does not depend on the agent, containers outlive an agent restart, and their
// output waits in the FIFOs until an agent reads it again.
//
// A container with `tty: true` gets a terminal: runc only relays a terminal it is given, so
// the shim runs runc under the PTY helper (python3), whose fd 3 carries terminal resizes.

import { launchAndWait, PTY_HELPER, shq } from '../shim.js';

export interface OciShimSpec {
  /** The bundle directory (config.json, rootfs/) and the container's state files. */
  bundle: string;
  id: string;
  /** The OCI runtime binary and its state root. */
  runtime: string;
  runtimeRoot: string;
  stdin: boolean;
  tty: boolean;
  /** The file whose oom_kill counter tells an OOM kill. */
  oomFile?: string;
}

export function ociShimScript(s: OciShimSpec): string {
  const rt = `${shq(s.runtime)} --root ${shq(s.runtimeRoot)} --log "$C/runtime.log"`;
  const lines = [
    '#!/bin/sh',
    '# k8ts container shim: supervises one OCI container, detached from the node agent.',
    `C=${shq(s.bundle)}`,
    `ID=${shq(s.id)}`,
    'cd "$C" || exit 1',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH',
    '# Held read-write: the container never gets EPIPE, output waits in the pipe while the agent is away.',
    'exec 3<>stdout.fifo 4<>stderr.fifo',
    "trap ':' USR1",
    'now() { t=$(date +%s%3N 2>/dev/null); case "$t" in *N*|"") t=$(($(date +%s) * 1000));; esac; echo "$t"; }',
    // The start time is the file's mtime: made by the shell itself, no date and mv processes on the way in.
    ': > started',
  ];
  const run = `${rt} run --keep --bundle "$C" --pid-file "$C/pid" "$ID"`;
  const launch = s.tty ? `python3 -c ${shq(PTY_HELPER)} 80 24 ${run}` : run;
  const ctl = s.tty ? ' 3<&7 7<&-' : ' 3>&-';
  if (s.tty) lines.push('exec 7<>ctl.fifo');
  lines.push(...launchAndWait(launch, ctl, s.stdin));
  if (s.oomFile) lines.push(`grep -qs '^oom_kill [1-9]' ${shq(s.oomFile)} && reason=OOMKilled`);
  lines.push('echo "$code $(now) $reason" > exit.tmp && mv exit.tmp exit', `${rt} delete --force "$ID" >/dev/null 2>&1`, '');
  return lines.join('\n');
}
