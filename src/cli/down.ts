// `k8ts down`: stops what `up` started; the state stays in the data dir for the next `up`.

import fs from 'node:fs';
import { clusterFiles, defaultDataDir } from '../cluster/paths.js';
import { isClusterProcess, processAlive, readClusterInfo, STOP_BUDGET_MS } from '../cluster/controlplane.js';

export async function down(opts: { dataDir?: string }): Promise<number> {
  const dataDir = opts.dataDir ?? defaultDataDir();
  const files = clusterFiles(dataDir);
  const info = readClusterInfo(dataDir);
  let pid = info?.pid;
  let pidStart = info?.pidStart;
  if (!pid) {
    try {
      const [p, start] = fs.readFileSync(files.pid, 'utf8').trim().split(' ');
      pid = Number(p) || undefined;
      pidStart = start;
    } catch { /* none */ }
  }
  // A stale pid may belong to another process by now: it is signalled only if it is still ours.
  if (!pid || !isClusterProcess(pid, pidStart, dataDir)) {
    console.log(`k8ts is not running (data dir ${files.dir}).`);
    for (const f of [files.info, files.pid]) { try { fs.rmSync(f); } catch { /* gone */ } }
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  // A container whose PID 1 ignores SIGTERM (a node app) holds the stop for its grace period.
  const deadline = Date.now() + STOP_BUDGET_MS + 5_000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (processAlive(pid)) {
    console.error(`k8ts (pid ${pid}) did not stop within ${(STOP_BUDGET_MS + 5_000) / 1000}s; killing it.`);
    process.kill(pid, 'SIGKILL');
  }
  for (const f of [files.info, files.pid]) { try { fs.rmSync(f); } catch { /* gone */ } }
  console.log(`k8ts stopped (pid ${pid}). State kept in ${files.dir}; \`k8ts up${opts.dataDir ? ` --data-dir ${opts.dataDir}` : ''}\` brings it back.`);
  return 0;
}
