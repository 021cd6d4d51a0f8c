// CEL validation rules of CRD schemas (x-kubernetes-validations), as apiextensions-apiserver's
// pkg/apiserver/schema/cel evaluates them: each rule runs with `self` bound to the value at its
// place in the schema (and `oldSelf` to the stored value on update: transition rules run only
// when there is one); a false result is a field error with the rule's message (or "failed rule:
// <rule>") and reason; an error is "<error> evaluating rule: <rule>". Values reach CEL typed by
// the schema: integers as CEL ints, numbers as doubles, objects as maps of their declared
// properties only (names escaped as Kubernetes escapes them), lists as lists.
//
// The evaluator is @bufbuild/cel (Buf's CEL for ECMAScript: maintained, run against the cel-spec
// conformance suite, RE2 semantics for matches()), with its strings extension and Kubernetes'
// list library (k8s.io/apiserver/pkg/cel/library/lists.go: isSorted, sum, min, max, indexOf,
// lastIndexOf). Kubernetes' other libraries (quantity, url, ip/cidr, format) are not provided:
// rules calling them fail with the evaluator's "no such overload" error.
//
// Cost: the API server evaluates rules on its only thread, so work is bounded as Kubernetes bounds
// it at run time (celconfig.PerCallLimit 1,000,000 per rule evaluation, RuntimeCELCostBudget
// 10,000,000 per object), with Kubernetes' messages; the cost counted is one per element a
// comprehension (all, exists, map, filter...) walks, a lower bound of CEL's own cost model.
// Without it one custom object with 200 list items and a rule nesting three comprehensions held
// the API server (and everything in its process) for 8 s, 1,000 items for over ten minutes.
// Kubernetes also refuses such rules when the CRD is written (estimated cost): not done here.
//
// The evaluator is loaded (through its CommonJS build, synchronously) the first time a rule is
// compiled: most clusters have none, and loading it was the largest single package of the API
// server's start (#13).

import { createRequire } from 'node:module';
import type { CelValue } from '@bufbuild/cel';
import { asError, type FieldError } from '../errors.js';
import { isObject } from '../object.js';
import { additionalOf, INT_OR_STRING, itemsOf, type JSONSchemaProps } from './structural.js';

type Rule = NonNullable<JSONSchemaProps['x-kubernetes-validations']>[number];
type Cel = typeof import('@bufbuild/cel');
type Program = ReturnType<Cel['plan']>;

let loaded: { cel: Cel; env: ReturnType<Cel['celEnv']> } | undefined;

/** @bufbuild/cel with the strings extension and Kubernetes' list library, loaded on first use. */
function evaluator(): { cel: Cel; env: ReturnType<Cel['celEnv']> } {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const cel = require('@bufbuild/cel') as Cel;
  const { strings } = require('@bufbuild/cel/ext') as typeof import('@bufbuild/cel/ext');
  const { CelScalar, celMethod, listType } = cel;
  const LIST = listType(CelScalar.DYN);
  const order = (a: CelValue, b: CelValue): number => {
    if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number'))
      return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
    if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
    throw new Error('no such overload');
  };
  const same = (a: CelValue, b: CelValue): boolean =>
    (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')
      ? Number(a) === Number(b)
      : a === b;
  const extreme = (name: string, sign: number) =>
    celMethod(name, LIST, [], CelScalar.DYN, function (this: Iterable<CelValue>) {
      let m: CelValue | undefined;
      for (const x of this) if (m === undefined || order(x, m) * sign > 0) m = x;
      if (m === undefined) throw new Error(`${name} called on empty list`);
      return m as never;
    });
  /** Kubernetes' list library. */
  const lists = [
    celMethod('isSorted', LIST, [], CelScalar.BOOL, function (this: Iterable<CelValue>) {
      const xs = [...this];
      return xs.every((x, i) => i === 0 || order(xs[i - 1], x) <= 0);
    }),
    celMethod('sum', LIST, [], CelScalar.DYN, function (this: Iterable<CelValue>) {
      let s: CelValue | undefined;
      for (const x of this) s = s === undefined ? x : (((s as never) + (x as never)) as CelValue);
      return (s ?? 0n) as never;
    }),
    extreme('min', -1),
    extreme('max', 1),
    celMethod('indexOf', LIST, [CelScalar.DYN], CelScalar.INT, function (this: Iterable<CelValue>, v: CelValue) {
      return BigInt([...this].findIndex((x) => same(x, v)));
    }),
    celMethod('lastIndexOf', LIST, [CelScalar.DYN], CelScalar.INT, function (this: Iterable<CelValue>, v: CelValue) {
      const xs = [...this];
      for (let i = xs.length - 1; i >= 0; i--) if (same(xs[i], v)) return BigInt(i);
      return -1n;
    }),
  ];
  // Every comprehension walks its range with Array.from: over a list's values() (concatenated
  // lists walk their parts' values()) or a map's keys(). Each element walked is charged.
  const listProto = Object.getPrototypeOf(cel.celList([])) as { values(): IterableIterator<CelValue> };
  const values = listProto.values;
  listProto.values = function* (this: unknown) {
    for (const x of values.call(this)) {
      charge();
      yield x;
    }
  };
  const mapProto = Object.getPrototypeOf(cel.celMap(new Map())) as { keys(): IterableIterator<unknown> };
  const keys = mapProto.keys;
  mapProto.keys = function* (this: unknown) {
    for (const k of keys.call(this)) {
      charge();
      yield k;
    }
  };
  loaded = { cel, env: cel.celEnv({ funcs: [...strings, ...lists] }) };
  return loaded;
}

/** celconfig.PerCallLimit and RuntimeCELCostBudget. */
export const PER_CALL_COST_LIMIT = 1_000_000;
export const RUNTIME_COST_BUDGET = 10_000_000;

/** The budget of the validation running now (none outside validateRules: charge() is then free). */
let budget: { call: number; total: number } | undefined;

class CostExceeded extends Error {}

function charge(): void {
  if (!budget) return;
  if (--budget.call < 0 || --budget.total < 0) throw new CostExceeded();
}

/** Thrown to stop the walk: Kubernetes runs no further rule once a budget is exhausted. */
class StopRules extends Error {}

const programs = new Map<string, Program | Error>();

function program(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    try {
      const { cel, env } = evaluator();
      p = cel.plan(env, cel.parse(rule));
    } catch (e) {
      p = asError(e);
    }
    if (programs.size > 10_000) programs.clear();
    programs.set(rule, p);
  }
  return p;
}

/** Why a rule does not compile, or undefined when it does. */
export function compileError(rule: string): string | undefined {
  const p = program(rule);
  return p instanceof Error ? p.message : undefined;
}

const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
]);

/** A property name as rules see it: Kubernetes' escaping of '__', '.', '-', '/' and reserved words. */
export function escapeName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

/** The value as CEL sees it, typed by its schema. */
function toCel(v: unknown, s: JSONSchemaProps | undefined, root = false): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    const integer = s?.type === 'integer' || (s?.[INT_OR_STRING] === true && Number.isInteger(v));
    return integer && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) {
    const items = s ? itemsOf(s) : undefined;
    return v.map((x) => toCel(x, items));
  }
  if (isObject(v)) {
    const out = new Map<string, unknown>();
    const props = s && isObject(s.properties) ? (s.properties as Record<string, JSONSchemaProps>) : undefined;
    const ap = s ? additionalOf(s) : undefined;
    if (ap && !props) {
      for (const [k, x] of Object.entries(v)) out.set(k, toCel(x, ap));
      return out;
    }
    for (const [k, x] of Object.entries(v)) {
      if (root && k === 'metadata' && isObject(x)) {
        // Only the name and generateName of metadata are visible to rules.
        const m = new Map<string, unknown>();
        if (typeof x.name === 'string') m.set('name', x.name);
        if (typeof x.generateName === 'string') m.set('generateName', x.generateName);
        out.set('metadata', m);
        continue;
      }
      if (root && (k === 'apiVersion' || k === 'kind')) {
        out.set(k, x);
        continue;
      }
      const ps = props?.[k];
      if (!ps) continue; // unknown (preserved) fields are not accessible
      const name = escapeName(k);
      if (name) out.set(name, toCel(x, ps));
    }
    return out;
  }
  return v;
}

function fieldError(path: string, type: string, detail: string, reason: string | undefined): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return { type: 'FieldValueForbidden', field: path, detail };
    case 'FieldValueRequired':
      return { type: 'FieldValueRequired', field: path, detail };
    case 'FieldValueDuplicate':
      return { type: 'FieldValueDuplicate', field: path, value: type, detail };
    default:
      return { type: 'FieldValueInvalid', field: path, value: type, detail };
  }
}

const ruleText = (r: Rule): string => r.rule.trim();
const typeName = (s: JSONSchemaProps): string => (s[INT_OR_STRING] ? 'int-or-string' : (s.type ?? ''));
const joinPath = (path: string, name: string): string => (path ? `${path}.${name}` : name);

function check(s: JSONSchemaProps, v: unknown, old: unknown, hasOld: boolean, path: string, root: boolean, errs: FieldError[]): void {
  for (const r of s['x-kubernetes-validations'] ?? []) {
    if (!r || typeof r.rule !== 'string') continue;
    const usesOld = /\boldSelf\b/.test(r.rule);
    const optionalOld = (r as { optionalOldSelf?: boolean }).optionalOldSelf === true;
    // Transition rules run only on updates that had a value here (unless optionalOldSelf).
    if (usesOld && !hasOld && !optionalOld) continue;
    const p = program(r.rule);
    // A rule at the root reports the root as Kubernetes prints a nil field path.
    const at =
      (r.fieldPath
        ? `${path}${r.fieldPath.startsWith('.') || r.fieldPath.startsWith('[') ? '' : '.'}${r.fieldPath}`.replace(/^\./, '')
        : path) || '<nil>';
    if (p instanceof Error) {
      errs.push(fieldError(at, typeName(s), `compilation failed: ${p.message}`, undefined));
      continue;
    }
    const bindings: Record<string, unknown> = { self: toCel(v, s, root) };
    if (usesOld) bindings.oldSelf = hasOld ? toCel(old, s, root) : null;
    let out: unknown;
    let exceeded = false;
    try {
      if (budget) budget.call = PER_CALL_COST_LIMIT;
      out = (p as (ctx: Record<string, unknown>) => unknown)(bindings);
    } catch (e) {
      if (!(e instanceof CostExceeded)) throw e;
      exceeded = true;
    }
    // The evaluator turns what a function throws into an error value: the counters tell.
    if (budget && (exceeded || budget.call < 0 || budget.total < 0)) {
      const detail =
        budget.total < 0
          ? 'validation failed due to running out of cost budget, no further validation rules will be run'
          : `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleText(r)}`;
      errs.push(fieldError(at, typeName(s), detail, undefined));
      throw new StopRules();
    }
    if (evaluator().cel.isCelError(out)) {
      const msg = (out as { message?: string }).message ?? String(out);
      errs.push(
        fieldError(
          at,
          typeName(s),
          msg.startsWith('no such overload')
            ? `'${msg}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText(r)}`
            : `${msg} evaluating rule: ${ruleText(r)}`,
          undefined,
        ),
      );
    } else if (out !== true) {
      errs.push(fieldError(at, typeName(s), r.message || `failed rule: ${ruleText(r)}`, r.reason));
    }
  }
  if (Array.isArray(v)) {
    const items = itemsOf(s);
    if (!items) return;
    v.forEach((x, i) => {
      check(items, x, undefined, false, `${path}[${i}]`, false, errs);
    });
    return;
  }
  if (!isObject(v)) return;
  const props = isObject(s.properties) ? (s.properties as Record<string, JSONSchemaProps>) : {};
  const ap = additionalOf(s);
  const o = isObject(old) ? old : undefined;
  for (const [k, x] of Object.entries(v)) {
    if (root && k === 'metadata') continue;
    const ps = props[k] ?? ap;
    if (!ps) continue;
    check(ps, x, o?.[k], hasOld && o !== undefined && k in o, joinPath(path, k), false, errs);
  }
}

/** Whether the schema has any rule: most have none, and their objects skip the walk. */
export function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!isObject(s)) return false;
  if ((s['x-kubernetes-validations'] ?? []).length > 0) return true;
  const items = itemsOf(s);
  const ap = additionalOf(s);
  return (
    Object.values(isObject(s.properties) ? (s.properties as Record<string, JSONSchemaProps>) : {}).some(hasRules) ||
    hasRules(items) ||
    hasRules(ap)
  );
}

/** Runs the rules of schema over obj (and old, on update). */
export function validateRules(schema: JSONSchemaProps | undefined, obj: unknown, old?: unknown): FieldError[] {
  if (!schema || !hasRules(schema)) return [];
  const errs: FieldError[] = [];
  const outer = budget;
  budget = { call: PER_CALL_COST_LIMIT, total: RUNTIME_COST_BUDGET };
  try {
    check(schema, obj, old, old !== undefined, '', true, errs);
  } catch (e) {
    if (!(e instanceof StopRules)) throw e;
  } finally {
    budget = outer;
  }
  return errs;
}
