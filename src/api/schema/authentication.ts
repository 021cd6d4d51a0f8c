// authentication.k8s.io/v1: TokenRequest (serviceaccounts/token), TokenReview and
// SelfSubjectReview, the kinds that ask the API server about credentials. Field numbers from
// k8s.io/api authentication/v1 generated.proto (v1.32). UserInfo.extra (map[string]ExtraValue,
// ExtraValue being []string) is left out of the wire schema: no request body carries it.

import type { TypeDef } from './types.js';

const AUTHN = 'io.k8s.api.authentication.v1';
const authn = (name: string): string => `${AUTHN}.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string) => [{ group: 'authentication.k8s.io', version: 'v1', kind }];

export const AUTHENTICATION_V1_TYPES: TypeDef[] = [
  {
    name: authn('TokenRequest'),
    description: 'TokenRequest requests a token for a given service account.',
    gvk: gvk('TokenRequest'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: authn('TokenRequestSpec'), keepZero: true, required: true, description: 'Spec holds information about the request being evaluated' },
      { json: 'status', proto: 3, type: authn('TokenRequestStatus'), keepZero: true, description: 'Status is filled in by the server and indicates whether the token can be authenticated.' },
    ],
  },
  {
    name: authn('TokenRequestSpec'),
    description: 'TokenRequestSpec contains client provided parameters of a token request.',
    fields: [
      { json: 'audiences', proto: 1, type: 'string', list: true, listType: 'atomic', required: true, description: 'Audiences are the intendend audiences of the token.' },
      { json: 'expirationSeconds', proto: 4, type: 'int64', keepZero: true, description: 'ExpirationSeconds is the requested duration of validity of the request.' },
      { json: 'boundObjectRef', proto: 3, type: authn('BoundObjectReference'), description: 'BoundObjectRef is a reference to an object that the token will be bound to.' },
    ],
  },
  {
    name: authn('TokenRequestStatus'),
    description: 'TokenRequestStatus is the result of a token request.',
    fields: [
      { json: 'token', proto: 1, type: 'string', keepZero: true, required: true, description: 'Token is the opaque bearer token.' },
      { json: 'expirationTimestamp', proto: 2, type: 'Time', keepZero: true, required: true, description: 'ExpirationTimestamp is the time of expiration of the returned token.' },
    ],
  },
  {
    name: authn('BoundObjectReference'),
    description: 'BoundObjectReference is a reference to an object that a token is bound to.',
    fields: [
      { json: 'kind', proto: 1, type: 'string', description: "Kind of the referent. Valid kinds are 'Pod' and 'Secret'." },
      { json: 'apiVersion', proto: 2, type: 'string', description: 'API version of the referent.' },
      { json: 'name', proto: 3, type: 'string', description: 'Name of the referent.' },
      { json: 'uid', proto: 4, type: 'string', description: 'UID of the referent.' },
    ],
  },
  {
    name: authn('TokenReview'),
    description: 'TokenReview attempts to authenticate a token to a known user.',
    gvk: gvk('TokenReview'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: authn('TokenReviewSpec'), keepZero: true, required: true, description: 'Spec holds information about the request being evaluated' },
      { json: 'status', proto: 3, type: authn('TokenReviewStatus'), keepZero: true, description: 'Status is filled in by the server and indicates whether the request can be authenticated.' },
    ],
  },
  {
    name: authn('TokenReviewSpec'),
    description: 'TokenReviewSpec is a description of the token authentication request.',
    fields: [
      { json: 'token', proto: 1, type: 'string', description: 'Token is the opaque bearer token.' },
      { json: 'audiences', proto: 2, type: 'string', list: true, listType: 'atomic', description: 'Audiences is a list of the identifiers that the resource server presented with the token identifies as.' },
    ],
  },
  {
    name: authn('TokenReviewStatus'),
    description: 'TokenReviewStatus is the result of the token authentication request.',
    fields: [
      { json: 'authenticated', proto: 1, type: 'bool', description: 'Authenticated indicates that the token was associated with a known user.' },
      { json: 'user', proto: 2, type: authn('UserInfo'), keepZero: true, description: 'User is the UserInfo associated with the provided token.' },
      { json: 'audiences', proto: 4, type: 'string', list: true, listType: 'atomic', description: "Audiences are audience identifiers chosen by the authenticator that are compatible with both the TokenReview and token." },
      { json: 'error', proto: 3, type: 'string', description: "Error indicates that the token couldn't be checked" },
    ],
  },
  {
    name: authn('UserInfo'),
    description: 'UserInfo holds the information about the user needed to implement the user.Info interface.',
    fields: [
      { json: 'username', proto: 1, type: 'string', description: 'The name that uniquely identifies this user among all active users.' },
      { json: 'uid', proto: 2, type: 'string', description: 'A unique value that identifies this user across time.' },
      { json: 'groups', proto: 3, type: 'string', list: true, listType: 'atomic', description: 'The names of groups this user is a part of.' },
    ],
  },
  {
    name: authn('SelfSubjectReview'),
    description: 'SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.',
    gvk: gvk('SelfSubjectReview'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'status', proto: 2, type: authn('SelfSubjectReviewStatus'), keepZero: true, description: 'Status is filled in by the server with the user attributes.' },
    ],
  },
  {
    name: authn('SelfSubjectReviewStatus'),
    description: 'SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user.',
    fields: [
      { json: 'userInfo', proto: 1, type: authn('UserInfo'), keepZero: true, description: 'User attributes of the user making this request.' },
    ],
  },
];
