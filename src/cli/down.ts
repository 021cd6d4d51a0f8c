// `k8ts down [--name NAME]`: stops what `up` started (the supervisor first, so nothing restarts
// the control plane); the state stays in the data dir for the next `up`.

import fs from 'node:fs';
import { isClusterProcess, readClusterInfo } from '../cluster/controlplane.js';
import { processAlive, STOP_BUDGET_MS, sameProcess } from '../cluster/process.js';
import { resolveTarget, type Target } from './target.js';

/** Stops the cluster if it runs; returns the pid stopped, or undefined if nothing ran. */
export async function stopCluster(t: Target): Promise<number | undefined> {
  const info = readClusterInfo(t.dataDir);
  let pid = info?.pid;
  let pidStart = info?.pidStart;
  if (!pid) {
    try {
      const [p, start] = fs.readFileSync(t.files.pid, 'utf8').trim().split(' ');
      pid = Number(p) || undefined;
      pidStart = start;
    } catch {
      /* none */
    }
  }
  // A pid is signalled only while it is still the process that wrote it down: after a crash or
  // a reboot the number may belong to anything, and this may run as root.
  const server = pid && isClusterProcess(pid, pidStart, t.dataDir) ? pid : undefined;
  const supervisor =
    info?.supervisorPid && info.supervisorStart && sameProcess(info.supervisorPid, info.supervisorStart) ? info.supervisorPid : undefined;
  const remove = () => {
    for (const f of [t.files.info, t.files.pid]) {
      try {
        fs.rmSync(f);
      } catch {
        /* gone */
      }
    }
  };
  if (!server && !supervisor) {
    remove();
    return undefined;
  }
  for (const pid of [supervisor, server])
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone meanwhile */
      }
    }
  const alive = () => [supervisor, server].filter((p): p is number => !!p && processAlive(p));
  // A container whose PID 1 ignores SIGTERM (a node app) holds the stop for its grace period.
  const budget = STOP_BUDGET_MS + 5_000;
  const deadline = Date.now() + budget;
  while (alive().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of alive()) {
    console.error(`k8ts (pid ${pid}) did not stop within ${budget / 1000}s; killing it.`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  remove();
  return server ?? supervisor;
}

export async function down(opts: { name?: string; dataDir?: string }): Promise<number> {
  const t = resolveTarget(opts);
  const pid = await stopCluster(t);
  if (pid === undefined) {
    console.log(`k8ts cluster "${t.name}" is not running (data dir ${t.dataDir}).`);
    return 0;
  }
  console.log(`k8ts stopped (pid ${pid}). State kept in ${t.dataDir}; \`k8ts up${t.flag}\` brings it back.`);
  return 0;
}
