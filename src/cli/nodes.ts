// `k8ts nodes simulate N`: sets the number of simulated nodes of a running cluster.

import { NODES } from '../api/types.js';
import { RestClient } from '../client/rest.js';
import { caOf, ensureToken, runningCluster } from '../cluster/controlplane.js';
import { requestSimulatedNodes } from '../cluster/simulated.js';
import { resolveTarget } from './target.js';

export async function simulateNodes(nText: string, opts: { name?: string; dataDir?: string }): Promise<number> {
  const n = Number(nText);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`k8ts: the number of simulated nodes must be a whole number, got ${JSON.stringify(nText)}`);
    return 2;
  }
  const t = resolveTarget(opts);
  const dataDir = t.dataDir;
  const info = await runningCluster(dataDir);
  if (!info) {
    console.error(`k8ts cluster "${t.name}" is not running (data dir ${dataDir}). Start it with: k8ts up${t.flag} --simulated-nodes ${n}`);
    return 1;
  }
  const client = new RestClient({ server: info.url, token: ensureToken(dataDir), caData: caOf(dataDir) });
  try {
    await requestSimulatedNodes(client, n);
    // Show progress until the count is reached (or 60 s pass).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const nodes = await client.list(NODES);
      const sims = nodes.items.filter((x) => x.metadata.annotations?.['kwok.x-k8s.io/node'] !== undefined);
      process.stdout.write(`\rsimulated nodes: ${sims.length}/${n}   `);
      if (sims.length === n) break;
      if (Date.now() > deadline) {
        console.log('\nstill converging; check with: kubectl get nodes');
        return 0;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`\nThe cluster has ${n} simulated node(s). See them with: kubectl get nodes`);
    return 0;
  } finally {
    client.close();
  }
}
