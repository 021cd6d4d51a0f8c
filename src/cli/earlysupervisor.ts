// `k8ts up`'s supervisor (cluster/supervisor.ts), started before `up` has loaded its command line
// and read the cluster's config (#13: `up` to ready). The supervisor is a Node process of its own
// and the control plane starts only once it runs: started when `up` knows its command, it came
// up after `up`'s own loading, one Node start after another. Started here, first thing, it boots
// beside `up` and waits for its command on stdin (`daemon.js supervise -`); `up` writes it once
// it knows the data dir and port, or, when it starts nothing (the cluster runs already, a bad
// flag, an error), exits, and the supervisor, finding its stdin closed with no command, exits
// too having started nothing. Light on purpose: main.ts loads it before anything else.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The background processes' entry (not main.js: they need no command line). */
export const DAEMON = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'daemon.js');

let early: ChildProcess | undefined;

/** Whether this command line is a `k8ts up` that will start a supervisor (not --foreground, not help). */
function startsSupervisor(argv: string[]): boolean {
  return argv[0] === 'up' && !argv.some((a) => a === '--foreground' || a === '--help' || a === '-h');
}

/** For `k8ts up` in the background: starts the supervisor now, to wait for its command. */
export function startSupervisorEarly(argv: string[]): void {
  if (!startsSupervisor(argv)) return;
  try {
    // Detached like the supervisor `up` would start: it outlives `up` and its terminal.
    const c = spawn(process.execPath, [DAEMON, 'supervise', '-'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    c.on('error', () => {
      if (early === c) early = undefined;
    });
    c.stdin!.on('error', () => undefined);
    // Neither keeps `up` running: its exit closes the pipe, which is the supervisor's cue to go.
    c.unref();
    (c.stdin as unknown as { unref?(): void }).unref?.();
    early = c;
  } catch {
    /* `up` starts one itself */
  }
}

/** The supervisor started early, for `up` to give its command to (once; undefined if none or it is gone). */
export function takeEarlySupervisor(): ChildProcess | undefined {
  const c = early;
  early = undefined;
  return c?.pid && c.exitCode === null && c.signalCode === null && c.stdin?.writable ? c : undefined;
}
