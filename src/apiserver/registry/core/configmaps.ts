// ConfigMaps, as kube-apiserver's pkg/registry/core/configmap. The printer is printConfigMap.

import { validateConfigMapCreate, validateConfigMapUpdate } from '../../../api/validation.js';
import { ageCol, col, keys, nameCol, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  validate: validateConfigMapCreate,
  validateUpdate: validateConfigMapUpdate,
};

export const printer: Printer = {
  columns: [nameCol, col('Data', 'string', "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."), ageCol],
  row: (cm, now) => ({ cells: [s(cm.metadata.name), keys(cm.data).length + keys(cm.binaryData).length, timestampSince(cm.metadata.creationTimestamp, now)] }),
};

export const resource = defineResource({
  info: { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, schema: 'io.k8s.api.core.v1.ConfigMap', shortNames: ['cm'] },
  strategy,
  printer,
});
