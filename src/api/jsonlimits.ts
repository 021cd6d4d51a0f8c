// Limits on what a request body may make the server do, as kube-apiserver's decoders and
// storage impose them: Go's encoding/json (and sigs.k8s.io/json, goyaml) stop at nesting depth
// 10,000; etcd refuses a request over --max-request-bytes (1.5 MiB), which is what bounds the
// size of one stored object. Checked without recursion, so the checks cannot overflow the stack.

import { errors } from './errors.js';

/** encoding/json's maxNestingDepth. */
export const MAX_NESTING_DEPTH = 10_000;

/** etcd's default --max-request-bytes (1.5 MiB): the largest object kube-apiserver can store. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** The deepest nesting of `[`/`{` in JSON text (outside strings), stopping once past `max`. */
export function jsonTextDepth(text: string, max = MAX_NESTING_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** 400 for JSON text nested deeper than Go's decoder accepts (its scanner's words). */
export function checkJSONDepth(text: string, prefix = ''): void {
  if (jsonTextDepth(text) > MAX_NESTING_DEPTH) throw errors.badRequest(`${prefix}exceeded max depth`);
}

/**
 * Walks a decoded value without recursion and reports whether it nests deeper than maxDepth
 * or would serialise to more than maxBytes (roughly: strings and keys by length). A value
 * made of shared references (YAML aliases) is counted as often as it would be written, and
 * the walk stops at the limit, so its cost is bounded by maxBytes, not by the expansion.
 */
export function valueExceeds(value: unknown, maxDepth: number, maxBytes: number): 'depth' | 'size' | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  let bytes = 0;
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v === 'string') bytes += v.length + 2;
    else if (v === null || typeof v !== 'object') bytes += 8;
    else {
      if (d > maxDepth) return 'depth';
      bytes += 2;
      if (Array.isArray(v)) {
        for (const x of v) { stack.push([x, d + 1]); bytes += 1; }
      } else {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) { stack.push([x, d + 1]); bytes += k.length + 4; }
      }
    }
    if (bytes > maxBytes) return 'size';
  }
  return undefined;
}
