// resource.Quantity (k8s.io/apimachinery/pkg/api/resource), exact: a value is an integer times a
// power of ten (BigInt, no floats), parsed from "500m", "1.5Gi", "12e6" or a JSON number, kept to
// nano precision (finer amounts round up, as Kubernetes gives "some" rather than none), and
// written back in Kubernetes' canonical form: cpu 0.5 is stored as "500m", 1024Mi as "1Gi",
// 1000 as "1k". The server stores every Quantity field in that form (canonicalizeQuantities).

import { isObject } from './object.js';
import { allTypes, type FieldDef, getType, isScalar, isSpecial, jsonFields, type TypeDef } from './schema/index.js';

export const quantityFormatMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** How a quantity was written, and so how it is written back. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e / 10, s]));

/** The smallest amount a quantity keeps: 10^-9. */
const NANO = -9;
const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** a / b rounded away from zero (inf.RoundUp). */
function divAway(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a ? q : q + (a < 0n ? -1n : 1n);
}

/** How many times f divides v, and what is left. */
function removeFactors(v: bigint, f: bigint): [bigint, number] {
  let n = 0;
  while (v !== 0n && v % f === 0n) {
    v /= f;
    n++;
  }
  return [v, n];
}

export class Quantity {
  /** The value is unscaled × 10^scale, with scale ≥ -9. */
  private constructor(
    readonly unscaled: bigint,
    readonly scale: number,
    readonly format: QuantityFormat,
  ) {}

  /** resource.ParseQuantity; a JSON number counts as its decimal text. Throws on anything else. */
  static parse(input: string | number): Quantity {
    const q = Quantity.tryParse(input);
    if (!q) throw new Error(quantityFormatMessage);
    return q;
  }

  static tryParse(input: unknown): Quantity | undefined {
    if (typeof input === 'number') {
      if (!Number.isFinite(input)) return undefined;
      input = String(input);
    }
    if (typeof input !== 'string') return undefined;
    const m = QUANTITY.exec(input.trim());
    if (!m) return undefined;
    const [, sign, whole, frac = '', suffix] = m;
    if (whole === '' && frac === '') return undefined;
    let format: QuantityFormat;
    let exp10 = 0;
    let exp2 = 0;
    if (suffix in DECIMAL_SUFFIXES) {
      format = 'DecimalSI';
      exp10 = DECIMAL_SUFFIXES[suffix];
    } else if (suffix in BINARY_SUFFIXES) {
      format = 'BinarySI';
      exp2 = BINARY_SUFFIXES[suffix];
    } else {
      const e = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
      if (!e) return undefined;
      format = 'DecimalExponent';
      exp10 = Number(e[1]);
    }
    let unscaled = BigInt(`${whole || '0'}${frac}`) * (1n << BigInt(exp2));
    let scale = exp10 - frac.length;
    if (sign === '-') unscaled = -unscaled;
    if (scale < NANO) {
      // Finer than a nano rounds up, so a tiny request is never zero.
      unscaled = divAway(unscaled, pow10(NANO - scale));
      scale = NANO;
    }
    const q = new Quantity(unscaled, scale, format);
    // A binary quantity below one is written in decimal (0.5Ki is 512, 0.1Ki is 102400m).
    if (format === 'BinarySI' && q.sign() > 0 && q.cmp(Quantity.ONE) < 0) return new Quantity(unscaled, scale, 'DecimalSI');
    return q;
  }

  static readonly ZERO = new Quantity(0n, 0, 'DecimalSI');
  static readonly ONE = new Quantity(1n, 0, 'DecimalSI');

  static fromInt(v: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(v), 0, format);
  }

  neg(): Quantity {
    return new Quantity(-this.unscaled, this.scale, this.format);
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): number {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  /** The value as an integer count of 10^scale units (scale ≤ this.scale is exact; a larger one rounds away from zero). */
  private at(scale: number): bigint {
    if (scale <= this.scale) return this.unscaled * pow10(this.scale - scale);
    return divAway(this.unscaled, pow10(scale - this.scale));
  }

  cmp(o: Quantity): number {
    const s = Math.min(this.scale, o.scale);
    const a = this.at(s),
      b = o.at(s);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  add(o: Quantity): Quantity {
    const s = Math.min(this.scale, o.scale);
    return new Quantity(this.at(s) + o.at(s), s, this.format);
  }

  /** Value(): whole units, rounded away from zero. */
  value(): number {
    return Number(this.at(0));
  }

  /** MilliValue(): thousandths, rounded away from zero (cpu in millicores). */
  milliValue(): number {
    return Number(this.at(-3));
  }

  /** The value as a JS number (exact up to 2^53 units; for display and ratios). */
  toNumber(): number {
    return Number(this.unscaled) * 10 ** this.scale;
  }

  /** Quantity.String(): the canonical form. */
  toString(): string {
    if (this.unscaled === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const whole = this.scale >= 0 || this.unscaled % pow10(-this.scale) === 0n;
      // Small or fractional binary amounts read better (and exactly) in decimal.
      if (abs(this.at(0)) < 1024n || !whole) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      const [mantissa, times] = removeFactors(this.at(0), 1024n);
      const suffix = BINARY_BY_EXPONENT.get(Math.min(times, 6));
      const m = times > 6 ? mantissa * 1024n ** BigInt(times - 6) : mantissa;
      return `${m}${suffix ?? ''}`;
    }
    // Decimal: the mantissa without trailing zeros, then an exponent that is a multiple of three.
    let [mantissa, times] = removeFactors(this.unscaled, 10n);
    let exponent = this.scale + times;
    const r = ((exponent % 3) + 3) % 3;
    mantissa *= pow10(r);
    exponent -= r;
    if (format === 'DecimalSI') {
      const suffix = DECIMAL_BY_EXPONENT.get(exponent);
      if (suffix !== undefined) return `${mantissa}${suffix}`;
    }
    return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Canonical forms of the quantity strings seen lately: the same few ("10m", "16Mi") come with every pod. */
const canonicalStrings = new Map<string, string>();
const CANONICAL_STRINGS_MAX = 4096;

/** A quantity's canonical form; what is not a quantity is left for validation to report. */
export function canonicalQuantity(v: unknown): unknown {
  if (typeof v !== 'string') return Quantity.tryParse(v)?.toString() ?? v;
  let c = canonicalStrings.get(v);
  if (c === undefined) {
    c = Quantity.tryParse(v)?.toString() ?? v;
    // Bounded: a client sending ever new strings costs a parse each, never memory.
    if (canonicalStrings.size >= CANONICAL_STRINGS_MAX) canonicalStrings.clear();
    canonicalStrings.set(v, c);
  }
  return c;
}

/** Per type, its JSON fields that are a Quantity or lead to one (made once for all types). */
let quantityFieldsByType: WeakMap<TypeDef, [string, FieldDef][]> | undefined;

/**
 * The fields canonicalizeQuantities must visit in each type: Quantities, and fields of a type
 * from which a Quantity can be reached. The rest of an object (most of a pod: metadata,
 * managedFields, probes, env, status conditions ...) holds none, and walking it on every write
 * was most of the cost. Types that reach a Quantity are the least fixpoint over the schema's
 * type graph, so recursive types (JSONSchemaProps) are handled.
 */
function quantityFields(t: TypeDef): [string, FieldDef][] {
  if (!quantityFieldsByType) {
    const types = allTypes();
    const reaches = new Set<string>();
    const leads = (f: FieldDef) => f.type === 'Quantity' || (!isScalar(f.type) && !isSpecial(f.type) && reaches.has(f.type));
    for (let changed = true; changed; ) {
      changed = false;
      for (const def of types) {
        if (reaches.has(def.name)) continue;
        for (const f of jsonFields(def).values()) {
          if (leads(f)) {
            reaches.add(def.name);
            changed = true;
            break;
          }
        }
      }
    }
    quantityFieldsByType = new WeakMap();
    for (const def of types)
      quantityFieldsByType.set(
        def,
        [...jsonFields(def)].filter(([, f]) => leads(f)),
      );
  }
  let fields = quantityFieldsByType.get(t);
  if (!fields) {
    // A type outside the registry's list (none today): its fields as they are, walked in full.
    fields = [...jsonFields(t)];
    quantityFieldsByType.set(t, fields);
  }
  return fields;
}

/**
 * Writes every Quantity field of an object of the given schema type in canonical form, as
 * kube-apiserver's decoding does before an object is stored. Only fields that are or lead to a
 * Quantity are visited (quantityFields). A frozen part is left as it is: it is a stored
 * version's (the watch cache's, shared by an update that keeps it), canonical when stored.
 */
export function canonicalizeQuantities(typeName: string, value: unknown): void {
  const t = getType(typeName);
  if (!t || !isObject(value) || Object.isFrozen(value)) return;
  for (const [json, f] of quantityFields(t)) {
    const v = value[json];
    if (v === undefined || v === null) continue;
    if (f.type === 'Quantity') {
      if ((f.map || f.list) && Object.isFrozen(v)) continue;
      if (f.map && isObject(v)) for (const k of Object.keys(v)) v[k] = canonicalQuantity(v[k]);
      else if (f.list && Array.isArray(v))
        v.forEach((x, i) => {
          v[i] = canonicalQuantity(x);
        });
      else if (!f.map && !f.list) value[json] = canonicalQuantity(v);
      continue;
    }
    if (isScalar(f.type) || isSpecial(f.type)) continue;
    if (f.map && isObject(v)) for (const x of Object.values(v)) canonicalizeQuantities(f.type, x);
    else if (f.list && Array.isArray(v)) for (const x of v) canonicalizeQuantities(f.type, x);
    else canonicalizeQuantities(f.type, v);
  }
}
