// `k8ts supervise` (hidden): the background process of `k8ts up`. It owns the cluster log and
// keeps the control plane (`k8ts serve`) running; see cluster/supervisor.ts.

import { RotatingLog } from '../cluster/logfile.js';
import { supervise } from '../cluster/supervisor.js';
import { resolveTarget } from './target.js';

export async function superviseCluster(dataDir: string, command: string[]): Promise<number> {
  const t = resolveTarget({ dataDir });
  const log = new RotatingLog(t.files.log, {
    maxBytes: process.env.K8TS_LOG_MAX_BYTES ? Number(process.env.K8TS_LOG_MAX_BYTES) : undefined,
  });
  log.line(`k8ts supervisor (pid ${process.pid}) starting the control plane of "${t.name}"`);
  try {
    return await supervise({ args: command, log });
  } finally {
    log.line('k8ts supervisor: stopped');
    log.close();
  }
}
