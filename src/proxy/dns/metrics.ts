// CoreDNS's own metrics (plugin/metrics: coredns_dns_requests_total, coredns_dns_responses_total,
// coredns_dns_request_duration_seconds), with prom-client in its default registry, so the node's
// DNS server shows on /metrics beside the other in-process components. `server` is the listen
// address as CoreDNS names it (dns://ip:port); `zone` the server block's zone, "." here.

import client from 'prom-client';
import { metric } from '../../metrics/legacyregistry.js';

const requests = metric(
  'coredns_dns_requests_total',
  () =>
    new client.Counter({
      name: 'coredns_dns_requests_total',
      help: 'Counter of DNS requests made per zone, protocol and family.',
      labelNames: ['server', 'zone', 'proto', 'family', 'type'],
    }),
);
const responses = metric(
  'coredns_dns_responses_total',
  () =>
    new client.Counter({
      name: 'coredns_dns_responses_total',
      help: 'Counter of response status codes.',
      labelNames: ['server', 'zone', 'rcode'],
    }),
);
const duration = metric(
  'coredns_dns_request_duration_seconds',
  () =>
    new client.Histogram({
      name: 'coredns_dns_request_duration_seconds',
      help: 'Histogram of the time (in seconds) each request took per zone.',
      labelNames: ['server', 'zone', 'type'],
      buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192],
    }),
);

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
/** Query types CoreDNS counts by name; the others are "other" (bounded label values). */
const TYPES = new Set(['A', 'AAAA', 'CNAME', 'PTR', 'SRV', 'TXT', 'SOA', 'NS', 'MX', 'ANY', 'HTTPS', 'AXFR', 'IXFR']);

export function observeQuery(
  server: string,
  proto: 'udp' | 'tcp',
  family: '1' | '2',
  qtype: string | undefined,
  rcode: number | undefined,
  seconds: number,
): void {
  const type = qtype && TYPES.has(qtype) ? qtype : 'other';
  requests.inc({ server, zone: '.', proto, family, type });
  if (rcode !== undefined) responses.inc({ server, zone: '.', rcode: RCODES[rcode] ?? String(rcode) });
  duration.observe({ server, zone: '.', type }, seconds);
}
