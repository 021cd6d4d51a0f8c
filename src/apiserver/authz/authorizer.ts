// Authorization's vocabulary, as k8s.io/apiserver/pkg/authorization/authorizer: the attributes
// of a request (who, which verb, on what), the decision, and the union of authorizers
// (kube-apiserver's --authorization-mode=Node,RBAC: the first that allows or denies decides).

import type { UserInfo } from '../authn/user.js';
import { SystemPrivilegedGroup } from '../authn/user.js';

export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, and the special verbs (impersonate, bind, escalate, use...); for non-resource requests, the lower-cased HTTP method. */
  verb: string;
  isResourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path?: string;
  apiGroup?: string;
  apiVersion?: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why (joined into the 403's message after the forbidden text). */
  reason: string;
}

export interface Authorizer {
  authorize(a: Attributes): AuthorizationResult;
}

/** What a user may do in a namespace, for SelfSubjectRulesReview (authorizer.RuleResolver). */
export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}
export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}
export interface RuleResolver {
  rulesFor(
    user: UserInfo,
    namespace: string,
  ): { resourceRules: ResourceRuleInfo[]; nonResourceRules: NonResourceRuleInfo[]; incomplete: boolean; evaluationError: string };
}

/**
 * The privileged group authorizer kube-apiserver puts first (authorizerfactory.NewPrivilegedGroups):
 * system:masters may do anything, whatever RBAC's objects say (the API server's own loopback
 * identity relies on it).
 */
export class PrivilegedGroupAuthorizer implements Authorizer {
  constructor(private readonly groups: string[] = [SystemPrivilegedGroup]) {}
  authorize(a: Attributes): AuthorizationResult {
    return a.user.groups.some((g) => this.groups.includes(g)) ? { decision: 'Allow', reason: '' } : { decision: 'NoOpinion', reason: '' };
  }
}

/** authorizerfactory.NewAlwaysAllowAuthorizer: --authorization-mode=AlwaysAllow. */
export class AlwaysAllowAuthorizer implements Authorizer {
  authorize(): AuthorizationResult {
    return { decision: 'Allow', reason: '' };
  }
}

/** union.New: the first authorizer that allows or denies decides; the reasons of the others are kept. */
export class UnionAuthorizer implements Authorizer {
  constructor(private readonly authorizers: Authorizer[]) {}
  authorize(a: Attributes): AuthorizationResult {
    const reasons: string[] = [];
    for (const z of this.authorizers) {
      const r = z.authorize(a);
      if (r.decision !== 'NoOpinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'NoOpinion', reason: reasons.join('\n') };
  }
}
