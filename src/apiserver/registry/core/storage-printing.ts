// What the storage printers share: access modes as kubectl abbreviates them
// (helper.GetAccessModesAsString) and a quantity in its canonical form (resource.Quantity.String(),
// "1024Mi" prints as "1Gi", "1000m" as "1").

const MODE_ABBREVIATIONS: [string, string][] = [
  ['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP'],
];

export function accessModesString(modes: unknown): string {
  const have = new Set(Array.isArray(modes) ? modes.map(String) : []);
  return MODE_ABBREVIATIONS.filter(([m]) => have.has(m)).map(([, a]) => a).join(',');
}

const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_BY_EXP: Record<number, string> = Object.fromEntries(Object.entries(DECIMAL).map(([s, e]) => [e, s]));

/**
 * resource.Quantity's canonical string. Binary suffixes stay binary while the value is a whole
 * number of units (the largest power of 1024 that divides it); everything else is decimal SI
 * with the largest exponent (a multiple of 3) that leaves an integer mantissa. Values that do
 * not parse, and exponent forms, are printed as given.
 */
export function quantityString(q: unknown): string {
  if (q === undefined || q === null || q === '') return '0';
  const text = typeof q === 'number' ? String(q) : String(q).trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return text;
  const sign = m[1] === '-' ? -1n : 1n;
  const frac = m[3] ?? '';
  // value = digits * 10^(-frac.length) * unit
  let digits = BigInt(`${m[2] || '0'}${frac}`) * sign;
  let exp10 = -frac.length;
  let pow2 = 0;
  const suffix = m[4];
  if (BINARY.includes(suffix) && suffix !== '') pow2 = 10 * BINARY.indexOf(suffix);
  else exp10 += DECIMAL[suffix] ?? 0;
  if (digits === 0n) return '0';
  if (pow2 > 0) {
    // An exact number of bytes? Then binary, with the largest whole unit.
    let value = digits * (1n << BigInt(pow2));
    let whole = true;
    for (let i = exp10; i < 0; i++) {
      if (value % 10n !== 0n) { whole = false; break; }
      value /= 10n;
    }
    if (whole) {
      let k = 0;
      while (k < BINARY.length - 1 && value % 1024n === 0n) { value /= 1024n; k++; }
      return `${value}${BINARY[k]}`;
    }
    digits *= 1n << BigInt(pow2);
  }
  // Decimal SI: normalise to mantissa * 10^e with e a multiple of 3, as large as keeps it whole.
  while (digits % 10n === 0n) { digits /= 10n; exp10++; }
  let e3 = Math.floor(exp10 / 3) * 3;
  let mant = digits * 10n ** BigInt(exp10 - e3);
  if (e3 > 18) { mant *= 10n ** BigInt(e3 - 18); e3 = 18; }
  if (e3 < -9) return text;
  return `${mant}${DECIMAL_BY_EXP[e3]}`;
}
