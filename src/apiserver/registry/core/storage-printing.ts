// What the storage printers share: access modes as kubectl abbreviates them
// (helper.GetAccessModesAsString) and a quantity in its canonical form (resource.Quantity.String(),
// "1024Mi" prints as "1Gi", "1000m" as "1").

import { canonicalQuantity } from '../../../api/quantity.js';

const MODE_ABBREVIATIONS: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

export function accessModesString(modes: unknown): string {
  const have = new Set(Array.isArray(modes) ? modes.map(String) : []);
  return MODE_ABBREVIATIONS.filter(([m]) => have.has(m))
    .map(([, a]) => a)
    .join(',');
}

/** resource.Quantity's String() of a stored quantity; an absent one is the zero quantity. */
export function quantityString(q: unknown): string {
  if (q === undefined || q === null || q === '') return '0';
  return String(canonicalQuantity(q));
}
