// SelfSubjectRulesReview, as kube-apiserver's pkg/registry/authorization/selfsubjectrulesreview:
// everything the requesting user may do in a namespace, from the rule resolver (RBAC's rules
// for them); never stored. `kubectl auth can-i --list` asks it.

import { errors } from '../../../api/errors.js';
import { isObject } from '../../../api/object.js';
import type { CreateHandler } from '../rest.js';
import { AUTHZ_GROUP, decodeReview, defineReview } from './reviews.js';

const create: CreateHandler = async (env, _ns, _name, body, ctx) => {
  const review = decodeReview(body, 'SelfSubjectRulesReview');
  const spec = isObject(review.spec) ? review.spec : {};
  const namespace = typeof spec.namespace === 'string' ? spec.namespace : '';
  if (!namespace) throw errors.badRequest('no namespace on request');
  // Without RBAC (AlwaysAllow) everything is allowed, which no rule list can say exactly.
  const r = env.ruleResolver?.rulesFor(ctx.user, namespace) ?? {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: true,
    evaluationError: '',
  };
  const status: Record<string, unknown> = {
    resourceRules: r.resourceRules.map((x) => ({
      verbs: x.verbs,
      apiGroups: x.apiGroups,
      resources: x.resources,
      ...(x.resourceNames.length ? { resourceNames: x.resourceNames } : {}),
    })),
    nonResourceRules: r.nonResourceRules,
    incomplete: r.incomplete,
  };
  if (r.evaluationError) status.evaluationError = r.evaluationError;
  return {
    code: 201,
    body: {
      kind: 'SelfSubjectRulesReview',
      apiVersion: `${AUTHZ_GROUP}/v1`,
      metadata: { creationTimestamp: null },
      spec: { namespace },
      status,
    },
  };
};

export const resource = defineReview('SelfSubjectRulesReview', false, create);
