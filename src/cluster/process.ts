// Processes `k8ts up` starts and later signals: whether one still runs, and whether a pid
// still names the process we started (a pid file outlives its process, and the kernel hands
// the number to another; as root, signalling it would hit whatever runs there now).

import fs from 'node:fs';

/**
 * How long a stopping `k8ts up` may take before it exits anyway: pods get up to 10 s to stop
 * (the agent's killAll), then containers, sandboxes, mounts and the bridge are removed.
 */
export const STOP_BUDGET_MS = 40_000;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started (clock ticks since boot, /proc/PID/stat's 22nd field): with the pid
 * it names one process for good. Undefined where /proc is not there.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (2nd field) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether pid still names the process recorded with startTime (liveness alone without /proc). */
export function sameProcess(pid: number, startTime: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}
