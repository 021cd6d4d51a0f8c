// meta/v1 (k8s.io/apimachinery/pkg/apis/meta/v1): the object and list metadata every kind
// embeds, label selectors, conditions, Status and the request options bodies.
// Field numbers from apimachinery's meta/v1 generated.proto (v1.32); keepZero from the Go
// types' pointers and json tags without omitempty.

import type { TypeDef } from './types.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const meta = (name: string): string => `${META}.${name}`;

/**
 * Option kinds are registered in every group version (a DeleteOptions body may say
 * apiVersion "apps/v1" or "v1" as well as "meta.k8s.io/v1"); the registry falls back to
 * these entries by kind when a group version has no kind of that name.
 */
const optionsGVK = (kind: string) => [{ group: 'meta.k8s.io', version: 'v1', kind }, { group: '', version: 'v1', kind }];

export const META_TYPES: TypeDef[] = [
  {
    name: meta('ObjectMeta'),
    description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'Name must be unique within a namespace.' },
      { json: 'generateName', proto: 2, type: 'string', description: 'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.' },
      { json: 'namespace', proto: 3, type: 'string', description: 'Namespace defines the space within which each name must be unique.' },
      { json: 'selfLink', proto: 4, type: 'string', description: 'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.' },
      { json: 'uid', proto: 5, type: 'string', description: 'UID is the unique in time and space value for this object.' },
      { json: 'resourceVersion', proto: 6, type: 'string', description: 'An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed.' },
      { json: 'generation', proto: 7, type: 'int64', description: 'A sequence number representing a specific generation of the desired state.' },
      { json: 'creationTimestamp', proto: 8, type: 'Time', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
      { json: 'deletionTimestamp', proto: 9, type: 'Time', keepZero: true, description: 'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.' },
      { json: 'deletionGracePeriodSeconds', proto: 10, type: 'int64', keepZero: true, description: 'Number of seconds allowed for this object to gracefully terminate before it will be removed from the system.' },
      { json: 'labels', proto: 11, type: 'string', map: true, description: 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.' },
      { json: 'annotations', proto: 12, type: 'string', map: true, description: 'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.' },
      {
        json: 'ownerReferences', proto: 13, type: meta('OwnerReference'), list: true,
        mergeKey: 'uid', patchStrategy: 'merge', listType: 'map', listMapKeys: ['uid'],
        description: 'List of objects depended by this object.',
      },
      { json: 'finalizers', proto: 14, type: 'string', list: true, patchStrategy: 'merge', listType: 'set', description: 'Must be empty before the object is deleted from the registry.' },
      { json: 'managedFields', proto: 17, type: meta('ManagedFieldsEntry'), list: true, listType: 'atomic', description: 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.' },
    ],
  },
  {
    name: meta('ListMeta'),
    description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
    fields: [
      { json: 'selfLink', proto: 1, type: 'string', description: 'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.' },
      { json: 'resourceVersion', proto: 2, type: 'string', description: "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed." },
      { json: 'continue', proto: 3, type: 'string', description: 'continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available.' },
      { json: 'remainingItemCount', proto: 4, type: 'int64', keepZero: true, description: 'remainingItemCount is the number of subsequent items in the list which are not included in this list response.' },
    ],
  },
  {
    name: meta('LabelSelector'),
    description: 'A label selector is a label query over a set of resources.',
    fields: [
      { json: 'matchLabels', proto: 1, type: 'string', map: true, description: 'matchLabels is a map of {key,value} pairs.' },
      { json: 'matchExpressions', proto: 2, type: meta('LabelSelectorRequirement'), list: true, listType: 'atomic', description: 'matchExpressions is a list of label selector requirements.' },
    ],
  },
  {
    name: meta('LabelSelectorRequirement'),
    description: 'A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.',
    fields: [
      { json: 'key', proto: 1, type: 'string', keepZero: true, required: true, description: 'key is the label key that the selector applies to.' },
      { json: 'operator', proto: 2, type: 'string', keepZero: true, required: true, description: "operator represents a key's relationship to a set of values." },
      { json: 'values', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'values is an array of string values.' },
    ],
  },
  {
    name: meta('OwnerReference'),
    description: 'OwnerReference contains enough information to let you identify an owning object.',
    fields: [
      { json: 'apiVersion', proto: 5, type: 'string', keepZero: true, required: true, description: 'API version of the referent.' },
      { json: 'kind', proto: 1, type: 'string', keepZero: true, required: true, description: 'Kind of the referent.' },
      { json: 'name', proto: 3, type: 'string', keepZero: true, required: true, description: 'Name of the referent.' },
      { json: 'uid', proto: 4, type: 'string', keepZero: true, required: true, description: 'UID of the referent.' },
      { json: 'controller', proto: 6, type: 'bool', keepZero: true, description: 'If true, this reference points to the managing controller.' },
      { json: 'blockOwnerDeletion', proto: 7, type: 'bool', keepZero: true, description: 'If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.' },
    ],
  },
  {
    name: meta('ManagedFieldsEntry'),
    description: 'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
    fields: [
      { json: 'manager', proto: 1, type: 'string', description: 'Manager is an identifier of the workflow managing these fields.' },
      { json: 'operation', proto: 2, type: 'string', description: 'Operation is the type of operation which lead to this ManagedFieldsEntry being created.' },
      { json: 'apiVersion', proto: 3, type: 'string', description: 'APIVersion defines the version of this resource that this field set applies to.' },
      { json: 'time', proto: 4, type: 'Time', keepZero: true, description: 'Time is the timestamp of when the ManagedFields entry was added.' },
      { json: 'fieldsType', proto: 6, type: 'string', description: 'FieldsType is the discriminator for the different fields format and version.' },
      { json: 'fieldsV1', proto: 7, type: 'FieldsV1', keepZero: true, description: 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.' },
      { json: 'subresource', proto: 8, type: 'string', description: 'Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.' },
    ],
  },
  {
    name: meta('Condition'),
    description: 'Condition contains details for one aspect of the current state of this API Resource.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'type of condition in CamelCase or in foo.example.com/CamelCase.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'status of the condition, one of True, False, Unknown.' },
      { json: 'observedGeneration', proto: 3, type: 'int64', description: 'observedGeneration represents the .metadata.generation that the condition was set based upon.' },
      { json: 'lastTransitionTime', proto: 4, type: 'Time', keepZero: true, required: true, description: 'lastTransitionTime is the last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 5, type: 'string', keepZero: true, required: true, description: "reason contains a programmatic identifier indicating the reason for the condition's last transition." },
      { json: 'message', proto: 6, type: 'string', keepZero: true, required: true, description: 'message is a human readable message indicating details about the transition.' },
    ],
  },
  {
    name: meta('Status'),
    description: "Status is a return value for calls that don't return other objects.",
    gvk: [{ group: '', version: 'v1', kind: 'Status' }],
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'status', proto: 2, type: 'string', description: 'Status of the operation.' },
      { json: 'message', proto: 3, type: 'string', description: 'A human-readable description of the status of this operation.' },
      { json: 'reason', proto: 4, type: 'string', description: 'A machine-readable description of why this operation is in the "Failure" status.' },
      { json: 'details', proto: 5, type: meta('StatusDetails'), keepZero: true, description: 'Extended data associated with the reason.' },
      { json: 'code', proto: 6, type: 'int32', description: 'Suggested HTTP return code for this status, 0 if not set.' },
    ],
  },
  {
    name: meta('StatusDetails'),
    description: 'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
    fields: [
      { json: 'name', proto: 1, type: 'string', description: 'The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).' },
      { json: 'group', proto: 2, type: 'string', description: 'The group attribute of the resource associated with the status StatusReason.' },
      { json: 'kind', proto: 3, type: 'string', description: 'The kind attribute of the resource associated with the status StatusReason.' },
      { json: 'uid', proto: 6, type: 'string', description: 'UID of the resource.' },
      { json: 'causes', proto: 4, type: meta('StatusCause'), list: true, listType: 'atomic', description: 'The Causes array includes more details associated with the StatusReason failure.' },
      { json: 'retryAfterSeconds', proto: 5, type: 'int32', description: 'If specified, the time in seconds before the operation should be retried.' },
    ],
  },
  {
    name: meta('StatusCause'),
    description: 'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
    fields: [
      { json: 'reason', proto: 1, type: 'string', description: 'A machine-readable description of the cause of the error.' },
      { json: 'message', proto: 2, type: 'string', description: 'A human-readable description of the cause of the error.' },
      { json: 'field', proto: 3, type: 'string', description: 'The field of the resource that has caused this error, as named by its JSON serialization.' },
    ],
  },
  {
    name: meta('DeleteOptions'),
    description: 'DeleteOptions may be provided when deleting an API object.',
    gvk: optionsGVK('DeleteOptions'),
    fields: [
      { json: 'gracePeriodSeconds', proto: 1, type: 'int64', keepZero: true, description: 'The duration in seconds before the object should be deleted.' },
      { json: 'preconditions', proto: 2, type: meta('Preconditions'), keepZero: true, description: 'Must be fulfilled before a deletion is carried out.' },
      { json: 'orphanDependents', proto: 3, type: 'bool', keepZero: true, description: 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.' },
      { json: 'propagationPolicy', proto: 4, type: 'string', keepZero: true, description: 'Whether and how garbage collection will be performed.' },
      { json: 'dryRun', proto: 5, type: 'string', list: true, listType: 'atomic', description: 'When present, indicates that modifications should not be persisted.' },
      { json: 'ignoreStoreReadErrorWithClusterBreakingPotential', proto: 6, type: 'bool', keepZero: true, description: 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.' },
    ],
  },
  {
    name: meta('Preconditions'),
    description: 'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.',
    fields: [
      { json: 'uid', proto: 1, type: 'string', keepZero: true, description: 'Specifies the target UID.' },
      { json: 'resourceVersion', proto: 2, type: 'string', keepZero: true, description: 'Specifies the target ResourceVersion' },
    ],
  },
  {
    name: meta('CreateOptions'),
    description: 'CreateOptions may be provided when creating an API object.',
    gvk: optionsGVK('CreateOptions'),
    fields: [
      { json: 'dryRun', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'When present, indicates that modifications should not be persisted.' },
      { json: 'fieldManager', proto: 3, type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes.' },
      { json: 'fieldValidation', proto: 4, type: 'string', description: 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields.' },
    ],
  },
  {
    name: meta('PatchOptions'),
    description: 'PatchOptions may be provided when patching an API object.',
    gvk: optionsGVK('PatchOptions'),
    fields: [
      { json: 'dryRun', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'When present, indicates that modifications should not be persisted.' },
      { json: 'force', proto: 2, type: 'bool', keepZero: true, description: 'Force is going to "force" Apply requests.' },
      { json: 'fieldManager', proto: 3, type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes.' },
      { json: 'fieldValidation', proto: 4, type: 'string', description: 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields.' },
    ],
  },
  {
    name: meta('UpdateOptions'),
    description: 'UpdateOptions may be provided when updating an API object.',
    gvk: optionsGVK('UpdateOptions'),
    fields: [
      { json: 'dryRun', proto: 1, type: 'string', list: true, listType: 'atomic', description: 'When present, indicates that modifications should not be persisted.' },
      { json: 'fieldManager', proto: 2, type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes.' },
      { json: 'fieldValidation', proto: 3, type: 'string', description: 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields.' },
    ],
  },
];
