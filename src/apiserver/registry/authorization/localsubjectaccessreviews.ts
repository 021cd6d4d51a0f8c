// LocalSubjectAccessReview, as kube-apiserver's pkg/registry/authorization/localsubjectaccessreview:
// a SubjectAccessReview about one namespace, posted in it (namespace admins may ask it); never stored.

import { errors } from '../../../api/errors.js';
import { isObject } from '../../../api/object.js';
import type { CreateHandler } from '../rest.js';
import { AUTHZ_GROUP, answer, attributesFrom, decodeReview, defineReview } from './reviews.js';
import { validateSubjectAccessReviewSpec } from './subjectaccessreviews.js';

const create: CreateHandler = async (env, namespace, _name, body, _ctx) => {
  if (!namespace) throw errors.badRequest(`namespace is required on this type: ${namespace ?? ''}`);
  const review = decodeReview(body, 'LocalSubjectAccessReview');
  if (review.metadata.namespace && review.metadata.namespace !== namespace)
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  review.metadata.namespace = namespace;
  const spec = isObject(review.spec) ? review.spec : {};
  const { errs, user } = validateSubjectAccessReviewSpec(spec);
  if (isObject(spec.nonResourceAttributes))
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.nonResourceAttributes',
      value: spec.nonResourceAttributes,
      detail: 'disallowed on this kind of request',
    });
  const ra = isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  if (ra && (ra.namespace ?? '') !== namespace)
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.resourceAttributes.namespace',
      value: ra.namespace ?? '',
      detail: 'must match metadata.namespace',
    });
  if (errs.length) throw errors.invalid('LocalSubjectAccessReview', AUTHZ_GROUP, '', errs);
  return answer(review, env.authorizer, attributesFrom(user, spec));
};

export const resource = defineReview('LocalSubjectAccessReview', true, create);
