// CronJob schedules, as kube-apiserver validates them and kube-controller-manager's cronjob
// controller runs them: github.com/robfig/cron/v3's ParseStandard (five fields, or a descriptor
// such as @hourly or @every 90m) in the CronJob's time zone. The cron arithmetic is the
// cron-parser package's (npm; maintained, TypeScript, IANA time zones through luxon); what is
// here is only what robfig/cron decides differently: the exact field count, the descriptors it
// knows (@midnight, @every), no Quartz/Jenkins extensions (L, W, #, H), day-of-week 0-6, and its
// error messages where they are the ones users see in a Status.

import { createRequire } from 'node:module';
import type { CronExpression } from 'cron-parser';
import { errorMessage } from './errors.js';

let cronParser: typeof import('cron-parser').CronExpressionParser | undefined;
/** cron-parser (with luxon for time zones), loaded by the first schedule parsed, not at every API server start (#13). */
function CronExpressionParser(): typeof import('cron-parser').CronExpressionParser {
  cronParser ??= (createRequire(import.meta.url)('cron-parser') as typeof import('cron-parser')).CronExpressionParser;
  return cronParser;
}

/** A parsed schedule: the first activation time strictly after a given time. */
export interface Schedule {
  next(after: Date): Date;
}

/** robfig/cron's descriptors (ParseStandard accepts them), as five-field expressions. */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const NAMES = new Set([
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
  'sun',
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
]);

/** Go's %s of a []string: [a b c]. */
const goFields = (fields: string[]): string => `[${fields.join(' ')}]`;

/** The zone a schedule without timeZone runs in: kube-controller-manager's own (the process's local zone). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The problem time.LoadLocation has with a zone name, or undefined when it loads: an IANA name
 * (or a legacy alias) this process's time zone database knows. "Local" is Go's own zone, refused
 * by the caller with Kubernetes' own message.
 */
export function timeZoneError(tz: string): string | undefined {
  if (tz === '' || tz === 'UTC') return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    // Intl matches names without regard to case; Go opens the zone file by its exact name.
    if (resolved.toLowerCase() === tz.toLowerCase() && resolved !== tz) return `unknown time zone ${tz}`;
    return undefined;
  } catch {
    return `unknown time zone ${tz}`;
  }
}

/** Go's time.ParseDuration for the @every descriptor (h, m, s, ms, us/µs, ns; decimals allowed). */
function parseGoDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  re.lastIndex = 0;
  let at = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    total += Number(m[1]) * unit[m[2]];
    at = re.lastIndex;
  }
  return at === rest.length ? sign * total : undefined;
}

/** robfig's ConstantDelaySchedule: every delay (whole seconds, at least one), on the second. */
class ConstantDelaySchedule implements Schedule {
  constructor(private readonly delayMs: number) {}
  next(after: Date): Date {
    const t = after.getTime();
    return new Date(t - (t % 1000) + this.delayMs);
  }
}

class CronSchedule implements Schedule {
  constructor(private readonly expr: CronExpression) {}
  next(after: Date): Date {
    this.expr.reset(after);
    return this.expr.next().toDate();
  }
}

/** The checks robfig/cron makes that cron-parser does not, with robfig's messages. */
function checkStandardFields(fields: string[]): void {
  for (const [i, field] of fields.entries()) {
    for (const part of field.split(',')) {
      for (const atom of part.split(/[-/]/)) {
        if (atom === '*' || atom === '?' || /^\d+$/.test(atom)) continue;
        // Names are months (field 4) and days of the week (field 5), three letters, any case.
        if ((i === 3 || i === 4) && NAMES.has(atom.toLowerCase())) continue;
        throw new Error(`failed to parse int from ${atom}: strconv.Atoi: parsing ${JSON.stringify(atom)}: invalid syntax`);
      }
      const range = part.split('/')[0];
      if (i === 4) {
        for (const v of range.split('-')) {
          if (/^\d+$/.test(v) && Number(v) > 6) throw new Error(`end of range (${Number(v)}) above maximum (6): ${range}`);
        }
      }
    }
  }
}

/**
 * cron.ParseStandard of a CronJob's schedule in its time zone (an IANA name; the controller's
 * local zone when unset). Throws with the message kube-apiserver puts in its Invalid error.
 */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  const spec = schedule.trim();
  if (spec === '') throw new Error('empty spec string');
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) {
      const d = parseGoDuration(spec.slice('@every '.length).trim());
      if (d === undefined)
        throw new Error(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(spec.slice('@every '.length))}`);
      // Every rounds down to whole seconds, and never below one.
      return new ConstantDelaySchedule(Math.max(1000, d - (d % 1000)));
    }
    const five = DESCRIPTORS[spec];
    if (!five) throw new Error(`unrecognized descriptor: ${spec}`);
    return parseFive(five, timeZone);
  }
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${goFields(fields)}`);
  checkStandardFields(fields);
  return parseFive(fields.join(' '), timeZone);
}

function parseFive(expr: string, timeZone: string | undefined): Schedule {
  try {
    return new CronSchedule(CronExpressionParser().parse(expr, { tz: timeZone || localTimeZone(), currentDate: new Date(0) }));
  } catch (e) {
    throw new Error(errorMessage(e));
  }
}
