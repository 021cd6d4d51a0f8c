// Limits on what a request body may make the server do, as kube-apiserver's decoders and
// storage impose them: Go's encoding/json (and sigs.k8s.io/json, goyaml) stop at nesting depth
// 10,000; etcd refuses a request over --max-request-bytes (1.5 MiB), which is what bounds the
// size of one stored object. Checked without recursion, so the checks cannot overflow the stack.

import { errors } from './errors.js';

/** encoding/json's maxNestingDepth. */
export const MAX_NESTING_DEPTH = 10_000;

/** etcd's default --max-request-bytes (1.5 MiB): the largest object kube-apiserver can store. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/**
 * The deepest nesting of `[`/`{` in JSON text (outside strings), stopping once past `max`.
 * Strings are skipped by searching for their closing quote (most of a body's bytes are in
 * them: a ConfigMap's took ~5 us a create walked one character at a time); only a string
 * holding a backslash is walked, so that an escaped quote does not end it.
 */
export function jsonTextDepth(text: string, max = MAX_NESTING_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  // The next backslash at or after the string being skipped (-1: none left).
  let nextBackslash = text.indexOf('\\');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let q = text.indexOf('"', i + 1);
      // Unterminated: nothing after it nests (JSON.parse reports the string).
      if (q < 0) return deepest;
      if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = text.indexOf('\\', i);
      if (nextBackslash !== -1 && nextBackslash < q) {
        q = i + 1;
        while (q < text.length) {
          const d = text.charCodeAt(q);
          if (d === 0x5c) q += 2;
          else if (d === 0x22) break;
          else q++;
        }
      }
      i = q;
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
  // Each level opens with a character of its own: a text this short cannot nest too deep, and
  // nearly every body is (the scan cost ~2-3 us a create body).
  if (text.length <= MAX_NESTING_DEPTH) return;
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
        for (const x of v) {
          stack.push([x, d + 1]);
          bytes += 1;
        }
      } else {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
          stack.push([x, d + 1]);
          bytes += k.length + 4;
        }
      }
    }
    if (bytes > maxBytes) return 'size';
  }
  return undefined;
}

/**
 * The YAML parser (the `yaml` package) takes about a second per 10,000 levels of flow nesting
 * (`[[[[...`) and at 50,000 has died of a fatal out-of-memory in V8's regexp compiler, which no
 * catch can stop. So YAML text is refused before parsing past this flow depth: far below Go's
 * 10,000, far above anything a Kubernetes object nests.
 */
export const MAX_YAML_FLOW_DEPTH = 1000;

/**
 * The deepest flow nesting in YAML text, stopping once past `max`: `[` and `{` opening a flow
 * collection (at the start of a line or after `[`, `{`, `,`, `:`, `-`, `?` and blanks), outside
 * quoted scalars and comments. Conservative: a bracket inside a block scalar may count too.
 */
export function yamlFlowDepth(text: string, max = MAX_YAML_FLOW_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let prev = 0x0a; // the last non-blank character, as if after a line break
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) continue;
    if (c === 0x23 && (i === 0 || text.charCodeAt(i - 1) === 0x20 || text.charCodeAt(i - 1) === 0x09 || text.charCodeAt(i - 1) === 0x0a)) {
      // A comment: to the end of the line.
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
      prev = 0x0a;
      continue;
    }
    const opensHere =
      prev === 0x0a || prev === 0x0d || prev === 0x5b || prev === 0x7b || prev === 0x2c || prev === 0x3a || prev === 0x2d || prev === 0x3f;
    if (c === 0x22 && opensHere) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x27 && opensHere) {
      for (i++; i < text.length; i++) {
        if (text.charCodeAt(i) === 0x27) {
          if (text.charCodeAt(i + 1) === 0x27) i++;
          else break;
        }
      }
    } else if ((c === 0x5b || c === 0x7b) && opensHere) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
    prev = c;
  }
  return deepest;
}

/** 400 for YAML nested past MAX_YAML_FLOW_DEPTH, before the parser sees it. */
export function checkYAMLDepth(text: string, prefix: string): void {
  if (yamlFlowDepth(text) > MAX_YAML_FLOW_DEPTH) throw errors.badRequest(`${prefix}yaml: exceeded max depth of ${MAX_YAML_FLOW_DEPTH}`);
}
