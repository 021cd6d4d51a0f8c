// Whether one PolicyRule allows a request, as plugin/pkg/auth/authorizer/rbac's RuleAllows and
// pkg/apis/rbac/v1's VerbMatches, APIGroupMatches, ResourceMatches (with "*/subresource"),
// ResourceNameMatches and NonResourceURLMatches (a trailing "*" matches a prefix).

import type { Attributes } from '../authorizer.js';
import type { PolicyRule } from './types.js';

const ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

export function resourceMatches(rule: PolicyRule, combined: string, subresource: string | undefined): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    // "*/scale" matches the scale subresource of every resource.
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return name !== undefined && name !== '' && names.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (a.isResourceRequest) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
    return (
      verbMatches(rule, a.verb) &&
      apiGroupMatches(rule, a.apiGroup ?? '') &&
      resourceMatches(rule, combined, a.subresource) &&
      resourceNameMatches(rule, a.name)
    );
  }
  return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path ?? '');
}
