// kube-scheduler on a thread of its own (#13: the control plane's one thread is busy the whole
// time pods are scheduled, while the machine's other core is partly idle). kube-scheduler is a
// process of its own in Kubernetes (cmd/kube-scheduler), talking to the API server as any
// remote client; here it runs in a worker thread of the control plane's process: its
// informers, queue, filters and scores and its requests' encoding leave the API server's
// thread. Its requests reach the API server through a MessagePort (client/porttransport.ts,
// apiserver/portserver.ts: the server's whole chain, the bytes an HTTPS client would send and
// read, no TLS or sockets), or over HTTPS when no server is given.

import { fileURLToPath } from 'node:url';
import { type MessagePort, Worker } from 'node:worker_threads';
import type { InProcessServer } from '../apiserver/inprocess.js';
import { staleBundle } from '../cli/servebundle.js';
import { addThreadMetrics, type MetricsJSON } from '../metrics/legacyregistry.js';
import type { SchedulerServer, SchedulerServerOptions } from './server.js';

/** What the thread reports to the control plane (threadmain.ts posts them). */
export type SchedulerThreadMessage =
  | { kind: 'log'; msg: string }
  | { kind: 'started' }
  | { kind: 'failed'; error: string }
  | { kind: 'leader'; leading: boolean }
  | { kind: 'stopped' }
  /** Its registry's metrics, asked for by id (the control plane's /metrics shows them). */
  | { kind: 'metrics'; id: number; metrics: MetricsJSON };

/** The connection the thread's scheduler is started with (no transport: a thread has its own). */
export type SchedulerThreadOptions = Omit<SchedulerServerOptions, 'transport' | 'log'> & { log?: (msg: string) => void };

/** What the thread is started with. */
export interface SchedulerThreadData {
  connection: Omit<SchedulerThreadOptions, 'log'>;
  /** The API server's end of it serves the thread's requests (portserver.ts); HTTPS without one. */
  port?: MessagePort;
}

/** The thread's module, and its bundle (build/bundle.ts), beside this one. */
const THREAD_MODULE = fileURLToPath(new URL('./threadmain.js', import.meta.url));
const THREAD_BUNDLE = fileURLToPath(new URL('./threadmain.bundle.cjs', import.meta.url));

/**
 * The file the thread starts from: the bundle when the build made one and no `tsc` has rewritten
 * the modules since (~70 ms to the thread's start against ~125 ms for its ~150 ES modules, loaded
 * one by one by the worker's own loader), else threadmain.js.
 */
export function schedulerThreadEntry(bundle = THREAD_BUNDLE, module = THREAD_MODULE): string {
  try {
    return staleBundle(bundle, module) ? module : bundle;
  } catch {
    return module;
  }
}

/** A scheduler thread spawned ahead of its start: it loads its modules meanwhile. */
export interface SpawnedSchedulerThread {
  /** Starts the scheduler there (once); as startSchedulerThread. */
  start(opts: SchedulerThreadOptions, server?: InProcessServer): Promise<SchedulerServer>;
  /** Ends a thread that will not be started (the control plane's start failed first). */
  cancel(): void;
}

/**
 * Spawns the thread now, its scheduler started later (the control plane spawns it before its
 * store and API server start, so that the thread's ~70-125 ms of loading runs beside them on the
 * other core instead of after them, on `up`'s path to ready).
 */
export function spawnSchedulerThread(): SpawnedSchedulerThread {
  const worker = new Worker(schedulerThreadEntry());
  let failure: Error | undefined;
  // An error before start() is its failure (start() rejects with it).
  const onEarlyError = (e: Error) => {
    failure = e;
  };
  worker.once('error', onEarlyError);
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return {
    start: (opts, server) => {
      worker.off('error', onEarlyError);
      return startOn(worker, exited, failure, opts, server);
    },
    cancel: () => void worker.terminate(),
  };
}

/**
 * Starts the scheduler in a worker thread; resolves once it runs there (as startScheduler
 * resolves). With server (the API server of this process), its requests go through a port.
 */
export function startSchedulerThread(opts: SchedulerThreadOptions, server?: InProcessServer): Promise<SchedulerServer> {
  return spawnSchedulerThread().start(opts, server);
}

async function startOn(
  worker: Worker,
  exit: Promise<number>,
  failure: Error | undefined,
  opts: SchedulerThreadOptions,
  server?: InProcessServer,
): Promise<SchedulerServer> {
  const { log, ...connection } = opts;
  const served = server ? (await import('../apiserver/portserver.js')).servedChannel(server) : undefined;
  const data: SchedulerThreadData = { connection, port: served?.port };
  worker.postMessage({ kind: 'start', data }, served ? [served.port] : []);
  // Its metrics (the scheduler's, its client's) at each scrape of /metrics, as in-process.
  const asked = new Map<number, (m: MetricsJSON) => void>();
  let nextAsk = 1;
  const dropMetrics = addThreadMetrics(
    () =>
      new Promise((resolve) => {
        const id = nextAsk++;
        // A thread busy past a second (or gone) leaves its metrics out of this scrape.
        const timer = setTimeout(() => {
          asked.delete(id);
          resolve([]);
        }, 1000);
        asked.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        worker.postMessage({ kind: 'metrics', id });
      }),
  );
  const exited = exit.then(() => {
    leading = false;
    served?.stop();
    dropMetrics();
    for (const answer of asked.values()) answer([]);
  });
  let leading = false;
  let stopped: Promise<void> | undefined;
  return new Promise((resolve, reject) => {
    const server: SchedulerServer = {
      thread: true,
      isLeader: () => leading,
      stop() {
        stopped ??= (async () => {
          worker.postMessage({ kind: 'stop' });
          // The thread stops its scheduler (releasing nothing it holds twice) and ends; one that
          // does not end in time is terminated, as a process would be killed.
          const timer = setTimeout(() => void worker.terminate(), 20_000);
          await exited;
          clearTimeout(timer);
        })();
        return stopped;
      },
    };
    worker.on('message', (m: SchedulerThreadMessage) => {
      if (m.kind === 'log') log?.(m.msg);
      else if (m.kind === 'leader') leading = m.leading;
      else if (m.kind === 'metrics') {
        asked.get(m.id)?.(m.metrics);
        asked.delete(m.id);
      } else if (m.kind === 'started') resolve(server);
      else if (m.kind === 'failed') reject(new Error(`the scheduler's thread: ${m.error}`));
    });
    const failed = (e: Error) => {
      log?.(`the scheduler's thread failed: ${e.message}`);
      reject(e);
    };
    if (failure) failed(failure);
    worker.once('error', failed);
    void exit.then((code) => {
      if (!stopped) {
        log?.(`the scheduler's thread exited (code ${code})`);
        reject(new Error(`the scheduler's thread exited (code ${code}) before it started`));
      }
    });
  });
}
