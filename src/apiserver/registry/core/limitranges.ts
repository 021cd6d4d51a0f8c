// LimitRanges, as kube-apiserver's pkg/registry/core/limitrange: defaults from
// SetDefaults_LimitRangeItem; the LimitRanger admission plugin (src/apiserver/admission)
// applies them to pods. The printer is printLimitRange (name and creation time, RFC 3339).

import { defaultLimitRange } from '../../../api/defaults-policy.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateLimitRangeCreate, validateLimitRangeUpdate } from '../../../api/validation/policy-quota.js';
import { type Printer, s } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  defaults: defaultLimitRange,
  validate: validateLimitRangeCreate,
  validateUpdate: validateLimitRangeUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.LimitRange'),
  row: (lr) => ({ cells: [s(lr.metadata.name), s(lr.metadata.creationTimestamp)] }),
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'limitranges',
    kind: 'LimitRange',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.LimitRange',
    shortNames: ['limits'],
  },
  strategy,
  printer,
});
