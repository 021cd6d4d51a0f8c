// ObjectMeta, labels, annotations, label selectors and owner references, as
// k8s.io/apimachinery/pkg/api/validation and pkg/apis/meta/v1/validation check them.

import { selectorFromLabelSelector } from '../labels.js';
import { isObject, type KObject, type ObjectMeta } from '../object.js';
import type * as v1 from '../types.js';
import {
  child,
  type FieldError,
  forbidden,
  goLabelSelector,
  goLiteral,
  goStringSlice,
  index,
  invalid,
  required,
  sortedStringMap,
  tooLong,
} from './field.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, type NameFn } from './names.js';

export const fieldImmutableErrorMsg = 'field is immutable';
export const isNegativeErrorMsg = 'must be greater than or equal to 0';
const totalAnnotationSizeLimitB = 256 * 1024;

/** Finalizers Kubernetes itself names without a domain (helper.IsStandardFinalizerName). */
const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateNonnegative(value: unknown, path: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(path, value, isNegativeErrorMsg)] : [];
}

export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(path, name, m));
}

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(labels)) return errs;
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(String(v))) errs.push(invalid(path, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(annotations)) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    // Annotation keys are qualified names where case does not matter.
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > totalAnnotationSizeLimitB) errs.push(tooLong(path, totalAnnotationSizeLimitB));
  return errs;
}

interface Requirement {
  key?: string;
  operator?: string;
  values?: string[];
}
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Requirement[];
}

export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(sel)) return errs;
  const s = sel as LabelSelector;
  errs.push(...validateLabels(s.matchLabels, child(path, 'matchLabels')));
  (s.matchExpressions ?? []).forEach((r, i) => {
    const rp = index(child(path, 'matchExpressions'), i);
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(child(rp, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.push(forbidden(child(rp, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(child(rp, 'operator'), r.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(r.key ?? '', child(rp, 'key')));
    values.forEach((v, vi) => {
      for (const m of isValidLabelValue(v)) errs.push(invalid(index(child(rp, 'values'), vi), v, m));
    });
  });
  return errs;
}

/** Whether metav1.LabelSelectorAsSelector would refuse the selector. */
export function selectorIsConvertible(sel: unknown): boolean {
  if (!isObject(sel)) return true;
  return validateLabelSelector(sel, '').length === 0;
}

/**
 * A workload's selector must select its own pods: an error at <path>.metadata.labels (the
 * template's labels, sorted as Go prints a map) when it does not match them.
 */
export function validateSelectorMatchesTemplate(sel: unknown, template: unknown, path = 'spec.template'): FieldError[] {
  const labels = (isObject(template) && isObject(template.metadata) ? template.metadata.labels : undefined) as
    | Record<string, string>
    | undefined;
  if (selectorMatches(sel, labels)) return [];
  return [invalid(child(path, 'metadata', 'labels'), sortedStringMap(labels), '`selector` does not match template `labels`')];
}

/**
 * labels.Selector.Matches for a metav1.LabelSelector (nil matches nothing, {} everything), by
 * LabelSelectorAsSelector; a selector that does not convert (an unknown operator) matches nothing.
 */
export function selectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  if (!isObject(sel)) return false;
  try {
    return selectorFromLabelSelector(sel as v1.LabelSelector).matches(labels);
  } catch {
    return false;
  }
}

export function selectorIsEmpty(sel: unknown): boolean {
  if (!isObject(sel)) return false;
  const s = sel as LabelSelector;
  return Object.keys(s.matchLabels ?? {}).length + (s.matchExpressions ?? []).length === 0;
}

export const labelSelectorValue = (sel: unknown): unknown => goLiteral(goLabelSelector(sel));

function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let firstController = '';
  for (const ref of refs as Record<string, unknown>[]) {
    const apiVersion = String(ref.apiVersion ?? '');
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version) errs.push(invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!ref.kind) errs.push(invalid(child(path, 'kind'), ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(invalid(child(path, 'name'), ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(invalid(child(path, 'uid'), ref.uid ?? '', 'must not be empty'));
    if (apiVersion === 'v1' && ref.kind === 'Event') {
      errs.push(
        invalid(
          path,
          goLiteral(
            `v1.OwnerReference{APIVersion:${JSON.stringify(apiVersion)}, Kind:"Event", Name:${JSON.stringify(ref.name ?? '')}, UID:${JSON.stringify(ref.uid ?? '')}}`,
          ),
          '/v1, Kind=Event is disallowed from being an owner',
        ),
      );
    }
    if (ref.controller === true) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController)
        errs.push(
          invalid(
            path,
            goLiteral('[]v1.OwnerReference{...}'),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      else firstController = cur;
    }
  }
  return errs;
}

function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  const list = finalizers.map(String);
  for (const f of list) for (const m of isQualifiedName(f)) errs.push(invalid(path, f, m));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(path, goLiteral(goStringSlice(list)), 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  // pkg/apis/core/validation adds: a name without a domain must be one Kubernetes owns.
  list.forEach((f, i) => {
    if (!f.includes('/') && !standardFinalizers.has(f))
      errs.push(invalid(index(path, i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return errs;
}

function commonMeta(meta: ObjectMeta, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (namespaced) {
    if (!meta.namespace) errs.push(required('metadata.namespace'));
    else for (const m of isDNS1123Label(meta.namespace)) errs.push(invalid('metadata.namespace', meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateNonnegative(meta.generation, 'metadata.generation'));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  return errs;
}

/**
 * ValidateObjectMeta on create. The registry generates a name from generateName before it
 * validates; when it has not yet, the prefix is checked and the missing name let through.
 */
export function validateObjectMeta(obj: KObject, namespaced: boolean, nameFn: NameFn): FieldError[] {
  const meta = obj.metadata ?? {};
  const errs: FieldError[] = [];
  if (meta.generateName) for (const m of nameFn(meta.generateName, true)) errs.push(invalid('metadata.generateName', meta.generateName, m));
  if (!meta.name) {
    if (!meta.generateName) errs.push(required('metadata.name', 'name or generateName is required'));
  } else {
    for (const m of nameFn(meta.name, false)) errs.push(invalid('metadata.name', meta.name, m));
  }
  return errs.concat(commonMeta(meta, namespaced));
}

/** Same JSON; the same value (the common case: every update of an object) answers without encoding. */
const eq = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** ValidateObjectMetaUpdate. The registry copies uid, creationTimestamp and friends from old first. */
export function validateObjectMetaUpdate(obj: KObject, old: KObject): FieldError[] {
  const n = obj.metadata ?? {};
  const o = old.metadata ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const extra = [...new Set(n.finalizers ?? [])].filter((f) => !(o.finalizers ?? []).includes(f)).sort();
    if (extra.length > 0)
      errs.push(
        forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`,
        ),
      );
  }
  if (!n.resourceVersion) errs.push(invalid('metadata.resourceVersion', n.resourceVersion ?? '', 'must be specified for an update'));
  if ((n.generation ?? 0) < (o.generation ?? 0)) errs.push(invalid('metadata.generation', n.generation ?? 0, 'must not be decremented'));
  const immutable: [keyof ObjectMeta, unknown][] = [
    ['name', ''],
    ['namespace', ''],
    ['uid', ''],
    ['creationTimestamp', null],
    ['deletionTimestamp', null],
    ['deletionGracePeriodSeconds', null],
  ];
  for (const [f, zero] of immutable) {
    if (!eq(n[f] ?? zero, o[f] ?? zero)) errs.push(invalid(`metadata.${f}`, n[f] ?? zero, fieldImmutableErrorMsg));
  }
  errs.push(...validateLabels(n.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(n.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(n.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(n.finalizers, 'metadata.finalizers'));
  return errs;
}

/** A template's metadata (labels and annotations only), at path. */
export function validateTemplateMeta(meta: unknown, path: string): FieldError[] {
  const m = (isObject(meta) ? meta : {}) as ObjectMeta;
  return [...validateLabels(m.labels, child(path, 'labels')), ...validateAnnotations(m.annotations, child(path, 'annotations'))];
}
