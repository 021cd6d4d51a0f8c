// The API server's connect subresources: pods/log, pods/exec, pods/attach, pods/portforward,
// pods/proxy and services/proxy. As kube-apiserver does, it checks the request against the pod
// (container name, node assignment), finds the pod's node and relays to the node's streaming
// server: upgrades (websocket, SPDY) as raw connections both ways, like kube-apiserver's
// UpgradeAwareHandler, so the protocols themselves live only on the node; logs and proxy as
// plain HTTP.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Endpoints, Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { StatusError, errors } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { HandlerEnv } from './handlers.js';
import type { RequestInfo } from './request.js';

export interface ConnectOptions {
  getPod(namespace: string, name: string): Promise<KObject | undefined>;
  getNode(name: string): Promise<KObject | undefined>;
  getService(namespace: string, name: string): Promise<KObject | undefined>;
  /** The service's Endpoints object, for services/proxy. */
  getEndpoints?(namespace: string, name: string): Promise<KObject | undefined>;
  /** What the node streaming servers accept (Authorization: Bearer). */
  nodeToken: string;
  /** PEM CA of the node streaming servers; when set, nodes are dialled over TLS. */
  caData?: string;
}

export type ConnectHandler = NonNullable<HandlerEnv['connect']>;

/** kubelet's port, when a node does not report daemonEndpoints. */
export const DEFAULT_KUBELET_PORT = 10250;

interface NodeTarget { host: string; port: number; secure: boolean }

/** Node 'upgrade' requests reach the 'request' handler when the server has no 'upgrade' listener. */
export function isUpgrade(req: IncomingMessage): boolean {
  return (req.headers.connection ?? '').toLowerCase().split(',').some((t) => t.trim() === 'upgrade') && !!req.headers.upgrade;
}

/**
 * Takes the raw connection away from Node's HTTP machinery, as Go's http.Hijacker does. Works
 * both in an 'upgrade' listener and in the 'request' handler of a server without one (there
 * Node has parked its parser at the upgrade, so nothing else reads from the socket).
 */
export function hijack(req: IncomingMessage): Socket {
  const s = req.socket;
  for (const ev of ['data', 'end', 'timeout', 'drain'] as const) s.removeAllListeners(ev);
  s.setTimeout(0);
  s.setNoDelay(true);
  return s;
}

/** The name part of "name", "name:port" or "scheme:name:port" (pods/proxy, services/proxy). */
export function splitProxyName(id: string): { scheme?: string; name: string; port?: string } {
  const parts = id.split(':');
  if (parts.length === 1) return { name: parts[0] };
  if (parts.length === 2) return { name: parts[0], port: parts[1] || undefined };
  return { scheme: parts[0] || undefined, name: parts[1], port: parts[2] || undefined };
}

/** The raw (still encoded) path after ".../proxy", and the query: what the backend is asked for. */
function proxyRest(req: IncomingMessage): string {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const search = q >= 0 ? raw.slice(q) : '';
  const i = path.indexOf('/proxy');
  const rest = i >= 0 ? path.slice(i + '/proxy'.length) : '';
  return (rest.startsWith('/') ? rest : '/' + rest) + search;
}

function containerNames(list: { name: string }[] | undefined): string {
  return (list ?? []).map((c) => c.name).join(' ');
}

/** kube-apiserver's rules for the container of log/exec/attach. */
export function resolveContainer(pod: Pod, requested: string | null, name: string): string {
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

export function makeConnectHandler(opts: ConnectOptions): ConnectHandler {
  const secure = opts.caData !== undefined;

  async function podOf(namespace: string, name: string): Promise<Pod> {
    const p = await opts.getPod(namespace, name);
    if (!p) throw errors.notFound('pods', '', name);
    return p as unknown as Pod;
  }

  async function nodeOf(pod: Pod): Promise<NodeTarget> {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw errors.badRequest(`pod ${pod.metadata?.name} does not have a host assigned`);
    const node = (await opts.getNode(nodeName)) as unknown as Node | undefined;
    if (!node) throw errors.notFound('nodes', '', nodeName);
    const addrs = node.status?.addresses ?? [];
    const addr = addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'Hostname') ?? addrs.find((a) => a.type === 'ExternalIP');
    if (!addr) throw new StatusError(503, 'ServiceUnavailable', `no preferred addresses found; known addresses: []`);
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT;
    return { host: addr.address, port, secure };
  }

  function nodeHeaders(req: IncomingMessage, target: NodeTarget): Record<string, string | string[]> {
    const h: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'authorization' && k !== 'host') h[k] = v;
    h.host = `${target.host}:${target.port}`;
    h.authorization = `Bearer ${opts.nodeToken}`;
    return h;
  }

  function dial(target: NodeTarget): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const s = target.secure
        ? tls.connect({ host: target.host, port: target.port, ca: opts.caData, servername: net.isIP(target.host) ? undefined : target.host, ALPNProtocols: ['http/1.1'] }, () => resolve(s))
        : net.connect(target.port, target.host, () => resolve(s));
      s.once('error', reject);
    });
  }

  /** Relays an upgrade request: our request line and headers, then the raw bytes both ways. */
  async function relayUpgrade(req: IncomingMessage, target: NodeTarget, path: string): Promise<void> {
    let upstream: Duplex;
    try {
      upstream = await dial(target);
    } catch (e) {
      throw new StatusError(503, 'ServiceUnavailable', `error dialing backend: ${(e as Error).message}`);
    }
    const client = hijack(req);
    const lines = [`${req.method} ${path} HTTP/1.1`, `Host: ${target.host}:${target.port}`, `Authorization: Bearer ${opts.nodeToken}`];
    // rawHeaders keeps repeated headers (X-Stream-Protocol-Version is sent once per version).
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i].toLowerCase();
      if (k === 'authorization' || k === 'host') continue;
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.pipe(client);
    client.pipe(upstream);
  }

  /** Relays a plain request and streams the answer back (logs with follow, proxied pages). */
  function relayHTTP(req: IncomingMessage, res: ServerResponse, target: NodeTarget, path: string): Promise<void> {
    return new Promise((resolve) => {
      const mod = target.secure ? https : http;
      const upstream = mod.request({
        host: target.host, port: target.port, method: req.method, path, headers: nodeHeaders(req, target),
        ...(target.secure ? { ca: opts.caData, servername: net.isIP(target.host) ? undefined : target.host } : {}),
      });
      upstream.on('response', (r) => {
        const headers = { ...r.headers };
        delete headers.connection;
        delete headers['keep-alive'];
        res.writeHead(r.statusCode ?? 502, headers);
        res.flushHeaders();
        r.pipe(res);
        r.on('end', () => resolve());
        r.on('error', () => { res.destroy(); resolve(); });
      });
      upstream.on('error', (e) => {
        if (res.headersSent) res.destroy();
        else {
          const se = new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${e.message}`);
          const body = JSON.stringify(se.toStatus());
          res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
          res.end(body);
        }
        resolve();
      });
      // A client that goes away (kubectl logs -f interrupted) ends the node's stream too.
      res.on('close', () => { upstream.destroy(); resolve(); });
      req.pipe(upstream);
    });
  }

  function relay(req: IncomingMessage, res: ServerResponse, target: NodeTarget, path: string): Promise<void> {
    return isUpgrade(req) ? relayUpgrade(req, target, path) : relayHTTP(req, res, target, path);
  }

  function enc(s: string): string { return encodeURIComponent(s); }

  async function podPort(pod: Pod, port: string | undefined): Promise<number> {
    if (port === undefined) return 80;
    if (/^\d+$/.test(port)) return Number(port);
    for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
    throw errors.badRequest(`no such port ${JSON.stringify(port)} on pod ${pod.metadata?.name}`);
  }

  async function servicePodTarget(ns: string, svcName: string, portId: string | undefined): Promise<{ pod?: Pod; ip: string; port: number }> {
    const svc = (await opts.getService(ns, svcName)) as unknown as Service | undefined;
    if (!svc) throw errors.notFound('services', '', svcName);
    const ports = svc.spec?.ports ?? [];
    const sp = portId === undefined
      ? (ports.length === 1 ? ports[0] : ports.find((p) => !p.name))
      : ports.find((p) => p.name === portId || String(p.port) === portId);
    if (!sp) throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service "${svcName}"`);
    const ep = (await opts.getEndpoints?.(ns, svcName)) as unknown as Endpoints | undefined;
    const candidates: { ip: string; port: number; podName?: string }[] = [];
    for (const subset of ep?.subsets ?? []) {
      const epPort = (subset.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '')) ?? (subset.ports?.length === 1 ? subset.ports[0] : undefined);
      if (!epPort) continue;
      for (const a of subset.addresses ?? []) candidates.push({ ip: a.ip, port: epPort.port, podName: a.targetRef?.kind === 'Pod' ? a.targetRef.name : undefined });
    }
    if (candidates.length === 0) throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service "${svcName}"`);
    const pick = candidates[Math.floor(Math.random() * candidates.length)];
    const pod = pick.podName ? await opts.getPod(ns, pick.podName) as unknown as Pod | undefined : undefined;
    return { pod, ip: pick.ip, port: pick.port };
  }

  /** A pod's port through its node (the node reaches it inside the pod's network namespace). */
  async function relayToPod(req: IncomingMessage, res: ServerResponse, pod: Pod, port: number): Promise<void> {
    const target = await nodeOf(pod);
    const ns = pod.metadata?.namespace ?? 'default';
    const path = `/podProxy/${enc(ns)}/${enc(pod.metadata?.name ?? '')}/${port}${proxyRest(req)}`;
    return relay(req, res, target, path);
  }

  /** An endpoint that is not a pod: straight to its address, as kube-apiserver does. */
  function relayDirect(req: IncomingMessage, res: ServerResponse, ip: string, port: number): Promise<void> {
    return relay(req, res, { host: ip, port, secure: false }, proxyRest(req));
  }

  return async (ri: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const q = new URL(req.url ?? '/', 'http://apiserver').searchParams;
    const ns = ri.namespace ?? 'default';
    const sub = ri.subresource;

    if (ri.resource === 'services' && sub === 'proxy') {
      const { name, port } = splitProxyName(ri.name ?? '');
      const t = await servicePodTarget(ns, name, port);
      if (t.pod?.spec?.nodeName) return relayToPod(req, res, t.pod, t.port);
      return relayDirect(req, res, t.ip, t.port);
    }
    if (ri.resource !== 'pods') throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');

    if (sub === 'proxy') {
      const { name, port } = splitProxyName(ri.name ?? '');
      const pod = await podOf(ns, name);
      return relayToPod(req, res, pod, await podPort(pod, port));
    }

    const name = ri.name ?? '';
    const pod = await podOf(ns, name);
    const base = `${enc(ns)}/${enc(name)}`;

    if (sub === 'log') {
      if (req.method !== 'GET') throw errors.methodNotAllowed();
      const container = resolveContainer(pod, q.get('container'), name);
      const target = await nodeOf(pod);
      const params = new URLSearchParams();
      for (const k of ['follow', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'tailLines', 'limitBytes']) {
        const v = q.get(k);
        if (v !== null && v !== '' && v !== 'false') params.set(k, v);
      }
      const qs = params.toString();
      return relayHTTP(req, res, target, `/containerLogs/${base}/${enc(container)}${qs ? '?' + qs : ''}`);
    }

    if (sub === 'exec' || sub === 'attach') {
      const container = resolveContainer(pod, q.get('container'), name);
      const target = await nodeOf(pod);
      if (!isUpgrade(req)) throw errors.badRequest('Upgrade request required');
      const params = new URLSearchParams();
      const on = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
      if (on('stdin')) params.append('input', '1');
      if (on('stdout')) params.append('output', '1');
      if (on('stderr')) params.append('error', '1');
      if (on('tty')) params.append('tty', '1');
      if (sub === 'exec') {
        const command = q.getAll('command');
        if (command.length === 0) throw errors.badRequest('you must specify at least 1 command');
        for (const c of command) params.append('command', c);
      }
      return relayUpgrade(req, target, `/${sub}/${base}/${enc(container)}?${params.toString()}`);
    }

    if (sub === 'portforward') {
      const target = await nodeOf(pod);
      if (!isUpgrade(req)) throw errors.badRequest('Upgrade request required');
      const ports = q.getAll('ports').flatMap((p) => p.split(',')).filter(Boolean);
      const params = new URLSearchParams();
      for (const p of ports) params.append('port', p);
      const qs = params.toString();
      return relayUpgrade(req, target, `/portForward/${base}${qs ? '?' + qs : ''}`);
    }

    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  };
}
