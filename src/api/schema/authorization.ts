// authorization.k8s.io/v1: SubjectAccessReview, LocalSubjectAccessReview,
// SelfSubjectAccessReview (kubectl auth can-i) and SelfSubjectRulesReview (can-i --list):
// questions put to the authorizer, answered in status, never stored.
// Field numbers from k8s.io/api authorization/v1 generated.proto (v1.32). spec.extra
// (map[string]ExtraValue, ExtraValue being []string) is JSON here: only JSON bodies carry it.

import type { GroupVersionKind, TypeDef } from './types.js';

const authz = (name: string): string => `io.k8s.api.authorization.v1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string): GroupVersionKind[] => [{ group: 'authorization.k8s.io', version: 'v1', kind }];

const review = (kind: string, spec: string, status: string, description: string): TypeDef => ({
  name: authz(kind),
  description,
  gvk: gvk(kind),
  fields: [
    { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
    { json: 'spec', proto: 2, type: authz(spec), required: true, description: 'Spec holds information about the request being evaluated.' },
    { json: 'status', proto: 3, type: authz(status), description: 'Status is filled in by the server and indicates whether the request is allowed or not' },
  ],
});

export const AUTHORIZATION_V1_TYPES: TypeDef[] = [
  {
    name: authz('ResourceAttributes'),
    description: 'ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface',
    fields: [
      { json: 'namespace', proto: 1, type: 'string', description: 'Namespace is the namespace of the action being requested.' },
      { json: 'verb', proto: 2, type: 'string', description: 'Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy.  "*" means all.' },
      { json: 'group', proto: 3, type: 'string', description: 'Group is the API Group of the Resource.  "*" means all.' },
      { json: 'version', proto: 4, type: 'string', description: 'Version is the API Version of the Resource.  "*" means all.' },
      { json: 'resource', proto: 5, type: 'string', description: 'Resource is one of the existing resource types.  "*" means all.' },
      { json: 'subresource', proto: 6, type: 'string', description: 'Subresource is one of the existing resource types.  "" means none.' },
      { json: 'name', proto: 7, type: 'string', description: 'Name is the name of the resource being requested for a "get" or deleted for a "delete". "" (empty) means all.' },
      { json: 'fieldSelector', proto: 8, type: 'JSON', description: 'fieldSelector describes the limitation on access based on field.  It can only limit access, not broaden it.' },
      { json: 'labelSelector', proto: 9, type: 'JSON', description: 'labelSelector describes the limitation on access based on labels.  It can only limit access, not broaden it.' },
    ],
  },
  {
    name: authz('NonResourceAttributes'),
    description: 'NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface',
    fields: [
      { json: 'path', proto: 1, type: 'string', description: 'Path is the URL path of the request' },
      { json: 'verb', proto: 2, type: 'string', description: 'Verb is the standard HTTP verb' },
    ],
  },
  {
    name: authz('SubjectAccessReviewSpec'),
    description: 'SubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set',
    fields: [
      { json: 'resourceAttributes', proto: 1, type: authz('ResourceAttributes'), description: 'ResourceAuthorizationAttributes describes information for a resource access request' },
      { json: 'nonResourceAttributes', proto: 2, type: authz('NonResourceAttributes'), description: 'NonResourceAttributes describes information for a non-resource access request' },
      { json: 'user', proto: 3, type: 'string', description: 'User is the user you\'re testing for. If you specify "User" but not "Groups", then is it interpreted as "What if User were not a member of any groups' },
      { json: 'groups', proto: 4, type: 'string', list: true, listType: 'atomic', description: "Groups is the groups you're testing for." },
      { json: 'extra', proto: 5, type: 'JSON', description: 'Extra corresponds to the user.Info.GetExtra() method from the authenticator.  Since that is input to the authorizer it needs a reflection here.' },
      { json: 'uid', proto: 6, type: 'string', description: 'UID information about the requesting user.' },
    ],
  },
  {
    name: authz('SelfSubjectAccessReviewSpec'),
    description: 'SelfSubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set',
    fields: [
      { json: 'resourceAttributes', proto: 1, type: authz('ResourceAttributes'), description: 'ResourceAuthorizationAttributes describes information for a resource access request' },
      { json: 'nonResourceAttributes', proto: 2, type: authz('NonResourceAttributes'), description: 'NonResourceAttributes describes information for a non-resource access request' },
    ],
  },
  {
    name: authz('SubjectAccessReviewStatus'),
    description: 'SubjectAccessReviewStatus',
    fields: [
      { json: 'allowed', proto: 1, type: 'bool', required: true, keepZero: true, description: 'Allowed is required. True if the action would be allowed, false otherwise.' },
      { json: 'denied', proto: 4, type: 'bool', description: 'Denied is optional. True if the action would be denied, otherwise false.' },
      { json: 'reason', proto: 2, type: 'string', description: 'Reason is optional.  It indicates why a request was allowed or denied.' },
      { json: 'evaluationError', proto: 3, type: 'string', description: 'EvaluationError is an indication that some error occurred during the authorization check.' },
    ],
  },
  review('SubjectAccessReview', 'SubjectAccessReviewSpec', 'SubjectAccessReviewStatus', 'SubjectAccessReview checks whether or not a user or group can perform an action.'),
  review('LocalSubjectAccessReview', 'SubjectAccessReviewSpec', 'SubjectAccessReviewStatus', 'LocalSubjectAccessReview checks whether or not a user or group can perform an action in a given namespace.'),
  review('SelfSubjectAccessReview', 'SelfSubjectAccessReviewSpec', 'SubjectAccessReviewStatus', 'SelfSubjectAccessReview checks whether or the current user can perform an action.'),
  {
    name: authz('SelfSubjectRulesReviewSpec'),
    description: 'SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview.',
    fields: [{ json: 'namespace', proto: 1, type: 'string', description: 'Namespace to evaluate rules for. Required.' }],
  },
  {
    name: authz('ResourceRule'),
    description: 'ResourceRule is the list of actions the subject is allowed to perform on resources.',
    fields: [
      { json: 'verbs', proto: 1, type: 'string', list: true, listType: 'atomic', required: true, description: 'Verb is a list of kubernetes resource API verbs, like: get, list, watch, create, update, delete, proxy.  "*" means all.' },
      { json: 'apiGroups', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'APIGroups is the name of the APIGroup that contains the resources.' },
      { json: 'resources', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'Resources is a list of resources this rule applies to.  "*" means all in the specified apiGroups.' },
      { json: 'resourceNames', proto: 4, type: 'string', list: true, listType: 'atomic', description: 'ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.  "*" means all.' },
    ],
  },
  {
    name: authz('NonResourceRule'),
    description: 'NonResourceRule holds information that describes a rule for the non-resource',
    fields: [
      { json: 'verbs', proto: 1, type: 'string', list: true, listType: 'atomic', required: true, description: 'Verb is a list of kubernetes non-resource API verbs, like: get, post, put, delete, patch, head, options.  "*" means all.' },
      { json: 'nonResourceURLs', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'NonResourceURLs is a set of partial urls that a user should have access to.' },
    ],
  },
  {
    name: authz('SubjectRulesReviewStatus'),
    description: 'SubjectRulesReviewStatus contains the result of a rules check.',
    fields: [
      { json: 'resourceRules', proto: 1, type: authz('ResourceRule'), list: true, listType: 'atomic', required: true, keepZero: true, description: 'ResourceRules is the list of actions the subject is allowed to perform on resources.' },
      { json: 'nonResourceRules', proto: 2, type: authz('NonResourceRule'), list: true, listType: 'atomic', required: true, keepZero: true, description: 'NonResourceRules is the list of actions the subject is allowed to perform on non-resources.' },
      { json: 'incomplete', proto: 3, type: 'bool', required: true, keepZero: true, description: "Incomplete is true when the rules returned by this call are incomplete. This is most commonly encountered when an authorizer, such as an external authorizer, doesn't support rules evaluation." },
      { json: 'evaluationError', proto: 4, type: 'string', description: 'EvaluationError can appear in combination with Rules.' },
    ],
  },
  review('SelfSubjectRulesReview', 'SelfSubjectRulesReviewSpec', 'SubjectRulesReviewStatus', 'SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace.'),
];
