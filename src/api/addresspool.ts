// LoadBalancer address pools (MetalLB's IPAddressPool spelling), parsed and checked: a leaf
// module, so that reading a cluster's config (--load-balancer-pool) does not load the
// controller that hands the addresses out (#13: the CLI's start-up).

import { ipToInt, isIPv4, parseCIDR } from './net.js';

/** A pool: IPv4 ranges [first, last] (numbers), in the order given. */
export interface AddressPool {
  ranges: { first: number; last: number }[];
  text: string;
}

/**
 * Parses a pool as MetalLB's IPAddressPool spells addresses: comma-separated CIDRs (their
 * network and broadcast addresses left out for prefixes shorter than /31), ranges
 * `a.b.c.d-e.f.g.h`, or single addresses.
 */
export function parseAddressPool(text: string): AddressPool {
  const ranges: AddressPool['ranges'] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    if (part.includes('/')) {
      const c = parseCIDR(part);
      const edge = c.prefix < 31 ? 1 : 0;
      ranges.push({ first: c.network + edge, last: c.network + c.size - 1 - edge });
    } else if (part.includes('-')) {
      const [a, b] = part.split('-').map((s) => s.trim());
      if (!isIPv4(a) || !isIPv4(b) || ipToInt(a) > ipToInt(b))
        throw new Error(`invalid address range ${part}: expected FIRST-LAST with FIRST <= LAST`);
      ranges.push({ first: ipToInt(a), last: ipToInt(b) });
    } else {
      if (!isIPv4(part)) throw new Error(`invalid address ${part}: expected an IPv4 address, CIDR or range`);
      ranges.push({ first: ipToInt(part), last: ipToInt(part) });
    }
  }
  if (!ranges.length) throw new Error('the load balancer pool is empty');
  return { ranges, text };
}

export function poolContains(pool: AddressPool, ip: string): boolean {
  if (!isIPv4(ip)) return false;
  const n = ipToInt(ip);
  return pool.ranges.some((r) => n >= r.first && n <= r.last);
}

/**
 * The default pool when none is configured: 198.18.<n>.0/24 (RFC 2544's benchmarking range,
 * used by no LAN), n the third octet of the pod CIDR, so clusters side by side on one machine
 * (each with its own pod CIDR) do not hand out the same addresses.
 */
export function defaultLoadBalancerPool(podCIDR: string | undefined): string {
  let n = 0;
  try {
    if (podCIDR) n = (parseCIDR(podCIDR).network >>> 8) & 255;
  } catch {
    /* default 0 */
  }
  return `198.18.${n}.0/24`;
}
