// Endpoint choice for the userspace proxy: kube-proxy's former pkg/proxy/userspace/roundrobin.go
// (LoadBalancerRR): round-robin over a service port's endpoints, with ClientIP session affinity
// that remembers a client's endpoint for the affinity timeout, and a way to skip endpoints that
// just refused a connection (the proxy retries on the next one).

export interface Balanced {
  endpoint: string;
}

interface AffinityEntry {
  endpoint: string;
  lastUsed: number;
}

export class RoundRobin {
  private endpoints: string[] = [];
  private index = 0;
  private readonly affinity = new Map<string, AffinityEntry>();

  constructor(private stickySeconds = 0) {}

  /** New endpoint list (kept in order; the cursor stays where it was when it can). */
  update(endpoints: string[], stickySeconds: number): void {
    this.stickySeconds = stickySeconds;
    const same = endpoints.length === this.endpoints.length && endpoints.every((e, i) => e === this.endpoints[i]);
    if (!same) {
      this.endpoints = [...endpoints];
      if (this.index >= this.endpoints.length) this.index = 0;
      const live = new Set(endpoints);
      for (const [ip, a] of this.affinity) if (!live.has(a.endpoint)) this.affinity.delete(ip);
    }
    if (stickySeconds === 0) this.affinity.clear();
  }

  get size(): number {
    return this.endpoints.length;
  }

  /**
   * The endpoint for a client, skipping those in `exclude` (already tried). With affinity, the
   * client's remembered endpoint while it is fresh; a new choice is remembered.
   */
  next(clientIP: string, exclude: ReadonlySet<string> = new Set(), now = Date.now()): string | undefined {
    if (this.endpoints.length === 0) return undefined;
    if (this.stickySeconds > 0) {
      const a = this.affinity.get(clientIP);
      if (a && now - a.lastUsed < this.stickySeconds * 1000 && !exclude.has(a.endpoint) && this.endpoints.includes(a.endpoint)) {
        a.lastUsed = now;
        return a.endpoint;
      }
    }
    for (let i = 0; i < this.endpoints.length; i++) {
      const ep = this.endpoints[this.index];
      this.index = (this.index + 1) % this.endpoints.length;
      if (exclude.has(ep)) continue;
      if (this.stickySeconds > 0) {
        this.affinity.set(clientIP, { endpoint: ep, lastUsed: now });
        if (this.affinity.size > 100_000) this.expire(now);
      }
      return ep;
    }
    return undefined;
  }

  private expire(now: number): void {
    for (const [ip, a] of this.affinity) if (now - a.lastUsed >= this.stickySeconds * 1000) this.affinity.delete(ip);
  }
}
