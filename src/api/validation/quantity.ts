// resource.Quantity, just enough to compare requests with limits and spot negatives.

const quantityRe = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const suffixes: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The quantity's value as a number, or undefined when it is not a quantity. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = quantityRe.exec(q.trim());
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return undefined;
  const num = Number(m[1]);
  const suf = m[2];
  if (suf in suffixes) return num * suffixes[suf];
  const e = /^[eE]([-+]?\d+)$/.exec(suf);
  if (e) return num * 10 ** Number(e[1]);
  return undefined;
}

export const quantityFormatMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
