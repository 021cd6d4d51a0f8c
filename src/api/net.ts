// IPv4 addresses and CIDRs as numbers, for the allocators that hand them out (service cluster
// IPs in the API server, pod IPs on a node), as k8s.io/utils/net does for Kubernetes.

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

/** A dotted-quad IPv4 address in canonical form (no leading zeros). */
export function isIPv4(s: unknown): s is string {
  return typeof s === 'string' && IPV4.test(s);
}

export function ipToInt(ip: string): number {
  if (!isIPv4(ip)) throw new Error(`invalid IPv4 address ${ip}`);
  const p = ip.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** An IPv4 CIDR: its network address (host bits cleared), prefix length and number of addresses. */
export interface CIDR {
  network: number;
  prefix: number;
  size: number;
}

export function parseCIDR(cidr: string): CIDR {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || !isIPv4(m[1]) || prefix > 32) throw new Error(`invalid IPv4 CIDR ${cidr}`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (ipToInt(m[1]) & mask) >>> 0, prefix, size: 2 ** (32 - prefix) };
}

/**
 * Why clusterCIDR cannot be cut into node blocks of maskSize bits, as kube-controller-manager's
 * range allocator refuses it (cidrset.NewCIDRSet: a mask from the cluster's prefix to /30, at
 * most 2^16 blocks); undefined when it can. One rule for the allocator (controllers/nodeipam.ts)
 * and for `up`, which refuses the flags before a control plane fails to start on them.
 */
export function nodeCIDRMaskProblem(clusterCIDR: string, maskSize: number): string | undefined {
  const { prefix } = parseCIDR(clusterCIDR);
  if (!Number.isInteger(maskSize) || maskSize < prefix || maskSize > 30)
    return `--node-cidr-mask-size ${maskSize} must be between the cluster CIDR's prefix /${prefix} and 30`;
  if (maskSize - prefix > 16)
    return `--node-cidr-mask-size ${maskSize} splits --cluster-cidr ${clusterCIDR} into more than 65536 blocks; use a longer cluster prefix or a shorter mask`;
  return undefined;
}

export function cidrContains(cidr: CIDR, ip: string): boolean {
  if (!isIPv4(ip)) return false;
  const offset = ipToInt(ip) - cidr.network;
  return offset >= 0 && offset < cidr.size;
}

/** An address a host may have in the CIDR: neither its network nor its broadcast address. */
export function isHostAddress(cidr: CIDR, ip: string): boolean {
  if (!cidrContains(cidr, ip)) return false;
  const offset = ipToInt(ip) - cidr.network;
  return offset > 0 && offset < cidr.size - 1;
}
