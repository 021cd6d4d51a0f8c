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

interface ProcessTable {
  at: number;
  stats: Map<number, ProcStat>;
  children: Map<number, number[]>;
}

/**
 * How long one reading of the whole process table serves: a scrape asks for every container's
 * usage in turn, and reading every process's stat for each of them (O(containers x processes))
 * was the top of the agent's profile with 50 pods (#13). cAdvisor likewise serves stats it
 * gathered at its housekeeping interval (1 s).
 */
const TABLE_MAX_AGE_MS = 1000;
let table: ProcessTable | undefined;

function processTable(): ProcessTable {
  const now = performance.now();
  if (table && now - table.at < TABLE_MAX_AGE_MS) return table;
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
  table = { at: now, stats, children };
  return table;
}

/** The tree's cumulative CPU (ns) and resident memory (bytes): the root read now, its descendants from a table at most a second old. */
export function processTreeUsage(rootPid: number): { cpuNanos: number; rssBytes: number } | undefined {
  const root = readStat(rootPid);
  if (!root) return undefined;
  const { stats: known, children } = processTable();
  const stats = new Map<number, ProcStat>([[rootPid, root]]);
  const statOf = (pid: number) => stats.get(pid) ?? known.get(pid);
  let ticks = 0,
    rss = 0;
  const todo = [rootPid];
  const seen = new Set<number>();
  while (todo.length) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    ticks += statOf(pid)?.ticks ?? 0;
    rss += rssBytes(pid);
    for (const c of children.get(pid) ?? []) todo.push(c);
  }
  return { cpuNanos: (ticks * 1e9) / USER_HZ, rssBytes: rss };
}
