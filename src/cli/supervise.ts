// `supervise`: the background process of `k8ts up` (as systemd is to k3s). It owns the cluster log
// and keeps the control plane (`serve`) running; see cluster/supervisor.ts. Light on purpose: it is
// on the path to ready, so it loads neither the command line nor the control plane.

import { RotatingLog } from '../cluster/logfile.js';
import { clusterFiles } from '../cluster/paths.js';
import { type Prestarted, supervise } from '../cluster/supervisor.js';

/**
 * `supervise`: the supervisor of `up`'s control plane. It owns the cluster log; `name` is only
 * for its log lines (read from the data dir's config when not given); `env` is added to the
 * control plane's environment.
 */
export async function superviseCluster(
  dataDir: string,
  command: string[],
  name?: string,
  env?: Record<string, string>,
  o: { prestarted?: Prestarted } = {},
): Promise<number> {
  const files = clusterFiles(dataDir);
  const log = new RotatingLog(files.log, {
    maxBytes: process.env.K8TS_LOG_MAX_BYTES ? Number(process.env.K8TS_LOG_MAX_BYTES) : undefined,
  });
  log.line(
    `k8ts supervisor (pid ${process.pid}) starting the control plane of "${name ?? (await import('./target.js')).resolveTarget({ dataDir }).name}"`,
  );
  try {
    return await supervise({ args: command, log, env: env ? { ...process.env, ...env } : undefined, prestarted: o.prestarted });
  } finally {
    log.line('k8ts supervisor: stopped');
    log.close();
  }
}
