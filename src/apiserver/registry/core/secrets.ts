// Secrets, as kube-apiserver's pkg/registry/core/secret: stringData is merged into data by the
// defaults, and the type is immutable. The printer is printSecret.

import { defaultSecret } from '../../../api/defaults.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateSecretCreate, validateSecretUpdate } from '../../../api/validation.js';
import { keys, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  fieldLabels: ['type'],
  defaults: defaultSecret,
  validate: validateSecretCreate,
  validateUpdate: validateSecretUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.Secret'),
  row(sec, now) {
    // stringData is write-only and merged into data; count a key present in both once.
    const dataKeys = new Set([...keys(sec.data), ...keys(sec.stringData)]);
    return { cells: [s(sec.metadata.name), s(sec.type), dataKeys.size, timestampSince(sec.metadata.creationTimestamp, now)] };
  },
};

export const resource = defineResource({
  info: { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, schema: 'io.k8s.api.core.v1.Secret' },
  strategy,
  printer,
});
