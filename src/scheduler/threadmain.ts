// The scheduler thread's own start (see thread.ts): the scheduler as startScheduler runs it once
// the start message comes, its log lines and whether it leads posted to the control plane's
// thread, its metrics when asked, a stop message stopping it.

import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../api/errors.js';
import { portTransport } from '../client/porttransport.js';
import { registry } from '../metrics/legacyregistry.js';
import { type SchedulerServer, startScheduler } from './server.js';
import type { SchedulerThreadData, SchedulerThreadMessage } from './thread.js';

const port = parentPort!;
const post = (m: SchedulerThreadMessage) => port.postMessage(m);
const log = (msg: string) => post({ kind: 'log', msg });

/** What the control plane's thread posts here. */
type ControlMessage = { kind: 'start'; data: SchedulerThreadData } | { kind: 'metrics'; id: number } | { kind: 'stop' };

let server: SchedulerServer | undefined;
let stopAsked = false;
let watchLeader: NodeJS.Timeout | undefined;

// One listener for the thread's life (it keeps the thread alive until the port closes): the
// thread is spawned before its start (thread.ts spawnSchedulerThread), its modules loaded meanwhile.
port.on('message', (m: ControlMessage) => {
  if (m.kind === 'start') void start(m.data);
  else if (m.kind === 'metrics') void registry.getMetricsAsJSON().then((metrics) => post({ kind: 'metrics', id: m.id, metrics }));
  else if (m.kind === 'stop') {
    stopAsked = true;
    if (server) stop(server);
  }
});

async function start(data: SchedulerThreadData): Promise<void> {
  try {
    const transport = data.port ? portTransport(data.port) : undefined;
    const s = await startScheduler({ ...data.connection, transport, log });
    server = s;
    // Whether it holds the Lease, as the elector knows it, told when it changes.
    let leading = false;
    watchLeader = setInterval(() => {
      if (s.isLeader() !== leading) {
        leading = !leading;
        post({ kind: 'leader', leading });
      }
    }, 100);
    post({ kind: 'started' });
    // Asked to stop while it started.
    if (stopAsked) stop(s);
  } catch (e) {
    post({ kind: 'failed', error: errorMessage(e) });
    port.close();
  }
}

function stop(s: SchedulerServer): void {
  clearInterval(watchLeader);
  void s
    .stop()
    .catch((e) => log(`stopping the scheduler: ${errorMessage(e)}`))
    .finally(() => {
      post({ kind: 'leader', leading: false });
      post({ kind: 'stopped' });
      port.close();
    });
}
