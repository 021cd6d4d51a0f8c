// ClusterIP and NodePort allocation, as kube-apiserver's service registry does it: random
// free values from the service CIDR and the node-port range, explicit requests honoured
// unless taken or out of range. State is rebuilt from the stored Services at start-up.

import type { FieldError } from '../api/errors.js';
import { type CIDR, intToIp, ipToInt, isHostAddress, isIPv4, parseCIDR } from '../api/net.js';

export class IPAllocator {
  private readonly range: CIDR;
  private used = new Set<number>();
  constructor(public readonly cidr: string) {
    this.range = parseCIDR(cidr);
  }
  get base(): number {
    return this.range.network;
  }
  get size(): number {
    return this.range.size;
  }
  /** Network and broadcast addresses are never handed out. */
  contains(ip: string): boolean {
    return isHostAddress(this.range, ip);
  }
  isUsed(ip: string): boolean {
    return isIPv4(ip) && this.used.has(ipToInt(ip));
  }
  /** Marks ip used; false when it is taken or outside the range. */
  allocate(ip: string): boolean {
    if (!this.contains(ip)) return false;
    const n = ipToInt(ip);
    if (this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }
  allocateNext(): string | undefined {
    const free = this.size - 2 - this.used.size;
    if (free <= 0) return undefined;
    // Random probing keeps allocation O(1) while the range is mostly free, as Kubernetes'
    // random-scan allocator does; fall back to a scan when it is nearly full.
    for (let i = 0; i < 64; i++) {
      const n = this.base + 1 + Math.floor(Math.random() * (this.size - 2));
      if (!this.used.has(n)) {
        this.used.add(n);
        return intToIp(n);
      }
    }
    for (let n = this.base + 1; n < this.base + this.size - 1; n++) {
      if (!this.used.has(n)) {
        this.used.add(n);
        return intToIp(n);
      }
    }
    return undefined;
  }
  release(ip: string): void {
    if (isIPv4(ip)) this.used.delete(ipToInt(ip));
  }
  get allocated(): number {
    return this.used.size;
  }
}

export class PortAllocator {
  private used = new Set<number>();
  constructor(
    public readonly min = 30000,
    public readonly max = 32767,
  ) {}
  inRange(p: number): boolean {
    return Number.isInteger(p) && p >= this.min && p <= this.max;
  }
  isUsed(p: number): boolean {
    return this.used.has(p);
  }
  allocate(p: number): boolean {
    if (!this.inRange(p) || this.used.has(p)) return false;
    this.used.add(p);
    return true;
  }
  allocateNext(): number | undefined {
    const span = this.max - this.min + 1;
    if (this.used.size >= span) return undefined;
    for (let i = 0; i < 64; i++) {
      const p = this.min + Math.floor(Math.random() * span);
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
    for (let p = this.min; p <= this.max; p++)
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    return undefined;
  }
  release(p: number): void {
    this.used.delete(p);
  }
  get range(): string {
    return `${this.min}-${this.max}`;
  }
}

export interface ServiceAllocators {
  clusterIPs: IPAllocator;
  nodePorts: PortAllocator;
}

export function newServiceAllocators(serviceCIDR = '10.96.0.0/12', nodePortRange = '30000-32767'): ServiceAllocators {
  const [lo, hi] = nodePortRange.split('-').map(Number);
  return { clusterIPs: new IPAllocator(serviceCIDR), nodePorts: new PortAllocator(lo, hi) };
}

export type { FieldError };
