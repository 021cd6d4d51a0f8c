// HorizontalPodAutoscaler validation (pkg/apis/autoscaling/validation), with Kubernetes' field
// paths and messages: replica bounds, the scale target, metric sources and targets, behavior.

import { type KObject, items as list, obj, str } from '../object.js';
import { Quantity } from '../quantity.js';
import { child, type FieldError, index, invalid, notSupported, required } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const TARGET_TYPES = ['AverageValue', 'Utilization', 'Value'];
const POLICY_TYPES = ['Percent', 'Pods'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

function validateScaleTarget(ref: unknown, path: string): FieldError[] {
  const r = obj(ref);
  const errs: FieldError[] = [];
  if (!str(r.kind)) errs.push(required(child(path, 'kind')));
  else if (str(r.kind).includes('/')) errs.push(invalid(child(path, 'kind'), r.kind, "may not contain '/'"));
  if (!str(r.name)) errs.push(required(child(path, 'name')));
  else if (str(r.name).includes('/')) errs.push(invalid(child(path, 'name'), r.name, "may not contain '/'"));
  return errs;
}

function validateTarget(t: unknown, path: string): FieldError[] {
  const target = obj(t);
  const errs: FieldError[] = [];
  const type = str(target.type);
  if (!type) errs.push(required(child(path, 'type'), 'must specify a metric target type'));
  else if (!TARGET_TYPES.includes(type)) errs.push(notSupported(child(path, 'type'), type, TARGET_TYPES));
  const qty = (k: string) => {
    if (target[k] === undefined) return;
    const q = Quantity.tryParse(target[k]);
    if (!q || q.sign() <= 0) errs.push(invalid(child(path, k), target[k], 'must be positive'));
  };
  qty('value');
  qty('averageValue');
  if (target.averageUtilization !== undefined && !(typeof target.averageUtilization === 'number' && target.averageUtilization >= 1)) {
    errs.push(invalid(child(path, 'averageUtilization'), target.averageUtilization, 'must be greater than 0'));
  }
  if (type === 'Utilization' && target.averageUtilization === undefined)
    errs.push(required(child(path, 'averageUtilization'), 'must set either a target raw value or a target utilization'));
  if (type === 'AverageValue' && target.averageValue === undefined)
    errs.push(required(child(path, 'averageValue'), 'must set either a target raw value or a target utilization'));
  if (type === 'Value' && target.value === undefined)
    errs.push(required(child(path, 'value'), 'must set either a target value for metric or a per-pod target'));
  return errs;
}

function validateMetric(m: unknown, path: string): FieldError[] {
  const spec = obj(m);
  const type = str(spec.type);
  const errs: FieldError[] = [];
  if (!type) return [required(child(path, 'type'), 'must specify a metric source type')];
  if (!METRIC_TYPES.includes(type)) return [notSupported(child(path, 'type'), type, METRIC_TYPES)];
  const field = type.charAt(0).toLowerCase() + type.slice(1);
  const set = METRIC_TYPES.map((t) => t.charAt(0).toLowerCase() + t.slice(1)).filter((k) => spec[k] !== undefined && spec[k] !== null);
  if (spec[field] === undefined || spec[field] === null)
    errs.push(required(child(path, field), `must populate information for the given metric source`));
  for (const k of set) if (k !== field) errs.push(invalid(child(path, 'type'), type, 'must populate the given metric source only'));
  const src = obj(spec[field]);
  if (type === 'Resource' || type === 'ContainerResource') {
    if (!str(src.name)) errs.push(required(child(path, field, 'name'), 'must specify a resource name'));
    if (type === 'ContainerResource' && !str(src.container))
      errs.push(required(child(path, field, 'container'), 'must specify a container'));
    errs.push(...validateTarget(src.target, child(path, field, 'target')));
    if (str(obj(src.target).type) === 'Value')
      errs.push(invalid(child(path, field, 'target', 'type'), 'Value', 'must be either Utilization or AverageValue'));
  } else {
    if (!str(obj(src.metric).name)) errs.push(required(child(path, field, 'metric', 'name'), 'must specify a metric name'));
    errs.push(...validateTarget(src.target, child(path, field, 'target')));
  }
  return errs;
}

function validateRules(r: unknown, path: string): FieldError[] {
  if (r === undefined || r === null) return [];
  const rules = obj(r);
  const errs: FieldError[] = [];
  const w = rules.stabilizationWindowSeconds;
  if (w !== undefined && (typeof w !== 'number' || w < 0 || w > MAX_STABILIZATION_WINDOW_SECONDS)) {
    errs.push(
      invalid(
        child(path, 'stabilizationWindowSeconds'),
        w,
        typeof w === 'number' && w < 0
          ? 'must be greater than or equal to zero'
          : `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`,
      ),
    );
  }
  if (rules.selectPolicy !== undefined && !SELECT_POLICIES.includes(str(rules.selectPolicy)))
    errs.push(notSupported(child(path, 'selectPolicy'), rules.selectPolicy, SELECT_POLICIES));
  const policies = list(rules.policies);
  if (rules.policies !== undefined && policies.length === 0)
    errs.push(required(child(path, 'policies'), 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pol = obj(p);
    const pp = index(child(path, 'policies'), i);
    if (!POLICY_TYPES.includes(str(pol.type))) errs.push(notSupported(child(pp, 'type'), pol.type, POLICY_TYPES));
    if (!(typeof pol.value === 'number' && pol.value > 0)) errs.push(invalid(child(pp, 'value'), pol.value, 'must be greater than zero'));
    if (!(typeof pol.periodSeconds === 'number' && pol.periodSeconds > 0))
      errs.push(invalid(child(pp, 'periodSeconds'), pol.periodSeconds, 'must be greater than zero'));
    else if (pol.periodSeconds > MAX_PERIOD_SECONDS)
      errs.push(invalid(child(pp, 'periodSeconds'), pol.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

function validateSpec(s: unknown): FieldError[] {
  const spec = obj(s);
  const errs: FieldError[] = [];
  const min = spec.minReplicas,
    max = spec.maxReplicas;
  if (typeof min === 'number' && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (typeof max !== 'number' || max < 1) errs.push(invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (typeof min === 'number' && max < min)
    errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateScaleTarget(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  list(spec.metrics).forEach((m, i) => {
    errs.push(...validateMetric(m, index('spec.metrics', i)));
  });
  const b = obj(spec.behavior);
  errs.push(...validateRules(b.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(b.scaleDown, 'spec.behavior.scaleDown'));
  return errs;
}

export function validateHorizontalPodAutoscalerCreate(hpa: KObject): FieldError[] {
  return [...validateObjectMeta(hpa, true, nameIsDNSSubdomain), ...validateSpec(hpa.spec)];
}

export function validateHorizontalPodAutoscalerUpdate(hpa: KObject, old: KObject): FieldError[] {
  return [...validateObjectMetaUpdate(hpa, old), ...validateSpec(hpa.spec)];
}

export function validateHorizontalPodAutoscalerStatusUpdate(hpa: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(hpa, old);
  const st = obj(hpa.status);
  for (const k of ['currentReplicas', 'desiredReplicas']) {
    const v = st[k];
    if (typeof v === 'number' && v < 0) errs.push(invalid(child('status', k), v, 'must be greater than or equal to 0'));
  }
  return errs;
}
