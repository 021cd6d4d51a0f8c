// Content negotiation: request bodies in JSON, YAML or Kubernetes protobuf are decoded to
// plain objects here; responses are JSON, or a meta.k8s.io Table / PartialObjectMetadata
// when the Accept header asks for one.

import YAML from 'yaml';
import { errors } from '../api/errors.js';
import { checkJSONDepth, checkYAMLDepth, MAX_NESTING_DEPTH, valueExceeds } from '../api/jsonlimits.js';
import { isObject } from '../api/object.js';
import { decodeK8sProtobuf } from '../api/protobuf.js';
import { wellFormedStrings } from '../api/wellformed.js';
import { MAX_BODY_BYTES } from './http.js';

export interface DecodedBody {
  value: unknown;
  /** Dotted paths of fields given twice (for fieldValidation Strict/Warn). */
  duplicates: string[];
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Decodes a create/update body (not patches). */
export function decodeBody(contentType: string | undefined, body: Buffer): DecodedBody {
  const mt = mediaType(contentType);
  if (body.length === 0) throw errors.badRequest('the body of the request was empty');
  switch (mt) {
    case '':
    case 'application/json':
      return decodeJSON(body.toString('utf8'));
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return decodeYAML(body.toString('utf8'));
    case 'application/vnd.kubernetes.protobuf':
      return { value: decodeK8sProtobuf(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)), duplicates: [] };
    default:
      throw errors.unsupportedMediaType(mt);
  }
}

export function decodeJSON(text: string): DecodedBody {
  let value: unknown;
  checkJSONDepth(text, "couldn't get version/kind; json parse error: ");
  try {
    value = wellFormedStrings(JSON.parse(text), text);
  } catch (e) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  return { value, duplicates: mayHaveDuplicateKeys(text, value) ? findDuplicateKeys(text) : [] };
}

/** Occurrences of ':' in s. */
function colons(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i !== -1; i = s.indexOf(':', i + 1)) n++;
  return n;
}

/**
 * Whether the JSON text that decoded to value may give a key twice in one object: false only
 * when it surely does not, so that the scanner (findDuplicateKeys) runs on the few bodies that
 * need it. Outside its strings a JSON text has one colon for each key it writes; inside them,
 * those its strings hold. Decoded, a key given twice is one key, and what the first one held
 * (its key's and its value's colons, the keys inside it) is gone; a colon escaped as \u003a
 * is one more. So with no such escape, the text's colons equal the decoded keys plus the
 * colons of the decoded keys and strings exactly when nothing was folded away. Native searches
 * and a walk of the decoded value: a few times cheaper than the scan.
 */
export function mayHaveDuplicateKeys(text: string, value: unknown): boolean {
  if (text.includes('\\u003a') || text.includes('\\u003A')) return true;
  let decoded = 0;
  // Without recursion: a small body may still nest deep.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      decoded += colons(v);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const e = v[i];
        if (typeof e === 'string') decoded += colons(e);
        else if (typeof e === 'object' && e !== null) stack.push(e);
      }
    } else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue;
        decoded += 1 + colons(k);
        const e = o[k];
        if (typeof e === 'string') decoded += colons(e);
        else if (typeof e === 'object' && e !== null) stack.push(e);
      }
    }
  }
  return colons(text) !== decoded;
}

export function decodeYAML(text: string): DecodedBody {
  const duplicates: string[] = [];
  let docs: YAML.Document.Parsed[];
  checkYAMLDepth(text, 'error converting YAML to JSON: ');
  try {
    docs = YAML.parseAllDocuments(text, { uniqueKeys: false }) as YAML.Document.Parsed[];
  } catch (e) {
    throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(docs) || docs.length === 0) throw errors.badRequest('the body of the request was empty');
  const doc = docs[0];
  if (doc.errors.length) throw errors.badRequest(`error converting YAML to JSON: yaml: ${doc.errors[0].message.split('\n')[0]}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // The yaml library's alias bound, or a stack overflow on absurd nesting: the client's error.
    throw errors.badRequest(
      `error converting YAML to JSON: yaml: ${e instanceof RangeError ? `exceeded max depth of ${MAX_NESTING_DEPTH}` : (e as Error).message}`,
    );
  }
  checkYAMLValue(value);
  value = wellFormedStrings(value, text);
  collectYamlDuplicates(doc.contents, '', duplicates);
  return { value, duplicates };
}

/**
 * goyaml's limits: nesting past 10,000, and aliases expanding a document past what any body
 * could hold (the "billion laughs": a few anchors written out a million times over).
 */
export function checkYAMLValue(value: unknown): void {
  const over = valueExceeds(value, MAX_NESTING_DEPTH, 2 * MAX_BODY_BYTES);
  if (over === 'depth') throw errors.badRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  if (over === 'size') throw errors.badRequest('error converting YAML to JSON: yaml: document contains excessive aliasing');
}

function collectYamlDuplicates(node: unknown, path: string, out: string[]): void {
  if (YAML.isMap(node)) {
    const seen = new Set<string>();
    for (const item of node.items) {
      const k = YAML.isScalar(item.key) ? String(item.key.value) : String(item.key);
      const p = path ? `${path}.${k}` : k;
      if (seen.has(k)) out.push(p);
      seen.add(k);
      collectYamlDuplicates(item.value, p, out);
    }
  } else if (YAML.isSeq(node)) {
    node.items.forEach((it, i) => {
      collectYamlDuplicates(it, `${path}[${i}]`, out);
    });
  }
}

/**
 * JSON.parse keeps the last of duplicated keys silently; Kubernetes' strict decoding reports
 * them. A small scanner over the (already valid) text finds them with their paths. It runs on
 * every create and update body, so it keeps to the text's character codes: a string is skipped
 * by searching for its closing quote, a key is decoded only when it has an escape, and a path is
 * joined only for a key found twice.
 */
export function findDuplicateKeys(text: string): string[] {
  const out: string[] = [];
  // The path to the value being scanned: keys, and array indexes as numbers.
  const path: (string | number)[] = [];
  const pathString = (): string => {
    let p = '';
    for (const el of path) p += typeof el === 'number' ? `[${el}]` : p ? `.${el}` : el;
    return p;
  };
  let i = 0;
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      // space, tab, newline, carriage return
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  // The next backslash at or after the string being scanned (-1: none left), found once per
  // backslash rather than once per string.
  let nextBackslash = text.indexOf('\\');
  /** Skips the string starting at i (a quote); answers whether it holds a backslash. */
  const skipString = (): boolean => {
    const start = i;
    if (nextBackslash !== -1 && nextBackslash < start) nextBackslash = text.indexOf('\\', start);
    let q = text.indexOf('"', start + 1);
    if (q < 0) throw new Error('unterminated string');
    const escaped = nextBackslash !== -1 && nextBackslash < q;
    if (escaped) {
      // A quote after an odd run of backslashes is part of the string.
      for (;;) {
        let n = 0;
        while (text.charCodeAt(q - 1 - n) === 92) n++;
        if (n % 2 === 0) break;
        q = text.indexOf('"', q + 1);
        if (q < 0) throw new Error('unterminated string');
      }
    }
    i = q + 1;
    return escaped;
  };
  const key = (): string => {
    const start = i;
    const escaped = skipString();
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  /** Past a member of an object or array: true at a comma (more follow), false at its close. */
  const afterMember = (): boolean => {
    ws();
    const more = text.charCodeAt(i) === 44; /* , */
    i++;
    return more;
  };
  const value = (): void => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) {
      i++;
      const seen = new Set<string>();
      ws();
      if (text.charCodeAt(i) === 125 /* } */) {
        i++;
        return;
      }
      for (;;) {
        ws();
        const k = key();
        ws();
        i++; // ':'
        path.push(k);
        if (seen.has(k)) out.push(pathString());
        seen.add(k);
        value();
        path.pop();
        if (!afterMember()) return;
      }
    } else if (c === 91 /* [ */) {
      i++;
      ws();
      if (text.charCodeAt(i) === 93 /* ] */) {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        path.push(n);
        value();
        path.pop();
        if (!afterMember()) return;
      }
    } else if (c === 34 /* " */) {
      skipString();
    } else {
      // A number, true, false or null runs to the next delimiter.
      for (;;) {
        const d = text.charCodeAt(i);
        if (Number.isNaN(d) || d === 44 || d === 125 || d === 93 || d === 32 || d === 9 || d === 10 || d === 13) return;
        i++;
      }
    }
  };
  try {
    value();
  } catch {
    /* the text parsed already; a scanner slip only loses duplicate reports */
  }
  return out;
}

export interface OutputFormat {
  kind: 'json' | 'table' | 'metadata';
  includeObject?: 'None' | 'Metadata' | 'Object';
}

/** The answer for JSON, shared: what negotiateOutput gives for the Accept values clients send most. */
const JSON_OUTPUT: OutputFormat = Object.freeze({ kind: 'json' });

/** Accept values that can only mean plain JSON (client-go's default, kubectl's, none): no parse needed. */
const PLAIN_JSON_ACCEPT = new Set(['application/json', 'application/json, */*', '*/*']);

/** Picks the response form from Accept, as kube-apiserver's negotiation does for these types. */
export function negotiateOutput(accept: string | undefined, query: URLSearchParams): OutputFormat {
  if (!accept || PLAIN_JSON_ACCEPT.has(accept)) return JSON_OUTPUT;
  const incl = query.get('includeObject');
  const includeObject = incl === 'None' || incl === 'Object' || incl === 'Metadata' ? incl : undefined;
  let sawAcceptable = false;
  for (const clause of accept.split(',')) {
    const [mt, ...params] = clause.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const [k, v] = kv.split('=');
      if (k && v !== undefined) p[k.trim()] = v.trim();
    }
    const base = mt.toLowerCase();
    if (
      base !== 'application/json' &&
      base !== '*/*' &&
      base !== 'application/*' &&
      base !== 'application/yaml' &&
      base !== 'application/vnd.kubernetes.protobuf'
    )
      continue;
    if (p.as === 'Table' && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) {
      if (base === 'application/json') return { kind: 'table', includeObject };
      continue;
    }
    if ((p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io') {
      if (base === 'application/json') return { kind: 'metadata' };
      continue;
    }
    if (p.as) continue;
    if (base === 'application/json' || base === '*/*' || base === 'application/*' || base === 'application/yaml') return { kind: 'json' };
    sawAcceptable = sawAcceptable || base === 'application/vnd.kubernetes.protobuf';
  }
  if (sawAcceptable) {
    // Protobuf only: we answer in JSON, which every Kubernetes client also accepts in practice
    // only when asked; refuse plainly rather than send what was not asked for.
    throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml');
  }
  return { kind: 'json' };
}

export function asObject(v: unknown, what = 'object'): Record<string, unknown> {
  if (!isObject(v)) throw errors.badRequest(`${what} must be a JSON object`);
  return v;
}
