// How many simulated nodes a running cluster has is asked for in a ConfigMap
// (kube-system/k8ts-simulated-nodes: data.nodes, and data.silent, a comma-separated list of
// nodes that stop heartbeating), so `k8ts nodes simulate N` can change it from
// any machine through the API; the control plane's SimulatedNodes follow it, level-triggered.

import { errorMessage } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { CONFIGMAPS } from '../api/types.js';
import type { SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';
import { SimulatedNodes, type SimulatedNodesOptions } from '../node/simulated.js';

export const SIMULATED_NODES_CONFIG = { namespace: 'kube-system', name: 'k8ts-simulated-nodes' };
const CM = { ...CONFIGMAPS, namespace: SIMULATED_NODES_CONFIG.namespace };

/** Asks for n simulated nodes (creates or updates the ConfigMap). */
export async function requestSimulatedNodes(client: RestClient, n: number): Promise<void> {
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: SIMULATED_NODES_CONFIG.name, namespace: SIMULATED_NODES_CONFIG.namespace },
    data: { nodes: String(n) },
  };
  try {
    await client.patch({ ...CM, name: SIMULATED_NODES_CONFIG.name }, { data: { nodes: String(n) } }, 'merge');
  } catch (e) {
    if (!(isApiError(e) && e.code === 404)) throw e;
    await client.create(CM, body);
  }
}

export class SimulatedNodesFollower {
  readonly sim: SimulatedNodes;
  private busy = Promise.resolve();
  private started = false;

  constructor(
    client: RestClient,
    factory: SharedInformerFactory,
    log?: (m: string) => void,
    opts: Pick<SimulatedNodesOptions, 'heartbeatMs' | 'ownPodInformer'> = {},
  ) {
    this.sim = new SimulatedNodes(client, factory, { log, heartbeatMs: opts.heartbeatMs, ownPodInformer: opts.ownPodInformer });
    const inf = factory.informerFor({ ...CONFIGMAPS, namespace: SIMULATED_NODES_CONFIG.namespace });
    const on = (o: KObject) => {
      if (o.metadata.name === SIMULATED_NODES_CONFIG.name) this.follow(o);
    };
    inf.addEventHandler({ onAdd: on, onUpdate: (_a, b) => on(b) });
    this.log = log ?? (() => undefined);
  }

  private log: (m: string) => void;
  private pending?: KObject;

  private follow(cm: KObject): void {
    this.pending = cm;
    if (!this.started) return;
    this.busy = this.busy
      .then(async () => {
        const want = Number((this.pending?.data as { nodes?: string } | undefined)?.nodes ?? 0);
        if (!Number.isInteger(want) || want < 0) {
          this.log(`simulated nodes: ignoring nodes=${String(want)}`);
          return;
        }
        const have = this.sim.names.length;
        if (want > have) await this.sim.add(want - have);
        else if (want < have) await this.sim.remove(have - want);
        // data.silent: simulated nodes that stop heartbeating (as a node that lost power).
        const silent = new Set(
          ((this.pending?.data as { silent?: string } | undefined)?.silent ?? '')
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        );
        for (const name of this.sim.names) {
          if (silent.has(name) && !this.sim.isSilent(name)) this.sim.stopHeartbeat(name);
          else if (!silent.has(name) && this.sim.isSilent(name)) this.sim.resumeHeartbeat(name);
        }
      })
      .catch((e) => this.log(`simulated nodes: ${errorMessage(e)}`));
  }

  start(): void {
    this.sim.start();
    this.started = true;
    if (this.pending) this.follow(this.pending);
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.busy;
    await this.sim.stop();
  }
}
