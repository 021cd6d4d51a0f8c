// Endpoints, as kube-apiserver's pkg/registry/core/endpoint: written by the endpoints
// controller (and by the API server for the kubernetes service); a PUT may create them. The
// printer is printEndpoints.

import { defaultEndpoints } from '../../../api/defaults.js';
import type { KObject } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateEndpointsCreate, validateEndpointsUpdate } from '../../../api/validation.js';
import { a, n, o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  allowCreateOnUpdate: true,
  defaults: defaultEndpoints,
  validate: validateEndpointsCreate,
  validateUpdate: validateEndpointsUpdate,
};

/** host:port as net.JoinHostPort writes it (IPv6 in brackets). */
const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

function formatEndpoints(ep: KObject): string {
  const subsets = a(ep.subsets).map(o);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addrs = a(ss.addresses).map(o);
    const ports = a(ss.ports).map(o);
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addrs.length;
      for (const ad of addrs) list.push(s(ad.ip));
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const ad of addrs) list.push(joinHostPort(s(ad.ip), n(p.port)));
    }
  }
  const text = list.slice(0, 3).join(',');
  return count > 3 ? `${text} + ${count - 3} more...` : text;
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.Endpoints'),
  row: (ep, now) => ({ cells: [s(ep.metadata.name), formatEndpoints(ep), timestampSince(ep.metadata.creationTimestamp, now)] }),
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.Endpoints',
    singular: 'endpoints',
    shortNames: ['ep'],
  },
  strategy,
  printer,
});
