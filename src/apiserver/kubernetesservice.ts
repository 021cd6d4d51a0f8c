// The `kubernetes` Service in default and its endpoints, kept by the API server itself as
// kube-apiserver's controlplane "kubernetes service" controller and its lease endpoint
// reconciler do: ClusterIP the first address of the service range, port 443 (https) to the API
// servers' port, Endpoints and an EndpointSlice naming the advertise addresses (where the API
// servers also listen, so pods reach them). Every API server sharing the store renews a Lease
// (kube-system/apiserver-<hash>, 15 s, as the reconciler's master leases) naming its address
// and port, and each computes the same endpoints from the live ones, so several servers agree
// instead of overwriting each other. Whatever is deleted or changed is put back at once (the
// service, endpoints, slices and leases are watched in the API server's own caches), and
// checked every 10 s besides, as the reconciler's EndpointInterval.

import { createHash } from 'node:crypto';
import { StatusError } from '../api/errors.js';
import { intToIp } from '../api/net.js';
import { type KObject, nowMicro } from '../api/object.js';
import { apiserverContext } from './registry/strategy.js';
import type { ApiServer } from './server.js';

/**
 * Creates a bootstrap object another API server may be creating at the same moment: theirs
 * stored first is a 409; theirs still on its way has already taken the fixed cluster IP, a
 * 422 "already allocated" until their service is stored (or, if their write fails, until they
 * give the address back). So on a 422, wait for their object, trying again meanwhile.
 */
export async function createOrAwaitOther(
  create: () => Promise<unknown>,
  exists: () => Promise<unknown>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await create();
      return;
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) return;
      if (!(e instanceof StatusError && e.code === 422) || Date.now() > deadline) throw e;
      if (await exists()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const NAME = 'kubernetes';
const NS = 'default';
const RESYNC_MS = 10_000;
/** The master lease TTL: a server that stopped renewing leaves the endpoints after this. */
const LEASE_SECONDS = 15;
const LEASE_NS = 'kube-system';
const ENDPOINT_LABEL = 'k8ts.io/apiserver-endpoint';
const ENDPOINT_ANNOTATION = 'k8ts.io/advertise-endpoint';

interface ServerEndpoint {
  ip: string;
  port: number;
}

/**
 * The endpoints every server publishes, from the live leases: the addresses grouped by port,
 * the group with most addresses first (the lowest port on a tie), so every server picks the same.
 */
export function endpointGroups(live: ServerEndpoint[]): { port: number; ips: string[] }[] {
  const byPort = new Map<number, Set<string>>();
  for (const e of live) {
    if (!byPort.has(e.port)) byPort.set(e.port, new Set());
    byPort.get(e.port)!.add(e.ip);
  }
  return [...byPort].map(([port, ips]) => ({ port, ips: [...ips].sort() })).sort((a, b) => b.ips.length - a.ips.length || a.port - b.port);
}

interface PortLike {
  name?: string;
  port?: number;
  protocol?: string;
  targetPort?: number | string;
}
const samePorts = (a: PortLike[] | undefined, b: PortLike[]): boolean =>
  JSON.stringify((a ?? []).map((p) => [p.name, p.port, p.protocol ?? 'TCP', p.targetPort])) ===
  JSON.stringify(b.map((p) => [p.name, p.port, p.protocol, p.targetPort]));

export class KubernetesServiceController {
  private watches: { cancel(): void }[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ApiServer,
    private readonly log: (msg: string) => void = () => undefined,
  ) {}

  /** Makes or repairs the objects once, then keeps them. */
  async start(): Promise<void> {
    if (this.api.advertiseAddress) await this.renewLease();
    await this.reconcile();
    this.watch();
    this.timer = setInterval(() => {
      // A watch the cache had to close is opened again on the next tick.
      if (this.watches.length === 0) this.watch();
      const renewed = this.api.advertiseAddress ? this.renewLease() : Promise.resolve();
      void renewed.catch((e) => this.log(`kubernetes service controller: lease: ${(e as Error).message}`)).finally(() => this.trigger());
    }, RESYNC_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.watches) w.cancel();
    this.watches = [];
    await this.idle;
    // A server that leaves takes its address out at once (the others publish without it).
    if (this.api.advertiseAddress) {
      await this.api
        .registry('coordination.k8s.io', 'leases')
        ?.delete(LEASE_NS, this.leaseName(), {}, apiserverContext())
        .catch(() => undefined);
    }
  }

  private leaseName(): string {
    return `apiserver-${createHash('sha256').update(`${this.api.advertiseAddress}:${this.api.port}`).digest('hex').slice(0, 16)}`;
  }

  /** Renews this server's lease (made if missing). */
  private async renewLease(): Promise<void> {
    const reg = this.api.registry('coordination.k8s.io', 'leases');
    if (!reg) return;
    const name = this.leaseName();
    const lease: KObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: LEASE_NS,
        labels: { [ENDPOINT_LABEL]: 'kube-apiserver' },
        annotations: { [ENDPOINT_ANNOTATION]: `${this.api.advertiseAddress}:${this.api.port}` },
      },
      spec: { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS, renewTime: nowMicro() },
    };
    const cur = await this.api.getObject('coordination.k8s.io', 'leases', LEASE_NS, name);
    if (cur) lease.metadata.resourceVersion = cur.metadata.resourceVersion;
    await reg.update(LEASE_NS, name, lease, apiserverContext()).catch((e) => this.conflictIsFine(e));
  }

  /** The API servers whose leases are live (this one always). */
  private liveEndpoints(): ServerEndpoint[] {
    const now = Date.now();
    const out: ServerEndpoint[] = [{ ip: this.api.advertiseAddress, port: this.api.port }];
    for (const l of this.api.listObjects('coordination.k8s.io', 'leases', LEASE_NS)) {
      if (l.metadata.labels?.[ENDPOINT_LABEL] === undefined) continue;
      const spec = (l.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
      const renewed = Date.parse(spec.renewTime ?? '');
      if (!(renewed + (spec.leaseDurationSeconds ?? LEASE_SECONDS) * 1000 > now)) continue;
      const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(l.metadata.annotations?.[ENDPOINT_ANNOTATION] ?? '');
      if (m) out.push({ ip: m[1], port: Number(m[2]) });
    }
    return out;
  }

  private watch(): void {
    for (const [group, resource, ns] of [
      ['', 'services', NS],
      ['', 'endpoints', NS],
      ['discovery.k8s.io', 'endpointslices', NS],
      ['coordination.k8s.io', 'leases', LEASE_NS],
    ]) {
      const reg = this.api.registry(group, resource);
      if (!reg) continue;
      try {
        const w = reg.cache.watch(
          reg.cache.revision,
          reg.prefix(ns),
          (ev) => {
            const m = ev.object.metadata;
            // A lease renewal that changes nothing but its time changes no endpoint: only arrivals and departures count.
            if (m.name === NAME || (m.labels?.[ENDPOINT_LABEL] !== undefined && ev.type !== 'MODIFIED')) this.trigger();
          },
          () => {
            this.watches = this.watches.filter((x) => x !== w);
          },
        );
        this.watches.push(w);
      } catch (e) {
        this.log(`kubernetes service controller: watch ${resource}: ${(e as Error).message}`);
      }
    }
  }

  /** One reconcile at a time; a change during one runs another after it. */
  private trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
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
    const groups = api.advertiseAddress ? endpointGroups(this.liveEndpoints()) : [{ port: api.port, ips: [] }];
    const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: groups[0].port }];
    const svcReg = api.registry('', 'services')!;
    const svc = await api.getObject('', 'services', NS, NAME);
    if (!svc) {
      // The first address of the service range belongs to the kubernetes service.
      const clusterIP = intToIp(api.allocators.clusterIPs.alloc.base + 1);
      await this.createIgnoringRace(() =>
        svcReg.create(
          NS,
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: NAME, namespace: NS, labels: { component: 'apiserver', provider: 'kubernetes' } },
            spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, sessionAffinity: 'None' },
          },
          apiserverContext(),
        ),
      );
    } else {
      const spec = (svc.spec ?? {}) as { ports?: PortLike[]; type?: string };
      // A restart on another port, or a hand edit: the ports are the API server's (getMasterServiceUpdateIfNeeded).
      if (!samePorts(spec.ports, ports) || spec.type !== 'ClusterIP') {
        await svcReg
          .update(NS, NAME, { ...svc, spec: { ...spec, type: 'ClusterIP', ports } }, apiserverContext())
          .catch((e) => this.conflictIsFine(e));
      }
    }
    // Without a non-loopback address there is nothing valid to publish (Endpoints refuse loopback).
    if (!api.advertiseAddress) return;
    const epPorts = [{ name: 'https', port: groups[0].port, protocol: 'TCP' }];
    const endpoints = await api.getObject('', 'endpoints', NS, NAME);
    const subsets = groups.map((g) => ({
      addresses: g.ips.map((ip) => ({ ip })),
      ports: [{ name: 'https', port: g.port, protocol: 'TCP' }],
    }));
    if (!endpoints || JSON.stringify(endpoints.subsets) !== JSON.stringify(subsets)) {
      await api
        .registry('', 'endpoints')!
        .update(
          NS,
          NAME,
          {
            apiVersion: 'v1',
            kind: 'Endpoints',
            metadata: {
              name: NAME,
              namespace: NS,
              labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
              ...(endpoints ? { resourceVersion: endpoints.metadata.resourceVersion } : {}),
            },
            subsets,
          },
          apiserverContext(),
        )
        .catch((e) => this.conflictIsFine(e));
    }
    const sliceReg = api.registry('discovery.k8s.io', 'endpointslices')!;
    const slice = await api.getObject('discovery.k8s.io', 'endpointslices', NS, NAME);
    const want = {
      addressType: 'IPv4',
      endpoints: groups[0].ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: epPorts,
    };
    const labels = { 'kubernetes.io/service-name': NAME, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
    const current = slice ? { addressType: slice.addressType, endpoints: slice.endpoints, ports: slice.ports } : undefined;
    if (!slice) {
      await this.createIgnoringRace(() =>
        sliceReg.create(
          NS,
          { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: NAME, namespace: NS, labels }, ...want },
          apiserverContext(),
        ),
      );
    } else if (JSON.stringify(current) !== JSON.stringify(want)) {
      await sliceReg
        .update(
          NS,
          NAME,
          { ...slice, metadata: { ...slice.metadata, labels: { ...(slice.metadata.labels ?? {}), ...labels } }, ...want },
          apiserverContext(),
        )
        .catch((e) => this.conflictIsFine(e));
    }
  }

  /** Another writer got there first: the next event or tick looks again. */
  private conflictIsFine(e: unknown): void {
    if (e instanceof StatusError && e.code === 409) {
      this.again = true;
      return;
    }
    throw e;
  }

  private async createIgnoringRace(create: () => Promise<KObject>): Promise<void> {
    await createOrAwaitOther(create, () => this.api.getObject('', 'services', NS, NAME));
  }
}
