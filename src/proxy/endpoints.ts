// The endpoints of each service port as the proxy sees them: kube-proxy's pkg/proxy/endpoint.go
// (BaseEndpointInfo) and endpointslicecache.go (the slices of a service merged into one list
// per service port, IPv4 slices only, duplicates across slices kept once).

import { isIPv4 } from '../api/net.js';
import type { EndpointSlice } from '../controllers/endpointslice.js';
import { LABEL_SERVICE_NAME } from '../controllers/endpointslice.js';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** "ip:port" */
  endpoint: string;
  /** conditions.ready (nil means true, as the API documents it). */
  ready: boolean;
  /** conditions.serving (nil means the value of ready). */
  serving: boolean;
  terminating: boolean;
  /** The endpoint runs on this proxy's node. */
  isLocal: boolean;
  nodeName?: string;
}

/** The service a slice belongs to, "ns/name"; none for a slice without the label. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? `${slice.metadata.namespace ?? 'default'}/${svc}` : undefined;
}

/**
 * Merges a service's slices into endpoints per service port name ("ns/name:portName").
 * Slices name their ports as the service does (the EndpointSlice controller resolved named
 * targetPorts into numbers per pod), so a port name is the join key, as in kube-proxy.
 */
export function endpointsForService(serviceKey: string, slices: Iterable<EndpointSlice>, nodeName: string): Map<string, EndpointInfo[]> {
  const out = new Map<string, Map<string, EndpointInfo>>();
  // Slices in name order, so that which duplicate wins does not depend on arrival order.
  const sorted = [...slices].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const slice of sorted) {
    if (slice.addressType !== 'IPv4') continue;
    for (const p of slice.ports ?? []) {
      if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) continue;
      const protocol = p.protocol ?? 'TCP';
      const key = `${serviceKey}:${p.name ?? ''}`;
      let byEndpoint = out.get(`${key}/${protocol}`);
      if (!byEndpoint) {
        byEndpoint = new Map();
        out.set(`${key}/${protocol}`, byEndpoint);
      }
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!ip || !isIPv4(ip)) continue;
        const endpoint = `${ip}:${p.port}`;
        const c = ep.conditions ?? {};
        const ready = c.ready !== false;
        const info: EndpointInfo = {
          ip,
          port: p.port,
          endpoint,
          ready,
          serving: c.serving ?? ready,
          terminating: c.terminating === true,
          isLocal: !!ep.nodeName && ep.nodeName === nodeName,
          nodeName: ep.nodeName,
        };
        const prev = byEndpoint.get(endpoint);
        // One endpoint in two slices (a move in progress): the readier copy counts.
        if (!prev || (!prev.ready && info.ready)) byEndpoint.set(endpoint, info);
      }
    }
  }
  const result = new Map<string, EndpointInfo[]>();
  for (const [k, m] of out)
    result.set(
      k,
      [...m.values()].sort((a, b) => compareEndpoints(a, b)),
    );
  return result;
}

function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return a.ip === b.ip ? a.port - b.port : ipKey(a.ip) - ipKey(b.ip);
}

function ipKey(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
}

/** The key endpointsForService uses for a service port: its name and protocol. */
export function endpointsKey(servicePortName: string, protocol: string): string {
  return `${servicePortName}/${protocol}`;
}
