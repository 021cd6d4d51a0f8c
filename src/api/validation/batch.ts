// Job and CronJob validation, after pkg/apis/batch/validation (v1.32) and the job registry's
// strategy options of v1.32's default feature gates (JobManagedBy, JobPodReplacementPolicy,
// JobSuccessPolicy and JobBackoffLimitPerIndex on; mutable scheduling directives of suspended
// Jobs; elastic Indexed Jobs; the batch.kubernetes.io/ labels required on new Jobs).

import { parseSchedule, timeZoneError } from '../cron.js';
import { present as has, isObject, type KObject, objects as list, type Obj, obj, str } from '../object.js';
import { semanticEqual } from './compare.js';
import * as field from './field.js';
import * as apimachineryvalidation from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;

const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const ON_EXIT_CODES_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
/** field.Invalid with field.OmitValueType{}: no value in the message. */
const invalidNoValue = (path: string, detail: string): field.FieldError => ({
  type: 'FieldValueInvalid',
  field: path,
  detail,
  omitValue: true,
});
/** Go's %q of a []string: ["a" "b"]. */
const goQuotedList = (xs: string[]): string => `[${xs.map(field.goQuote).join(' ')}]`;
/** field.TooMany's detail, as errors.ts prints it after "Too many: ". */
const tooMany = (path: string, actual: number, max: number): field.FieldError => ({
  type: 'FieldValueTooMany',
  field: path,
  value: actual,
  detail: `${actual}: must have at most ${max} items`,
});

/** ValidateHasLabel: the template must carry key=expected. */
function validateHasLabel(meta: Obj, path: string, labelKey: string, expected: string): field.FieldError[] {
  const labels = obj(meta.labels) as Record<string, string>;
  const p = field.key(field.child(path, 'labels'), labelKey);
  if (!(labelKey in labels)) return [field.required(p, `must be '${expected}'`)];
  return labels[labelKey] !== expected ? [field.invalid(p, field.sortedStringMap(labels), `must be '${expected}'`)] : [];
}

/** validateGeneratedSelector: a generated selector and the labels it selects, for this Job's uid and name. */
function validateGeneratedSelector(job: KObject, prefixedLabels: boolean): field.FieldError[] {
  const spec = obj(job.spec);
  if (spec.manualSelector === true || !has(spec.selector)) return [];
  const errs: field.FieldError[] = [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  if (!uid) errs.push(field.required('metadata.uid'));
  const tmeta = obj(obj(spec.template).metadata);
  errs.push(...validateHasLabel(tmeta, 'spec.template.metadata', LEGACY_CONTROLLER_UID_LABEL, uid));
  errs.push(...validateHasLabel(tmeta, 'spec.template.metadata', LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = {};
  if (prefixedLabels) {
    errs.push(...validateHasLabel(tmeta, 'spec.template.metadata', CONTROLLER_UID_LABEL, uid));
    errs.push(...validateHasLabel(tmeta, 'spec.template.metadata', JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  if (apimachineryvalidation.selectorIsConvertible(spec.selector) && !apimachineryvalidation.selectorMatches(spec.selector, expected)) {
    errs.push(field.invalid('spec.selector', apimachineryvalidation.labelSelectorValue(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

// ---- index sets ("1,3-5,7") ----

function parseIndexInterval(s: string, completions: number): [number, number] {
  const limits = s.split('-');
  if (limits.length > 2)
    throw new Error(
      `the fragment ${field.goQuote(s)} violates the requirement that an index interval can have at most two parts separated by '-'`,
    );
  const atoi = (v: string): number => {
    if (!/^[+-]?\d+$/.test(v)) throw new Error(`cannot convert string to integer for index: ${field.goQuote(v)}`);
    return Number(v);
  };
  const x = atoi(limits[0]);
  if (x >= completions) throw new Error(`too large index: ${field.goQuote(limits[0])}`);
  if (limits.length > 1) {
    const y = atoi(limits[1]);
    if (y >= completions) throw new Error(`too large index: ${field.goQuote(limits[1])}`);
    if (x >= y) throw new Error(`non-increasing order, previous: ${x}, current: ${y}`);
    return [x, y];
  }
  return [x, x];
}

/** validateIndexesFormat: the number of indexes, or an error in Kubernetes' words. */
export function validateIndexesFormat(s: string, completions: number): number {
  if (s === '') return 0;
  let last: number | undefined;
  let total = 0;
  for (const part of s.split(',')) {
    const [x, y] = parseIndexInterval(part, completions);
    if (last !== undefined && last >= x) throw new Error(`non-increasing order, previous: ${last}, current: ${x}`);
    total += y - x + 1;
    last = y;
  }
  return total;
}

function failedOverlapsCompleted(completed: string, failed: string, completions: number): string | undefined {
  if (!completed || !failed) return undefined;
  const parse = (s: string): [number, number][] =>
    s.split(',').flatMap((p) => {
      try {
        return [parseIndexInterval(p, completions)];
      } catch {
        return [];
      }
    });
  const cs = parse(completed),
    fs = parse(failed);
  for (const [cx, cy] of cs)
    for (const [fx, fy] of fs) if (cx <= fy && fx <= cy) return `failedIndexes and completedIndexes overlap at index: ${Math.max(cx, fx)}`;
  return undefined;
}

// ---- the spec ----

function validatePodFailurePolicy(spec: Obj, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const pfp = obj(spec.podFailurePolicy);
  const rules = list(pfp.rules);
  const rulesPath = field.child(path, 'rules');
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const tspec = obj(obj(spec.template).spec);
  const names = new Set([...list(tspec.containers), ...list(tspec.initContainers)].map((c) => str(c.name)));
  rules.forEach((rule, i) => {
    const rp = field.index(rulesPath, i);
    const ap = field.child(rp, 'action');
    const action = str(rule.action);
    if (!action) errs.push(field.required(ap, `valid values: ${goQuotedList(POD_FAILURE_POLICY_ACTIONS)}`));
    else if (action === 'FailIndex') {
      if (!has(spec.backoffLimitPerIndex)) errs.push(field.invalid(ap, action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!POD_FAILURE_POLICY_ACTIONS.includes(action)) errs.push(field.notSupported(ap, action, POD_FAILURE_POLICY_ACTIONS));
    const conds = Array.isArray(rule.onPodConditions) ? list(rule.onPodConditions) : [];
    if (isObject(rule.onExitCodes)) {
      const ep = field.child(rp, 'onExitCodes');
      const ec = rule.onExitCodes;
      const op = str(ec.operator);
      if (!op) errs.push(field.required(field.child(ep, 'operator'), `valid values: ${goQuotedList(ON_EXIT_CODES_OPERATORS)}`));
      else if (!ON_EXIT_CODES_OPERATORS.includes(op))
        errs.push(field.notSupported(field.child(ep, 'operator'), op, ON_EXIT_CODES_OPERATORS));
      if (has(ec.containerName) && !names.has(str(ec.containerName))) {
        errs.push(
          field.invalid(
            field.child(ep, 'containerName'),
            str(ec.containerName),
            'must be one of the container or initContainer names in the pod template',
          ),
        );
      }
      const values = Array.isArray(ec.values) ? (ec.values as unknown[]).map(Number) : [];
      const vp = field.child(ep, 'values');
      if (values.length === 0) errs.push(field.invalid(vp, field.goLiteral('[]int32(nil)'), 'at least one value is required'));
      else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(tooMany(vp, values.length, MAX_ON_EXIT_CODES_VALUES));
      const seen = new Set<number>();
      let ordered = true;
      values.forEach((v, j) => {
        if (op === 'In' && v === 0) errs.push(field.invalid(field.index(vp, j), v, 'must not be 0 for the In operator'));
        if (seen.has(v)) errs.push(field.duplicate(field.index(vp, j), v));
        seen.add(v);
        if (j > 0 && values[j - 1] > v) ordered = false;
      });
      if (!ordered) errs.push(field.invalid(vp, field.goLiteral(`[]int32{${values.join(', ')}}`), 'must be ordered'));
    }
    if (conds.length > 0) {
      const cp = field.child(rp, 'onPodConditions');
      if (conds.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(tooMany(cp, conds.length, MAX_ON_POD_CONDITIONS_PATTERNS));
      conds.forEach((c, j) => {
        const pp = field.index(cp, j);
        for (const m of isQualifiedName(str(c.type))) errs.push(field.invalid(field.child(pp, 'type'), str(c.type), m));
        const st = str(c.status);
        if (!st) errs.push(field.required(field.child(pp, 'status'), `valid values: ${goQuotedList(CONDITION_STATUSES)}`));
        else if (!CONDITION_STATUSES.includes(st)) errs.push(field.notSupported(field.child(pp, 'status'), st, CONDITION_STATUSES));
      });
    }
    if (isObject(rule.onExitCodes) && conds.length > 0)
      errs.push(invalidNoValue(rp, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!isObject(rule.onExitCodes) && conds.length === 0)
      errs.push(invalidNoValue(rp, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

function validateSuccessPolicy(spec: Obj, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const rules = list(obj(spec.successPolicy).rules);
  const rulesPath = field.child(path, 'rules');
  if (rules.length === 0) errs.push(field.required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = Number(spec.completions ?? 0);
  rules.forEach((rule, i) => {
    const rp = field.index(rulesPath, i);
    if (!has(rule.succeededCount) && !has(rule.succeededIndexes))
      errs.push(field.required(rp, 'at least one of succeededCount or succeededIndexes must be specified'));
    let total = 0;
    if (has(rule.succeededIndexes)) {
      const ip = field.child(rp, 'succeededIndexes');
      const s = str(rule.succeededIndexes);
      if (s.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(field.tooLong(ip, MAX_SUCCEEDED_INDEXES_LENGTH));
      try {
        total = validateIndexesFormat(s, completions);
      } catch (e) {
        errs.push(field.invalid(ip, s, `error parsing succeededIndexes: ${(e as Error).message}`));
      }
    }
    if (has(rule.succeededCount)) {
      const cp = field.child(rp, 'succeededCount');
      const c = Number(rule.succeededCount);
      errs.push(...apimachineryvalidation.validateNonnegative(c, cp));
      if (c > completions)
        errs.push(field.invalid(cp, c, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (has(rule.succeededIndexes) && c > total)
        errs.push(
          field.invalid(cp, c, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`),
        );
    }
  });
  return errs;
}

/** IsDomainPrefixedPath: "example.com/path". */
function validateDomainPrefixedPath(path: string, v: string): field.FieldError[] {
  const slash = v.indexOf('/');
  if (slash < 0) return [field.invalid(path, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = v.slice(0, slash),
    rest = v.slice(slash + 1);
  const errs = isDNS1123Subdomain(host).map((m) => field.invalid(path, host, m));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(rest))
    errs.push(field.invalid(path, rest, "Invalid path: must contain only valid HTTP path characters (such as 'acme.io/foo')"));
  return errs;
}

/** validateJobSpec: everything a Job and a CronJob's job template share. */
function validateJobSpecCommon(spec: Obj, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  for (const f of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
    'backoffLimitPerIndex',
  ]) {
    if (has(spec[f])) errs.push(...apimachineryvalidation.validateNonnegative(Number(spec[f]), field.child(path, f)));
  }
  if (has(spec.maxFailedIndexes)) {
    errs.push(...apimachineryvalidation.validateNonnegative(Number(spec.maxFailedIndexes), field.child(path, 'maxFailedIndexes')));
    if (!has(spec.backoffLimitPerIndex))
      errs.push(field.required(field.child(path, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (has(spec.managedBy)) {
    const mb = str(spec.managedBy);
    errs.push(...validateDomainPrefixedPath(field.child(path, 'managedBy'), mb));
    if (mb.length > MAX_MANAGED_BY_LENGTH) errs.push(field.tooLong(field.child(path, 'managedBy'), MAX_MANAGED_BY_LENGTH));
  }
  const mode = has(spec.completionMode) ? str(spec.completionMode) : undefined;
  if (mode !== undefined) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed')
      errs.push(field.notSupported(field.child(path, 'completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (!has(spec.completions)) errs.push(field.required(field.child(path, 'completions'), 'when completion mode is Indexed'));
      if (has(spec.parallelism) && Number(spec.parallelism) > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(
          field.invalid(
            field.child(path, 'parallelism'),
            spec.parallelism,
            `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`,
          ),
        );
      }
      if (has(spec.completions) && has(spec.maxFailedIndexes) && Number(spec.maxFailedIndexes) > Number(spec.completions)) {
        errs.push(field.invalid(field.child(path, 'maxFailedIndexes'), spec.maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (has(spec.maxFailedIndexes) && Number(spec.maxFailedIndexes) > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
        errs.push(
          field.invalid(
            field.child(path, 'maxFailedIndexes'),
            spec.maxFailedIndexes,
            `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`,
          ),
        );
      }
      if (has(spec.completions) && Number(spec.completions) > COMPLETIONS_SOFT_LIMIT && has(spec.backoffLimitPerIndex)) {
        if (!has(spec.maxFailedIndexes))
          errs.push(
            field.required(field.child(path, 'maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`),
          );
        // The same bound on parallelism, then maxFailedIndexes, in the order Kubernetes checks them.
        for (const [name, limit] of [
          ['parallelism', PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS],
          ['maxFailedIndexes', MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS],
        ] as const) {
          if (has(spec[name]) && Number(spec[name]) > limit)
            errs.push(
              field.invalid(
                field.child(path, name),
                spec[name],
                `must be less than or equal to ${limit} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`,
              ),
            );
        }
      }
    }
  }
  if (mode === undefined || mode === 'NonIndexed') {
    if (has(spec.backoffLimitPerIndex))
      errs.push(field.invalid(field.child(path, 'backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (has(spec.maxFailedIndexes))
      errs.push(field.invalid(field.child(path, 'maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (has(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, field.child(path, 'podFailurePolicy')));
  if (has(spec.successPolicy)) {
    if (mode !== 'Indexed')
      errs.push(
        field.invalid(field.child(path, 'successPolicy'), field.goLiteral('batch.SuccessPolicy{...}'), 'requires indexed completion mode'),
      );
    else errs.push(...validateSuccessPolicy(spec, field.child(path, 'successPolicy')));
  }
  if (has(spec.podReplacementPolicy)) {
    const prp = str(spec.podReplacementPolicy);
    if (has(spec.podFailurePolicy)) {
      if (prp !== 'Failed') errs.push(field.notSupported(field.child(path, 'podReplacementPolicy'), prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed') {
      errs.push(field.notSupported(field.child(path, 'podReplacementPolicy'), prp, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template, field.child(path, 'template')));
  const rp = str(obj(obj(spec.template).spec).restartPolicy);
  const rpPath = field.child(path, 'template', 'spec', 'restartPolicy');
  if (rp === 'Always' || rp === '') errs.push(field.required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(field.notSupported(rpPath, rp, ['OnFailure', 'Never']));
  else if (has(spec.podFailurePolicy) && rp !== 'Never')
    errs.push(field.invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

/** ValidateJobSpec: the common rules plus a selector that matches the template's labels. */
function validateJobSpec(spec: Obj): field.FieldError[] {
  const errs = validateJobSpecCommon(spec, 'spec');
  if (!has(spec.selector)) errs.push(field.required('spec.selector'));
  else errs.push(...apimachineryvalidation.validateLabelSelector(spec.selector, 'spec.selector'));
  if (has(spec.selector) && apimachineryvalidation.selectorIsConvertible(spec.selector))
    errs.push(...apimachineryvalidation.validateSelectorMatchesTemplate(spec.selector, spec.template));
  return errs;
}

function validateJob(job: KObject, prefixedLabels: boolean): field.FieldError[] {
  const spec = obj(job.spec);
  const errs = apimachineryvalidation.validateObjectMeta(job, true, nameIsDNSSubdomain);
  errs.push(...validateGeneratedSelector(job, prefixedLabels));
  errs.push(...validateJobSpec(spec));
  if (spec.completionMode === 'Indexed' && Number(spec.completions ?? 0) > 0 && job.metadata.name) {
    // The controller names each pod's hostname NAME-INDEX: the last one must still be a DNS label.
    const hostname = `${job.metadata.name}-${Number(spec.completions) - 1}`;
    if (isDNS1123Label(hostname).length > 0)
      errs.push(field.invalid('metadata.name', job.metadata.name, `will not able to create pod with invalid DNS label: ${hostname}`));
  }
  return errs;
}

export function validateJobCreate(job: KObject): field.FieldError[] {
  return validateJob(job, true);
}

const isSuspendedNeverStarted = (old: KObject): boolean => obj(old.spec).suspend === true && !has(obj(old.status).startTime);

/** validatePodTemplateUpdate: the template is immutable, but a suspended Job that never ran may change where it runs. */
function validatePodTemplateUpdate(spec: Obj, oldSpec: Obj, mutableScheduling: boolean): field.FieldError[] {
  const t = obj(spec.template);
  let ot = obj(oldSpec.template);
  if (mutableScheduling) {
    const ts = obj(t.spec);
    const os = { ...obj(ot.spec) };
    const aff = isObject(ts.affinity) ? ts.affinity : undefined;
    const oaff = isObject(os.affinity) ? { ...os.affinity } : undefined;
    if (!aff && oaff) {
      delete oaff.nodeAffinity;
      os.affinity = Object.keys(oaff).length ? oaff : undefined;
    } else if (aff && !oaff) {
      os.affinity = { nodeAffinity: aff.nodeAffinity };
    } else if (aff && oaff) {
      oaff.nodeAffinity = aff.nodeAffinity;
      os.affinity = oaff;
    }
    os.nodeSelector = ts.nodeSelector;
    os.tolerations = ts.tolerations;
    os.schedulingGates = ts.schedulingGates;
    const om = { ...obj(ot.metadata), annotations: obj(t.metadata).annotations, labels: obj(t.metadata).labels };
    ot = { ...ot, metadata: om, spec: os };
  }
  return semanticEqual(t, ot)
    ? []
    : [field.invalid('spec.template', field.goLiteral('core.PodTemplateSpec{...}'), apimachineryvalidation.fieldImmutableErrorMsg)];
}

function immutable(path: string, n: unknown, o: unknown, shown: unknown = n): field.FieldError[] {
  return semanticEqual(n, o) ? [] : [field.invalid(path, shown ?? field.goLiteral('nil'), apimachineryvalidation.fieldImmutableErrorMsg)];
}

export function validateJobUpdate(job: KObject, old: KObject): field.FieldError[] {
  const spec = obj(job.spec),
    oldSpec = obj(old.spec);
  const oldTemplateLabels = obj(obj(oldSpec.template).metadata).labels as Record<string, string> | undefined;
  // Jobs made before the batch.kubernetes.io/ labels existed keep validating without them.
  const prefixed = !!oldTemplateLabels && CONTROLLER_UID_LABEL in oldTemplateLabels;
  const errs = validateJob(job, prefixed);
  errs.push(...apimachineryvalidation.validateObjectMetaUpdate(job, old));
  // Elastic Indexed Jobs: completions may change together with parallelism.
  if (!semanticEqual(spec.completions, oldSpec.completions)) {
    if (spec.completionMode !== 'Indexed') errs.push(...immutable('spec.completions', spec.completions, oldSpec.completions));
    else if (has(spec.completions) && Number(spec.completions) !== Number(spec.parallelism)) {
      errs.push(field.invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  errs.push(...immutable('spec.selector', spec.selector, oldSpec.selector, apimachineryvalidation.labelSelectorValue(spec.selector)));
  errs.push(...validatePodTemplateUpdate(spec, oldSpec, isSuspendedNeverStarted(old)));
  errs.push(...immutable('spec.completionMode', spec.completionMode, oldSpec.completionMode));
  errs.push(
    ...immutable('spec.podFailurePolicy', spec.podFailurePolicy, oldSpec.podFailurePolicy, field.goLiteral('&batch.PodFailurePolicy{...}')),
  );
  errs.push(...immutable('spec.backoffLimitPerIndex', spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex));
  errs.push(...immutable('spec.managedBy', spec.managedBy, oldSpec.managedBy));
  errs.push(...immutable('spec.successPolicy', spec.successPolicy, oldSpec.successPolicy, field.goLiteral('&batch.SuccessPolicy{...}')));
  return errs;
}

// ---- the status ----

const conditionTrue = (job: KObject, type: string): boolean =>
  list(obj(job.status).conditions).some((c) => c.type === type && c.status === 'True');
const isFinished = (job: KObject): boolean => conditionTrue(job, 'Complete') || conditionTrue(job, 'Failed');

/**
 * ValidateJobStatusUpdate with the options the v1.32 strategy sets (JobManagedBy on): each rule
 * is checked only when the fields it reads changed, so an update unrelated to a field that is
 * already wrong still goes through.
 */
export function validateJobStatusUpdate(job: KObject, old: KObject): field.FieldError[] {
  const errs = apimachineryvalidation.validateObjectMetaUpdate(job, old);
  const st = obj(job.status),
    ost = obj(old.status);
  const spec = obj(job.spec);
  const changed = (f: string): boolean => !semanticEqual(st[f], ost[f]);
  const isIndexed = spec.completionMode === 'Indexed';
  const finishedChanged = isFinished(job) !== isFinished(old);
  const completeChanged = conditionTrue(job, 'Complete') !== conditionTrue(old, 'Complete');
  const failedChanged = conditionTrue(job, 'Failed') !== conditionTrue(old, 'Failed');
  const failureTargetChanged = conditionTrue(job, 'FailureTarget') !== conditionTrue(old, 'FailureTarget');
  const complete = conditionTrue(job, 'Complete'),
    failed = conditionTrue(job, 'Failed'),
    finished = isFinished(job);
  const successCriteriaMet = conditionTrue(job, 'SuccessCriteriaMet'),
    failureTarget = conditionTrue(job, 'FailureTarget');
  const active = Number(st.active ?? 0);

  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating'])
    if (has(st[f])) errs.push(...apimachineryvalidation.validateNonnegative(Number(st[f]), `status.${f}`));
  const uncounted = obj(st.uncountedTerminatedPods);
  const seen = new Set<string>();
  for (const which of ['succeeded', 'failed']) {
    (Array.isArray(uncounted[which]) ? (uncounted[which] as unknown[]) : []).forEach((uid, i) => {
      const p = field.index(field.child('status', 'uncountedTerminatedPods', which), i);
      const u = str(uid);
      if (u === '') errs.push(field.invalid(p, u, 'must not be empty'));
      else if (seen.has(u)) errs.push(field.duplicate(p, u));
      else seen.add(u);
    });
  }
  if ((completeChanged || failedChanged) && complete && failed)
    errs.push(invalidNoValue('status.conditions', 'cannot set Complete=True and Failed=true conditions'));
  if ((completeChanged || failureTargetChanged) && complete && failureTarget)
    errs.push(invalidNoValue('status.conditions', 'cannot set Complete=True and FailureTarget=true conditions'));
  if ((completeChanged || changed('completionTime')) && has(st.completionTime) && !complete)
    errs.push(
      field.invalid('status.completionTime', st.completionTime, 'cannot set completionTime when there is no Complete=True condition'),
    );
  if ((completeChanged || changed('completionTime')) && !has(st.completionTime) && complete)
    errs.push(field.required('status.completionTime', 'completionTime is required for Complete jobs'));
  if (
    (changed('startTime') || changed('completionTime')) &&
    has(st.startTime) &&
    has(st.completionTime) &&
    Date.parse(str(st.completionTime)) < Date.parse(str(st.startTime))
  ) {
    errs.push(field.invalid('status.completionTime', st.completionTime, 'completionTime cannot be set before startTime'));
  }
  if ((failedChanged || changed('failedIndexes')) && failed && !failureTarget)
    errs.push(invalidNoValue('status.conditions', 'cannot set Failed=True condition without the FailureTarget=true condition'));
  if (completeChanged && complete && !successCriteriaMet)
    errs.push(invalidNoValue('status.conditions', 'cannot set Complete=True condition without the SuccessCriteriaMet=true condition'));
  if ((finishedChanged || changed('active')) && active > 0 && finished)
    errs.push(field.invalid('status.active', active, 'active>0 is invalid for finished job'));
  if ((finishedChanged || changed('startTime')) && !has(st.startTime) && finished)
    errs.push(field.required('status.startTime', 'startTime is required for finished job'));
  if ((finishedChanged || changed('uncountedTerminatedPods')) && finished && seen.size > 0) {
    errs.push(
      field.invalid(
        'status.uncountedTerminatedPods',
        field.goLiteral('&batch.UncountedTerminatedPods{...}'),
        'uncountedTerminatedPods needs to be empty for finished job',
      ),
    );
  }
  if (changed('completedIndexes') && has(spec.completions)) {
    try {
      validateIndexesFormat(str(st.completedIndexes), Number(spec.completions));
    } catch (e) {
      errs.push(
        field.invalid('status.completedIndexes', str(st.completedIndexes), `error parsing completedIndexes: ${(e as Error).message}`),
      );
    }
  }
  if (changed('failedIndexes') && has(spec.completions) && has(spec.backoffLimitPerIndex) && has(st.failedIndexes)) {
    try {
      validateIndexesFormat(str(st.failedIndexes), Number(spec.completions));
    } catch (e) {
      errs.push(field.invalid('status.failedIndexes', str(st.failedIndexes), `error parsing failedIndexes: ${(e as Error).message}`));
    }
  }
  if (changed('completedIndexes') && str(st.completedIndexes) !== '' && !isIndexed) {
    errs.push(
      field.invalid(
        'status.completedIndexes',
        st.completedIndexes,
        'cannot set non-empty completedIndexes when non-indexed completion mode',
      ),
    );
  }
  if (changed('failedIndexes') && !has(spec.backoffLimitPerIndex) && has(st.failedIndexes)) {
    errs.push(
      field.invalid('status.failedIndexes', st.failedIndexes, 'cannot set non-null failedIndexes when backoffLimitPerIndex is null'),
    );
  }
  if ((changed('failedIndexes') || changed('completedIndexes')) && has(spec.completions) && has(st.failedIndexes)) {
    const overlap = failedOverlapsCompleted(str(st.completedIndexes), str(st.failedIndexes), Number(spec.completions));
    if (overlap) errs.push(field.invalid('status.failedIndexes', st.failedIndexes, overlap));
  }
  if ((finishedChanged || changed('terminating')) && Number(st.terminating ?? 0) > 0 && finished)
    errs.push(field.invalid('status.terminating', st.terminating, 'terminating>0 is invalid for finished job'));
  if ((changed('ready') || changed('active')) && has(st.ready) && Number(st.ready) > active)
    errs.push(field.invalid('status.ready', st.ready, 'cannot set more ready pods than active'));
  if (successCriteriaMet && failed)
    errs.push(invalidNoValue('status.conditions', 'cannot set SuccessCriteriaMet=True and Failed=true conditions'));
  if (successCriteriaMet && failureTarget)
    errs.push(invalidNoValue('status.conditions', 'cannot set SuccessCriteriaMet=True and FailureTarget=true conditions'));
  if (has(spec.successPolicy) && !successCriteriaMet && complete)
    errs.push(invalidNoValue('status.conditions', 'cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True'));

  for (const type of ['Failed', 'Complete', 'FailureTarget']) {
    if (conditionTrue(old, type) && !conditionTrue(job, type))
      errs.push(invalidNoValue('status.conditions', `cannot disable the terminal ${type}=True condition`));
  }
  if (Number(st.failed ?? 0) < Number(ost.failed ?? 0))
    errs.push(field.invalid('status.failed', Number(st.failed ?? 0), 'cannot decrease the failed counter'));
  // Indexed Jobs scaled down in tandem may lose succeeded indexes.
  const mayDecreaseSucceeded = isIndexed && semanticEqual(spec.completions, spec.parallelism);
  if (!mayDecreaseSucceeded && Number(st.succeeded ?? 0) < Number(ost.succeeded ?? 0))
    errs.push(field.invalid('status.succeeded', Number(st.succeeded ?? 0), 'cannot decrease the succeeded counter'));
  if (has(st.completionTime) && has(ost.completionTime) && st.completionTime !== ost.completionTime)
    errs.push(field.invalid('status.completionTime', st.completionTime, 'completionTime cannot be mutated'));
  if (changed('startTime') && has(ost.startTime) && spec.suspend !== true)
    errs.push(field.required('status.startTime', 'startTime cannot be removed for unsuspended job'));
  if (conditionTrue(old, 'SuccessCriteriaMet') && !successCriteriaMet)
    errs.push(invalidNoValue('status.conditions', 'cannot disable the SuccessCriteriaMet=True condition'));
  if (conditionTrue(old, 'Complete') && !conditionTrue(old, 'SuccessCriteriaMet') && successCriteriaMet) {
    errs.push(invalidNoValue('status.conditions', 'cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions'));
  }
  return errs;
}

// ---- CronJob ----

// The IANA naming rules for a component of a zone name (digits and + tolerated for legacy names).
const validTimeZoneCharacters = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: unknown, path: string): field.FieldError[] {
  if (!has(tz)) return [];
  const z = str(tz);
  if (z === '') return [field.invalid(path, z, 'timeZone must be nil or non-empty string')];
  for (const part of z.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !validTimeZoneCharacters.test(part))
      return [field.invalid(path, z, `unknown time zone ${z}`)];
  }
  const errs: field.FieldError[] = [];
  if (z.toLowerCase() === 'local')
    errs.push(field.invalid(path, z, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  const e = z.toLowerCase() === 'local' ? undefined : timeZoneError(z);
  if (e) errs.push(field.invalid(path, z, e));
  return errs;
}

function validateScheduleFormat(schedule: string, allowTZ: boolean, timeZone: unknown, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const hasTZ = schedule.includes('TZ');
  if (!hasTZ) {
    try {
      // Zone errors are the timeZone field's to report; the schedule is checked in UTC then.
      const z = str(timeZone);
      parseSchedule(schedule, z && !timeZoneError(z) && z.toLowerCase() !== 'local' ? z : 'UTC');
    } catch (e) {
      errs.push(field.invalid(path, schedule, (e as Error).message));
    }
  }
  if (allowTZ && hasTZ && has(timeZone))
    errs.push(field.invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  else if (!allowTZ && hasTZ) errs.push(field.invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  return errs;
}

function validateCronJobSpec(spec: Obj, oldSpec: Obj | undefined): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const schedule = str(spec.schedule);
  if (schedule === '') errs.push(field.required('spec.schedule'));
  else errs.push(...validateScheduleFormat(schedule, !!oldSpec && str(oldSpec.schedule).includes('TZ'), spec.timeZone, 'spec.schedule'));
  if (has(spec.startingDeadlineSeconds))
    errs.push(...apimachineryvalidation.validateNonnegative(Number(spec.startingDeadlineSeconds), 'spec.startingDeadlineSeconds'));
  if (!oldSpec || !semanticEqual(oldSpec.timeZone, spec.timeZone)) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  const cp = str(spec.concurrencyPolicy);
  if (cp === '') errs.push(field.required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp))
    errs.push(field.notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  const jt = obj(spec.jobTemplate);
  const jspec = obj(jt.spec);
  errs.push(...validateJobSpecCommon(jspec, 'spec.jobTemplate.spec'));
  if (has(jspec.selector))
    errs.push(
      field.invalid(
        'spec.jobTemplate.spec.selector',
        apimachineryvalidation.labelSelectorValue(jspec.selector),
        '`selector` will be auto-generated',
      ),
    );
  if (jspec.manualSelector === true) errs.push(field.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    if (has(spec[f])) errs.push(...apimachineryvalidation.validateNonnegative(Number(spec[f]), `spec.${f}`));
  }
  return errs;
}

export function validateCronJobCreate(cj: KObject): field.FieldError[] {
  const errs = apimachineryvalidation.validateObjectMeta(cj, true, nameIsDNSSubdomain);
  errs.push(...validateCronJobSpec(obj(cj.spec), undefined));
  // Jobs are named NAME-<minutes since the epoch>: 11 more characters within a 63-character label.
  if ((cj.metadata.name ?? '').length > 63 - 11)
    errs.push(field.invalid('metadata.name', cj.metadata.name, 'must be no more than 52 characters'));
  return errs;
}

export function validateCronJobUpdate(cj: KObject, old: KObject): field.FieldError[] {
  return [...apimachineryvalidation.validateObjectMetaUpdate(cj, old), ...validateCronJobSpec(obj(cj.spec), obj(old.spec))];
}

export function validateCronJobStatusUpdate(cj: KObject, old: KObject): field.FieldError[] {
  return apimachineryvalidation.validateObjectMetaUpdate(cj, old);
}
