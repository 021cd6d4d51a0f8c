// Query parameters as Kubernetes reads them. Kubernetes counterpart: the ParameterCodec of
// k8s.io/apimachinery/pkg/runtime (conversion.go: Convert_Slice_string_To_bool/_int64/...),
// the generated url.Values conversions of meta/v1 (ListOptions, DeleteOptions, PatchOptions)
// and core/v1 (PodLogOptions, PodExecOptions, PodAttachOptions, PodPortForwardOptions), and
// negotiation.isPrettyPrint. Every reader of a query parameter in k8ts goes through here, so a
// client's spelling (Python sends `watch=True`, client-node `follow=false`) means the same
// everywhere as it does to kube-apiserver and kubelet.
//
// What the source says (v1.32), and so what this does:
// - booleans: absent is false; "0" or any case of "false" is false; everything else, the empty
//   string included, is true. Never an error (conversion.go says so in as many words).
// - integers: strconv.ParseInt(s, 10, 64); anything else is 400 BadRequest with Go's message,
//   `strconv.ParseInt: parsing "abc": invalid syntax` (or `value out of range`).
// - pretty: strconv.ParseBool (1 t T TRUE true True / 0 f F FALSE false False); another
//   spelling is not pretty, and curl, Wget and browsers get pretty output when it is absent.

import { errors, type FieldError } from './errors.js';

/** Go's strconv.Quote, for the messages Go's errors print. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/** Go's strconv.ParseBool; undefined where Go returns an error. */
export function goParseBool(s: string): boolean | undefined {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
  }
  return undefined;
}

/** A Go strconv error, with the text Go gives it. */
export class NumError extends Error {
  constructor(
    readonly fn: string,
    readonly num: string,
    readonly err: 'invalid syntax' | 'value out of range',
  ) {
    super(`strconv.${fn}: parsing ${goQuote(num)}: ${err}`);
  }
}

/**
 * Go's strconv.ParseInt(s, 10, bits) (or ParseUint for unsigned): an optional sign (signed
 * only), then decimal digits, nothing else. Values beyond 2^53 lose precision in a JS number,
 * but the range check is exact.
 */
export function goParseInt(s: string, bits = 64, unsigned = false): number {
  const fn = unsigned ? 'ParseUint' : 'ParseInt';
  let body = s;
  let negative = false;
  if (!unsigned && (body.startsWith('+') || body.startsWith('-'))) {
    negative = body[0] === '-';
    body = body.slice(1);
  }
  if (!/^[0-9]+$/.test(body)) throw new NumError(fn, s, 'invalid syntax');
  const v = BigInt(body) * (negative ? -1n : 1n);
  const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = unsigned ? 0n : -(1n << BigInt(bits - 1));
  if (v > max || v < min) throw new NumError(fn, s, 'value out of range');
  return Number(v);
}

/** The first value of a parameter, as Go's url.Values.Get / the []string conversions read it. */
function first(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null ? undefined : v;
}

/** Convert_Slice_string_To_bool: undefined when absent, else false only for "0" and "false" in any case. */
export function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = first(q, name);
  if (v === undefined) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** Convert_Slice_string_To_int64 / _Pointer_int64: undefined when absent; 400 with Go's message when not an int64. */
export function int64Param(q: URLSearchParams, name: string): number | undefined {
  const v = first(q, name);
  if (v === undefined) return undefined;
  try {
    return goParseInt(v, 64);
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
}

/** negotiation.isPrettyPrint: ?pretty= by strconv.ParseBool, else curl, Wget and browsers get it. */
export function prettyParam(q: URLSearchParams, userAgent: string | undefined): boolean {
  const pp = q.get('pretty');
  if (pp) return goParseBool(pp) ?? false;
  const ua = userAgent ?? '';
  return ua.startsWith('curl') || ua.startsWith('Wget') || ua.startsWith('Mozilla/5.0');
}

/** Convert_Slice_string_To_Slice_int32: repeated and/or comma-separated, each a uint16. */
export function portsParam(q: URLSearchParams, name = 'ports'): number[] {
  const out: number[] = [];
  for (const s of q.getAll(name)) {
    for (const v of s.split(',')) {
      try {
        out.push(goParseInt(v, 16, true));
      } catch (e) {
        throw errors.badRequest(`cannot convert to []int32: ${(e as Error).message}`);
      }
    }
  }
  return out;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** metav1.Time.UnmarshalQueryParameter: RFC 3339; empty or "null" is unset. Unix ms. */
export function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = first(q, name);
  if (v === undefined || v === '' || v === 'null') return undefined;
  const ms = RFC3339.test(v) ? Date.parse(v.replace(/(\.\d{3})\d+/, '$1')) : NaN;
  if (Number.isNaN(ms))
    throw errors.badRequest(`parsing time ${goQuote(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${goQuote(v)} as "2006"`);
  return ms;
}

// ---- the option types, as their url.Values conversions read them ----

/** The query half of metav1.ListOptions that changes how a list or watch is served. */
export interface ListQuery {
  watch: boolean;
  allowWatchBookmarks: boolean;
  /** Unset unless given (a *bool). */
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  limit?: number;
}

export function listQuery(q: URLSearchParams): ListQuery {
  return {
    watch: boolParam(q, 'watch') ?? false,
    allowWatchBookmarks: boolParam(q, 'allowWatchBookmarks') ?? false,
    sendInitialEvents: boolParam(q, 'sendInitialEvents'),
    timeoutSeconds: int64Param(q, 'timeoutSeconds'),
    limit: int64Param(q, 'limit'),
  };
}

/** metav1.DeleteOptions from the query (kube-apiserver reads it only when the body is empty). */
export interface DeleteQuery {
  gracePeriodSeconds?: number;
  orphanDependents?: boolean;
  propagationPolicy?: string;
  dryRun?: string[];
}

export function deleteQuery(q: URLSearchParams): DeleteQuery {
  const out: DeleteQuery = {};
  const g = int64Param(q, 'gracePeriodSeconds');
  if (g !== undefined) out.gracePeriodSeconds = g;
  const od = boolParam(q, 'orphanDependents');
  if (od !== undefined) out.orphanDependents = od;
  const pp = q.get('propagationPolicy');
  // Convert_Slice_string_To_Pointer_v1_DeletionPropagation keeps even "" (validation refuses it).
  if (pp !== null) out.propagationPolicy = pp;
  const dry = q.getAll('dryRun');
  if (dry.length) out.dryRun = dry;
  return out;
}

/** metav1.PatchOptions' force (a *bool). */
export function forceParam(q: URLSearchParams): boolean | undefined {
  return boolParam(q, 'force');
}

/** core/v1 PodLogOptions, validated as kube-apiserver's pod log REST does. */
export interface PodLogQuery {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** Unix ms. */
  sinceTime?: number;
  tailLines?: number;
  limitBytes?: number;
}

/** Reads and validates PodLogOptions; name is the pod's, for the Invalid message. */
export function podLogQuery(q: URLSearchParams, name = ''): PodLogQuery {
  const o: PodLogQuery = {
    container: first(q, 'container') || undefined,
    follow: boolParam(q, 'follow') ?? false,
    previous: boolParam(q, 'previous') ?? false,
    timestamps: boolParam(q, 'timestamps') ?? false,
    sinceSeconds: int64Param(q, 'sinceSeconds'),
    sinceTime: timeParam(q, 'sinceTime'),
    tailLines: int64Param(q, 'tailLines'),
    limitBytes: int64Param(q, 'limitBytes'),
  };
  const errs: FieldError[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0)
    errs.push({ type: 'FieldValueInvalid', field: 'tailLines', value: o.tailLines, detail: 'must be greater than or equal to 0' });
  if (o.limitBytes !== undefined && o.limitBytes < 1)
    errs.push({ type: 'FieldValueInvalid', field: 'limitBytes', value: o.limitBytes, detail: 'must be greater than 0' });
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) {
    errs.push({ type: 'FieldValueForbidden', field: '', detail: 'at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) {
    errs.push({ type: 'FieldValueInvalid', field: 'sinceSeconds', value: o.sinceSeconds, detail: 'must be greater than 0' });
  }
  if (errs.length) throw errors.invalid('PodLogOptions', '', name, errs);
  return o;
}

/** What kubelet's /containerLogs is asked for (kube-apiserver's LogLocation writes these back). */
export function encodePodLogQuery(o: PodLogQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (o.follow) p.set('follow', 'true');
  if (o.previous) p.set('previous', 'true');
  if (o.timestamps) p.set('timestamps', 'true');
  if (o.sinceSeconds !== undefined) p.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime !== undefined) p.set('sinceTime', new Date(o.sinceTime).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (o.tailLines !== undefined) p.set('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) p.set('limitBytes', String(o.limitBytes));
  return p;
}

/** core/v1 PodExecOptions and PodAttachOptions (attach has no command). */
export interface PodExecQuery {
  container?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  command: string[];
}

export function podExecQuery(q: URLSearchParams): PodExecQuery {
  return {
    container: first(q, 'container') || undefined,
    stdin: boolParam(q, 'stdin') ?? false,
    stdout: boolParam(q, 'stdout') ?? false,
    stderr: boolParam(q, 'stderr') ?? false,
    tty: boolParam(q, 'tty') ?? false,
    command: q.getAll('command'),
  };
}

/**
 * kubelet's own streaming parameters (remotecommand.NewOptions): a stream is on only when its
 * parameter is exactly "1", which is what kube-apiserver's streamLocation writes.
 */
export function kubeletFlag(q: URLSearchParams, name: string): boolean {
  return q.get(name) === '1';
}
