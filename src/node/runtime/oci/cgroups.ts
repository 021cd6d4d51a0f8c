// The cgroup side of the OCI runtime: which hierarchy the host has (v1 with one mount per
// controller, or the unified v2 tree), where a container's memory accounting lives (to tell an
// OOM kill from any other SIGKILL, as containerd's shim does from the same counters), and the
// removal of the parent cgroup k8ts' containers are placed under.

import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = '/sys/fs/cgroup';

export type CgroupVersion = 1 | 2;

/** v2 when /sys/fs/cgroup is the unified hierarchy itself; v1 (or hybrid) otherwise. */
export function cgroupVersion(root = ROOT): CgroupVersion {
  return existsSync(path.join(root, 'cgroup.controllers')) ? 2 : 1;
}

/** The file whose oom_kill counter tells that a container's process was killed by its memory limit. */
export function oomCounterFile(cgroupsPath: string, version = cgroupVersion()): string {
  const rel = cgroupsPath.replace(/^\/+/, '');
  return version === 2 ? path.join(ROOT, rel, 'memory.events') : path.join(ROOT, 'memory', rel, 'memory.oom_control');
}

/** A cgroup's cumulative CPU time (ns) and memory working set (bytes), as cAdvisor reads them. */
export interface CgroupUsage {
  cpuNanos?: number;
  workingSetBytes?: number;
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function statField(file: string, key: string): number | undefined {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a cgroup used: v1 reads cpuacct.usage and memory.usage_in_bytes less total_inactive_file;
 * v2 reads cpu.stat's usage_usec and memory.current less inactive_file (cAdvisor's working set).
 * cgroupsPath "" is the root (the whole machine).
 */
export function cgroupUsage(cgroupsPath: string, version = cgroupVersion(), root = ROOT): CgroupUsage {
  const rel = cgroupsPath.replace(/^\/+/, '');
  const workingSet = (usage: number | undefined, inactive: number | undefined) =>
    usage === undefined ? undefined : Math.max(0, usage - (inactive ?? 0));
  if (version === 2) {
    const dir = path.join(root, rel);
    const usec = statField(path.join(dir, 'cpu.stat'), 'usage_usec');
    return {
      cpuNanos: usec === undefined ? undefined : usec * 1000,
      workingSetBytes: workingSet(readNumber(path.join(dir, 'memory.current')), statField(path.join(dir, 'memory.stat'), 'inactive_file')),
    };
  }
  const cpuDir = [path.join(root, 'cpuacct', rel), path.join(root, 'cpu,cpuacct', rel)].find((d) => existsSync(d));
  const memDir = path.join(root, 'memory', rel);
  return {
    cpuNanos: cpuDir ? readNumber(path.join(cpuDir, 'cpuacct.usage')) : undefined,
    workingSetBytes: workingSet(
      readNumber(path.join(memDir, 'memory.usage_in_bytes')),
      statField(path.join(memDir, 'memory.stat'), 'total_inactive_file'),
    ),
  };
}

/** Whether the counter file shows an OOM kill. */
export function oomKilled(file: string): boolean {
  try {
    return /^oom_kill [1-9]/m.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** Every directory the parent cgroup has (one per v1 controller, or one in v2). */
export function cgroupDirs(parent: string, version = cgroupVersion()): string[] {
  const rel = parent.replace(/^\/+/, '');
  if (version === 2) return [path.join(ROOT, rel)];
  let controllers: string[] = [];
  try {
    controllers = readdirSync(ROOT);
  } catch {
    return [];
  }
  return controllers.map((c) => path.join(ROOT, c, rel)).filter((d) => existsSync(d));
}

/** Removes the (empty) parent cgroup k8ts made, children first. Leaves whatever still holds processes. */
export function removeCgroupTree(parent: string): void {
  for (const dir of cgroupDirs(parent)) removeTree(dir);
}

function removeTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return;
  }
  for (const e of entries) removeTree(path.join(dir, e));
  try {
    rmdirSync(dir);
  } catch {
    /* busy or gone */
  }
}
