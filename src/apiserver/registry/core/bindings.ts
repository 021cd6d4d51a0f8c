// The bindings resource, as kube-apiserver's LegacyBinding (pkg/registry/core/pod/storage):
// POST /namespaces/{ns}/bindings assigns the pod the Binding names, exactly as pods/binding.
// Nothing is stored under bindings, so it has no strategy, only the create and the default
// table printer.

import { defaultPrinter } from '../../tables.js';
import { defineResource } from '../rest.js';
import { bind } from './pods.js';

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'bindings',
    kind: 'Binding',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.Binding',
    verbs: ['create'],
  },
  create: bind,
  printer: defaultPrinter,
});
