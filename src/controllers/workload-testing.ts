// Test helpers for the workload controllers: a tiny fake kubelet that marks pods Running and
// Ready, a proxy in front of the API server that can hold back pod watch events or refuse pod
// creates (as a quota would), and a wait-for-condition with a deadline.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPodReady } from '../api/conditions.js';
import { nowRFC3339 } from '../api/object.js';
import type { Pod } from '../api/types.js';
import { Informer, SharedInformerFactory } from '../client/informer.js';
import { RestClient } from '../client/rest.js';
import { type TestControlPlane, testLog } from '../testing/controlplane.js';
import { DeploymentController } from './deployment.js';
import { ReplicaSetController } from './replicaset.js';

export interface FakeKubeletOptions {
  /** Delay before a new pod is marked Running and Ready (default 30 ms). */
  delayMs?: number;
  /** Pods it leaves Pending and not ready (say, an image that never starts). */
  neverReady?: (pod: Pod) => boolean;
  /** Bind pods to this node first (then deletes are graceful and it finishes them). */
  nodeName?: string;
}

export interface FakeKubelet {
  informer: Informer<Pod>;
  stop(): Promise<void>;
}

/** Marks pods Running+Ready through pods/status, and finishes graceful deletes at once. */
export async function startFakeKubelet(client: RestClient, opts: FakeKubeletOptions = {}): Promise<FakeKubelet> {
  const inf = new Informer<Pod>(client, { group: '', version: 'v1', resource: 'pods' });
  const inFlight = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const handle = (p: Pod): void => {
    if (stopped) return;
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    const ref = { group: '', version: 'v1', resource: 'pods', namespace: p.metadata.namespace, name: p.metadata.name };
    if (p.metadata.deletionTimestamp) {
      if (inFlight.has(`del:${key}`)) return;
      inFlight.add(`del:${key}`);
      client.delete(ref, { gracePeriodSeconds: 0 }).catch(() => undefined);
      return;
    }
    if (isPodReady(p) || inFlight.has(key) || opts.neverReady?.(p)) return;
    inFlight.add(key);
    const t = setTimeout(async () => {
      timers.delete(t);
      if (stopped) return;
      try {
        if (opts.nodeName && !p.spec?.nodeName) {
          await client.create(
            { ...ref, subresource: 'binding' },
            { apiVersion: 'v1', kind: 'Binding', metadata: { name: p.metadata.name }, target: { kind: 'Node', name: opts.nodeName } },
          );
        }
        const now = nowRFC3339();
        const containers = (p.spec?.containers as { name: string; image?: string }[] | undefined) ?? [];
        await client.patch(
          { ...ref, subresource: 'status' },
          {
            status: {
              phase: 'Running',
              conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
                type,
                status: 'True',
                lastProbeTime: null,
                lastTransitionTime: now,
              })),
              startTime: now,
              containerStatuses: containers.map((c) => ({
                name: c.name,
                image: c.image,
                imageID: '',
                ready: true,
                started: true,
                restartCount: 0,
                state: { running: { startedAt: now } },
              })),
            },
          },
          'merge',
        );
      } catch {
        /* gone meanwhile */
      }
      inFlight.delete(key);
    }, opts.delayMs ?? 30);
    timers.add(t);
  };
  inf.addEventHandler({ onAdd: handle, onUpdate: (_o, n) => handle(n) });
  inf.start();
  await inf.waitForSync(5000);
  return {
    informer: inf,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await inf.stop();
    },
  };
}

export interface FaultProxy {
  url: string;
  /** Pod watch events reach the client this much later (ms). */
  podWatchLagMs: number;
  /** When set, POSTs that create pods are answered with this 403 message. */
  failPodCreates?: string;
  /** Pod creates are held this long before they are passed on (ms). */
  podCreateDelayMs: number;
  /** The most pod creates the proxy has held or passed on at once (so far). */
  podCreatesPeak: number;
  stop(): Promise<void>;
}

/** An HTTP proxy to the API server that can delay pod watch events, refuse or hold pod creates, and counts creates in flight. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const up = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<import('node:net').Socket>();
  const proxy: FaultProxy = { url: '', podWatchLagMs: 0, podCreateDelayMs: 0, podCreatesPeak: 0, stop: async () => {} };
  let podCreates = 0;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const isPodCreate = req.method === 'POST' && /^\/api\/v1\/namespaces\/[^/]+\/pods(\?|$)/.test(url);
    if (isPodCreate && proxy.failPodCreates) {
      req.resume();
      const body = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: proxy.failPodCreates,
        reason: 'Forbidden',
        details: { kind: 'pods' },
        code: 403,
      };
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    const isPodWatch = /^\/api\/v1\/pods\?.*watch=(true|1)/.test(url) || /^\/api\/v1\/namespaces\/[^/]+\/pods\?.*watch=(true|1)/.test(url);
    if (isPodCreate) {
      proxy.podCreatesPeak = Math.max(proxy.podCreatesPeak, ++podCreates);
      res.once('close', () => podCreates--);
    }
    const forward = () => {
      const ureq = http.request(
        { host: up.hostname, port: up.port, method: req.method, path: url, headers: req.headers, agent: isPodWatch ? false : agent },
        (ures) => {
          res.writeHead(ures.statusCode ?? 502, ures.headers);
          if (!isPodWatch) {
            ures.pipe(res);
            return;
          }
          // The lag is read per chunk (watches outlive a test); chunks never overtake each other.
          let lastAt = 0;
          ures.on('data', (c: Buffer) => {
            const at = Math.max(Date.now() + proxy.podWatchLagMs, lastAt);
            lastAt = at;
            setTimeout(() => {
              if (!res.destroyed) res.write(c);
            }, at - Date.now());
          });
          ures.on('end', () => setTimeout(() => res.end(), Math.max(0, lastAt - Date.now())));
          res.on('close', () => ures.destroy());
        },
      );
      ureq.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(ureq);
    };
    if (isPodCreate && proxy.podCreateDelayMs > 0) setTimeout(forward, proxy.podCreateDelayMs);
    else forward();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = async () => {
    for (const s of sockets) s.destroy();
    agent.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return proxy;
}

export interface Workloads {
  client: RestClient;
  factory: SharedInformerFactory;
  rsc: ReplicaSetController;
  dc: DeploymentController;
  stop(): Promise<void>;
}

/** Both controllers on their own client (to the proxy, when given), started and synced. */
export async function startWorkloadControllers(cp: TestControlPlane, server?: string): Promise<Workloads> {
  const client = server
    ? new RestClient({ server, token: cp.token, userAgent: 'kube-controller-manager/test' })
    : cp.newClient('kube-controller-manager/test');
  const factory = new SharedInformerFactory(client, { backoffInitialMs: 50, backoffMaxMs: 500 });
  const rsc = new ReplicaSetController(client, factory, { log: testLog });
  const dc = new DeploymentController(client, factory, { log: testLog });
  factory.start();
  await factory.waitForCacheSync(5000);
  rsc.start();
  dc.start();
  return {
    client,
    factory,
    rsc,
    dc,
    async stop() {
      await Promise.all([rsc.stop(), dc.stop()]);
      await factory.stop();
      if (server) client.close();
    },
  };
}
