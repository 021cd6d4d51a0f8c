// The simulated nodes on a thread of their own (#13: the control plane's one thread is what
// limits the pods bound and Ready a second at 1,000 simulated nodes, and the hollow kubelets'
// informers, queue and status writes are part of its work). kwok runs its fake kubelets as a
// process of its own, a client of the API server as any other; here they run in a worker thread
// of the control plane's process, as the scheduler can (src/scheduler/thread.ts): their own
// informers (nodes, pods, the kube-system ConfigMaps they follow) and their own client, with the
// credential they have in-process (the admin's token). Their requests reach the API server
// through a MessagePort (client/porttransport.ts, apiserver/portserver.ts: the server's whole
// chain, the bytes an HTTPS client would send and read), or over HTTPS when no server is given.
//
// A Runnable of the controller manager's term, as the in-process SimulatedNodesFollower is: the
// thread starts when the term starts (the kube-controller-manager Lease is held) and ends with it.

import { type MessagePort, Worker } from 'node:worker_threads';
import type { InProcessServer } from '../apiserver/inprocess.js';
import { servedChannel } from '../apiserver/portserver.js';
import type { Runnable } from '../client/leaderelection.js';
import type { RestClientOptions } from '../client/rest.js';

/** What the thread reports to the control plane (simulatedthreadmain.ts posts them). */
export type SimulatedNodesThreadMessage =
  | { kind: 'log'; msg: string }
  /** Its informers synced and its nodes follow the ConfigMap. */
  | { kind: 'started' }
  | { kind: 'failed'; error: string }
  | { kind: 'stopped' };

/** The connection the thread's client is made with (no transport: a thread has its own). */
export type SimulatedNodesConnection = Pick<RestClientOptions, 'server' | 'token' | 'certData' | 'keyData' | 'caData' | 'userAgent'>;

/** What the thread is started with. */
export interface SimulatedNodesThreadData {
  connection: SimulatedNodesConnection;
  /** Lease renewal period of the nodes (SimulatedNodesOptions.heartbeatMs). */
  heartbeatMs?: number;
  /** The API server's end of it serves the thread's requests (portserver.ts); HTTPS without one. */
  port?: MessagePort;
}

export interface SimulatedNodesThreadOptions {
  connection: SimulatedNodesConnection;
  heartbeatMs?: number;
  /** The API server of this process: the thread's requests go through a port to it. */
  server?: InProcessServer;
  log?: (msg: string) => void;
}

/** How long a thread asked to stop has to end before it is terminated (a process would be killed). */
const STOP_TIMEOUT_MS = 20_000;

/**
 * The simulated nodes (SimulatedNodesFollower) in a worker thread: start() starts the thread,
 * stop() stops its nodes (heartbeats, pod handling) and ends it. The Node objects stay, as a
 * stopped kubelet's do; the next start adopts them.
 */
export class SimulatedNodesThread implements Runnable {
  private worker?: Worker;
  private running = false;
  private exited?: Promise<void>;
  private stopping?: Promise<void>;
  private readonly log: (msg: string) => void;
  /** Resolves when the thread's nodes run (its informers synced), rejects when it failed or ended first. */
  readonly started: Promise<void>;
  private settle!: { resolve: () => void; reject: (e: Error) => void };

  constructor(private readonly opts: SimulatedNodesThreadOptions) {
    this.log = opts.log ?? (() => undefined);
    this.started = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Awaited by whoever wants it; a thread that fails is logged either way.
    this.started.catch(() => undefined);
  }

  /** The thread's id while it runs (Worker.threadId), for tests and diagnostics. */
  get threadId(): number | undefined {
    return this.running ? this.worker?.threadId : undefined;
  }

  start(): void {
    if (this.worker || this.stopping) return;
    const served = this.opts.server ? servedChannel(this.opts.server) : undefined;
    const data: SimulatedNodesThreadData = { connection: this.opts.connection, heartbeatMs: this.opts.heartbeatMs, port: served?.port };
    const transferList = served ? [served.port] : [];
    const worker = new Worker(new URL('./simulatedthreadmain.js', import.meta.url), { workerData: data, transferList });
    this.worker = worker;
    this.running = true;
    this.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: SimulatedNodesThreadMessage) => {
      if (m.kind === 'log') this.log(m.msg);
      else if (m.kind === 'started') this.settle.resolve();
      else if (m.kind === 'failed') {
        this.log(`simulated nodes' thread: ${m.error}`);
        this.settle.reject(new Error(`the simulated nodes' thread: ${m.error}`));
      }
    });
    worker.once('error', (e) => {
      this.log(`the simulated nodes' thread failed: ${e.message}`);
      this.settle.reject(e);
    });
    worker.once('exit', (code) => {
      this.running = false;
      served?.stop();
      if (!this.stopping) this.log(`the simulated nodes' thread exited (code ${code})`);
      this.settle.reject(new Error(`the simulated nodes' thread exited (code ${code}) before it started`));
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const worker = this.worker;
      if (!worker) return;
      worker.postMessage({ kind: 'stop' });
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    })();
    return this.stopping;
  }
}
