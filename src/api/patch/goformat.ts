// Go's fmt %v rendering of decoded JSON (map[string]interface{}, []interface{}), which
// Kubernetes' patch errors embed in their messages ("map: map[image:nginx] does not
// contain declared merge key: name").

import { isObject } from '../object.js';

export function goV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goV(v[k])}`).join(' ')}]`;
  }
  return String(v);
}
