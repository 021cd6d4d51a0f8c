// Prefix ranges over keys, as etcd expresses a prefix: [prefix, prefixEnd(prefix)).

/**
 * The smallest key greater than every key starting with prefix: the prefix with its last
 * character incremented. undefined means "no upper bound" (empty prefix, or a prefix made
 * only of U+FFFF). Keys in k8ts are ASCII paths, for which this also matches byte order.
 */
export function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return undefined;
}

/** Index of the first element of a sorted array that is >= key. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
