// The `kubernetes` Service in default and its endpoints, kept by the API server itself as
// kube-apiserver's controlplane "kubernetes service" controller and endpoint reconciler do:
// ClusterIP the first address of the service range, port 443 (https) to the API server's port,
// Endpoints and an EndpointSlice naming the advertise address (where the API server also
// listens, so pods reach it). Whatever is deleted or changed is put back at once (the service,
// endpoints and slices of default are watched in the API server's own caches), and checked
// every 10 s besides, as the reconciler's EndpointInterval.

import { StatusError } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { intToIp } from '../api/net.js';
import type { RequestContext } from './registry/strategy.js';
import type { ApiServer } from './server.js';

const NAME = 'kubernetes';
const NS = 'default';
const RESYNC_MS = 10_000;

function ctx(): RequestContext {
  return { user: { name: 'system:apiserver', groups: ['system:masters'] }, dryRun: false, fieldManager: 'kube-apiserver', warnings: [] };
}

interface PortLike { name?: string; port?: number; protocol?: string; targetPort?: number | string }
const samePorts = (a: PortLike[] | undefined, b: PortLike[]): boolean =>
  JSON.stringify((a ?? []).map((p) => [p.name, p.port, p.protocol ?? 'TCP', p.targetPort])) === JSON.stringify(b.map((p) => [p.name, p.port, p.protocol, p.targetPort]));

export class KubernetesServiceController {
  private watches: { cancel(): void }[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly api: ApiServer, private readonly log: (msg: string) => void = () => undefined) {}

  /** Makes or repairs the objects once, then keeps them. */
  async start(): Promise<void> {
    await this.reconcile();
    this.watch();
    this.timer = setInterval(() => {
      // A watch the cache had to close is opened again on the next tick.
      if (this.watches.length === 0) this.watch();
      this.trigger();
    }, RESYNC_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.watches) w.cancel();
    this.watches = [];
    await this.idle;
  }

  private watch(): void {
    for (const [group, resource] of [['', 'services'], ['', 'endpoints'], ['discovery.k8s.io', 'endpointslices']]) {
      const reg = this.api.registry(group, resource);
      if (!reg) continue;
      try {
        const w = reg.cache.watch(reg.cache.revision, reg.prefix(NS), (ev) => {
          if (ev.object.metadata.name === NAME) this.trigger();
        }, () => { this.watches = this.watches.filter((x) => x !== w); });
        this.watches.push(w);
      } catch (e) {
        this.log(`kubernetes service controller: watch ${resource}: ${(e as Error).message}`);
      }
    }
  }

  /** One reconcile at a time; a change during one runs another after it. */
  private trigger(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = true;
    this.idle = (async () => {
      do {
        this.again = false;
        await this.reconcile().catch((e) => this.log(`kubernetes service controller: ${(e as Error).message}`));
      } while (this.again && !this.stopped);
      this.running = false;
    })();
  }

  async reconcile(): Promise<void> {
    const api = this.api;
    const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: api.port }];
    const svcReg = api.registry('', 'services')!;
    const svc = await api.getObject('', 'services', NS, NAME);
    if (!svc) {
      // The first address of the service range belongs to the kubernetes service.
      const clusterIP = intToIp(api.allocators.clusterIPs.base + 1);
      await this.createIgnoringRace(() => svcReg.create(NS, {
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: NAME, namespace: NS, labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, sessionAffinity: 'None' },
      }, ctx()));
    } else {
      const spec = (svc.spec ?? {}) as { ports?: PortLike[]; type?: string };
      // A restart on another port, or a hand edit: the ports are the API server's (getMasterServiceUpdateIfNeeded).
      if (!samePorts(spec.ports, ports) || spec.type !== 'ClusterIP') {
        await svcReg.update(NS, NAME, { ...svc, spec: { ...spec, type: 'ClusterIP', ports } }, ctx()).catch((e) => this.conflictIsFine(e));
      }
    }
    // Without a non-loopback address there is nothing valid to publish (Endpoints refuse loopback).
    if (!api.advertiseAddress) return;
    const epPorts = [{ name: 'https', port: api.port, protocol: 'TCP' }];
    const endpoints = await api.getObject('', 'endpoints', NS, NAME);
    const subsets = [{ addresses: [{ ip: api.advertiseAddress }], ports: epPorts }];
    if (!endpoints || JSON.stringify(endpoints.subsets) !== JSON.stringify(subsets)) {
      await api.registry('', 'endpoints')!.update(NS, NAME, {
        apiVersion: 'v1', kind: 'Endpoints',
        metadata: { name: NAME, namespace: NS, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' }, ...(endpoints ? { resourceVersion: endpoints.metadata.resourceVersion } : {}) },
        subsets,
      }, ctx()).catch((e) => this.conflictIsFine(e));
    }
    const sliceReg = api.registry('discovery.k8s.io', 'endpointslices')!;
    const slice = await api.getObject('discovery.k8s.io', 'endpointslices', NS, NAME);
    const want = {
      addressType: 'IPv4',
      endpoints: [{ addresses: [api.advertiseAddress], conditions: { ready: true } }],
      ports: epPorts,
    };
    const labels = { 'kubernetes.io/service-name': NAME, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
    const current = slice ? { addressType: slice.addressType, endpoints: slice.endpoints, ports: slice.ports } : undefined;
    if (!slice) {
      await this.createIgnoringRace(() => sliceReg.create(NS, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: NAME, namespace: NS, labels }, ...want }, ctx()));
    } else if (JSON.stringify(current) !== JSON.stringify(want)) {
      await sliceReg.update(NS, NAME, { ...slice, metadata: { ...slice.metadata, labels: { ...(slice.metadata.labels ?? {}), ...labels } }, ...want }, ctx()).catch((e) => this.conflictIsFine(e));
    }
  }

  /** Another writer got there first: the next event or tick looks again. */
  private conflictIsFine(e: unknown): void {
    if (e instanceof StatusError && e.code === 409) { this.again = true; return; }
    throw e;
  }

  private async createIgnoringRace(create: () => Promise<KObject>): Promise<void> {
    try {
      await create();
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) return;
      throw e;
    }
  }
}
