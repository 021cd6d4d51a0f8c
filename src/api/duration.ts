// Go's time.Duration in text: Duration fields (metav1.Duration) cross the API as
// time.Duration.String() writes them and time.ParseDuration reads them, and the kubelet words
// its back-off messages the same way.

import { errors } from './errors.js';

const NS = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 } as const;

function fraction(v: number, unit: number): string {
  const whole = Math.floor(v / unit);
  const rest = v - whole * unit;
  if (rest === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** time.Duration.String() of a count of nanoseconds. */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let u = Math.abs(ns);
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${fraction(u, 1e3)}µs`;
  if (u < 1e9) return `${sign}${fraction(u, 1e6)}ms`;
  const h = Math.floor(u / NS.h);
  u -= h * NS.h;
  const m = Math.floor(u / NS.m);
  u -= m * NS.m;
  const s = `${fraction(u, 1e9)}s`;
  return sign + (h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s);
}

/** time.ParseDuration: nanoseconds of "1h30m", "-1.5s", "300ms". */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m) throw errors.badRequest(`time: invalid duration "${s}"`);
  let total = 0;
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * NS[part[2] as keyof typeof NS];
  }
  return Math.round(m[1] === '-' ? -total : total);
}

/** time.Duration.String() of a count of milliseconds: 10s, 1m20s, 5m0s, 250ms, 1.5s. */
export function goDuration(ms: number): string {
  return formatDuration(Math.round(ms * 1e6));
}
