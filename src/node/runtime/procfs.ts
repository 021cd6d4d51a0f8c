// What the runtimes read from /proc about processes and mounts: a process told from a reused pid
// by its start time, and the mount table. Counterpart: the /proc readers containerd's shims and
// moby/sys/mountinfo give containerd.

import { readFileSync } from 'node:fs';

/** A small file's text, or undefined when it cannot be read (gone, never written). */
export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields 3 (state) and 22 (start time) of /proc/<pid>/stat; the comm field before them may hold anything, ')' included. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], startTime: fields[19] };
}

/** Field 22 of /proc/<pid>/stat: the start time, to tell a live process from a reused pid. */
export function procStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** Whether pid runs and is not a zombie (and, given a start time, is still the same process): one read of its stat. */
export function pidAlive(pid: number, startTime?: string): boolean {
  if (!pid) return false;
  if (process.platform === 'linux') {
    const st = procStat(pid);
    if (st === undefined) return false;
    if (st.state === 'Z') return false;
    return startTime === undefined || st.startTime === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every mount point of this mount namespace (octal escapes of /proc/self/mounts decoded). */
export function mountPoints(): Set<string> {
  const out = new Set<string>();
  for (const line of (readText('/proc/self/mounts') ?? '').split('\n')) {
    const mp = line.split(' ')[1];
    if (mp) out.add(mp.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

const POLL_MS = 25;

/** Polls cond until it holds (true) or timeoutMs passes (false): a shim's files change without events. */
export async function pollUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise<void>((r) => setTimeout(r, POLL_MS));
  }
}
