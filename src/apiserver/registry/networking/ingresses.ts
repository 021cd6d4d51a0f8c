// Ingresses, as kube-apiserver's pkg/registry/networking/ingress: a new Ingress starts at
// generation 1 with an empty status, spec changes bump the generation, and status (the
// load-balancer addresses) is the ingress controller's to write. The printer is printIngress.

import { objects as arr, type Obj } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateIngressCreate, validateIngressStatusUpdate, validateIngressUpdate } from '../../../api/validation/networking.js';
import { o, type Printer, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { generationStrategy, statusStrategy as statusOf } from '../strategy.js';

export const strategy = generationStrategy({
  initialStatus: () => ({}),
  validate: validateIngressCreate,
  validateUpdate: validateIngressUpdate,
});

export const statusStrategy = statusOf(validateIngressStatusUpdate);

/** formatHosts: the first three hosts, then "+ N more...", "*" when no rule names one. */
export function formatHosts(rules: Obj[]): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === max) more = true;
    if (!more && typeof r.host === 'string' && r.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - max} more...` : list.join(',');
}

/** ingressLoadBalancerStatusStringer (not wide): addresses joined, cut at 16 characters. */
export function formatAddress(status: Obj): string {
  const out: string[] = [];
  for (const i of arr(o(status.loadBalancer).ingress)) {
    if (typeof i.ip === 'string' && i.ip) out.push(i.ip);
    else if (typeof i.hostname === 'string' && i.hostname) out.push(i.hostname);
  }
  const r = out.join(',');
  return r.length > 16 ? `${r.slice(0, 15)}...` : r;
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.networking.v1.Ingress'),
  row(ing, now) {
    const spec = o(ing.spec);
    const cls = typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>';
    const ports = arr(spec.tls).length > 0 ? '80, 443' : '80';
    return {
      cells: [
        ing.metadata.name ?? '',
        cls,
        formatHosts(arr(spec.rules)),
        formatAddress(o(ing.status)),
        ports,
        timestampSince(ing.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingresses',
    kind: 'Ingress',
    namespaced: true,
    schema: 'io.k8s.api.networking.v1.Ingress',
    shortNames: ['ing'],
  },
  strategy,
  subresources: {
    status: { kind: 'Ingress', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
