// Semantic equality for JSON objects as apiequality.Semantic.DeepEqual sees their Go forms:
// a missing field, null, "" and an empty list are the same zero value.

import { isObject } from '../object.js';

/** The value with zero-valued leaves removed, keys sorted; undefined when the whole is zero. */
export function normalize(v: unknown): unknown {
  if (v === null || v === undefined || v === '') return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.map((x) => normalize(x) ?? null);
  }
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize(v[k]);
      if (n !== undefined) out[k] = n;
    }
    return out;
  }
  return v;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a) ?? null) === JSON.stringify(normalize(b) ?? null);
}

const goFieldName = (json: string): string => {
  const special: Record<string, string> = {
    dnsPolicy: 'DNSPolicy',
    dnsConfig: 'DNSConfig',
    hostPID: 'HostPID',
    hostIPC: 'HostIPC',
    os: 'OS',
  };
  return special[json] ?? json.charAt(0).toUpperCase() + json.slice(1);
};

/**
 * A short diff in the spirit of go-cmp's output (which Kubernetes appends to some Forbidden
 * messages): one -/+ pair per top-level field that differs. Not byte-identical to Go's.
 */
export function specDiff(typeName: string, oldSpec: Record<string, unknown>, newSpec: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])];
  const lines = [`  ${typeName}{`];
  for (const k of keys) {
    if (semanticEqual(oldSpec[k], newSpec[k])) continue;
    const o = normalize(oldSpec[k]);
    const n = normalize(newSpec[k]);
    if (o !== undefined) lines.push(`- \t${goFieldName(k)}: ${JSON.stringify(o)},`);
    if (n !== undefined) lines.push(`+ \t${goFieldName(k)}: ${JSON.stringify(n)},`);
  }
  lines.push('  }', '');
  return lines.join('\n');
}
