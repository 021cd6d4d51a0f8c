// CPU time and memory of a process tree from /proc, for runtimes whose containers have no cgroup
// of their own (the process runtime): the main process and all its descendants, summed, as a
// container's cgroup would account them. Counterpart: what cAdvisor reads from a container's
// cgroup; here the tree stands in for it.

import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: clock ticks per second in /proc/<pid>/stat. */
const USER_HZ = 100;

interface ProcStat {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces and parentheses: fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The tree's cumulative CPU (ns) and resident memory (bytes). */
export function processTreeUsage(rootPid: number): { cpuNanos: number; rssBytes: number } | undefined {
  const root = readStat(rootPid);
  if (!root) return undefined;
  const children = new Map<number, number[]>();
  let pids: number[] = [];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    /* no /proc */
  }
  const stats = new Map<number, ProcStat>();
  for (const pid of pids) {
    const st = readStat(pid);
    if (!st) continue;
    stats.set(pid, st);
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid)!.push(pid);
  }
  stats.set(rootPid, root);
  let ticks = 0,
    rss = 0;
  const todo = [rootPid];
  const seen = new Set<number>();
  while (todo.length) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    ticks += stats.get(pid)?.ticks ?? 0;
    rss += rssBytes(pid);
    for (const c of children.get(pid) ?? []) todo.push(c);
  }
  return { cpuNanos: (ticks * 1e9) / USER_HZ, rssBytes: rss };
}
