// Where a cluster's state lives on disk: one data dir per cluster.

import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(): string {
  return process.env.K8TS_DATA_DIR || path.join(os.homedir(), '.k8ts');
}

export interface ClusterFiles {
  dir: string;
  /** Bearer token of the admin user (0600). */
  token: string;
  /** pid of the running control plane. */
  pid: string;
  /** JSON: {url, pid, port, store, startedAt} written once the control plane is ready. */
  info: string;
  log: string;
}

export function clusterFiles(dataDir: string): ClusterFiles {
  const dir = path.resolve(dataDir);
  return {
    dir,
    token: path.join(dir, 'token'),
    pid: path.join(dir, 'k8ts.pid'),
    info: path.join(dir, 'cluster.json'),
    log: path.join(dir, 'k8ts.log'),
  };
}

export interface ClusterInfo {
  url: string;
  pid: number;
  /** The process's start time (/proc/<pid>/stat), so that a reused pid is not taken for it. */
  pidStart?: string;
  port: number;
  store: string;
  dataDir: string;
  startedAt: string;
  /** This machine's node, when `up` runs one, and what it cannot do here. */
  node?: { name: string; ip: string; limitations: string[] };
}
