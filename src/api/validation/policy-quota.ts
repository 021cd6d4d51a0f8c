// ResourceQuota and LimitRange (pkg/apis/core/validation: ValidateResourceQuota,
// ValidateLimitRange) and PriorityClass (pkg/apis/scheduling/validation), with Kubernetes'
// field paths and messages.

import { type KObject, items as list, obj, text as str } from '../object.js';
import { Quantity, quantityFormatMessage } from '../quantity.js';
import { child, duplicate, type FieldError, forbidden, index, invalid, key, notSupported, required } from './field.js';
import { fieldImmutableErrorMsg, isNegativeErrorMsg, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isQualifiedName, nameIsDNSSubdomain } from './names.js';

const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];
const SCOPE_OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn'];
/** Resources counted in whole objects (helper.IsIntegerResourceName). */
const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);
/** The resources a scope may be applied to (pods' compute resources and the pod count). */
const POD_SCOPED = new Set(['pods', 'count/pods', 'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** ValidateResourceQuantityValue: never negative; object counts are whole numbers. */
function quantityValue(name: string, v: unknown, path: string): FieldError[] {
  const q = Quantity.tryParse(v);
  if (!q) return [invalid(path, str(v), quantityFormatMessage)];
  if (q.sign() < 0) return [invalid(path, q.toString(), isNegativeErrorMsg)];
  if ((INTEGER_RESOURCES.has(name) || name.startsWith('count/')) && q.milliValue() % 1000 !== 0)
    return [invalid(path, q.toString(), 'must be an integer')];
  return [];
}

/** ValidateResourceQuotaResourceName: a qualified name (cpu, count/deployments.apps, requests.nvidia.com/gpu). */
function resourceName(name: string, path: string): FieldError[] {
  const bare = name.startsWith('count/') ? name.slice('count/'.length) : name;
  const msgs = bare.includes('/') ? isQualifiedName(bare) : isQualifiedName(bare.replace(/\./g, '-'));
  return msgs.map((m) => invalid(path, name, m));
}

function resourceList(m: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj(m))) {
    errs.push(...resourceName(k, key(path, k)), ...quantityValue(k, v, key(path, k)));
  }
  return errs;
}

function validateQuotaSpec(specIn: unknown): FieldError[] {
  const spec = obj(specIn);
  const errs = resourceList(spec.hard, 'spec.hard');
  const scopes = list(spec.scopes).map(str);
  const path = 'spec.scopes';
  for (const s of scopes) if (!QUOTA_SCOPES.includes(s)) errs.push(invalid(path, scopes, 'unsupported scope'));
  const selector = obj(spec.scopeSelector);
  list(selector.matchExpressions).forEach((e, i) => {
    const p = index('spec.scopeSelector.matchExpressions', i);
    const req = obj(e);
    if (!QUOTA_SCOPES.includes(str(req.scopeName))) errs.push(invalid(child(p, 'scopeName'), req.scopeName, 'unsupported scope'));
    const op = str(req.operator);
    if (!SCOPE_OPERATORS.includes(op)) errs.push(notSupported(child(p, 'operator'), req.operator, SCOPE_OPERATORS));
    const values = list(req.values);
    if ((op === 'In' || op === 'NotIn') && values.length === 0)
      errs.push(required(child(p, 'values'), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0)
      errs.push(invalid(child(p, 'values'), values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    scopes.push(str(req.scopeName));
  });
  const has = (s: string) => scopes.includes(s);
  if ((has('Terminating') && has('NotTerminating')) || (has('BestEffort') && has('NotBestEffort')))
    errs.push(invalid(path, scopes, 'conflicting scopes'));
  if (scopes.length > 0) {
    for (const k of Object.keys(obj(spec.hard))) {
      if (!POD_SCOPED.has(k)) {
        errs.push(invalid('spec.hard', Object.keys(obj(spec.hard)), 'unsupported scope applied to resource'));
        break;
      }
    }
  }
  return errs;
}

export function validateResourceQuotaCreate(q: KObject): FieldError[] {
  return [...validateObjectMeta(q, true, nameIsDNSSubdomain), ...validateQuotaSpec(q.spec), ...validateResourceQuotaStatus(q)];
}

function validateResourceQuotaStatus(q: KObject): FieldError[] {
  const status = obj(q.status);
  return [...resourceList(status.hard, 'status.hard'), ...resourceList(status.used, 'status.used')];
}

export function validateResourceQuotaUpdate(q: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(q, old), ...validateQuotaSpec(q.spec)];
  const scopes = JSON.stringify(list(obj(q.spec).scopes)),
    oldScopes = JSON.stringify(list(obj(old.spec).scopes));
  if (scopes !== oldScopes) errs.push(invalid('spec.scopes', list(obj(q.spec).scopes), fieldImmutableErrorMsg));
  return errs;
}

export function validateResourceQuotaStatusUpdate(q: KObject, old: KObject): FieldError[] {
  return [...validateObjectMetaUpdate(q, old), ...validateResourceQuotaStatus(q)];
}

// ---- LimitRange ----

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

function validateLimitRangeSpec(specIn: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(obj(specIn).limits).forEach((itIn, i) => {
    const it = obj(itIn);
    const p = index('spec.limits', i);
    const type = str(it.type);
    if (!type) errs.push(required(child(p, 'type')));
    else if (seen.has(type)) errs.push(duplicate(child(p, 'type'), type));
    seen.add(type);
    if (type && !LIMIT_TYPES.includes(type) && isQualifiedName(type).length) errs.push(notSupported(child(p, 'type'), type, LIMIT_TYPES));
    if (type === 'Pod') {
      if (Object.keys(obj(it.default)).length) errs.push(forbidden(child(p, 'default'), "may not be specified when `type` is 'Pod'"));
      if (Object.keys(obj(it.defaultRequest)).length)
        errs.push(forbidden(child(p, 'defaultRequest'), "may not be specified when `type` is 'Pod'"));
    }
    const maps: Record<string, Map<string, Quantity>> = {};
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      maps[f] = new Map();
      for (const [k, v] of Object.entries(obj(it[f]))) {
        const q = Quantity.tryParse(v);
        if (!q) {
          errs.push(invalid(key(child(p, f), k), str(v), quantityFormatMessage));
          continue;
        }
        if (q.sign() < 0) errs.push(invalid(key(child(p, f), k), q.toString(), isNegativeErrorMsg));
        maps[f].set(k, q);
      }
    }
    const names = new Set(Object.values(maps).flatMap((m) => [...m.keys()]));
    for (const k of names) {
      const min = maps.min.get(k),
        max = maps.max.get(k),
        def = maps.default.get(k),
        defReq = maps.defaultRequest.get(k),
        ratio = maps.maxLimitRequestRatio.get(k);
      if (min && max && min.cmp(max) > 0)
        errs.push(invalid(key(child(p, 'min'), k), min.toString(), `min value ${min} is greater than max value ${max}`));
      if (defReq && min && min.cmp(defReq) > 0)
        errs.push(
          invalid(
            key(child(p, 'defaultRequest'), k),
            defReq.toString(),
            `min value ${min} is greater than default request value ${defReq}`,
          ),
        );
      if (defReq && max && defReq.cmp(max) > 0)
        errs.push(
          invalid(
            key(child(p, 'defaultRequest'), k),
            defReq.toString(),
            `default request value ${defReq} is greater than max value ${max}`,
          ),
        );
      if (defReq && def && defReq.cmp(def) > 0)
        errs.push(
          invalid(
            key(child(p, 'defaultRequest'), k),
            defReq.toString(),
            `default request value ${defReq} is greater than default limit value ${def}`,
          ),
        );
      if (def && min && min.cmp(def) > 0)
        errs.push(invalid(key(child(p, 'default'), k), def.toString(), `min value ${min} is greater than default value ${def}`));
      if (def && max && def.cmp(max) > 0)
        errs.push(invalid(key(child(p, 'default'), k), def.toString(), `default value ${def} is greater than max value ${max}`));
      if (ratio) {
        if (ratio.cmp(Quantity.ONE) < 0)
          errs.push(invalid(key(child(p, 'maxLimitRequestRatio'), k), ratio.toString(), `ratio ${ratio} is less than 1`));
        if (min && max && !min.isZero()) {
          const maxRatio = max.toNumber() / min.toNumber();
          if (ratio.toNumber() > maxRatio)
            errs.push(
              invalid(
                key(child(p, 'maxLimitRequestRatio'), k),
                ratio.toString(),
                `ratio ${ratio} is greater than max/min = ${maxRatio.toFixed(6)}`,
              ),
            );
        }
      }
    }
  });
  return errs;
}

export function validateLimitRangeCreate(lr: KObject): FieldError[] {
  return [...validateObjectMeta(lr, true, nameIsDNSSubdomain), ...validateLimitRangeSpec(lr.spec)];
}

export function validateLimitRangeUpdate(lr: KObject, old: KObject): FieldError[] {
  return [...validateObjectMetaUpdate(lr, old), ...validateLimitRangeSpec(lr.spec)];
}

// ---- PriorityClass ----

export const SYSTEM_PRIORITY_CLASSES: readonly { name: string; value: number; description: string }[] = [
  {
    name: 'system-node-critical',
    value: 2000001000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: 2000000000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];
/** scheduling.HighestUserDefinablePriority */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

/** IsKnownSystemPriorityClass: undefined when it is, else why not. */
function knownSystemClass(name: string, value: unknown, globalDefault: unknown): string | undefined {
  const sys = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!sys) return `${name} is not a known system priority class`;
  if (value !== sys.value) return `value of ${name} PriorityClass must be ${sys.value}`;
  if (globalDefault === true) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

function validatePriorityClassFields(pc: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata.name ?? '';
  if (name.startsWith('system-')) {
    const why = knownSystemClass(name, pc.value, pc.globalDefault);
    if (why)
      errs.push(forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`));
  } else if (typeof pc.value === 'number' && pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(str(pc.preemptionPolicy))) {
    errs.push(notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

export function validatePriorityClassCreate(pc: KObject): FieldError[] {
  return [...validateObjectMeta(pc, false, nameIsDNSSubdomain), ...validatePriorityClassFields(pc)];
}

export function validatePriorityClassUpdate(pc: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pc, old)];
  if (pc.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
  if (pc.preemptionPolicy !== old.preemptionPolicy) errs.push(invalid('preemptionPolicy', pc.preemptionPolicy, fieldImmutableErrorMsg));
  return errs;
}
