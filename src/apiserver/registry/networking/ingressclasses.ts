// IngressClasses, as kube-apiserver's pkg/registry/networking/ingressclass: cluster-scoped,
// the controller fixed at creation, a parameters reference cluster-scoped unless it says
// otherwise. The printer is printIngressClass.

import { printerColumns } from '../../../api/schema/columns.js';
import { defaultIngressClass, validateIngressClassCreate, validateIngressClassUpdate } from '../../../api/validation/networking.js';
import { o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { generationStrategy } from '../strategy.js';

export const strategy = generationStrategy({
  defaults: defaultIngressClass,
  validate: validateIngressClassCreate,
  validateUpdate: validateIngressClassUpdate,
});

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.networking.v1.IngressClass'),
  row(ic, now) {
    const spec = o(ic.spec);
    let parameters = '<none>';
    if (spec.parameters && typeof spec.parameters === 'object') {
      const p = o(spec.parameters);
      parameters = `${s(p.kind)}${typeof p.apiGroup === 'string' ? `.${p.apiGroup}` : ''}/${s(p.name)}`;
    }
    return { cells: [ic.metadata.name ?? '', s(spec.controller), parameters, timestampSince(ic.metadata.creationTimestamp, now)] };
  },
};

export const resource = defineResource({
  info: {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingressclasses',
    kind: 'IngressClass',
    namespaced: false,
    schema: 'io.k8s.api.networking.v1.IngressClass',
  },
  strategy,
  printer,
});
