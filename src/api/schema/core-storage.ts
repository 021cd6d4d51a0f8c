// core/v1 PersistentVolume and PersistentVolumeClaim: the kinds, their specs and statuses, and
// the volume sources only a PersistentVolume carries (PersistentVolumeSource, with its
// SecretReference-based variants of the pod volume sources, local, csi), VolumeNodeAffinity
// and the TopologySelectorTerm that StorageClass.allowedTopologies uses.
// Field numbers from kubernetes/kubernetes staging/src/k8s.io/api/core/v1/generated.proto;
// json tags, pointers (keepZero) and patch tags from the Go types of v1.32.

import { inlineField } from './core-inline.js';
import type { TypeDef } from './types.js';

const core = (name: string): string => `io.k8s.api.core.v1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;

export const CORE_V1_STORAGE_TYPES: TypeDef[] = [
  {
    name: core('PersistentVolume'),
    description: 'PersistentVolume (PV) is a storage resource provisioned by an administrator.',
    gvk: [{ group: '', version: 'v1', kind: 'PersistentVolume' }],
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: core('PersistentVolumeSpec'), keepZero: true, description: 'spec defines a specification of a persistent volume owned by the cluster.' },
      { json: 'status', proto: 3, type: core('PersistentVolumeStatus'), keepZero: true, description: 'status represents the current information/status for the persistent volume.' },
    ],
  },
  {
    name: core('PersistentVolumeList'),
    description: 'PersistentVolumeList is a list of PersistentVolume items.',
    gvk: [{ group: '', version: 'v1', kind: 'PersistentVolumeList' }],
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: core('PersistentVolume'), list: true, required: true, description: 'items is a list of persistent volumes.' },
    ],
  },
  {
    name: core('PersistentVolumeSpec'),
    description: 'PersistentVolumeSpec is the specification of a persistent volume.',
    fields: [
      { json: 'capacity', proto: 1, type: 'Quantity', map: true, description: "capacity is the description of the persistent volume's resources and capacity." },
      inlineField({ json: 'persistentVolumeSource', proto: 2, type: core('PersistentVolumeSource') }),
      { json: 'accessModes', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'accessModes contains all ways the volume can be mounted.' },
      { json: 'claimRef', proto: 4, type: core('ObjectReference'), keepZero: true, description: 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.' },
      { json: 'persistentVolumeReclaimPolicy', proto: 5, type: 'string', enum: ['Delete', 'Recycle', 'Retain'], description: 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.' },
      { json: 'storageClassName', proto: 6, type: 'string', description: 'storageClassName is the name of StorageClass to which this persistent volume belongs.' },
      { json: 'mountOptions', proto: 7, type: 'string', list: true, listType: 'atomic', description: 'mountOptions is the list of mount options, e.g. ["ro", "soft"].' },
      { json: 'volumeMode', proto: 8, type: 'string', keepZero: true, enum: ['Block', 'Filesystem'], description: 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.' },
      { json: 'nodeAffinity', proto: 9, type: core('VolumeNodeAffinity'), keepZero: true, description: 'nodeAffinity defines constraints that limit what nodes this volume can be accessed from.' },
      { json: 'volumeAttributesClassName', proto: 10, type: 'string', keepZero: true, description: 'Name of VolumeAttributesClass to which this persistent volume belongs.' },
    ],
  },
  {
    name: core('PersistentVolumeSource'),
    description: 'PersistentVolumeSource is similar to VolumeSource but meant for the administrator who creates PVs.',
    fields: [
      { json: 'gcePersistentDisk', proto: 1, type: core('GCEPersistentDiskVolumeSource'), description: "gcePersistentDisk represents a GCE Disk resource that is attached to a kubelet's host machine and then exposed to the pod." },
      { json: 'awsElasticBlockStore', proto: 2, type: core('AWSElasticBlockStoreVolumeSource'), description: "awsElasticBlockStore represents an AWS Disk resource that is attached to a kubelet's host machine and then exposed to the pod." },
      { json: 'hostPath', proto: 3, type: core('HostPathVolumeSource'), description: 'hostPath represents a directory on the host.' },
      { json: 'glusterfs', proto: 4, type: core('GlusterfsPersistentVolumeSource'), description: 'glusterfs represents a Glusterfs volume that is attached to a host and exposed to the pod.' },
      { json: 'nfs', proto: 5, type: core('NFSVolumeSource'), description: 'nfs represents an NFS mount on the host.' },
      { json: 'rbd', proto: 6, type: core('RBDPersistentVolumeSource'), description: "rbd represents a Rados Block Device mount on the host that shares a pod's lifetime." },
      { json: 'iscsi', proto: 7, type: core('ISCSIPersistentVolumeSource'), description: "iscsi represents an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod." },
      { json: 'cinder', proto: 8, type: core('CinderPersistentVolumeSource'), description: 'cinder represents a cinder volume attached and mounted on kubelets host machine.' },
      { json: 'cephfs', proto: 9, type: core('CephFSPersistentVolumeSource'), description: "cephFS represents a Ceph FS mount on the host that shares a pod's lifetime." },
      { json: 'fc', proto: 10, type: core('FCVolumeSource'), description: "fc represents a Fibre Channel resource that is attached to a kubelet's host machine and then exposed to the pod." },
      { json: 'flocker', proto: 11, type: core('FlockerVolumeSource'), description: "flocker represents a Flocker volume attached to a kubelet's host machine and exposed to the pod for its usage." },
      { json: 'flexVolume', proto: 12, type: core('FlexPersistentVolumeSource'), description: 'flexVolume represents a generic volume resource that is provisioned/attached using an exec based plugin.' },
      { json: 'azureFile', proto: 13, type: core('AzureFilePersistentVolumeSource'), description: 'azureFile represents an Azure File Service mount on the host and bind mount to the pod.' },
      { json: 'vsphereVolume', proto: 14, type: core('VsphereVirtualDiskVolumeSource'), description: 'vsphereVolume represents a vSphere volume attached and mounted on kubelets host machine.' },
      { json: 'quobyte', proto: 15, type: core('QuobyteVolumeSource'), description: "quobyte represents a Quobyte mount on the host that shares a pod's lifetime." },
      { json: 'azureDisk', proto: 16, type: core('AzureDiskVolumeSource'), description: 'azureDisk represents an Azure Data Disk mount on the host and bind mount to the pod.' },
      { json: 'photonPersistentDisk', proto: 17, type: core('PhotonPersistentDiskVolumeSource'), description: 'photonPersistentDisk represents a PhotonController persistent disk attached and mounted on kubelets host machine.' },
      { json: 'portworxVolume', proto: 18, type: core('PortworxVolumeSource'), description: 'portworxVolume represents a portworx volume attached and mounted on kubelets host machine.' },
      { json: 'scaleIO', proto: 19, type: core('ScaleIOPersistentVolumeSource'), description: 'scaleIO represents a ScaleIO persistent volume attached and mounted on Kubernetes nodes.' },
      { json: 'local', proto: 20, type: core('LocalVolumeSource'), description: 'local represents directly-attached storage with node affinity.' },
      { json: 'storageos', proto: 21, type: core('StorageOSPersistentVolumeSource'), description: "storageOS represents a StorageOS volume that is attached to the kubelet's host machine and mounted into the pod." },
      { json: 'csi', proto: 22, type: core('CSIPersistentVolumeSource'), description: 'csi represents storage that is handled by an external CSI driver.' },
    ],
  },
  {
    name: core('PersistentVolumeStatus'),
    description: 'PersistentVolumeStatus is the current status of a persistent volume.',
    fields: [
      { json: 'phase', proto: 1, type: 'string', enum: ['Available', 'Bound', 'Failed', 'Pending', 'Released'], description: 'phase indicates if a volume is available, bound to a claim, or released by a claim.' },
      { json: 'message', proto: 2, type: 'string', description: 'message is a human-readable message indicating details about why the volume is in this state.' },
      { json: 'reason', proto: 3, type: 'string', description: 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.' },
      { json: 'lastPhaseTransitionTime', proto: 4, type: 'Time', keepZero: true, description: 'lastPhaseTransitionTime is the time the phase transitioned from one to another and automatically resets to current time everytime a volume phase transitions.' },
    ],
  },
  {
    name: core('PersistentVolumeClaim'),
    description: "PersistentVolumeClaim is a user's request for and claim to a persistent volume.",
    gvk: [{ group: '', version: 'v1', kind: 'PersistentVolumeClaim' }],
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: core('PersistentVolumeClaimSpec'), keepZero: true, description: 'spec defines the desired characteristics of a volume requested by a pod author.' },
      { json: 'status', proto: 3, type: core('PersistentVolumeClaimStatus'), keepZero: true, description: 'status represents the current information/status of a persistent volume claim.' },
    ],
  },
  {
    name: core('PersistentVolumeClaimList'),
    description: 'PersistentVolumeClaimList is a list of PersistentVolumeClaim items.',
    gvk: [{ group: '', version: 'v1', kind: 'PersistentVolumeClaimList' }],
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: core('PersistentVolumeClaim'), list: true, required: true, description: 'items is a list of persistent volume claims.' },
    ],
  },
  {
    name: core('PersistentVolumeClaimStatus'),
    description: 'PersistentVolumeClaimStatus is the current status of a persistent volume claim.',
    fields: [
      { json: 'phase', proto: 1, type: 'string', enum: ['Bound', 'Lost', 'Pending'], description: 'phase represents the current phase of PersistentVolumeClaim.' },
      { json: 'accessModes', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'accessModes contains the actual access modes the volume backing the PVC has.' },
      { json: 'capacity', proto: 3, type: 'Quantity', map: true, description: 'capacity represents the actual resources of the underlying volume.' },
      {
        json: 'conditions', proto: 4, type: core('PersistentVolumeClaimCondition'), list: true,
        mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'],
        description: 'conditions is the current Condition of persistent volume claim.',
      },
      { json: 'allocatedResources', proto: 5, type: 'Quantity', map: true, description: 'allocatedResources tracks the resources allocated to a PVC including its capacity.' },
      { json: 'allocatedResourceStatuses', proto: 7, type: 'string', map: true, mapType: 'granular', description: 'allocatedResourceStatuses stores status of resource being resized for the given PVC.' },
      { json: 'currentVolumeAttributesClassName', proto: 8, type: 'string', keepZero: true, description: 'currentVolumeAttributesClassName is the current name of the VolumeAttributesClass the PVC is using.' },
      { json: 'modifyVolumeStatus', proto: 9, type: core('ModifyVolumeStatus'), description: 'ModifyVolumeStatus represents the status object of ControllerModifyVolume operation.' },
    ],
  },
  {
    name: core('PersistentVolumeClaimCondition'),
    description: 'PersistentVolumeClaimCondition contains details about state of pvc.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type is the type of the condition.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status is the status of the condition.' },
      { json: 'lastProbeTime', proto: 3, type: 'Time', description: 'lastProbeTime is the time we probed the condition.' },
      { json: 'lastTransitionTime', proto: 4, type: 'Time', description: 'lastTransitionTime is the time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 5, type: 'string', description: "reason is a unique, this should be a short, machine understandable string that gives the reason for condition's last transition." },
      { json: 'message', proto: 6, type: 'string', description: 'message is the human-readable message indicating details about last transition.' },
    ],
  },
  {
    name: core('ModifyVolumeStatus'),
    description: 'ModifyVolumeStatus represents the status object of ControllerModifyVolume operation.',
    fields: [
      { json: 'targetVolumeAttributesClassName', proto: 1, type: 'string', description: 'targetVolumeAttributesClassName is the name of the VolumeAttributesClass the PVC currently being reconciled.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, enum: ['InProgress', 'Infeasible', 'Pending'], description: 'status is the status of the ControllerModifyVolume operation.' },
    ],
  },
  {
    name: core('VolumeNodeAffinity'),
    description: 'VolumeNodeAffinity defines constraints that limit what nodes this volume can be accessed from.',
    fields: [
      { json: 'required', proto: 1, type: core('NodeSelector'), description: 'required specifies hard node constraints that must be met.' },
    ],
  },
  {
    name: core('LocalVolumeSource'),
    description: 'Local represents directly-attached storage with node affinity.',
    fields: [
      { json: 'path', proto: 1, type: 'string', keepZero: true, required: true, description: 'path of the full path to the volume on the node.' },
      { json: 'fsType', proto: 2, type: 'string', keepZero: true, description: 'fsType is the filesystem type to mount.' },
    ],
  },
  {
    name: core('SecretReference'),
    description: 'SecretReference represents a Secret Reference.',
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'name is unique within a namespace to reference a secret resource.' },
      { json: 'namespace', proto: 2, type: 'string', description: 'namespace defines the space within which the secret name must be unique.' },
    ],
  },
  {
    name: core('TopologySelectorTerm'),
    description: 'A topology selector term represents the result of label queries.',
    fields: [
      { json: 'matchLabelExpressions', proto: 1, type: core('TopologySelectorLabelRequirement'), list: true, listType: 'atomic', description: 'A list of topology selector requirements by labels.' },
    ],
  },
  {
    name: core('TopologySelectorLabelRequirement'),
    description: 'A topology selector requirement is a selector that matches given label.',
    fields: [
      { json: 'key', proto: 1, type: 'string', keepZero: true, required: true, description: 'The label key that the selector applies to.' },
      { json: 'values', proto: 2, type: 'string', list: true, listType: 'atomic', required: true, description: 'An array of string values.' },
    ],
  },
  {
    name: core('CSIPersistentVolumeSource'),
    description: 'Represents storage that is managed by an external CSI volume driver.',
    fields: [
      { json: 'driver', proto: 1, type: 'string', keepZero: true, required: true, description: 'driver is the name of the driver to use for this volume.' },
      { json: 'volumeHandle', proto: 2, type: 'string', keepZero: true, required: true, description: "volumeHandle is the unique volume name returned by the CSI volume plugin's CreateVolume to refer to the volume on all subsequent calls." },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly value to pass to ControllerPublishVolumeRequest.' },
      { json: 'fsType', proto: 4, type: 'string', description: 'fsType to mount.' },
      { json: 'volumeAttributes', proto: 5, type: 'string', map: true, description: 'volumeAttributes of the volume to publish.' },
      { json: 'controllerPublishSecretRef', proto: 6, type: core('SecretReference'), description: 'controllerPublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI ControllerPublishVolume and ControllerUnpublishVolume calls.' },
      { json: 'nodeStageSecretRef', proto: 7, type: core('SecretReference'), description: 'nodeStageSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodeStageVolume and NodeStageVolume and NodeUnstageVolume calls.' },
      { json: 'nodePublishSecretRef', proto: 8, type: core('SecretReference'), description: 'nodePublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodePublishVolume and NodeUnpublishVolume calls.' },
      { json: 'controllerExpandSecretRef', proto: 9, type: core('SecretReference'), description: 'controllerExpandSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI ControllerExpandVolume call.' },
      { json: 'nodeExpandSecretRef', proto: 10, type: core('SecretReference'), description: 'nodeExpandSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodeExpandVolume call.' },
    ],
  },
  {
    name: core('AzureFilePersistentVolumeSource'),
    description: 'AzureFile represents an Azure File Service mount on the host and bind mount to the pod.',
    fields: [
      { json: 'secretName', proto: 1, type: 'string', keepZero: true, required: true, description: 'secretName is the name of secret that contains Azure Storage Account Name and Key' },
      { json: 'shareName', proto: 2, type: 'string', keepZero: true, required: true, description: 'shareName is the azure Share Name' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly defaults to false (read/write).' },
      { json: 'secretNamespace', proto: 4, type: 'string', keepZero: true, description: 'secretNamespace is the namespace of the secret that contains Azure Storage Account Name and Key default is the same as the Pod' },
    ],
  },
  {
    name: core('CephFSPersistentVolumeSource'),
    description: 'Represents a Ceph Filesystem mount that lasts the lifetime of a pod Cephfs volumes do not support ownership management or SELinux relabeling.',
    fields: [
      { json: 'monitors', proto: 1, type: 'string', list: true, listType: 'atomic', required: true, description: 'monitors is Required: Monitors is a collection of Ceph monitors' },
      { json: 'path', proto: 2, type: 'string', description: 'path is Optional: Used as the mounted root, rather than the full Ceph tree, default is /' },
      { json: 'user', proto: 3, type: 'string', description: 'user is Optional: User is the rados user name, default is admin' },
      { json: 'secretFile', proto: 4, type: 'string', description: 'secretFile is Optional: SecretFile is the path to key ring for User, default is /etc/ceph/user.secret' },
      { json: 'secretRef', proto: 5, type: core('SecretReference'), description: 'secretRef is Optional: SecretRef is reference to the authentication secret for User, default is empty.' },
      { json: 'readOnly', proto: 6, type: 'bool', description: 'readOnly is Optional: Defaults to false (read/write).' },
    ],
  },
  {
    name: core('CinderPersistentVolumeSource'),
    description: 'Represents a cinder volume resource in Openstack.',
    fields: [
      { json: 'volumeID', proto: 1, type: 'string', keepZero: true, required: true, description: 'volumeID used to identify the volume in cinder.' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fsType Filesystem type to mount.' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly is Optional: Defaults to false (read/write).' },
      { json: 'secretRef', proto: 4, type: core('SecretReference'), description: 'secretRef is Optional: points to a secret object containing parameters used to connect to OpenStack.' },
    ],
  },
  {
    name: core('FlexPersistentVolumeSource'),
    description: 'FlexPersistentVolumeSource represents a generic persistent volume resource that is provisioned/attached using an exec based plugin.',
    fields: [
      { json: 'driver', proto: 1, type: 'string', keepZero: true, required: true, description: 'driver is the name of the driver to use for this volume.' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fsType is the Filesystem type to mount.' },
      { json: 'secretRef', proto: 3, type: core('SecretReference'), description: 'secretRef is Optional: SecretRef is reference to the secret object containing sensitive information to pass to the plugin scripts.' },
      { json: 'readOnly', proto: 4, type: 'bool', description: 'readOnly is Optional: defaults to false (read/write).' },
      { json: 'options', proto: 5, type: 'string', map: true, description: 'options is Optional: this field holds extra command options if any.' },
    ],
  },
  {
    name: core('GlusterfsPersistentVolumeSource'),
    description: 'Represents a Glusterfs mount that lasts the lifetime of a pod.',
    fields: [
      { json: 'endpoints', proto: 1, type: 'string', keepZero: true, required: true, description: 'endpoints is the endpoint name that details Glusterfs topology.' },
      { json: 'path', proto: 2, type: 'string', keepZero: true, required: true, description: 'path is the Glusterfs volume path.' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly here will force the Glusterfs volume to be mounted with read-only permissions.' },
      { json: 'endpointsNamespace', proto: 4, type: 'string', keepZero: true, description: 'endpointsNamespace is the namespace that contains Glusterfs endpoint.' },
    ],
  },
  {
    name: core('ISCSIPersistentVolumeSource'),
    description: 'ISCSIPersistentVolumeSource represents an ISCSI disk.',
    fields: [
      { json: 'targetPortal', proto: 1, type: 'string', keepZero: true, required: true, description: 'targetPortal is iSCSI Target Portal.' },
      { json: 'iqn', proto: 2, type: 'string', keepZero: true, required: true, description: 'iqn is Target iSCSI Qualified Name.' },
      { json: 'lun', proto: 3, type: 'int32', keepZero: true, required: true, description: 'lun is iSCSI Target Lun number.' },
      { json: 'iscsiInterface', proto: 4, type: 'string', description: 'iscsiInterface is the interface Name that uses an iSCSI transport.' },
      { json: 'fsType', proto: 5, type: 'string', description: 'fsType is the filesystem type of the volume that you want to mount.' },
      { json: 'readOnly', proto: 6, type: 'bool', description: 'readOnly here will force the ReadOnly setting in VolumeMounts.' },
      { json: 'portals', proto: 7, type: 'string', list: true, listType: 'atomic', description: 'portals is the iSCSI Target Portal List.' },
      { json: 'chapAuthDiscovery', proto: 8, type: 'bool', description: 'chapAuthDiscovery defines whether support iSCSI Discovery CHAP authentication' },
      { json: 'chapAuthSession', proto: 11, type: 'bool', description: 'chapAuthSession defines whether support iSCSI Session CHAP authentication' },
      { json: 'secretRef', proto: 10, type: core('SecretReference'), description: 'secretRef is the CHAP Secret for iSCSI target and initiator authentication' },
      { json: 'initiatorName', proto: 12, type: 'string', keepZero: true, description: 'initiatorName is the custom iSCSI Initiator Name.' },
    ],
  },
  {
    name: core('RBDPersistentVolumeSource'),
    description: 'Represents a Rados Block Device mount that lasts the lifetime of a pod.',
    fields: [
      { json: 'monitors', proto: 1, type: 'string', list: true, listType: 'atomic', required: true, description: 'monitors is a collection of Ceph monitors.' },
      { json: 'image', proto: 2, type: 'string', keepZero: true, required: true, description: 'image is the rados image name.' },
      { json: 'fsType', proto: 3, type: 'string', description: 'fsType is the filesystem type of the volume that you want to mount.' },
      { json: 'pool', proto: 4, type: 'string', description: 'pool is the rados pool name.' },
      { json: 'user', proto: 5, type: 'string', description: 'user is the rados user name.' },
      { json: 'keyring', proto: 6, type: 'string', description: 'keyring is the path to key ring for RBDUser.' },
      { json: 'secretRef', proto: 7, type: core('SecretReference'), description: 'secretRef is name of the authentication secret for RBDUser.' },
      { json: 'readOnly', proto: 8, type: 'bool', description: 'readOnly here will force the ReadOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: core('ScaleIOPersistentVolumeSource'),
    description: 'ScaleIOPersistentVolumeSource represents a persistent ScaleIO volume',
    fields: [
      { json: 'gateway', proto: 1, type: 'string', keepZero: true, required: true, description: 'gateway is the host address of the ScaleIO API Gateway.' },
      { json: 'system', proto: 2, type: 'string', keepZero: true, required: true, description: 'system is the name of the storage system as configured in ScaleIO.' },
      { json: 'secretRef', proto: 3, type: core('SecretReference'), keepZero: true, required: true, description: 'secretRef references to the secret for ScaleIO user and other sensitive information.' },
      { json: 'sslEnabled', proto: 4, type: 'bool', description: 'sslEnabled is the flag to enable/disable SSL communication with Gateway, default false' },
      { json: 'protectionDomain', proto: 5, type: 'string', description: 'protectionDomain is the name of the ScaleIO Protection Domain for the configured storage.' },
      { json: 'storagePool', proto: 6, type: 'string', description: 'storagePool is the ScaleIO Storage Pool associated with the protection domain.' },
      { json: 'storageMode', proto: 7, type: 'string', description: 'storageMode indicates whether the storage for a volume should be ThickProvisioned or ThinProvisioned.' },
      { json: 'volumeName', proto: 8, type: 'string', description: 'volumeName is the name of a volume already created in the ScaleIO system that is associated with this volume source.' },
      { json: 'fsType', proto: 9, type: 'string', description: 'fsType is the filesystem type to mount.' },
      { json: 'readOnly', proto: 10, type: 'bool', description: 'readOnly defaults to false (read/write).' },
    ],
  },
  {
    name: core('StorageOSPersistentVolumeSource'),
    description: 'Represents a StorageOS persistent volume resource.',
    fields: [
      { json: 'volumeName', proto: 1, type: 'string', description: 'volumeName is the human-readable name of the StorageOS volume.' },
      { json: 'volumeNamespace', proto: 2, type: 'string', description: 'volumeNamespace specifies the scope of the volume within StorageOS.' },
      { json: 'fsType', proto: 3, type: 'string', description: 'fsType is the filesystem type to mount.' },
      { json: 'readOnly', proto: 4, type: 'bool', description: 'readOnly defaults to false (read/write).' },
      { json: 'secretRef', proto: 5, type: core('ObjectReference'), description: 'secretRef specifies the secret to use for obtaining the StorageOS API credentials.' },
    ],
  },
];
