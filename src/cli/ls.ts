// `k8ts ls`: the clusters under ~/.k8ts and whether each runs (as `k3d cluster list`).

import path from 'node:path';
import { listClusterDirs, readConfigFile } from '../cluster/config.js';
import { runningCluster } from '../cluster/controlplane.js';
import { printTable } from './table.js';
import { resolveTarget } from './target.js';

export async function ls(o: { quiet?: boolean }): Promise<number> {
  const dirs = listClusterDirs();
  const rows: string[][] = [['NAME', 'STATUS', 'API SERVER', 'CONTEXT', 'DATA DIR']];
  for (const dir of dirs) {
    let name = path.basename(dir);
    let port = '';
    try {
      const cfg = readConfigFile(path.join(dir, 'config.yaml'));
      if (cfg?.name) name = cfg.name;
      if (cfg?.port !== undefined) port = String(cfg.port);
    } catch {
      /* shown as it is */
    }
    if (o.quiet) {
      console.log(name);
      continue;
    }
    let context = '';
    try {
      context = resolveTarget({ dataDir: dir }).context;
    } catch {
      /* odd name */
    }
    const info = await runningCluster(dir);
    rows.push([name, info ? 'running' : 'stopped', info ? info.url : port ? `https://127.0.0.1:${port}` : '-', context, dir]);
  }
  if (o.quiet) return 0;
  if (rows.length === 1) {
    console.log('No clusters yet. Create one with: k8ts up');
    return 0;
  }
  printTable(rows);
  return 0;
}
