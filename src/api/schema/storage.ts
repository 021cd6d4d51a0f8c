// storage.k8s.io/v1: StorageClass, CSIDriver, CSINode, CSIStorageCapacity, VolumeAttachment and
// their lists. Field numbers from k8s.io/api storage/v1 generated.proto; pointers (keepZero)
// from the Go types of v1.32. Fields added after v1.32 (CSINode status, CSIDriver
// nodeAllocatableUpdatePeriodSeconds, VolumeError errorCode) are left out, as a v1.32 server prunes them.

import type { GroupVersionKind, TypeDef } from './types.js';

const storage = (name: string): string => `io.k8s.api.storage.v1.${name}`;
const core = (name: string): string => `io.k8s.api.core.v1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string): GroupVersionKind[] => [{ group: 'storage.k8s.io', version: 'v1', kind }];

const list = (kind: string, description: string): TypeDef => ({
  name: storage(`${kind}List`),
  description: `${kind}List is a collection of ${kind} objects.`,
  gvk: gvk(`${kind}List`),
  fields: [
    { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
    { json: 'items', proto: 2, type: storage(kind), list: true, required: true, description },
  ],
});

export const STORAGE_V1_TYPES: TypeDef[] = [
  {
    name: storage('StorageClass'),
    description: 'StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned.',
    gvk: gvk('StorageClass'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: 'Standard object\'s metadata.' },
      { json: 'provisioner', proto: 2, type: 'string', keepZero: true, required: true, description: 'provisioner indicates the type of the provisioner.' },
      { json: 'parameters', proto: 3, type: 'string', map: true, description: 'parameters holds the parameters for the provisioner that should create volumes of this storage class.' },
      { json: 'reclaimPolicy', proto: 4, type: 'string', keepZero: true, enum: ['Delete', 'Recycle', 'Retain'], description: 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.' },
      { json: 'mountOptions', proto: 5, type: 'string', list: true, listType: 'atomic', description: 'mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class.' },
      { json: 'allowVolumeExpansion', proto: 6, type: 'bool', keepZero: true, description: 'allowVolumeExpansion shows whether the storage class allow volume expand.' },
      { json: 'volumeBindingMode', proto: 7, type: 'string', keepZero: true, enum: ['Immediate', 'WaitForFirstConsumer'], description: 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.' },
      { json: 'allowedTopologies', proto: 8, type: core('TopologySelectorTerm'), list: true, listType: 'atomic', description: 'allowedTopologies restrict the node topologies where volumes can be dynamically provisioned.' },
    ],
  },
  list('StorageClass', 'items is the list of StorageClasses'),
  {
    name: storage('CSIDriver'),
    description: 'CSIDriver captures information about a Container Storage Interface (CSI) volume driver deployed on the cluster.',
    gvk: gvk('CSIDriver'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: 'Standard object metadata.' },
      { json: 'spec', proto: 2, type: storage('CSIDriverSpec'), keepZero: true, required: true, description: 'spec represents the specification of the CSI Driver.' },
    ],
  },
  list('CSIDriver', 'items is the list of CSIDriver'),
  {
    name: storage('CSIDriverSpec'),
    description: 'CSIDriverSpec is the specification of a CSIDriver.',
    fields: [
      { json: 'attachRequired', proto: 1, type: 'bool', keepZero: true, description: 'attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting.' },
      { json: 'podInfoOnMount', proto: 2, type: 'bool', keepZero: true, description: 'podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true.' },
      { json: 'volumeLifecycleModes', proto: 3, type: 'string', list: true, listType: 'set', description: 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.' },
      { json: 'storageCapacity', proto: 4, type: 'bool', keepZero: true, description: 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true.' },
      { json: 'fsGroupPolicy', proto: 5, type: 'string', keepZero: true, enum: ['File', 'None', 'ReadWriteOnceWithFSType'], description: 'fsGroupPolicy defines if the underlying volume supports changing ownership and permission of the volume before being mounted.' },
      { json: 'tokenRequests', proto: 6, type: storage('TokenRequest'), list: true, listType: 'atomic', description: "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication." },
      { json: 'requiresRepublish', proto: 7, type: 'bool', keepZero: true, description: 'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume.' },
      { json: 'seLinuxMount', proto: 8, type: 'bool', keepZero: true, description: 'seLinuxMount specifies if the CSI driver supports "-o context" mount option.' },
    ],
  },
  {
    name: storage('TokenRequest'),
    description: 'TokenRequest contains parameters of a service account token.',
    fields: [
      { json: 'audience', proto: 1, type: 'string', keepZero: true, required: true, description: 'audience is the intended audience of the token in "TokenRequestSpec".' },
      { json: 'expirationSeconds', proto: 2, type: 'int64', keepZero: true, description: 'expirationSeconds is the duration of validity of the token in "TokenRequestSpec".' },
    ],
  },
  {
    name: storage('CSINode'),
    description: 'CSINode holds information about all CSI drivers installed on a node.',
    gvk: gvk('CSINode'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: 'Standard object\'s metadata.' },
      { json: 'spec', proto: 2, type: storage('CSINodeSpec'), keepZero: true, required: true, description: 'spec is the specification of CSINode' },
    ],
  },
  list('CSINode', 'items is the list of CSINode'),
  {
    name: storage('CSINodeSpec'),
    description: 'CSINodeSpec holds information about the specification of all CSI drivers installed on a node',
    fields: [
      {
        json: 'drivers', proto: 1, type: storage('CSINodeDriver'), list: true, keepZero: true, required: true,
        mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'],
        description: 'drivers is a list of information of all CSI Drivers existing on a node.',
      },
    ],
  },
  {
    name: storage('CSINodeDriver'),
    description: 'CSINodeDriver holds information about the specification of one CSI driver installed on a node',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'name represents the name of the CSI driver that this object refers to.' },
      { json: 'nodeID', proto: 2, type: 'string', keepZero: true, required: true, description: 'nodeID of the node from the driver point of view.' },
      { json: 'topologyKeys', proto: 3, type: 'string', list: true, listType: 'atomic', keepZero: true, description: 'topologyKeys is the list of keys supported by the driver.' },
      { json: 'allocatable', proto: 4, type: storage('VolumeNodeResources'), description: 'allocatable represents the volume resources of a node that are available for scheduling.' },
    ],
  },
  {
    name: storage('VolumeNodeResources'),
    description: 'VolumeNodeResources is a set of resource limits for scheduling of volumes.',
    fields: [
      { json: 'count', proto: 1, type: 'int32', keepZero: true, description: 'count indicates the maximum number of unique volumes managed by the CSI driver that can be used on a node.' },
    ],
  },
  {
    name: storage('CSIStorageCapacity'),
    description: 'CSIStorageCapacity stores the result of one CSI GetCapacity call.',
    gvk: gvk('CSIStorageCapacity'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: 'Standard object\'s metadata.' },
      { json: 'nodeTopology', proto: 2, type: meta('LabelSelector'), description: 'nodeTopology defines which nodes have access to the storage for which capacity was reported.' },
      { json: 'storageClassName', proto: 3, type: 'string', keepZero: true, required: true, description: 'storageClassName represents the name of the StorageClass that the reported capacity applies to.' },
      { json: 'capacity', proto: 4, type: 'Quantity', description: 'capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.' },
      { json: 'maximumVolumeSize', proto: 5, type: 'Quantity', description: 'maximumVolumeSize is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.' },
    ],
  },
  list('CSIStorageCapacity', 'items is the list of CSIStorageCapacity objects.'),
  {
    name: storage('VolumeAttachment'),
    description: 'VolumeAttachment captures the intent to attach or detach the specified volume to/from the specified node.',
    gvk: gvk('VolumeAttachment'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: 'Standard object metadata.' },
      { json: 'spec', proto: 2, type: storage('VolumeAttachmentSpec'), keepZero: true, required: true, description: 'spec represents specification of the desired attach/detach volume behavior.' },
      { json: 'status', proto: 3, type: storage('VolumeAttachmentStatus'), keepZero: true, description: 'status represents status of the VolumeAttachment request.' },
    ],
  },
  list('VolumeAttachment', 'items is the list of VolumeAttachments'),
  {
    name: storage('VolumeAttachmentSpec'),
    description: 'VolumeAttachmentSpec is the specification of a VolumeAttachment request.',
    fields: [
      { json: 'attacher', proto: 1, type: 'string', keepZero: true, required: true, description: 'attacher indicates the name of the volume driver that MUST handle this request.' },
      { json: 'source', proto: 2, type: storage('VolumeAttachmentSource'), keepZero: true, required: true, description: 'source represents the volume that should be attached.' },
      { json: 'nodeName', proto: 3, type: 'string', keepZero: true, required: true, description: 'nodeName represents the node that the volume should be attached to.' },
    ],
  },
  {
    name: storage('VolumeAttachmentSource'),
    description: 'VolumeAttachmentSource represents a volume that should be attached.',
    fields: [
      { json: 'persistentVolumeName', proto: 1, type: 'string', keepZero: true, description: 'persistentVolumeName represents the name of the persistent volume to attach.' },
      { json: 'inlineVolumeSpec', proto: 2, type: core('PersistentVolumeSpec'), description: "inlineVolumeSpec contains all the information necessary to attach a persistent volume defined by a pod's inline VolumeSource." },
    ],
  },
  {
    name: storage('VolumeAttachmentStatus'),
    description: 'VolumeAttachmentStatus is the status of a VolumeAttachment request.',
    fields: [
      { json: 'attached', proto: 1, type: 'bool', keepZero: true, required: true, description: 'attached indicates the volume is successfully attached.' },
      { json: 'attachmentMetadata', proto: 2, type: 'string', map: true, description: 'attachmentMetadata is populated with any information returned by the attach operation, upon successful attach, that must be passed into subsequent WaitForAttach or Mount calls.' },
      { json: 'attachError', proto: 3, type: storage('VolumeError'), description: 'attachError represents the last error encountered during attach operation, if any.' },
      { json: 'detachError', proto: 4, type: storage('VolumeError'), description: 'detachError represents the last error encountered during detach operation, if any.' },
    ],
  },
  {
    name: storage('VolumeError'),
    description: 'VolumeError captures an error encountered during a volume operation.',
    fields: [
      { json: 'time', proto: 1, type: 'Time', description: 'time represents the time the error was encountered.' },
      { json: 'message', proto: 2, type: 'string', description: 'message represents the error encountered during Attach or Detach operation.' },
    ],
  },
];
