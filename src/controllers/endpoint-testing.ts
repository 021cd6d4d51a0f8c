// Test helpers for the Endpoints and EndpointSlice controllers: a tiny fake kubelet that gives
// pods an IP and marks them Running and Ready (or leaves them not ready), and finishes graceful
// deletes unless told to hold them; pod and service builders; and the whole test environment
// (control plane, nodes, kubelet, controllers on one informer factory).

import { type KObject, nowRFC3339 } from '../api/object.js';
import { NODES, PODS, type Pod, SERVICES } from '../api/types.js';
import { Informer, type SharedInformerFactory } from '../client/informer.js';
import type { Runnable } from '../client/leaderelection.js';
import type { RestClient } from '../client/rest.js';
import { runControllers, startTestControlPlane, type TestControlPlane, testLog } from '../testing/controlplane.js';

export interface EndpointsTestEnv {
  cp: TestControlPlane;
  kubelet: IPKubelet;
  /** Creates pod name in NS with these labels (podManifest). */
  pod(name: string, labels: Record<string, string>, o?: PodSpecOptions): Promise<void>;
  /** Creates service name in NS with this spec and labels; the object the server stored. */
  service(name: string, spec: Record<string, unknown>, labels?: Record<string, string>): Promise<KObject>;
  stop(): Promise<void>;
}

/** The namespace the endpoints tests work in, and its services. */
export const NS = 'default';
export const SVC = { ...SERVICES, namespace: NS };

export { testLog };

/**
 * A control plane with these nodes, the IP kubelet, and the controllers made on one client and
 * informer factory, started once the caches have synced; stop() takes it all down.
 */
export async function startEndpointsTestEnv(
  nodes: KObject[],
  controllers: (client: RestClient, factory: SharedInformerFactory) => Runnable[] | Promise<Runnable[]>,
): Promise<EndpointsTestEnv> {
  const cp = await startTestControlPlane();
  const client = cp.newClient('kube-controller-manager/test');
  for (const n of nodes) await cp.client.create(NODES, { apiVersion: 'v1', kind: 'Node', ...n });
  const kubelet = await startIPKubelet(cp.newClient('kubelet/test'));
  const stopControllers = await runControllers(client, controllers, { factory: { backoffInitialMs: 50, backoffMaxMs: 500 } });
  return {
    cp,
    kubelet,
    async pod(name, labels, o = {}) {
      await cp.client.create({ ...PODS, namespace: NS }, podManifest(name, labels, o));
    },
    service: (name, spec, labels) => cp.client.create(SVC, { apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec }),
    async stop() {
      await stopControllers();
      await kubelet.stop();
      await cp.stop();
    },
  };
}

/** A pod annotation that picks its IP (else the kubelet hands out 10.244.1.x). */
export const IP_ANNOTATION = 'k8ts.test/pod-ip';
/** A pod annotation that keeps it not ready once running. */
export const NOT_READY_ANNOTATION = 'k8ts.test/not-ready';

export interface IPKubelet {
  informer: Informer<Pod>;
  /** While true, pods being deleted stay (terminating) instead of being finished. */
  holdDeletes: boolean;
  stop(): Promise<void>;
}

export async function startIPKubelet(client: RestClient): Promise<IPKubelet> {
  const inf = new Informer<Pod>(client, { ...PODS });
  const started = new Set<string>();
  const deleting = new Set<string>();
  let next = 2;
  let stopped = false;
  const kubelet: IPKubelet = { informer: inf, holdDeletes: false, stop: async () => {} };
  const handle = (p: Pod): void => {
    if (stopped) return;
    const key = `${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`;
    const ref = { ...PODS, namespace: p.metadata.namespace, name: p.metadata.name };
    if (p.metadata.deletionTimestamp) {
      if (kubelet.holdDeletes || deleting.has(key)) return;
      deleting.add(key);
      client.delete(ref, { gracePeriodSeconds: 0 }).catch(() => undefined);
      return;
    }
    if (started.has(key) || p.status?.podIP) return;
    started.add(key);
    const ip = p.metadata.annotations?.[IP_ANNOTATION] ?? `10.244.1.${next++}`;
    const ready = p.metadata.annotations?.[NOT_READY_ANNOTATION] === undefined;
    const now = nowRFC3339();
    const containers = (p.spec?.containers as { name: string; image?: string }[] | undefined) ?? [];
    client
      .patch(
        { ...ref, subresource: 'status' },
        {
          status: {
            phase: 'Running',
            podIP: ip,
            podIPs: [{ ip }],
            startTime: now,
            conditions: podConditions(ready, now),
            containerStatuses: containers.map((c) => ({
              name: c.name,
              image: c.image,
              imageID: '',
              ready,
              started: true,
              restartCount: 0,
              state: { running: { startedAt: now } },
            })),
          },
        },
        'merge',
      )
      .catch(() => undefined);
  };
  inf.addEventHandler({ onAdd: handle, onUpdate: (_o, n) => handle(n) });
  inf.start();
  await inf.waitForSync(5000);
  kubelet.stop = async () => {
    stopped = true;
    await inf.stop();
  };
  return kubelet;
}

export function podConditions(
  ready: boolean,
  at = nowRFC3339(),
): { type: string; status: string; lastTransitionTime: string; lastProbeTime: null }[] {
  return [
    { type: 'Initialized', status: 'True' },
    { type: 'Ready', status: ready ? 'True' : 'False' },
    { type: 'ContainersReady', status: ready ? 'True' : 'False' },
    { type: 'PodScheduled', status: 'True' },
  ].map((c) => ({ ...c, lastProbeTime: null, lastTransitionTime: at }));
}

/** What a readiness probe's result does to a pod's status. */
export async function setPodReady(client: RestClient, namespace: string, name: string, ready: boolean): Promise<void> {
  await client.patch({ ...PODS, namespace, name, subresource: 'status' }, { status: { conditions: podConditions(ready) } }, 'merge');
}

export interface PodSpecOptions {
  ip?: string;
  notReady?: boolean;
  nodeName?: string;
  /** Container ports: [name, containerPort]. */
  ports?: [string, number][];
}

export function podManifest(name: string, labels: Record<string, string>, o: PodSpecOptions = {}): object {
  const annotations: Record<string, string> = {};
  if (o.ip) annotations[IP_ANNOTATION] = o.ip;
  if (o.notReady) annotations[NOT_READY_ANNOTATION] = 'true';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, annotations },
    spec: {
      nodeName: o.nodeName ?? 'node-a',
      containers: [{ name: 'app', image: 'nginx', ports: (o.ports ?? [['http', 8080]]).map(([n, p]) => ({ name: n, containerPort: p })) }],
    },
  };
}
