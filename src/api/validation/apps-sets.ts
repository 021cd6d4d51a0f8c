// DaemonSet, StatefulSet, ControllerRevision and ReplicationController validation, after
// pkg/apis/apps/validation (v1.32) and pkg/apis/core/validation's ReplicationController rules:
// Kubernetes' field paths and messages.

import { isObject, type KObject, type Obj, obj } from '../object.js';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from './apps.js';
import { semanticEqual } from './compare.js';
import { child, type FieldError, forbidden, goIntOrString, goLiteral, invalid, notSupported, required } from './field.js';
import {
  fieldImmutableErrorMsg,
  labelSelectorValue,
  selectorIsConvertible,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateSelectorMatchesTemplate,
} from './meta.js';
import { isValidPercent, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod.js';
import { validatePersistentVolumeClaimSpec } from './storage.js';

const selectorEmpty = (sel: unknown): boolean => {
  const s = obj(sel);
  return Object.keys(obj(s.matchLabels)).length + (Array.isArray(s.matchExpressions) ? s.matchExpressions.length : 0) === 0;
};

/** getIntOrPercentValue: a percentage's number, else IntValue() (0 for a non-numeric string). */
function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && isValidPercent(v).length === 0) return Number(v.slice(0, -1));
  const n = Number.parseInt(String(v ?? ''), 10);
  return Number.isNaN(n) ? 0 : n;
}

/** The restartPolicy and activeDeadlineSeconds rules every long-running workload's template shares. */
function templateRunsForever(template: unknown, kind: string): FieldError[] {
  const spec = obj(obj(template).spec);
  const errs: FieldError[] = [];
  if (spec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', spec.restartPolicy ?? '', ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

// ---- DaemonSet ----

function validateRollingUpdateDaemonSet(ru: Obj, path: string): FieldError[] {
  const mu = child(path, 'maxUnavailable'),
    ms = child(path, 'maxSurge');
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable ?? 0, mu),
    ...validatePositiveIntOrPercent(ru.maxSurge ?? 0, ms),
    ...isNotMoreThan100Percent(ru.maxUnavailable, mu),
    ...isNotMoreThan100Percent(ru.maxSurge, ms),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge)
    errs.push(invalid(ms, goLiteral(goIntOrString(ru.maxSurge)), 'may not be set when maxUnavailable is non-zero'));
  else if (!hasUnavailable && !hasSurge) errs.push(required(mu, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

function validateDaemonSetUpdateStrategy(strategy: unknown): FieldError[] {
  const s = obj(strategy);
  const path = 'spec.updateStrategy';
  switch (s.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate':
      if (!isObject(s.rollingUpdate)) return [required(child(path, 'rollingUpdate'))];
      return validateRollingUpdateDaemonSet(s.rollingUpdate, child(path, 'rollingUpdate'));
    default: {
      const ru = isObject(s.rollingUpdate) ? '&apps.RollingUpdateDaemonSet{...}' : '(*apps.RollingUpdateDaemonSet)(nil)';
      return [
        notSupported(path, goLiteral(`apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(String(s.type ?? ''))}, RollingUpdate:${ru}}`), [
          'RollingUpdate',
          'OnDelete',
        ]),
      ];
    }
  }
}

function validateDaemonSetSpec(specIn: unknown): FieldError[] {
  const spec = obj(specIn);
  const errs = validateLabelSelector(spec.selector, 'spec.selector');
  // A nil selector converts to labels.Nothing() and matches no template.
  if (selectorIsConvertible(spec.selector)) errs.push(...validateSelectorMatchesTemplate(spec.selector, spec.template));
  if (isObject(spec.selector) && selectorEmpty(spec.selector))
    errs.push(invalid('spec.selector', labelSelectorValue(spec.selector), 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  errs.push(...templateRunsForever(spec.template, 'DaemonSet'));
  errs.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateDaemonSetUpdateStrategy(spec.updateStrategy));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

export function validateDaemonSetCreate(ds: KObject): FieldError[] {
  return [...validateObjectMeta(ds, true, nameIsDNSSubdomain), ...validateDaemonSetSpec(ds.spec)];
}

export function validateDaemonSetUpdate(ds: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ds, old), ...validateDaemonSetSpec(ds.spec)];
  // ValidateDaemonSetUpdate (the v1 strategy): the selector cannot change.
  if (!semanticEqual(obj(ds.spec).selector, obj(old.spec).selector))
    errs.push(invalid('spec.selector', labelSelectorValue(obj(ds.spec).selector), fieldImmutableErrorMsg));
  return errs;
}

/** The counts of a DaemonSet's status (each non-negative; the controller writes them when one changes). */
export const DAEMONSET_STATUS_COUNTS = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'observedGeneration',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
] as const;

export function validateDaemonSetStatusUpdate(ds: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(ds, old);
  const st = obj(ds.status);
  for (const f of [...DAEMONSET_STATUS_COUNTS, 'collisionCount']) {
    errs.push(...validateNonnegative(st[f], `status.${f}`));
  }
  collisionCountDecremented(ds, old, errs);
  return errs;
}

function collisionCountDecremented(o: KObject, old: KObject, errs: FieldError[]): void {
  const n = obj(o.status).collisionCount,
    p = obj(old.status).collisionCount;
  if (typeof p === 'number' && (typeof n !== 'number' || n < p))
    errs.push(invalid('status.collisionCount', typeof n === 'number' ? n : 0, 'cannot be decremented'));
}

// ---- StatefulSet ----

function validateRetention(policy: unknown): FieldError[] {
  if (!isObject(policy)) return [];
  const errs: FieldError[] = [];
  for (const f of ['whenDeleted', 'whenScaled']) {
    const v = policy[f];
    if (v !== 'Retain' && v !== 'Delete')
      errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v ?? '', ['Retain', 'Delete']));
  }
  return errs;
}

function validateStatefulSetSpec(specIn: unknown): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (pmp === undefined || pmp === null || pmp === '') errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel')
    errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = obj(spec.updateStrategy);
  switch (us.type) {
    case undefined:
    case null:
    case '':
      errs.push(required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (isObject(us.rollingUpdate))
        errs.push(invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      if (isObject(us.rollingUpdate)) {
        const ru = us.rollingUpdate;
        errs.push(...validateNonnegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition'));
        if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
          const p = 'spec.updateStrategy.rollingUpdate.maxUnavailable';
          errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, p));
          if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalid(p, goLiteral(goIntOrString(ru.maxUnavailable)), 'cannot be 0'));
          errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, p));
        }
      }
      break;
    default:
      errs.push(invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  errs.push(...validateRetention(spec.persistentVolumeClaimRetentionPolicy));
  errs.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  errs.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (isObject(spec.ordinals)) errs.push(...validateNonnegative(spec.ordinals.start, 'spec.ordinals.start'));
  if (spec.selector === undefined || spec.selector === null) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    if (selectorEmpty(spec.selector))
      errs.push(invalid('spec.selector', labelSelectorValue(spec.selector), 'empty selector is invalid for statefulset'));
  }
  if (!selectorIsConvertible(spec.selector)) errs.push(invalid('spec.selector', labelSelectorValue(spec.selector), ''));
  else {
    // ValidatePodTemplateSpecForStatefulSet: labels and annotations only (volumes may name claim templates).
    const meta = obj(obj(spec.template).metadata);
    if (isObject(spec.selector) && !selectorEmpty(spec.selector))
      errs.push(...validateSelectorMatchesTemplate(spec.selector, spec.template));
    errs.push(
      ...validateLabels(meta.labels, 'spec.template.labels'),
      ...validateAnnotations(meta.annotations, 'spec.template.annotations'),
    );
  }
  errs.push(...templateRunsForever(spec.template, 'StatefulSet'));
  // The claims a StatefulSet will create are checked as claims, so that a bad template is refused
  // here rather than failing every pod's claim later.
  if (Array.isArray(spec.volumeClaimTemplates)) {
    spec.volumeClaimTemplates.forEach((t, i) => {
      errs.push(...validatePersistentVolumeClaimSpec(obj(t).spec, `spec.volumeClaimTemplates[${i}].spec`));
    });
  }
  return errs;
}

export function validateStatefulSetCreate(sts: KObject): FieldError[] {
  return [...validateObjectMeta(sts, true, nameIsDNSLabel), ...validateStatefulSetSpec(sts.spec)];
}

const STS_MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];

export function validateStatefulSetUpdate(sts: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sts, old), ...validateStatefulSetSpec(sts.spec)];
  const strip = (s: unknown) => Object.fromEntries(Object.entries(obj(s)).filter(([k]) => !STS_MUTABLE.includes(k)));
  if (!semanticEqual(strip(sts.spec), strip(old.spec))) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export function validateStatefulSetStatusUpdate(sts: KObject, old: KObject): FieldError[] {
  const st = obj(sts.status);
  const errs: FieldError[] = [];
  for (const f of [
    'replicas',
    'readyReplicas',
    'currentReplicas',
    'updatedReplicas',
    'availableReplicas',
    'observedGeneration',
    'collisionCount',
  ]) {
    errs.push(...validateNonnegative(st[f], `status.${f}`));
  }
  const n = (f: string) => Number(st[f] ?? 0);
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    if (n(f) > n('replicas')) errs.push(invalid(`status.${f}`, n(f), 'cannot be greater than status.replicas'));
  }
  if (n('availableReplicas') > n('readyReplicas'))
    errs.push(invalid('status.availableReplicas', n('availableReplicas'), 'cannot be greater than status.readyReplicas'));
  errs.push(...validateObjectMetaUpdate(sts, old));
  collisionCountDecremented(sts, old, errs);
  return errs;
}

// ---- ControllerRevision ----

export function validateControllerRevisionCreate(cr: KObject): FieldError[] {
  const errs = validateObjectMeta(cr, true, nameIsDNSSubdomain);
  const o = cr as KObject & Obj;
  if (o.data === undefined || o.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...validateNonnegative(o.revision, 'revision'));
  return errs;
}

export function validateControllerRevisionUpdate(cr: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(cr, old), ...validateControllerRevisionCreate(cr)];
  const d = (cr as Obj).data,
    od = (old as Obj).data;
  if (JSON.stringify(d ?? null) !== JSON.stringify(od ?? null)) errs.push(invalid('data', d, fieldImmutableErrorMsg));
  return errs;
}

// ---- ReplicationController (core/v1) ----

function validateReplicationControllerSpec(specIn: unknown): FieldError[] {
  const spec = obj(specIn);
  const errs = [
    ...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateNonnegative(spec.replicas, 'spec.replicas'),
  ];
  const selector = isObject(spec.selector) ? (spec.selector as Record<string, string>) : {};
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  // ValidatePodTemplateSpecForRC.
  if (!isObject(spec.template)) errs.push(required('spec.template'));
  else {
    if (Object.keys(selector).length) errs.push(...validateSelectorMatchesTemplate({ matchLabels: selector }, spec.template));
    errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
    const ps = obj(spec.template.spec);
    if (ps.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', ps.restartPolicy ?? '', ['Always']));
    if (ps.activeDeadlineSeconds !== undefined && ps.activeDeadlineSeconds !== null) {
      errs.push(
        invalid(
          'spec.template.spec.activeDeadlineSeconds',
          ps.activeDeadlineSeconds,
          'activeDeadlineSeconds in ReplicationController is not Supported',
        ),
      );
    }
  }
  return errs;
}

export function validateReplicationControllerCreate(rc: KObject): FieldError[] {
  return [...validateObjectMeta(rc, true, nameIsDNSSubdomain), ...validateReplicationControllerSpec(rc.spec)];
}

export function validateReplicationControllerUpdate(rc: KObject, old: KObject): FieldError[] {
  return [...validateObjectMetaUpdate(rc, old), ...validateReplicationControllerSpec(rc.spec)];
}

export function validateReplicationControllerStatusUpdate(rc: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(rc, old);
  const st = obj(rc.status);
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'])
    errs.push(...validateNonnegative(st[f], `status.${f}`));
  const n = (f: string) => Number(st[f] ?? 0);
  for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
    if (n(f) > n('replicas')) errs.push(invalid(`status.${f}`, n(f), 'cannot be greater than status.replicas'));
  }
  if (n('availableReplicas') > n('readyReplicas'))
    errs.push(invalid('status.availableReplicas', n('availableReplicas'), 'cannot be greater than readyReplicas'));
  return errs;
}
