// Where clusters live on disk, as kind and k3d name them: one data dir per cluster under
// ~/.k8ts/NAME, a kubeconfig context per cluster (kind's kind-NAME; here k8ts-NAME, and plain
// `k8ts` for the default cluster).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_CLUSTER = 'k8ts';

/** The folder holding every cluster's data dir: $K8TS_HOME, else ~/.k8ts. */
export function k8tsHome(): string {
  return process.env.K8TS_HOME || path.join(os.homedir(), '.k8ts');
}

/** A cluster name becomes a folder and part of a context name: a DNS label, as kind's. */
export function validateClusterName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(name)) {
    throw new Error(
      `cluster name ${JSON.stringify(name)} is not valid: use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 40 characters`,
    );
  }
  return name;
}

/** The data dir of the cluster NAME. $K8TS_DATA_DIR still names the default cluster's. */
export function dataDirFor(name: string): string {
  if (name === DEFAULT_CLUSTER && process.env.K8TS_DATA_DIR) return path.resolve(process.env.K8TS_DATA_DIR);
  return path.join(k8tsHome(), validateClusterName(name));
}

export function defaultDataDir(): string {
  return dataDirFor(DEFAULT_CLUSTER);
}

/** The kubeconfig context (and cluster and user entry) of a cluster. */
export function contextName(name: string): string {
  return name === DEFAULT_CLUSTER ? DEFAULT_CLUSTER : `${DEFAULT_CLUSTER}-${name}`;
}

/**
 * Makes a data dir private (0700), also when it existed with looser permissions: it holds the
 * admin token, the CA key and every Secret.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if ((st.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
}

export interface ClusterFiles {
  dir: string;
  /** Bearer token of the admin user (0600). */
  token: string;
  /** pid of the running control plane. */
  pid: string;
  /** JSON: {url, pid, port, store, startedAt, supervisorPid} written once the control plane is ready. */
  info: string;
  /** The cluster's own log (rotated: k8ts.log.1 ... k8ts.log.4). */
  log: string;
  /** The options the cluster is created with (YAML a person may edit). */
  config: string;
  /** Held by `up` while it checks, creates and starts (see cluster/lock.ts). */
  lock: string;
  /** The kubeconfig files `up` merged this cluster into, for `delete`. */
  kubeconfigs: string;
  /** Where `k8ts tutorial` is, for --resume. */
  tutorial: string;
}

export function clusterFiles(dataDir: string): ClusterFiles {
  const dir = path.resolve(dataDir);
  return {
    dir,
    token: path.join(dir, 'token'),
    pid: path.join(dir, 'k8ts.pid'),
    info: path.join(dir, 'cluster.json'),
    log: path.join(dir, 'k8ts.log'),
    config: path.join(dir, 'config.yaml'),
    lock: path.join(dir, 'k8ts.lock'),
    kubeconfigs: path.join(dir, 'kubeconfigs.json'),
    tutorial: path.join(dir, 'tutorial.json'),
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
  /** The `up` background process that restarts the control plane when it dies, and its start time. */
  supervisorPid?: number;
  supervisorStart?: string;
  /** The API server answers; the controllers, scheduler and node are still starting. */
  starting?: boolean;
  /** The FleetLock server's base URL, when it is on. */
  fleetlockURL?: string;
  /** This machine's node, when `up` runs one, and what it cannot do here. */
  node?: { name: string; ip: string; limitations: string[]; proxy?: string };
}
