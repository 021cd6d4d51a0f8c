// CSIDrivers, as kube-apiserver's pkg/registry/storage/csidriver: served so that CSI drivers'
// charts install; nothing in k8ts acts on them. The printer is printCSIDriver.

import { defaultCSIDriver } from '../../../api/defaults-storage.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateCSIDriverCreate, validateCSIDriverUpdate } from '../../../api/validation/storage.js';
import { a, o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  defaults: defaultCSIDriver,
  validate: validateCSIDriverCreate,
  validateUpdate: validateCSIDriverUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.storage.v1.CSIDriver'),
  row(d, now) {
    const spec = o(d.spec);
    const modes = a(spec.volumeLifecycleModes).map(String).join(',') || '<none>';
    const tokens = Array.isArray(spec.tokenRequests)
      ? a(spec.tokenRequests)
          .map((t) => s(o(t).audience))
          .join(',')
      : '<unset>';
    return {
      cells: [
        s(d.metadata.name),
        spec.attachRequired !== false,
        spec.podInfoOnMount === true,
        spec.storageCapacity === true,
        tokens,
        spec.requiresRepublish === true,
        modes,
        timestampSince(d.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csidrivers',
    kind: 'CSIDriver',
    namespaced: false,
    schema: 'io.k8s.api.storage.v1.CSIDriver',
  },
  strategy,
  printer,
});
