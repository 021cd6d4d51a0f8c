// rbac.authorization.k8s.io validation, after pkg/apis/rbac/validation: rules need verbs and
// either resources with API groups or non-resource URLs (cluster roles only); bindings name a
// Role or ClusterRole of this group, their subjects a User, Group or ServiceAccount; roleRef
// cannot change. Names are path segments (ValidateRBACName), so "system:..." is fine.

import { isObject, type KObject, items as list, type Obj, obj, str } from '../object.js';
import { child, type FieldError, index, invalid, notSupported, required } from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Subdomain, type NameFn } from './names.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** path.IsValidPathSegmentName. */
export const isValidPathSegmentName: NameFn = (name) => {
  for (const bad of ['.', '..']) if (name === bad) return [`may not be '${bad}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
};

function validatePolicyRule(rule: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (list(rule.verbs).length === 0) errs.push(required(child(path, 'verbs'), 'verbs must contain at least one value'));
  const urls = list(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(child(path, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (list(rule.apiGroups).length > 0 || list(rule.resources).length > 0 || list(rule.resourceNames).length > 0) {
      errs.push(invalid(child(path, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (list(rule.apiGroups).length === 0) errs.push(required(child(path, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (list(rule.resources).length === 0) errs.push(required(child(path, 'resources'), 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(o: KObject, namespaced: boolean): FieldError[] {
  return list(o.rules).flatMap((r, i) => validatePolicyRule(obj(r), namespaced, index('rules', i)));
}

function validateAggregationRule(o: KObject): FieldError[] {
  if (o.aggregationRule === undefined || o.aggregationRule === null) return [];
  const sels = list(obj(o.aggregationRule).clusterRoleSelectors);
  if (sels.length === 0)
    return [required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  return sels.flatMap((s, i) => validateLabelSelector(s, index('aggregationRule.clusterRoleSelectors', i)));
}

export const validateRoleCreate = (r: KObject): FieldError[] => [
  ...validateObjectMeta(r, true, isValidPathSegmentName),
  ...validateRules(r, true),
];
export const validateRoleUpdate = (r: KObject, old: KObject): FieldError[] => [
  ...validateObjectMetaUpdate(r, old),
  ...validateRoleCreate(r).filter((e) => !e.field.startsWith('metadata.')),
];
export const validateClusterRoleCreate = (r: KObject): FieldError[] => [
  ...validateObjectMeta(r, false, isValidPathSegmentName),
  ...validateRules(r, false),
  ...validateAggregationRule(r),
];
export const validateClusterRoleUpdate = (r: KObject, old: KObject): FieldError[] => [
  ...validateObjectMetaUpdate(r, old),
  ...validateClusterRoleCreate(r).filter((e) => !e.field.startsWith('metadata.')),
];

/** ValidateServiceAccountName: a DNS subdomain. */
function validateSubject(s: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.name);
  if (!name) errs.push(required(child(path, 'name')));
  const apiGroup = str(s.apiGroup);
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const m of isDNS1123Subdomain(name)) errs.push(invalid(child(path, 'name'), name, m));
      if (apiGroup) errs.push(notSupported(child(path, 'apiGroup'), apiGroup, ['']));
      if (!namespaced && !str(s.namespace)) errs.push(required(child(path, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(child(path, 'apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(child(path, 'kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(b: KObject, namespaced: boolean): FieldError[] {
  const errs = validateObjectMeta(b, namespaced, isValidPathSegmentName);
  const ref = obj(b.roleRef);
  if (str(ref.apiGroup) !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(notSupported('roleRef.kind', str(ref.kind), kinds));
  const name = str(ref.name);
  if (!name) errs.push(required('roleRef.name'));
  else for (const m of isValidPathSegmentName(name, false)) errs.push(invalid('roleRef.name', name, m));
  list(b.subjects).forEach((s, i) => {
    errs.push(...validateSubject(obj(s), namespaced, index('subjects', i)));
  });
  return errs;
}

function validateBindingUpdate(b: KObject, old: KObject, namespaced: boolean): FieldError[] {
  const errs = [...validateObjectMetaUpdate(b, old), ...validateBinding(b, namespaced).filter((e) => !e.field.startsWith('metadata.'))];
  if (JSON.stringify(b.roleRef) !== JSON.stringify(old.roleRef)) errs.push(invalid('roleRef', b.roleRef, 'cannot change roleRef'));
  return errs;
}

export const validateRoleBindingCreate = (b: KObject): FieldError[] => validateBinding(b, true);
export const validateRoleBindingUpdate = (b: KObject, old: KObject): FieldError[] => validateBindingUpdate(b, old, true);
export const validateClusterRoleBindingCreate = (b: KObject): FieldError[] => validateBinding(b, false);
export const validateClusterRoleBindingUpdate = (b: KObject, old: KObject): FieldError[] => validateBindingUpdate(b, old, false);

/** The v1 defaulters: a roleRef's and a User/Group subject's apiGroup default to rbac.authorization.k8s.io. */
export function defaultBinding(b: KObject): void {
  const ref = obj(b.roleRef);
  if (isObject(b.roleRef) && !ref.apiGroup) ref.apiGroup = RBAC_GROUP;
  for (const s of list(b.subjects)) {
    if (!isObject(s)) continue;
    if (s.apiGroup === undefined || s.apiGroup === '') {
      if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
      else if (s.kind === 'ServiceAccount') s.apiGroup = '';
    }
  }
}
