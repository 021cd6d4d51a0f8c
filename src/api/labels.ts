// Label and field selectors, as k8s.io/apimachinery/pkg/labels and pkg/fields parse and match them.

import { errors, StatusError } from './errors.js';
import { isObject } from './object.js';
import type { LabelSelector } from './types.js';

export type Operator = 'in' | 'notin' | 'exists' | '!' | '=' | '!=' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export class Selector {
  constructor(public readonly requirements: Requirement[]) {}
  static everything(): Selector {
    return new Selector([]);
  }
  /** A selector built from a LabelSelector object that has neither field matches nothing. */
  static nothing(): Selector {
    return new Selector([{ key: '', op: 'in', values: [] }]);
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  matches(labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    for (const r of this.requirements) {
      const has = Object.hasOwn(l, r.key);
      const v = l[r.key];
      switch (r.op) {
        case '=':
        case 'in':
          if (!has || !r.values.includes(v)) return false;
          break;
        case '!=':
        case 'notin':
          if (has && r.values.includes(v)) return false;
          break;
        case 'exists':
          if (!has) return false;
          break;
        case '!':
          if (has) return false;
          break;
        case 'gt':
        case 'lt': {
          if (!has) return false;
          const n = Number(v),
            m = Number(r.values[0]);
          if (!Number.isInteger(n) || !Number.isInteger(m)) return false;
          if (r.op === 'gt' ? !(n > m) : !(n < m)) return false;
          break;
        }
      }
    }
    return true;
  }
  toString(): string {
    return this.requirements
      .map((r) => {
        switch (r.op) {
          case 'exists':
            return r.key;
          case '!':
            return `!${r.key}`;
          case '=':
            return `${r.key}=${r.values[0]}`;
          case '!=':
            return `${r.key}!=${r.values[0]}`;
          case 'gt':
            return `${r.key}>${r.values[0]}`;
          case 'lt':
            return `${r.key}<${r.values[0]}`;
          default:
            return `${r.key} ${r.op} (${r.values.join(',')})`;
        }
      })
      .join(',');
  }
}

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string): void {
  if (!KEY_RE.test(k) || k.length > 316)
    throw errors.badRequest(
      `unable to parse requirement: key: Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
}
function checkValue(v: string): void {
  if (!VALUE_RE.test(v) || v.length > 63)
    throw errors.badRequest(
      `unable to parse requirement: values[0]: Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
}

/** Parses the labelSelector query syntax: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a, a>1, a<2. */
export function parseSelector(s: string | undefined | null): Selector {
  if (!s?.trim()) return Selector.everything();
  const reqs: Requirement[] = [];
  // Split on commas that are not inside parentheses.
  const parts: string[] = [];
  let depth = 0,
    cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) throw errors.badRequest(`unable to parse requirement: found '', expected: identifier`);
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^(\S+?)\s+(in|notin)\s*\((.*)\)$/))) {
      checkKey(m[1]);
      const values = m[3].split(',').map((x) => x.trim());
      values.forEach(checkValue);
      reqs.push({ key: m[1], op: m[2] as Operator, values });
    } else if ((m = p.match(/^!\s*(\S+)$/))) {
      checkKey(m[1]);
      reqs.push({ key: m[1], op: '!', values: [] });
    } else if ((m = p.match(/^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/))) {
      checkKey(m[1]);
      checkValue(m[3]);
      const op: Operator = m[2] === '!=' ? '!=' : m[2] === '>' ? 'gt' : m[2] === '<' ? 'lt' : '=';
      reqs.push({ key: m[1], op, values: [m[3]] });
    } else if (/^[^=!<>()\s,]+$/.test(p)) {
      checkKey(p);
      reqs.push({ key: p, op: 'exists', values: [] });
    } else {
      throw errors.badRequest(`unable to parse requirement: invalid label selector: ${JSON.stringify(p)}`);
    }
  }
  return new Selector(reqs);
}

/** metav1.LabelSelectorAsSelector: nil matches nothing, empty matches everything. */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (!ls) return Selector.nothing();
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key: k, op: '=', values: [v] });
  for (const e of ls.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as Record<string, Operator>)[e.operator];
    if (!op) throw new StatusError(400, 'BadRequest', `${JSON.stringify(e.operator)} is not a valid label selector operator`);
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return new Selector(reqs);
}

/** A map selector (Service.spec.selector, ReplicationController): every key must equal. */
export function selectorFromMap(m: Record<string, string> | undefined): Selector {
  return new Selector(Object.entries(m ?? {}).map(([key, v]) => ({ key, op: '=' as const, values: [v] })));
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** fieldSelector: a=b, a==b, a!=b joined by commas (values may escape ',' '=' '\' with '\'). */
export function parseFieldSelector(s: string | undefined | null): FieldRequirement[] {
  if (!s?.trim()) return [];
  const out: FieldRequirement[] = [];
  for (const part of s.split(/(?<!\\),/)) {
    const m = part.trim().match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    out.push({ field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: m[3].replace(/\\(.)/g, '$1') });
  }
  return out;
}

/** Reads a dotted field path ("metadata.name", "spec.nodeName", "status.phase") off an object. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

export function matchesFields(obj: unknown, reqs: FieldRequirement[]): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/**
 * A LabelSelector as metav1.LabelSelectorAsSelector(...).String() writes it: requirements
 * sorted by key, set values sorted; '' for a nil selector; undefined when it is not valid.
 * Printers (SELECTOR columns) and the scale subresource (status.selector) both use it.
 */
export function labelSelectorString(sel: unknown): string | undefined {
  const obj = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  if (!isObject(sel)) return ''; // a nil selector selects nothing and prints as ''
  const reqs: { key: string; text: string }[] = [];
  const ml = obj(sel.matchLabels);
  for (const k of Object.keys(ml)) reqs.push({ key: k, text: `${k}=${str(ml[k])}` });
  for (const e of list(sel.matchExpressions)) {
    const ex = obj(e);
    const key = str(ex.key);
    const values = list(ex.values).map(str).sort();
    switch (ex.operator) {
      case 'In':
        if (values.length === 0) return undefined;
        reqs.push({ key, text: `${key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        if (values.length === 0) return undefined;
        reqs.push({ key, text: `${key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        if (values.length > 0) return undefined;
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        if (values.length > 0) return undefined;
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  reqs.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}
