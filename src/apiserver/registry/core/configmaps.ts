// ConfigMaps, as kube-apiserver's pkg/registry/core/configmap. The printer is printConfigMap.

import { printerColumns } from '../../../api/schema/columns.js';
import { validateConfigMapCreate, validateConfigMapUpdate } from '../../../api/validation.js';
import { keys, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  validate: validateConfigMapCreate,
  validateUpdate: validateConfigMapUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.ConfigMap'),
  row: (cm, now) => ({
    cells: [s(cm.metadata.name), keys(cm.data).length + keys(cm.binaryData).length, timestampSince(cm.metadata.creationTimestamp, now)],
  }),
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.ConfigMap',
    shortNames: ['cm'],
  },
  strategy,
  printer,
});
