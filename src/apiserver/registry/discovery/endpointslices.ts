// EndpointSlices, as kube-apiserver's pkg/registry/discovery/endpointslice: they carry a
// generation the slice controller tracks, counted over the whole body (a slice has no spec).
// The printer is printEndpointSlice.

import { defaultEndpointSlice } from '../../../api/defaults.js';
import { validateEndpointSliceCreate, validateEndpointSliceUpdate } from '../../../api/validation.js';
import { a, ageCol, col, n, nameCol, o, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import { bumpGeneration, type Strategy } from '../strategy.js';

export const strategy: Strategy = {
  defaults: defaultEndpointSlice,
  prepareForCreate(es) {
    es.metadata.generation = 1;
  },
  prepareForUpdate: (es, old) => bumpGeneration(es, old),
  validate: validateEndpointSliceCreate,
  validateUpdate: validateEndpointSliceUpdate,
};

/** At most three entries, then "+ N more...". */
function listWithMore(list: string[], count: number, max: number, empty: string): string {
  const text = list.slice(0, max).join(',');
  if (count > max) return `${text} + ${count - max} more...`;
  return text === '' ? empty : text;
}

export const printer: Printer = {
  columns: [
    nameCol,
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.'),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.'),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
    ageCol,
  ],
  row(es, now) {
    const ports = a(es.ports).map(o).map((p) => (typeof p.port === 'number' ? String(n(p.port)) : typeof p.name === 'string' ? p.name : '*'));
    const addrs = a(es.endpoints).flatMap((e) => a(o(e).addresses).map(s));
    return {
      cells: [
        s(es.metadata.name), s(es.addressType), listWithMore(ports, ports.length, 3, '<unset>'), listWithMore(addrs, addrs.length, 3, '<unset>'),
        timestampSince(es.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true, schema: 'io.k8s.api.discovery.v1.EndpointSlice' },
  strategy,
  printer,
});
