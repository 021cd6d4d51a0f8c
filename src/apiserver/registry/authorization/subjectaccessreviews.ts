// SubjectAccessReview, as kube-apiserver's pkg/registry/authorization/subjectaccessreview:
// "may this user (and groups) do this?", answered by the authorizer for the user the spec
// names (no system:authenticated added); never stored. Webhooks and kubelets ask it.

import { errors, type FieldError } from '../../../api/errors.js';
import { isObject } from '../../../api/object.js';
import type { UserInfo } from '../../authn/user.js';
import type { CreateHandler } from '../rest.js';
import { AUTHZ_GROUP, answer, attributesFrom, decodeReview, defineReview, validateAttributesSpec } from './reviews.js';

/** The user a SubjectAccessReview's spec names (AuthorizationAttributesFrom). */
export function specUser(spec: Record<string, unknown>): UserInfo {
  const u: UserInfo = {
    name: typeof spec.user === 'string' ? spec.user : '',
    groups: Array.isArray(spec.groups) ? spec.groups.filter((g): g is string => typeof g === 'string') : [],
  };
  if (typeof spec.uid === 'string' && spec.uid) u.uid = spec.uid;
  if (isObject(spec.extra)) u.extra = spec.extra as Record<string, string[]>;
  return u;
}

/**
 * ValidateSubjectAccessReviewSpec (shared by SubjectAccessReview and LocalSubjectAccessReview):
 * the attributes' errors, and a user or group required; with the user the spec names.
 */
export function validateSubjectAccessReviewSpec(spec: Record<string, unknown>): { errs: FieldError[]; user: UserInfo } {
  const errs = validateAttributesSpec(spec);
  const user = specUser(spec);
  if (!user.name && user.groups.length === 0)
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.user',
      value: user.name,
      detail: 'at least one of user or group must be specified',
    });
  return { errs, user };
}

const create: CreateHandler = async (env, _ns, _name, body, _ctx) => {
  const review = decodeReview(body, 'SubjectAccessReview');
  const spec = isObject(review.spec) ? review.spec : {};
  const { errs, user } = validateSubjectAccessReviewSpec(spec);
  if (errs.length) throw errors.invalid('SubjectAccessReview', AUTHZ_GROUP, '', errs);
  return answer(review, env.authorizer, attributesFrom(user, spec));
};

export const resource = defineReview('SubjectAccessReview', false, create);
