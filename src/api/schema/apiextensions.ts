// apiextensions.k8s.io/v1: CustomResourceDefinition, as k8s.io/apiextensions-apiserver's
// pkg/apis/apiextensions/v1. Field numbers from its generated.proto (v1.32).
//
// JSONSchemaProps' union fields (items: schema or array, additionalProperties: schema or bool,
// dependencies: schema or string array) and its JSON values (default, enum, example) are typed
// 'JSON' here: their JSON forms are unions the table cannot express, and field validation must
// not walk into them as structs. Their protobuf wire forms (JSONSchemaPropsOrArray, ...) are
// therefore not those of Kubernetes: CRDs are read and written as JSON (kubectl, client-go's
// dynamic client and @kubernetes/client-node all do).

import type { TypeDef } from './types.js';

const V1 = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
const ax = (name: string): string => `${V1}.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string) => [{ group: 'apiextensions.k8s.io', version: 'v1', kind }];

const SCHEMA = ax('JSONSchemaProps');

export const APIEXTENSIONS_V1_TYPES: TypeDef[] = [
  {
    name: ax('CustomResourceDefinition'),
    description: 'CustomResourceDefinition represents a resource that should be exposed on the API server.  Its name MUST be in the format <.spec.name>.<.spec.group>.',
    gvk: gvk('CustomResourceDefinition'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      { json: 'spec', proto: 2, type: ax('CustomResourceDefinitionSpec'), required: true, description: 'spec describes how the user wants the resources to appear' },
      { json: 'status', proto: 3, type: ax('CustomResourceDefinitionStatus'), description: 'status indicates the actual state of the CustomResourceDefinition' },
    ],
  },
  {
    name: ax('CustomResourceDefinitionList'),
    description: 'CustomResourceDefinitionList is a list of CustomResourceDefinition objects.',
    gvk: gvk('CustomResourceDefinitionList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), description: "Standard object's metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      { json: 'items', proto: 2, type: ax('CustomResourceDefinition'), list: true, required: true, description: 'items list individual CustomResourceDefinition objects' },
    ],
  },
  {
    name: ax('CustomResourceDefinitionSpec'),
    description: 'CustomResourceDefinitionSpec describes how a user wants their resource to appear',
    fields: [
      { json: 'group', proto: 1, type: 'string', required: true, description: 'group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).' },
      { json: 'names', proto: 3, type: ax('CustomResourceDefinitionNames'), required: true, description: 'names specify the resource and kind names for the custom resource.' },
      { json: 'scope', proto: 4, type: 'string', required: true, description: 'scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.' },
      { json: 'versions', proto: 7, type: ax('CustomResourceDefinitionVersion'), list: true, required: true, description: 'versions is the list of all API versions of the defined custom resource. Version names are used to compute the order in which served versions are listed in API discovery.' },
      { json: 'conversion', proto: 9, type: ax('CustomResourceConversion'), description: 'conversion defines conversion settings for the CRD.' },
      { json: 'preserveUnknownFields', proto: 10, type: 'bool', keepZero: true, description: 'preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage. apiVersion, kind, metadata and known fields inside metadata are always preserved. This field is deprecated in favor of setting `x-preserve-unknown-fields` to true in `spec.versions[*].schema.openAPIV3Schema`.' },
    ],
  },
  {
    name: ax('CustomResourceDefinitionNames'),
    description: 'CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition',
    fields: [
      { json: 'plural', proto: 1, type: 'string', required: true, description: 'plural is the plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`). Must be all lowercase.' },
      { json: 'singular', proto: 2, type: 'string', description: 'singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.' },
      { json: 'shortNames', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.' },
      { json: 'kind', proto: 4, type: 'string', required: true, description: 'kind is the serialized kind of the resource. It is normally CamelCase and singular. Custom resource instances will use this value as the `kind` attribute in API calls.' },
      { json: 'listKind', proto: 5, type: 'string', description: 'listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".' },
      { json: 'categories', proto: 6, type: 'string', list: true, listType: 'atomic', description: "categories is a list of grouped resources this custom resource belongs to (e.g. 'all'). This is published in API discovery documents, and used by clients to support invocations like `kubectl get all`." },
    ],
  },
  {
    name: ax('CustomResourceDefinitionVersion'),
    description: 'CustomResourceDefinitionVersion describes a version for CRD.',
    fields: [
      { json: 'name', proto: 1, type: 'string', required: true, description: 'name is the version name, e.g. “v1”, “v2beta1”, etc. The custom resources are served under this version at `/apis/<group>/<version>/...` if `served` is true.' },
      { json: 'served', proto: 2, type: 'bool', required: true, keepZero: true, description: 'served is a flag enabling/disabling this version from being served via REST APIs' },
      { json: 'storage', proto: 3, type: 'bool', required: true, keepZero: true, description: 'storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.' },
      { json: 'deprecated', proto: 7, type: 'bool', description: 'deprecated indicates this version of the custom resource API is deprecated. When set to true, API requests to this version receive a warning header in the server response. Defaults to false.' },
      { json: 'deprecationWarning', proto: 8, type: 'string', description: 'deprecationWarning overrides the default warning returned to API clients. May only be set when `deprecated` is true. The default warning indicates this version is deprecated and recommends use of the newest served version of equal or greater stability, if one exists.' },
      { json: 'schema', proto: 4, type: ax('CustomResourceValidation'), description: 'schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.' },
      { json: 'subresources', proto: 5, type: ax('CustomResourceSubresources'), description: 'subresources specify what subresources this version of the defined custom resource have.' },
      { json: 'additionalPrinterColumns', proto: 6, type: ax('CustomResourceColumnDefinition'), list: true, listType: 'atomic', description: 'additionalPrinterColumns specifies additional columns returned in Table output. See https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables for details. If no columns are specified, a single column displaying the age of the custom resource is used.' },
      { json: 'selectableFields', proto: 9, type: ax('SelectableField'), list: true, listType: 'atomic', description: 'selectableFields specifies paths to fields that may be used as field selectors. A maximum of 8 selectable fields are allowed. See https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors' },
    ],
  },
  {
    name: ax('SelectableField'),
    description: 'SelectableField specifies the JSON path of a field that may be used with field selectors.',
    fields: [
      { json: 'jsonPath', proto: 1, type: 'string', required: true, description: 'jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.' },
    ],
  },
  {
    name: ax('CustomResourceColumnDefinition'),
    description: 'CustomResourceColumnDefinition specifies a column for server side printing.',
    fields: [
      { json: 'name', proto: 1, type: 'string', required: true, description: 'name is a human readable name for the column.' },
      { json: 'type', proto: 2, type: 'string', required: true, description: 'type is an OpenAPI type definition for this column. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for details.' },
      { json: 'format', proto: 3, type: 'string', description: "format is an optional OpenAPI type definition for this column. The 'name' format is applied to the primary identifier column to assist in clients identifying column is the resource name. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for details." },
      { json: 'description', proto: 4, type: 'string', description: 'description is a human readable description of this column.' },
      { json: 'priority', proto: 5, type: 'int32', description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority. Columns that may be omitted in limited space scenarios should be given a priority greater than 0.' },
      { json: 'jsonPath', proto: 6, type: 'string', required: true, description: 'jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.' },
    ],
  },
  {
    name: ax('CustomResourceConversion'),
    description: 'CustomResourceConversion describes how to convert different versions of a CR.',
    fields: [
      { json: 'strategy', proto: 1, type: 'string', required: true, description: 'strategy specifies how custom resources are converted between versions. Allowed values are: - `"None"`: The converter only change the apiVersion and would not touch any other field in the custom resource. - `"Webhook"`: API Server will call to an external webhook to do the conversion. Additional information is needed for this option. This requires spec.preserveUnknownFields to be false, and spec.conversion.webhook to be set.' },
      { json: 'webhook', proto: 2, type: ax('WebhookConversion'), description: 'webhook describes how to call the conversion webhook. Required when `strategy` is set to `"Webhook"`.' },
    ],
  },
  {
    name: ax('WebhookConversion'),
    description: 'WebhookConversion describes how to call a conversion webhook',
    fields: [
      { json: 'clientConfig', proto: 2, type: ax('WebhookClientConfig'), description: 'clientConfig is the instructions for how to call the webhook if strategy is `Webhook`.' },
      { json: 'conversionReviewVersions', proto: 3, type: 'string', list: true, listType: 'atomic', required: true, description: 'conversionReviewVersions is an ordered list of preferred `ConversionReview` versions the Webhook expects.' },
    ],
  },
  {
    name: ax('WebhookClientConfig'),
    description: 'WebhookClientConfig contains the information to make a TLS connection with the webhook.',
    fields: [
      { json: 'url', proto: 3, type: 'string', description: 'url gives the location of the webhook, in standard URL form (`scheme://host:port/path`). Exactly one of `url` or `service` must be specified.' },
      { json: 'service', proto: 1, type: ax('ServiceReference'), description: 'service is a reference to the service for this webhook. Either service or url must be specified.' },
      { json: 'caBundle', proto: 2, type: 'bytes', description: "caBundle is a PEM encoded CA bundle which will be used to validate the webhook's server certificate. If unspecified, system trust roots on the apiserver are used." },
    ],
  },
  {
    name: ax('ServiceReference'),
    description: 'ServiceReference holds a reference to Service.legacy.k8s.io',
    fields: [
      { json: 'namespace', proto: 1, type: 'string', required: true, description: 'namespace is the namespace of the service. Required' },
      { json: 'name', proto: 2, type: 'string', required: true, description: 'name is the name of the service. Required' },
      { json: 'path', proto: 3, type: 'string', description: 'path is an optional URL path at which the webhook will be contacted.' },
      { json: 'port', proto: 4, type: 'int32', description: 'port is an optional service port at which the webhook will be contacted. `port` should be a valid port number (1-65535, inclusive). Defaults to 443 for backward compatibility.' },
    ],
  },
  {
    name: ax('CustomResourceValidation'),
    description: 'CustomResourceValidation is a list of validation methods for CustomResources.',
    fields: [
      { json: 'openAPIV3Schema', proto: 1, type: SCHEMA, description: 'openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.' },
    ],
  },
  {
    name: ax('CustomResourceSubresources'),
    description: 'CustomResourceSubresources defines the status and scale subresources for CustomResources.',
    fields: [
      { json: 'status', proto: 1, type: ax('CustomResourceSubresourceStatus'), description: 'status indicates the custom resource should serve a `/status` subresource. When enabled: 1. requests to the custom resource primary endpoint ignore changes to the `status` stanza of the object. 2. requests to the custom resource `/status` subresource ignore changes to anything other than the `status` stanza of the object.' },
      { json: 'scale', proto: 2, type: ax('CustomResourceSubresourceScale'), description: 'scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.' },
    ],
  },
  {
    name: ax('CustomResourceSubresourceStatus'),
    description: 'CustomResourceSubresourceStatus defines how to serve the status subresource for CustomResources. Status is represented by the `.status` JSON path inside of a CustomResource. When set, * exposes a /status subresource for the custom resource * PUT requests to the /status subresource take a custom resource object, and ignore changes to anything except the status stanza * PUT/POST/PATCH requests to the custom resource ignore changes to the status stanza',
    fields: [],
  },
  {
    name: ax('CustomResourceSubresourceScale'),
    description: 'CustomResourceSubresourceScale defines how to serve the scale subresource for CustomResources.',
    fields: [
      { json: 'specReplicasPath', proto: 1, type: 'string', required: true, description: 'specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.spec`. If there is no value under the given path in the custom resource, the `/scale` subresource will return an error on GET.' },
      { json: 'statusReplicasPath', proto: 2, type: 'string', required: true, description: 'statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.status`. If there is no value under the given path in the custom resource, the `status.replicas` value in the `/scale` subresource will default to 0.' },
      { json: 'labelSelectorPath', proto: 3, type: 'string', description: 'labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.status` or `.spec`. Must be set to work with HorizontalPodAutoscaler.' },
    ],
  },
  {
    name: SCHEMA,
    description: 'JSONSchemaProps is a JSON-Schema following Specification Draft 4 (http://json-schema.org/).',
    fields: [
      { json: 'id', proto: 1, type: 'string' },
      { json: '$schema', proto: 2, type: 'string' },
      { json: '$ref', proto: 3, type: 'string' },
      { json: 'description', proto: 4, type: 'string' },
      { json: 'type', proto: 5, type: 'string' },
      { json: 'format', proto: 6, type: 'string', description: 'format is an OpenAPI v3 format string. Unknown formats are ignored.' },
      { json: 'title', proto: 7, type: 'string' },
      { json: 'default', proto: 8, type: 'JSON', description: 'default is a default value for undefined object fields. Defaulting is a beta feature under the CustomResourceDefaulting feature gate. Defaulting requires spec.preserveUnknownFields to be false.' },
      { json: 'maximum', proto: 9, type: 'double' },
      { json: 'exclusiveMaximum', proto: 10, type: 'bool' },
      { json: 'minimum', proto: 11, type: 'double' },
      { json: 'exclusiveMinimum', proto: 12, type: 'bool' },
      { json: 'maxLength', proto: 13, type: 'int64' },
      { json: 'minLength', proto: 14, type: 'int64' },
      { json: 'pattern', proto: 15, type: 'string' },
      { json: 'maxItems', proto: 16, type: 'int64' },
      { json: 'minItems', proto: 17, type: 'int64' },
      { json: 'uniqueItems', proto: 18, type: 'bool' },
      { json: 'multipleOf', proto: 19, type: 'double' },
      { json: 'enum', proto: 20, type: 'JSON', list: true, listType: 'atomic' },
      { json: 'maxProperties', proto: 21, type: 'int64' },
      { json: 'minProperties', proto: 22, type: 'int64' },
      { json: 'required', proto: 23, type: 'string', list: true, listType: 'atomic' },
      { json: 'items', proto: 24, type: 'JSON' },
      { json: 'allOf', proto: 25, type: SCHEMA, list: true, listType: 'atomic' },
      { json: 'oneOf', proto: 26, type: SCHEMA, list: true, listType: 'atomic' },
      { json: 'anyOf', proto: 27, type: SCHEMA, list: true, listType: 'atomic' },
      { json: 'not', proto: 28, type: SCHEMA },
      { json: 'properties', proto: 29, type: SCHEMA, map: true },
      { json: 'additionalProperties', proto: 30, type: 'JSON' },
      { json: 'patternProperties', proto: 31, type: SCHEMA, map: true },
      { json: 'dependencies', proto: 32, type: 'JSON', map: true },
      { json: 'additionalItems', proto: 33, type: 'JSON' },
      { json: 'definitions', proto: 34, type: SCHEMA, map: true },
      { json: 'externalDocs', proto: 35, type: ax('ExternalDocumentation') },
      { json: 'example', proto: 36, type: 'JSON' },
      { json: 'nullable', proto: 37, type: 'bool' },
      { json: 'x-kubernetes-preserve-unknown-fields', proto: 38, type: 'bool', description: 'x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema. This affects fields recursively, but switches back to normal pruning behaviour if nested properties or additionalProperties are specified in the schema. This can either be true or undefined. False is forbidden.' },
      { json: 'x-kubernetes-embedded-resource', proto: 39, type: 'bool', description: 'x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta. The type must be object. It is allowed to further restrict the embedded object. kind, apiVersion and metadata are validated automatically. x-kubernetes-preserve-unknown-fields is allowed to be true, but does not have to be if the object is fully specified (up to kind, apiVersion, metadata).' },
      { json: 'x-kubernetes-int-or-string', proto: 40, type: 'bool', description: 'x-kubernetes-int-or-string specifies that this value is either an integer or a string. If this is true, an empty type is allowed and type as child of anyOf is permitted if following one of the following patterns: 1) anyOf: - type: integer - type: string 2) allOf: - anyOf: - type: integer - type: string - ... zero or more' },
      { json: 'x-kubernetes-list-map-keys', proto: 41, type: 'string', list: true, listType: 'atomic', description: 'x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map.' },
      { json: 'x-kubernetes-list-type', proto: 42, type: 'string', description: 'x-kubernetes-list-type annotates an array to further describe its topology. This extension must only be used on lists and may have 3 possible values: atomic, set, map. Defaults to atomic for arrays.' },
      { json: 'x-kubernetes-map-type', proto: 43, type: 'string', description: 'x-kubernetes-map-type annotates an object to further describe its topology. This extension must only be used when type is object and may have 2 possible values: granular, atomic.' },
      { json: 'x-kubernetes-validations', proto: 44, type: ax('ValidationRule'), list: true, listType: 'map', listMapKeys: ['rule'], mergeKey: 'rule', patchStrategy: 'merge', description: 'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.' },
    ],
  },
  {
    name: ax('ExternalDocumentation'),
    description: 'ExternalDocumentation allows referencing an external resource for extended documentation.',
    fields: [
      { json: 'description', proto: 1, type: 'string' },
      { json: 'url', proto: 2, type: 'string' },
    ],
  },
  {
    name: ax('ValidationRule'),
    description: 'ValidationRule describes a validation rule written in the CEL expression language.',
    fields: [
      { json: 'rule', proto: 1, type: 'string', required: true, description: 'Rule represents the expression which will be evaluated by CEL. The Rule is scoped to the location of the x-kubernetes-validations extension in the schema. The `self` variable in the CEL expression is bound to the scoped value.' },
      { json: 'message', proto: 2, type: 'string', description: 'Message represents the message displayed when validation fails. The message is required if the Rule contains line breaks. The message must not contain line breaks. If unset, the message is "failed rule: {Rule}".' },
      { json: 'messageExpression', proto: 3, type: 'string', description: 'MessageExpression declares a CEL expression that evaluates to the validation failure message that is returned when this rule fails.' },
      { json: 'reason', proto: 4, type: 'string', description: 'reason provides a machine-readable validation failure reason that is returned to the caller when a request fails this validation rule.' },
      { json: 'fieldPath', proto: 5, type: 'string', description: 'fieldPath represents the field path returned when the validation fails.' },
      { json: 'optionalOldSelf', proto: 6, type: 'bool', description: 'optionalOldSelf is used to opt a transition rule into evaluation even when the object is first created, or if the old object is missing the value.' },
    ],
  },
  {
    name: ax('CustomResourceDefinitionStatus'),
    description: 'CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition',
    fields: [
      { json: 'conditions', proto: 1, type: ax('CustomResourceDefinitionCondition'), list: true, listType: 'map', listMapKeys: ['type'], description: 'conditions indicate state for particular aspects of a CustomResourceDefinition' },
      { json: 'acceptedNames', proto: 2, type: ax('CustomResourceDefinitionNames'), description: 'acceptedNames are the names that are actually being used to serve discovery. They may be different than the names in spec.' },
      { json: 'storedVersions', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'storedVersions lists all versions of CustomResources that were ever persisted. Tracking these versions allows a migration path for stored versions in etcd. The field is mutable so a migration controller can finish a migration to another version (ensuring no old objects are left in storage), and then remove the rest of the versions from this list. Versions may not be removed from `spec.versions` while they exist in this list.' },
    ],
  },
  {
    name: ax('CustomResourceDefinitionCondition'),
    description: 'CustomResourceDefinitionCondition contains details for the current condition of this pod.',
    fields: [
      { json: 'type', proto: 1, type: 'string', required: true, description: 'type is the type of the condition. Types include Established, NamesAccepted and Terminating.' },
      { json: 'status', proto: 2, type: 'string', required: true, description: 'status is the status of the condition. Can be True, False, Unknown.' },
      { json: 'lastTransitionTime', proto: 3, type: 'Time', description: 'lastTransitionTime last time the condition transitioned from one status to another.' },
      { json: 'reason', proto: 4, type: 'string', description: "reason is a unique, one-word, CamelCase reason for the condition's last transition." },
      { json: 'message', proto: 5, type: 'string', description: 'message is a human-readable message indicating details about last transition.' },
    ],
  },
];
