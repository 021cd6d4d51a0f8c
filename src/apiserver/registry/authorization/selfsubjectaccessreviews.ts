// SelfSubjectAccessReview, as kube-apiserver's pkg/registry/authorization/selfsubjectaccessreview:
// "may I do this?" for the requesting user (after impersonation), answered by the authorizer;
// never stored. `kubectl auth can-i` asks it.

import { errors } from '../../../api/errors.js';
import { isObject } from '../../../api/object.js';
import type { CreateHandler } from '../rest.js';
import { AUTHZ_GROUP, answer, attributesFrom, decodeReview, defineReview, validateAttributesSpec } from './reviews.js';

const create: CreateHandler = async (env, _ns, _name, body, ctx) => {
  const review = decodeReview(body, 'SelfSubjectAccessReview');
  const spec = isObject(review.spec) ? review.spec : {};
  const errs = validateAttributesSpec(spec);
  if (errs.length) throw errors.invalid('SelfSubjectAccessReview', AUTHZ_GROUP, '', errs);
  return answer(review, env.authorizer, attributesFrom(ctx.user, spec));
};

export const resource = defineReview('SelfSubjectAccessReview', false, create);
