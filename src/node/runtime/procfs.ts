// What the runtimes read from /proc about processes and mounts: a process told from a reused pid
// by its start time, and the mount table. Counterpart: the /proc readers containerd's shims and
// moby/sys/mountinfo give containerd.

import { type FSWatcher, readFileSync, watch } from 'node:fs';

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

/** The poll interval where no watch can be had. */
const POLL_MS = 25;

/**
 * Waits until cond holds (true) or timeoutMs passes (false), woken by inotify (fs.watch) on dir,
 * where a shim creates, writes and renames its files: the agent sees a container's pid as soon as
 * it is written instead of at the next 25 ms poll. A slow poll backs the watch up, and stands in
 * for it where no watch can be had (dir gone, inotify limits).
 */
export function watchUntil(dir: string, cond: () => boolean, timeoutMs: number): Promise<boolean> {
  if (cond()) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let watcher: FSWatcher | undefined;
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      watcher?.close();
      clearInterval(poll);
      clearTimeout(timer);
      resolve(v);
    };
    const check = () => {
      if (!done && cond()) finish(true);
    };
    try {
      watcher = watch(dir, { persistent: false }, check);
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
    const poll = setInterval(check, watcher ? 250 : POLL_MS);
    const timer = setTimeout(() => finish(cond()), timeoutMs);
    // A change between the first look and the watch being set up.
    check();
  });
}
