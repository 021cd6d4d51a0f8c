// The simulated nodes' thread's own start (see simulatedthread.ts): their client (through the
// port, or HTTPS), their informers, and the follower of the k8ts-simulated-nodes ConfigMap, started
// once those informers have synced (as the controller manager starts the in-process follower);
// log lines posted to the control plane's thread, a stop message stopping them.

import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../api/errors.js';
import { componentInformerFactory } from '../client/component.js';
import { portTransport } from '../client/porttransport.js';
import { RestClient } from '../client/rest.js';
import { SimulatedNodesFollower } from './simulated.js';
import type { SimulatedNodesThreadData, SimulatedNodesThreadMessage } from './simulatedthread.js';

const port = parentPort!;
const post = (m: SimulatedNodesThreadMessage) => port.postMessage(m);
const log = (msg: string) => post({ kind: 'log', msg });

const data = workerData as SimulatedNodesThreadData;
const client = new RestClient({ ...data.connection, transport: data.port ? portTransport(data.port) : undefined });
const factory = componentInformerFactory(client, log);
// Their informers are the thread's own, shared with no controller: only bound pods (kwok's
// selection) cross the port, cached as the simulated kubelet reads them, not every pending pod.
const follower = new SimulatedNodesFollower(client, factory, log, { heartbeatMs: data.heartbeatMs, ownPodInformer: true });
let stopping = false;

port.on('message', (m: { kind: string }) => {
  if (m.kind !== 'stop' || stopping) return;
  stopping = true;
  void (async () => {
    try {
      await follower.stop();
      await factory.stop();
    } catch (e) {
      log(`stopping the simulated nodes: ${errorMessage(e)}`);
    }
    client.close();
    post({ kind: 'stopped' });
    port.close();
  })();
});

try {
  factory.start();
  await factory.waitForCacheSync();
  if (!stopping) {
    follower.start();
    post({ kind: 'started' });
  }
} catch (e) {
  post({ kind: 'failed', error: errorMessage(e) });
  port.close();
}
