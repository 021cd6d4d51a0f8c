// Which cluster a verb acts on: --name NAME (data dir ~/.k8ts/NAME), or --data-dir DIR (its
// config names it), or the default cluster `k8ts`.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readConfigFile } from '../cluster/config.js';
import { type ClusterFiles, clusterFiles, contextName, DEFAULT_CLUSTER, dataDirFor, validateClusterName } from '../cluster/paths.js';

export interface Target {
  name: string;
  dataDir: string;
  files: ClusterFiles;
  context: string;
  /** How to name this cluster on a k8ts command line ('' for the default). */
  flag: string;
}

export function resolveTarget(o: { name?: string; dataDir?: string }, configName?: string): Target {
  let name: string;
  let dataDir: string;
  if (o.dataDir) {
    dataDir = path.resolve(o.dataDir);
    let stored: string | undefined;
    try {
      stored = readConfigFile(clusterFiles(dataDir).config)?.name;
    } catch {
      /* reported by up */
    }
    name = validateClusterName(o.name ?? configName ?? stored ?? DEFAULT_CLUSTER);
  } else {
    name = validateClusterName(o.name ?? configName ?? DEFAULT_CLUSTER);
    dataDir = dataDirFor(name);
  }
  const flag = o.dataDir ? ` --data-dir ${o.dataDir}` : name === DEFAULT_CLUSTER ? '' : ` --name ${name}`;
  return { name, dataDir, files: clusterFiles(dataDir), context: contextName(name), flag };
}

/** The user who ran `sudo k8ts ...`: the kubeconfig is theirs (as minikube's none driver does). */
export interface InvokingUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function sudoUser(env: NodeJS.ProcessEnv = process.env): InvokingUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = env.SUDO_USER;
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID);
  if (!name || name === 'root' || !Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) return undefined;
  const home = homeOf(name);
  return home ? { name, uid, gid, home } : undefined;
}

function homeOf(user: string): string | undefined {
  // getent also asks LDAP and the like; /etc/passwd is what is left without it.
  try {
    const line = execFileSync('getent', ['passwd', '--', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const home = line.split(':')[5];
    if (home) return home;
  } catch {
    /* no getent, or no such user */
  }
  try {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[0] === user);
    return line?.split(':')[5] || undefined;
  } catch {
    return undefined;
  }
}
