// The scheduler thread's own start (see thread.ts): the scheduler as startScheduler runs it, its
// log lines and whether it leads posted to the control plane's thread, a stop message stopping it.

import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../api/errors.js';
import { portTransport } from '../client/porttransport.js';
import { registry } from '../metrics/legacyregistry.js';
import { startScheduler } from './server.js';
import type { SchedulerThreadData, SchedulerThreadMessage } from './thread.js';

const port = parentPort!;
const post = (m: SchedulerThreadMessage) => port.postMessage(m);
const log = (msg: string) => post({ kind: 'log', msg });

// No top-level await: the thread's bundle (build/bundle.ts) is a CommonJS script.
void (async () => {
  try {
    const data = workerData as SchedulerThreadData;
    const transport = data.port ? portTransport(data.port) : undefined;
    const server = await startScheduler({ ...data.connection, transport, log });
    // Whether it holds the Lease, as the elector knows it, told when it changes.
    let leading = false;
    const watchLeader = setInterval(() => {
      if (server.isLeader() !== leading) {
        leading = !leading;
        post({ kind: 'leader', leading });
      }
    }, 100);
    port.on('message', (m: { kind: string; id?: number }) => {
      if (m.kind === 'metrics') {
        void registry.getMetricsAsJSON().then((metrics) => post({ kind: 'metrics', id: m.id!, metrics }));
        return;
      }
      if (m.kind !== 'stop') return;
      clearInterval(watchLeader);
      void server
        .stop()
        .catch((e) => log(`stopping the scheduler: ${errorMessage(e)}`))
        .finally(() => {
          post({ kind: 'leader', leading: false });
          post({ kind: 'stopped' });
          port.close();
        });
    });
    post({ kind: 'started' });
  } catch (e) {
    post({ kind: 'failed', error: errorMessage(e) });
    port.close();
  }
})();
