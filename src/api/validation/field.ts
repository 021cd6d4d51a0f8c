// Constructors for field errors, as k8s.io/apimachinery/pkg/util/validation/field builds them,
// so that each rule reads like Kubernetes' own and prints Kubernetes' own message.

import type { FieldError } from '../errors.js';

export type { FieldError };

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, detail };
}
export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, detail };
}
export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  return { type: 'FieldValueNotSupported', field, value, detail: '', supported };
}
export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value, detail: '' };
}
export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}
export function notFound(field: string, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, value, detail: '' };
}
/** field.TooLong: "may not be more than N bytes". */
export function tooLong(field: string, maxBytes: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `may not be more than ${maxBytes} ${maxBytes === 1 ? 'byte' : 'bytes'}` };
}

/** Path building as field.Path prints it: a.b, a[0], a[key]. */
export const child = (path: string, ...names: string[]): string => names.reduce((p, n) => (p ? `${p}.${n}` : n), path);
export const index = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;

/**
 * A value that Kubernetes prints as a Go struct literal (%#v): v1.LabelSelector{...},
 * intstr.IntOrString{...}, []string{...}. errors.ts' goValue prints plain JSON values; it
 * falls back to String(v) for anything that is not a string, number, boolean, array or plain
 * object, and a function is such a thing, so its toString carries the Go rendering. The
 * goString property lets goValue recognise it explicitly should it learn to.
 */
export function goLiteral(text: string): unknown {
  const f = () => text;
  f.toString = () => text;
  (f as unknown as { goString: string }).goString = text;
  return f;
}

/** Go's %q for a string (close enough: JSON escapes are Go's for printable text). */
export const goQuote = (s: string): string => JSON.stringify(s);

/** map[string]string{"a":"b"} with Go's sorted keys; nil when absent. */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(m[k])}`).join(', ')}}`;
}

/** A labels map as the value of an Invalid error: goValue prints it in insertion order, Go sorts. */
export function sortedStringMap(m: Record<string, string> | undefined | null): unknown {
  if (!m) return goLiteral('map[string]string(nil)');
  return goLiteral(goStringMap(m));
}

export function goStringSlice(a: string[] | undefined | null): string {
  if (!a) return '[]string(nil)';
  return `[]string{${a.map(goQuote).join(', ')}}`;
}

/** intstr.IntOrString as %#v prints it (Type 0 is Int, 1 is String). */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'number') return `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`;
  return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(String(v ?? ''))}}`;
}

/** metav1.LabelSelector as %#v prints it. */
export function goLabelSelector(sel: unknown): string {
  const s = (sel ?? {}) as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
  };
  const ml =
    s.matchLabels && Object.keys(s.matchLabels).length > 0
      ? goStringMap(s.matchLabels)
      : s.matchLabels
        ? 'map[string]string{}'
        : 'map[string]string(nil)';
  const me = s.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions.map((e) => `v1.LabelSelectorRequirement{Key:${goQuote(e.key ?? '')}, Operator:${goQuote(e.operator ?? '')}, Values:${goStringSlice(e.values)}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}
