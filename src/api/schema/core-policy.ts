// core/v1 ResourceQuota and LimitRange (the policy objects of a namespace), and
// scheduling.k8s.io/v1 PriorityClass. Field numbers from k8s.io/api core/v1 and scheduling/v1
// generated.proto (v1.32); pointers (keepZero) from the Go types.

import type { GroupVersionKind, TypeDef } from './types.js';

const core = (name: string): string => `io.k8s.api.core.v1.${name}`;
const scheduling = (name: string): string => `io.k8s.api.scheduling.v1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const coreGvk = (kind: string): GroupVersionKind[] => [{ group: '', version: 'v1', kind }];
const schedGvk = (kind: string): GroupVersionKind[] => [{ group: 'scheduling.k8s.io', version: 'v1', kind }];

export const CORE_POLICY_TYPES: TypeDef[] = [
  {
    name: core('ResourceQuota'),
    description: 'ResourceQuota sets aggregate quota restrictions enforced per namespace',
    gvk: coreGvk('ResourceQuota'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      { json: 'spec', proto: 2, type: core('ResourceQuotaSpec'), description: 'Spec defines the desired quota. https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status' },
      { json: 'status', proto: 3, type: core('ResourceQuotaStatus'), description: 'Status defines the actual enforced quota and its current usage. https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status' },
    ],
  },
  {
    name: core('ResourceQuotaSpec'),
    description: 'ResourceQuotaSpec defines the desired hard limits to enforce for Quota.',
    fields: [
      { json: 'hard', proto: 1, type: 'Quantity', map: true, description: 'hard is the set of desired hard limits for each named resource. More info: https://kubernetes.io/docs/concepts/policy/resource-quotas/' },
      { json: 'scopes', proto: 2, type: 'string', list: true, listType: 'atomic', enum: ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'], description: 'A collection of filters that must match each object tracked by a quota. If not specified, the quota matches all objects.' },
      { json: 'scopeSelector', proto: 3, type: core('ScopeSelector'), description: 'scopeSelector is also a collection of filters like scopes that must match each object tracked by a quota but expressed using ScopeSelectorOperator in combination with possible values. For a resource to match, both scopes AND scopeSelector (if specified in spec), must be matched.' },
    ],
  },
  {
    name: core('ResourceQuotaStatus'),
    description: 'ResourceQuotaStatus defines the enforced hard limits and observed use.',
    fields: [
      { json: 'hard', proto: 1, type: 'Quantity', map: true, description: 'Hard is the set of enforced hard limits for each named resource. More info: https://kubernetes.io/docs/concepts/policy/resource-quotas/' },
      { json: 'used', proto: 2, type: 'Quantity', map: true, description: 'Used is the current observed total usage of the resource in the namespace.' },
    ],
  },
  {
    name: core('ResourceQuotaList'),
    description: 'ResourceQuotaList is a list of ResourceQuota items.',
    gvk: coreGvk('ResourceQuotaList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
      { json: 'items', proto: 2, type: core('ResourceQuota'), list: true, required: true, description: 'Items is a list of ResourceQuota objects. More info: https://kubernetes.io/docs/concepts/policy/resource-quotas/' },
    ],
  },
  {
    name: core('ScopeSelector'),
    description: 'A scope selector represents the AND of the selectors represented by the scoped-resource selector requirements.',
    fields: [
      { json: 'matchExpressions', proto: 1, type: core('ScopedResourceSelectorRequirement'), list: true, listType: 'atomic', description: 'A list of scope selector requirements by scope of the resources.' },
    ],
  },
  {
    name: core('ScopedResourceSelectorRequirement'),
    description: 'A scoped-resource selector requirement is a selector that contains values, a scope name, and an operator that relates the scope name and values.',
    fields: [
      { json: 'scopeName', proto: 1, type: 'string', keepZero: true, required: true, enum: ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'], description: 'The name of the scope that the selector applies to.' },
      { json: 'operator', proto: 2, type: 'string', keepZero: true, required: true, enum: ['DoesNotExist', 'Exists', 'In', 'NotIn'], description: "Represents a scope's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist." },
      { json: 'values', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'An array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. This array is replaced during a strategic merge patch.' },
    ],
  },
  {
    name: core('LimitRange'),
    description: 'LimitRange sets resource usage limits for each kind of resource in a Namespace.',
    gvk: coreGvk('LimitRange'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      { json: 'spec', proto: 2, type: core('LimitRangeSpec'), description: 'Spec defines the limits enforced. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status' },
    ],
  },
  {
    name: core('LimitRangeSpec'),
    description: 'LimitRangeSpec defines a min/max usage limit for resources that match on kind.',
    fields: [
      { json: 'limits', proto: 1, type: core('LimitRangeItem'), list: true, required: true, listType: 'atomic', description: 'Limits is the list of LimitRangeItem objects that are enforced.' },
    ],
  },
  {
    name: core('LimitRangeItem'),
    description: 'LimitRangeItem defines a min/max usage limit for any resource that matches on kind.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of resource that this limit applies to.' },
      { json: 'max', proto: 2, type: 'Quantity', map: true, description: 'Max usage constraints on this kind by resource name.' },
      { json: 'min', proto: 3, type: 'Quantity', map: true, description: 'Min usage constraints on this kind by resource name.' },
      { json: 'default', proto: 4, type: 'Quantity', map: true, description: 'Default resource requirement limit value by resource name if resource limit is omitted.' },
      { json: 'defaultRequest', proto: 5, type: 'Quantity', map: true, description: 'DefaultRequest is the default resource requirement request value by resource name if resource request is omitted.' },
      { json: 'maxLimitRequestRatio', proto: 6, type: 'Quantity', map: true, description: 'MaxLimitRequestRatio if specified, the named resource must have a request and limit that are both non-zero where limit divided by request is less than or equal to the enumerated value; this represents the max burst for the named resource.' },
    ],
  },
  {
    name: core('LimitRangeList'),
    description: 'LimitRangeList is a list of LimitRange items.',
    gvk: coreGvk('LimitRangeList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
      { json: 'items', proto: 2, type: core('LimitRange'), list: true, required: true, description: 'Items is a list of LimitRange objects. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/' },
    ],
  },
];

export const SCHEDULING_V1_TYPES: TypeDef[] = [
  {
    name: scheduling('PriorityClass'),
    description: 'PriorityClass defines mapping from a priority class name to the priority integer value. The value can be any valid integer.',
    gvk: schedGvk('PriorityClass'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      { json: 'value', proto: 2, type: 'int32', keepZero: true, required: true, description: 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.' },
      { json: 'globalDefault', proto: 3, type: 'bool', description: 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.' },
      { json: 'description', proto: 4, type: 'string', description: 'description is an arbitrary string that usually provides guidelines on when this priority class should be used.' },
      { json: 'preemptionPolicy', proto: 5, type: 'string', keepZero: true, enum: ['Never', 'PreemptLowerPriority'], description: 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.' },
    ],
  },
  {
    name: scheduling('PriorityClassList'),
    description: 'PriorityClassList is a collection of priority classes.',
    gvk: schedGvk('PriorityClassList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), description: 'Standard list metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata' },
      { json: 'items', proto: 2, type: scheduling('PriorityClass'), list: true, required: true, description: 'items is the list of PriorityClasses' },
    ],
  },
];
