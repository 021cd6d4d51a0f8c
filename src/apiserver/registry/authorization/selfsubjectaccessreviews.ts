// SelfSubjectAccessReview, as kube-apiserver's pkg/registry/authorization/selfsubjectaccessreview:
// "may I do this?" for the requesting user (after impersonation), answered by the authorizer;
// never stored. `kubectl auth can-i` asks it.

import { errors } from '../../../api/errors.js';
import { isObject } from '../../../api/object.js';
import { defaultPrinter } from '../../tables.js';
import { type CreateHandler, defineResource } from '../rest.js';
import { AUTHZ_GROUP, answer, attributesFrom, decodeReview, validateAttributesSpec } from './reviews.js';

const create: CreateHandler = async (env, _ns, _name, body, ctx) => {
  const review = decodeReview(body, 'SelfSubjectAccessReview');
  const spec = isObject(review.spec) ? review.spec : {};
  const errs = validateAttributesSpec(spec);
  if (errs.length) throw errors.invalid('SelfSubjectAccessReview', AUTHZ_GROUP, '', errs);
  return answer(review, env.authorizer, attributesFrom(ctx.user, spec));
};

export const resource = defineResource({
  info: {
    group: AUTHZ_GROUP,
    version: 'v1',
    resource: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    schema: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
    verbs: ['create'],
  },
  create,
  printer: defaultPrinter,
});
