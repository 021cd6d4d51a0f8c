// What the access reviews share, as pkg/registry/authorization/util and
// pkg/apis/authorization/validation: the spec's resource or non-resource attributes turned into
// authorizer attributes, the spec checked (exactly one of the two), the answer in status, and
// the resource each review kind is (create only, never stored, the default printer).

import { errors, type FieldError } from '../../../api/errors.js';
import { isObject, type KObject, type Obj, obj, str } from '../../../api/object.js';
import type { UserInfo } from '../../authn/user.js';
import type { Attributes, Authorizer } from '../../authz/authorizer.js';
import { defaultPrinter } from '../../tables.js';
import { type CreateHandler, defineResource, type ResourceDefinition } from '../rest.js';

export const AUTHZ_GROUP = 'authorization.k8s.io';

/** An authorization.k8s.io/v1 review kind: answered by create, never stored. */
export function defineReview(kind: string, namespaced: boolean, create: CreateHandler): ResourceDefinition {
  return defineResource({
    info: {
      group: AUTHZ_GROUP,
      version: 'v1',
      resource: `${kind.toLowerCase()}s`,
      kind,
      namespaced,
      schema: `io.k8s.api.authorization.v1.${kind}`,
      verbs: ['create'],
    },
    create,
    printer: defaultPrinter,
  });
}

/** The body as a review of this kind (the kind and apiVersion, when sent, must be this one's). */
export function decodeReview(body: unknown, kind: string): KObject {
  if (!isObject(body)) throw errors.badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  const o = body as KObject;
  if (o.kind !== undefined && o.kind !== kind)
    throw errors.badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${kind})`);
  if (!isObject(o.metadata)) o.metadata = {};
  return o;
}

/** ValidateSelfSubjectAccessReviewSpec: exactly one of resourceAttributes and nonResourceAttributes. */
export function validateAttributesSpec(spec: Obj): FieldError[] {
  const hasR = isObject(spec.resourceAttributes);
  const hasN = isObject(spec.nonResourceAttributes);
  if (hasR && hasN)
    return [
      {
        type: 'FieldValueInvalid',
        field: 'spec.nonResourceAttributes',
        value: spec.nonResourceAttributes,
        detail: 'cannot be specified in combination with resourceAttributes',
      },
    ];
  if (!hasR && !hasN)
    return [
      {
        type: 'FieldValueInvalid',
        field: 'spec.resourceAttributes',
        value: null,
        detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ];
  return [];
}

/** ResourceAttributesFrom / NonResourceAttributesFrom. */
export function attributesFrom(user: UserInfo, spec: Obj): Attributes {
  if (isObject(spec.resourceAttributes)) {
    const r = obj(spec.resourceAttributes);
    return {
      user,
      isResourceRequest: true,
      verb: str(r.verb),
      namespace: str(r.namespace) || undefined,
      apiGroup: str(r.group),
      apiVersion: str(r.version) || '*',
      resource: str(r.resource),
      subresource: str(r.subresource) || undefined,
      name: str(r.name) || undefined,
    };
  }
  const n = obj(spec.nonResourceAttributes);
  return { user, isResourceRequest: false, verb: str(n.verb), path: str(n.path) };
}

/** Asks the authorizer and writes the answer into the review's status (201, as kube-apiserver answers a create). */
export function answer(review: KObject, authorizer: Authorizer | undefined, attrs: Attributes): { code: number; body: unknown } {
  const r = authorizer ? authorizer.authorize(attrs) : { decision: 'Allow' as const, reason: '' };
  const status: Obj = { allowed: r.decision === 'Allow' };
  if (r.decision === 'Deny') status.denied = true;
  if (r.reason) status.reason = r.reason;
  review.status = status;
  review.metadata = { ...review.metadata, creationTimestamp: null } as unknown as KObject['metadata'];
  return { code: 201, body: review };
}
