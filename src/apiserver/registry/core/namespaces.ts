// Namespaces, as kube-apiserver's pkg/registry/core/namespace: a new namespace is Active with
// the "kubernetes" finalizer; deleting it makes it Terminating until the namespace controller
// has emptied it and removed its finalizers through the finalize subresource. The printer is
// printNamespace.

import { defaultNamespace } from '../../../api/defaults.js';
import { deepCopy, type KObject } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import {
  validateNamespaceCreate,
  validateNamespaceFinalizeUpdate,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
} from '../../../api/validation.js';
import { o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { field, type Strategy, statusStrategy as statusOf, type UpdateStrategy } from '../strategy.js';

const finalizersOf = (ns: KObject): string[] | undefined => (field(ns.spec) as { finalizers?: string[] }).finalizers;

export const strategy: Strategy = {
  fieldLabels: ['status.phase'],
  returnDeletedObject: true,
  defaults: defaultNamespace,
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
  },
  validate: validateNamespaceCreate,
  validateUpdate: validateNamespaceUpdate,
  markDeleting(ns) {
    ns.status = { ...field(ns.status), phase: 'Terminating' };
  },
  canFinishDeletion(ns) {
    return !finalizersOf(ns)?.length;
  },
};

export const statusStrategy = statusOf(validateNamespaceStatusUpdate);

/** namespaces/finalize: only spec.finalizers changes, and each must be a valid finalizer name. */
export const finalizeStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    const next = deepCopy(old);
    const spec = (next.spec = field(next.spec)) as { finalizers?: string[] };
    const fin = finalizersOf(obj);
    if (fin?.length) spec.finalizers = fin;
    else delete spec.finalizers;
    return next;
  },
  validateUpdate: validateNamespaceFinalizeUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.Namespace'),
  row: (ns, now) => ({ cells: [s(ns.metadata.name), s(o(ns.status).phase), timestampSince(ns.metadata.creationTimestamp, now)] }),
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    schema: 'io.k8s.api.core.v1.Namespace',
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  strategy,
  subresources: {
    status: statusSubresource('Namespace', statusStrategy),
    finalize: { kind: 'Namespace', verbs: ['update'], rest: { type: 'update', strategy: finalizeStrategy } },
  },
  printer,
});
