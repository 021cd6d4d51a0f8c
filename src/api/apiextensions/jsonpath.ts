// The JSONPath subset CRDs use (additionalPrinterColumns, the scale subresource's paths,
// selectableFields), read as client-go's util/jsonpath reads a template "{<path>}": fields
// (.a.b, ['a.b']), indexes and slices ([0], [-1], [*], [1:3]), and filters
// ([?(@.type=="Ready")], [?(@.x)]) with ==, !=, <, <=, >, >=. Missing keys yield no result
// (AllowMissingKeys), as the table convertor asks.

import { isObject } from '../object.js';

type Step =
  | { t: 'field'; name: string }
  | { t: 'index'; start: number | undefined; end: number | undefined; all: boolean; single: boolean }
  | { t: 'filter'; path: Step[]; op?: string; value?: unknown }
  | { t: 'wildcard' };

export class JSONPathError extends Error {}

/** Parses ".spec.replicas" (with or without the surrounding braces). */
export function parseJSONPath(text: string): Step[] {
  let s = text.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      i++;
      if (s[i] === '*') {
        steps.push({ t: 'wildcard' });
        i++;
        continue;
      }
      let j = i;
      while (j < s.length && /[A-Za-z0-9_\-/\\]/.test(s[j])) j++;
      if (j === i) {
        if (i >= s.length) break; // a trailing "." as in "{.}"
        throw new JSONPathError(`unrecognized character in action: ${s.slice(i)}`);
      }
      steps.push({ t: 'field', name: s.slice(i, j) });
      i = j;
    } else if (c === '[') {
      const close = matchBracket(s, i);
      const inner = s.slice(i + 1, close).trim();
      steps.push(parseBracket(inner));
      i = close + 1;
    } else if (c === ' ') {
      i++;
    } else {
      throw new JSONPathError(`unrecognized character in action: ${s.slice(i)}`);
    }
  }
  return steps;
}

function matchBracket(s: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if (c === '[' || c === '(') depth++;
    if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return i;
    }
  }
  throw new JSONPathError('unclosed array expect ]');
}

function parseBracket(inner: string): Step {
  if (/^['"].*['"]$/.test(inner)) return { t: 'field', name: inner.slice(1, -1) };
  if (inner === '*') return { t: 'index', start: undefined, end: undefined, all: true, single: false };
  if (inner.startsWith('?(') && inner.endsWith(')')) return parseFilter(inner.slice(2, -1).trim());
  const m = /^(-?\d*)(?::(-?\d*))?$/.exec(inner);
  if (!m) throw new JSONPathError(`invalid array index ${inner}`);
  const start = m[1] === '' ? undefined : Number(m[1]);
  if (m[2] === undefined) return { t: 'index', start, end: undefined, all: false, single: true };
  return { t: 'index', start, end: m[2] === '' ? undefined : Number(m[2]), all: false, single: false };
}

function parseFilter(expr: string): Step {
  const m = /^@((?:\.[A-Za-z0-9_\-/]+|\[['"][^'"]*['"]\])*)\s*(==|!=|<=|>=|<|>)?\s*(.*)$/.exec(expr);
  if (!m) throw new JSONPathError(`unrecognized filter ${expr}`);
  const path = parseJSONPath(m[1] || '');
  if (!m[2]) return { t: 'filter', path };
  const raw = m[3].trim();
  let value: unknown;
  if (/^['"].*['"]$/.test(raw)) value = raw.slice(1, -1);
  else if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (raw !== '' && !Number.isNaN(Number(raw))) value = Number(raw);
  else throw new JSONPathError(`unrecognized filter value ${raw}`);
  return { t: 'filter', path, op: m[2], value };
}

/** Every value the path selects from data, in order. */
export function findResults(steps: Step[], data: unknown): unknown[] {
  let cur: unknown[] = [data];
  for (const st of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (st.t === 'field') {
        if (isObject(v) && st.name in v) next.push(v[st.name]);
      } else if (st.t === 'wildcard') {
        if (isObject(v))
          next.push(
            ...Object.keys(v)
              .sort()
              .map((k) => v[k]),
          );
        else if (Array.isArray(v)) next.push(...v);
      } else if (st.t === 'index') {
        if (!Array.isArray(v)) continue;
        if (st.all) {
          next.push(...v);
          continue;
        }
        const norm = (n: number) => (n < 0 ? n + v.length : n);
        if (st.single) {
          const idx = norm(st.start ?? 0);
          if (idx >= 0 && idx < v.length) next.push(v[idx]);
          continue;
        }
        const a = Math.max(0, norm(st.start ?? 0)),
          b = Math.min(v.length, norm(st.end ?? v.length));
        for (let k = a; k < b; k++) next.push(v[k]);
      } else {
        const items = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [];
        for (const it of items) {
          const found = findResults(st.path, it);
          if (st.op === undefined) {
            if (found.length > 0) next.push(it);
            continue;
          }
          if (found.length > 0 && compare(found[0], st.op, st.value)) next.push(it);
        }
      }
    }
    cur = next;
  }
  return cur;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return typeof a === 'number' && typeof b === 'number' && a < b;
    case '<=':
      return typeof a === 'number' && typeof b === 'number' && a <= b;
    case '>':
      return typeof a === 'number' && typeof b === 'number' && a > b;
    case '>=':
      return typeof a === 'number' && typeof b === 'number' && a >= b;
    default:
      return false;
  }
}

/** How jsonpath's PrintResults prints one value: strings as they are, other values as JSON. */
export function printValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** A simple path ".spec.replicas" (no array notation) as its field names, for the scale subresource. */
export function simplePathFields(path: string): string[] | undefined {
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(path)) return undefined;
  return path.slice(1).split('.');
}
