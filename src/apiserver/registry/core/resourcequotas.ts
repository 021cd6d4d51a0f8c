// ResourceQuotas, as kube-apiserver's pkg/registry/core/resourcequota: status (hard and used) is
// the resource quota controller's and the quota admission plugin's to write, through the status
// subresource; a new quota starts without status. The printer is printResourceQuota.

import { Quantity } from '../../../api/quantity.js';
import { printerColumns } from '../../../api/schema/columns.js';
import {
  validateResourceQuotaCreate,
  validateResourceQuotaStatusUpdate,
  validateResourceQuotaUpdate,
} from '../../../api/validation/policy-quota.js';
import { o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { clearStatus, keepStatus, type Strategy, statusStrategy as statusOf } from '../strategy.js';

export const strategy: Strategy = {
  prepareForCreate(q) {
    clearStatus(q);
    if (q.status && Object.keys(q.status).length === 0) delete q.status;
  },
  prepareForUpdate(q, old) {
    keepStatus(q, old);
  },
  validate: validateResourceQuotaCreate,
  validateUpdate: validateResourceQuotaUpdate,
};

export const statusStrategy = statusOf(validateResourceQuotaStatusUpdate);

/** printResourceQuota: "limits.*" resources under Limit, the others under Request, as used/hard. */
function usageColumns(q: Record<string, unknown>): [string, string] {
  const status = o(q.status);
  const hard = o(status.hard),
    used = o(status.used);
  const requests: string[] = [],
    limits: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const h = Quantity.tryParse(hard[name])?.toString() ?? s(hard[name]);
    const u = Quantity.tryParse(used[name])?.toString() ?? '0';
    const cell = `${name}: ${u}/${h}`;
    if (name.startsWith('limits.')) limits.push(cell);
    else requests.push(cell);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.ResourceQuota'),
  row: (q, now) => ({ cells: [s(q.metadata.name), timestampSince(q.metadata.creationTimestamp, now), ...usageColumns(q)] }),
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'resourcequotas',
    kind: 'ResourceQuota',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.ResourceQuota',
    shortNames: ['quota'],
  },
  strategy,
  subresources: { status: statusSubresource('ResourceQuota', statusStrategy) },
  printer,
});
