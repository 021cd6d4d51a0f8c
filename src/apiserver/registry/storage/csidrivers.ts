// CSIDrivers, as kube-apiserver's pkg/registry/storage/csidriver: served so that CSI drivers'
// charts install; nothing in k8ts acts on them. The printer is printCSIDriver.

import { defaultCSIDriver } from '../../../api/defaults-storage.js';
import { validateCSIDriverCreate, validateCSIDriverUpdate } from '../../../api/validation/storage.js';
import { a, ageCol, col, nameCol, o, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  defaults: defaultCSIDriver,
  validate: validateCSIDriverCreate,
  validateUpdate: validateCSIDriverUpdate,
};

export const printer: Printer = {
  columns: [
    nameCol,
    col('AttachRequired', 'boolean', 'attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting. The CSI external-attacher coordinates with CSI volume driver and updates the volumeattachment status when the attach operation is complete. If the value is specified to false, the attach operation will be skipped. Otherwise the attach operation will be called.\n\nThis field is immutable.'),
    col('PodInfoOnMount', 'boolean', 'podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true. If set to false, pod information will not be passed on mount. Default is false.'),
    col('StorageCapacity', 'boolean', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true.'),
    col('TokenRequests', 'string', "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication. Kubelet will pass the tokens in VolumeContext in the CSI NodePublishVolume calls."),
    col('RequiresRepublish', 'boolean', 'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume. This field defaults to false.'),
    col('Modes', 'string', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports. The default if the list is empty is "Persistent", which is the usage defined by the CSI specification and implemented in Kubernetes via the usual PV/PVC mechanism.'),
    ageCol,
  ],
  row(d, now) {
    const spec = o(d.spec);
    const modes = a(spec.volumeLifecycleModes).map(String).join(',') || '<none>';
    const tokens = Array.isArray(spec.tokenRequests) ? a(spec.tokenRequests).map((t) => s(o(t).audience)).join(',') : '<unset>';
    return {
      cells: [
        s(d.metadata.name), spec.attachRequired !== false, spec.podInfoOnMount === true, spec.storageCapacity === true, tokens,
        spec.requiresRepublish === true, modes, timestampSince(d.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: { group: 'storage.k8s.io', version: 'v1', resource: 'csidrivers', kind: 'CSIDriver', namespaced: false, schema: 'io.k8s.api.storage.v1.CSIDriver' },
  strategy,
  printer,
});
