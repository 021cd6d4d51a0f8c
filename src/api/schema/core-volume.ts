// core/v1 volumes: Volume and every VolumeSource of v1.32 (in-tree sources included, since
// old manifests still carry them), projections, and the PersistentVolumeClaim spec that
// ephemeral volumes embed.
// Field numbers from kubernetes/kubernetes staging/src/k8s.io/api/core/v1/generated.proto.

import { inlineField } from './core-inline.js';
import type { TypeDef } from './types.js';

export const CORE_V1_VOLUME_TYPES: TypeDef[] = [
  {
    name: 'io.k8s.api.core.v1.AWSElasticBlockStoreVolumeSource',
    description: 'Represents a Persistent Disk resource in AWS.',
    fields: [
      { json: 'volumeID', proto: 1, type: 'string', keepZero: true, required: true, description: 'volumeID is unique ID of the persistent disk resource in AWS (Amazon EBS volume).' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fsType is the filesystem type of the volume that you want to mount.' },
      { json: 'partition', proto: 3, type: 'int32', description: 'partition is the partition in the volume that you want to mount.' },
      { json: 'readOnly', proto: 4, type: 'bool', description: 'readOnly value true will force the readOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.AzureDiskVolumeSource',
    description: 'AzureDisk represents an Azure Data Disk mount on the host and bind mount to the pod.',
    fields: [
      { json: 'diskName', proto: 1, type: 'string', keepZero: true, required: true, description: 'diskName is the Name of the data disk in the blob storage' },
      { json: 'diskURI', proto: 2, type: 'string', keepZero: true, required: true, description: 'diskURI is the URI of data disk in the blob storage' },
      { json: 'cachingMode', proto: 3, type: 'string', keepZero: true, enum: ['None', 'ReadOnly', 'ReadWrite'], description: 'cachingMode is the Host Caching mode: None, Read Only, Read Write.' },
      { json: 'fsType', proto: 4, type: 'string', keepZero: true, description: 'fsType is Filesystem type to mount.' },
      { json: 'readOnly', proto: 5, type: 'bool', keepZero: true, description: 'readOnly Defaults to false (read/write).' },
      { json: 'kind', proto: 6, type: 'string', keepZero: true, enum: ['Dedicated', 'Managed', 'Shared'], description: 'kind expected values are Shared: multiple blob disks per storage account Dedicated: single blob disk per storage account Managed: azure managed data disk (only in managed availability set).' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.AzureFileVolumeSource',
    description: 'AzureFile represents an Azure File Service mount on the host and bind mount to the pod.',
    fields: [
      { json: 'secretName', proto: 1, type: 'string', keepZero: true, required: true, description: 'secretName is the name of secret that contains Azure Storage Account Name and Key' },
      { json: 'shareName', proto: 2, type: 'string', keepZero: true, required: true, description: 'shareName is the azure share Name' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly defaults to false (read/write).' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.CSIVolumeSource',
    description: 'Represents a source location of a volume to mount, managed by an external CSI driver',
    fields: [
      { json: 'driver', proto: 1, type: 'string', keepZero: true, required: true, description: 'driver is the name of the CSI driver that handles this volume.' },
      { json: 'readOnly', proto: 2, type: 'bool', keepZero: true, description: 'readOnly specifies a read-only configuration for the volume.' },
      { json: 'fsType', proto: 3, type: 'string', keepZero: true, description: 'fsType to mount.' },
      { json: 'volumeAttributes', proto: 4, type: 'string', map: true, description: 'volumeAttributes stores driver-specific properties that are passed to the CSI driver.' },
      { json: 'nodePublishSecretRef', proto: 5, type: 'io.k8s.api.core.v1.LocalObjectReference', description: 'nodePublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodePublishVolume and NodeUnpublishVolume calls.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.CephFSVolumeSource',
    description: 'Represents a Ceph Filesystem mount that lasts the lifetime of a pod Cephfs volumes do not support ownership management or SELinux relabeling.',
    fields: [
      { json: 'monitors', proto: 1, type: 'string', list: true, listType: 'atomic', required: true, description: 'monitors is Required: Monitors is a collection of Ceph monitors' },
      { json: 'path', proto: 2, type: 'string', description: 'path is Optional: Used as the mounted root, rather than the full Ceph tree, default is /' },
      { json: 'user', proto: 3, type: 'string', description: 'user is optional: User is the rados user name, default is admin' },
      { json: 'secretFile', proto: 4, type: 'string', description: 'secretFile is Optional: SecretFile is the path to key ring for User, default is /etc/ceph/user.secret' },
      { json: 'secretRef', proto: 5, type: 'io.k8s.api.core.v1.LocalObjectReference', description: 'secretRef is Optional: SecretRef is reference to the authentication secret for User, default is empty.' },
      { json: 'readOnly', proto: 6, type: 'bool', description: 'readOnly is Optional: Defaults to false (read/write).' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.CinderVolumeSource',
    description: 'Represents a cinder volume resource in Openstack.',
    fields: [
      { json: 'volumeID', proto: 1, type: 'string', keepZero: true, required: true, description: 'volumeID used to identify the volume in cinder.' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fsType is the filesystem type to mount.' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly defaults to false (read/write).' },
      { json: 'secretRef', proto: 4, type: 'io.k8s.api.core.v1.LocalObjectReference', description: 'secretRef is optional: points to a secret object containing parameters used to connect to OpenStack.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ClusterTrustBundleProjection',
    description: 'ClusterTrustBundleProjection describes how to select a set of ClusterTrustBundle objects and project their contents into the pod filesystem.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, description: 'Select a single ClusterTrustBundle by object name.' },
      { json: 'signerName', proto: 2, type: 'string', keepZero: true, description: 'Select all ClusterTrustBundles that match this signer name.' },
      { json: 'labelSelector', proto: 3, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', description: 'Select all ClusterTrustBundles that match this label selector.' },
      { json: 'optional', proto: 5, type: 'bool', keepZero: true, description: "If true, don't block pod startup if the referenced ClusterTrustBundle(s) aren't available." },
      { json: 'path', proto: 4, type: 'string', keepZero: true, required: true, description: 'Relative path from the volume root to write the bundle.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMapProjection',
    description: 'Adapts a ConfigMap into a projected volume.',
    fields: [
      inlineField({ json: 'localObjectReference', proto: 1, type: 'io.k8s.api.core.v1.LocalObjectReference' }),
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.KeyToPath', list: true, listType: 'atomic', description: 'items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.' },
      { json: 'optional', proto: 4, type: 'bool', keepZero: true, description: 'optional specify whether the ConfigMap or its keys must be defined' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMapVolumeSource',
    description: 'Adapts a ConfigMap into a volume.',
    fields: [
      inlineField({ json: 'localObjectReference', proto: 1, type: 'io.k8s.api.core.v1.LocalObjectReference' }),
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.KeyToPath', list: true, listType: 'atomic', description: 'items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.' },
      { json: 'defaultMode', proto: 3, type: 'int32', keepZero: true, description: 'defaultMode is optional: mode bits used to set permissions on created files by default.' },
      { json: 'optional', proto: 4, type: 'bool', keepZero: true, description: 'optional specify whether the ConfigMap or its keys must be defined' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.DownwardAPIProjection',
    description: 'Represents downward API info for projecting into a projected volume.',
    fields: [
      { json: 'items', proto: 1, type: 'io.k8s.api.core.v1.DownwardAPIVolumeFile', list: true, listType: 'atomic', description: 'Items is a list of DownwardAPIVolume file' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.DownwardAPIVolumeFile',
    description: 'DownwardAPIVolumeFile represents information to create the file containing the pod field',
    fields: [
      { json: 'path', proto: 1, type: 'string', keepZero: true, required: true, description: 'Required: Path is the relative path name of the file to be created.' },
      { json: 'fieldRef', proto: 2, type: 'io.k8s.api.core.v1.ObjectFieldSelector', description: 'Required: Selects a field of the pod: only annotations, labels, name, namespace and uid are supported.' },
      { json: 'resourceFieldRef', proto: 3, type: 'io.k8s.api.core.v1.ResourceFieldSelector', description: 'Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, requests.cpu and requests.memory) are currently supported.' },
      { json: 'mode', proto: 4, type: 'int32', keepZero: true, description: 'Optional: mode bits used to set permissions on this file, must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.DownwardAPIVolumeSource',
    description: 'DownwardAPIVolumeSource represents a volume containing downward API info.',
    fields: [
      { json: 'items', proto: 1, type: 'io.k8s.api.core.v1.DownwardAPIVolumeFile', list: true, listType: 'atomic', description: 'Items is a list of downward API volume file' },
      { json: 'defaultMode', proto: 2, type: 'int32', keepZero: true, description: 'Optional: mode bits to use on created files by default.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EmptyDirVolumeSource',
    description: 'Represents an empty directory for a pod.',
    fields: [
      { json: 'medium', proto: 1, type: 'string', description: 'medium represents what type of storage medium should back this directory.' },
      { json: 'sizeLimit', proto: 2, type: 'Quantity', description: 'sizeLimit is the total amount of local storage required for this EmptyDir volume.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EphemeralVolumeSource',
    description: 'Represents an ephemeral volume that is handled by a normal storage driver.',
    fields: [
      { json: 'volumeClaimTemplate', proto: 1, type: 'io.k8s.api.core.v1.PersistentVolumeClaimTemplate', description: 'Will be used to create a stand-alone PVC to provision the volume.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.FCVolumeSource',
    description: 'Represents a Fibre Channel volume.',
    fields: [
      { json: 'targetWWNs', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'targetWWNs is Optional: FC target worldwide names (WWNs)' },
      { json: 'lun', proto: 2, type: 'int32', keepZero: true, description: 'lun is Optional: FC target lun number' },
      { json: 'fsType', proto: 3, type: 'string', description: 'fsType is the filesystem type to mount.' },
      { json: 'readOnly', proto: 4, type: 'bool', description: 'readOnly is Optional: Defaults to false (read/write).' },
      { json: 'wwids', proto: 5, type: 'string', list: true, listType: 'atomic', description: 'wwids Optional: FC volume world wide identifiers (wwids) Either wwids or combination of targetWWNs and lun must be set, but not both simultaneously.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.FlexVolumeSource',
    description: 'FlexVolume represents a generic volume resource that is provisioned/attached using an exec based plugin.',
    fields: [
      { json: 'driver', proto: 1, type: 'string', keepZero: true, required: true, description: 'driver is the name of the driver to use for this volume.' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fsType is the filesystem type to mount.' },
      { json: 'secretRef', proto: 3, type: 'io.k8s.api.core.v1.LocalObjectReference', description: 'secretRef is Optional: secretRef is reference to the secret object containing sensitive information to pass to the plugin scripts.' },
      { json: 'readOnly', proto: 4, type: 'bool', description: 'readOnly is Optional: defaults to false (read/write).' },
      { json: 'options', proto: 5, type: 'string', map: true, description: 'options is Optional: this field holds extra command options if any.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.FlockerVolumeSource',
    description: 'Represents a Flocker volume mounted by the Flocker agent.',
    fields: [
      { json: 'datasetName', proto: 1, type: 'string', description: 'datasetName is Name of the dataset stored as metadata -> name on the dataset for Flocker should be considered as deprecated' },
      { json: 'datasetUUID', proto: 2, type: 'string', description: 'datasetUUID is the UUID of the dataset.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.GCEPersistentDiskVolumeSource',
    description: 'Represents a Persistent Disk resource in Google Compute Engine.',
    fields: [
      { json: 'pdName', proto: 1, type: 'string', keepZero: true, required: true, description: 'pdName is unique name of the PD resource in GCE.' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fsType is filesystem type of the volume that you want to mount.' },
      { json: 'partition', proto: 3, type: 'int32', description: 'partition is the partition in the volume that you want to mount.' },
      { json: 'readOnly', proto: 4, type: 'bool', description: 'readOnly here will force the ReadOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.GitRepoVolumeSource',
    description: 'Represents a volume that is populated with the contents of a git repository.',
    fields: [
      { json: 'repository', proto: 1, type: 'string', keepZero: true, required: true, description: 'repository is the URL' },
      { json: 'revision', proto: 2, type: 'string', description: 'revision is the commit hash for the specified revision.' },
      { json: 'directory', proto: 3, type: 'string', description: 'directory is the target directory name.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.GlusterfsVolumeSource',
    description: 'Represents a Glusterfs mount that lasts the lifetime of a pod.',
    fields: [
      { json: 'endpoints', proto: 1, type: 'string', keepZero: true, required: true, description: 'endpoints is the endpoint name that details Glusterfs topology.' },
      { json: 'path', proto: 2, type: 'string', keepZero: true, required: true, description: 'path is the Glusterfs volume path.' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly here will force the Glusterfs volume to be mounted with read-only permissions.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.HostPathVolumeSource',
    description: 'Represents a host path mapped into a pod.',
    fields: [
      { json: 'path', proto: 1, type: 'string', keepZero: true, required: true, description: 'path of the directory on the host.' },
      { json: 'type', proto: 2, type: 'string', keepZero: true, enum: ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'], description: 'type for HostPath Volume Defaults to ""' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ISCSIVolumeSource',
    description: 'Represents an ISCSI disk.',
    fields: [
      { json: 'targetPortal', proto: 1, type: 'string', keepZero: true, required: true, description: 'targetPortal is iSCSI Target Portal.' },
      { json: 'iqn', proto: 2, type: 'string', keepZero: true, required: true, description: 'iqn is the target iSCSI Qualified Name.' },
      { json: 'lun', proto: 3, type: 'int32', keepZero: true, required: true, description: 'lun represents iSCSI Target Lun number.' },
      { json: 'iscsiInterface', proto: 4, type: 'string', description: 'iscsiInterface is the interface Name that uses an iSCSI transport.' },
      { json: 'fsType', proto: 5, type: 'string', description: 'fsType is the filesystem type of the volume that you want to mount.' },
      { json: 'readOnly', proto: 6, type: 'bool', description: 'readOnly here will force the ReadOnly setting in VolumeMounts.' },
      { json: 'portals', proto: 7, type: 'string', list: true, listType: 'atomic', description: 'portals is the iSCSI Target Portal List.' },
      { json: 'chapAuthDiscovery', proto: 8, type: 'bool', description: 'chapAuthDiscovery defines whether support iSCSI Discovery CHAP authentication' },
      { json: 'chapAuthSession', proto: 11, type: 'bool', description: 'chapAuthSession defines whether support iSCSI Session CHAP authentication' },
      { json: 'secretRef', proto: 10, type: 'io.k8s.api.core.v1.LocalObjectReference', description: 'secretRef is the CHAP Secret for iSCSI target and initiator authentication' },
      { json: 'initiatorName', proto: 12, type: 'string', keepZero: true, description: 'initiatorName is the custom iSCSI Initiator Name.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ImageVolumeSource',
    description: 'ImageVolumeSource represents a image volume resource.',
    fields: [
      { json: 'reference', proto: 1, type: 'string', description: 'Required: Image or artifact reference to be used.' },
      { json: 'pullPolicy', proto: 2, type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], description: 'Policy for pulling OCI objects.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.KeyToPath',
    description: 'Maps a string key to a path within a volume.',
    fields: [
      { json: 'key', proto: 1, type: 'string', keepZero: true, required: true, description: 'key is the key to project.' },
      { json: 'path', proto: 2, type: 'string', keepZero: true, required: true, description: 'path is the relative path of the file to map the key to.' },
      { json: 'mode', proto: 3, type: 'int32', keepZero: true, description: 'mode is Optional: mode bits used to set permissions on this file.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NFSVolumeSource',
    description: 'Represents an NFS mount that lasts the lifetime of a pod.',
    fields: [
      { json: 'server', proto: 1, type: 'string', keepZero: true, required: true, description: 'server is the hostname or IP address of the NFS server.' },
      { json: 'path', proto: 2, type: 'string', keepZero: true, required: true, description: 'path that is exported by the NFS server.' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly here will force the NFS export to be mounted with read-only permissions.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PersistentVolumeClaimSpec',
    description: 'PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes',
    fields: [
      { json: 'accessModes', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'accessModes contains the desired access modes the volume should have.' },
      { json: 'selector', proto: 4, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', description: 'selector is a label query over volumes to consider for binding.' },
      { json: 'resources', proto: 2, type: 'io.k8s.api.core.v1.VolumeResourceRequirements', description: 'resources represents the minimum resources the volume should have.' },
      { json: 'volumeName', proto: 3, type: 'string', description: 'volumeName is the binding reference to the PersistentVolume backing this claim.' },
      { json: 'storageClassName', proto: 5, type: 'string', keepZero: true, description: 'storageClassName is the name of the StorageClass required by the claim.' },
      { json: 'volumeMode', proto: 6, type: 'string', keepZero: true, enum: ['Block', 'Filesystem'], description: 'volumeMode defines what type of volume is required by the claim.' },
      { json: 'dataSource', proto: 7, type: 'io.k8s.api.core.v1.TypedLocalObjectReference', description: 'dataSource field can be used to specify either: * An existing VolumeSnapshot object (snapshot.storage.k8s.io/VolumeSnapshot) * An existing PVC (PersistentVolumeClaim) If the provisioner or an external controller can support the specified data source, it will create a new volume based on the contents of the specified data source.' },
      { json: 'dataSourceRef', proto: 8, type: 'io.k8s.api.core.v1.TypedObjectReference', description: 'dataSourceRef specifies the object from which to populate the volume with data, if a non-empty volume is desired.' },
      { json: 'volumeAttributesClassName', proto: 9, type: 'string', keepZero: true, description: 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PersistentVolumeClaimTemplate',
    description: 'PersistentVolumeClaimTemplate is used to produce PersistentVolumeClaim objects as part of an EphemeralVolumeSource.',
    fields: [
      { json: 'metadata', proto: 1, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: 'May contain labels and annotations that will be copied into the PVC when creating it.' },
      { json: 'spec', proto: 2, type: 'io.k8s.api.core.v1.PersistentVolumeClaimSpec', required: true, description: 'The specification for the PersistentVolumeClaim.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource',
    description: "PersistentVolumeClaimVolumeSource references the user's PVC in the same namespace.",
    fields: [
      { json: 'claimName', proto: 1, type: 'string', keepZero: true, required: true, description: 'claimName is the name of a PersistentVolumeClaim in the same namespace as the pod using this volume.' },
      { json: 'readOnly', proto: 2, type: 'bool', description: 'readOnly Will force the ReadOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PhotonPersistentDiskVolumeSource',
    description: 'Represents a Photon Controller persistent disk resource.',
    fields: [
      { json: 'pdID', proto: 1, type: 'string', keepZero: true, required: true, description: 'pdID is the ID that identifies Photon Controller persistent disk' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fsType is the filesystem type to mount.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PortworxVolumeSource',
    description: 'PortworxVolumeSource represents a Portworx volume resource.',
    fields: [
      { json: 'volumeID', proto: 1, type: 'string', keepZero: true, required: true, description: 'volumeID uniquely identifies a Portworx volume' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fSType represents the filesystem type to mount Must be a filesystem type supported by the host operating system.' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly defaults to false (read/write).' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ProjectedVolumeSource',
    description: 'Represents a projected volume source',
    fields: [
      { json: 'sources', proto: 1, type: 'io.k8s.api.core.v1.VolumeProjection', list: true, listType: 'atomic', description: 'sources is the list of volume projections' },
      { json: 'defaultMode', proto: 2, type: 'int32', keepZero: true, description: 'defaultMode are the mode bits used to set permissions on created files by default.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.QuobyteVolumeSource',
    description: 'Represents a Quobyte mount that lasts the lifetime of a pod.',
    fields: [
      { json: 'registry', proto: 1, type: 'string', keepZero: true, required: true, description: 'registry represents a single or multiple Quobyte Registry services specified as a string as host:port pair (multiple entries are separated with commas) which acts as the central registry for volumes' },
      { json: 'volume', proto: 2, type: 'string', keepZero: true, required: true, description: 'volume is a string that references an already created Quobyte volume by name.' },
      { json: 'readOnly', proto: 3, type: 'bool', description: 'readOnly here will force the Quobyte volume to be mounted with read-only permissions.' },
      { json: 'user', proto: 4, type: 'string', description: 'user to map volume access to Defaults to serivceaccount user' },
      { json: 'group', proto: 5, type: 'string', description: 'group to map volume access to Default is no group' },
      { json: 'tenant', proto: 6, type: 'string', description: 'tenant owning the given Quobyte volume in the Backend Used with dynamically provisioned Quobyte volumes, value is set by the plugin' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.RBDVolumeSource',
    description: 'Represents a Rados Block Device mount that lasts the lifetime of a pod.',
    fields: [
      { json: 'monitors', proto: 1, type: 'string', list: true, listType: 'atomic', required: true, description: 'monitors is a collection of Ceph monitors.' },
      { json: 'image', proto: 2, type: 'string', keepZero: true, required: true, description: 'image is the rados image name.' },
      { json: 'fsType', proto: 3, type: 'string', description: 'fsType is the filesystem type of the volume that you want to mount.' },
      { json: 'pool', proto: 4, type: 'string', description: 'pool is the rados pool name.' },
      { json: 'user', proto: 5, type: 'string', description: 'user is the rados user name.' },
      { json: 'keyring', proto: 6, type: 'string', description: 'keyring is the path to key ring for RBDUser.' },
      { json: 'secretRef', proto: 7, type: 'io.k8s.api.core.v1.LocalObjectReference', description: 'secretRef is name of the authentication secret for RBDUser.' },
      { json: 'readOnly', proto: 8, type: 'bool', description: 'readOnly here will force the ReadOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ScaleIOVolumeSource',
    description: 'ScaleIOVolumeSource represents a persistent ScaleIO volume',
    fields: [
      { json: 'gateway', proto: 1, type: 'string', keepZero: true, required: true, description: 'gateway is the host address of the ScaleIO API Gateway.' },
      { json: 'system', proto: 2, type: 'string', keepZero: true, required: true, description: 'system is the name of the storage system as configured in ScaleIO.' },
      { json: 'secretRef', proto: 3, type: 'io.k8s.api.core.v1.LocalObjectReference', required: true, description: 'secretRef references to the secret for ScaleIO user and other sensitive information.' },
      { json: 'sslEnabled', proto: 4, type: 'bool', description: 'sslEnabled Flag enable/disable SSL communication with Gateway, default false' },
      { json: 'protectionDomain', proto: 5, type: 'string', description: 'protectionDomain is the name of the ScaleIO Protection Domain for the configured storage.' },
      { json: 'storagePool', proto: 6, type: 'string', description: 'storagePool is the ScaleIO Storage Pool associated with the protection domain.' },
      { json: 'storageMode', proto: 7, type: 'string', description: 'storageMode indicates whether the storage for a volume should be ThickProvisioned or ThinProvisioned.' },
      { json: 'volumeName', proto: 8, type: 'string', description: 'volumeName is the name of a volume already created in the ScaleIO system that is associated with this volume source.' },
      { json: 'fsType', proto: 9, type: 'string', description: 'fsType is the filesystem type to mount.' },
      { json: 'readOnly', proto: 10, type: 'bool', description: 'readOnly Defaults to false (read/write).' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SecretProjection',
    description: 'Adapts a secret into a projected volume.',
    fields: [
      inlineField({ json: 'localObjectReference', proto: 1, type: 'io.k8s.api.core.v1.LocalObjectReference' }),
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.KeyToPath', list: true, listType: 'atomic', description: 'items if unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.' },
      { json: 'optional', proto: 4, type: 'bool', keepZero: true, description: 'optional field specify whether the Secret or its key must be defined' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SecretVolumeSource',
    description: 'Adapts a Secret into a volume.',
    fields: [
      { json: 'secretName', proto: 1, type: 'string', description: "secretName is the name of the secret in the pod's namespace to use." },
      { json: 'items', proto: 2, type: 'io.k8s.api.core.v1.KeyToPath', list: true, listType: 'atomic', description: 'items If unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.' },
      { json: 'defaultMode', proto: 3, type: 'int32', keepZero: true, description: 'defaultMode is Optional: mode bits used to set permissions on created files by default.' },
      { json: 'optional', proto: 4, type: 'bool', keepZero: true, description: 'optional field specify whether the Secret or its keys must be defined' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServiceAccountTokenProjection',
    description: 'ServiceAccountTokenProjection represents a projected service account token volume.',
    fields: [
      { json: 'audience', proto: 1, type: 'string', description: 'audience is the intended audience of the token.' },
      { json: 'expirationSeconds', proto: 2, type: 'int64', keepZero: true, description: 'expirationSeconds is the requested duration of validity of the service account token.' },
      { json: 'path', proto: 3, type: 'string', keepZero: true, required: true, description: 'path is the path relative to the mount point of the file to project the token into.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.StorageOSVolumeSource',
    description: 'Represents a StorageOS persistent volume resource.',
    fields: [
      { json: 'volumeName', proto: 1, type: 'string', description: 'volumeName is the human-readable name of the StorageOS volume.' },
      { json: 'volumeNamespace', proto: 2, type: 'string', description: 'volumeNamespace specifies the scope of the volume within StorageOS.' },
      { json: 'fsType', proto: 3, type: 'string', description: 'fsType is the filesystem type to mount.' },
      { json: 'readOnly', proto: 4, type: 'bool', description: 'readOnly defaults to false (read/write).' },
      { json: 'secretRef', proto: 5, type: 'io.k8s.api.core.v1.LocalObjectReference', description: 'secretRef specifies the secret to use for obtaining the StorageOS API credentials.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.TypedLocalObjectReference',
    description: 'TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.',
    fields: [
      { json: 'apiGroup', proto: 1, type: 'string', keepZero: true, description: 'APIGroup is the group for the resource being referenced.' },
      { json: 'kind', proto: 2, type: 'string', keepZero: true, required: true, description: 'Kind is the type of resource being referenced' },
      { json: 'name', proto: 3, type: 'string', keepZero: true, required: true, description: 'Name is the name of resource being referenced' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.TypedObjectReference',
    description: 'TypedObjectReference contains enough information to let you locate the typed referenced object',
    fields: [
      { json: 'apiGroup', proto: 1, type: 'string', keepZero: true, description: 'APIGroup is the group for the resource being referenced.' },
      { json: 'kind', proto: 2, type: 'string', keepZero: true, required: true, description: 'Kind is the type of resource being referenced' },
      { json: 'name', proto: 3, type: 'string', keepZero: true, required: true, description: 'Name is the name of resource being referenced' },
      { json: 'namespace', proto: 4, type: 'string', keepZero: true, description: "Namespace is the namespace of resource being referenced Note that when a namespace is specified, a gateway.networking.k8s.io/ReferenceGrant object is required in the referent namespace to allow that namespace's owner to accept the reference." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.Volume',
    description: 'Volume represents a named volume in a pod that may be accessed by any container in the pod.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'name of the volume.' },
      inlineField({ json: 'volumeSource', proto: 2, type: 'io.k8s.api.core.v1.VolumeSource' }),
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeProjection',
    description: 'Projection that may be projected along with other supported volume types',
    fields: [
      { json: 'secret', proto: 1, type: 'io.k8s.api.core.v1.SecretProjection', description: 'secret information about the secret data to project' },
      { json: 'downwardAPI', proto: 2, type: 'io.k8s.api.core.v1.DownwardAPIProjection', description: 'downwardAPI information about the downwardAPI data to project' },
      { json: 'configMap', proto: 3, type: 'io.k8s.api.core.v1.ConfigMapProjection', description: 'configMap information about the configMap data to project' },
      { json: 'serviceAccountToken', proto: 4, type: 'io.k8s.api.core.v1.ServiceAccountTokenProjection', description: 'serviceAccountToken is information about the serviceAccountToken data to project' },
      { json: 'clusterTrustBundle', proto: 5, type: 'io.k8s.api.core.v1.ClusterTrustBundleProjection', description: 'ClusterTrustBundle allows a pod to access the `.spec.trustBundle` field of ClusterTrustBundle objects in an auto-updating file.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeResourceRequirements',
    description: 'VolumeResourceRequirements describes the storage resource requirements for a volume.',
    fields: [
      { json: 'limits', proto: 1, type: 'Quantity', map: true, description: 'Limits describes the maximum amount of compute resources allowed.' },
      { json: 'requests', proto: 2, type: 'Quantity', map: true, description: 'Requests describes the minimum amount of compute resources required.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeSource',
    description: 'Volume represents a named volume in a pod that may be accessed by any container in the pod.',
    fields: [
      { json: 'hostPath', proto: 1, type: 'io.k8s.api.core.v1.HostPathVolumeSource', description: 'hostPath represents a pre-existing file or directory on the host machine that is directly exposed to the container.' },
      { json: 'emptyDir', proto: 2, type: 'io.k8s.api.core.v1.EmptyDirVolumeSource', description: "emptyDir represents a temporary directory that shares a pod's lifetime." },
      { json: 'gcePersistentDisk', proto: 3, type: 'io.k8s.api.core.v1.GCEPersistentDiskVolumeSource', description: "gcePersistentDisk represents a GCE Disk resource that is attached to a kubelet's host machine and then exposed to the pod." },
      { json: 'awsElasticBlockStore', proto: 4, type: 'io.k8s.api.core.v1.AWSElasticBlockStoreVolumeSource', description: "awsElasticBlockStore represents an AWS Disk resource that is attached to a kubelet's host machine and then exposed to the pod." },
      { json: 'gitRepo', proto: 5, type: 'io.k8s.api.core.v1.GitRepoVolumeSource', description: 'gitRepo represents a git repository at a particular revision.' },
      { json: 'secret', proto: 6, type: 'io.k8s.api.core.v1.SecretVolumeSource', description: 'secret represents a secret that should populate this volume.' },
      { json: 'nfs', proto: 7, type: 'io.k8s.api.core.v1.NFSVolumeSource', description: "nfs represents an NFS mount on the host that shares a pod's lifetime" },
      { json: 'iscsi', proto: 8, type: 'io.k8s.api.core.v1.ISCSIVolumeSource', description: "iscsi represents an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod." },
      { json: 'glusterfs', proto: 9, type: 'io.k8s.api.core.v1.GlusterfsVolumeSource', description: "glusterfs represents a Glusterfs mount on the host that shares a pod's lifetime." },
      { json: 'persistentVolumeClaim', proto: 10, type: 'io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource', description: 'persistentVolumeClaimVolumeSource represents a reference to a PersistentVolumeClaim in the same namespace.' },
      { json: 'rbd', proto: 11, type: 'io.k8s.api.core.v1.RBDVolumeSource', description: "rbd represents a Rados Block Device mount on the host that shares a pod's lifetime." },
      { json: 'flexVolume', proto: 12, type: 'io.k8s.api.core.v1.FlexVolumeSource', description: 'flexVolume represents a generic volume resource that is provisioned/attached using an exec based plugin.' },
      { json: 'cinder', proto: 13, type: 'io.k8s.api.core.v1.CinderVolumeSource', description: 'cinder represents a cinder volume attached and mounted on kubelets host machine.' },
      { json: 'cephfs', proto: 14, type: 'io.k8s.api.core.v1.CephFSVolumeSource', description: "cephFS represents a Ceph FS mount on the host that shares a pod's lifetime" },
      { json: 'flocker', proto: 15, type: 'io.k8s.api.core.v1.FlockerVolumeSource', description: "flocker represents a Flocker volume attached to a kubelet's host machine." },
      { json: 'downwardAPI', proto: 16, type: 'io.k8s.api.core.v1.DownwardAPIVolumeSource', description: 'downwardAPI represents downward API about the pod that should populate this volume' },
      { json: 'fc', proto: 17, type: 'io.k8s.api.core.v1.FCVolumeSource', description: "fc represents a Fibre Channel resource that is attached to a kubelet's host machine and then exposed to the pod." },
      { json: 'azureFile', proto: 18, type: 'io.k8s.api.core.v1.AzureFileVolumeSource', description: 'azureFile represents an Azure File Service mount on the host and bind mount to the pod.' },
      { json: 'configMap', proto: 19, type: 'io.k8s.api.core.v1.ConfigMapVolumeSource', description: 'configMap represents a configMap that should populate this volume' },
      { json: 'vsphereVolume', proto: 20, type: 'io.k8s.api.core.v1.VsphereVirtualDiskVolumeSource', description: 'vsphereVolume represents a vSphere volume attached and mounted on kubelets host machine' },
      { json: 'quobyte', proto: 21, type: 'io.k8s.api.core.v1.QuobyteVolumeSource', description: "quobyte represents a Quobyte mount on the host that shares a pod's lifetime" },
      { json: 'azureDisk', proto: 22, type: 'io.k8s.api.core.v1.AzureDiskVolumeSource', description: 'azureDisk represents an Azure Data Disk mount on the host and bind mount to the pod.' },
      { json: 'photonPersistentDisk', proto: 23, type: 'io.k8s.api.core.v1.PhotonPersistentDiskVolumeSource', description: 'photonPersistentDisk represents a PhotonController persistent disk attached and mounted on kubelets host machine' },
      { json: 'projected', proto: 26, type: 'io.k8s.api.core.v1.ProjectedVolumeSource', description: 'projected items for all in one resources secrets, configmaps, and downward API' },
      { json: 'portworxVolume', proto: 24, type: 'io.k8s.api.core.v1.PortworxVolumeSource', description: 'portworxVolume represents a portworx volume attached and mounted on kubelets host machine' },
      { json: 'scaleIO', proto: 25, type: 'io.k8s.api.core.v1.ScaleIOVolumeSource', description: 'scaleIO represents a ScaleIO persistent volume attached and mounted on Kubernetes nodes.' },
      { json: 'storageos', proto: 27, type: 'io.k8s.api.core.v1.StorageOSVolumeSource', description: 'storageOS represents a StorageOS volume attached and mounted on Kubernetes nodes.' },
      { json: 'csi', proto: 28, type: 'io.k8s.api.core.v1.CSIVolumeSource', description: 'csi (Container Storage Interface) represents ephemeral storage that is handled by certain external CSI drivers (Beta feature).' },
      { json: 'ephemeral', proto: 29, type: 'io.k8s.api.core.v1.EphemeralVolumeSource', description: 'ephemeral represents a volume that is handled by a cluster storage driver.' },
      { json: 'image', proto: 30, type: 'io.k8s.api.core.v1.ImageVolumeSource', description: "image represents an OCI object (a container image or artifact) pulled and mounted on the kubelet's host machine." },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VsphereVirtualDiskVolumeSource',
    description: 'Represents a vSphere volume resource.',
    fields: [
      { json: 'volumePath', proto: 1, type: 'string', keepZero: true, required: true, description: 'volumePath is the path that identifies vSphere volume vmdk' },
      { json: 'fsType', proto: 2, type: 'string', description: 'fsType is filesystem type to mount.' },
      { json: 'storagePolicyName', proto: 3, type: 'string', description: 'storagePolicyName is the storage Policy Based Management (SPBM) profile name.' },
      { json: 'storagePolicyID', proto: 4, type: 'string', description: 'storagePolicyID is the storage Policy Based Management (SPBM) profile ID associated with the StoragePolicyName.' },
    ],
  },
];
