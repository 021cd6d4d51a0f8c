// `k8ts fleetlock ls` and `k8ts fleetlock release ID`: the built-in FleetLock server's semaphores
// (ConfigMaps kube-system/fleetlock-<group>), read and changed through the API like kubectl would.

import { RestClient } from '../client/rest.js';
import { caOf, ensureToken, runningCluster } from '../cluster/controlplane.js';
import { NAMESPACE, RebootSemaphore, releaseEverywhere } from '../fleetlock/semaphore.js';
import { printTable } from './table.js';
import { resolveTarget } from './target.js';

/** Runs fn with a client of the running cluster; errors become a message and exit code 1. */
async function withCluster(
  opts: { name?: string; dataDir?: string },
  fn: (client: RestClient, fleetlockURL?: string) => Promise<number>,
): Promise<number> {
  const t = resolveTarget(opts);
  const info = await runningCluster(t.dataDir);
  if (!info) {
    console.error(`k8ts: cluster "${t.name}" is not running. Start it with: k8ts up${t.flag}`);
    return 1;
  }
  const client = new RestClient({ server: info.url, token: ensureToken(t.dataDir), caData: caOf(t.dataDir), timeoutMs: 10_000 });
  try {
    return await fn(client, info.fleetlockURL);
  } catch (e) {
    console.error(`k8ts: ${(e as Error).message}`);
    return 1;
  } finally {
    client.close();
  }
}

export function fleetlockList(opts: { name?: string; dataDir?: string }): Promise<number> {
  return withCluster(opts, async (client, fleetlockURL) => {
    const groups = await new RebootSemaphore(client).list();
    if (!fleetlockURL)
      console.error('note: this cluster serves no FleetLock now (k8ts up --fleetlock-address HOST:PORT); its semaphores are kept.');
    if (groups.length === 0) {
      console.log(`No FleetLock groups yet (none has asked for a reboot slot; they are ConfigMaps fleetlock-<group> in ${NAMESPACE}).`);
      return 0;
    }
    const rows = [
      ['GROUP', 'SLOTS', 'HELD', 'HOLDERS'],
      ...groups.map((g) => [g.group, String(g.slots), String(g.holders.length), g.holders.join(',') || '<none>']),
    ];
    printTable(rows);
    return 0;
  });
}

export function fleetlockRelease(id: string, opts: { name?: string; dataDir?: string }): Promise<number> {
  return withCluster(opts, async (client) => {
    const freed = await releaseEverywhere(client, id);
    if (freed.length === 0) {
      console.error(`k8ts: ${id} holds no FleetLock reboot slot.`);
      return 1;
    }
    console.log(
      `Released the reboot slot of ${id} in group${freed.length > 1 ? 's' : ''} ${freed.join(', ')}. (Its node, if cordoned for the reboot, stays cordoned: kubectl uncordon NODE.)`,
    );
    return 0;
  });
}
