// The RBAC authorizer, as plugin/pkg/auth/authorizer/rbac.RBACAuthorizer: allowed when any rule
// of any binding that applies to the user allows the request; otherwise no opinion, with the
// resolution errors met (a binding to a missing role) as the reason ("RBAC: ...").

import type { UserInfo } from '../../authn/user.js';
import type { Attributes, AuthorizationResult, Authorizer, NonResourceRuleInfo, ResourceRuleInfo } from '../authorizer.js';
import { RuleResolver } from './resolver.js';
import { ruleAllows } from './rule.js';
import type { PolicyLister } from './types.js';

/** Go's utilerrors.NewAggregate(...).Error(): one message alone, several in brackets. */
export function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

export class RBACAuthorizer implements Authorizer {
  readonly resolver: RuleResolver;

  constructor(lister: PolicyLister) {
    this.resolver = new RuleResolver(lister);
  }

  authorize(a: Attributes): AuthorizationResult {
    let allowedBy: string | undefined;
    const errors: string[] = [];
    this.resolver.visitRulesFor(a.user, a.namespace ?? '', (source, rule, err) => {
      if (rule && ruleAllows(a, rule)) {
        allowedBy = source?.();
        return false;
      }
      if (err) errors.push(err);
      return true;
    });
    if (allowedBy !== undefined) return { decision: 'Allow', reason: `RBAC: allowed by ${allowedBy}` };
    return { decision: 'NoOpinion', reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
  }

  /** What the user may do in the namespace, as RBACAuthorizer.RulesFor (SelfSubjectRulesReview). */
  rulesFor(
    user: UserInfo,
    namespace: string,
  ): { resourceRules: ResourceRuleInfo[]; nonResourceRules: NonResourceRuleInfo[]; incomplete: boolean; evaluationError: string } {
    const { rules, errors } = this.resolver.rulesFor(user, namespace);
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    for (const r of rules) {
      if ((r.resources ?? []).length > 0)
        resourceRules.push({
          verbs: [...r.verbs],
          apiGroups: [...(r.apiGroups ?? [])],
          resources: [...(r.resources ?? [])],
          resourceNames: [...(r.resourceNames ?? [])],
        });
      if ((r.nonResourceURLs ?? []).length > 0)
        nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...(r.nonResourceURLs ?? [])] });
    }
    return { resourceRules, nonResourceRules, incomplete: errors.length > 0, evaluationError: errors.length ? aggregate(errors) : '' };
  }
}
