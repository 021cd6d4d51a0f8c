// rbac.authorization.k8s.io/v1: Role, ClusterRole (with its aggregationRule), RoleBinding,
// ClusterRoleBinding, and the PolicyRule, Subject and RoleRef they are made of.
// Field numbers from k8s.io/api rbac/v1 generated.proto (v1.32); Subject and RoleRef are atomic.

import type { GroupVersionKind, TypeDef } from './types.js';

const rbac = (name: string): string => `io.k8s.api.rbac.v1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string): GroupVersionKind[] => [{ group: 'rbac.authorization.k8s.io', version: 'v1', kind }];

const list = (kind: string, item: string, description: string): TypeDef => ({
  name: rbac(`${kind}List`),
  description,
  gvk: gvk(`${kind}List`),
  fields: [
    { json: 'metadata', proto: 1, type: meta('ListMeta'), description: "Standard object's metadata." },
    { json: 'items', proto: 2, type: rbac(item), list: true, required: true, description: `Items is a list of ${item}s` },
  ],
});

const subjects = { json: 'subjects', proto: 2, type: rbac('Subject'), list: true, listType: 'atomic' as const, description: 'Subjects holds references to the objects the role applies to.' };

export const RBAC_V1_TYPES: TypeDef[] = [
  {
    name: rbac('PolicyRule'),
    description: 'PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.',
    fields: [
      { json: 'verbs', proto: 1, type: 'string', list: true, listType: 'atomic', required: true, description: "Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs." },
      { json: 'apiGroups', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. "" represents the core API group and "*" represents all API groups.' },
      { json: 'resources', proto: 3, type: 'string', list: true, listType: 'atomic', description: "Resources is a list of resources this rule applies to. '*' represents all resources." },
      { json: 'resourceNames', proto: 4, type: 'string', list: true, listType: 'atomic', description: 'ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.' },
      { json: 'nonResourceURLs', proto: 5, type: 'string', list: true, listType: 'atomic', description: 'NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path.' },
    ],
  },
  {
    name: rbac('AggregationRule'),
    description: 'AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole',
    fields: [
      { json: 'clusterRoleSelectors', proto: 1, type: meta('LabelSelector'), list: true, listType: 'atomic', description: "ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added" },
    ],
  },
  {
    name: rbac('Subject'),
    description: 'Subject contains a reference to the object or user identities a role binding applies to.  This can either hold a direct API object reference, or a value for non-objects such as user and group names.',
    fields: [
      { json: 'kind', proto: 1, type: 'string', required: true, description: 'Kind of object being referenced. Values defined by this API group are "User", "Group", and "ServiceAccount". If the Authorizer does not recognized the kind value, the Authorizer should report an error.' },
      { json: 'apiGroup', proto: 2, type: 'string', description: 'APIGroup holds the API group of the referenced subject. Defaults to "" for ServiceAccount subjects. Defaults to "rbac.authorization.k8s.io" for User and Group subjects.' },
      { json: 'name', proto: 3, type: 'string', required: true, description: 'Name of the object being referenced.' },
      { json: 'namespace', proto: 4, type: 'string', description: 'Namespace of the referenced object.  If the object kind is non-namespace, such as "User" or "Group", and this value is not empty the Authorizer should report an error.' },
    ],
  },
  {
    name: rbac('RoleRef'),
    description: 'RoleRef contains information that points to the role being used',
    fields: [
      { json: 'apiGroup', proto: 1, type: 'string', required: true, keepZero: true, description: 'APIGroup is the group for the resource being referenced' },
      { json: 'kind', proto: 2, type: 'string', required: true, keepZero: true, description: 'Kind is the type of resource being referenced' },
      { json: 'name', proto: 3, type: 'string', required: true, keepZero: true, description: 'Name is the name of resource being referenced' },
    ],
  },
  {
    name: rbac('Role'),
    description: 'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.',
    gvk: gvk('Role'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata." },
      { json: 'rules', proto: 2, type: rbac('PolicyRule'), list: true, listType: 'atomic', description: 'Rules holds all the PolicyRules for this Role' },
    ],
  },
  {
    name: rbac('ClusterRole'),
    description: 'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.',
    gvk: gvk('ClusterRole'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata." },
      { json: 'rules', proto: 2, type: rbac('PolicyRule'), list: true, listType: 'atomic', keepZero: true, description: 'Rules holds all the PolicyRules for this ClusterRole' },
      { json: 'aggregationRule', proto: 3, type: rbac('AggregationRule'), description: 'AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller.' },
    ],
  },
  {
    name: rbac('RoleBinding'),
    description: 'RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace. It adds who information via Subjects and namespace information by which namespace it exists in.  RoleBindings in a given namespace only have effect in that namespace.',
    gvk: gvk('RoleBinding'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata." },
      subjects,
      { json: 'roleRef', proto: 3, type: rbac('RoleRef'), required: true, description: 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.' },
    ],
  },
  {
    name: rbac('ClusterRoleBinding'),
    description: 'ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject.',
    gvk: gvk('ClusterRoleBinding'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata." },
      subjects,
      { json: 'roleRef', proto: 3, type: rbac('RoleRef'), required: true, description: 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.' },
    ],
  },
  list('Role', 'Role', 'RoleList is a collection of Roles'),
  list('ClusterRole', 'ClusterRole', 'ClusterRoleList is a collection of ClusterRoles'),
  list('RoleBinding', 'RoleBinding', 'RoleBindingList is a collection of RoleBindings'),
  list('ClusterRoleBinding', 'ClusterRoleBinding', 'ClusterRoleBindingList is a collection of ClusterRoleBindings'),
];
