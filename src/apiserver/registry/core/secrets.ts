// Secrets, as kube-apiserver's pkg/registry/core/secret: stringData is merged into data by the
// defaults, and the type is immutable. The printer is printSecret.

import { defaultSecret } from '../../../api/defaults.js';
import { validateSecretCreate, validateSecretUpdate } from '../../../api/validation.js';
import { ageCol, col, keys, nameCol, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  fieldLabels: ['type'],
  defaults: defaultSecret,
  validate: validateSecretCreate,
  validateUpdate: validateSecretUpdate,
};

export const printer: Printer = {
  columns: [
    nameCol,
    col('Type', 'string', 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
    col('Data', 'string', "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
    ageCol,
  ],
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
