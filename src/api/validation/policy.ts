// PodDisruptionBudget validation, after pkg/apis/policy/validation (policy/v1: the spec may
// change after creation; the status counters may not go negative).

import { type KObject, type Obj, obj, present } from '../object.js';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from './apps.js';
import { child, type FieldError, goLiteral, index, invalid, notSupported, required } from './field.js';
import { validateLabelSelector, validateNonnegative, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isQualifiedName, nameIsDNSSubdomain } from './names.js';

export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** %#v of a PodDisruptionBudgetSpec, as the both-set error prints it (pointers shown as Go does, by type). */
function goSpec(spec: Obj): unknown {
  const ptr = (v: unknown, t: string) => (present(v) ? `(*${t})(0xc000000000)` : `(*${t})(nil)`);
  return goLiteral(
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr(spec.minAvailable, 'intstr.IntOrString')}, Selector:${ptr(spec.selector, 'v1.LabelSelector')}, MaxUnavailable:${ptr(spec.maxUnavailable, 'intstr.IntOrString')}, UnhealthyPodEvictionPolicy:${ptr(spec.unhealthyPodEvictionPolicy, 'policy.UnhealthyPodEvictionPolicyType')}}`,
  );
}

/** ValidatePodDisruptionBudgetSpec. */
function validateSpec(specIn: unknown): FieldError[] {
  const spec = obj(specIn);
  const path = 'spec';
  const errs: FieldError[] = [];
  if (present(spec.minAvailable) && present(spec.maxUnavailable))
    errs.push(invalid(path, goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  for (const f of ['minAvailable', 'maxUnavailable']) {
    if (!present(spec[f])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[f], child(path, f)), ...isNotMoreThan100Percent(spec[f], child(path, f)));
  }
  if (present(spec.selector)) errs.push(...validateLabelSelector(spec.selector, child(path, 'selector')));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (present(policy) && !UNHEALTHY_POD_EVICTION_POLICIES.includes(String(policy))) {
    errs.push(notSupported(child(path, 'unhealthyPodEvictionPolicy'), policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

export function validatePodDisruptionBudgetCreate(pdb: KObject): FieldError[] {
  return [...validateObjectMeta(pdb, true, nameIsDNSSubdomain), ...validateSpec(pdb.spec)];
}

export function validatePodDisruptionBudgetUpdate(pdb: KObject, old: KObject): FieldError[] {
  return [...validateObjectMetaUpdate(pdb, old), ...validateSpec(pdb.spec)];
}

/** ValidatePodDisruptionBudgetStatusUpdate: counters non-negative, conditions as metav1.Conditions. */
export function validatePodDisruptionBudgetStatusUpdate(pdb: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pdb, old);
  const status = obj(pdb.status);
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'])
    errs.push(...validateNonnegative(status[f], child('status', f)));
  const seen = new Set<string>();
  (Array.isArray(status.conditions) ? status.conditions : []).forEach((c, i) => {
    const cp = index('status.conditions', i);
    const cond = obj(c);
    const type = String(cond.type ?? '');
    if (!type) errs.push(required(child(cp, 'type')));
    else for (const m of isQualifiedName(type)) errs.push(invalid(child(cp, 'type'), type, m));
    if (seen.has(type)) errs.push({ type: 'FieldValueDuplicate', field: child(cp, 'type'), value: type, detail: '' });
    seen.add(type);
    if (!['True', 'False', 'Unknown'].includes(String(cond.status)))
      errs.push(notSupported(child(cp, 'status'), cond.status ?? '', ['False', 'True', 'Unknown']));
    if (!cond.lastTransitionTime) errs.push(required(child(cp, 'lastTransitionTime'), 'must be set'));
    if (!cond.reason) errs.push(required(child(cp, 'reason')));
    errs.push(...validateNonnegative(cond.observedGeneration, child(cp, 'observedGeneration')));
  });
  return errs;
}
