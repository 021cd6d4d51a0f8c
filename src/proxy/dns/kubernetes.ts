// The cluster zone's records, as CoreDNS's kubernetes plugin serves them (plugin/kubernetes:
// parse.go, kubernetes.go findServices/findPods, reverse.go, ns.go, and plugin/backend_lookup.go
// that turns the found records into A/AAAA/CNAME/SRV/PTR answers). It reads only a ClusterView
// (informer caches) and answers one question; the server (server.ts) does the wire format and
// forwards what this zone does not hold.

import type { Answer } from 'dns-packet';
import { isIPv4 } from '../../api/net.js';
import type { EndpointSlice, Service } from '../../api/types.js';

/** What the plugin reads of the cluster: informer caches, looked up by index. */
export interface ClusterView {
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices of a service (label kubernetes.io/service-name). */
  endpointSlices(namespace: string, service: string): EndpointSlice[];
  /** Services whose spec.clusterIPs hold ip. */
  servicesByClusterIP(ip: string): Service[];
  /** EndpointSlices with an endpoint address ip. */
  endpointSlicesByAddress(ip: string): EndpointSlice[];
}

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** CoreDNS's kubernetes plugin default TTL. */
export const DEFAULT_TTL = 5;

export interface ZoneOptions {
  /** The cluster domain (kubelet's clusterDomain). */
  zone: string;
  ttl?: number;
  /** The kube-dns service's IP: the A record of ns.dns.<zone>, the zone's name server. */
  dnsIP?: string;
}

/** One answer of the zone; `chase` asks the server to resolve a CNAME target outside the zone. */
export interface ZoneAnswer {
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  chase?: string;
}

/** A found record, as CoreDNS's msg.Service: a host (IP or name), a port, and its owner name. */
interface Rec {
  owner: string;
  host: string;
  port: number;
}

type Found = { kind: 'records'; recs: Rec[] } | { kind: 'nodata' } | { kind: 'nxdomain' };

const SVC = 'svc';
const MAX_CNAME_DEPTH = 8;
const POD = 'pod';

function lower(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** Whether name is the zone or inside it. */
export function inZone(name: string, zone: string): boolean {
  const n = lower(name);
  return n === zone || n.endsWith(`.${zone}`);
}

/** The IPv4 address of an in-addr.arpa name, if it is a whole one. */
export function reverseAddress(name: string): string | undefined {
  const n = lower(name);
  if (!n.endsWith('.in-addr.arpa')) return undefined;
  const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
  if (parts.length !== 4) return undefined;
  const ip = parts.reverse().join('.');
  return isIPv4(ip) ? ip : undefined;
}

/** The hostname label of an endpoint address: its hostname, else its IP with dashes (CoreDNS's endpointHostname). */
function endpointHostname(hostname: string | undefined, ip: string): string {
  if (hostname) return hostname;
  return ip.includes('.') ? ip.replace(/\./g, '-') : ip.replace(/:/g, '-');
}

/** Endpoints counted ready as CoreDNS counts them: ready unset or true. */
function readyEndpoints(slice: EndpointSlice): { ip: string; hostname?: string }[] {
  const out: { ip: string; hostname?: string }[] = [];
  for (const ep of slice.endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    for (const ip of ep.addresses ?? []) out.push({ ip, hostname: ep.hostname });
  }
  return out;
}

/** An address, not a name (isIPv4 without its type guard, so a miss leaves the string a string). */
function isV4(h: string): boolean {
  return isIPv4(h);
}

function matchPort(want: string, have: string | undefined): boolean {
  return want === '' || want === (have ?? '').toLowerCase();
}

export class KubernetesZone {
  readonly zone: string;
  readonly ttl: number;

  constructor(
    private readonly view: ClusterView,
    private readonly opts: ZoneOptions,
  ) {
    this.zone = lower(opts.zone);
    this.ttl = opts.ttl ?? DEFAULT_TTL;
  }

  /** The zone's SOA record (CoreDNS: ns.dns.<zone> hostmaster.<zone>, minimum = the TTL). */
  soa(): Answer {
    const serial = Math.floor(Date.now() / 1000) >>> 0;
    return {
      type: 'SOA',
      name: this.zone,
      ttl: this.ttl,
      class: 'IN',
      data: {
        mname: `ns.dns.${this.zone}`,
        rname: `hostmaster.${this.zone}`,
        serial,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.ttl,
      },
    };
  }

  /** Answers a question in the zone (or a reverse name the cluster knows); undefined: not ours, forward it. */
  answer(qname: string, qtype: string, depth = 0): ZoneAnswer | undefined {
    const name = lower(qname);
    const ip = reverseAddress(name);
    if (ip !== undefined) return this.reverse(qname, qtype, ip);
    if (!inZone(name, this.zone)) return undefined;
    const base = name === this.zone ? '' : name.slice(0, -(this.zone.length + 1));
    if (base === '') return this.apex(qname, qtype);
    if (base === 'ns.dns') {
      if (qtype === 'A' && this.opts.dnsIP) return this.ok([{ type: 'A', name: qname, ttl: this.ttl, class: 'IN', data: this.opts.dnsIP }]);
      return this.nodata();
    }
    if (base === 'dns-version') {
      // The DNS schema version of Kubernetes' DNS specification, which CoreDNS also serves.
      if (qtype === 'TXT') return this.ok([{ type: 'TXT', name: qname, ttl: this.ttl, class: 'IN', data: '1.1.0' }]);
      return this.nodata();
    }
    const found = this.lookup(base);
    if (found.kind === 'nxdomain') return this.nxdomain();
    if (found.kind === 'nodata') return this.nodata();
    return this.toAnswer(qname, qtype, found.recs, depth);
  }

  private apex(qname: string, qtype: string): ZoneAnswer {
    if (qtype === 'SOA') return this.ok([{ ...this.soa(), name: qname }]);
    if (qtype === 'NS') {
      const ns = `ns.dns.${this.zone}`;
      const extra: Answer[] = this.opts.dnsIP ? [{ type: 'A', name: ns, ttl: this.ttl, class: 'IN', data: this.opts.dnsIP }] : [];
      return {
        rcode: RCODE.NOERROR,
        answers: [{ type: 'NS', name: qname, ttl: this.ttl, class: 'IN', data: ns }],
        authorities: [],
        additionals: extra,
      };
    }
    return this.nodata();
  }

  /** parseRequest + Records: what a name under the zone holds. */
  private lookup(base: string): Found {
    const segs = base.split('.');
    if (segs.some((s) => s === '')) return { kind: 'nxdomain' };
    let last = segs.length - 1;
    const podOrSvc = segs[last];
    if (podOrSvc !== SVC && podOrSvc !== POD) return { kind: 'nxdomain' };
    if (--last < 0) return { kind: 'nodata' };
    const namespace = segs[last];
    if (--last < 0) return this.view.namespaceExists(namespace) ? { kind: 'nodata' } : { kind: 'nxdomain' };
    const service = segs[last];
    let endpoint = '';
    let port = '';
    let protocol = '';
    last--;
    if (last === 0) endpoint = segs[0];
    else if (last === 1) {
      protocol = segs[1].replace(/^_/, '');
      port = segs[0].replace(/^_/, '');
    } else if (last > 1) return { kind: 'nxdomain' };
    if (!this.view.namespaceExists(namespace)) return { kind: 'nxdomain' };
    if (podOrSvc === POD) return this.findPod(namespace, service, endpoint !== '' || port !== '');
    return this.findServices(namespace, service, endpoint, port, protocol);
  }

  /** `pods insecure` (the Corefile Kubernetes installs): a-b-c-d.<ns>.pod answers a-b-c-d as an address. */
  private findPod(namespace: string, podName: string, extra: boolean): Found {
    if (extra) return { kind: 'nxdomain' };
    const dashes = podName.split('-').length - 1;
    if (dashes !== 3 || podName.includes('--')) return { kind: 'nxdomain' };
    const ip = podName.replace(/-/g, '.');
    if (!isIPv4(ip)) return { kind: 'nxdomain' };
    return { kind: 'records', recs: [{ owner: `${podName}.${namespace}.${POD}.${this.zone}`, host: ip, port: 0 }] };
  }

  private findServices(namespace: string, name: string, endpoint: string, port: string, protocol: string): Found {
    const svc = this.view.service(namespace, name);
    if (!svc) return { kind: 'nxdomain' };
    const spec = svc.spec ?? {};
    const svcName = `${name}.${namespace}.${SVC}.${this.zone}`;
    if (spec.type === 'ExternalName') {
      // An ExternalName service has no endpoints: an endpoint name under it does not exist.
      if (endpoint || !spec.externalName) return { kind: 'nxdomain' };
      return { kind: 'records', recs: [{ owner: svcName, host: lower(spec.externalName), port: 0 }] };
    }
    const headless = spec.clusterIP === 'None';
    const recs: Rec[] = [];
    let matched = false;
    if (headless || endpoint) {
      for (const slice of this.view.endpointSlices(namespace, name)) {
        const ports = slice.ports?.length ? slice.ports : [{ name: '', port: -1, protocol: '' }];
        for (const ep of readyEndpoints(slice)) {
          const host = endpointHostname(ep.hostname, ep.ip);
          if (endpoint && endpoint !== host.toLowerCase()) continue;
          for (const p of ports) {
            if (!matchPort(port, p.name ?? '') || !matchPort(protocol, p.protocol ?? '')) continue;
            matched = true;
            recs.push({ owner: `${host}.${svcName}`, host: ep.ip, port: p.port ?? -1 });
          }
        }
      }
      return matched ? { kind: 'records', recs } : { kind: 'nxdomain' };
    }
    const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    for (const p of spec.ports ?? []) {
      if (!matchPort(port, p.name ?? '') || !matchPort(protocol, p.protocol ?? 'TCP')) continue;
      matched = true;
      for (const ip of ips) recs.push({ owner: svcName, host: ip, port: p.port });
    }
    return matched ? { kind: 'records', recs } : { kind: 'nxdomain' };
  }

  /** backend_lookup: the records found, as answers of the asked type. */
  private toAnswer(qname: string, qtype: string, recs: Rec[], depth: number): ZoneAnswer {
    const ttl = this.ttl;
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    const seen = new Set<string>();
    const once = (key: string) => {
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    const cname = recs.find((r) => !isV4(r.host) && !r.host.includes(':'));
    if (cname && (qtype === 'A' || qtype === 'AAAA' || qtype === 'CNAME')) {
      const out: ZoneAnswer = {
        rcode: RCODE.NOERROR,
        answers: [{ type: 'CNAME', name: qname, ttl, class: 'IN', data: cname.host }],
        authorities: [],
        additionals: [],
      };
      if (qtype !== 'CNAME') {
        // CoreDNS resolves the target itself: inside the zone here, outside through the upstreams.
        if (inZone(cname.host, this.zone)) {
          // ExternalNames may point at each other (or themselves): the chain is followed 8 deep at most.
          const inner = depth < MAX_CNAME_DEPTH ? this.answer(cname.host, qtype, depth + 1) : undefined;
          if (inner) {
            out.answers.push(...inner.answers);
            if (inner.chase) out.chase = inner.chase;
          }
        } else out.chase = cname.host;
      }
      return out;
    }
    switch (qtype) {
      case 'A':
        for (const r of recs) if (isV4(r.host) && once(r.host)) answers.push({ type: 'A', name: qname, ttl, class: 'IN', data: r.host });
        break;
      case 'AAAA':
        for (const r of recs)
          if (r.host.includes(':') && once(r.host)) answers.push({ type: 'AAAA', name: qname, ttl, class: 'IN', data: r.host });
        break;
      case 'SRV': {
        const srv = recs.filter((r) => r.port >= 0 && (isV4(r.host) || r.host.includes(':')));
        const weight = srv.length ? Math.floor(100 / srv.length) : 0;
        for (const r of srv) {
          if (!once(`${r.owner}:${r.port}`)) continue;
          answers.push({ type: 'SRV', name: qname, ttl, class: 'IN', data: { priority: 0, weight, port: r.port, target: r.owner } });
          if (once(`+${r.owner}`)) additionals.push({ type: isV4(r.host) ? 'A' : 'AAAA', name: r.owner, ttl, class: 'IN', data: r.host });
        }
        break;
      }
      default:
        break;
    }
    if (!answers.length) return this.nodata();
    return { rcode: RCODE.NOERROR, answers, authorities: [], additionals };
  }

  /** reverse.go: a service's cluster IP first, else the endpoints with that address. */
  private reverse(qname: string, qtype: string, ip: string): ZoneAnswer | undefined {
    const targets: string[] = [];
    const svc = this.view.servicesByClusterIP(ip)[0];
    if (svc) targets.push(`${svc.metadata.name}.${svc.metadata.namespace}.${SVC}.${this.zone}`);
    else {
      for (const slice of this.view.endpointSlicesByAddress(ip)) {
        const service = slice.metadata.labels?.['kubernetes.io/service-name'];
        if (!service) continue;
        for (const ep of slice.endpoints ?? []) {
          if (!(ep.addresses ?? []).includes(ip)) continue;
          const t = `${endpointHostname(ep.hostname, ip)}.${service}.${slice.metadata.namespace}.${SVC}.${this.zone}`;
          if (!targets.includes(t)) targets.push(t);
        }
      }
    }
    // Addresses the cluster does not know fall through to the upstreams (CoreDNS's `fallthrough in-addr.arpa`).
    if (!targets.length) return undefined;
    if (qtype !== 'PTR') return { rcode: RCODE.NOERROR, answers: [], authorities: [], additionals: [] };
    return this.ok(targets.map((t) => ({ type: 'PTR', name: qname, ttl: this.ttl, class: 'IN', data: t }) as Answer));
  }

  private ok(answers: Answer[]): ZoneAnswer {
    return { rcode: RCODE.NOERROR, answers, authorities: [], additionals: [] };
  }

  private nodata(): ZoneAnswer {
    return { rcode: RCODE.NOERROR, answers: [], authorities: [this.soa()], additionals: [] };
  }

  private nxdomain(): ZoneAnswer {
    return { rcode: RCODE.NXDOMAIN, answers: [], authorities: [this.soa()], additionals: [] };
  }
}
