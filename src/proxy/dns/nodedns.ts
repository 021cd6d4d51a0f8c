// Cluster DNS on a node: what a CoreDNS deployment behind the kube-dns Service is to Kubernetes,
// run here in each real node agent (closer to NodeLocal DNSCache's one-per-node shape). It feeds
// the kubernetes zone from informers (Services, EndpointSlices, Namespaces) through src/client,
// serves it on the node's bridge gateway:53, and publishes that address as the node's own
// EndpointSlice of kube-system/kube-dns (selectorless, internalTrafficPolicy Local), so the
// service proxy sends a pod's query for 10.96.0.10:53 to the DNS server of its own node. It also
// keeps its address in the kube-dns Endpoints object (shared by the nodes, changed by
// compare-and-swap), which `kubectl get endpoints` and kubectl 1.32's `describe svc` read.

import { errorMessage } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { EndpointSlice, Endpoints, Namespace, Service } from '../../api/types.js';
import { ENDPOINTS, ENDPOINTSLICES, NAMESPACES, NODES } from '../../api/types.js';
import { Informer, isNotFound, type RestClient } from '../../client/index.js';
import { Forwarder, type Upstream, upstreamsFromResolvConf } from './forward.js';
import { type ClusterView, KubernetesZone } from './kubernetes.js';
import { DnsServer } from './server.js';

export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_SERVICE = 'kube-dns';
/** The managed-by value of the slices node agents publish for kube-dns. */
export const NODE_DNS_MANAGER = 'node-dns.k8ts.io';

const SERVICE_NAME_INDEX = 'serviceName';
const CLUSTER_IP_INDEX = 'clusterIP';
const ADDRESS_INDEX = 'address';

export interface NodeDNSOptions {
  client: RestClient;
  nodeName: string;
  /** The Node's uid: its slice is owned by the Node and goes with it. */
  nodeUid?: string;
  /** Where the server listens (the node's bridge gateway) and the port (53; tests use others). */
  listenAddress: string;
  port?: number;
  /** The address published in the EndpointSlice (default listenAddress; Endpoints refuse loopback). */
  advertiseAddress?: string;
  clusterDomain?: string;
  /** The kube-dns service IP (the zone's ns.dns record; never an upstream). */
  dnsIP?: string;
  /** Upstream resolvers; default: the node's resolv.conf (resolvConf, default /etc/resolv.conf). */
  upstreams?: Upstream[];
  resolvConf?: string;
  /** Publish the EndpointSlice kube-dns-<node> (default true). */
  publish?: boolean;
  log?: (msg: string) => void;
}

/** ClusterView over informer caches. */
class InformerView implements ClusterView {
  constructor(
    private readonly services: Informer<Service>,
    private readonly slices: Informer<EndpointSlice>,
    private readonly namespaces: Informer<Namespace>,
  ) {}

  namespaceExists(namespace: string): boolean {
    return this.namespaces.getByName(undefined, namespace) !== undefined;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.getByName(namespace, name);
  }

  endpointSlices(namespace: string, service: string): EndpointSlice[] {
    return this.slices.byIndex(SERVICE_NAME_INDEX, `${namespace}/${service}`);
  }

  servicesByClusterIP(ip: string): Service[] {
    return this.services.byIndex(CLUSTER_IP_INDEX, ip);
  }

  endpointSlicesByAddress(ip: string): EndpointSlice[] {
    return this.slices.byIndex(ADDRESS_INDEX, ip);
  }
}

export class NodeDNS {
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly namespaces: Informer<Namespace>;
  private readonly endpoints: Informer<Endpoints>;
  readonly server: DnsServer;
  private readonly forwarder: Forwarder;
  readonly zone: KubernetesZone;
  private readonly log: (msg: string) => void;
  private port = 0;
  private stopped = false;
  private publishing?: Promise<void>;
  private published = false;
  private nodeUid?: string;

  constructor(private readonly opts: NodeDNSOptions) {
    this.log = opts.log ?? (() => undefined);
    const c = opts.client;
    const onError = (e: unknown) => this.log(`dns informer: ${errorMessage(e)}`);
    this.services = new Informer<Service>(c, {
      group: '',
      version: 'v1',
      resource: 'services',
      onError,
      backoffInitialMs: 200,
      indexers: {
        [CLUSTER_IP_INDEX]: (s) => {
          const sp = (s as Service).spec ?? {};
          return (sp.clusterIPs ?? (sp.clusterIP ? [sp.clusterIP] : [])).filter((ip) => ip !== 'None');
        },
      },
    });
    this.slices = new Informer<EndpointSlice>(c, {
      ...ENDPOINTSLICES,
      onError,
      backoffInitialMs: 200,
      indexers: {
        [SERVICE_NAME_INDEX]: (s) => {
          const n = s.metadata.labels?.['kubernetes.io/service-name'];
          return n ? [`${s.metadata.namespace}/${n}`] : [];
        },
        [ADDRESS_INDEX]: (s) => [...new Set(((s as EndpointSlice).endpoints ?? []).flatMap((e) => e.addresses ?? []))],
      },
    });
    this.namespaces = new Informer<Namespace>(c, { ...NAMESPACES, onError, backoffInitialMs: 200 });
    this.endpoints = new Informer<Endpoints>(c, {
      ...ENDPOINTS,
      namespace: KUBE_DNS_NAMESPACE,
      fieldSelector: `metadata.name=${KUBE_DNS_SERVICE}`,
      onError,
      backoffInitialMs: 200,
    });
    this.zone = new KubernetesZone(new InformerView(this.services, this.slices, this.namespaces), {
      zone: opts.clusterDomain ?? 'cluster.local',
      dnsIP: opts.dnsIP,
    });
    const exclude = [opts.listenAddress, ...(opts.dnsIP ? [opts.dnsIP] : [])];
    const upstreams = opts.upstreams ?? upstreamsFromResolvConf(opts.resolvConf, exclude);
    this.forwarder = new Forwarder({ upstreams });
    this.server = new DnsServer({ zone: this.zone, forwarder: this.forwarder, log: this.log });
  }

  get address(): { host: string; port: number } {
    return { host: this.opts.listenAddress, port: this.port };
  }

  get sliceName(): string {
    return `${KUBE_DNS_SERVICE}-${this.opts.nodeName}`.slice(0, 253);
  }

  /** The kube-dns service's cluster IP (what pods' resolv.conf names), once the caches have synced. */
  get serviceIP(): string | undefined {
    return this.opts.dnsIP ?? this.services.getByName(KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE)?.spec?.clusterIP;
  }

  /** Starts the caches, then serves. publish() makes the server an endpoint of kube-dns. */
  async start(): Promise<void> {
    for (const inf of [this.services, this.slices, this.namespaces, this.endpoints] as Informer<KObject>[]) inf.start();
    await Promise.all(
      [this.services, this.slices, this.namespaces, this.endpoints].map((i) => (i as Informer<KObject>).waitForSync(30_000)),
    );
    this.port = await this.server.listen(this.opts.listenAddress, this.opts.port ?? 53);
    this.log(
      `cluster DNS serving ${this.zone.zone} on ${this.opts.listenAddress}:${this.port} (udp, tcp); forwarding to ${this.upstreamText()}`,
    );
  }

  /** Writes this node's kube-dns EndpointSlice (owned by its Node, once registered) and keeps it so. */
  async publish(): Promise<void> {
    if (this.opts.publish === false || this.published) return;
    this.published = true;
    if (!this.opts.nodeUid) {
      try {
        this.nodeUid = (await this.opts.client.get({ ...NODES, name: this.opts.nodeName })).metadata.uid;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    // Level-triggered: the slice is put back if someone deletes or changes it.
    this.slices.addEventHandler({
      onUpdate: (_o, n) => {
        if (n.metadata.name === this.sliceName && n.metadata.namespace === KUBE_DNS_NAMESPACE && !this.sliceCurrent(n)) this.republish();
      },
      onDelete: (o) => {
        if (o.metadata.name === this.sliceName && o.metadata.namespace === KUBE_DNS_NAMESPACE) this.republish();
      },
    });
    this.endpoints.addEventHandler({
      onUpdate: (_o, n) => {
        if (!this.hasOwnAddress(n)) this.republish();
      },
      onDelete: () => this.republish(),
    });
    await this.writeSlice();
    await this.writeEndpoints(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.publishing?.catch(() => undefined);
    if (this.published) {
      // This node no longer answers: its endpoint must not stay behind.
      await this.opts.client.delete({ ...ENDPOINTSLICES, namespace: KUBE_DNS_NAMESPACE, name: this.sliceName }).catch((e) => {
        if (!isNotFound(e)) this.log(`dns: removing endpointslice ${this.sliceName}: ${(e as Error).message}`);
      });
      await this.writeEndpoints(false).catch((e) =>
        this.log(`dns: removing this node from endpoints ${KUBE_DNS_SERVICE}: ${(e as Error).message}`),
      );
    }
    await this.server.close();
    await Promise.all([this.services.stop(), this.slices.stop(), this.namespaces.stop(), this.endpoints.stop()]);
  }

  private upstreamText(): string {
    const u = this.forwarder.upstreams;
    return u.length ? u.map((x) => `${x.host}:${x.port}`).join(', ') : 'nothing (no usable nameserver in resolv.conf)';
  }

  private desiredSlice(): EndpointSlice {
    const uid = this.opts.nodeUid ?? this.nodeUid;
    const owner = uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid }] : undefined;
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: this.sliceName,
        namespace: KUBE_DNS_NAMESPACE,
        labels: { 'kubernetes.io/service-name': KUBE_DNS_SERVICE, 'endpointslice.kubernetes.io/managed-by': NODE_DNS_MANAGER },
        ...(owner ? { ownerReferences: owner } : {}),
      },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: [this.opts.advertiseAddress ?? this.opts.listenAddress],
          nodeName: this.opts.nodeName,
          conditions: { ready: true, serving: true, terminating: false },
        },
      ],
      ports: [
        { name: 'dns', port: this.port, protocol: 'UDP' },
        { name: 'dns-tcp', port: this.port, protocol: 'TCP' },
      ],
    };
  }

  private sliceCurrent(s: EndpointSlice): boolean {
    const want = this.desiredSlice();
    return (
      JSON.stringify([s.endpoints, s.ports, s.metadata.labels?.['kubernetes.io/service-name']]) ===
      JSON.stringify([want.endpoints, want.ports, want.metadata.labels?.['kubernetes.io/service-name']])
    );
  }

  private republish(): void {
    if (this.stopped || this.publishing) return;
    this.publishing = this.writeSlice()
      .then(() => this.writeEndpoints(true))
      .catch((e) => this.log(`dns: endpointslice ${this.sliceName}: ${(e as Error).message}`))
      .finally(() => {
        this.publishing = undefined;
      });
  }

  private get endpointAddress(): string {
    return this.opts.advertiseAddress ?? this.opts.listenAddress;
  }

  private endpointPorts(): { name: string; port: number; protocol: 'UDP' | 'TCP' }[] {
    return [
      { name: 'dns', port: this.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: this.port, protocol: 'TCP' },
    ];
  }

  private hasOwnAddress(ep: Endpoints): boolean {
    const ports = JSON.stringify(this.endpointPorts());
    return (ep.subsets ?? []).some(
      (s) =>
        JSON.stringify(s.ports ?? []) === ports &&
        (s.addresses ?? []).some((a) => a.ip === this.endpointAddress && a.nodeName === this.opts.nodeName),
    );
  }

  /**
   * Adds (present) or removes this node's address in Endpoints kube-system/kube-dns. Every node
   * changes the one object: read, change, write with its resourceVersion, again on a conflict.
   */
  private async writeEndpoints(present: boolean): Promise<void> {
    const ref = { ...ENDPOINTS, namespace: KUBE_DNS_NAMESPACE };
    const ip = this.endpointAddress;
    for (let attempt = 0; attempt < 8; attempt++) {
      let cur: Endpoints | undefined;
      try {
        cur = await this.opts.client.get<Endpoints>({ ...ref, name: KUBE_DNS_SERVICE });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (
        cur &&
        this.hasOwnAddress(cur) === present &&
        (present || !(cur.subsets ?? []).some((s) => (s.addresses ?? []).some((a) => a.nodeName === this.opts.nodeName)))
      )
        return;
      if (!cur && !present) return;
      // Other nodes' addresses stay; this node's (any old port or address) go, then come back as they are now.
      const subsets = (cur?.subsets ?? [])
        .map((s) => ({ ...s, addresses: (s.addresses ?? []).filter((a) => a.nodeName !== this.opts.nodeName && a.ip !== ip) }))
        .filter((s) => s.addresses.length || (s.notReadyAddresses ?? []).length);
      if (present) {
        const ports = JSON.stringify(this.endpointPorts());
        const same = subsets.find((s) => JSON.stringify(s.ports ?? []) === ports);
        const addr = { ip, nodeName: this.opts.nodeName };
        if (same) same.addresses.push(addr);
        else subsets.push({ addresses: [addr], ports: this.endpointPorts() });
      }
      const body: Endpoints = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          name: KUBE_DNS_SERVICE,
          namespace: KUBE_DNS_NAMESPACE,
          // The slices are the nodes' own: no mirroring of this object into another one.
          labels: { ...(cur?.metadata.labels ?? {}), 'endpointslice.kubernetes.io/skip-mirror': 'true', 'k8s-app': 'kube-dns' },
          ...(cur ? { resourceVersion: cur.metadata.resourceVersion } : {}),
        },
        subsets,
      };
      try {
        if (cur) await this.opts.client.update({ ...ref, name: KUBE_DNS_SERVICE }, body);
        else await this.opts.client.create(ref, body);
        return;
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code === 409 || code === 404) continue;
        throw e;
      }
    }
  }

  /** Creates or updates this node's kube-dns EndpointSlice. */
  private async writeSlice(): Promise<void> {
    const ref = { ...ENDPOINTSLICES, namespace: KUBE_DNS_NAMESPACE };
    for (let attempt = 0; attempt < 5 && !this.stopped; attempt++) {
      const want = this.desiredSlice();
      try {
        const cur = await this.opts.client.get<EndpointSlice>({ ...ref, name: this.sliceName });
        if (this.sliceCurrent(cur)) return;
        await this.opts.client.update(
          { ...ref, name: this.sliceName },
          { ...want, metadata: { ...want.metadata, resourceVersion: cur.metadata.resourceVersion } },
        );
        return;
      } catch (e) {
        if (!isNotFound(e)) {
          if ((e as { code?: number }).code === 409) continue;
          throw e;
        }
      }
      try {
        await this.opts.client.create(ref, want);
        return;
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e;
      }
    }
  }
}
