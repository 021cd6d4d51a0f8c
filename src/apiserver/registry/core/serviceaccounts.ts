// ServiceAccounts, as kube-apiserver's pkg/registry/core/serviceaccount, with the token
// subresource (the TokenRequest API, tokenrequest.ts). The printer is printServiceAccount.

import { printerColumns } from '../../../api/schema/columns.js';
import { validateServiceAccountCreate, validateServiceAccountUpdate } from '../../../api/validation.js';
import { a, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';
import { createToken } from './tokenrequest.js';

export const strategy: Strategy = {
  validate: validateServiceAccountCreate,
  validateUpdate: validateServiceAccountUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.ServiceAccount'),
  row: (sa, now) => ({ cells: [s(sa.metadata.name), a(sa.secrets).length, timestampSince(sa.metadata.creationTimestamp, now)] }),
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.ServiceAccount',
    shortNames: ['sa'],
  },
  strategy,
  subresources: {
    token: {
      kind: 'TokenRequest',
      group: 'authentication.k8s.io',
      version: 'v1',
      verbs: ['create'],
      rest: { type: 'create', create: createToken },
    },
  },
  printer,
});
