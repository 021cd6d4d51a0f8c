// ServiceAccounts, as kube-apiserver's pkg/registry/core/serviceaccount. The printer is
// printServiceAccount.

import { validateServiceAccountCreate, validateServiceAccountUpdate } from '../../../api/validation.js';
import { a, ageCol, col, nameCol, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  validate: validateServiceAccountCreate,
  validateUpdate: validateServiceAccountUpdate,
};

export const printer: Printer = {
  columns: [nameCol, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret'), ageCol],
  row: (sa, now) => ({ cells: [s(sa.metadata.name), a(sa.secrets).length, timestampSince(sa.metadata.creationTimestamp, now)] }),
};

export const resource = defineResource({
  info: { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, schema: 'io.k8s.api.core.v1.ServiceAccount', shortNames: ['sa'] },
  strategy,
  printer,
});
