// What the proxy needs of one port of one Service: kube-proxy's pkg/proxy/serviceport.go
// (BaseServicePortInfo) and the conversion servicechangetracker.go does (newBaseServiceInfo).
// Headless services (clusterIP None) and ExternalName services are not proxied, as kube-proxy
// skips them (ShouldSkipService); their names are DNS's business.

import { isIPv4 } from '../api/net.js';
import type { Service } from '../api/types.js';

export type Protocol = 'TCP' | 'UDP';

/** kube-proxy's default ClientIP affinity timeout (v1.DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_STICKY_SECONDS = 10_800;

export interface ServicePortInfo {
  /** "ns/name:portName" (ServicePortName.String(); portName may be empty). */
  name: string;
  namespace: string;
  service: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** 0: no node port. */
  nodePort: number;
  externalIPs: string[];
  /** status.loadBalancer.ingress[].ip (the addresses an allocator gave the service). */
  loadBalancerVIPs: string[];
  /** sessionAffinity ClientIP: seconds a client sticks to its endpoint; 0: no affinity. */
  stickyMaxAgeSeconds: number;
  internalPolicyLocal: boolean;
  /** externalTrafficPolicy Local, where the port is externally accessible at all. */
  externalPolicyLocal: boolean;
}

/** NodePort, externalIPs or load-balancer addresses: traffic from outside the cluster. */
export function externallyAccessible(s: ServicePortInfo): boolean {
  return s.nodePort !== 0 || s.externalIPs.length > 0 || s.loadBalancerVIPs.length > 0;
}

/** UsesClusterEndpoints: internal policy Cluster, or external traffic (short-circuiting needs them). */
export function usesClusterEndpoints(s: ServicePortInfo): boolean {
  return !s.internalPolicyLocal || externallyAccessible(s);
}

export function usesLocalEndpoints(s: ServicePortInfo): boolean {
  return s.internalPolicyLocal || (s.externalPolicyLocal && externallyAccessible(s));
}

/** ShouldSkipService: no IP to proxy. */
export function shouldSkipService(svc: Service): boolean {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return true;
  const ip = spec.clusterIP;
  return !ip || ip === 'None' || !isIPv4(ip);
}

/** The service's ports as the proxy handles them (IPv4, TCP and UDP; SCTP ports are skipped). */
export function servicePorts(svc: Service): ServicePortInfo[] {
  if (shouldSkipService(svc)) return [];
  const spec = svc.spec!;
  const ns = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name!;
  const affinity =
    spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_SECONDS) : 0;
  const externalIPs = (spec.externalIPs ?? []).filter((ip) => isIPv4(ip));
  const lbVIPs = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => isIPv4(ip));
  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP') as string;
    if (protocol !== 'TCP' && protocol !== 'UDP') continue;
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) continue;
    const info: ServicePortInfo = {
      name: `${ns}/${name}:${p.name ?? ''}`,
      namespace: ns,
      service: name,
      portName: p.name ?? '',
      protocol,
      clusterIP: spec.clusterIP!,
      port: p.port,
      nodePort: spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? (p.nodePort ?? 0) : 0,
      externalIPs,
      loadBalancerVIPs: lbVIPs,
      stickyMaxAgeSeconds: affinity,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      externalPolicyLocal: false,
    };
    info.externalPolicyLocal = externallyAccessible(info) && spec.externalTrafficPolicy === 'Local';
    out.push(info);
  }
  return out;
}
