// Where a pod's connect subresources lead: which node, which kubelet path, which query, after
// kube-apiserver's checks on the pod (its container, its node). Kubernetes counterpart:
// pkg/registry/core/pod/strategy.go (LogLocation, ExecLocation, AttachLocation,
// PortForwardLocation, ResourceLocation) and pkg/registry/core/service (ResourceLocation).

import { errors, StatusError } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { encodePodLogQuery, podExecQuery, podLogQuery, portsParam } from '../api/queryparams.js';
import type { Endpoints, Node, Pod, Service } from '../api/types.js';
import { type KubeletClientTLS, kubeletTLSOptions } from './kubeletclient.js';
import type { Backend } from './upgradeaware.js';

/** The annotation simulated nodes carry (src/node/simulated.ts): they have no kubelet to dial. */
const SIMULATED_ANNOTATION = 'kwok.x-k8s.io/node';

/**
 * How the API server reaches nodes: TLS both ways with its kubelet client certificate (clusters),
 * or one shared bearer token over plain HTTP (tests of the streaming protocols' single node).
 */
export type NodeCredential = { tls: KubeletClientTLS } | { token?: string };

export interface ObjectLookups {
  getPod(namespace: string, name: string): Promise<KObject | undefined>;
  getNode(name: string): Promise<KObject | undefined>;
  getService(namespace: string, name: string): Promise<KObject | undefined>;
  /** The service's Endpoints object, for services/proxy. */
  getEndpoints?(namespace: string, name: string): Promise<KObject | undefined>;
}

/** kubelet's port, when a node does not report daemonEndpoints. */
export const DEFAULT_KUBELET_PORT = 10250;

/** A backend and the path (with its query) to ask it for. */
export interface Location {
  backend: Backend;
  path: string;
}

/** The name part of "name", "name:port" or "scheme:name:port" (pods/proxy, services/proxy). */
export function splitProxyName(id: string): { scheme?: string; name: string; port?: string } {
  const parts = id.split(':');
  if (parts.length === 1) return { name: parts[0] };
  if (parts.length === 2) return { name: parts[0], port: parts[1] || undefined };
  return { scheme: parts[0] || undefined, name: parts[1], port: parts[2] || undefined };
}

function containerNames(list: { name: string }[] | undefined): string {
  return (list ?? []).map((c) => c.name).join(' ');
}

/** kube-apiserver's rules for the container of log/exec/attach. */
export function resolveContainer(pod: Pod, requested: string | null | undefined, name: string): string {
  const spec = pod.spec ?? { containers: [] };
  if (requested) {
    const all = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...((spec.ephemeralContainers ?? []) as { name: string }[])];
    if (!all.some((c) => c.name === requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const cs = spec.containers ?? [];
  if (cs.length === 1) return cs[0].name;
  if (cs.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
  let msg = `a container name must be specified for pod ${name}, choose one of: [${containerNames(cs)}]`;
  if (spec.initContainers?.length) msg += ` or one of the init containers: [${containerNames(spec.initContainers)}]`;
  throw errors.badRequest(msg);
}

const enc = encodeURIComponent;

/** The raw (still encoded) path after ".../proxy", and the query: what a proxied backend is asked for. */
export function proxyRest(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  const search = q >= 0 ? rawUrl.slice(q) : '';
  const i = path.indexOf('/proxy');
  const rest = i >= 0 ? path.slice(i + '/proxy'.length) : '';
  return (rest.startsWith('/') ? rest : '/' + rest) + search;
}

export class PodLocations {
  constructor(
    private readonly lookups: ObjectLookups,
    /** What the node streaming servers accept (Authorization: Bearer). */
    private readonly credential: NodeCredential,
    /** PEM CA of the node streaming servers; when set, nodes are dialled over TLS. */
    private readonly caData?: string,
  ) {}

  async pod(namespace: string, name: string): Promise<Pod> {
    const p = await this.lookups.getPod(namespace, name);
    if (!p) throw errors.notFound('pods', '', name);
    return p as unknown as Pod;
  }

  /** The node's streaming server, as the node reports it (NodeConnectionInfo). */
  async node(pod: Pod): Promise<Backend> {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw errors.badRequest(`pod ${pod.metadata?.name} does not have a host assigned`);
    const node = (await this.lookups.getNode(nodeName)) as unknown as Node | undefined;
    if (!node) throw errors.notFound('nodes', '', nodeName);
    // A simulated node is a Node object without a kubelet: whatever address it names is not one.
    if (node.metadata?.annotations?.[SIMULATED_ANNOTATION] === 'fake')
      throw errors.badRequest(`node "${nodeName}" is simulated: it has no kubelet to connect to`);
    const addrs = node.status?.addresses ?? [];
    const addr =
      addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'Hostname') ?? addrs.find((a) => a.type === 'ExternalIP');
    if (!addr) throw new StatusError(503, 'ServiceUnavailable', 'no preferred addresses found; known addresses: []');
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT;
    if ('tls' in this.credential)
      return {
        host: addr.address,
        port,
        secure: true,
        caData: this.credential.tls.caData,
        tls: kubeletTLSOptions(this.credential.tls, nodeName),
      };
    const token = this.credential.token;
    return {
      host: addr.address,
      port,
      secure: this.caData !== undefined,
      caData: this.caData,
      authorization: token ? `Bearer ${token}` : undefined,
    };
  }

  /** LogLocation: kubelet's /containerLogs with the PodLogOptions written back canonically. */
  async log(namespace: string, name: string, q: URLSearchParams): Promise<Location> {
    const opts = podLogQuery(q, name);
    const pod = await this.pod(namespace, name);
    const container = resolveContainer(pod, opts.container, name);
    const backend = await this.node(pod);
    const qs = encodePodLogQuery(opts).toString();
    return { backend, path: `/containerLogs/${enc(namespace)}/${enc(name)}/${enc(container)}${qs ? '?' + qs : ''}` };
  }

  /** ExecLocation / AttachLocation: kubelet's /exec or /attach, streams as "1" flags (streamParams). */
  async stream(kind: 'exec' | 'attach', namespace: string, name: string, q: URLSearchParams): Promise<Location> {
    const opts = podExecQuery(q);
    const pod = await this.pod(namespace, name);
    const container = resolveContainer(pod, opts.container, name);
    const backend = await this.node(pod);
    if (kind === 'exec' && opts.command.length === 0) throw errors.badRequest('you must specify at least 1 command');
    const params = new URLSearchParams();
    if (opts.stdin) params.append('input', '1');
    if (opts.stdout) params.append('output', '1');
    if (opts.stderr) params.append('error', '1');
    if (opts.tty) params.append('tty', '1');
    if (kind === 'exec') for (const c of opts.command) params.append('command', c);
    return { backend, path: `/${kind}/${enc(namespace)}/${enc(name)}/${enc(container)}?${params.toString()}` };
  }

  /** PortForwardLocation: kubelet's /portForward, the ports as `port` (websocket clients name them; SPDY ones open streams). */
  async portForward(namespace: string, name: string, q: URLSearchParams): Promise<Location> {
    const ports = portsParam(q, 'ports');
    const pod = await this.pod(namespace, name);
    const backend = await this.node(pod);
    const params = new URLSearchParams();
    for (const p of ports) params.append('port', String(p));
    const qs = params.toString();
    return { backend, path: `/portForward/${enc(namespace)}/${enc(name)}${qs ? '?' + qs : ''}` };
  }

  /** A pod's port through its node (the node reaches it inside the pod's network namespace). */
  async podPort(pod: Pod, port: number, rawUrl: string): Promise<Location> {
    const backend = await this.node(pod);
    const ns = pod.metadata?.namespace ?? 'default';
    return { backend, path: `/podProxy/${enc(ns)}/${enc(pod.metadata?.name ?? '')}/${port}${proxyRest(rawUrl)}` };
  }

  /** pods/proxy: "name" or "name:port", the port a number or a container port's name. */
  async podProxy(namespace: string, id: string, rawUrl: string): Promise<Location> {
    const { name, port } = splitProxyName(id);
    const pod = await this.pod(namespace, name);
    return this.podPort(pod, namedPort(pod, port), rawUrl);
  }

  /** services/proxy: one of the service's endpoints, through its pod's node when it is a pod. */
  async serviceProxy(namespace: string, id: string, rawUrl: string): Promise<Location> {
    const { name: svcName, port: portId } = splitProxyName(id);
    const svc = (await this.lookups.getService(namespace, svcName)) as unknown as Service | undefined;
    if (!svc) throw errors.notFound('services', '', svcName);
    const ports = svc.spec?.ports ?? [];
    const sp =
      portId === undefined
        ? ports.length === 1
          ? ports[0]
          : ports.find((p) => !p.name)
        : ports.find((p) => p.name === portId || String(p.port) === portId);
    const none = () => new StatusError(503, 'ServiceUnavailable', `no endpoints available for service "${svcName}"`);
    if (!sp) throw none();
    const ep = (await this.lookups.getEndpoints?.(namespace, svcName)) as unknown as Endpoints | undefined;
    const candidates: { ip: string; port: number; podName?: string }[] = [];
    for (const subset of ep?.subsets ?? []) {
      const epPort =
        (subset.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '')) ?? (subset.ports?.length === 1 ? subset.ports[0] : undefined);
      if (!epPort) continue;
      for (const a of subset.addresses ?? [])
        candidates.push({ ip: a.ip, port: epPort.port, podName: a.targetRef?.kind === 'Pod' ? a.targetRef.name : undefined });
    }
    if (candidates.length === 0) throw none();
    const pick = candidates[Math.floor(Math.random() * candidates.length)];
    const pod = pick.podName ? ((await this.lookups.getPod(namespace, pick.podName)) as unknown as Pod | undefined) : undefined;
    if (pod?.spec?.nodeName) return this.podPort(pod, pick.port, rawUrl);
    // An endpoint that is not a pod: straight to its address, as kube-apiserver does.
    return { backend: { host: pick.ip, port: pick.port, secure: false }, path: proxyRest(rawUrl) };
  }
}

function namedPort(pod: Pod, port: string | undefined): number {
  if (port === undefined) return 80;
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
  throw errors.badRequest(`no such port ${JSON.stringify(port)} on pod ${pod.metadata?.name}`);
}
