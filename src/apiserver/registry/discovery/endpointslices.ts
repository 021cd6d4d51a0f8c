// EndpointSlices, as kube-apiserver's pkg/registry/discovery/endpointslice: they carry a
// generation the slice controller tracks, counted over the whole body (a slice has no spec).
// The printer is printEndpointSlice.

import { defaultEndpointSlice } from '../../../api/defaults.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateEndpointSliceCreate, validateEndpointSliceUpdate } from '../../../api/validation.js';
import { a, n, o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { generationStrategy } from '../strategy.js';

export const strategy = generationStrategy({
  defaults: defaultEndpointSlice,
  validate: validateEndpointSliceCreate,
  validateUpdate: validateEndpointSliceUpdate,
});

/** At most three entries, then "+ N more...". */
function listWithMore(list: string[], count: number, max: number, empty: string): string {
  const text = list.slice(0, max).join(',');
  if (count > max) return `${text} + ${count - max} more...`;
  return text === '' ? empty : text;
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.discovery.v1.EndpointSlice'),
  row(es, now) {
    const ports = a(es.ports)
      .map(o)
      .map((p) => (typeof p.port === 'number' ? String(n(p.port)) : typeof p.name === 'string' ? p.name : '*'));
    const addrs = a(es.endpoints).flatMap((e) => a(o(e).addresses).map(s));
    return {
      cells: [
        s(es.metadata.name),
        s(es.addressType),
        listWithMore(ports, ports.length, 3, '<unset>'),
        listWithMore(addrs, addrs.length, 3, '<unset>'),
        timestampSince(es.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
    schema: 'io.k8s.api.discovery.v1.EndpointSlice',
  },
  strategy,
  printer,
});
