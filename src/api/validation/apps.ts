// Deployment and ReplicaSet validation, after pkg/apis/apps/validation.

import { isObject, type KObject, type Obj, obj } from '../object.js';
import { semanticEqual } from './compare.js';
import * as field from './field.js';
import * as apimachineryvalidation from './meta.js';
import { isValidPercent, nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod.js';

/** ValidatePodTemplateSpecForReplicaSet. */
function validateTemplateForReplicaSet(template: unknown, selector: unknown, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  if (!isObject(template)) return [field.required(path)];
  // A missing selector converts to labels.Nothing(), which is not Empty() and matches nothing.
  if (!apimachineryvalidation.selectorIsEmpty(selector))
    errs.push(...apimachineryvalidation.validateSelectorMatchesTemplate(selector, template, path));
  errs.push(...validatePodTemplateSpec(template, path));
  const spec = obj(template.spec);
  if (spec.restartPolicy !== 'Always') {
    errs.push(field.notSupported(field.child(path, 'spec', 'restartPolicy'), spec.restartPolicy ?? '', ['Always']));
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(
      field.invalid(
        field.child(path, 'spec', 'activeDeadlineSeconds'),
        spec.activeDeadlineSeconds,
        'activeDeadlineSeconds in ReplicaSet is not Supported',
      ),
    );
  }
  return errs;
}

function validateSelectorAndTemplate(spec: Obj, kind: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const sel = spec.selector;
  if (sel === undefined || sel === null) {
    errs.push(field.required('spec.selector'));
  } else {
    errs.push(...apimachineryvalidation.validateLabelSelector(sel, 'spec.selector'));
    if (apimachineryvalidation.selectorIsEmpty(sel))
      errs.push(field.invalid('spec.selector', apimachineryvalidation.labelSelectorValue(sel), `empty selector is invalid for ${kind}`));
  }
  if (!apimachineryvalidation.selectorIsConvertible(sel))
    errs.push(field.invalid('spec.selector', apimachineryvalidation.labelSelectorValue(sel), 'invalid label selector'));
  else errs.push(...validateTemplateForReplicaSet(spec.template, sel, 'spec.template'));
  return errs;
}

function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && isValidPercent(v).length === 0) return Number(v.slice(0, -1));
  // IntOrString.IntValue() of a non-numeric string is 0.
  const n = Number.parseInt(String(v ?? ''), 10);
  return Number.isNaN(n) ? 0 : n;
}

export function validatePositiveIntOrPercent(v: unknown, path: string): field.FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => field.invalid(path, field.goLiteral(field.goIntOrString(v)), m));
  if (typeof v === 'number') return apimachineryvalidation.validateNonnegative(v, path);
  return [field.invalid(path, field.goLiteral(field.goIntOrString(v)), "must be an integer or percentage (e.g '5%%')")];
}

export function isNotMoreThan100Percent(v: unknown, path: string): field.FieldError[] {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return [];
  return Number(v.slice(0, -1)) > 100
    ? [field.invalid(path, field.goLiteral(field.goIntOrString(v)), 'must not be greater than 100%')]
    : [];
}

function validateDeploymentStrategy(strategy: unknown): field.FieldError[] {
  const s = obj(strategy);
  const path = 'spec.strategy';
  switch (s.type) {
    case 'Recreate':
      return isObject(s.rollingUpdate)
        ? [field.forbidden(field.child(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")]
        : [];
    case 'RollingUpdate': {
      if (!isObject(s.rollingUpdate))
        return [field.required(field.child(path, 'rollingUpdate'), 'this should be defaulted and never be nil')];
      const ru = s.rollingUpdate;
      const rp = field.child(path, 'rollingUpdate');
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, field.child(rp, 'maxUnavailable')),
        ...validatePositiveIntOrPercent(ru.maxSurge, field.child(rp, 'maxSurge')),
      ];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(
          field.invalid(
            field.child(rp, 'maxUnavailable'),
            field.goLiteral(field.goIntOrString(ru.maxUnavailable ?? 0)),
            'may not be 0 when `maxSurge` is 0',
          ),
        );
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, field.child(rp, 'maxUnavailable')));
      return errs;
    }
    default: {
      const ru = isObject(s.rollingUpdate) ? '&apps.RollingUpdateDeployment{...}' : '(*apps.RollingUpdateDeployment)(nil)';
      return [
        field.notSupported(
          path,
          field.goLiteral(`apps.DeploymentStrategy{Type:${JSON.stringify(String(s.type ?? ''))}, RollingUpdate:${ru}}`),
          ['Recreate', 'RollingUpdate'],
        ),
      ];
    }
  }
}

function validateDeploymentSpec(specIn: unknown): field.FieldError[] {
  const spec = obj(specIn);
  const errs = apimachineryvalidation.validateNonnegative(spec.replicas, 'spec.replicas');
  errs.push(...validateSelectorAndTemplate(spec, 'deployment'));
  errs.push(...validateDeploymentStrategy(spec.strategy));
  errs.push(...apimachineryvalidation.validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...apimachineryvalidation.validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...apimachineryvalidation.validateNonnegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= Number(spec.minReadySeconds ?? 0)) {
      errs.push(field.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function validateReplicaSetSpec(specIn: unknown): field.FieldError[] {
  const spec = obj(specIn);
  const errs = apimachineryvalidation.validateNonnegative(spec.replicas, 'spec.replicas');
  errs.push(...apimachineryvalidation.validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  // Kubernetes' ReplicaSet validation shares the Deployment's wording for an empty selector.
  errs.push(...validateSelectorAndTemplate(spec, 'deployment'));
  return errs;
}

function selectorImmutable(obj1: KObject, old: KObject): field.FieldError[] {
  const n = obj(obj1.spec).selector;
  const o = obj(old.spec).selector;
  return semanticEqual(n, o)
    ? []
    : [field.invalid('spec.selector', apimachineryvalidation.labelSelectorValue(n), apimachineryvalidation.fieldImmutableErrorMsg)];
}

export function validateDeploymentCreate(d: KObject): field.FieldError[] {
  return [...apimachineryvalidation.validateObjectMeta(d, true, nameIsDNSSubdomain), ...validateDeploymentSpec(d.spec)];
}

export function validateDeploymentUpdate(d: KObject, old: KObject): field.FieldError[] {
  return [...apimachineryvalidation.validateObjectMetaUpdate(d, old), ...validateDeploymentSpec(d.spec), ...selectorImmutable(d, old)];
}

export function validateReplicaSetCreate(rs: KObject): field.FieldError[] {
  return [...apimachineryvalidation.validateObjectMeta(rs, true, nameIsDNSSubdomain), ...validateReplicaSetSpec(rs.spec)];
}

export function validateReplicaSetUpdate(rs: KObject, old: KObject): field.FieldError[] {
  return [...apimachineryvalidation.validateObjectMetaUpdate(rs, old), ...validateReplicaSetSpec(rs.spec), ...selectorImmutable(rs, old)];
}

function replicaCounts(status: Obj, fields: string[], errs: field.FieldError[]): void {
  for (const f of fields) errs.push(...apimachineryvalidation.validateNonnegative(status[f], `status.${f}`));
  const n = (f: string) => Number(status[f] ?? 0);
  const msg = 'cannot be greater than status.replicas';
  for (const f of fields) {
    if (f === 'replicas' || f === 'observedGeneration' || f === 'unavailableReplicas' || f === 'collisionCount') continue;
    if (n(f) > n('replicas')) errs.push(field.invalid(`status.${f}`, n(f), msg));
  }
  if (n('availableReplicas') > n('readyReplicas'))
    errs.push(field.invalid('status.availableReplicas', n('availableReplicas'), 'cannot be greater than readyReplicas'));
}

function collisionCountDecremented(d: KObject, old: KObject, errs: field.FieldError[]): void {
  const n = obj(d.status).collisionCount;
  const o = obj(old.status).collisionCount;
  if (typeof o === 'number' && (typeof n !== 'number' || n < o))
    errs.push(field.invalid('status.collisionCount', typeof n === 'number' ? n : 0, 'cannot be decremented'));
}

export function validateDeploymentStatusUpdate(d: KObject, old: KObject): field.FieldError[] {
  const errs = apimachineryvalidation.validateObjectMetaUpdate(d, old);
  replicaCounts(
    obj(d.status),
    ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'],
    errs,
  );
  collisionCountDecremented(d, old, errs);
  return errs;
}

export function validateReplicaSetStatusUpdate(rs: KObject, old: KObject): field.FieldError[] {
  const errs = apimachineryvalidation.validateObjectMetaUpdate(rs, old);
  replicaCounts(obj(rs.status), ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'], errs);
  return errs;
}
