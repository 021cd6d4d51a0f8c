// `k8ts status`: what runs where.

import { NODES } from '../api/types.js';
import { RestClient } from '../client/rest.js';
import { caOf, ensureToken, readClusterInfo, runningCluster } from '../cluster/controlplane.js';
import { resolveTarget } from './target.js';

export async function status(opts: { name?: string; dataDir?: string }): Promise<number> {
  const t = resolveTarget(opts);
  const dataDir = t.dataDir;
  const files = t.files;
  const info = await runningCluster(dataDir);
  if (!info) {
    const stale = readClusterInfo(dataDir);
    console.log(
      `k8ts cluster "${t.name}" is not running (data dir ${files.dir}${stale ? `; last ran at ${stale.url}` : ''}). Start it with: k8ts up${t.flag}`,
    );
    return 3;
  }
  console.log(`k8ts is running (cluster "${t.name}", context ${t.context})`);
  console.log(`  api server: ${info.url} (pid ${info.pid}, up since ${info.startedAt})`);
  console.log(`  store:      ${info.store} in ${info.dataDir}`);
  if (info.fleetlockURL) console.log(`  fleetlock:  ${info.fleetlockURL}`);
  if (info.node)
    console.log(
      `  this node:  ${info.node.name} at ${info.node.ip}${info.node.limitations.length ? ` (limited: ${info.node.limitations.join('; ')})` : ''}`,
    );
  try {
    const token = ensureToken(dataDir);
    const client = new RestClient({ server: info.url, token, caData: caOf(dataDir), timeoutMs: 3000 });
    const nodes = await client.list(NODES);
    client.close();
    console.log(`  nodes:      ${nodes.items.length ? nodes.items.map((n) => n.metadata.name).join(', ') : 'none yet'}`);
  } catch {
    /* the summary above is enough */
  }
  return 0;
}
